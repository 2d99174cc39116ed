//! An Engine.IO echo server (no Socket.IO layer): every message, text or
//! binary, goes back to its sender. Shows the raw Engine.IO API
//! (`EngineServer`, `EngineSocket::send`) mounted on a `Mux`.
//!
//! Run: `cargo run --release --example echo`; it listens on `PORT`
//! (default 3000), path `/engine.io/`, for `engine.io-client`.

use sio_core::engine::EngineConfig;
use sio_smol::{EngineServer, Mux};

fn main() -> std::io::Result<()> {
    examples::init_logging();
    let port = examples::port_from_env(3000);
    let engine = engine(EngineConfig {
        path: "/engine.io/".into(),
        ..EngineConfig::default()
    });
    eprintln!("echo: Engine.IO on http://127.0.0.1:{port}/engine.io/");
    smol::block_on(
        Mux::new()
            .mount(&engine)
            .serve_graceful(([0, 0, 0, 0], port).into()),
    )
}

/// An Engine.IO server at `config.path` that echoes every message back to
/// its sender.
pub fn engine(config: EngineConfig) -> EngineServer {
    let engine = EngineServer::new(config);
    engine.on_connection(|socket| {
        socket.on_message(|socket, msg| {
            // An error only means the session is closing: nothing to do.
            let _ = socket.send(msg);
        });
    });
    engine
}
