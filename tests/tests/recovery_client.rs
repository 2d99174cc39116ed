//! Connection state recovery with the npm `socket.io-client` against the
//! recovery example: cuts over WebSocket and polling recover the id, rooms
//! and every missed event exactly once and in order; a deliberate
//! disconnect starts afresh.

use std::net::SocketAddr;
use std::time::Duration;

fn scenario(name: &str) {
    scenario_on(name, examples::recovery_mux);
}

fn scenario_on(name: &str, mux: fn() -> sio_smol::Mux) {
    let addr: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let server = sio_smol::spawn_thread(addr, mux).expect("server starts");
    let out = tests::assert_node_ok(
        "recovery.mjs",
        &[name, &server.url()],
        Duration::from_secs(60),
    );
    assert!(
        out.contains(&format!("ok {name} ")),
        "unexpected output: {out}"
    );
    server.stop().expect("server stops cleanly");
}

#[test]
fn recovers_after_cuts_on_websocket() {
    scenario("websocket");
}

#[test]
fn recovers_after_cuts_on_polling() {
    scenario("polling");
}

#[test]
fn deliberate_disconnect_starts_afresh() {
    scenario("deliberate");
}

#[test]
fn bogus_offset_starts_afresh() {
    scenario("bogus-offset");
}

#[test]
fn unknown_pid_starts_afresh() {
    scenario("unknown-pid");
}

#[test]
fn expired_window_starts_afresh() {
    scenario_on("expired", || {
        examples::recovery_mux_with_window(Duration::from_secs(1))
    });
}

/// The recovery demo with `drop-me` (server-side cuts) and 300/200 ms pings.
fn hooked() -> sio_smol::Mux {
    examples::recovery_mux_with(
        sio_core::socket::ServerConfig {
            engine: sio_core::engine::EngineConfig {
                ping_interval: Duration::from_millis(300),
                ping_timeout: Duration::from_millis(200),
                ..Default::default()
            },
            recovery: Some(sio_core::socket::RecoveryConfig::default()),
            ..Default::default()
        },
        true,
    )
}

#[test]
fn recovers_after_the_server_closes_the_transport() {
    scenario_on("server-close", hooked);
}

#[test]
fn recovers_after_a_ping_timeout() {
    scenario_on("ping-timeout", hooked);
}

#[test]
fn socket_data_survives_recovery() {
    scenario_on("data", hooked);
}
