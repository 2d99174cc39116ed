//! The benchmark server of `bench/` (see `bench/README.md`, "Contract"):
//! Socket.IO at `/socket.io/` on `PORT` (default 3000), default options;
//! `echo` is acknowledged with its argument, `broadcast` is re-emitted to
//! every socket of `/`, the sender included. Nothing is logged: like a
//! production server under load, it spends its time on the protocol. Shows
//! the raw-argument API (`ack_raw`, `emit_raw`: arguments passed on as
//! they came, never parsed) and one operator shared by every socket.
//!
//! With `REDIS_URL` set (`redis://127.0.0.1:6379`) the server is a member
//! of the Redis cluster there ([`SocketIo::with_redis`], default options,
//! wire-compatible with Node's `@socket.io/redis-adapter`): the same
//! handlers, and `broadcast` then reaches every socket of `/` on every
//! member (`bench/cluster.sh` measures that).
//!
//! `PARSER=msgpack` uses the msgpack parser (`socket.io-msgpack-parser`'s
//! wire format; the load generator then needs `--parser msgpack`); unset
//! or `json`, the JSON parser; anything else exits with an error.
//!
//! Run: `cargo run --release --example bench_server`; the bench builds it
//! with `--profile perf` (fat LTO, see `Cargo.toml`).

use std::rc::Rc;

use sio_core::socket::{RecoveryConfig, ServerConfig, StreamsConfig};
use sio_smol::Mux;
use sio_smol::io::{RedisOptions, SocketIo};

fn main() -> std::io::Result<()> {
    let port = examples::port_from_env(3000);
    examples::exit_on_bad_parser("bench_server");
    let mux = match std::env::var("REDIS_URL") {
        Ok(url) => {
            eprintln!("bench_server: cluster member through Redis at {url}");
            cluster_mux(&url).map_err(std::io::Error::other)?
        }
        Err(_) => mux(),
    };
    eprintln!("bench_server: Socket.IO on http://127.0.0.1:{port}/socket.io/");
    smol::block_on(mux.serve_graceful(([127, 0, 0, 1], port).into()))
}

/// The bench server: `echo` and `broadcast` on `/`, at `/socket.io/`,
/// with the parser `PARSER` names.
pub fn mux() -> Mux {
    handlers(SocketIo::new(ServerConfig {
        parser: examples::env_parser(),
        ..ServerConfig::default()
    }))
}

/// [`mux`] with the msgpack parser, whatever `PARSER` says.
pub fn msgpack_mux() -> Mux {
    handlers(SocketIo::new(ServerConfig {
        parser: Box::new(sio_core::socket::MsgpackParser),
        ..ServerConfig::default()
    }))
}

/// The bench server as a member of the Redis cluster at `url`: `broadcast`
/// reaches every socket of `/` on every member.
///
/// With `REDIS_ADAPTER=streams` it speaks Node's
/// `@socket.io/redis-streams-adapter` instead, with connection state
/// recovery on (what that adapter is for): broadcasts go through the Redis
/// stream and carry its ids as offsets.
pub fn cluster_mux(url: &str) -> Result<Mux, sio_smol::cluster::redis_bus::BusError> {
    let streams = std::env::var("REDIS_ADAPTER").is_ok_and(|a| a == "streams");
    let config = ServerConfig {
        recovery: streams.then(RecoveryConfig::default),
        parser: examples::env_parser(),
        ..ServerConfig::default()
    };
    let options = RedisOptions {
        streams: streams.then(StreamsConfig::default),
        ..RedisOptions::default()
    };
    let io = SocketIo::with_redis(config, url, options)?;
    Ok(handlers(io))
}

/// Adds the bench's two handlers to `io` and mounts it.
fn handlers(io: SocketIo) -> Mux {
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
    Mux::new().mount(&io)
}
