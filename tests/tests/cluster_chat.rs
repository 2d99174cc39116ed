//! The cluster chat (`examples/cluster_chat.rs`) in headless Chromium: two
//! servers on one redis-server, page A on the first, page B on the second
//! (`tests/js/chat-browser.mjs` with a second URL): B joining shows on A,
//! messages typed on one page appear on the other, `/online` of either
//! counts both pages, B leaving shows on A. The screenshot is saved under
//! `target/test-output/cluster-chat.png`.

use std::net::SocketAddr;
use std::sync::mpsc;
use std::time::Duration;

use tests::redis::RedisServer;

#[test]
fn chat_between_pages_on_two_cluster_members() {
    tests::browser::ensure_chromium();
    examples::chat::client_bundle().expect("the socket.io-client bundle (npm ci in examples/chat)");
    let redis = RedisServer::start();
    let addr: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let (linked, link_up) = mpsc::channel();
    let servers: Vec<_> = (0..2)
        .map(|_| {
            let (url, linked) = (redis.url(), linked.clone());
            sio_smol::spawn_thread(addr, move || {
                let io = examples::cluster_chat::io(&url).expect("a Redis URL");
                io.on_cluster_link(move |up| {
                    if up {
                        let _ = linked.send(());
                    }
                });
                examples::chat::mux_on(io).expect("chat server (the client bundle)")
            })
            .expect("server starts")
        })
        .collect();
    // Both are subscribed before the pages open: nothing said is lost.
    for _ in &servers {
        link_up
            .recv_timeout(Duration::from_secs(20))
            .expect("a server's Redis link comes up");
    }
    let shot = tests::output_dir().join("cluster-chat.png");
    let out = tests::assert_node_ok(
        "chat-browser.mjs",
        &[&servers[0].url(), shot.to_str().unwrap(), &servers[1].url()],
        Duration::from_secs(120),
    );
    assert!(out.contains("ok chat-browser "), "unexpected output: {out}");
    let png = std::fs::read(&shot).expect("screenshot written");
    assert!(png.starts_with(b"\x89PNG"), "screenshot is not a PNG");
    for server in servers {
        server.stop().expect("server stops cleanly");
    }
}
