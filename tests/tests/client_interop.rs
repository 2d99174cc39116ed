//! sio-smol's Socket.IO client (`sio_smol::client`) against servers that
//! are not sio-smol: the reference servers of `tests::peers` (Node's
//! socket.io 4.8, `tests/js/sio-server.mjs`; python-socketio,
//! `tests/py/sio_server.py`), here, on every transport. Node-only
//! scenarios (recovery, recovery through a cutting proxy, TLS, the
//! reconnection backoff) are in `client_node.rs`; the conformance
//! handlers of both our server adapters in `client_conformance.rs`; a
//! scripted Engine.IO server cutting a long-poll in
//! `client_http_faults.rs`; our client against our own sio-smol server in
//! `client_smol.rs` (not counted here).
//!
//! The interop matrix of our client: scenario runs per server and
//! transport (P = polling only, WS = WebSocket only, U = polling then the
//! upgrade):
//!
//! | server | file (tests) | P | WS | U | scenarios |
//! |---|---|---|---|---|---|
//! | Node socket.io 4.8.4 | `client_interop.rs` (`node::NAME::{polling,websocket,upgrade}`) | 9 | 9 | 9 | `connect_auth` (ready, id, auth echoed, the server's view, upgrade), `echo` (several args, every JSON type, order), `acks` (ours: none, one, several, many in flight; the server's "ask" -> our `msg.ack` -> "answer"), `binary` (nested, both ways, in acks both ways), `namespaces` (/admin refused without a token with its data and no retry, accepted with it; /dyn-x; all three on one Engine.IO session), `unknown_namespace` (refused, no retry), `rooms` (join, leave, to-room, two clients), `disconnect_me` ("io server disconnect", no reconnection, `connect()` again), `close_transport` (reconnection, recovered with the same id, pid and offset sent; an emit made while away sent at the reconnection) |
//! | Node socket.io 4.8.4 | `client_interop.rs` (`refusal::node_*`) | | 1 | | a refusal without data ("Invalid namespace") is final: `ready()` fails at once, `refused()`, `connect()` asks again |
//! | Node socket.io 4.8.4 | `client_node.rs` (`NAME::{polling,websocket,upgrade}`) | 4 | 4 | 4 | `recovers_missed_ticks`, `recovers_through_cuts` (`CuttingProxy`), `tls` (https, wss), `backoff` (delays of attempts 1-5 within the official bounds, then the restarted server) |
//! | python-socketio 5.18.1 | `client_interop.rs` (`python::NAME::*`) | 9 | 9 | 9 | the same nine as Node; `close_transport`: a new session (no recovery there) |
//! | python-socketio 5.18.1 | `client_interop.rs` (`refusal::python_*`) | | 1 | | as for Node |
//! | sio-smol conformance (`Adapter::Smol`) | `client_conformance.rs` (`on_smol::NAME`, each on the three transports) | 4 | 4 | 4 | `connect_and_namespaces` (`/` and `/custom` on one connection with their own auth, unknown namespace refused, upgrade), `events`, `acks` (ours; the handlers never ask for one), `binary` (events and acks) |
//! | tokio adapter (`Adapter::Tokio`) | `client_conformance.rs` (`on_tokio::NAME`) | 4 | 4 | 4 | the same four |
//! | a scripted Engine.IO server (raw HTTP) | `client_http_faults.rs` | 1 | | | a long-poll whose connection closes after the request was read is a transport error, not sent again |
//! | total | | 31 | 32 | 30 | 93 runs |
//!
//! With recovery on (Node), socket.io appends the packet's offset to every
//! event it emits without an ack: listeners get it as the last argument,
//! as the official client's do; the tests take it off
//! (`client_common::strip_offset`) and check it is there.

#[macro_use]
mod client_common;

use client_common::{
    WAIT, first_transport, next, nothing, options, ready, record, record_disconnects, strip_offset,
    values,
};
use serde_json::{Value, json};
use sio_core::socket::Args;
use sio_smol::client::{Client, ClientOptions, ClientSocket, ClientTransports, ReadyError};
use sio_smol::io::{Binary, args_as, args_from_array};
use std::collections::HashMap;
use std::sync::mpsc;
use std::time::Duration;
use tests::peers::{PeerKind, PeerServer};

/// How long "nothing more happens" is watched.
const QUIET: Duration = Duration::from_millis(1500);

/// Starts `P`'s server and a client for `t` on it, with `opts`.
fn start<P: PeerKind>(t: ClientTransports, opts: ClientOptions) -> (PeerServer<P>, Client) {
    let server = PeerServer::<P>::start(&[]);
    let client = Client::connect(&server.url(), opts.transports(t)).expect("a valid URL");
    (server, client)
}

/// Whether `e` is the server's `event` line for socket `id`.
fn is(e: &Value, event: &str, id: &str) -> bool {
    e["event"] == event && e["id"] == id
}

/// The next event's arguments without the recovery offset, as JSON.
fn next_values<P: PeerKind>(rx: &mpsc::Receiver<Args>, what: &str) -> Vec<Value> {
    values(&strip_offset(&next(rx, what), P::RECOVERY))
}

/// Emits `event` with raw `args` and waits for the ack's arguments.
fn ack_raw(socket: &ClientSocket, event: &str, args: Args) -> Args {
    smol::block_on(socket.timeout(WAIT).emit_raw_with_ack(event, args))
        .unwrap_or_else(|e| panic!("{event}: {e}"))
}

/// `id` of a connected socket.
fn id(socket: &ClientSocket) -> String {
    socket.id().expect("an id once connected")
}

fn connect_auth<P: PeerKind>(t: ClientTransports) {
    let (mut server, client) = start::<P>(t, options(t).auth(json!({ "user": "u1" })));
    let (utx, upgraded) = mpsc::channel();
    client.on_upgrade(move || {
        let _ = utx.send(());
    });
    let socket = client.socket();
    let auth = record(&socket, "auth");
    ready(&socket);
    assert!(socket.connected());
    assert!(!socket.recovered());
    let me = id(&socket);
    assert_eq!(
        next_values::<P>(&auth, "auth"),
        [json!({ "user": "u1" })],
        "the server echoes our CONNECT payload"
    );
    let line = server.wait_event(WAIT, |e| is(e, "connect", &me));
    assert_eq!(line["nsp"], "/");
    assert_eq!(line["transport"], first_transport(t));
    assert_eq!(line["auth"], json!({ "user": "u1" }));
    assert_eq!(line["recovered"], false);
    if t == ClientTransports::Upgrade {
        next(&upgraded, "our upgrade");
        if P::NAME == "node" {
            let up = server.wait_event(WAIT, |e| is(e, "upgrade", &me));
            assert_eq!(up["sid"], line["sid"], "the same Engine.IO session");
        }
    } else {
        nothing(&upgraded, Duration::ZERO, &format!("no upgrade on {t:?}"));
    }
    // Still working after the upgrade.
    let back: String =
        smol::block_on(socket.timeout(WAIT).emit_with_ack("echo", &"after")).unwrap();
    assert_eq!(back, "after");
    client.close();
    server.wait_event(WAIT, |e| is(e, "disconnect", &me));
    assert!(!socket.connected());
    assert_eq!(smol::block_on(socket.ready(WAIT)), Err(ReadyError::Closed));
}

fn echo<P: PeerKind>(t: ClientTransports) {
    let (_server, client) = start::<P>(t, ClientOptions::default());
    let socket = client.socket();
    let echoes = record(&socket, "echo");
    ready(&socket);
    let several = (
        "text",
        42,
        -1.5,
        json!({ "deep": [1, null, true, { "k": "v" }], "empty": {} }),
        "ünïcødé ✓ \"quoted\" \\ \n",
        Vec::<u8>::new(),
        false,
        Value::Null,
    );
    socket.emit_args("echo", &several).unwrap();
    let want = values(&args_from_array(&several).unwrap());
    assert_eq!(next_values::<P>(&echoes, "echo"), want);
    socket.emit("echo", &"one").unwrap();
    assert_eq!(next_values::<P>(&echoes, "echo"), [json!("one")]);
    socket.emit_raw("echo", Args::empty()).unwrap();
    assert_eq!(next_values::<P>(&echoes, "echo"), Vec::<Value>::new());
    // In emit order. On polling the emits made while a POST is in flight
    // go in the next POST, all of them, as the official client's
    // writeBuffer does; python-engineio drops a POST of more than 16
    // packets (`Payload.max_decode_packets`, answered 200 and logged as
    // "Too many packets in payload"), for socket.io-client too: a burst
    // of 16 is one packet, then a POST of 15.
    let burst = if P::NAME == "python" { 16 } else { 50 };
    for i in 0..burst {
        socket.emit("echo", &i).unwrap();
    }
    for i in 0..burst {
        assert_eq!(next_values::<P>(&echoes, "echo"), [json!(i)]);
    }
    client.close();
}

fn acks<P: PeerKind>(t: ClientTransports) {
    let (_server, client) = start::<P>(t, ClientOptions::default());
    let socket = client.socket();
    let (qtx, questions) = mpsc::channel();
    socket.on("question", move |_, msg| {
        let wants = msg.wants_ack();
        // No offset on an event that asks for an ack: exactly two arguments.
        let (q, n): (String, i64) = msg.args().unwrap();
        msg.ack_args(&(format!("re: {q}"), n + 1, true)).unwrap();
        // Only the first answer counts.
        msg.ack(&"again").unwrap();
        let _ = qtx.send((wants, msg.wants_ack()));
    });
    let answers = record(&socket, "answer");
    ready(&socket);
    // Ours, answered by the server with our own arguments (no offset in acks).
    let sent = args_from_array(&("a", 2, json!({ "k": [1, 2] }))).unwrap();
    assert_eq!(
        values(&ack_raw(&socket, "echo", sent.clone())),
        values(&sent)
    );
    assert_eq!(
        values(&ack_raw(&socket, "echo", Args::empty())),
        Vec::<Value>::new()
    );
    let n: i64 = smol::block_on(socket.emit_with_ack("echo", &7)).unwrap();
    assert_eq!(n, 7);
    // Several in flight, each answered to its own emit.
    let many: Vec<i64> = smol::block_on(async {
        let nums: Vec<i64> = (0..5).collect();
        let waits: Vec<_> = nums
            .iter()
            .map(|i| socket.timeout(WAIT).emit_with_ack::<_, i64>("echo", i))
            .collect();
        let mut out = Vec::new();
        for w in waits {
            out.push(w.await.unwrap());
        }
        out
    });
    assert_eq!(many, [0, 1, 2, 3, 4]);
    // The server's: "ask" makes it emit "question" with an ack; what we ack
    // comes back in "answer".
    socket.emit_args("ask", &("why", 41)).unwrap();
    assert_eq!(next(&questions, "question"), (true, false));
    assert_eq!(
        next_values::<P>(&answers, "answer"),
        [json!("re: why"), json!(42), json!(true)]
    );
    client.close();
}

/// The shape the binary scenario sends: binary at the top level, in an
/// object and in an array.
type Files = (String, Binary, HashMap<String, Binary>, Vec<Binary>);

fn binary<P: PeerKind>(t: ClientTransports) {
    let (_server, client) = start::<P>(t, ClientOptions::default());
    let socket = client.socket();
    let echoes = record(&socket, "echo");
    let blobs = record(&socket, "binary");
    let answers = record(&socket, "answer");
    socket.on("question", |_, msg| {
        let n: usize = msg.data().unwrap();
        msg.ack_args(&("bytes", Binary::from(vec![9u8; n])))
            .unwrap();
    });
    ready(&socket);
    let files: Files = (
        "files".to_owned(),
        Binary::from(vec![0u8, 1, 127, 128, 255]),
        HashMap::from([("inner".to_owned(), Binary::from(vec![7u8; 1000]))]),
        vec![Binary::from(vec![]), Binary::from(b"\x00\r\n\x1e".to_vec())],
    );
    let sent = args_from_array(&files).unwrap();
    assert_eq!(sent.attachments.len(), 4);
    // Client to server and back, as an event.
    socket.emit_raw("echo", sent.clone()).unwrap();
    let got: Files = args_as(&strip_offset(&next(&echoes, "echo"), P::RECOVERY)).unwrap();
    assert_eq!(got, files);
    // And in the server's ack.
    let got: Files = args_as(&ack_raw(&socket, "echo", sent)).unwrap();
    assert_eq!(got, files);
    // The server's Buffers, nested.
    socket.emit("binary", &300).unwrap();
    let (buf, nested): (Binary, HashMap<String, Binary>) =
        args_as(&strip_offset(&next(&blobs, "binary"), P::RECOVERY)).unwrap();
    let want: Vec<u8> = (0..300).map(|i| (i % 256) as u8).collect();
    assert_eq!(buf.0.as_ref(), want.as_slice());
    assert_eq!(nested.get("nested"), Some(&buf));
    // Binary in our ack of the server's question.
    socket.emit("ask", &5).unwrap();
    let (word, bytes): (String, Binary) =
        args_as(&strip_offset(&next(&answers, "answer"), P::RECOVERY)).unwrap();
    assert_eq!(word, "bytes");
    assert_eq!(bytes.0.as_ref(), [9u8; 5]);
    client.close();
}

fn namespaces<P: PeerKind>(t: ClientTransports) {
    let (mut server, client) = start::<P>(t, ClientOptions::default());
    let (atx, attempts) = mpsc::channel();
    client.on_reconnect_attempt(move |n| {
        let _ = atx.send(n);
    });
    let main = client.socket();
    ready(&main);
    // /admin without a token: refused with the middleware's data, no retry.
    let admin = client.of("/admin");
    let (etx, errors) = mpsc::channel();
    admin.on_connect_error(move |_, e| {
        let _ = etx.send(e.clone());
    });
    let admin_auth = record(&admin, "auth");
    match smol::block_on(admin.ready(WAIT)) {
        Err(ReadyError::Connect(e)) => {
            assert_eq!(e.message, "unauthorized");
            assert_eq!(e.data, Some(json!({ "reason": "bad token" })));
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    let e = next(&errors, "connect_error");
    assert!(e.refused());
    nothing(&errors, QUIET, "no retry of a refused namespace");
    nothing(&attempts, Duration::ZERO, "no reconnection");
    assert!(!admin.connected());
    assert!(main.connected(), "a refusal leaves the other namespaces");
    // Accepted with the token.
    let admin = client.of_with_auth("/admin", json!({ "token": "secret" }));
    ready(&admin);
    assert_eq!(
        next_values::<P>(&admin_auth, "/admin auth"),
        [json!({ "token": "secret" })]
    );
    // A dynamic namespace.
    let dynamic = client.of("/dyn-x");
    let dyn_echo = record(&dynamic, "echo");
    let main_echo = record(&main, "echo");
    ready(&dynamic);
    let (m, a, d) = (id(&main), id(&admin), id(&dynamic));
    assert!(
        m != a && a != d && m != d,
        "one id per namespace: {m} {a} {d}"
    );
    let lines: Vec<Value> = [(&m, "/"), (&a, "/admin"), (&d, "/dyn-x")]
        .iter()
        .map(|(id, nsp)| {
            let line = server.wait_event(WAIT, |e| is(e, "connect", id));
            assert_eq!(line["nsp"], *nsp);
            line
        })
        .collect();
    assert!(
        lines.iter().all(|l| l["sid"] == lines[0]["sid"]),
        "one Engine.IO session for the three: {lines:?}"
    );
    assert_eq!(
        lines[1]["auth"],
        json!({ "token": "secret" }),
        "the namespace's own auth"
    );
    // Each namespace's events stay in it.
    dynamic.emit("echo", &"dyn").unwrap();
    assert_eq!(next_values::<P>(&dyn_echo, "/dyn-x echo"), [json!("dyn")]);
    let back: String = smol::block_on(admin.emit_with_ack("echo", &"admin")).unwrap();
    assert_eq!(back, "admin");
    nothing(&main_echo, Duration::from_millis(200), "no echo on /");
    // Leaving one keeps the others.
    dynamic.disconnect();
    server.wait_event(WAIT, |e| is(e, "disconnect", &d));
    assert!(!dynamic.connected());
    main.emit("echo", &"main").unwrap();
    assert_eq!(next_values::<P>(&main_echo, "/ echo"), [json!("main")]);
    assert!(admin.connected());
    client.close();
}

/// A namespace the server does not have: refused ("Invalid namespace", a
/// CONNECT_ERROR without data), not retried, the others kept.
fn unknown_namespace<P: PeerKind>(t: ClientTransports) {
    let (_server, client) = start::<P>(t, ClientOptions::default());
    let (atx, attempts) = mpsc::channel();
    client.on_reconnect_attempt(move |n| {
        let _ = atx.send(n);
    });
    let main = client.socket();
    ready(&main);
    let nope = client.of("/nope");
    let (etx, errors) = mpsc::channel();
    nope.on_connect_error(move |_, e| {
        let _ = etx.send(e.clone());
    });
    match smol::block_on(nope.ready(WAIT)) {
        Err(ReadyError::Connect(e)) => assert_eq!(e.message, "Invalid namespace"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    let e = next(&errors, "connect_error");
    assert_eq!(e.message, "Invalid namespace");
    assert_eq!(e.data, None, "the server sends no data");
    nothing(&errors, QUIET, "no retry of a refused namespace");
    nothing(&attempts, Duration::ZERO, "no reconnection");
    assert!(!nope.connected());
    assert!(nope.id().is_none());
    assert!(main.connected(), "a refusal leaves the other namespaces");
    let back: String = smol::block_on(main.timeout(WAIT).emit_with_ack("echo", &"ok")).unwrap();
    assert_eq!(back, "ok");
    client.close();
}

/// After a refusal without data ("Invalid namespace"), the namespace is
/// refused for good, as after one with data (/admin): the official client
/// destroyed the Socket (section 3.4 of specs/client.md), so `ready()`
/// fails at once, the failure is a refusal, and `connect()` sends a new
/// CONNECT (refused again). Every symptom is collected before failing.
fn refusal_without_data_is_final<P: PeerKind>(t: ClientTransports) {
    let (_server, client) = start::<P>(t, ClientOptions::default());
    ready(&client.socket());
    let nope = client.of("/nope");
    let (etx, errors) = mpsc::channel();
    nope.on_connect_error(move |_, e| {
        let _ = etx.send(e.clone());
    });
    assert!(matches!(
        smol::block_on(nope.ready(WAIT)),
        Err(ReadyError::Connect(_))
    ));
    let e = next(&errors, "connect_error");
    let mut wrong = Vec::new();
    if !e.refused() {
        wrong.push(format!("ConnectFailure::refused() is false for {e:?}"));
    }
    let started = std::time::Instant::now();
    let again = smol::block_on(nope.ready(Duration::from_secs(2)));
    if !matches!(&again, Err(ReadyError::Connect(e)) if e.message == "Invalid namespace") {
        wrong.push(format!(
            "ready() after the refusal: {again:?} after {:?}, not the refusal at once",
            started.elapsed()
        ));
    }
    nope.connect();
    match errors.recv_timeout(Duration::from_secs(3)) {
        Ok(e) if e.message == "Invalid namespace" => {}
        other => wrong.push(format!(
            "connect() after the refusal sent no new CONNECT (no second connect_error: {other:?})"
        )),
    }
    client.close();
    assert!(wrong.is_empty(), "{wrong:#?}");
}

fn rooms<P: PeerKind>(t: ClientTransports) {
    let (server, a) = start::<P>(t, ClientOptions::default());
    let b = Client::connect(&server.url(), options(t)).unwrap();
    let (sa, sb) = (a.socket(), b.socket());
    let got_a = record(&sa, "room-msg");
    let got_b = record(&sb, "room-msg");
    ready(&sa);
    ready(&sb);
    // Acked emits as fences: the server handles a client's events in order.
    let fence = |s: &ClientSocket, ev: &str, room: &str| {
        let _: String = smol::block_on(s.timeout(WAIT).emit_with_ack(ev, &room)).unwrap();
    };
    fence(&sa, "join", "r1");
    fence(&sa, "join", "r2");
    sb.emit_args("to-room", &("r1", "room-msg", "hi", 2))
        .unwrap();
    assert_eq!(
        next_values::<P>(&got_a, "room-msg"),
        [json!("hi"), json!(2)]
    );
    fence(&sb, "echo", "fence");
    nothing(&got_b, Duration::from_millis(200), "b is not in r1");
    // a leaves r1: what follows in r1 misses it, r2 still reaches it.
    fence(&sa, "leave", "r1");
    sb.emit_args("to-room", &("r1", "room-msg", "bye")).unwrap();
    sb.emit_args("to-room", &("r2", "room-msg", "r2 only"))
        .unwrap();
    assert_eq!(next_values::<P>(&got_a, "room-msg"), [json!("r2 only")]);
    // The sender gets it too when it is in the room.
    fence(&sb, "join", "r2");
    sb.emit_args("to-room", &("r2", "room-msg", "both"))
        .unwrap();
    assert_eq!(next_values::<P>(&got_a, "room-msg"), [json!("both")]);
    assert_eq!(next_values::<P>(&got_b, "room-msg"), [json!("both")]);
    a.close();
    b.close();
}

fn disconnect_me<P: PeerKind>(t: ClientTransports) {
    let (mut server, client) = start::<P>(t, options(t));
    let (atx, attempts) = mpsc::channel();
    client.on_reconnect_attempt(move |n| {
        let _ = atx.send(n);
    });
    let socket = client.socket();
    let reasons = record_disconnects(&socket);
    ready(&socket);
    let first = id(&socket);
    socket.emit("disconnect-me", &()).unwrap();
    assert_eq!(next(&reasons, "disconnect"), "io server disconnect");
    let line = server.wait_event(WAIT, |e| is(e, "disconnect", &first));
    let reason = if P::NAME == "node" {
        "server namespace disconnect"
    } else {
        "server disconnect"
    };
    assert_eq!(line["reason"], reason);
    nothing(
        &attempts,
        QUIET,
        "no reconnection after io server disconnect",
    );
    assert!(!socket.connected());
    assert!(socket.id().is_none());
    // The application opens it again (the official `socket.connect()`).
    socket.connect();
    ready(&socket);
    assert_ne!(id(&socket), first, "a new socket");
    nothing(&reasons, Duration::ZERO, "no other disconnect");
    client.close();
}

fn close_transport<P: PeerKind>(t: ClientTransports) {
    let (mut server, client) = start::<P>(t, options(t).auth(json!({ "user": "u2" })));
    let (rtx, reconnects) = mpsc::channel();
    client.on_reconnect(move |n| {
        let _ = rtx.send(n);
    });
    let socket = client.socket();
    let reasons = record_disconnects(&socket);
    let (ctx, connects) = mpsc::channel();
    socket.on_connect(move |s| {
        let _ = ctx.send((s.id(), s.recovered()));
    });
    let auth = record(&socket, "auth");
    let echoes = record(&socket, "echo");
    // Emitted while disconnected: kept, and sent at the reconnection.
    socket.on_disconnect(|s, reason| {
        // Not at the end, when the client closes.
        if reason.reconnects() {
            s.emit("echo", &"while away").unwrap();
        }
    });
    ready(&socket);
    let before = id(&socket);
    let first_auth = next(&auth, "auth");
    socket.emit("close-transport", &()).unwrap();
    assert_eq!(next(&reasons, "disconnect"), "transport close");
    assert!(next(&reconnects, "reconnect") >= 1);
    // The first connect may come before its handler was registered.
    let (mut after, mut recovered) = next(&connects, "connect");
    if after.as_deref() == Some(before.as_str()) && !recovered {
        (after, recovered) = next(&connects, "the reconnection's connect");
    }
    let after = after.expect("an id at connect");
    // Node reports both connects of a recovered id: the second is recovered.
    let line = server.wait_event(WAIT, |e| {
        is(e, "connect", &after) && (!P::RECOVERY || e["recovered"] == true)
    });
    let again = next(&auth, "auth after the reconnection");
    if P::RECOVERY {
        assert!(recovered, "recovered");
        assert!(socket.recovered());
        assert_eq!(after, before, "the same id");
        assert_eq!(line["recovered"], true);
        // Our CONNECT carried pid and offset besides our auth.
        let sent = &line["auth"];
        assert_eq!(sent["user"], "u2");
        assert!(sent["pid"].is_string(), "{sent}");
        assert_eq!(
            sent["offset"].as_str(),
            Some(client_common::offset(&first_auth).as_str()),
            "the last offset seen"
        );
        let echoed = strip_offset(&again, true);
        assert_eq!(values(&echoed)[0]["pid"], sent["pid"]);
    } else {
        assert!(
            !recovered && !socket.recovered(),
            "no recovery on {}",
            P::NAME
        );
        assert_ne!(after, before, "a new session");
        assert_eq!(line["recovered"], false);
        assert_eq!(values(&again), [json!({ "user": "u2" })]);
    }
    assert_eq!(
        next_values::<P>(&echoes, "the echo of the buffered emit"),
        [json!("while away")]
    );
    let n: i64 = smol::block_on(socket.timeout(WAIT).emit_with_ack("echo", &5)).unwrap();
    assert_eq!(n, 5);
    client.close();
}

/// One test per server and transport for each scenario:
/// `node::NAME::polling` ... `python::NAME::upgrade`.
macro_rules! against_peers {
    ($($name:ident),* $(,)?) => {
        /// Against Node's socket.io 4.8.
        mod node {
            $(
                mod $name {
                    use sio_smol::client::ClientTransports;
                    use tests::peers::Node;

                    #[test]
                    fn polling() {
                        super::super::$name::<Node>(ClientTransports::Polling);
                    }

                    #[test]
                    fn websocket() {
                        super::super::$name::<Node>(ClientTransports::WebSocket);
                    }

                    #[test]
                    fn upgrade() {
                        super::super::$name::<Node>(ClientTransports::Upgrade);
                    }
                }
            )*
        }
        /// Against python-socketio.
        mod python {
            $(
                mod $name {
                    use sio_smol::client::ClientTransports;
                    use tests::peers::Python;

                    #[test]
                    fn polling() {
                        super::super::$name::<Python>(ClientTransports::Polling);
                    }

                    #[test]
                    fn websocket() {
                        super::super::$name::<Python>(ClientTransports::WebSocket);
                    }

                    #[test]
                    fn upgrade() {
                        super::super::$name::<Python>(ClientTransports::Upgrade);
                    }
                }
            )*
        }
    };
}

/// The refusal bug on one transport per server (it does not depend on
/// the transport).
mod refusal {
    use sio_smol::client::ClientTransports;

    #[test]
    fn node_refusal_without_data_is_final() {
        super::refusal_without_data_is_final::<tests::peers::Node>(ClientTransports::WebSocket);
    }

    #[test]
    fn python_refusal_without_data_is_final() {
        super::refusal_without_data_is_final::<tests::peers::Python>(ClientTransports::WebSocket);
    }
}

against_peers!(
    connect_auth,
    echo,
    acks,
    binary,
    namespaces,
    unknown_namespace,
    rooms,
    disconnect_me,
    close_transport,
);
