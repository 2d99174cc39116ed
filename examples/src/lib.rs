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

/// The Socket.IO parser the `PARSER` environment variable names: unset or
/// `json` for JSON, `msgpack` for msgpack (`socket.io-msgpack-parser`'s
/// wire format); an error naming the value for anything else.
pub fn parser_from_env() -> Result<Box<dyn sio_core::socket::Parser>, String> {
    use sio_core::socket::{JsonParser, MsgpackParser};
    match std::env::var("PARSER").as_deref() {
        Err(_) | Ok("json") => Ok(Box::new(JsonParser::default())),
        Ok("msgpack") => Ok(Box::new(MsgpackParser)),
        Ok(other) => Err(format!("PARSER={other:?}: expected json or msgpack")),
    }
}

/// Exits with status 2 and a message naming `program` when `PARSER` is
/// not a parser (see [`parser_from_env`]); a `main` calls it first.
pub fn exit_on_bad_parser(program: &str) {
    if let Err(e) = parser_from_env() {
        eprintln!("{program}: {e}");
        std::process::exit(2);
    }
}

/// The parser `PARSER` names, JSON when it names none (a `main` that
/// called [`exit_on_bad_parser`] never gets that far).
pub fn env_parser() -> Box<dyn sio_core::socket::Parser> {
    parser_from_env().unwrap_or_else(|_| Box::new(sio_core::socket::JsonParser::default()))
}
