//! # sio-smol: Engine.IO / Socket.IO servers on smol
//!
//! A thin adapter around the sans-IO [`sio_core`]: it accepts TCP
//! connections, speaks HTTP/1.1 with hyper (the plainest engine requests
//! are parsed and answered directly: see [`net::raw_http`]) and WebSocket
//! with async-tungstenite, feeds the core requests, frames and the time, and
//! carries out what the core answers. Applications use callback handles
//! ([`EngineServer`], [`EngineSocket`]) on the server's thread, like Node's
//! event emitters.
//!
//! Everything of one server runs on one thread (a smol `LocalExecutor`);
//! [`spawn_thread`] starts a server on a thread of its own.
//!
//! Operating a server (see also `docs/operating.md` in the repository):
//! - HTTPS and WSS: [`Mux::tls`] with a [`net::TlsConfig`] (rustls, no
//!   OpenSSL); see [`net::tls`].
//! - Graceful shutdown on Ctrl-C / `SIGTERM`: [`Mux::serve_graceful`], or
//!   [`Mux::serve_until`] with [`shutdown_signal`]; see [`signal`].
//! - Behind a reverse proxy: [`Mux::trusted_proxies`] makes a session's
//!   [`Handshake::address`] the client's; see [`proxy`].
//! - The application's own HTTP routes: [`Mux::route`] with a
//!   [`Request`] and a [`Response`]; see [`route`].

mod driver;
mod endpoint;
mod engine_api;
mod exchange;
mod flush;
mod handshake;
pub mod io;
mod log;
mod mux;
pub mod net;
pub mod proxy;
mod raw_conn;
pub mod route;
mod serve;
pub mod signal;
mod thread;
mod ws_conn;

pub use engine_api::{EngineServer, EngineSocket};
pub use handshake::Handshake;
pub use log::init_logging;
pub use mux::{Mount, Mux, ResponseFuture};
pub use proxy::TrustedProxies;
pub use route::{Request, Response};
pub use signal::shutdown_signal;
pub use thread::{RunningServer, spawn_thread};

/// 32 bytes of OS entropy to seed the core's id generator.
pub(crate) fn os_seed() -> [u8; 32] {
    let mut seed = [0u8; 32];
    // Without OS entropy sids would be guessable: refuse to run.
    getrandom::fill(&mut seed).expect("OS entropy is available");
    seed
}
