//! The chat demo: a web page (examples/chat/public) using the official
//! browser client, served with the bundle from npm.
//!
//! `cargo run --release --example chat` — then open http://127.0.0.1:3000
//! in two windows (`PORT` changes the port).

fn main() -> std::io::Result<()> {
    examples::init_logging();
    let port = examples::port_from_env(3000);
    let mux = examples::chat_mux()?;
    eprintln!("chat: open http://127.0.0.1:{port}/ in two browser windows");
    smol::block_on(mux.serve(([0, 0, 0, 0], port).into()))
}
