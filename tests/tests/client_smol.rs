//! sio-smol's Socket.IO client (`sio_smol::client`) against sio-smol's
//! server, every scenario on polling, WebSocket and polling-then-upgrade:
//! connect and `ready`, namespaces, auth, events and acks both ways,
//! binary both ways, disconnect reasons, reconnection after a restart,
//! recovery through a proxy that cuts connections, and TLS.

#[macro_use]
mod client_common;

use serde_json::{Value, json};
use sio_core::engine::EngineConfig;
use sio_core::socket::{RecoveryConfig, ServerConfig};
use sio_smol::client::{
    Client, ClientDisconnectReason, ClientOptions, ClientSocket, ClientTransports, ReadyError,
};
use sio_smol::io::{Binary, SocketIo, args_as, args_from_array};
use sio_smol::tls::TlsConfig;
use sio_smol::{Mux, RunningServer};
use std::net::SocketAddr;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long anything is awaited before the test fails.
const WAIT: Duration = Duration::from_secs(10);

fn local() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

/// What the server saw, for the test's thread.
type Seen = Arc<Mutex<Vec<String>>>;

/// The server's options: pings every 300 ms so heartbeats run during
/// every scenario, a lenient ping timeout (2 cores, many tests at once).
fn config() -> ServerConfig {
    ServerConfig {
        engine: EngineConfig {
            ping_interval: Duration::from_millis(300),
            ping_timeout: Duration::from_millis(5000),
            ..EngineConfig::default()
        },
        ..ServerConfig::default()
    }
}

/// The server under test: `/` with its test events, `/custom`, and
/// `/admin` behind a token. Disconnect reasons go to `seen`.
fn mux(seen: Seen) -> Mux {
    let io = SocketIo::new(config());
    let io2 = io.clone();
    let seen2 = seen.clone();
    io.on_connection(move |socket| {
        socket.on("whoami", |socket, msg| {
            let _ = msg.ack(&json!({
                "id": socket.id().to_string(),
                "nsp": socket.nsp(),
                "auth": socket.auth::<Value>().unwrap_or(Value::Null),
                "tag": socket.handshake_query("tag"),
                "header": socket.handshake_header("x-test"),
            }));
        });
        socket.on("echo", |_, msg| msg.ack_raw(msg.raw().clone()));
        socket.on("echo-event", |socket, msg| {
            socket.emit_raw("echo-event", msg.raw())
        });
        let io = io2.clone();
        socket.on("ask", move |socket, msg| {
            let n: i64 = msg.data().unwrap_or_default();
            let socket = socket.clone();
            io.spawn(async move {
                let answer = socket
                    .timeout(WAIT)
                    .emit_with_ack::<_, Value>("question", &n)
                    .await;
                let answer = answer.unwrap_or_else(|e| json!(format!("error: {e}")));
                let _ = socket.emit("answer", &answer);
            });
        });
        socket.on("send-binary", |socket, _| {
            let _ = socket.emit_args(
                "bin",
                &(
                    "pic",
                    Binary::from(vec![1u8, 2, 3]),
                    vec![Binary::from(vec![4u8]), Binary::from(vec![5u8, 6])],
                ),
            );
        });
        socket.on("kick-me", |socket, _| socket.disconnect());
        // Ignores every other try: acks the even ones with their count.
        let tries = std::rc::Rc::new(std::cell::Cell::new(0u32));
        socket.on("flaky", move |_, msg| {
            tries.set(tries.get() + 1);
            if tries.get() & 1 == 0 {
                let _ = msg.ack(&tries.get());
            }
        });
        socket.on("big", |socket, msg| {
            let n: usize = msg.data().unwrap_or_default();
            let _ = socket.emit("big", &"x".repeat(n));
        });
        let seen = seen2.clone();
        socket.on_disconnect(move |socket, reason| {
            seen.lock()
                .unwrap()
                .push(format!("{} {reason:?}", socket.nsp()));
        });
    });
    io.of("/custom").on_connection(|socket| {
        socket.on("whoami", |socket, msg| {
            let _ = msg.ack(&json!({ "id": socket.id().to_string(), "nsp": socket.nsp() }));
        });
        socket.on("echo", |_, msg| msg.ack_raw(msg.raw().clone()));
    });
    let admin = io.of("/admin");
    tests::feature_server::require_token(&admin);
    admin.on_connection(|socket| {
        socket.on("whoami", |socket, msg| {
            let _ = msg.ack(&json!({ "nsp": socket.nsp(), "auth": socket.auth::<Value>().ok() }));
        });
    });
    let _ = seen;
    Mux::new().mount(&io)
}

fn start(addr: SocketAddr) -> (RunningServer, Seen) {
    let seen: Seen = Arc::default();
    let s = seen.clone();
    let server = sio_smol::spawn_thread(addr, move || mux(s)).expect("server starts");
    (server, seen)
}

/// Options for `transports`, with short reconnection delays.
fn options(transports: ClientTransports) -> ClientOptions {
    ClientOptions::default()
        .transports(transports)
        .reconnection_delay(Duration::from_millis(100))
        .reconnection_delay_max(Duration::from_millis(400))
}

fn ready(socket: &ClientSocket) {
    smol::block_on(socket.ready(WAIT))
        .unwrap_or_else(|e| panic!("{} not ready: {e}", socket.nsp()));
}

/// Emits `event` with `data` and waits for the ack's first argument.
fn ack(socket: &ClientSocket, event: &str, data: &Value) -> Value {
    smol::block_on(socket.timeout(WAIT).emit_with_ack(event, data))
        .unwrap_or_else(|e| panic!("{event}: {e}"))
}

/// The next message from a handler, or a failure naming `what`.
fn next<T>(rx: &mpsc::Receiver<T>, what: &str) -> T {
    rx.recv_timeout(WAIT)
        .unwrap_or_else(|_| panic!("no {what} within {WAIT:?}"))
}

/// Polls `f` until it holds or `WAIT` passes.
fn eventually(what: &str, f: impl Fn() -> bool) {
    let until = Instant::now() + WAIT;
    while !f() {
        assert!(Instant::now() < until, "{what}: not within {WAIT:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn connect_and_ready(t: ClientTransports) {
    let (server, _) = start(local());
    let url = format!("{}/?tag=from-url", server.url());
    let client = Client::connect(&url, options(t).extra_header("x-test", "yes")).unwrap();
    let (tx, upgraded) = mpsc::channel();
    client.on_upgrade(move || {
        let _ = tx.send(());
    });
    let socket = client.socket();
    assert_eq!(socket.nsp(), "/");
    ready(&socket);
    if t == ClientTransports::Upgrade {
        next(&upgraded, "upgrade");
    }
    assert!(socket.connected());
    let id = socket.id().expect("an id once connected");
    let me = ack(&socket, "whoami", &json!(null));
    assert_eq!(me["id"], id.as_str());
    assert_eq!(
        me["tag"], "from-url",
        "the URL's query reaches the handshake"
    );
    assert_eq!(me["header"], "yes", "extra headers reach the handshake");
    client.close();
    assert!(client.is_closed());
    assert!(!socket.connected());
    assert_eq!(
        smol::block_on(socket.ready(WAIT)),
        Err(ReadyError::Closed),
        "a closed client is never ready"
    );
}

fn namespaces(t: ClientTransports) {
    let (server, _) = start(local());
    let client = Client::connect(&format!("{}/custom", server.url()), options(t)).unwrap();
    let custom = client.socket();
    assert_eq!(custom.nsp(), "/custom", "the URL's path is the namespace");
    let main = client.of("/");
    ready(&custom);
    ready(&main);
    let a = ack(&custom, "whoami", &json!(null));
    assert_eq!(a["nsp"], "/custom");
    assert_eq!(a["id"], custom.id().unwrap().as_str());
    let b = ack(&main, "whoami", &json!(null));
    assert_eq!(b["nsp"], "/");
    assert_ne!(custom.id(), main.id(), "one id per namespace");
    // A namespace the server does not have is refused, with no data.
    let nope = client.of("nope");
    assert_eq!(nope.nsp(), "/nope");
    match smol::block_on(nope.ready(WAIT)) {
        Err(ReadyError::Connect(e)) => {
            assert!(e.refused(), "{e:?}");
            assert_eq!(e.message, "Invalid namespace");
            assert_eq!(e.data, None);
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(!nope.active());
    // Leaving one namespace keeps the other.
    custom.disconnect();
    eventually("/custom left", || !custom.connected());
    let again = ack(&main, "echo", &json!("still here"));
    assert_eq!(again, "still here");
    client.close();
}

fn auth(t: ClientTransports) {
    let (server, _) = start(local());
    let opts = options(t).auth(json!({ "token": "t1" }));
    let client = Client::connect(&server.url(), opts).unwrap();
    let main = client.socket();
    ready(&main);
    let me = ack(&main, "whoami", &json!(null));
    assert_eq!(me["auth"], json!({ "token": "t1" }));
    // Own auth per namespace.
    let admin = client.of_with_auth("/admin", json!({ "token": "secret" }));
    ready(&admin);
    let me = ack(&admin, "whoami", &json!(null));
    assert_eq!(me["auth"], json!({ "token": "secret" }));
    client.close();
    // The options' auth for /admin is refused, with the server's data.
    let opts = options(t).auth(json!({ "token": "wrong" }));
    let client = Client::connect(&format!("{}/admin", server.url()), opts).unwrap();
    let admin = client.socket();
    let (tx, rx) = mpsc::channel();
    admin.on_connect_error(move |_, e| {
        let _ = tx.send(e.clone());
    });
    match smol::block_on(admin.ready(WAIT)) {
        Err(ReadyError::Connect(e)) => {
            assert_eq!(e.message, "unauthorized");
            assert_eq!(e.data, Some(json!({ "reason": "bad token" })));
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    let e = next(&rx, "connect_error");
    assert!(e.refused());
    client.close();
}

fn events_both_ways(t: ClientTransports) {
    let (server, _) = start(local());
    let client = Client::connect(&server.url(), options(t)).unwrap();
    let socket = client.socket();
    let (tx, rx) = mpsc::channel();
    let tx2 = tx.clone();
    socket.on("echo-event", move |_, msg| {
        let _ = tx.send(("on", msg.raw().json.clone()));
    });
    socket.on_any(move |_, msg| {
        let _ = tx2.send(("any", bytes::Bytes::from(msg.event().to_owned())));
    });
    ready(&socket);
    socket.emit("echo-event", &json!({ "a": 1 })).unwrap();
    // on_any first, then the event's own listeners.
    assert_eq!(next(&rx, "onAny").0, "any");
    let (_, json) = next(&rx, "echo-event");
    assert_eq!(&json[..], br#"[{"a":1}]"#);
    socket.emit_args("echo-event", &("x", 2, [true])).unwrap();
    assert_eq!(next(&rx, "onAny").0, "any");
    let (_, json) = next(&rx, "echo-event");
    assert_eq!(&json[..], br#"["x",2,[true]]"#);
    // A volatile emit goes when the transport can take it (on polling,
    // not while a POST is out): one of a few, a little apart, gets through.
    let mut echoed = false;
    for i in 0..50 {
        let _ = socket.volatile().emit("echo-event", &i);
        if rx.recv_timeout(Duration::from_millis(100)).is_ok() {
            echoed = true;
            break;
        }
    }
    assert!(echoed, "no volatile emit got through");
    // once: the next event only; off, off_any: no more calls.
    let _ = ack(&socket, "echo", &json!(null));
    while rx.try_recv().is_ok() {}
    socket.off("echo-event");
    socket.off_any();
    let (otx, orx) = mpsc::channel();
    socket.once("echo-event", move |_, msg| {
        let _ = otx.send(msg.data::<i32>().unwrap());
    });
    socket.emit("echo-event", &1).unwrap();
    socket.emit("echo-event", &2).unwrap();
    // The server answers in order: both echoes were handled before this.
    let _ = ack(&socket, "echo", &json!(null));
    assert_eq!(orx.try_iter().collect::<Vec<_>>(), [1]);
    assert!(rx.try_recv().is_err(), "removed listeners are not called");
    client.close();
}

fn acks_both_ways(t: ClientTransports) {
    let (server, _) = start(local());
    let client = Client::connect(&server.url(), options(t)).unwrap();
    let socket = client.socket();
    let (tx, rx) = mpsc::channel();
    socket.on("question", |_, msg| {
        assert!(msg.wants_ack());
        let n: i64 = msg.data().unwrap();
        msg.ack(&(n + 1)).unwrap();
        // Only the first answer counts.
        msg.ack(&-1).unwrap();
        assert!(!msg.wants_ack());
    });
    socket.on("answer", move |_, msg| {
        let _ = tx.send(msg.data::<Value>().unwrap());
    });
    ready(&socket);
    // Client to server, with and without a timeout.
    let back = ack(&socket, "echo", &json!("hi"));
    assert_eq!(back, "hi");
    let back: Vec<i32> = smol::block_on(socket.emit_with_ack("echo", &[1, 2])).unwrap();
    assert_eq!(back, [1, 2]);
    // Server to client: the server's emit_with_ack gets our msg.ack.
    socket.emit("ask", &41).unwrap();
    assert_eq!(next(&rx, "answer"), json!(42));
    // No answer in time.
    let err = smol::block_on(
        socket
            .timeout(Duration::from_millis(200))
            .emit_with_ack::<_, Value>("nobody-answers", &1),
    )
    .unwrap_err();
    assert!(
        matches!(err, sio_smol::client::AckError::Timeout),
        "{err:?}"
    );
    client.close();
}

fn binary_both_ways(t: ClientTransports) {
    let (server, _) = start(local());
    let client = Client::connect(&server.url(), options(t)).unwrap();
    let socket = client.socket();
    let (tx, rx) = mpsc::channel();
    socket.on("bin", move |_, msg| {
        let _ = tx.send(msg.args::<(String, Binary, Vec<Binary>)>().unwrap());
    });
    ready(&socket);
    // Client to server and back: nested binary in the ack.
    let sent = (
        "file",
        vec![Binary::from(vec![0u8, 255]), Binary::from(vec![7u8; 1000])],
    );
    let args = args_from_array(&sent).unwrap();
    assert_eq!(args.attachments.len(), 2);
    let answer = smol::block_on(socket.timeout(WAIT).emit_raw_with_ack("echo", args)).unwrap();
    let (name, blobs): (String, Vec<Binary>) = args_as(&answer).unwrap();
    assert_eq!(name, "file");
    assert_eq!(blobs, sent.1);
    // Server to client.
    socket.emit("send-binary", &()).unwrap();
    let (name, one, more) = next(&rx, "bin");
    assert_eq!(name, "pic");
    assert_eq!(one.0.as_ref(), [1, 2, 3]);
    assert_eq!(
        more,
        vec![Binary::from(vec![4u8]), Binary::from(vec![5u8, 6])]
    );
    client.close();
}

fn disconnect_reasons(t: ClientTransports) {
    let (server, seen) = start(local());
    let client = Client::connect(&server.url(), options(t)).unwrap();
    let (tx, rx) = mpsc::channel();
    let tx2 = tx.clone();
    client.on_reconnect_attempt(move |n| {
        let _ = tx2.send(format!("attempt {n}"));
    });
    let socket = client.socket();
    socket.on_disconnect(move |_, reason| {
        let _ = tx.send(reason.as_str().to_owned());
    });
    ready(&socket);
    // An ack awaited with no timeout fails when the socket disconnects.
    let waiting = {
        let socket = socket.clone();
        std::thread::spawn(move || {
            smol::block_on(socket.emit_with_ack::<_, Value>("nobody-answers", &1))
        })
    };
    std::thread::sleep(Duration::from_millis(200));
    // The server disconnects the socket: no reconnection.
    socket.emit("kick-me", &()).unwrap();
    assert_eq!(next(&rx, "disconnect"), "io server disconnect");
    let err = waiting.join().unwrap().unwrap_err();
    assert!(
        matches!(err, sio_smol::client::AckError::Disconnected),
        "{err:?}"
    );
    assert!(
        rx.recv_timeout(Duration::from_millis(1500)).is_err(),
        "no reconnection after a server-side disconnect"
    );
    assert!(!socket.connected());
    // Opened again by the application, then left by it.
    socket.connect();
    ready(&socket);
    socket.disconnect();
    assert_eq!(next(&rx, "disconnect"), "io client disconnect");
    // `eventually`, saying what the server saw instead on failure.
    let until = Instant::now() + WAIT;
    loop {
        let seen = seen.lock().unwrap().clone();
        if seen
            .iter()
            .any(|r| r.starts_with("/ ") && r.contains("Client"))
        {
            break;
        }
        assert!(
            Instant::now() < until,
            "the server saw the client leave ({t:?}): not within {WAIT:?}; it saw {seen:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(rx.recv_timeout(Duration::from_millis(500)).is_err());
    client.close();
}

fn reconnects_after_a_restart(t: ClientTransports) {
    let (server, _) = start(local());
    let addr = server.addr();
    // Handlers first, then the namespace opens: they see every event.
    let client = Client::connect(&server.url(), options(t).auto_connect(false)).unwrap();
    let socket = client.socket();
    let (tx, rx) = mpsc::channel();
    let (t1, t2, t3, t4) = (tx.clone(), tx.clone(), tx.clone(), tx);
    client.on_reconnect_attempt(move |n| {
        let _ = t1.send(format!("attempt {n}"));
    });
    client.on_reconnect(move |n| {
        let _ = t2.send(format!("reconnect {n}"));
    });
    socket.on_connect(move |_| {
        let _ = t3.send("connect".to_owned());
    });
    socket.on_disconnect(move |_, reason| {
        let _ = t4.send(format!("disconnect {}", reason.as_str()));
    });
    assert!(
        smol::block_on(socket.ready(Duration::from_millis(300))).is_err(),
        "nothing opens before connect()"
    );
    socket.connect();
    ready(&socket);
    assert_eq!(next(&rx, "connect"), "connect");
    let first = socket.id();
    server.stop().expect("server stops");
    let got = next(&rx, "disconnect");
    assert!(
        got == "disconnect transport close" || got == "disconnect transport error",
        "{got}"
    );
    assert!(socket.id().is_none());
    // Emits while disconnected are buffered and go at the reconnect.
    let (etx, erx) = mpsc::channel();
    socket.on("echo-event", move |_, msg| {
        let _ = etx.send(msg.data::<String>().unwrap());
    });
    socket.emit("echo-event", &"buffered").unwrap();
    assert_eq!(next(&rx, "reconnect attempt"), "attempt 1");
    std::thread::sleep(Duration::from_millis(300));
    let (server, _) = start(addr);
    let mut events = Vec::new();
    loop {
        let e = next(&rx, "reconnect");
        let done = e == "connect";
        events.push(e);
        if done {
            break;
        }
    }
    let n = events.len() - 2;
    assert!(
        events.iter().any(|e| e.starts_with("reconnect ")),
        "{events:?}"
    );
    assert!(
        events[..=n]
            .iter()
            .all(|e| e.starts_with("attempt ") || e.starts_with("reconnect ")),
        "{events:?}"
    );
    assert_eq!(next(&erx, "the buffered emit"), "buffered");
    assert!(socket.connected());
    assert_ne!(socket.id(), first, "a new session on a new server");
    assert!(!socket.recovered());
    client.close();
    drop(server);
}

/// A server with recovery on that broadcasts a numbered tick every 15 ms,
/// with pings short enough to notice cut connections quickly.
fn ticking_mux() -> Mux {
    let io = SocketIo::new(ServerConfig {
        engine: EngineConfig {
            ping_interval: Duration::from_millis(300),
            ping_timeout: Duration::from_millis(300),
            ..EngineConfig::default()
        },
        recovery: Some(RecoveryConfig::default()),
        ..ServerConfig::default()
    });
    let started = std::rc::Rc::new(std::cell::Cell::new(false));
    let io2 = io.clone();
    io.on_connection(move |_| {
        if started.replace(true) {
            return;
        }
        let io = io2.clone();
        io2.spawn(async move {
            for n in 0u64.. {
                smol::Timer::after(Duration::from_millis(15)).await;
                let _ = io.emit("tick", &n);
            }
        });
    });
    Mux::new().mount(&io)
}

fn recovers_through_cuts(t: ClientTransports) {
    let server = sio_smol::spawn_thread(local(), ticking_mux).expect("server starts");
    let proxy = tests::proxy::CuttingProxy::start(server.addr(), Duration::from_millis(500), 7);
    let client = Client::connect(&proxy.url(), options(t).auto_connect(false)).unwrap();
    let socket = client.socket();
    let ticks = Arc::new(Mutex::new(Vec::<u64>::new()));
    let connects = Arc::new(Mutex::new(Vec::<bool>::new()));
    let t2 = ticks.clone();
    socket.on("tick", move |_, msg| {
        // With recovery on, the server's offset is the last argument.
        let (n, _offset): (u64, String) = msg.args().unwrap();
        t2.lock().unwrap().push(n);
    });
    let c2 = connects.clone();
    socket.on_connect(move |socket| c2.lock().unwrap().push(socket.recovered()));
    socket.connect();
    ready(&socket);
    let until = Instant::now() + Duration::from_secs(30);
    while connects.lock().unwrap().len() < 4 {
        assert!(
            Instant::now() < until,
            "too few reconnections: {:?} after {} cuts",
            connects.lock().unwrap(),
            proxy.cuts()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    ready(&socket);
    // Ticks keep coming after the last recovery.
    let last = ticks.lock().unwrap().len();
    eventually("ticks after the recovery", || {
        ticks.lock().unwrap().len() > last + 5
    });
    client.close();
    let ticks = ticks.lock().unwrap().clone();
    let connects = connects.lock().unwrap().clone();
    let gaps: Vec<(u64, u64)> = ticks
        .windows(2)
        .filter(|p| p[1] != p[0] + 1)
        .map(|p| (p[0], p[1]))
        .collect();
    assert!(
        !connects[0] && connects.iter().skip(1).all(|&r| r),
        "every reconnection recovered: {connects:?}; gaps {gaps:?}; {} cuts",
        proxy.cuts()
    );
    assert!(
        gaps.is_empty(),
        "every tick once and in order: gaps {gaps:?} in {} ticks",
        ticks.len()
    );
    assert!(socket.recovered());
}

/// A self-signed certificate for localhost and 127.0.0.1: (cert PEM, key PEM).
fn certificate() -> (String, String) {
    let rcgen::CertifiedKey { cert, signing_key } =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .expect("rcgen makes a certificate");
    (cert.pem(), signing_key.serialize_pem())
}

fn tls(t: ClientTransports) {
    let (cert, key) = certificate();
    let config =
        TlsConfig::from_pem(cert.as_bytes(), key.as_bytes()).expect("the certificate loads");
    let seen: Seen = Arc::default();
    let server =
        sio_smol::spawn_thread(local(), move || mux(seen).tls(config)).expect("server starts");
    let port = server.addr().port();
    // https:// for polling first, wss:// when the WebSocket comes first.
    let url = match t {
        ClientTransports::WebSocket => format!("wss://localhost:{port}"),
        _ => format!("https://localhost:{port}"),
    };
    let opts = options(t)
        .add_root_certificates_pem(cert.clone())
        .webpki_roots(false);
    let client = Client::connect(&url, opts).unwrap();
    let socket = client.socket();
    ready(&socket);
    let back = ack(&socket, "echo", &json!("secret stuff"));
    assert_eq!(back, "secret stuff");
    client.close();
    // Without the certificate among the roots, no connection.
    let opts = options(t).reconnection(false);
    let client = Client::connect(&url, opts).unwrap();
    let err = smol::block_on(client.socket().ready(Duration::from_secs(3))).unwrap_err();
    assert!(
        matches!(
            err,
            ReadyError::Connect(_) | ReadyError::Closed | ReadyError::Timeout
        ),
        "{err:?}"
    );
    assert!(!client.socket().connected());
    client.close();
}

/// The server closes idle kept-alive connections after 300 ms; each pong's
/// POST (every second) then needs a new connection: no disconnection.
#[test]
fn polling_outlives_closed_keep_alive_connections() {
    let server = sio_smol::spawn_thread(local(), || {
        let io = SocketIo::new(ServerConfig {
            engine: EngineConfig {
                ping_interval: Duration::from_millis(1000),
                ping_timeout: Duration::from_millis(5000),
                ..EngineConfig::default()
            },
            ..ServerConfig::default()
        });
        io.on_connection(|socket| socket.on("echo", |_, msg| msg.ack_raw(msg.raw().clone())));
        Mux::new()
            .mount(&io)
            .header_read_timeout(Duration::from_millis(300))
    })
    .expect("server starts");
    let client = Client::connect(&server.url(), options(ClientTransports::Polling)).unwrap();
    let socket = client.socket();
    let (tx, rx) = mpsc::channel();
    socket.on_disconnect(move |_, reason| {
        let _ = tx.send(reason);
    });
    ready(&socket);
    let id = socket.id();
    assert!(
        rx.recv_timeout(Duration::from_millis(3500)).is_err(),
        "no disconnection"
    );
    assert_eq!(ack(&socket, "echo", &json!(1)), json!(1));
    assert_eq!(socket.id(), id, "the same session");
    client.close();
}

/// A long-poll body or WebSocket message over the client's bound is a
/// transport error (and a reconnection), not an unbounded buffer.
#[test]
fn responses_over_the_bound_fail_the_transport() {
    let (server, _) = start(local());
    for t in [ClientTransports::Polling, ClientTransports::WebSocket] {
        let client = Client::connect(&server.url(), options(t).max_response_bytes(10_000)).unwrap();
        let socket = client.socket();
        let (tx, rx) = mpsc::channel();
        socket.on_disconnect(move |_, reason| {
            let _ = tx.send(reason);
        });
        ready(&socket);
        let (btx, brx) = mpsc::channel();
        socket.on("big", move |_, msg| {
            let _ = btx.send(msg.data::<String>().unwrap().len());
        });
        socket.emit("big", &5_000).unwrap();
        assert_eq!(next(&brx, "a message under the bound"), 5_000);
        socket.emit("big", &50_000).unwrap();
        let reason = next(&rx, "disconnect");
        assert!(
            matches!(
                reason,
                ClientDisconnectReason::TransportError | ClientDisconnectReason::TransportClose
            ),
            "{t:?}: {reason:?}"
        );
        assert!(
            brx.try_recv().is_err(),
            "{t:?}: the big message was not delivered"
        );
        ready(&socket);
        client.close();
    }
}

/// Dropping the last `Client` closes it, even while sockets are kept.
#[test]
fn dropping_the_client_closes_it() {
    let (server, seen) = start(local());
    let client = Client::connect(&server.url(), options(ClientTransports::WebSocket)).unwrap();
    let socket = client.socket();
    ready(&socket);
    let other = client.clone();
    drop(client);
    assert!(socket.connected(), "a clone keeps the client");
    drop(other);
    eventually("the server saw the client leave", || {
        seen.lock().unwrap().iter().any(|r| r.starts_with("/ "))
    });
    assert!(!socket.connected());
    assert!(
        socket.emit("x", &1).is_err(),
        "a closed client refuses emits"
    );
}

/// The conformance contract (`examples/conformance.rs`) on both adapters,
/// sio-smol and the tokio example, on every transport: the CONNECT
/// payload comes back as `auth`, `message` as `message-back` (binary
/// too), `message-with-ack` is acknowledged with its own arguments.
fn conformance(adapter: tests::adapter::Adapter) {
    let server = adapter.conformance();
    for t in [
        ClientTransports::Polling,
        ClientTransports::WebSocket,
        ClientTransports::Upgrade,
    ] {
        let opts = options(t)
            .auth(json!({ "token": "abc" }))
            .auto_connect(false);
        let client = Client::connect(&server.url(), opts).unwrap();
        let socket = client.socket();
        let (tx, rx) = mpsc::channel();
        let tx2 = tx.clone();
        socket.on("auth", move |_, msg| {
            let _ = tx.send(msg.data::<Value>().unwrap());
        });
        socket.on("message-back", move |_, msg| {
            let (text, blob): (String, Binary) = msg.args().unwrap();
            let _ = tx2.send(json!([text, blob.0.to_vec()]));
        });
        socket.connect();
        ready(&socket);
        assert_eq!(next(&rx, "auth"), json!({ "token": "abc" }), "{t:?}");
        socket
            .emit_args("message", &("bin", Binary::from(vec![1u8, 2])))
            .unwrap();
        assert_eq!(next(&rx, "message-back"), json!(["bin", [1, 2]]), "{t:?}");
        let back: Vec<i32> = smol::block_on(
            socket
                .timeout(WAIT)
                .emit_with_ack("message-with-ack", &[7, 8]),
        )
        .unwrap();
        assert_eq!(back, [7, 8], "{t:?}");
        client.close();
    }
    server.stop();
}

tests::for_each_adapter!(conformance);

/// With retries, an emit whose try is not acknowledged in time is sent
/// again; the application sees one answer.
#[test]
fn retries_send_again_until_acked() {
    let (server, _) = start(local());
    let opts = options(ClientTransports::WebSocket)
        .retries(3)
        .ack_timeout(Duration::from_millis(300));
    let client = Client::connect(&server.url(), opts).unwrap();
    let socket = client.socket();
    ready(&socket);
    let started = Instant::now();
    let tries: u32 = smol::block_on(socket.emit_with_ack("flaky", &())).unwrap();
    assert_eq!(tries, 2, "the second try was acknowledged");
    assert!(started.elapsed() >= Duration::from_millis(300));
    let tries: u32 = smol::block_on(socket.emit_with_ack("flaky", &())).unwrap();
    assert_eq!(tries, 4);
    assert!(socket.active());
    client.close();
    assert!(!socket.active());
}

/// A WebSocket server that stops reading: what the client queues for it
/// is bounded; past the bound the WebSocket is given up (a transport
/// error and a reconnection), not an ever-growing queue.
#[test]
fn websocket_send_queue_is_bounded() {
    let listener = std::net::TcpListener::bind(local()).unwrap();
    let addr = listener.local_addr().unwrap();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stop2 = stop.clone();
    let server = std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut ws = tungstenite::accept(stream).expect("a WebSocket handshake");
        let open = r#"0{"sid":"s1","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":100000000}"#;
        ws.send(tungstenite::Message::text(open)).unwrap();
        ws.send(tungstenite::Message::text(r#"40{"sid":"n1"}"#))
            .unwrap();
        // Never reads again.
        while !stop2.load(std::sync::atomic::Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(20));
        }
        drop(ws);
    });
    let opts = options(ClientTransports::WebSocket).reconnection(false);
    let client = Client::connect(&format!("http://{addr}"), opts).unwrap();
    let socket = client.socket();
    let (tx, rx) = mpsc::channel();
    socket.on_disconnect(move |_, reason| {
        let _ = tx.send(reason);
    });
    ready(&socket);
    let chunk = "x".repeat(1 << 20);
    let mut reason = None;
    for _ in 0..64 {
        if socket.emit("big", &chunk).is_err() {
            break;
        }
        if let Ok(r) = rx.recv_timeout(Duration::from_millis(20)) {
            reason = Some(r);
            break;
        }
    }
    let reason = reason.unwrap_or_else(|| next(&rx, "disconnect"));
    assert!(
        matches!(
            reason,
            ClientDisconnectReason::TransportError | ClientDisconnectReason::TransportClose
        ),
        "{reason:?}"
    );
    client.close();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    server.join().unwrap();
}

/// With no server, the client tries the configured number of times, then
/// gives up and closes.
#[test]
fn gives_up_after_the_attempts() {
    let addr = std::net::TcpListener::bind(local())
        .unwrap()
        .local_addr()
        .unwrap();
    let opts = options(ClientTransports::Polling)
        .reconnection_attempts(2)
        .auto_connect(false);
    let client = Client::connect(&format!("http://{addr}"), opts).unwrap();
    let (tx, rx) = mpsc::channel();
    let (t1, t2, t3) = (tx.clone(), tx.clone(), tx);
    client.on_reconnect_attempt(move |n| {
        let _ = t1.send(format!("attempt {n}"));
    });
    client.on_reconnect_failed(move || {
        let _ = t2.send("failed".to_owned());
    });
    let socket = client.socket();
    socket.on_connect_error(move |_, e| {
        assert!(!e.refused());
        let _ = t3.send("connect_error".to_owned());
    });
    socket.connect();
    let mut events = Vec::new();
    while events.last().is_none_or(|e| e != "failed") {
        events.push(next(&rx, "reconnect_failed"));
    }
    assert_eq!(
        events
            .iter()
            .filter(|e| e.starts_with("attempt "))
            .collect::<Vec<_>>(),
        ["attempt 1", "attempt 2"],
        "{events:?}"
    );
    assert!(events.contains(&"connect_error".to_owned()), "{events:?}");
    eventually("the client closed", || client.is_closed());
    assert_eq!(smol::block_on(socket.ready(WAIT)), Err(ReadyError::Closed));
}

/// An emit beyond the send buffer's bound fails, none is dropped silently.
#[test]
fn send_buffer_is_bounded() {
    // Nobody listens there: the client stays disconnected.
    let addr = std::net::TcpListener::bind(local())
        .unwrap()
        .local_addr()
        .unwrap();
    let opts = ClientOptions::default()
        .max_buffered_packets(3)
        .reconnection_delay(Duration::from_secs(60));
    let client = Client::connect(&format!("http://{addr}"), opts).unwrap();
    let socket = client.socket();
    for i in 0..3 {
        socket.emit("x", &i).expect("buffered");
    }
    let err = socket.emit("x", &3).unwrap_err();
    assert!(err.to_string().contains("full"), "{err}");
    assert!(
        socket.emit("connect", &()).is_err(),
        "reserved event names are refused"
    );
    client.close();
}

/// `Client::manager` opens no namespace, and no connection: that waits
/// for the first `of`.
#[test]
fn a_manager_connects_at_the_first_of() {
    let listener = std::net::TcpListener::bind(local()).unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}/custom", listener.local_addr().unwrap());
    let client = Client::manager(&url, options(ClientTransports::Polling)).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    assert!(listener.accept().is_err(), "no connection before of()");
    let socket = client.of("/");
    assert_eq!(socket.nsp(), "/");
    eventually("a connection after of()", || listener.accept().is_ok());
    assert_eq!(client.socket().nsp(), "/custom", "the URL's namespace");
    client.close();
}

#[test]
fn bad_urls_are_refused() {
    for url in ["localhost:3000", "ftp://h", "http://h:99999", "http://"] {
        assert!(
            Client::connect(url, ClientOptions::default()).is_err(),
            "{url}"
        );
    }
    let err = Client::connect(
        "https://localhost",
        ClientOptions::default().add_root_certificates_pem("not a certificate"),
    )
    .unwrap_err();
    assert!(err.to_string().contains("TLS"), "{err}");
}

#[test]
fn handles_are_send_and_sync() {
    fn check<T: Send + Sync + Clone + 'static>() {}
    check::<Client>();
    check::<ClientSocket>();
    check::<sio_smol::client::ClientMsg>();
    let _ = ClientDisconnectReason::IoServerDisconnect;
}

on_every_transport!(
    connect_and_ready,
    namespaces,
    auth,
    events_both_ways,
    acks_both_ways,
    binary_both_ways,
    disconnect_reasons,
    reconnects_after_a_restart,
    recovers_through_cuts,
    tls,
);
