//! The chat demo in headless Chromium (Debian's package, driven by
//! playwright-core): two pages; a message typed in one appears in the other;
//! once 40 messages overflow the list, the newest line is still in view on
//! both pages (and a reader scrolled up is left where they are).
//! The screenshot is saved under `target/test-output/chat.png`.

use std::net::SocketAddr;
use std::time::Duration;

#[test]
fn chat_between_two_browser_pages() {
    tests::browser::ensure_chromium();
    examples::chat::client_bundle().expect("the socket.io-client bundle (npm ci in examples/chat)");
    let addr: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let server = sio_smol::spawn_thread(addr, || {
        examples::chat::mux().expect("chat server (npm ci in examples/chat for the client bundle)")
    })
    .expect("server starts");
    let shot = tests::output_dir().join("chat.png");
    let out = tests::assert_node_ok(
        "chat-browser.mjs",
        &[&server.url(), shot.to_str().unwrap()],
        Duration::from_secs(120),
    );
    assert!(out.contains("ok chat-browser "), "unexpected output: {out}");
    let png = std::fs::read(&shot).expect("screenshot written");
    assert!(png.starts_with(b"\x89PNG"), "screenshot is not a PNG");
    server.stop().expect("server stops cleanly");
}
