//! The client role's side of the contract: the same shape as the server's
//! ([`crate::Protocol`]: `handle`, `handle_timeout`, `poll_output` until
//! `None`, `poll_timeout`), with the directions of HTTP turned round: the
//! core asks for requests to be sent and WebSockets to be opened, and the
//! adapter feeds back what came of them.

use crate::ConnId;
use crate::engine::WsFrame;
use bytes::Bytes;
use std::time::Instant;

/// The HTTP method of a request the client sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientMethod {
    /// `GET`: the handshake and the long-poll.
    Get,
    /// `POST`: packets to the server.
    Post,
}

/// An HTTP request the core wants sent. The adapter knows the server's
/// origin (scheme, host, port, TLS); the core gives everything after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientRequest {
    /// `GET` or `POST`.
    pub method: ClientMethod,
    /// Path and query, e.g. `/socket.io/?EIO=4&transport=polling&t=1&sid=..`.
    pub path_and_query: String,
    /// Headers to send besides the ones the adapter owns (`Host`,
    /// `Content-Length`, `Connection`): the configured extra headers, and
    /// `Content-Type` for a POST.
    pub headers: Vec<(String, String)>,
    /// The body (empty for a GET).
    pub body: Bytes,
}

/// Something that happened at the adapter, for a client role.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ClientInput {
    /// The response to an [`ClientOutput::HttpRequest`], read completely.
    HttpResponse {
        /// The request.
        conn: ConnId,
        /// The status code.
        status: u16,
        /// The whole body.
        body: Bytes,
    },
    /// The request could not be completed (connection refused or lost,
    /// TLS failure, a body over the adapter's bound). No response follows.
    HttpFailed {
        /// The request.
        conn: ConnId,
        /// What went wrong, for the application (no secrets).
        error: String,
    },
    /// The WebSocket asked for with [`ClientOutput::WsOpen`] is open.
    WsOpened {
        /// The WebSocket.
        conn: ConnId,
    },
    /// A frame arrived on an open WebSocket.
    WsFrame {
        /// The WebSocket.
        conn: ConnId,
        /// The frame.
        frame: WsFrame,
    },
    /// The WebSocket could not be opened, or closed (by the peer, or the
    /// connection was lost). Not owed for a WebSocket the core closed
    /// itself ([`ClientOutput::WsClose`]).
    WsClosed {
        /// The WebSocket.
        conn: ConnId,
        /// What happened, for the application.
        error: String,
    },
}

/// Something for the adapter to do, or (`Event`) for the application to
/// know, for a client role. `E` is the role's event type.
///
/// Not `#[non_exhaustive]`, as the server's [`crate::Output`]: an
/// adapter must carry out every output.
#[derive(Debug, Clone)]
#[must_use]
pub enum ClientOutput<E> {
    /// Send this HTTP request on a connection to the server (a new one or
    /// an idle kept-alive one), then report [`ClientInput::HttpResponse`]
    /// or [`ClientInput::HttpFailed`]. Requests with different `conn`s may
    /// be in flight at once (a long-poll GET beside a POST): they need
    /// separate connections.
    HttpRequest {
        /// The id of this exchange, chosen by the core.
        conn: ConnId,
        /// The request.
        req: ClientRequest,
    },
    /// Forget an HTTP request still in flight (the engine closed while a
    /// long-poll was held): drop its connection once every request asked
    /// for before this output has its response (or failed), and feed no
    /// input for it. Not at once: on a graceful close the last POST (the
    /// close packet, DISCONNECTs) comes just before the abort of the held
    /// GET, and a server that sees the GET's connection drop first closes
    /// the session without reading that POST.
    HttpAbort {
        /// The request.
        conn: ConnId,
    },
    /// Open a WebSocket to the server (`ws://` or `wss://` by the origin's
    /// scheme) at this path, with these headers; then report
    /// [`ClientInput::WsOpened`] and each frame, or [`ClientInput::WsClosed`].
    WsOpen {
        /// The id of this WebSocket, chosen by the core.
        conn: ConnId,
        /// Path and query, e.g. `/socket.io/?EIO=4&transport=websocket&sid=..`.
        path_and_query: String,
        /// The configured extra headers.
        headers: Vec<(String, String)>,
    },
    /// Send one frame on an open WebSocket (frames for a WebSocket still
    /// opening are never asked for).
    WsSend {
        /// The WebSocket.
        conn: ConnId,
        /// The frame.
        frame: WsFrame,
    },
    /// Close a WebSocket (after what was queued before) or give up
    /// opening it; no input is owed for it.
    WsClose {
        /// The WebSocket.
        conn: ConnId,
        /// Close code (1000 normal).
        code: u16,
    },
    /// Something the application wants to know.
    Event(E),
}

impl<E> ClientOutput<E> {
    /// The same output for another event type, when it is not an event:
    /// `Err` gives the event back. [`super::SioClient`] passes its
    /// engine's transport work through with this and handles the events
    /// itself.
    pub fn transport<F>(self) -> Result<ClientOutput<F>, E> {
        Ok(match self {
            ClientOutput::HttpRequest { conn, req } => ClientOutput::HttpRequest { conn, req },
            ClientOutput::HttpAbort { conn } => ClientOutput::HttpAbort { conn },
            ClientOutput::WsOpen {
                conn,
                path_and_query,
                headers,
            } => ClientOutput::WsOpen {
                conn,
                path_and_query,
                headers,
            },
            ClientOutput::WsSend { conn, frame } => ClientOutput::WsSend { conn, frame },
            ClientOutput::WsClose { conn, code } => ClientOutput::WsClose { conn, code },
            ClientOutput::Event(ev) => return Err(ev),
        })
    }
}

/// A client state machine an adapter drives: [`super::EngineClient`] (one
/// Engine.IO connection) or [`super::SioClient`] (the Socket.IO client:
/// namespaces over one connection, with reconnection). The rules are the
/// server's ([`crate::Protocol`]): feed every input with the current time,
/// call `handle_timeout` once `poll_timeout` has passed, drain
/// `poll_output` after every call (and after every application call that
/// changes the state), carry the outputs out in order.
pub trait ClientProtocol {
    /// What the application is told ([`ClientOutput::Event`]).
    type Event;

    /// Processes one input at `now`.
    fn handle(&mut self, now: Instant, input: ClientInput);

    /// Runs the timers due at `now`.
    fn handle_timeout(&mut self, now: Instant);

    /// The next output, if any; drain until `None` after every call.
    fn poll_output(&mut self) -> Option<ClientOutput<Self::Event>>;

    /// The next deadline, if any.
    fn poll_timeout(&self) -> Option<Instant>;
}
