//! The example servers, as modules, so that tests start the very same
//! servers on ephemeral ports (`examples::chat::mux()`,
//! `examples::conformance::mux()`, ...), and the little plumbing the
//! examples share (port, logging).
//!
//! Each example is one file under `examples/` that a reader can copy: its
//! `main` and the server it starts, top-down. The same file is compiled
//! twice: as the example binary (`cargo run --example NAME`), and here, as
//! a module of this library. Inside the library `main` is unused; the
//! binary build checks that nothing else in the file is.
//!
//! `tokio_conformance` (the second adapter) is not a module here: tokio is
//! a dev-dependency that only its binary sees, so the tests start that
//! binary (`tests::adapter`).

// The example files call the shared plumbing as `examples::...`, which is
// how the binaries see this library; this makes the same paths work
// inside it.
extern crate self as examples;

#[allow(dead_code)] // `main`: the binary's entry point, unused here.
#[path = "../bench_server.rs"]
pub mod bench_server;
#[allow(dead_code)] // `main`: the binary's entry point, unused here.
#[path = "../chat/main.rs"]
pub mod chat;
#[allow(dead_code)] // `main`: the binary's entry point, unused here.
#[path = "../chat_client.rs"]
pub mod chat_client;
#[allow(dead_code)] // `main`: the binary's entry point, unused here.
#[path = "../client.rs"]
pub mod client;
#[allow(dead_code)] // `main`: the binary's entry point, unused here.
#[path = "../cluster_chat.rs"]
pub mod cluster_chat;
#[allow(dead_code)] // `main`: the binary's entry point, unused here.
#[path = "../conformance.rs"]
pub mod conformance;
#[allow(dead_code)] // `main`: the binary's entry point, unused here.
#[path = "../echo.rs"]
pub mod echo;
#[allow(dead_code)] // `main`: the binary's entry point, unused here.
#[path = "../recovery.rs"]
pub mod recovery;

/// The TCP port from the `PORT` environment variable, or `default`.
pub fn port_from_env(default: u16) -> u16 {
    std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(default)
}

/// Logs to stderr, filtered by `RUST_LOG` (default: `info`: one line per
/// connection and disconnection, nothing per message).
pub fn init_logging() {
    sio_smol::init_logging("info");
}
