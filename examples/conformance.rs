//! The server the protocol test suites expect, on port 3000 (or `PORT`):
//!
//! - `/engine.io/`: a bare Engine.IO server that echoes every message (text
//!   or binary) back to its sender;
//! - `/socket.io/`: a Socket.IO server: on `/` and `/custom` every new
//!   socket gets `auth` with its CONNECT payload; on `/`, `message` is
//!   echoed as `message-back` (binary included) and `message-with-ack` is
//!   acknowledged with its own arguments; connect timeout 1000 ms.
//!
//! Both with ping interval 300 ms, ping timeout 200 ms, max payload
//! 1 000 000 and CORS allowing any origin. Shows two servers on one port
//! and the raw-argument API (`emit_raw`, `ack_raw`), which passes
//! arguments on without parsing them.
//!
//! `ALLOW_EIO3=1` turns `allow_eio3` on for both servers: they then also
//! accept Engine.IO v3 clients (`socket.io-client` 2.x), as Node's
//! `allowEIO3: true`.
//!
//! `PARSER=msgpack` runs the Socket.IO server with the msgpack parser
//! (`socket.io-msgpack-parser`'s wire format); unset or `json`, the JSON
//! parser; any other value exits with an error.
//!
//! Run: `cargo run --release --example conformance`. Environment: `PORT`
//! (default 3000; 0 picks a free one), `HOST` (default 0.0.0.0). It prints
//! `conformance: listening on http://ADDR/ ...` once it listens (with
//! `PORT=0`, the port the system chose).

use std::time::Duration;

use sio_core::engine::{CorsConfig, EngineConfig};
use sio_core::socket::{Args, ServerConfig};
use sio_smol::io::{Socket, SocketIo};
use sio_smol::{EngineServer, Mux};

fn main() -> std::io::Result<()> {
    examples::init_logging();
    let port = examples::port_from_env(3000);
    examples::exit_on_bad_parser("conformance");
    let host: std::net::IpAddr = match std::env::var("HOST") {
        Ok(host) => host.parse().map_err(std::io::Error::other)?,
        Err(_) => [0, 0, 0, 0].into(),
    };
    let listener = sio_smol::bind((host, port).into())?;
    let addr = listener.get_ref().local_addr()?;
    eprintln!("conformance: listening on http://{addr}/ (/engine.io/, /socket.io/)");
    smol::block_on(mux().serve_until(listener, sio_smol::shutdown_signal()))
}

/// The whole server: the Engine.IO echo at `/engine.io/` and the Socket.IO
/// server ([`io`]) at `/socket.io/`.
pub fn mux() -> Mux {
    let echo = EngineServer::new(engine_config("/engine.io/"));
    echo.on_connection(|socket| {
        socket.on_message(|socket, msg| {
            // An error only means the session is closing: nothing to do.
            let _ = socket.send(msg);
        });
    });
    Mux::new().mount(&echo).mount(&io())
}

/// The engine options of the conformance server at `path`: ping interval
/// 300 ms, ping timeout 200 ms, max payload 1 000 000, CORS for any origin;
/// Engine.IO v3 clients accepted when `ALLOW_EIO3` is `1`.
pub fn engine_config(path: &str) -> EngineConfig {
    EngineConfig {
        allow_eio3: std::env::var("ALLOW_EIO3").is_ok_and(|v| v == "1"),
        path: path.into(),
        ping_interval: Duration::from_millis(300),
        ping_timeout: Duration::from_millis(200),
        max_payload: 1_000_000,
        cors: Some(CorsConfig::any()),
        ..EngineConfig::default()
    }
}

/// The Socket.IO server at `/socket.io/` (see the module's doc).
pub fn io() -> SocketIo {
    let io = SocketIo::new(ServerConfig {
        engine: engine_config("/socket.io/"),
        connect_timeout: Duration::from_millis(1000),
        parser: examples::env_parser(),
        ..ServerConfig::default()
    });
    io.of("/").on_connection(|socket| {
        socket.emit_raw("auth", &auth_args(&socket));
        socket.on("message", |socket, msg| {
            socket.emit_raw("message-back", msg.raw())
        });
        socket.on("message-with-ack", |_, msg| msg.ack_raw(msg.raw().clone()));
    });
    io.of("/custom").on_connection(|socket| {
        socket.emit_raw("auth", &auth_args(&socket));
    });
    io
}

/// The arguments `[<auth>]`: the socket's CONNECT payload (raw JSON) as one
/// argument.
fn auth_args(socket: &Socket) -> Args {
    let auth = socket.auth_raw();
    let mut json = Vec::with_capacity(auth.len() + 2);
    json.push(b'[');
    json.extend_from_slice(&auth);
    json.push(b']');
    Args::from_json(json)
}
