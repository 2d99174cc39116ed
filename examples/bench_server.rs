//! The benchmark server of `bench/` (see `bench/README.md`, "Contract"):
//! Socket.IO at `/socket.io/` on `PORT` (default 3000), default options;
//! `echo` is acknowledged with its argument, `broadcast` is re-emitted to
//! every socket of `/`, the sender included ([`examples::bench_mux`]).
//!
//! `cargo run --release --example bench_server`

fn main() -> std::io::Result<()> {
    let port = examples::port_from_env(3000);
    eprintln!("bench_server: Socket.IO on http://127.0.0.1:{port}/socket.io/");
    smol::block_on(examples::bench_mux().serve(([127, 0, 0, 1], port).into()))
}
