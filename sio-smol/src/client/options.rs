//! [`ClientOptions`]: what [`super::Client::connect`] takes, with
//! `socket.io-client` 4.8's defaults.

use sio_core::client::{ClientConfig, ClientParser, ClientTransports};
use std::time::Duration;

/// The largest HTTP response body (a long-poll's batch of packets) or
/// WebSocket message read by default: 16 MiB.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

/// A client's options. Made with [`ClientOptions::default`] and the
/// builder methods:
///
/// ```
/// use sio_smol::client::{ClientOptions, ClientTransports};
/// use std::time::Duration;
///
/// let options = ClientOptions::default()
///     .transports(ClientTransports::WebSocket)
///     .auth(serde_json::json!({ "token": "abc" }))
///     .reconnection_delay(Duration::from_millis(200));
/// # let _ = options;
/// ```
#[derive(Debug, Clone)]
pub struct ClientOptions {
    pub(crate) transports: ClientTransports,
    pub(crate) path: String,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) extra_headers: Vec<(String, String)>,
    pub(crate) auth: Option<serde_json::Value>,
    pub(crate) reconnection: bool,
    pub(crate) reconnection_attempts: Option<u32>,
    pub(crate) reconnection_delay: Duration,
    pub(crate) reconnection_delay_max: Duration,
    pub(crate) randomization_factor: f64,
    pub(crate) connect_timeout: Duration,
    pub(crate) ack_timeout: Option<Duration>,
    pub(crate) retries: Option<u32>,
    pub(crate) max_buffered_packets: usize,
    pub(crate) root_certs_pem: Vec<Vec<u8>>,
    pub(crate) webpki_roots: bool,
    pub(crate) max_response_bytes: usize,
    pub(crate) auto_connect: bool,
    pub(crate) parser: ClientParser,
}

impl Default for ClientOptions {
    fn default() -> Self {
        let core = ClientConfig::default();
        ClientOptions {
            transports: core.engine.transports,
            path: "/socket.io".to_owned(),
            query: Vec::new(),
            extra_headers: Vec::new(),
            auth: None,
            reconnection: core.reconnection,
            reconnection_attempts: core.reconnection_attempts,
            reconnection_delay: core.reconnection_delay,
            reconnection_delay_max: core.reconnection_delay_max,
            randomization_factor: core.randomization_factor,
            connect_timeout: core.engine.connect_timeout,
            ack_timeout: core.ack_timeout,
            retries: core.retries,
            max_buffered_packets: core.max_buffered_packets,
            root_certs_pem: Vec::new(),
            webpki_roots: true,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            auto_connect: true,
            parser: core.parser,
        }
    }
}

impl ClientOptions {
    /// Which transports to use (`transports` and `upgrade`): polling then
    /// an upgrade to WebSocket (the default), polling only, or WebSocket only.
    pub fn transports(mut self, transports: ClientTransports) -> Self {
        self.transports = transports;
        self
    }

    /// The server's Socket.IO path (default `/socket.io`; a trailing slash
    /// is added as the official client does).
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self
    }

    /// Adds a query parameter to every Engine.IO request (the handshake's
    /// query on the server); the URL's own query follows these.
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((name.into(), value.into()));
        self
    }

    /// Adds a header to every request and to the WebSocket handshake
    /// (`extraHeaders`).
    pub fn extra_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.extra_headers.push((name.into(), value.into()));
        self
    }

    /// The CONNECT payload (`auth`) of every namespace opened without its
    /// own ([`super::Client::of_with_auth`]): a JSON object, sent again on
    /// every reconnection. The server sees it as the handshake's auth.
    pub fn auth(mut self, auth: serde_json::Value) -> Self {
        self.auth = Some(auth);
        self
    }

    /// Reconnect after the connection is lost (default true).
    pub fn reconnection(mut self, on: bool) -> Self {
        self.reconnection = on;
        self
    }

    /// Attempts before giving up (`reconnectionAttempts`; default: no limit).
    pub fn reconnection_attempts(mut self, attempts: u32) -> Self {
        self.reconnection_attempts = Some(attempts);
        self
    }

    /// The first reconnection delay before jitter (default 1 s).
    pub fn reconnection_delay(mut self, delay: Duration) -> Self {
        self.reconnection_delay = delay;
        self
    }

    /// The largest reconnection delay (default 5 s).
    pub fn reconnection_delay_max(mut self, delay: Duration) -> Self {
        self.reconnection_delay_max = delay;
        self
    }

    /// The jitter factor of the reconnection delays, in `[0, 1]` (default 0.5).
    pub fn randomization_factor(mut self, factor: f64) -> Self {
        self.randomization_factor = factor;
        self
    }

    /// The limit for the connection to open (the official `timeout`; default 20 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The timeout of every emit that asks for an ack, unless it gives
    /// its own (`ackTimeout`; default none).
    pub fn ack_timeout(mut self, timeout: Duration) -> Self {
        self.ack_timeout = Some(timeout);
        self
    }

    /// At-least-once delivery (`retries`; default off): every emit that
    /// is not volatile is queued and sent one at a time, in order, each
    /// needing the server's ack; a try that times out (the emit's timeout,
    /// else [`ClientOptions::ack_timeout`]) or is cut by a disconnection is
    /// sent again, up to `retries + 1` tries. The server must acknowledge
    /// every event, or the queue stalls; it may see an event twice.
    pub fn retries(mut self, retries: u32) -> Self {
        self.retries = Some(retries);
        self
    }

    /// The most packets a namespace keeps while it is not connected
    /// (default 10 000; the official client has no bound). An emit beyond
    /// it fails with [`super::EmitError::Client`] (`SendBufferFull`):
    /// nothing is dropped silently.
    pub fn max_buffered_packets(mut self, max: usize) -> Self {
        self.max_buffered_packets = max;
        self
    }

    /// Also trusts the certificates in this PEM text for `https://` and
    /// `wss://` (a self-signed server's certificate, a private CA).
    /// A PEM without a certificate makes [`super::Client::connect`] fail.
    pub fn add_root_certificates_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_certs_pem.push(pem.into());
        self
    }

    /// Whether to trust the built-in public roots (`webpki-roots`, Mozilla's
    /// list; default true). With false, only the certificates added with
    /// [`ClientOptions::add_root_certificates_pem`] are trusted.
    pub fn webpki_roots(mut self, on: bool) -> Self {
        self.webpki_roots = on;
        self
    }

    /// The largest HTTP response body the polling transport reads, and
    /// the largest WebSocket message (default
    /// [`DEFAULT_MAX_RESPONSE_BYTES`]); a longer one fails the request or
    /// the WebSocket, which the core takes as a transport error (and
    /// reconnects).
    pub fn max_response_bytes(mut self, max: usize) -> Self {
        self.max_response_bytes = max;
        self
    }

    /// Whether [`super::Client::connect`] and [`super::Client::of`] open
    /// their namespace at once (`autoConnect`; default true). With false,
    /// nothing is sent until [`super::ClientSocket::connect`]: handlers
    /// registered before it see every event from the first connect on.
    /// Emits before that `connect` fail (`UnknownNamespace`): the
    /// namespace is not open yet.
    pub fn auto_connect(mut self, on: bool) -> Self {
        self.auto_connect = on;
        self
    }

    /// The Socket.IO parser (the official `parser` option; default
    /// [`ClientParser::Json`]). [`ClientParser::Msgpack`] speaks
    /// `socket.io-msgpack-parser`: the server must use it too.
    pub fn parser(mut self, parser: ClientParser) -> Self {
        self.parser = parser;
        self
    }

    /// The core's configuration; `url_query` (the URL's own query) follows
    /// the configured one.
    pub(crate) fn core_config(&self, url_query: &[(String, String)]) -> ClientConfig {
        let mut config = ClientConfig::default();
        let mut path = self.path.clone();
        if !path.starts_with('/') {
            path.insert(0, '/');
        }
        if !path.ends_with('/') {
            path.push('/');
        }
        config.engine.path = path;
        config.engine.query = self.query.clone();
        config.engine.query.extend(url_query.iter().cloned());
        config.engine.extra_headers = self.extra_headers.clone();
        config.engine.transports = self.transports;
        config.engine.connect_timeout = self.connect_timeout;
        config.reconnection = self.reconnection;
        config.reconnection_attempts = self.reconnection_attempts;
        config.reconnection_delay = self.reconnection_delay;
        config.reconnection_delay_max = self.reconnection_delay_max;
        config.randomization_factor = self.randomization_factor;
        config.ack_timeout = self.ack_timeout;
        config.retries = self.retries;
        config.max_buffered_packets = self.max_buffered_packets;
        config.parser = self.parser;
        config
    }
}
