//! The client's options, with `socket.io-client` 4.8's defaults.

use super::codec::ClientParser;
use std::time::Duration;

/// Which transports the client may use, in `socket.io-client`'s terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientTransports {
    /// Polling first, then a WebSocket probe and upgrade (the default).
    Upgrade,
    /// Long-polling only.
    Polling,
    /// A WebSocket from the start (no probe, no upgrade).
    WebSocket,
}

/// One Engine.IO connection's options.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct EngineClientConfig {
    /// The request path, with its trailing slash: `/engine.io/` for a bare
    /// Engine.IO client; [`ClientConfig`] sets `/socket.io/`.
    pub path: String,
    /// Query parameters sent with every request, before `EIO`,
    /// `transport`, `t` and `sid` (already percent-encoded is not
    /// required: the core encodes them).
    pub query: Vec<(String, String)>,
    /// Headers sent with every request and the WebSocket handshake.
    pub extra_headers: Vec<(String, String)>,
    /// Which transports to use.
    pub transports: ClientTransports,
    /// Add the `t` cache-busting parameter to polling requests (default
    /// true, as the official client).
    pub timestamp_requests: bool,
    /// The limit for opening the connection (handshake answered), the
    /// official `timeout` option: 20 s.
    pub connect_timeout: Duration,
}

impl Default for EngineClientConfig {
    fn default() -> Self {
        EngineClientConfig {
            path: "/engine.io/".to_owned(),
            query: Vec::new(),
            extra_headers: Vec::new(),
            transports: ClientTransports::Upgrade,
            timestamp_requests: true,
            connect_timeout: Duration::from_secs(20),
        }
    }
}

/// The Socket.IO client's options (the Manager's and the Sockets').
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ClientConfig {
    /// The Engine.IO connection's options; `path` defaults to `/socket.io/`.
    pub engine: EngineClientConfig,
    /// Reconnect after the connection is lost (default true).
    pub reconnection: bool,
    /// Attempts before giving up; `None` for no limit (the default).
    pub reconnection_attempts: Option<u32>,
    /// The first reconnection delay before jitter (1 s).
    pub reconnection_delay: Duration,
    /// The largest reconnection delay (5 s).
    pub reconnection_delay_max: Duration,
    /// The jitter factor, applied when in (0, 1] (0.5).
    pub randomization_factor: f64,
    /// The timeout of every emit that asks for an ack, unless the emit
    /// gives its own (`ackTimeout`; default none).
    pub ack_timeout: Option<Duration>,
    /// At-least-once delivery (the official `retries`, default `None`:
    /// off; `Some(0)` is off too, as in JavaScript): every emit that is
    /// not volatile goes to a per-namespace queue and is sent, one at a
    /// time and in order, with an ack id of its own (the server must
    /// acknowledge every such event, or the queue stalls). A try that
    /// fails (its timeout, else `ack_timeout`, runs out, or the connection
    /// drops) is sent again at once with a new ack id, up to `retries + 1`
    /// tries; an acknowledged one makes way for the next. After a
    /// reconnection the head is sent again even if its try is pending.
    /// The application sees one id per emit ([`super::AckId`]), whichever
    /// try was acknowledged. The queue is bounded by
    /// `max_buffered_packets` as the send buffer is.
    pub retries: Option<u32>,
    /// The most packets kept in a namespace's send buffer while it is not
    /// connected (the official client has no bound). An emit beyond it is
    /// refused with [`super::ClientError::SendBufferFull`]: nothing is
    /// dropped silently. Default 10 000.
    pub max_buffered_packets: usize,
    /// The most attachments accepted in one incoming binary packet (10,
    /// as `socket.io-parser` 4.2.6).
    pub max_attachments: usize,
    /// The wire format (default JSON); the server must use the same.
    pub parser: ClientParser,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            engine: EngineClientConfig {
                path: "/socket.io/".to_owned(),
                ..EngineClientConfig::default()
            },
            reconnection: true,
            reconnection_attempts: None,
            reconnection_delay: Duration::from_millis(1000),
            reconnection_delay_max: Duration::from_millis(5000),
            randomization_factor: 0.5,
            ack_timeout: None,
            retries: None,
            max_buffered_packets: 10_000,
            max_attachments: 10,
            parser: ClientParser::Json,
        }
    }
}
