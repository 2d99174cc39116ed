//! The npm `engine.io-client` (driven from Node) against the conformance
//! server's `/engine.io/` echo endpoint, on an ephemeral port, on both
//! adapters (`tests::adapter`).

use std::time::Duration;
use tests::adapter::Adapter;

/// The conformance heartbeat (300 ms + 200 ms) leaves little slack on a
/// loaded 2-core machine: these scenarios run one at a time.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn scenario(adapter: Adapter, name: &str) {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let server = adapter.conformance();
    let out = tests::assert_node_ok("eio.mjs", &[name, &server.url()], Duration::from_secs(60));
    assert!(
        out.contains(&format!("ok {name} ")),
        "unexpected output: {out}"
    );
    server.stop();
}

fn polling_only(adapter: Adapter) {
    scenario(adapter, "polling");
}

fn websocket_only(adapter: Adapter) {
    scenario(adapter, "websocket");
}

fn upgrade_from_polling_to_websocket(adapter: Adapter) {
    scenario(adapter, "upgrade");
}

fn large_messages(adapter: Adapter) {
    scenario(adapter, "large");
}

fn binary_messages(adapter: Adapter) {
    scenario(adapter, "binary");
}

fn heartbeat_timeout_on_websocket(adapter: Adapter) {
    scenario(adapter, "heartbeat-timeout");
}

fn heartbeat_timeout_on_polling(adapter: Adapter) {
    scenario(adapter, "heartbeat-polling");
}

fn fifty_concurrent_clients(adapter: Adapter) {
    scenario(adapter, "many");
}

tests::for_each_adapter!(
    polling_only,
    websocket_only,
    upgrade_from_polling_to_websocket,
    large_messages,
    binary_messages,
    heartbeat_timeout_on_websocket,
    heartbeat_timeout_on_polling,
    fifty_concurrent_clients,
);
