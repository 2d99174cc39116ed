//! What an operator sees in the logs at the default level (`info`): one
//! line per connection and per disconnection (namespace, socket id,
//! transport, reason), a warning naming the session for a client's
//! protocol fault, nothing per message, and never a recovery `pid`.
//!
//! The server runs in this process with a global subscriber writing into
//! a buffer (this file holds one test, so nothing else logs into it).

use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tests::raw::{close_code, sio_ws, ws_send_text};

/// A `Write` into a shared buffer, for the subscriber.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("not poisoned").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("not poisoned")).into_owned()
    }
}

#[test]
fn default_level_logs_connections_and_faults_only() {
    let logs = Captured::default();
    let writer = logs.clone();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("info"))
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .init();

    let addr: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let server = sio_smol::spawn_thread(addr, examples::recovery::mux).expect("server starts");
    let out = tests::assert_node_ok(
        "recovery.mjs",
        &["logs", &server.url()],
        Duration::from_secs(60),
    );
    let json = out
        .lines()
        .find_map(|l| l.strip_prefix("ok logs "))
        .unwrap_or_else(|| panic!("unexpected output: {out}"));
    let details: serde_json::Value = serde_json::from_str(json).expect("details are JSON");
    let id = details["id"].as_str().expect("socket id");
    let pid = details["pid"].as_str().expect("recovery pid");

    // A client that breaks the protocol: an event that is not an array.
    let mut bad = sio_ws(server.addr(), "/socket.io/");
    ws_send_text(&mut bad, "42{}");
    assert_eq!(close_code(&mut bad), 1002);
    server.stop().expect("server stops cleanly");

    let text = logs.text();
    let lines: Vec<&str> = text.lines().collect();
    let about_id: Vec<&str> = lines.iter().copied().filter(|l| l.contains(id)).collect();
    let has = |needles: &[&str]| {
        about_id
            .iter()
            .any(|l| l.contains(" INFO ") && needles.iter().all(|n| l.contains(n)))
    };
    assert!(
        has(&[
            "connect",
            "nsp=\"/\"",
            "transport=\"websocket\"",
            "recovered=false"
        ]),
        "no first connect line:\n{text}"
    );
    assert!(
        has(&["connect", "recovered=true"]),
        "no recovery line:\n{text}"
    );
    assert!(
        has(&["disconnect", "reason=\"transport close\""]),
        "no line for the cut:\n{text}"
    );
    assert!(
        has(&["disconnect", "reason=\"client namespace disconnect\""]),
        "no line for the deliberate disconnect:\n{text}"
    );
    // Two connects and two disconnects; nothing per tick, burst or echo.
    assert_eq!(about_id.len(), 4, "lines about {id}:\n{text}");
    assert!(
        !lines
            .iter()
            .any(|l| l.contains("tick") || l.contains("echo")),
        "per-message lines:\n{text}"
    );
    assert!(!text.contains(pid), "the recovery pid was logged:\n{text}");
    assert!(
        lines.iter().any(|l| l.contains(" WARN ")
            && l.contains("protocol fault: malformed Socket.IO packet")
            && l.contains("sid=")),
        "no warning for the protocol fault:\n{text}"
    );
}
