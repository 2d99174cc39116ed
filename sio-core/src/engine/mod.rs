//! Engine.IO v4: the transport layer under Socket.IO, usable on its own.
//!
//! [`Engine`] is the server state machine; [`packet`] and [`payload`] are
//! the pure codecs it uses ([`payload_v3`] for Engine.IO v3 clients).

mod compression;
mod config;
mod cors;
pub mod deflate;
mod error;
mod event;
mod heartbeat;
pub mod packet;
pub mod payload;
pub mod payload_v3;
mod polling;
mod query;
mod server;
mod session;
mod websocket;

pub use compression::{ContentEncoding, HttpCompression, deflate_message};
pub use config::{AllowRequest, CookieConfig, CorsConfig, CorsOrigin, EngineConfig, Transport};
pub use deflate::PerMessageDeflate;
pub use error::ErrorCode;
pub use event::{CloseReason, EngineEvent};
pub use packet::{DecodeError, Message, Packet, WsFrame};
pub use server::{Engine, EngineError, is_valid_frame};
pub use session::SessionInfo;

#[cfg(test)]
mod tests;
