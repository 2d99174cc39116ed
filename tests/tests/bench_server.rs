//! The bench server example (`examples/bench_server.rs`) keeps the contract
//! `../shared/bench` relies on: `echo` acknowledged with its argument,
//! `broadcast` re-emitted to every socket of `/`, the sender included,
//! checked with the npm `socket.io-client` over WebSocket and polling.

use std::net::SocketAddr;
use std::time::Duration;

#[test]
fn bench_server_echoes_and_broadcasts() {
    let addr = SocketAddr::from(([127, 0, 0, 1], 0));
    let server = sio_smol::spawn_thread(addr, examples::bench_server::mux).expect("server starts");
    let out = tests::assert_node_ok(
        "bench-server.mjs",
        &[&server.url()],
        Duration::from_secs(60),
    );
    assert!(out.contains("ok bench-server "), "unexpected output: {out}");
    server.stop().expect("server stops cleanly");
}
