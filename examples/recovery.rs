//! The connection state recovery demo: a client that loses its connection
//! comes back with its id, its rooms and every event it missed.
//!
//! - every socket joins room `all` when it first connects (a recovered
//!   socket is still in it);
//! - `tick` with `{"seq":N}` goes to room `all` every 20 ms, `N` counting
//!   up from 1: a client sees each tick exactly once, in order, across cuts;
//! - `burst` with `n` emits `n` `item` events `{"i":k}` (k = 1..n) to the
//!   sender;
//! - `echo` is acknowledged with its arguments.
//!
//! Recovery keeps a disconnected session for 60 s. Shows
//! `ServerConfig::recovery`, `socket.recovered()`, and a task spawned on
//! the server that emits to a room.
//!
//! Run: `cargo run --release --example recovery`; port from `PORT`
//! (default 3000), Socket.IO at `/socket.io/`.

use std::time::Duration;

use futures_lite::StreamExt;
use serde_json::json;
use sio_core::socket::{RecoveryConfig, ServerConfig};
use sio_smol::Mux;
use sio_smol::io::{Socket, SocketIo};

fn main() -> std::io::Result<()> {
    examples::init_logging();
    let port = examples::port_from_env(3000);
    eprintln!("recovery: Socket.IO with connection state recovery on http://127.0.0.1:{port}/");
    smol::block_on(mux().serve_graceful(([0, 0, 0, 0], port).into()))
}

/// The demo server, with a 60 s recovery window.
pub fn mux() -> Mux {
    Mux::new().mount(&io(config(Duration::from_secs(60))))
}

/// Default options with recovery on: a disconnected session is kept for
/// `window`.
pub fn config(window: Duration) -> ServerConfig {
    ServerConfig {
        recovery: Some(RecoveryConfig {
            max_disconnection_duration: window,
            ..RecoveryConfig::default()
        }),
        ..ServerConfig::default()
    }
}

/// The Socket.IO server with `config` (which should turn recovery on):
/// [`on_connection`] for every socket, and the ticks.
pub fn io(config: ServerConfig) -> SocketIo {
    let io = SocketIo::new(config);
    io.on_connection(on_connection);
    let all = io.of("/").to("all");
    io.spawn(async move {
        let mut seq = 0u64;
        let mut every_20ms = smol::Timer::interval(Duration::from_millis(20));
        while every_20ms.next().await.is_some() {
            seq += 1;
            // Fails only for a value that cannot be serialized.
            let _ = all.emit("tick", &json!({ "seq": seq }));
        }
    });
    io
}

/// Sets up a socket: called when it connects, and again when it recovers
/// (its rooms and data come back with it; its handlers are set anew).
pub fn on_connection(socket: Socket) {
    if !socket.recovered() {
        socket.join("all");
    }
    socket.on("burst", |socket, msg| {
        let n: u64 = msg.data().unwrap_or(0);
        for k in 1..=n {
            // Fails only for a value that cannot be serialized.
            let _ = socket.emit("item", &json!({ "i": k }));
        }
    });
    socket.on("echo", |_, msg| msg.ack_raw(msg.raw().clone()));
}
