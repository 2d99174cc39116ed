//! The server the protocol test suites expect, on port 3000 (or `PORT`):
//!
//! - `/engine.io/`: a bare Engine.IO server that echoes every message (text
//!   or binary) back to its sender;
//! - `/socket.io/`: the Socket.IO server (completed with the Socket.IO layer).
//!
//! Both with ping interval 300 ms, ping timeout 200 ms, max payload
//! 1 000 000 and CORS allowing any origin.

fn main() -> std::io::Result<()> {
    examples::init_logging();
    let port = examples::port_from_env(3000);
    eprintln!("conformance: http://127.0.0.1:{port}/engine.io/ and /socket.io/");
    smol::block_on(examples::conformance_mux().serve(([0, 0, 0, 0], port).into()))
}
