//! The recovery demo (see `examples::recovery_mux`): `tick` to everyone
//! every 20 ms, `burst`, `echo`, with connection state recovery on.
//!
//! `cargo run --release --example recovery` — port from `PORT` (default 3000).

fn main() -> std::io::Result<()> {
    examples::init_logging();
    let port = examples::port_from_env(3000);
    eprintln!("recovery: Socket.IO with connection state recovery on http://127.0.0.1:{port}/");
    smol::block_on(examples::recovery_mux().serve(([0, 0, 0, 0], port).into()))
}
