//! What goes into and comes out of the engine.

use super::config::Transport;
use super::packet::{Message, WsFrame};
use crate::http::{HttpRequest, HttpResponse};
use crate::sid::Sid;
use bytes::Bytes;

/// An adapter-assigned id for one HTTP exchange, which becomes the id of
/// the WebSocket connection when the exchange is upgraded. Never reused
/// while the core may still refer to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnId(pub u64);

/// Something that happened at the adapter.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Input {
    /// A request head arrived on the engine's path.
    HttpRequest {
        /// The exchange.
        conn: ConnId,
        /// The head; the body is asked for with [`Output::ReadBody`].
        req: HttpRequest,
    },
    /// The body the core asked for, read completely.
    HttpBody {
        /// The exchange.
        conn: ConnId,
        /// The whole body (at most the `limit` asked for).
        body: Bytes,
    },
    /// The body the core asked for is longer than its `limit`.
    HttpBodyTooLarge {
        /// The exchange.
        conn: ConnId,
    },
    /// A WebSocket frame (after [`Output::WsAccept`]).
    WsFrame {
        /// The WebSocket connection.
        conn: ConnId,
        /// The frame (text frames are already known to be UTF-8 by tungstenite;
        /// the core checks again).
        frame: WsFrame,
    },
    /// The adapter gave up on a WebSocket whose peer does not read: its
    /// send queue reached the adapter's bound. The session closes with
    /// [`CloseReason::BufferFull`]; the adapter closes the connection.
    SendQueueFull {
        /// The WebSocket.
        conn: ConnId,
    },
    /// The peer went away: an HTTP exchange aborted before its response, or
    /// a WebSocket closed (cleanly or not).
    ConnClosed {
        /// The exchange or WebSocket.
        conn: ConnId,
    },
}

/// Something for the adapter to do, or for the application to know.
#[derive(Debug, Clone)]
#[must_use]
#[non_exhaustive]
pub enum Output {
    /// Answer an HTTP exchange (possibly a long-poll held for a while).
    /// For an exchange that asked for a WebSocket, this refuses it.
    HttpResponse {
        /// The exchange.
        conn: ConnId,
        /// The response.
        res: HttpResponse,
    },
    /// Read the request body of `conn`, up to `limit` bytes, then give it
    /// back with [`Input::HttpBody`] or [`Input::HttpBodyTooLarge`].
    ReadBody {
        /// The exchange.
        conn: ConnId,
        /// Largest body accepted.
        limit: usize,
    },
    /// Complete the WebSocket upgrade of `conn` (101). Frames for it may
    /// follow at once: queue them until the upgrade is done.
    WsAccept {
        /// The exchange, from now on a WebSocket.
        conn: ConnId,
        /// Extra headers for the 101 response (CORS, cookie).
        headers: Vec<(&'static str, std::borrow::Cow<'static, str>)>,
    },
    /// Send one frame on a WebSocket.
    WsSend {
        /// The WebSocket.
        conn: ConnId,
        /// The frame.
        frame: WsFrame,
    },
    /// Send one frame on several WebSockets, in this order: a broadcast,
    /// whose recipients all get the same bytes (one output instead of one
    /// per recipient; the adapter converts the frame once).
    WsSendMany {
        /// The WebSockets.
        conns: Vec<ConnId>,
        /// The frame.
        frame: WsFrame,
    },
    /// Close a WebSocket (after sending what was queued before).
    WsClose {
        /// The WebSocket.
        conn: ConnId,
        /// Close code (1000 normal, 1002 protocol error, 1009 too big, ...).
        code: u16,
    },
    /// Something the application wants to know.
    Event(EngineEvent),
}

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
