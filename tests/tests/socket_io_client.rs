//! The npm `socket.io-client` (driven from Node) against the feature server
//! (`tests::feature_server`), on an ephemeral port; and against the
//! conformance server on both adapters.

use std::time::Duration;
use tests::adapter::Adapter;

fn scenario(name: &str) {
    tests::run_scenario("sio.mjs", name, tests::feature_server::mux);
}

#[test]
fn connect_on_every_transport() {
    scenario("connect");
}

#[test]
fn namespaces_multiplexed_on_one_connection() {
    scenario("multiplex");
}

#[test]
fn acks_both_ways_and_timeouts() {
    scenario("acks");
}

#[test]
fn binary_both_ways() {
    scenario("binary");
}

#[test]
fn rooms_and_broadcasts() {
    scenario("rooms");
}

#[test]
fn broadcast_with_acks() {
    scenario("broadcast-acks");
}

#[test]
fn connect_middleware_refusal() {
    scenario("middleware");
}

#[test]
fn disconnects_from_both_sides() {
    scenario("disconnect");
}

#[test]
fn client_reconnects_after_transport_drop() {
    scenario("reconnect");
}

#[test]
fn fifty_clients() {
    scenario("many");
}

/// The conformance server's `/socket.io/` (namespaces, acks, binary,
/// auth), on both adapters (`tests::adapter`).
fn conformance_server_socket_io_endpoint(adapter: Adapter) {
    let server = adapter.conformance();
    let out = tests::assert_node_ok(
        "sio-conformance.mjs",
        &[&server.url()],
        Duration::from_secs(60),
    );
    assert!(
        out.contains("ok sio-conformance "),
        "unexpected output: {out}"
    );
    server.stop();
}

tests::for_each_adapter!(conformance_server_socket_io_endpoint);

#[test]
fn handshake_query_and_headers() {
    scenario("handshake");
}
