//! The handshake request as a session keeps it: path, query and headers
//! packed into one string, for the application to read for the session's
//! whole life.
//!
//! A request head as two strings per header plus a vector, kept for every
//! idle connection, was most of a session's memory. Here it costs two
//! allocations in all; the adapter packs it once, [`crate::http::HttpRequest`]
//! carries it, and the session keeps it without a copy.
//!
//! What the adapter knows of the connection rides along: the peer's
//! address, the client's address when a trusted proxy forwarded the
//! request, whether the connection is encrypted, and when the request
//! came (the core reads no clock: the adapter stamps it).

use std::borrow::Cow;
use std::net::{IpAddr, SocketAddr};
use std::time::SystemTime;

use crate::http::query_param;

/// Packs a request head into a [`Handshake`]; see [`Handshake::builder`].
/// Pieces past 4 GiB in all (no request an adapter accepts comes near) are
/// left out.
#[derive(Debug)]
pub struct HandshakeBuilder {
    text: String,
    ends: Vec<u32>,
    /// A piece did not fit: later ones are left out too.
    full: bool,
    conn: ConnMeta,
}

/// What the adapter knows of the connection a request came on, packed: a
/// session keeps it for its whole life (48 bytes, where the plain
/// `Option`s took 72).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct ConnMeta {
    /// The TCP peer's address (IPv4 as IPv4-mapped IPv6).
    peer_ip: [u8; 16],
    /// The client's address as a trusted proxy reported it (IPv4 mapped).
    forwarded_ip: [u8; 16],
    /// When the request came, in milliseconds since the Unix epoch.
    issued_ms: u64,
    /// The TCP peer's port.
    peer_port: u16,
    /// Which of the above are set, and TLS: the `META_*` bits.
    flags: u8,
}

const META_PEER: u8 = 1;
const META_PEER_V4: u8 = 2;
const META_FORWARDED: u8 = 4;
const META_FORWARDED_V4: u8 = 8;
const META_ISSUED: u8 = 16;
const META_SECURE: u8 = 32;

/// An address as 16 bytes, and whether it is IPv4.
fn pack_ip(ip: IpAddr) -> ([u8; 16], bool) {
    match ip {
        IpAddr::V4(v4) => (v4.to_ipv6_mapped().octets(), true),
        IpAddr::V6(v6) => (v6.octets(), false),
    }
}

/// The address [`pack_ip`] packed.
fn unpack_ip(bytes: [u8; 16], v4: bool) -> IpAddr {
    let v6 = std::net::Ipv6Addr::from(bytes);
    match v6.to_ipv4_mapped() {
        Some(v4addr) if v4 => IpAddr::V4(v4addr),
        _ => IpAddr::V6(v6),
    }
}

impl ConnMeta {
    fn has(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }

    fn set(&mut self, flag: u8, on: bool) {
        if on {
            self.flags |= flag;
        } else {
            self.flags &= !flag;
        }
    }

    fn peer(&self) -> Option<SocketAddr> {
        self.has(META_PEER).then(|| {
            let ip = unpack_ip(self.peer_ip, self.has(META_PEER_V4));
            SocketAddr::new(ip, self.peer_port)
        })
    }

    fn forwarded(&self) -> Option<IpAddr> {
        self.has(META_FORWARDED)
            .then(|| unpack_ip(self.forwarded_ip, self.has(META_FORWARDED_V4)))
    }

    fn issued(&self) -> Option<SystemTime> {
        self.has(META_ISSUED)
            .then(|| SystemTime::UNIX_EPOCH + std::time::Duration::from_millis(self.issued_ms))
    }
}

impl HandshakeBuilder {
    /// Appends `pieces`, all of them or (past the 4 GiB cap) none.
    fn push(&mut self, pieces: &[&str]) {
        let len: usize = pieces.iter().map(|p| p.len()).sum();
        if self.full || self.text.len() + len > u32::MAX as usize {
            self.full = true;
            return;
        }
        for piece in pieces {
            self.text.push_str(piece);
            self.ends.push(self.text.len() as u32);
        }
    }

    /// Adds a header: `name` (in any case: it is kept in lower case), and
    /// its value.
    pub fn header(&mut self, name: &str, value: &str) {
        let start = self.text.len();
        self.push(&[name, value]);
        if !self.full {
            // `push` added both pieces or neither.
            self.text[start..start + name.len()].make_ascii_lowercase();
        }
    }

    /// Sets the address of the connection's peer (the client, or the
    /// proxy in front of it).
    pub fn peer(&mut self, addr: SocketAddr) -> &mut Self {
        let (ip, v4) = pack_ip(addr.ip());
        self.conn.peer_ip = ip;
        self.conn.peer_port = addr.port();
        self.conn.set(META_PEER, true);
        self.conn.set(META_PEER_V4, v4);
        self
    }

    /// Sets the client's address as a trusted proxy reported it (e.g. from
    /// `X-Forwarded-For`); [`Handshake::address`] then returns it.
    pub fn forwarded_for(&mut self, addr: IpAddr) -> &mut Self {
        let (ip, v4) = pack_ip(addr);
        self.conn.forwarded_ip = ip;
        self.conn.set(META_FORWARDED, true);
        self.conn.set(META_FORWARDED_V4, v4);
        self
    }

    /// Marks the request as having come over TLS.
    pub fn secure(&mut self, secure: bool) -> &mut Self {
        self.conn.set(META_SECURE, secure);
        self
    }

    /// Sets when the request came.
    pub fn issued(&mut self, at: SystemTime) -> &mut Self {
        // Before 1970 or after 584 million years: left out.
        let ms = at
            .duration_since(SystemTime::UNIX_EPOCH)
            .ok()
            .and_then(|d| u64::try_from(d.as_millis()).ok());
        self.conn.issued_ms = ms.unwrap_or(0);
        self.conn.set(META_ISSUED, ms.is_some());
        self
    }

    /// Takes what `h` knows of its connection.
    pub(crate) fn conn_of(&mut self, h: &Handshake) -> &mut Self {
        self.conn = h.conn;
        self
    }

    /// The packed head.
    pub fn build(self) -> Handshake {
        Handshake {
            text: self.text.into_boxed_str(),
            ends: self.ends.into_boxed_slice(),
            conn: self.conn,
        }
    }
}

/// The path, query and headers of the request that opened a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handshake {
    /// Path, query, then every header name and value, back to back.
    text: Box<str>,
    /// Where each piece of `text` ends: the path, the query, then a name and
    /// a value per header.
    ends: Box<[u32]>,
    /// The connection it came on.
    conn: ConnMeta,
}

impl Handshake {
    /// Starts packing a request head: its path and query now, then its
    /// headers one by one. `header_bytes` (the names and values in all) and
    /// `headers` (how many) size the buffers; they are hints.
    pub fn builder(
        path: &str,
        query: &str,
        header_bytes: usize,
        headers: usize,
    ) -> HandshakeBuilder {
        let len = path.len() + query.len() + header_bytes;
        let mut b = HandshakeBuilder {
            text: String::with_capacity(len.min(u32::MAX as usize)),
            ends: Vec::with_capacity(2 + 2 * headers),
            full: false,
            conn: ConnMeta::default(),
        };
        b.push(&[path]);
        b.push(&[query]);
        b
    }

    /// Piece `i` of the text.
    fn piece(&self, i: usize) -> &str {
        let end = self.ends.get(i).map_or(0, |e| *e as usize);
        let start = match i {
            0 => 0,
            _ => self.ends.get(i - 1).map_or(end, |e| *e as usize),
        };
        self.text.get(start..end).unwrap_or("")
    }

    /// Path without the query string, e.g. `/socket.io/`.
    pub fn path(&self) -> &str {
        self.piece(0)
    }

    /// Raw query string without the leading `?` (still percent-encoded).
    pub fn query(&self) -> &str {
        self.piece(1)
    }

    /// The first value of query parameter `key`, percent-decoded.
    pub fn query_param(&self, key: &str) -> Option<Cow<'_, str>> {
        query_param(self.query(), key)
    }

    /// Every header as (name in lower case, value), in the order sent.
    pub fn headers(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        let count = self.ends.len().saturating_sub(2) / 2;
        (0..count).map(|h| (self.piece(2 + 2 * h), self.piece(3 + 2 * h)))
    }

    /// Every header as owned (name, value) pairs.
    pub fn headers_owned(&self) -> Vec<(String, String)> {
        self.headers()
            .map(|(n, v)| (n.to_owned(), v.to_owned()))
            .collect()
    }

    /// The first value of header `name` (give it in lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    /// The address of the connection's peer, when the adapter gave it:
    /// the client, or the proxy in front of it.
    pub fn peer_addr(&self) -> Option<SocketAddr> {
        self.conn.peer()
    }

    /// The client's address, as Node's `socket.handshake.address`: the one
    /// a trusted proxy reported (see [`HandshakeBuilder::forwarded_for`]),
    /// else the peer's (IPv4-mapped IPv6 addresses shown as IPv4).
    pub fn address(&self) -> Option<IpAddr> {
        self.conn
            .forwarded()
            .or_else(|| self.conn.peer().map(|p| p.ip().to_canonical()))
    }

    /// Whether the request came over TLS (or a trusted proxy said so).
    pub fn secure(&self) -> bool {
        self.conn.has(META_SECURE)
    }

    /// When the request came, if the adapter said.
    pub fn issued(&self) -> Option<SystemTime> {
        self.conn.issued()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::HttpRequest;

    #[test]
    fn keeps_path_query_and_headers() {
        let req = HttpRequest::get("/socket.io/?EIO=4&transport=polling&tag=a%20b")
            .with_header("Origin", "http://x")
            .with_header("user-agent", "")
            .with_header("x-two", "1")
            .with_header("x-two", "2");
        let h = req.into_handshake();
        assert_eq!(h.path(), "/socket.io/");
        assert_eq!(h.query(), "EIO=4&transport=polling&tag=a%20b");
        assert_eq!(h.query_param("tag").as_deref(), Some("a b"));
        assert_eq!(h.header("origin"), Some("http://x"));
        assert_eq!(h.header("user-agent"), Some(""));
        assert_eq!(h.header("x-two"), Some("1"));
        assert_eq!(h.header("missing"), None);
        let all: Vec<_> = h.headers().collect();
        assert_eq!(
            all,
            [
                ("origin", "http://x"),
                ("user-agent", ""),
                ("x-two", "1"),
                ("x-two", "2")
            ]
        );
    }

    #[test]
    fn header_names_are_kept_in_lower_case() {
        let mut b = Handshake::builder("/", "", 0, 0);
        b.header("Sec-WebSocket-Key", "AbC");
        let h = b.build();
        assert_eq!(h.header("sec-websocket-key"), Some("AbC"));
    }

    #[test]
    fn keeps_what_the_adapter_knows_of_the_connection() {
        let plain = Handshake::builder("/", "", 0, 0).build();
        assert_eq!(
            (plain.peer_addr(), plain.address(), plain.secure()),
            (None, None, false)
        );
        let at = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(7);
        let mut b = Handshake::builder("/", "", 0, 0);
        b.peer("[::ffff:10.0.0.1]:4000".parse().unwrap())
            .secure(true)
            .issued(at);
        let h = b.build();
        assert_eq!(
            h.peer_addr(),
            Some("[::ffff:10.0.0.1]:4000".parse().unwrap())
        );
        assert_eq!(h.address(), Some("10.0.0.1".parse().unwrap()));
        assert!(h.secure());
        assert_eq!(h.issued(), Some(at));
        let mut b = Handshake::builder("/", "", 0, 0);
        b.peer("127.0.0.1:1".parse().unwrap())
            .forwarded_for("203.0.113.9".parse().unwrap());
        let h = b.build();
        assert_eq!(h.address(), Some("203.0.113.9".parse().unwrap()));
        assert_eq!(h.peer_addr(), Some("127.0.0.1:1".parse().unwrap()));
        let mut b = Handshake::builder("/", "", 0, 0);
        b.peer("[2001:db8::1]:443".parse().unwrap())
            .forwarded_for("::ffff:198.51.100.1".parse().unwrap())
            .secure(false);
        let h = b.build();
        assert_eq!(h.peer_addr(), Some("[2001:db8::1]:443".parse().unwrap()));
        // Given as IPv6, kept as IPv6.
        assert_eq!(h.address(), Some("::ffff:198.51.100.1".parse().unwrap()));
        assert!(!h.secure());
        assert_eq!(std::mem::size_of::<ConnMeta>(), 48);
    }

    #[test]
    fn empty_request() {
        let h = HttpRequest::get("").into_handshake();
        assert_eq!((h.path(), h.query()), ("", ""));
        assert_eq!(h.headers().count(), 0);
    }

    proptest::proptest! {
        #[test]
        fn round_trips_any_request(
            path in ".{0,20}",
            query in ".{0,40}",
            headers in proptest::collection::vec(("[a-z-]{1,12}", ".{0,30}"), 0..8),
        ) {
            let mut b = Handshake::builder(&path, &query, 0, 0);
            for (n, v) in &headers {
                b.header(n, v);
            }
            let h = b.build();
            proptest::prop_assert_eq!(h.path(), path.as_str());
            proptest::prop_assert_eq!(h.query(), query.as_str());
            proptest::prop_assert_eq!(h.headers_owned(), headers);
        }
    }
}
