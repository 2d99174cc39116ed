//! What the client roles tell the application.

use crate::engine::Message;
use crate::socket::Args;
use bytes::Bytes;
use std::time::Duration;

/// Why an Engine.IO client connection closed; the strings are
/// `engine.io-client`'s.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EngineCloseReason {
    /// The server closed the transport (close packet, WebSocket closed,
    /// connection lost): `"transport close"`.
    TransportClose,
    /// An HTTP error status, a failed request or WebSocket: `"transport
    /// error"`, with what happened.
    TransportError(String),
    /// No ping within `pingInterval + pingTimeout`: `"ping timeout"`.
    PingTimeout,
    /// The server sent something that could not be decoded: `"parse error"`.
    ParseError(String),
    /// The client closed the connection itself: `"forced close"`.
    ForcedClose,
    /// The connection did not open within `connect_timeout`: `"timeout"`.
    Timeout,
}

impl EngineCloseReason {
    /// The official client's string for this reason.
    pub fn as_str(&self) -> &'static str {
        match self {
            EngineCloseReason::TransportClose => "transport close",
            EngineCloseReason::TransportError(_) => "transport error",
            EngineCloseReason::PingTimeout => "ping timeout",
            EngineCloseReason::ParseError(_) => "parse error",
            EngineCloseReason::ForcedClose => "forced close",
            EngineCloseReason::Timeout => "timeout",
        }
    }
}

/// The handshake's values, as the server sent them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handshake {
    /// The Engine.IO session id.
    pub sid: String,
    /// The transports the server offers to upgrade to.
    pub upgrades: Vec<String>,
    /// The server's ping interval.
    pub ping_interval: Duration,
    /// The server's ping timeout.
    pub ping_timeout: Duration,
    /// The server's largest accepted payload.
    pub max_payload: usize,
}

/// An Engine.IO client connection's life, for the application.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EngineClientEvent {
    /// The handshake is done: messages can be sent.
    Open(Handshake),
    /// A message from the server.
    Message(Message),
    /// The server pinged (the pong is sent already).
    Ping,
    /// The connection moved from polling to WebSocket.
    Upgrade,
    /// The WebSocket probe failed; the connection stays on polling.
    UpgradeError(String),
    /// The connection is closed (or never opened: then the reason is
    /// [`EngineCloseReason::Timeout`] or a transport error).
    Close(EngineCloseReason),
}

/// Why a namespace's socket disconnected; the strings are
/// `socket.io-client`'s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientDisconnectReason {
    /// The server sent DISCONNECT for this namespace: no reconnection.
    IoServerDisconnect,
    /// The application disconnected: no reconnection.
    IoClientDisconnect,
    /// No ping in time.
    PingTimeout,
    /// The transport closed.
    TransportClose,
    /// The transport failed.
    TransportError,
    /// Undecodable data from the server.
    ParseError,
    /// The engine was closed locally without the application leaving.
    ForcedClose,
}

impl ClientDisconnectReason {
    /// The official client's string for this reason.
    pub fn as_str(self) -> &'static str {
        match self {
            ClientDisconnectReason::IoServerDisconnect => "io server disconnect",
            ClientDisconnectReason::IoClientDisconnect => "io client disconnect",
            ClientDisconnectReason::PingTimeout => "ping timeout",
            ClientDisconnectReason::TransportClose => "transport close",
            ClientDisconnectReason::TransportError => "transport error",
            ClientDisconnectReason::ParseError => "parse error",
            ClientDisconnectReason::ForcedClose => "forced close",
        }
    }

    /// True when the client reconnects after it (when reconnection is on).
    pub fn reconnects(self) -> bool {
        !matches!(
            self,
            ClientDisconnectReason::IoServerDisconnect | ClientDisconnectReason::IoClientDisconnect
        )
    }
}

/// Why an emit's ack will not come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AckError {
    /// No ack within the emit's timeout: `"operation has timed out"`.
    Timeout,
    /// The connection dropped while the packet had been sent:
    /// `"socket has been disconnected"`.
    Disconnected,
}

impl AckError {
    /// The official client's message.
    pub fn as_str(self) -> &'static str {
        match self {
            AckError::Timeout => "operation has timed out",
            AckError::Disconnected => "socket has been disconnected",
        }
    }
}

/// An id the client gave to one of its emits that asks for an ack; the
/// [`ClientEvent::Ack`] or [`ClientEvent::AckError`] carries it back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AckId(pub u64);

/// What the Socket.IO client tells the application.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientEvent {
    /// The Engine.IO connection opened (the Manager's `open`).
    Open,
    /// A namespace is connected (`connect`); after a reconnection too.
    Connect {
        /// The namespace.
        nsp: String,
        /// The socket id the server gave.
        id: String,
        /// The server restored the session (same `pid` as before):
        /// the events missed follow as ordinary events.
        recovered: bool,
    },
    /// A namespace could not connect (`connect_error`): the server refused
    /// it (`refused`: the namespace is closed, no retry), or the
    /// connection failed to open (the client retries when reconnection is
    /// on).
    ConnectError {
        /// The namespace.
        nsp: String,
        /// The message (`err.message`).
        message: String,
        /// The server's `data`, as JSON text, when it refused with some.
        data: Option<Bytes>,
        /// The server refused the namespace (a CONNECT_ERROR packet, with
        /// or without data): it is closed until the application opens it
        /// again.
        refused: bool,
    },
    /// A namespace disconnected.
    Disconnect {
        /// The namespace.
        nsp: String,
        /// Why.
        reason: ClientDisconnectReason,
    },
    /// An event from the server.
    Event {
        /// The namespace.
        nsp: String,
        /// The event name.
        event: String,
        /// Its arguments (the recovery offset, when the server sends one,
        /// stays the last argument, as the official client shows it).
        args: Args,
        /// The server asks for an ack: answer with
        /// [`super::SioClient::ack`] and this id.
        ack: Option<u64>,
    },
    /// The server acknowledged an emit.
    Ack {
        /// The namespace.
        nsp: String,
        /// The emit's id.
        id: AckId,
        /// The ack's arguments.
        args: Args,
    },
    /// An emit's ack will not come.
    AckError {
        /// The namespace.
        nsp: String,
        /// The emit's id.
        id: AckId,
        /// Why.
        error: AckError,
    },
    /// The server pinged.
    Ping,
    /// The Engine.IO connection closed (the Manager's `close`).
    Close {
        /// Why.
        reason: EngineCloseReason,
    },
    /// A reconnection attempt starts (numbered from 1).
    ReconnectAttempt(u32),
    /// A reconnection attempt succeeded (its number).
    Reconnect(u32),
    /// A reconnection attempt failed.
    ReconnectError(String),
    /// The attempts are used up: the client stops.
    ReconnectFailed,
    /// The connection upgraded to WebSocket.
    Upgrade,
}
