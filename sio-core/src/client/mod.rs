//! The client role: an Engine.IO v4 client ([`EngineClient`]) and the
//! Socket.IO v5 client built on it ([`SioClient`]), sans-IO like the
//! server and driven the same way ([`ClientProtocol`]).
//!
//! The core says which HTTP request to send or WebSocket to open and what
//! to write ([`ClientOutput`]); the adapter does it and feeds back what
//! arrived ([`ClientInput`]) and the time. The adapter owns the server's
//! origin (scheme, host, port, TLS); the core gives paths, queries and
//! headers. Randomness (the reconnection jitter) comes in as a seed.
//!
//! ## What each output asks of the adapter
//!
//! | output | the adapter |
//! |---|---|
//! | [`ClientOutput::HttpRequest`] | sends the request to the server's origin (a long-poll GET and a POST may be in flight at once: two connections), then feeds [`ClientInput::HttpResponse`] with the whole body, or [`ClientInput::HttpFailed`] |
//! | [`ClientOutput::HttpAbort`] | drops that request's connection; nothing is owed for it |
//! | [`ClientOutput::WsOpen`] | opens a WebSocket (`ws://`/`wss://` by the origin), then feeds [`ClientInput::WsOpened`], every frame as [`ClientInput::WsFrame`], and [`ClientInput::WsClosed`] when it fails or closes |
//! | [`ClientOutput::WsSend`] | writes the frame, in order |
//! | [`ClientOutput::WsClose`] | closes the WebSocket after what was queued; nothing is owed for it |
//! | [`ClientOutput::Event`] | hands the event to the application |
//!
//! ## How the client behaves
//!
//! As `socket.io-client` 4.8 (`specs/client.md`): polling first, then a
//! WebSocket probe and upgrade (or WebSocket only, or polling only); a
//! heartbeat watchdog of `pingInterval + pingTimeout`; one CONNECT per
//! namespace, with its auth (and `pid`/`offset` once the server gave a
//! `pid`: connection state recovery); emits while not connected kept in a
//! bounded send buffer and sent, in order, before
//! [`ClientEvent::Connect`]; acks both ways; with
//! [`ClientConfig::retries`], at-least-once emits (a queue per namespace,
//! one packet in flight, retried with a new ack id); reconnection with backo2's
//! delays after any loss, except after the application left
//! ([`SioClient::disconnect`], [`SioClient::close`]) or the server
//! refused (`44`) or disconnected (`41`) the last namespace.
//!
//! ## A complete run loop
//!
//! A client that joins `/chat` with a token, says hello once connected,
//! and answers every event that asks for an ack with its own arguments:
//!
//! ```no_run
//! use bytes::Bytes;
//! use sio_core::client::{
//!     ClientConfig, ClientEvent, ClientInput, ClientOutput, ClientProtocol, EmitOptions,
//!     SioClient,
//! };
//! use sio_core::socket::Args;
//! use std::time::Instant;
//!
//! /// The adapter's I/O: waits for the next input, or until `deadline`.
//! fn next_input(deadline: Option<Instant>) -> Option<ClientInput> {
//!     # let _ = deadline;
//!     None // read the HTTP responses and WebSocket frames here
//! }
//! /// The adapter's I/O: sends a request, opens or writes a WebSocket.
//! fn carry_out(out: ClientOutput<ClientEvent>) {
//!     # let _ = out;
//! }
//!
//! let seed = 0x5eed; // from OS entropy in a real adapter
//! let mut client = SioClient::new(ClientConfig::default(), seed);
//! client.connect(Instant::now(), "/chat", Some(Bytes::from_static(br#"{"token":"t"}"#)));
//! loop {
//!     while let Some(out) = client.poll_output() {
//!         match out {
//!             ClientOutput::Event(ClientEvent::Connect { nsp, .. }) => {
//!                 let hello = Args::from_json(Bytes::from_static(br#"["hi"]"#));
//!                 let _ = client.emit(Instant::now(), &nsp, "hello", hello, EmitOptions::default());
//!             }
//!             ClientOutput::Event(ClientEvent::Event { nsp, args, ack: Some(id), .. }) => {
//!                 let _ = client.ack(Instant::now(), &nsp, id, args);
//!             }
//!             ClientOutput::Event(ClientEvent::ReconnectFailed) => return,
//!             ClientOutput::Event(_) => {} // disconnects, acks, reconnection, ...
//!             transport => carry_out(transport),
//!         }
//!     }
//!     match next_input(client.poll_timeout()) {
//!         Some(input) => client.handle(Instant::now(), input),
//!         None => client.handle_timeout(Instant::now()),
//!     }
//! }
//! ```
//!
//! Emits and acks from inside the drain loop are fine: their outputs join
//! the queue being drained. The bare Engine.IO client, [`EngineClient`],
//! is driven the same way (`open`, `send`, `close`).

mod backoff;
mod codec;
mod config;
mod contract;
mod engine;
mod event;
mod incoming;
mod manager;
mod namespace;
mod polling;
mod retry;
mod url;
mod websocket;

#[cfg(test)]
mod tests;

pub use codec::ClientParser;
pub use config::{ClientConfig, ClientTransports, EngineClientConfig};
pub use contract::{ClientInput, ClientMethod, ClientOutput, ClientProtocol, ClientRequest};
pub use engine::EngineClient;
pub use event::{
    AckError, AckId, ClientDisconnectReason, ClientEvent, EngineClientEvent, EngineCloseReason,
    Handshake,
};
pub use manager::{ClientError, EmitOptions, SioClient};
