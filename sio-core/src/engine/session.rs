//! One Engine.IO session's state.

use super::config::Transport;
use super::packet::WsFrame;
use super::payload_v3::BinaryMode;
use crate::handshake::Handshake;
use crate::{ConnId, FlushId};
use std::collections::VecDeque;
use std::time::Instant;

/// A long-poll GET waiting for packets.
#[derive(Debug)]
pub(crate) struct PendingGet {
    pub conn: ConnId,
    /// JSONP callback index (`j` parameter), if this is a JSONP poll.
    pub jsonp: Option<String>,
    /// The request's `Origin`, for CORS on the late response.
    pub origin: Option<String>,
    /// How to compress the response, from the request's `Accept-Encoding`
    /// (`None` when compression is off or not accepted).
    pub encoding: Option<super::ContentEncoding>,
}

/// A POST whose body is being read.
#[derive(Debug)]
pub(crate) struct PendingPost {
    pub conn: ConnId,
    /// The POST is a JSONP form (`d=`).
    pub jsonp: bool,
    /// The request's `Origin`, for CORS on the response.
    pub origin: Option<String>,
}

/// A WebSocket that asked to take over a polling session.
#[derive(Debug)]
pub(crate) struct Upgrade {
    pub conn: ConnId,
    /// The client sent `2probe` and got `3probe`.
    pub probed: bool,
    /// When the upgrade is abandoned.
    pub deadline: Instant,
    /// The WebSocket's request asked `b64=1` (Engine.IO v3 only).
    pub b64: bool,
}

/// Where the heartbeat stands.
#[derive(Debug)]
pub(crate) struct Heartbeat {
    /// Next ping (if not awaiting a pong) or the pong deadline; for a v3
    /// session, when the client's next ping is overdue.
    pub deadline: Instant,
    /// A ping was sent and no pong came yet (always true for a v3
    /// session: the server never pings, it waits for the client's).
    pub awaiting_pong: bool,
}

/// One session.
#[derive(Debug)]
pub(crate) struct Session {
    /// Current transport.
    pub transport: Transport,
    /// The WebSocket, when `transport` is WebSocket.
    pub ws: Option<ConnId>,
    /// Held long-poll GET (polling only).
    pub pending_get: Option<PendingGet>,
    /// POST whose body is being read (polling only).
    pub post: Option<PendingPost>,
    /// Packets waiting for the next GET (polling only), already encoded
    /// as they would go on a WebSocket.
    pub queue: VecDeque<WsFrame>,
    /// Bytes of data in `queue` (approximate: payload sizes).
    pub queued_bytes: usize,
    /// The session is in the engine's list of queues to flush.
    pub flush_scheduled: bool,
    /// Upgrade in progress, if any.
    pub upgrade: Option<Upgrade>,
    /// Heartbeat timer.
    pub heartbeat: Heartbeat,
    /// `Some` for an Engine.IO v3 session: how its client takes binary
    /// data on the current transport.
    pub eio3: Option<BinaryMode>,
    /// The handshake request (headers, query), for the application.
    pub handshake: Handshake,
    /// Delivery notifications asked for and not answered yet: on polling,
    /// answered by the next GET response (it takes the whole queue); on
    /// WebSocket, marks the adapter reports when written.
    pub flush_waits: Vec<FlushId>,
}

impl Session {
    /// The connections attached to this session.
    pub fn conns(&self) -> impl Iterator<Item = ConnId> + '_ {
        self.ws
            .into_iter()
            .chain(self.pending_get.as_ref().map(|g| g.conn))
            .chain(self.post.as_ref().map(|p| p.conn))
            .chain(self.upgrade.as_ref().map(|u| u.conn))
    }
}

/// Size of an encoded packet, for the queue bound.
pub(crate) fn frame_size(f: &WsFrame) -> usize {
    match f {
        WsFrame::Text(b) | WsFrame::Binary(b) => b.len(),
    }
}

/// Public, read-only view of a session.
#[derive(Debug)]
pub struct SessionInfo<'a> {
    /// Current transport.
    pub transport: Transport,
    /// An upgrade is in progress.
    pub upgrading: bool,
    /// The WebSocket carrying the session, once on WebSocket.
    pub websocket: Option<ConnId>,
    /// Packets waiting for the next long-poll (polling only).
    pub queued: usize,
    /// The handshake request: headers and query of the first request.
    pub handshake: &'a Handshake,
    /// The Engine.IO protocol revision the client speaks: 4, or 3 (see
    /// [`super::EngineConfig::allow_eio3`]).
    pub protocol: u8,
}
