//! Bench anchor: socketioxide behind axum on tokio's multi-threaded runtime,
//! default options, meeting the contract in ../../README.md: Socket.IO at
//! `/socket.io/` on 127.0.0.1:$PORT, `echo` acknowledged with its argument,
//! `broadcast` re-emitted to every socket of `/` (the sender included).

use axum::serve::ListenerExt;
use serde_json::Value;
use socketioxide::SocketIo;
use socketioxide::extract::{AckSender, Data, SocketRef};

fn on_connect(socket: SocketRef) {
    socket.on("echo", async |Data::<Value>(data), ack: AckSender| {
        ack.send(&data).ok();
    });
    socket.on("broadcast", async |io: SocketIo, Data::<Value>(data)| {
        io.emit("broadcast", &data).await.ok();
    });
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(3000u16);
    let (layer, io) = SocketIo::new_layer();
    io.ns("/", async |socket: SocketRef| on_connect(socket));
    let app = axum::Router::new().layer(layer);
    // TCP_NODELAY on accepted sockets, as Node does by default.
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await?
        .tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
    eprintln!("socketioxide 0.18 on 127.0.0.1:{port}");
    axum::serve(listener, app).await
}
