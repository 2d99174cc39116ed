//! The npm `engine.io-client` (driven from Node) against the conformance
//! server's `/engine.io/` echo endpoint, on an ephemeral port.

use std::net::SocketAddr;
use std::time::Duration;

fn server() -> sio_smol::RunningServer {
    let addr: SocketAddr = "127.0.0.1:0".parse().unwrap();
    sio_smol::spawn_thread(addr, examples::conformance::mux).expect("server starts")
}

/// The conformance heartbeat (300 ms + 200 ms) leaves little slack on a
/// loaded 2-core machine: these scenarios run one at a time.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn scenario(name: &str) {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let server = server();
    let out = tests::assert_node_ok("eio.mjs", &[name, &server.url()], Duration::from_secs(60));
    assert!(
        out.contains(&format!("ok {name} ")),
        "unexpected output: {out}"
    );
    server.stop().expect("server stops cleanly");
}

#[test]
fn polling_only() {
    scenario("polling");
}

#[test]
fn websocket_only() {
    scenario("websocket");
}

#[test]
fn upgrade_from_polling_to_websocket() {
    scenario("upgrade");
}

#[test]
fn large_messages() {
    scenario("large");
}

#[test]
fn binary_messages() {
    scenario("binary");
}

#[test]
fn heartbeat_timeout_on_websocket() {
    scenario("heartbeat-timeout");
}

#[test]
fn heartbeat_timeout_on_polling() {
    scenario("heartbeat-polling");
}

#[test]
fn fifty_concurrent_clients() {
    scenario("many");
}
