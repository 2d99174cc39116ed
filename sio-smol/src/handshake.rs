//! [`Handshake`]: the request that opened a session, as Node's
//! `socket.handshake`.

use std::net::{IpAddr, SocketAddr};
use std::time::SystemTime;

/// The request that opened a session (the Engine.IO handshake), as Node's
/// `socket.handshake`: see [`crate::io::Socket::handshake`] and
/// [`crate::EngineSocket::handshake`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Handshake {
    /// Every header as (name in lower case, value), in the order sent
    /// (`X-Forwarded-For` included, whoever sent it).
    pub headers: Vec<(String, String)>,
    /// The query parameters, percent-decoded, in order (`EIO`, `transport`
    /// and the client's own).
    pub query: Vec<(String, String)>,
    /// The client's address: from `X-Forwarded-For` when the peer is a
    /// trusted proxy ([`crate::Mux::trusted_proxies`]), else the peer's.
    /// IPv4-mapped IPv6 addresses are shown as IPv4.
    pub address: Option<IpAddr>,
    /// The TCP peer: the client, or the proxy in front of it.
    pub peer: Option<SocketAddr>,
    /// When the handshake request came (Node's `issued`/`time`).
    pub issued: Option<SystemTime>,
    /// Whether the client used TLS (HTTPS/WSS), on this server's own
    /// [`crate::Mux::tls`] or, as a trusted proxy said with
    /// `X-Forwarded-Proto: https`, on the proxy.
    pub secure: bool,
    /// The request's path and query, e.g. `/socket.io/?EIO=4&transport=polling`.
    pub url: String,
}

impl Handshake {
    pub(crate) fn from_core(h: &sio_core::handshake::Handshake) -> Handshake {
        let url = match h.query() {
            "" => h.path().to_owned(),
            q => format!("{}?{q}", h.path()),
        };
        Handshake {
            headers: h.headers_owned(),
            query: sio_core::http::query_pairs(h.query())
                .map(|(k, v)| {
                    (
                        sio_core::http::percent_decode(k).into_owned(),
                        sio_core::http::percent_decode(v).into_owned(),
                    )
                })
                .collect(),
            address: h.address(),
            peer: h.peer_addr(),
            issued: h.issued(),
            secure: h.secure(),
            url,
        }
    }

    /// The first value of header `name` (give it in lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first value of query parameter `key`.
    pub fn query_param(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Milliseconds since the Unix epoch when the request came, as Node's
    /// `handshake.issued`.
    pub fn issued_ms(&self) -> Option<u64> {
        let since = self.issued?.duration_since(SystemTime::UNIX_EPOCH).ok()?;
        u64::try_from(since.as_millis()).ok()
    }

    /// Whether the request came from another origin (it has an `Origin`
    /// header), as Node's `handshake.xdomain`.
    pub fn xdomain(&self) -> bool {
        self.header("origin").is_some()
    }
}
