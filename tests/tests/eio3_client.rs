//! The npm `socket.io-client` 2.5.0 (Engine.IO v3, Socket.IO protocol v4;
//! `tests/js/eio3-client.mjs`) against the feature server with
//! `allow_eio3` on, on every transport setup, and refused when it is off;
//! and its browser bundle in headless Chromium (`tests/js/eio3-browser.mjs`),
//! where polling carries binary in the v3 binary framing.

use sio_smol::Mux;
use std::time::Duration;
use tests::feature_server;

/// The feature server accepting Engine.IO v3 clients.
fn eio3_mux() -> Mux {
    let mut config = feature_server::config();
    config.engine.allow_eio3 = true;
    feature_server::mux_with(config)
}

/// [`eio3_mux`] with a short ping timeout: an idle v3 client that stopped
/// pinging would be closed within 900 ms.
fn short_heartbeat_mux() -> Mux {
    let mut config = feature_server::config();
    config.engine.allow_eio3 = true;
    config.engine.ping_interval = Duration::from_millis(300);
    config.engine.ping_timeout = Duration::from_millis(600);
    feature_server::mux_with(config)
}

fn scenario(name: &str, mux: fn() -> Mux) -> String {
    tests::run_scenario("eio3-client.mjs", name, mux)
}

#[test]
fn polling() {
    // The Node build's XMLHttpRequest has no XHR2: it asks `b64=1` itself
    // (the browser test below runs the binary framing).
    let out = scenario("polling", eio3_mux);
    assert!(out.contains(r#""supportsBinary":false"#), "{out}");
}

#[test]
fn polling_binary_framing_in_a_browser() {
    tests::browser::ensure_chromium();
    let out = tests::run_scenario("eio3-browser.mjs", "binary", eio3_mux);
    assert!(out.contains(r#""transport":"polling""#), "{out}");
}

#[test]
fn polling_with_force_base64() {
    let out = scenario("base64", eio3_mux);
    assert!(out.contains(r#""supportsBinary":false"#), "{out}");
}

#[test]
fn websocket_only() {
    scenario("websocket", eio3_mux);
}

#[test]
fn polling_then_upgrade() {
    let out = scenario("default", eio3_mux);
    assert!(out.contains(r#""transport":"websocket""#), "{out}");
}

#[test]
fn client_pings_keep_idle_clients_alive() {
    scenario("heartbeat", short_heartbeat_mux);
}

#[test]
fn refused_without_allow_eio3() {
    scenario("refused", feature_server::mux);
}

/// `ALLOW_EIO3=1` on the conformance contract's server (the example's own
/// binary on each adapter, a child process with that environment): both
/// its Socket.IO and bare Engine.IO endpoints take v3 clients.
fn conformance_server_with_allow_eio3(adapter: tests::adapter::Adapter) {
    let server = adapter.conformance_with_env(&[("ALLOW_EIO3", "1")]);
    let out = tests::assert_node_ok(
        "eio3-client.mjs",
        &["conformance", &server.url()],
        Duration::from_secs(60),
    );
    assert!(out.contains("ok conformance "), "unexpected output: {out}");
    server.stop();
}

tests::for_each_adapter!(conformance_server_with_allow_eio3);

/// The `sio-smol` binary's `--allow-eio3`, in both of its server modes.
#[test]
fn the_binary_with_allow_eio3() {
    for (args, scenario) in [
        (&["--allow-eio3"][..], "binary-echo"),
        (&["serve", "--allow-eio3"][..], "binary-serve"),
    ] {
        let bin = tests::process::SioSmolBin::start(args);
        let out = tests::assert_node_ok(
            "eio3-client.mjs",
            &[scenario, &bin.url],
            Duration::from_secs(60),
        );
        assert!(out.contains(&format!("ok {scenario} ")), "{out}");
    }
}
