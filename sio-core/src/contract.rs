//! The one contract between the protocol and an adapter: what goes in
//! ([`Input`], plus the time), what comes out ([`Output`]), and the
//! [`Protocol`] trait every role implements, so one run loop drives the
//! bare Engine.IO server and the Socket.IO server alike.

use crate::bus::{BusCommand, BusInput};
use crate::engine::WsFrame;
use crate::http::{HttpRequest, HttpResponse};
use bytes::Bytes;
use std::time::Instant;

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
    /// Every frame sent on this WebSocket before the
    /// [`Output::WsFlushMark`] with this `mark` has been written and
    /// flushed to the connection.
    WsFlushed {
        /// The WebSocket.
        conn: ConnId,
        /// The mark.
        mark: FlushId,
    },
    /// The adapter gave up on a WebSocket whose peer does not read: its
    /// unwritten frames would pass the `max_queued_bytes` of its
    /// [`Output::WsAccept`]. The adapter dropped them and closes the
    /// connection at once (a close frame 1008 if it can still be written,
    /// else the TCP connection); the session closes with
    /// [`crate::engine::CloseReason::BufferFull`].
    SendQueueFull {
        /// The WebSocket.
        conn: ConnId,
    },
    /// The peer broke the WebSocket protocol below the core (the adapter's
    /// WebSocket library refused a frame): the core closes the WebSocket
    /// with the fitting code ([`Output::WsClose`]) and the session.
    WsFault {
        /// The WebSocket.
        conn: ConnId,
        /// What was wrong.
        fault: WsFault,
    },
    /// The peer went away: an HTTP exchange aborted before its response, or
    /// a WebSocket closed (cleanly or not). Not owed for a connection the
    /// core ended itself (it answered the exchange, closed the WebSocket,
    /// or was told [`Input::SendQueueFull`]): the core has forgotten it, and
    /// ignores such a report.
    ConnClosed {
        /// The exchange or WebSocket.
        conn: ConnId,
    },
    /// The cluster's message bus reported something (only for a server
    /// configured as a cluster member; see [`crate::bus`]).
    Bus(BusInput),
}

/// Something for the adapter to do, or (`Event`) for the application to
/// know. `E` is the role's event type: [`crate::engine::EngineEvent`] for
/// the bare [`crate::engine::Engine`], [`crate::socket::SocketEvent`] for
/// the [`crate::socket::SioServer`]; every other variant is the same for
/// both, so one adapter serves either.
///
/// Not `#[non_exhaustive]`, unlike the other public enums: an adapter must
/// carry out every output, so a new one is a breaking change on purpose
/// (an adapter that matches exhaustively fails to build instead of
/// silently dropping work).
#[derive(Debug, Clone)]
#[must_use]
pub enum Output<E> {
    /// Answer an HTTP exchange (possibly a long-poll held for a while).
    /// For an exchange that asked for a WebSocket, this refuses it: send the
    /// response and close the connection (`Connection: close`).
    HttpResponse {
        /// The exchange.
        conn: ConnId,
        /// The response.
        res: HttpResponse,
    },
    /// Read the request body of `conn`, up to `limit` bytes, then give it
    /// back with [`Input::HttpBody`] or [`Input::HttpBodyTooLarge`] (at
    /// once, without reading, when the declared length is over `limit`).
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
        /// The largest message to read from the peer: a bigger one is a
        /// protocol fault (close code 1009, then [`Input::ConnClosed`]).
        max_message: usize,
        /// The most bytes of frames to hold unwritten for this WebSocket:
        /// a frame that would pass it means the peer stopped reading (drop
        /// what is queued, close, and report [`Input::SendQueueFull`]).
        /// Counted as the frames' payload bytes.
        max_queued_bytes: usize,
        /// permessage-deflate (RFC 7692) was negotiated (only when
        /// `EngineConfig::per_message_deflate` is set; `headers` carry the
        /// `Sec-WebSocket-Extensions` answer, with no context takeover
        /// either way): inflate the peer's messages that have RSV1 set
        /// (inflated, they are bounded by `max_message` too: over it, close
        /// 1009) and compress outgoing messages of at least its `threshold`
        /// bytes, each on its own. An adapter that cannot must leave the
        /// option off.
        deflate: Option<crate::engine::PerMessageDeflate>,
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
    /// Report [`Input::WsFlushed`] with `mark` once every frame sent on
    /// this WebSocket before this output is written and flushed (at once
    /// if nothing is pending). Asked only for the application's delivery
    /// notifications, never per frame.
    WsFlushMark {
        /// The WebSocket.
        conn: ConnId,
        /// The mark to report.
        mark: FlushId,
    },
    /// Close a WebSocket (after sending what was queued before).
    WsClose {
        /// The WebSocket.
        conn: ConnId,
        /// Close code (1000 normal, 1002 protocol error, 1009 too big, ...).
        code: u16,
    },
    /// Work for the cluster's message bus (only from a server configured
    /// as a cluster member: an adapter without a bus never sees it; see
    /// [`crate::bus`]).
    Bus(BusCommand),
    /// Something the application wants to know.
    Event(E),
}

impl<E> Output<E> {
    /// The same output for another event type, when it is not an event:
    /// `Err` gives the event back. A role built on another one (the
    /// Socket.IO server on the engine) passes the transport work through
    /// with this and handles the events itself.
    pub fn transport<F>(self) -> Result<Output<F>, E> {
        Ok(match self {
            Output::HttpResponse { conn, res } => Output::HttpResponse { conn, res },
            Output::ReadBody { conn, limit } => Output::ReadBody { conn, limit },
            Output::WsAccept {
                conn,
                headers,
                max_message,
                max_queued_bytes,
                deflate,
            } => Output::WsAccept {
                conn,
                headers,
                max_message,
                max_queued_bytes,
                deflate,
            },
            Output::WsFlushMark { conn, mark } => Output::WsFlushMark { conn, mark },
            Output::WsSend { conn, frame } => Output::WsSend { conn, frame },
            Output::WsSendMany { conns, frame } => Output::WsSendMany { conns, frame },
            Output::WsClose { conn, code } => Output::WsClose { conn, code },
            Output::Bus(command) => Output::Bus(command),
            Output::Event(ev) => return Err(ev),
        })
    }
}

/// How a peer broke the WebSocket protocol below the core
/// ([`Input::WsFault`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum WsFault {
    /// A message over the `max_message` of [`Output::WsAccept`] (close
    /// code 1009).
    TooBig,
    /// A text message that is not UTF-8 (close code 1007).
    InvalidUtf8,
    /// Anything else the WebSocket library refused: bad framing, masking,
    /// control frames (close code 1002).
    Protocol,
}

impl WsFault {
    /// The close code that answers it.
    pub fn close_code(self) -> u16 {
        match self {
            WsFault::TooBig => 1009,
            WsFault::InvalidUtf8 => 1007,
            WsFault::Protocol => 1002,
        }
    }

    pub(crate) fn what(self) -> &'static str {
        match self {
            WsFault::TooBig => "websocket message over max_payload",
            WsFault::InvalidUtf8 => "websocket text that is not UTF-8",
            WsFault::Protocol => "websocket protocol error",
        }
    }
}

/// A delivery notification asked for (`notify_flushed` of the
/// [`crate::engine::Engine`] or the [`crate::socket::SioServer`]); the
/// event that answers it carries the same id, and a WebSocket's
/// [`Output::WsFlushMark`] uses it as its mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FlushId(pub u64);

/// A protocol state machine an adapter drives: the bare
/// [`crate::engine::Engine`] or the [`crate::socket::SioServer`].
///
/// The rules of the contract:
/// - feed every [`Input`] to [`Protocol::handle`] with the current time,
///   and call [`Protocol::handle_timeout`] once the deadline from
///   [`Protocol::poll_timeout`] has passed;
/// - after each call (and after each application call that mutates the
///   state, such as an emit), drain [`Protocol::poll_output`] until it
///   returns `None`, and carry the outputs out in order;
/// - a connection id ([`ConnId`]) is the adapter's, chosen per HTTP
///   exchange and kept by the WebSocket it may become; the adapter tells
///   the core when one ends ([`Input::ConnClosed`]);
/// - every bound the adapter applies comes with the output that needs it
///   ([`Output::ReadBody`]'s `limit`, [`Output::WsAccept`]'s
///   `max_message` and `max_queued_bytes`), and what to do at the bound is
///   the core's: the adapter reports it ([`Input::HttpBodyTooLarge`],
///   [`Input::SendQueueFull`]);
/// - delivery is the core's to track: the adapter only reports the flush
///   marks it is asked for ([`Output::WsFlushMark`]);
/// - peer faults never panic and never return `Err`: they come out as
///   responses, closes and events;
/// - time never goes backwards inside the core: an earlier `now` than one
///   already seen counts as the latest one.
pub trait Protocol {
    /// What the application is told ([`Output::Event`]).
    type Event;

    /// Processes one input at `now`.
    fn handle(&mut self, now: Instant, input: Input);

    /// Runs the timers due at `now`.
    fn handle_timeout(&mut self, now: Instant);

    /// The next output, if any; drain until `None` after every call.
    fn poll_output(&mut self) -> Option<Output<Self::Event>>;

    /// The next deadline, if any.
    fn poll_timeout(&self) -> Option<Instant>;

    /// True when a request for `path` belongs to this server.
    fn matches_path(&self, path: &str) -> bool;

    /// Closes every session (the server is shutting down).
    fn shutdown(&mut self);
}

impl Protocol for crate::engine::Engine {
    type Event = crate::engine::EngineEvent;
    fn handle(&mut self, now: Instant, input: Input) {
        crate::engine::Engine::handle(self, now, input)
    }
    fn handle_timeout(&mut self, now: Instant) {
        crate::engine::Engine::handle_timeout(self, now)
    }
    fn poll_output(&mut self) -> Option<Output<Self::Event>> {
        crate::engine::Engine::poll_output(self)
    }
    fn poll_timeout(&self) -> Option<Instant> {
        crate::engine::Engine::poll_timeout(self)
    }
    fn matches_path(&self, path: &str) -> bool {
        crate::engine::Engine::matches_path(self, path)
    }
    fn shutdown(&mut self) {
        crate::engine::Engine::shutdown(self)
    }
}

impl Protocol for crate::socket::SioServer {
    type Event = crate::socket::SocketEvent;
    fn handle(&mut self, now: Instant, input: Input) {
        crate::socket::SioServer::handle(self, now, input)
    }
    fn handle_timeout(&mut self, now: Instant) {
        crate::socket::SioServer::handle_timeout(self, now)
    }
    fn poll_output(&mut self) -> Option<Output<Self::Event>> {
        crate::socket::SioServer::poll_output(self)
    }
    fn poll_timeout(&self) -> Option<Instant> {
        crate::socket::SioServer::poll_timeout(self)
    }
    fn matches_path(&self, path: &str) -> bool {
        self.engine().matches_path(path)
    }
    fn shutdown(&mut self) {
        crate::socket::SioServer::shutdown(self)
    }
}
