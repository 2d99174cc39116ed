//! `sio-smol connect URL`: a command-line Socket.IO client, the `wscat` of
//! Socket.IO. One JSON line on stdout per thing that happens, one JSON
//! line on stdin per thing to do (see [`ConnectArgs`]'s help).

use crate::json_args;
use serde_json::{Map, Value, json};
use sio_smol::client::{Client, ClientMsg, ClientOptions, ClientSocket, ClientTransports};
use std::collections::{HashMap, HashSet};
use std::io::{BufRead, Write};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Connect to a Socket.IO server: print what happens, act on stdin.
///
/// Prints one JSON line per thing that happens to stdout:
///   {"nsp":"/","type":"connect","id":"..","recovered":false}
///   {"nsp":"/","type":"event","event":"tick","args":[..]}   (binary as {"_binary":"<base64>"};
///       "ack_wanted":ID when the server asks for an ack)
///   {"nsp":"/","type":"ack","id":N,"args":[..]}             (the answer to an emit with "ack":N;
///       "type":"ack_error" with "error" when it will not come)
///   {"nsp":"/","type":"disconnect","reason":".."}
///   {"nsp":"/","type":"connect_error","message":"..","data":..}
///   {"type":"reconnect_attempt","attempt":N}, {"type":"reconnect","attempt":N},
///   {"type":"reconnect_failed"}, {"type":"error","message":".."} (a bad stdin line)
///
/// Reads one JSON line per action from stdin ("nsp" defaults to "/"):
///   {"nsp":"/","emit":"ev","args":[..]}        emit (add "ack":N to ask for an ack,
///                                               "timeout":MS, "volatile":true)
///   {"nsp":"/ns","connect":true}               open another namespace
///   {"nsp":"/ns","disconnect":true}            leave a namespace
///   {"nsp":"/","answer":ID,"args":[..]}        answer the server's ack ID (--answer-acks stdin)
///   {"close":true}                             disconnect and exit with status 0
///
/// Reconnection is on by default, as in the official client: a disconnect
/// line, then a new connect. The client exits when no namespace is left
/// (status 0 when it left them itself, 1 otherwise) or when reconnection
/// gives up (1). The end of stdin does not stop it.
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct ConnectArgs {
    /// The server: http[s]://host[:port][?query] (ws[s]:// too).
    url: String,
    /// A namespace to open at start (repeatable); default "/", or the
    /// URL's path when it has one.
    #[arg(long = "nsp")]
    nsps: Vec<String>,
    /// polling, websocket, or upgrade (polling first, then WebSocket).
    #[arg(long, value_enum, default_value_t = Transport::Upgrade)]
    transport: Transport,
    /// The CONNECT payload of every namespace, a JSON object.
    #[arg(long)]
    auth: Option<String>,
    /// The server's Socket.IO path.
    #[arg(long, default_value = "/socket.io/")]
    path: String,
    /// An extra HTTP header "Name: value" (repeatable).
    #[arg(long = "header")]
    headers: Vec<String>,
    /// Do not reconnect when the connection is lost.
    #[arg(long)]
    no_reconnect: bool,
    /// How to answer the server's ack requests: echo (at once, with the
    /// event's own arguments) or stdin (wait for {"answer":ID,..}).
    #[arg(long, value_enum, default_value_t = AnswerAcks::Echo)]
    answer_acks: AnswerAcks,
    /// A PEM file of root certificates to trust besides the usual ones
    /// (a self-signed server).
    #[arg(long)]
    ca_cert: Option<std::path::PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Transport {
    Polling,
    Websocket,
    Upgrade,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum AnswerAcks {
    Echo,
    Stdin,
}

/// Prints one JSON line (stdout is flushed per line).
fn print(line: Value) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

fn print_error(message: impl std::fmt::Display) {
    print(json!({"type": "error", "message": message.to_string()}));
}

/// What the handlers and the stdin loop share.
struct Session {
    client: Client,
    answer_acks: AnswerAcks,
    no_reconnect: bool,
    sockets: Mutex<HashMap<String, ClientSocket>>,
    /// Namespaces open or coming back; the client exits when none is left.
    active: Mutex<HashSet<String>>,
    /// The server's ack requests waiting for an answer, by the id printed.
    waiting: Mutex<HashMap<u64, ClientMsg>>,
    next_ack_wanted: AtomicU64,
}

/// Runs the client until it exits.
pub fn run(args: ConnectArgs) -> ExitCode {
    match start(&args) {
        Ok(session) => {
            read_commands(&session);
            // stdin ended: keep printing what happens until the client ends.
            loop {
                std::thread::park();
            }
        }
        Err(e) => {
            eprintln!("sio-smol connect: {e}");
            ExitCode::from(2)
        }
    }
}

fn start(args: &ConnectArgs) -> Result<Arc<Session>, String> {
    let mut options = ClientOptions::default()
        .transports(match args.transport {
            Transport::Polling => ClientTransports::Polling,
            Transport::Websocket => ClientTransports::WebSocket,
            Transport::Upgrade => ClientTransports::Upgrade,
        })
        .path(args.path.clone())
        .reconnection(!args.no_reconnect)
        // Namespaces open once their handlers are set (`open`).
        .auto_connect(false);
    if let Some(auth) = &args.auth {
        let auth: Value = serde_json::from_str(auth).map_err(|e| format!("--auth: {e}"))?;
        if !auth.is_object() {
            return Err("--auth must be a JSON object".into());
        }
        options = options.auth(auth);
    }
    for header in &args.headers {
        let (name, value) = header
            .split_once(':')
            .ok_or_else(|| format!("--header {header:?}: expected \"Name: value\""))?;
        options = options.extra_header(name.trim(), value.trim());
    }
    if let Some(path) = &args.ca_cert {
        let pem = std::fs::read(path).map_err(|e| format!("--ca-cert {}: {e}", path.display()))?;
        options = options.add_root_certificates_pem(pem);
    }
    let client = Client::manager(&args.url, options).map_err(|e| e.to_string())?;
    let session = Arc::new(Session {
        client: client.clone(),
        answer_acks: args.answer_acks,
        no_reconnect: args.no_reconnect,
        sockets: Mutex::default(),
        active: Mutex::default(),
        waiting: Mutex::default(),
        next_ack_wanted: AtomicU64::new(1),
    });
    client.on_reconnect_attempt(|n| print(json!({"type": "reconnect_attempt", "attempt": n})));
    client.on_reconnect(|n| print(json!({"type": "reconnect", "attempt": n})));
    client.on_reconnect_failed(|| {
        print(json!({"type": "reconnect_failed"}));
        exit_once(1);
    });
    let mut nsps = args.nsps.clone();
    if nsps.is_empty() {
        nsps.push(url_namespace(&args.url));
    }
    for nsp in nsps {
        open(&session, &nsp);
    }
    Ok(session)
}

/// The namespace in a URL's path ("/" when it has none).
fn url_namespace(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let rest = rest.split(['?', '#']).next().unwrap_or("");
    match rest.find('/') {
        Some(i) if rest.len() > i + 1 => rest[i..].trim_end_matches('/').to_owned(),
        _ => "/".to_owned(),
    }
}

/// A namespace name with its leading slash (added when missing).
pub(crate) fn normalize(nsp: &str) -> String {
    if nsp.starts_with('/') {
        nsp.to_owned()
    } else {
        format!("/{nsp}")
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Opens a namespace (once) with handlers that print its life.
fn open(session: &Arc<Session>, nsp: &str) {
    let nsp = normalize(nsp);
    if lock(&session.sockets).contains_key(&nsp) {
        lock(&session.active).insert(nsp.clone());
        if let Some(socket) = lock(&session.sockets).get(&nsp) {
            socket.connect();
        }
        return;
    }
    let socket = session.client.of(&nsp);
    lock(&session.active).insert(nsp.clone());
    socket.on_connect(|socket| {
        print(json!({"nsp": socket.nsp(), "type": "connect", "id": socket.id(), "recovered": socket.recovered()}));
    });
    let s = Arc::downgrade(session);
    socket.on_any(move |socket, msg| {
        let mut line = json!({
            "nsp": socket.nsp(), "type": "event", "event": msg.event(),
            "args": json_args::to_json(msg.raw()),
        });
        let Some(session) = s.upgrade() else { return };
        if msg.wants_ack() {
            let id = session.next_ack_wanted.fetch_add(1, Ordering::Relaxed);
            line["ack_wanted"] = json!(id);
            match session.answer_acks {
                AnswerAcks::Echo => {
                    print(line);
                    msg.ack_raw(msg.raw().clone());
                }
                AnswerAcks::Stdin => {
                    // Kept before the line goes out: the answer may come at once.
                    lock(&session.waiting).insert(id, msg);
                    print(line);
                }
            }
        } else {
            print(line);
        }
    });
    let s = Arc::downgrade(session);
    socket.on_connect_error(move |socket, failure| {
        print(json!({
            "nsp": socket.nsp(), "type": "connect_error",
            "message": failure.message, "data": failure.data,
        }));
        if let Some(session) = s.upgrade()
            && (failure.refused() || session.no_reconnect)
        {
            left(&session, socket.nsp(), 1);
        }
    });
    let s = Arc::downgrade(session);
    socket.on_disconnect(move |socket, reason| {
        print(json!({"nsp": socket.nsp(), "type": "disconnect", "reason": reason.as_str()}));
        if let Some(session) = s.upgrade()
            && (!reason.reconnects() || session.no_reconnect)
        {
            let by_us = reason == sio_smol::client::ClientDisconnectReason::IoClientDisconnect;
            left(&session, socket.nsp(), if by_us { 0 } else { 1 });
        }
    });
    lock(&session.sockets).insert(nsp, socket.clone());
    // Only now, with every handler in place: the client runs on its own
    // thread, and a quick refusal would otherwise come before
    // `on_connect_error` is set, and go unprinted.
    socket.connect();
}

/// Exits the process, once: the stdin loop (`close`) and the client's
/// thread (the last namespace gone) may both decide to exit at the same
/// moment, and two threads in libc's `exit` at once can abort the process
/// (SIGABRT) instead of exiting. The second caller waits for the first.
fn exit_once(status: i32) -> ! {
    static EXITING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if EXITING.swap(true, Ordering::SeqCst) {
        loop {
            std::thread::park();
        }
    }
    std::process::exit(status)
}

/// A namespace will not come back: exit when it was the last one.
fn left(session: &Session, nsp: &str, status: i32) {
    let mut active = lock(&session.active);
    active.remove(nsp);
    if active.is_empty() {
        drop(active);
        session.client.close();
        exit_once(status);
    }
}

/// Acts on stdin's lines until it ends.
fn read_commands(session: &Arc<Session>) {
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Value>(&line) {
            Ok(Value::Object(cmd)) => {
                if let Err(e) = act(session, cmd) {
                    print_error(e);
                }
            }
            Ok(_) => print_error("a command is a JSON object"),
            Err(e) => print_error(format!("not JSON: {e}")),
        }
    }
}

fn act(session: &Arc<Session>, mut cmd: Map<String, Value>) -> Result<(), String> {
    if cmd.get("close") == Some(&Value::Bool(true)) {
        session.client.close();
        // Give the driver a moment to send the DISCONNECT and close packets.
        std::thread::sleep(Duration::from_millis(200));
        exit_once(0);
    }
    let nsp = normalize(cmd.get("nsp").and_then(Value::as_str).unwrap_or("/"));
    if cmd.get("connect") == Some(&Value::Bool(true)) {
        open(session, &nsp);
        return Ok(());
    }
    let socket = lock(&session.sockets).get(&nsp).cloned().ok_or_else(|| {
        format!("namespace {nsp} is not open: send {{\"nsp\":\"{nsp}\",\"connect\":true}} first")
    })?;
    if cmd.get("disconnect") == Some(&Value::Bool(true)) {
        socket.disconnect();
        return Ok(());
    }
    let args = json_args::from_json(cmd.remove("args").unwrap_or(Value::Array(Vec::new())))?;
    if let Some(id) = cmd.get("answer") {
        let id = id.as_u64().ok_or("\"answer\" must be an ack id")?;
        let msg = lock(&session.waiting)
            .remove(&id)
            .ok_or_else(|| format!("no ack wanted with id {id}"))?;
        msg.ack_raw(args);
        return Ok(());
    }
    let event = cmd
        .get("emit")
        .and_then(Value::as_str)
        .ok_or("expected \"emit\", \"answer\", \"connect\", \"disconnect\" or \"close\"")?
        .to_owned();
    let volatile = cmd.get("volatile") == Some(&Value::Bool(true));
    let timeout = match cmd.get("timeout") {
        None => None,
        Some(ms) => Some(Duration::from_millis(
            ms.as_u64().ok_or("\"timeout\" must be milliseconds")?,
        )),
    };
    // The official one-shot flags; none: the socket's own emit.
    let emitter = match (volatile, timeout) {
        (true, Some(t)) => Some(socket.volatile().timeout(t)),
        (true, None) => Some(socket.volatile()),
        (false, Some(t)) => Some(socket.timeout(t)),
        (false, None) => None,
    };
    let Some(id) = cmd.get("ack").cloned() else {
        let sent = match emitter {
            Some(emitter) => emitter.emit_raw(&event, args),
            None => socket.emit_raw(&event, args),
        };
        return sent.map_err(|e| e.to_string());
    };
    smol::spawn(async move {
        let answer = match emitter {
            Some(emitter) => emitter.emit_raw_with_ack(&event, args).await,
            None => socket.emit_raw_with_ack(&event, args).await,
        };
        print(match answer {
            Ok(args) => json!({
                "nsp": nsp, "type": "ack", "id": id, "args": json_args::to_json(&args),
            }),
            Err(e) => json!({"nsp": nsp, "type": "ack_error", "id": id, "error": e.to_string()}),
        });
    })
    .detach();
    Ok(())
}
