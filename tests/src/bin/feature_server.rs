//! Runs the feature server by hand (for debugging the Node drivers):
//! `cargo run -p tests --bin feature_server` (port from `PORT`, default 3000).

fn main() -> std::io::Result<()> {
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(3000);
    smol::block_on(tests::feature_server::mux().serve(([127, 0, 0, 1], port).into()))
}
