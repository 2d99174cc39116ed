//! Engine.IO server options.

use crate::http::HttpRequest;
use std::fmt;
use std::time::Duration;

/// A transport the server accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Transport {
    /// HTTP long-polling (XHR or JSONP).
    Polling,
    /// WebSocket.
    WebSocket,
}

impl Transport {
    /// The name used in the `transport` query parameter.
    pub fn name(self) -> &'static str {
        match self {
            Transport::Polling => "polling",
            Transport::WebSocket => "websocket",
        }
    }

    /// Parses a `transport` query value.
    pub fn from_name(name: &str) -> Option<Transport> {
        match name {
            "polling" => Some(Transport::Polling),
            "websocket" => Some(Transport::WebSocket),
            _ => None,
        }
    }
}

/// Which origins CORS lets in.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CorsOrigin {
    /// Any origin (`Access-Control-Allow-Origin: *`, or the request's origin
    /// when credentials are allowed, since browsers refuse `*` then).
    Any,
    /// Only these origins (exact match, e.g. `https://example.com`).
    List(Vec<String>),
}

/// Cross-origin resource sharing, off unless configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorsConfig {
    /// Allowed origins.
    pub origin: CorsOrigin,
    /// Send `Access-Control-Allow-Credentials: true`.
    pub credentials: bool,
    /// Headers allowed in preflights; `None` reflects what the browser asks for.
    pub allowed_headers: Option<Vec<String>>,
    /// `Access-Control-Max-Age` for preflights, if any.
    pub max_age: Option<Duration>,
}

impl CorsConfig {
    /// CORS for any origin, without credentials.
    pub fn any() -> CorsConfig {
        CorsConfig {
            origin: CorsOrigin::Any,
            credentials: false,
            allowed_headers: None,
            max_age: None,
        }
    }
}

/// The optional session cookie set on the handshake response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CookieConfig {
    /// Cookie name (the reference's default is `io`).
    pub name: String,
    /// `Path` attribute.
    pub path: String,
    /// Add `HttpOnly`.
    pub http_only: bool,
    /// `SameSite` attribute value (`Lax`, `Strict`, `None`).
    pub same_site: String,
}

impl Default for CookieConfig {
    fn default() -> Self {
        CookieConfig {
            name: "io".into(),
            path: "/".into(),
            http_only: true,
            same_site: "Lax".into(),
        }
    }
}

/// A hook that may refuse a handshake: `Err(message)` answers 403 with
/// `{"code":4,"message":<message>}`. Runs before any session exists.
pub type AllowRequest = Box<dyn Fn(&HttpRequest) -> Result<(), String>>;

/// Engine.IO server options; [`EngineConfig::default`] matches the reference
/// server's defaults (with `path` `/socket.io/`).
pub struct EngineConfig {
    /// Path the engine answers on, with a trailing slash (default `/socket.io/`).
    pub path: String,
    /// Accepted transports (default: polling and WebSocket).
    pub transports: Vec<Transport>,
    /// Allow upgrading a polling session to WebSocket (default true).
    pub allow_upgrades: bool,
    /// Time between two server pings (default 25 s).
    pub ping_interval: Duration,
    /// How long to wait for a pong after a ping (default 20 s).
    pub ping_timeout: Duration,
    /// How long an upgrade may take before the new transport is dropped (default 10 s).
    pub upgrade_timeout: Duration,
    /// Largest POST body or WebSocket message accepted, in bytes (default 1 MB).
    pub max_payload: usize,
    /// Largest number of packets queued for one polling session between two
    /// GETs (default 10 000). When it is passed with a GET held, the queue is
    /// sent to that GET at once; with no GET held, the session is closed with
    /// [`super::CloseReason::BufferFull`]: nothing is dropped silently.
    pub max_queued_packets: usize,
    /// Largest number of bytes queued for one session (default 16 MiB): on
    /// polling, the frames waiting for the next GET, with the policy of
    /// `max_queued_packets`; on WebSocket, the frames the adapter holds
    /// unwritten (its bound, given with [`crate::Output::WsAccept`]; the
    /// session closes with [`super::CloseReason::BufferFull`]). Counted as
    /// the frames' payload bytes.
    pub max_queued_bytes: usize,
    /// Most sessions open at once; handshakes beyond are refused with
    /// HTTP 503 (default 1 000 000).
    pub max_sessions: usize,
    /// CORS, off by default.
    pub cors: Option<CorsConfig>,
    /// Session cookie, off by default.
    pub cookie: Option<CookieConfig>,
    /// Handshake hook (auth by header or cookie), none by default.
    pub allow_request: Option<AllowRequest>,
    /// Accept Engine.IO v3 clients (`EIO=3`: `socket.io-client` 2.x), as
    /// Node's `allowEIO3` (default false: they get "unsupported protocol
    /// version"). Their sessions use the v3 payloads and the reversed
    /// heartbeat (the client pings); see `engine::payload_v3`.
    pub allow_eio3: bool,
    /// Compression of polling responses (gzip or deflate, as the request's
    /// `Accept-Encoding` prefers), on by default from 1024 bytes as in
    /// Node; `None` never compresses.
    pub http_compression: Option<super::HttpCompression>,
    /// permessage-deflate on WebSockets (RFC 7692), off by default as in
    /// Node. Only an adapter that compresses and inflates frames may turn
    /// it on (sio-smol does; see [`crate::Output::WsAccept`]).
    pub per_message_deflate: Option<super::PerMessageDeflate>,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            path: "/socket.io/".into(),
            transports: vec![Transport::Polling, Transport::WebSocket],
            allow_upgrades: true,
            ping_interval: Duration::from_millis(25_000),
            ping_timeout: Duration::from_millis(20_000),
            upgrade_timeout: Duration::from_millis(10_000),
            max_payload: 1_000_000,
            max_queued_packets: 10_000,
            max_queued_bytes: 16 << 20,
            max_sessions: 1_000_000,
            cors: None,
            cookie: None,
            allow_request: None,
            allow_eio3: false,
            http_compression: Some(super::HttpCompression::default()),
            per_message_deflate: None,
        }
    }
}

impl fmt::Debug for EngineConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EngineConfig")
            .field("path", &self.path)
            .field("transports", &self.transports)
            .field("allow_upgrades", &self.allow_upgrades)
            .field("ping_interval", &self.ping_interval)
            .field("ping_timeout", &self.ping_timeout)
            .field("upgrade_timeout", &self.upgrade_timeout)
            .field("max_payload", &self.max_payload)
            .field("max_queued_packets", &self.max_queued_packets)
            .field("max_queued_bytes", &self.max_queued_bytes)
            .field("max_sessions", &self.max_sessions)
            .field("cors", &self.cors)
            .field("cookie", &self.cookie)
            .field("allow_request", &self.allow_request.is_some())
            .field("allow_eio3", &self.allow_eio3)
            .field("http_compression", &self.http_compression)
            .field("per_message_deflate", &self.per_message_deflate)
            .finish()
    }
}

impl EngineConfig {
    /// True when `transport` is enabled.
    pub fn allows(&self, transport: Transport) -> bool {
        self.transports.contains(&transport)
    }

    /// The `upgrades` list offered to a session opened on `transport`.
    pub fn upgrades_for(&self, transport: Transport) -> &'static [&'static str] {
        if transport == Transport::Polling
            && self.allow_upgrades
            && self.allows(Transport::WebSocket)
        {
            &["websocket"]
        } else {
            &[]
        }
    }
}
