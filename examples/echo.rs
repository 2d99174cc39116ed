//! An Engine.IO echo server (no Socket.IO layer): every message, text or
//! binary, goes back to its sender.
//!
//! `cargo run --release --example echo` — listens on `PORT` (default 3000),
//! path `/engine.io/`.

use sio_core::engine::EngineConfig;
use sio_smol::Mux;

fn main() -> std::io::Result<()> {
    examples::init_logging();
    let port = examples::port_from_env(3000);
    let engine = examples::echo_engine(EngineConfig {
        path: "/engine.io/".into(),
        ..EngineConfig::default()
    });
    eprintln!("echo: Engine.IO on http://127.0.0.1:{port}/engine.io/");
    smol::block_on(Mux::new().mount(&engine).serve(([0, 0, 0, 0], port).into()))
}
