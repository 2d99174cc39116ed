//! The benchmark server of `../shared/bench` (see its README's contract):
//! Socket.IO at `/socket.io/` on `PORT` (default 3000), default options;
//! `echo` is acknowledged with its argument, `broadcast` is re-emitted to
//! every socket of `/`, the sender included.
//!
//! `cargo run --release --example bench_server`

use std::rc::Rc;

use sio_core::socket::ServerConfig;
use sio_smol::Mux;
use sio_smol::io::SocketIo;

fn main() -> std::io::Result<()> {
    let port = examples::port_from_env(3000);
    let io = SocketIo::new(ServerConfig::default());
    // Shared by every socket's handler: one Rc each rather than a copy of
    // the operator per socket.
    let everyone = Rc::new(io.of("/").operator());
    io.on_connection(move |socket| {
        socket.on("echo", |_, msg| msg.ack_raw(msg.raw().clone()));
        let everyone = everyone.clone();
        socket.on("broadcast", move |_, msg| {
            everyone.emit_raw("broadcast", msg.raw());
        });
    });
    eprintln!("bench_server: Socket.IO on http://127.0.0.1:{port}/socket.io/");
    smol::block_on(Mux::new().mount(&io).serve(([127, 0, 0, 1], port).into()))
}
