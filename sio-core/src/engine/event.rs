//! What the engine tells the application: [`EngineEvent`] and
//! [`CloseReason`].

use super::config::Transport;
use super::packet::Message;
use crate::sid::Sid;

/// An Engine.IO session's life, for the application.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EngineEvent {
    /// A new session (handshake done).
    Open {
        /// The session.
        sid: Sid,
        /// The transport it opened on.
        transport: Transport,
    },
    /// A message from the client.
    Message {
        /// The session.
        sid: Sid,
        /// The message.
        msg: Message,
    },
    /// The session moved from polling to WebSocket.
    Upgrade {
        /// The session.
        sid: Sid,
    },
    /// The client broke the protocol; the session closes (a `Close`
    /// follows). For logs: nothing to answer, the core did.
    ProtocolFault {
        /// The session.
        sid: Sid,
        /// What the client did wrong (no payload data, no secrets).
        what: String,
    },
    /// The answer to [`super::Engine::notify_flushed`]: everything sent to
    /// the session before it was asked has reached the transport (handed
    /// to a long-poll response, or written and flushed on the WebSocket),
    /// or, `delivered` false, the session closed first.
    Flushed {
        /// The session.
        sid: Sid,
        /// The request answered.
        id: crate::FlushId,
        /// False when the session closed before delivery.
        delivered: bool,
    },
    /// The session is gone; its sid is unknown from now on.
    Close {
        /// The session.
        sid: Sid,
        /// Why.
        reason: CloseReason,
    },
}

/// Why a session closed; the names match the reference server's reasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CloseReason {
    /// The client closed the transport (close packet, WebSocket close, lost TCP).
    TransportClose,
    /// The client broke the protocol (overlapping requests, body too large, ...).
    TransportError,
    /// No pong within `ping_timeout` of a ping.
    PingTimeout,
    /// A packet that could not be decoded.
    ParseError,
    /// The session's outgoing queue reached its bound (see
    /// [`super::EngineConfig::max_queued_packets`]).
    BufferFull,
    /// The application closed the session.
    ForcedClose,
    /// The server is shutting down.
    ServerShutdown,
}

impl CloseReason {
    /// The reference server's name for this reason (`"transport close"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            CloseReason::TransportClose => "transport close",
            CloseReason::TransportError => "transport error",
            CloseReason::PingTimeout => "ping timeout",
            CloseReason::ParseError => "parse error",
            CloseReason::BufferFull => "buffer full",
            CloseReason::ForcedClose => "forced close",
            CloseReason::ServerShutdown => "server shutting down",
        }
    }
}
