//! The client role: an Engine.IO v4 client ([`EngineClient`]) and the
//! Socket.IO v5 client built on it ([`SioClient`]), sans-IO like the
//! server and driven the same way ([`ClientProtocol`]).
//!
//! The core says which HTTP request to send or WebSocket to open and what
//! to write ([`ClientOutput`]); the adapter does it and feeds back what
//! arrived ([`ClientInput`]) and the time. The adapter owns the server's
//! origin (scheme, host, port, TLS); the core gives paths, queries and
//! headers. Randomness (the reconnection jitter) comes in as a seed.

mod backoff;
mod config;
mod contract;
mod engine;
mod event;
mod incoming;
mod manager;
mod namespace;
mod polling;
mod url;
mod websocket;

#[cfg(test)]
mod tests;

pub use config::{ClientConfig, ClientTransports, EngineClientConfig};
pub use contract::{ClientInput, ClientMethod, ClientOutput, ClientProtocol, ClientRequest};
pub use engine::EngineClient;
pub use event::{
    AckError, AckId, ClientDisconnectReason, ClientEvent, EngineClientEvent, EngineCloseReason,
    Handshake,
};
pub use manager::{ClientError, EmitOptions, SioClient};
