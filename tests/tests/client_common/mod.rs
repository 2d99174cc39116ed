//! What the client tests share (`client_smol.rs`, `client_interop.rs`,
//! `client_node.rs`, `client_conformance.rs`): options, waits, event
//! recorders, the recovery offset, certificates, and one test per
//! transport.

// Each test file uses part of this.
#![allow(dead_code, unused_macros)]

use serde_json::Value;
use sio_core::socket::Args;
use sio_smol::client::{ClientOptions, ClientSocket, ClientTransports};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long anything is awaited before the test fails.
pub const WAIT: Duration = Duration::from_secs(10);

/// The three ways to connect, in the order the tables list them.
pub const TRANSPORTS: [ClientTransports; 3] = [
    ClientTransports::Polling,
    ClientTransports::WebSocket,
    ClientTransports::Upgrade,
];

/// Options for `t` with short reconnection delays (100 ms to 400 ms).
pub fn options(t: ClientTransports) -> ClientOptions {
    ClientOptions::default()
        .transports(t)
        .reconnection_delay(Duration::from_millis(100))
        .reconnection_delay_max(Duration::from_millis(400))
}

/// The server's `transport` for the first connect on `t`.
pub fn first_transport(t: ClientTransports) -> &'static str {
    match t {
        ClientTransports::WebSocket => "websocket",
        _ => "polling",
    }
}

/// Waits until `socket` is connected.
pub fn ready(socket: &ClientSocket) {
    smol::block_on(socket.ready(WAIT))
        .unwrap_or_else(|e| panic!("{} not ready: {e}", socket.nsp()));
}

/// The next message from a handler, or a failure naming `what`.
pub fn next<T>(rx: &mpsc::Receiver<T>, what: &str) -> T {
    rx.recv_timeout(WAIT)
        .unwrap_or_else(|_| panic!("no {what} within {WAIT:?}"))
}

/// Asserts nothing comes on `rx` for `quiet`.
pub fn nothing<T: std::fmt::Debug>(rx: &mpsc::Receiver<T>, quiet: Duration, what: &str) {
    if let Ok(got) = rx.recv_timeout(quiet) {
        panic!("{what}: got {got:?}");
    }
}

/// Polls `f` until it holds or `WAIT` passes.
pub fn eventually(what: &str, f: impl Fn() -> bool) {
    let until = Instant::now() + WAIT;
    while !f() {
        assert!(Instant::now() < until, "{what}: not within {WAIT:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Every `event` `socket` receives, its raw arguments, on a channel
/// (register right after opening the namespace).
pub fn record(socket: &ClientSocket, event: &str) -> mpsc::Receiver<Args> {
    let (tx, rx) = mpsc::channel();
    socket.on(event, move |_, msg| {
        let _ = tx.send(msg.raw().clone());
    });
    rx
}

/// Every disconnect reason of `socket`, as the official strings.
pub fn record_disconnects(socket: &ClientSocket) -> mpsc::Receiver<&'static str> {
    let (tx, rx) = mpsc::channel();
    socket.on_disconnect(move |_, reason| {
        let _ = tx.send(reason.as_str());
    });
    rx
}

/// The arguments as JSON values (placeholders stay placeholders).
pub fn values(args: &Args) -> Vec<Value> {
    serde_json::from_slice(&args.json)
        .unwrap_or_else(|e| panic!("arguments {:?} are not a JSON array: {e}", args.json))
}

/// The arguments without the recovery offset: with `recovery`, the last
/// argument must be a string (the server's offset) and is taken off.
pub fn strip_offset(args: &Args, recovery: bool) -> Args {
    if !recovery {
        return args.clone();
    }
    let mut list = values(args);
    let last = list.pop();
    assert!(
        matches!(last, Some(Value::String(_))),
        "no recovery offset at the end of {:?}",
        args.json
    );
    Args {
        json: serde_json::to_vec(&list).unwrap().into(),
        attachments: args.attachments.clone(),
    }
}

/// The offset (last argument) of an event from a server with recovery.
pub fn offset(args: &Args) -> String {
    match values(args).pop() {
        Some(Value::String(s)) => s,
        other => panic!("no offset at the end of {:?} ({other:?})", args.json),
    }
}

/// A self-signed certificate for localhost and 127.0.0.1, written to
/// `target/test-output`: (cert PEM, cert path, key path).
pub fn certificate(tag: &str) -> (String, String, String) {
    let rcgen::CertifiedKey { cert, signing_key } =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .expect("rcgen makes a certificate");
    let dir = tests::output_dir().join(format!("client-tls-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create the certificate directory");
    let (cert_path, key_path) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert_path, cert.pem()).expect("write cert.pem");
    std::fs::write(&key_path, signing_key.serialize_pem()).expect("write key.pem");
    let path = |p: std::path::PathBuf| p.to_str().expect("UTF-8 paths").to_owned();
    (cert.pem(), path(cert_path), path(key_path))
}

/// One test per transport for each scenario of `ClientTransports`:
/// `NAME::polling`, `NAME::websocket`, `NAME::upgrade`.
macro_rules! on_every_transport {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            use sio_smol::client::ClientTransports;

            #[test]
            fn polling() {
                super::$name(ClientTransports::Polling);
            }

            #[test]
            fn websocket() {
                super::$name(ClientTransports::WebSocket);
            }

            #[test]
            fn upgrade() {
                super::$name(ClientTransports::Upgrade);
            }
        }
    )*};
}
