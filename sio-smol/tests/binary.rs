//! The `sio-smol` binary: `--help` documents the flags, and a server started
//! from flags answers an Engine.IO handshake and serves static files.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::Duration;

mod common;

use common::{BIN, Server};

fn get(port: u16, path: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn help_documents_the_flags() {
    let out = Command::new(BIN).arg("--help").output().unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for flag in [
        "--port",
        "--path",
        "--static-dir",
        "--ping-interval",
        "--ping-timeout",
        "--max-payload",
        "--cors-origin",
        "--no-websocket",
        "--tls-cert",
        "--tls-key",
        "--trusted-proxies",
    ] {
        assert!(help.contains(flag), "--help lacks {flag}:\n{help}");
    }
    for what in [
        "An Engine.IO echo server (the default)",
        "serves Engine.IO at /engine.io/",
        "--static-dir",
        "`sio-smol serve` serves Socket.IO",
        "--redis URL",
    ] {
        assert!(help.contains(what), "--help does not say {what:?}:\n{help}");
    }
    assert!(
        help.contains("SIGTERM"),
        "--help does not say how it stops:\n{help}"
    );
}

#[test]
fn serves_engine_io_and_static_files() {
    let dir = std::env::temp_dir().join(format!("sio-smol-bin-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("hello.txt"), "hello from disk").unwrap();
    let server = Server::start([
        "--path",
        "/eio/",
        "--ping-interval",
        "1234",
        "--ping-timeout",
        "567",
        "--static-dir",
        dir.to_str().expect("the temp dir's path is UTF-8"),
    ]);
    let port = server.port;
    let open = get(port, "/eio/?EIO=4&transport=polling");
    assert!(open.starts_with("HTTP/1.1 200"), "{open}");
    assert!(
        open.contains(r#""pingInterval":1234,"pingTimeout":567"#),
        "{open}"
    );
    let file = get(port, "/hello.txt");
    assert!(
        file.starts_with("HTTP/1.1 200") && file.ends_with("hello from disk"),
        "{file}"
    );
    let escape = get(port, "/../Cargo.toml");
    assert!(
        escape.starts_with("HTTP/1.1 404") || escape.starts_with("HTTP/1.1 400"),
        "{escape}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
