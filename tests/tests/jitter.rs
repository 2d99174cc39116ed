//! Recovery under random cuts: 200 official clients (half WebSocket, half
//! polling) reach the recovery example through a proxy that cuts a random
//! connection every 40 ms for 15 s. Every client must receive every `tick`
//! from its first one onwards exactly once and in order, and every
//! reconnect must be a recovery.

use std::net::SocketAddr;
use std::time::Duration;

#[test]
fn two_hundred_clients_through_random_cuts() {
    let addr: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let server = sio_smol::spawn_thread(addr, examples::recovery::mux).expect("server starts");
    let proxy = tests::proxy::CuttingProxy::start(server.addr(), Duration::from_millis(40), 0x5eed);
    let out = tests::assert_node_ok(
        "jitter.mjs",
        &[&proxy.url(), "200", "15"],
        Duration::from_secs(120),
    );
    eprintln!("{out}proxy cuts: {}", proxy.cuts());
    assert!(out.contains("ok jitter "), "unexpected output: {out}");
    assert!(
        proxy.cuts() > 100,
        "too few cuts to mean anything: {}",
        proxy.cuts()
    );
    drop(proxy);
    server.stop().expect("server stops cleanly");
}
