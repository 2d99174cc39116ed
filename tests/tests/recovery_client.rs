//! Connection state recovery with the npm `socket.io-client` against the
//! recovery example: cuts over WebSocket and polling recover the id, rooms
//! and every missed event exactly once and in order; a deliberate
//! disconnect starts afresh.

use std::time::Duration;

fn scenario(name: &str) {
    scenario_on(name, examples::recovery::mux);
}

fn scenario_on(name: &str, mux: fn() -> sio_smol::Mux) {
    tests::run_scenario("recovery.mjs", name, mux);
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
        let config = examples::recovery::config(Duration::from_secs(1));
        sio_smol::Mux::new().mount(&examples::recovery::io(config))
    });
}

/// The recovery demo with 300/200 ms pings and test hooks on every socket
/// besides the demo's own handlers: `drop-me` makes the server close the
/// socket's transport (a server-side cut), `set-data` stores its argument
/// as the socket's data and `get-data` acknowledges with it.
fn hooked() -> sio_smol::Mux {
    let io = examples::recovery::io(sio_core::socket::ServerConfig {
        engine: sio_core::engine::EngineConfig {
            ping_interval: Duration::from_millis(300),
            ping_timeout: Duration::from_millis(200),
            ..Default::default()
        },
        recovery: Some(sio_core::socket::RecoveryConfig::default()),
        ..Default::default()
    });
    // Replaces the demo's connection handler with one that adds the hooks
    // and then calls it.
    io.on_connection(|socket| {
        socket.on("drop-me", |socket, _| socket.close_transport());
        socket.on("set-data", |socket, msg| {
            socket.set_data(msg.data::<serde_json::Value>().unwrap_or_default());
        });
        socket.on("get-data", |socket, msg| {
            let data = socket.with_data(|d: &mut serde_json::Value| d.clone());
            let _ = msg.ack(&data);
        });
        examples::recovery::on_connection(socket);
    });
    sio_smol::Mux::new().mount(&io)
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
