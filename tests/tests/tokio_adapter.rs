//! What the tokio example (`examples/tokio_conformance`) adds to the
//! conformance contract, which the shared suites (`tests::adapter`) cannot
//! ask of both adapters: the application's own route on the same port, and
//! the bound on a WebSocket's send queue reached through the echo alone
//! (the example reads a WebSocket while its writes wait; `sio-smol`'s
//! bound is tested with a flooding server, `slow_reader.rs`).

use std::io::{Read, Write};
use std::time::{Duration, Instant};
use tests::adapter::Adapter;
use tests::raw::{assert_echo, client_frame, open_polling, raw_ws, request};

#[test]
fn the_application_route_shares_the_port() {
    let server = Adapter::Tokio.conformance();
    let addr = server.addr();
    let hello = request(addr, "GET", "/hello", b"");
    assert_eq!(hello.status, 200);
    assert_eq!(hello.header("content-type"), Some("text/plain"));
    assert_eq!(hello.text(), "hello");
    assert_eq!(request(addr, "GET", "/nope", b"").status, 404);
    // The cores' paths are theirs still.
    for path in ["/engine.io/", "/socket.io/"] {
        assert!(!open_polling(addr, path).is_empty());
    }
    server.stop();
}

#[test]
fn a_websocket_peer_that_never_reads_is_dropped_at_the_bound() {
    let server = Adapter::Tokio.raw_echo();
    let addr = server.addr();
    let bystander = open_polling(addr, "/engine.io/");
    let mut slow = raw_ws(addr, "/engine.io/");
    slow.set_write_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    // Binary messages the server echoes; their echoes pile up, unread,
    // past the socket buffers into the queue, bounded at 16 MiB
    // (`max_queued_bytes`). 90 MB would be far past it.
    let frame = client_frame(2, &vec![7u8; 900_000]);
    let start = Instant::now();
    let written = (0..100)
        .take_while(|_| slow.write_all(&frame).is_ok())
        .count();
    assert!(
        written < 100,
        "the server took 90 MB from a peer that reads nothing"
    );
    // The connection is gone: reading ends (after what was in flight).
    slow.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut sink = vec![0u8; 1 << 20];
    while matches!(slow.read(&mut sink), Ok(n) if n > 0) {}
    assert!(
        start.elapsed() < Duration::from_secs(30),
        "dropped after {:?}",
        start.elapsed()
    );
    assert_echo(addr, "/engine.io/", &bystander, "still here");
    server.stop();
}
