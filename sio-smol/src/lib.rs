//! # sio-smol: Socket.IO servers on smol
//!
//! A Socket.IO v5 / Engine.IO v4 server that talks to the official
//! JavaScript clients (`socket.io-client`, the browser bundle), built on the
//! sans-IO protocol core [`sio_core`] and the smol runtime. Most
//! applications need [`io::SocketIo`] and a [`Mux`]:
//!
//! ```no_run
//! use sio_core::socket::ServerConfig;
//! use sio_smol::Mux;
//! use sio_smol::io::SocketIo;
//!
//! fn main() -> std::io::Result<()> {
//!     sio_smol::init_logging("info"); // RUST_LOG overrides it
//!     let io = SocketIo::new(ServerConfig::default());
//!     io.on_connection(|socket| {
//!         socket.join("lobby");
//!         // Relay chat messages to the others in the room.
//!         socket.on("chat message", |socket, msg| {
//!             let text: String = msg.data().unwrap_or_default();
//!             let _ = socket.to("lobby").emit("chat message", &text);
//!         });
//!         // Answer a client's `emitWithAck("ping")`.
//!         socket.on("ping", |_, msg| {
//!             let _ = msg.ack(&"pong");
//!         });
//!         socket.on_disconnect(|socket, reason| {
//!             println!("{} left: {}", socket.id(), reason.as_str());
//!         });
//!     });
//!     // Socket.IO at /socket.io/, files from ./public for other paths;
//!     // Ctrl-C or SIGTERM closes every session and returns.
//!     let mux = Mux::new().mount(&io).static_dir("public");
//!     smol::block_on(mux.serve_graceful("127.0.0.1:3000".parse().unwrap()))
//! }
//! ```
//!
//! ## The Socket.IO API
//!
//! [`io::SocketIo`] is the server: namespaces ([`io::SocketIo::of`], dynamic
//! ones with [`io::SocketIo::of_dynamic`]), connect middleware
//! ([`io::Namespace::use_middleware`]), broadcasts through
//! [`io::Operator`]s (`io.to("room").except("other").emit(..)`), acks both
//! ways ([`io::Msg::ack`], `socket.timeout(d).emit_with_ack(..).await`),
//! binary values ([`io::Binary`]) anywhere in serde arguments, connection
//! state recovery (`ServerConfig::recovery`), and the browser client
//! bundles ([`io::SocketIo::serve_client`]). Handlers are plain closures
//! called on the server's thread, in order, like Node's event emitters;
//! async work goes through [`io::SocketIo::spawn`].
//!
//! ## Serving
//!
//! A [`Mux`] routes requests to the mounted servers, static files and the
//! application's fallback handler, and runs the accept loop: HTTP/1.1 with
//! hyper (the plainest engine requests are parsed and answered directly:
//! see `ARCHITECTURE.md`) and WebSocket with async-tungstenite. Everything
//! of one server runs on one thread (a smol `LocalExecutor`);
//! [`spawn_thread`] starts a server on a thread of its own.
//!
//! ## Operating a server
//!
//! See also `docs/operating.md` in the repository.
//! - HTTPS and WSS: [`Mux::tls`] with a [`tls::TlsConfig`] (rustls, no
//!   OpenSSL); see [`tls`].
//! - Graceful shutdown on Ctrl-C / `SIGTERM`: [`Mux::serve_graceful`], or
//!   [`Mux::serve_until`] with [`shutdown_signal`]; see [`signal`].
//! - Behind a reverse proxy: [`Mux::trusted_proxies`] makes a session's
//!   [`Handshake::address`] the client's; see [`proxy`].
//! - The application's own HTTP routes: [`Mux::route`] with a
//!   [`Request`] and a [`Response`]; see [`route`].
//!
//! ## Logs
//!
//! Events go through `tracing`; [`init_logging`] installs a subscriber for
//! binaries and examples. At `info`: one line per connection and
//! disconnection; `warn` for a client's protocol fault; nothing per message.
//!
//! ## A client
//!
//! [`client::Client`] connects to a Socket.IO server (this crate's, Node's,
//! any v4 one) as `socket.io-client` 4.8 does: polling then an upgrade to
//! WebSocket, or either alone; namespaces multiplexed on one connection;
//! reconnection with the official backoff; connection state recovery;
//! acks both ways; binary values anywhere. Each client runs on a thread
//! of its own, so its handles work from any thread or runtime:
//!
//! ```rust no_run
//! use sio_smol::client::{Client, ClientOptions};
//! use std::time::Duration;
//!
//! let options = ClientOptions::default().auth(serde_json::json!({ "token": "abc" }));
//! let client = Client::connect("http://127.0.0.1:3000", options).expect("a valid URL");
//! let socket = client.socket();
//! // Answer the server's `emitWithAck("question", ..)`.
//! socket.on("question", |_, msg| {
//!     let _ = msg.ack(&42);
//! });
//! socket.on_disconnect(|_, reason| println!("disconnected: {}", reason.as_str()));
//! smol::block_on(async {
//!     socket.ready(Duration::from_secs(5)).await.expect("connected");
//!     socket.emit("chat message", &"hello").expect("emitted");
//!     let pong: String = socket
//!         .timeout(Duration::from_secs(2))
//!         .emit_with_ack("ping", &())
//!         .await
//!         .expect("acked in time");
//!     println!("{pong}");
//! });
//! client.close();
//! ```
//!
//! ## Bare Engine.IO
//!
//! [`EngineServer`] and [`EngineSocket`] expose the Engine.IO layer alone
//! (sessions and messages, no namespaces or events), for peers that speak
//! raw `engine.io-client`.

pub mod admin;
pub mod client;
#[doc(hidden)]
pub mod cluster;
mod driver;
mod endpoint;
mod engine_api;
mod exchange;
mod handshake;
mod hyper_door;
pub mod io;
mod log;
mod mux;
mod net;
pub mod proxy;
mod raw_conn;
pub mod route;
mod serve;
pub mod signal;
mod thread;
pub mod tls;
mod ws_deflate;
mod ws_queue;
mod ws_task;

/// The README's Rust blocks, compiled as doc tests so that what a new
/// user pastes builds.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;

pub use engine_api::{EngineServer, EngineSocket};
pub use handshake::Handshake;
pub use log::init_logging;
pub use mux::{Mount, Mux};
pub use net::bind;
pub use proxy::TrustedProxies;
pub use route::{Request, Response, ResponseFuture};
pub use signal::shutdown_signal;
pub use thread::{RunningServer, spawn_thread};

/// The request-head codec of the fast path, for the fuzz targets and the
/// codec's benchmarks only: not part of the API (the `internals` feature).
#[cfg(feature = "internals")]
#[doc(hidden)]
pub mod internals {
    pub use crate::net::inflate_frames;
    pub use crate::net::raw_http;
}

/// 32 bytes of OS entropy to seed the core's id generator.
pub(crate) fn os_seed() -> [u8; 32] {
    let mut seed = [0u8; 32];
    // Without OS entropy sids would be guessable: refuse to run.
    getrandom::fill(&mut seed).expect("OS entropy is available");
    seed
}
