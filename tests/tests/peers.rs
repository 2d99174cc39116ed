//! The reference servers for client tests (`tests::peers`: Node's socket.io
//! and python-socketio) proven with the official `socket.io-client`
//! (`tests/js/client-vs-peer.mjs`): every behaviour a Rust client's tests
//! will rely on, checked from the client's side and, through the server's
//! JSON lines, from the server's. The same scenarios run against both
//! servers; recovery only against Node's.

use std::net::TcpStream;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Value, json};
use tests::peers::{Node, PeerKind, PeerServer, Python};

const EVENT_WAIT: Duration = Duration::from_secs(10);

/// Runs `client-vs-peer.mjs <scenario>` against `server` and returns the
/// JSON details it printed after `ok <scenario>`.
fn run<P: PeerKind>(server: &PeerServer<P>, scenario: &str, extra: &[&str]) -> Value {
    let url = server.url();
    let mut args = vec![scenario, &url, P::NAME];
    args.extend_from_slice(extra);
    let out = tests::assert_node_ok("client-vs-peer.mjs", &args, Duration::from_secs(60));
    let prefix = format!("ok {scenario} ");
    let details = out
        .lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("no `{prefix}` line in {out:?}"));
    serde_json::from_str(details).unwrap_or_else(|e| panic!("bad details {details:?}: {e}"))
}

/// Starts a server and runs `scenario` against it.
fn scenario<P: PeerKind>(name: &str) -> (PeerServer<P>, Value) {
    let server = PeerServer::<P>::start(&[]);
    let details = run(&server, name, &[]);
    (server, details)
}

/// Whether `e` is the server's `event` line for socket `id`.
fn is(e: &Value, event: &str, id: &Value) -> bool {
    e["event"] == event && &e["id"] == id
}

fn on_transport<P: PeerKind>(transport: &str) {
    let (mut server, details) = scenario::<P>(transport);
    assert_eq!(details["transport"], transport);
    assert_eq!(details["ping"], json!([25000, 20000]), "the defaults");
    let id = &details["id"];
    let connect = server.wait_event(EVENT_WAIT, |e| is(e, "connect", id));
    assert_eq!(connect["nsp"], "/");
    assert_eq!(connect["transport"], transport);
    assert_eq!(connect["recovered"], false);
    assert_eq!(connect["auth"], json!({"user": "u1"}));
    assert!(connect["sid"].is_string(), "{connect}");
    server.wait_event(EVENT_WAIT, |e| is(e, "disconnect", id));
}

fn heartbeat_options<P: PeerKind>() {
    // python-engineio announces whole seconds only (its server refuses other intervals).
    let interval = if P::NAME == "python" { 1000 } else { 300 };
    let mut server = PeerServer::<P>::start(&[
        "--ping-interval",
        &interval.to_string(),
        "--ping-timeout",
        "200",
    ]);
    let details = run(&server, "websocket", &[]);
    assert_eq!(details["ping"], json!([interval, 200]));
    server.wait_event(EVENT_WAIT, |e| is(e, "connect", &details["id"]));
}

fn upgrade<P: PeerKind>() {
    let (mut server, details) = scenario::<P>("upgrade");
    assert_eq!(details["transport"], "websocket");
    let id = &details["id"];
    let connect = server.wait_event(EVENT_WAIT, |e| is(e, "connect", id));
    assert_eq!(connect["transport"], "polling");
    if P::NAME == "node" {
        let up = server.wait_event(EVENT_WAIT, |e| is(e, "upgrade", id));
        assert_eq!(up["transport"], "websocket");
        assert_eq!(up["sid"], connect["sid"]);
    }
}

fn plain<P: PeerKind>(name: &str) {
    scenario::<P>(name);
}

fn namespaces<P: PeerKind>() {
    let (mut server, details) = scenario::<P>("namespaces");
    let admin = server.wait_event(EVENT_WAIT, |e| is(e, "connect", &details["admin"]));
    assert_eq!(admin["nsp"], "/admin");
    assert_eq!(admin["auth"], json!({"token": "secret"}));
    let dynamic = server.wait_event(EVENT_WAIT, |e| is(e, "connect", &details["dyn"]));
    assert_eq!(dynamic["nsp"], "/dyn-abc");
    let main = server.wait_event(EVENT_WAIT, |e| is(e, "connect", &details["main"]));
    assert_eq!(main["sid"], admin["sid"], "one Engine.IO session");
    let connects: Vec<Value> = server
        .events()
        .into_iter()
        .filter(|e| e["event"] == "connect")
        .collect();
    assert_eq!(
        connects.len(),
        3,
        "refused ones are not connections: {connects:?}"
    );
}

fn disconnect_me<P: PeerKind>() {
    let (mut server, details) = scenario::<P>("disconnect-me");
    let gone = server.wait_event(EVENT_WAIT, |e| is(e, "disconnect", &details["id"]));
    let reason = if P::NAME == "node" {
        "server namespace disconnect"
    } else {
        "server disconnect"
    };
    assert_eq!(gone["reason"], reason);
}

fn close_transport<P: PeerKind>() {
    let (mut server, details) = scenario::<P>("close-transport");
    let (before, after) = (&details["before"], &details["after"]);
    if P::RECOVERY {
        assert_eq!(before, after);
        let back = server.wait_event(EVENT_WAIT, |e| {
            is(e, "connect", after) && e["recovered"] == true
        });
        assert_eq!(back["auth"]["user"], "u1");
        assert!(back["auth"]["pid"].is_string(), "{back}");
    } else {
        assert_ne!(before, after);
        server.wait_event(EVENT_WAIT, |e| is(e, "disconnect", before));
        let back = server.wait_event(EVENT_WAIT, |e| is(e, "connect", after));
        assert_eq!(back["recovered"], false);
    }
}

fn recovery<P: PeerKind>(name: &str) {
    let (mut server, details) = scenario::<P>(name);
    assert_eq!(details["ticks"], 15);
    let id = &details["id"];
    server.wait_event(EVENT_WAIT, |e| {
        is(e, "disconnect", id) && e["reason"] == "forced close"
    });
    server.wait_event(EVENT_WAIT, |e| {
        is(e, "connect", id) && e["recovered"] == true
    });
}

fn restart_on_same_port<P: PeerKind>() {
    let mut server = PeerServer::<P>::start(&[]);
    let port = server.port();
    let first = run(&server, "websocket", &[]);
    server.wait_event(EVENT_WAIT, |e| is(e, "connect", &first["id"]));
    server.restart();
    assert_eq!(server.port(), port);
    assert!(
        server.events().is_empty(),
        "a new process, new lines: {:?}",
        server.lines()
    );
    let second = run(&server, "polling", &[]);
    server.wait_event(EVENT_WAIT, |e| is(e, "connect", &second["id"]));
    assert_eq!(server.url(), format!("http://127.0.0.1:{port}"));
}

fn kill_closes_the_port<P: PeerKind>() {
    let mut server = PeerServer::<P>::start(&[]);
    let port = server.port();
    assert!(server.is_running());
    server.kill();
    assert!(!server.is_running());
    assert!(
        TcpStream::connect(("127.0.0.1", port)).is_err(),
        "port {port} still accepts after kill"
    );
    server.restart();
    assert!(server.is_running());
    TcpStream::connect(("127.0.0.1", port)).expect("listening again after restart");
}

fn start_failure_reports_the_output<P: PeerKind>() {
    let missing = "/nonexistent/sio-peer-cert.pem";
    let failed = std::panic::catch_unwind(|| {
        PeerServer::<P>::start(&["--cert", missing, "--key", missing]);
    })
    .expect_err("a server without its certificate cannot start");
    let message = failed
        .downcast_ref::<String>()
        .expect("a formatted panic message");
    assert!(message.contains("did not start listening"), "{message}");
    assert!(
        message.contains("sio-peer-cert.pem"),
        "the server's own error is in the message: {message}"
    );
}

/// A self-signed certificate for localhost and 127.0.0.1: (cert, key) PEM files.
fn certificate(tag: &str) -> (PathBuf, PathBuf) {
    let rcgen::CertifiedKey { cert, signing_key } =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .expect("rcgen makes a certificate");
    let dir = tests::output_dir().join(format!("peers-tls-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create the certificate directory");
    let (cert_path, key_path) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert_path, cert.pem()).expect("write cert.pem");
    std::fs::write(&key_path, signing_key.serialize_pem()).expect("write key.pem");
    let absolute = |p: PathBuf| p.canonicalize().expect("the file exists");
    (absolute(cert_path), absolute(key_path))
}

fn tls<P: PeerKind>() {
    let (cert, key) = certificate(P::NAME);
    let (cert, key) = (
        cert.to_str().expect("UTF-8 path"),
        key.to_str().expect("UTF-8 path"),
    );
    let mut server = PeerServer::<P>::start(&["--cert", cert, "--key", key]);
    assert!(
        server.url().starts_with("https://127.0.0.1:"),
        "{}",
        server.url()
    );
    for transport in ["polling", "websocket", "upgrade"] {
        let details = run(&server, transport, &[cert]);
        server.wait_event(EVENT_WAIT, |e| is(e, "connect", &details["id"]));
    }
}

/// The scenarios both servers share, as tests named `<module>::<scenario>`.
macro_rules! both {
    ($module:ident, $kind:ty) => {
        mod $module {
            use super::*;

            #[test]
            fn polling() {
                on_transport::<$kind>("polling");
            }

            #[test]
            fn websocket() {
                on_transport::<$kind>("websocket");
            }

            #[test]
            fn heartbeat_options() {
                super::heartbeat_options::<$kind>();
            }

            #[test]
            fn upgrade() {
                super::upgrade::<$kind>();
            }

            #[test]
            fn echo() {
                plain::<$kind>("echo");
            }

            #[test]
            fn acks_both_ways() {
                plain::<$kind>("acks");
            }

            #[test]
            fn binary() {
                plain::<$kind>("binary");
            }

            #[test]
            fn rooms() {
                plain::<$kind>("rooms");
            }

            #[test]
            fn ticks() {
                plain::<$kind>("ticks");
            }

            #[test]
            fn namespaces_and_admin_middleware() {
                super::namespaces::<$kind>();
            }

            #[test]
            fn disconnect_me() {
                super::disconnect_me::<$kind>();
            }

            #[test]
            fn close_transport() {
                super::close_transport::<$kind>();
            }

            #[test]
            fn restart_on_same_port() {
                super::restart_on_same_port::<$kind>();
            }

            #[test]
            fn kill_closes_the_port() {
                super::kill_closes_the_port::<$kind>();
            }

            #[test]
            fn start_failure_reports_the_output() {
                super::start_failure_reports_the_output::<$kind>();
            }

            #[test]
            fn tls() {
                super::tls::<$kind>();
            }
        }
    };
}

both!(node, Node);
both!(python, Python);

#[test]
fn node_recovery_websocket() {
    recovery::<Node>("recovery");
}

#[test]
fn node_recovery_polling() {
    recovery::<Node>("recovery-polling");
}
