//! The adapter's HTTP vocabulary: a request head going in, a response coming
//! out. No dependency on any HTTP crate; an adapter converts its own types.

use crate::handshake::Handshake;
use bytes::Bytes;
use std::borrow::Cow;

/// HTTP request method, as far as the protocol cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Method {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `OPTIONS` (CORS preflight)
    Options,
    /// `HEAD`
    Head,
    /// Any other method.
    Other,
}

impl Method {
    /// Maps a method name (`"GET"`, ...) to a [`Method`].
    pub fn from_name(name: &str) -> Method {
        match name {
            "GET" => Method::Get,
            "POST" => Method::Post,
            "OPTIONS" => Method::Options,
            "HEAD" => Method::Head,
            _ => Method::Other,
        }
    }

    /// The method's name, as the reference server reports it in errors.
    pub fn name(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Options => "OPTIONS",
            Method::Head => "HEAD",
            Method::Other => "OTHER",
        }
    }
}

/// The head of an HTTP request. The body, when the core wants it, is asked
/// for separately (see [`crate::Output::ReadBody`]).
///
/// Path, query and headers are packed in a [`Handshake`] (two allocations
/// however many headers); a session opened by the request keeps it as is.
#[derive(Debug, Clone)]
pub struct HttpRequest {
    /// Request method.
    pub method: Method,
    /// Path, query (raw, still percent-encoded) and headers (names in lower
    /// case, values as sent, lossily decoded as UTF-8).
    head: Handshake,
    /// True when the adapter recognised a valid WebSocket upgrade request
    /// (and can complete it if the core answers [`crate::Output::WsAccept`]).
    pub websocket: bool,
}

impl HttpRequest {
    /// A `GET` request for `path_and_query` (split at the first `?`), with no headers.
    pub fn get(path_and_query: &str) -> HttpRequest {
        HttpRequest::new(Method::Get, path_and_query)
    }

    /// A request with `method` for `path_and_query`, with no headers.
    pub fn new(method: Method, path_and_query: &str) -> HttpRequest {
        let (path, query) = path_and_query
            .split_once('?')
            .unwrap_or((path_and_query, ""));
        HttpRequest::from_head(method, Handshake::builder(path, query, 0, 0).build())
    }

    /// The core's request from the head the adapter has: `headers()`
    /// iterates over its headers (names in any case, values as sent; it is
    /// called up to twice), `websocket` says whether it is a valid upgrade
    /// request the adapter can complete. The core keeps what it needs:
    /// every header of a request that may open a session (its handshake,
    /// which the application reads for the session's life), only `Origin`,
    /// `Accept-Encoding` and `Sec-WebSocket-Extensions` of a `GET` or
    /// `POST` on an open session (copying the rest would cost every
    /// long-poll). `stamp` adds what the adapter knows of the
    /// connection (peer address, TLS, the time: see
    /// [`crate::handshake::HandshakeBuilder`]); it is called only for the
    /// requests whose head is kept whole.
    pub fn from_parts<'a, I>(
        method: Method,
        path: &str,
        query: &str,
        headers: impl Fn() -> I,
        websocket: bool,
        stamp: impl FnOnce(&mut crate::handshake::HandshakeBuilder),
    ) -> HttpRequest
    where
        I: Iterator<Item = (&'a str, &'a [u8])>,
    {
        let on_session =
            matches!(method, Method::Get | Method::Post) && query_param(query, "sid").is_some();
        let head = if on_session {
            let kept = || {
                headers().filter_map(|(n, v)| {
                    ON_SESSION
                        .iter()
                        .find(|k| n.eq_ignore_ascii_case(k))
                        .map(|k| (*k, v))
                })
            };
            let (bytes, count) =
                kept().fold((0, 0), |(b, c), (n, v)| (b + n.len() + v.len(), c + 1));
            let mut head = Handshake::builder(path, query, bytes, count);
            for (n, v) in kept() {
                head.header(n, &String::from_utf8_lossy(v));
            }
            head.build()
        } else {
            let (bytes, count) =
                headers().fold((0, 0), |(b, c), (n, v)| (b + n.len() + v.len(), c + 1));
            let mut head = Handshake::builder(path, query, bytes, count);
            for (n, v) in headers() {
                head.header(n, &String::from_utf8_lossy(v));
            }
            stamp(&mut head);
            head.build()
        };
        HttpRequest {
            method,
            head,
            websocket,
        }
    }

    /// A request with `method` and a head packed already (see
    /// [`Handshake::builder`]); not a WebSocket upgrade. For tests and
    /// tools: an adapter uses [`HttpRequest::from_parts`].
    pub fn from_head(method: Method, head: Handshake) -> HttpRequest {
        HttpRequest {
            method,
            head,
            websocket: false,
        }
    }

    /// Adds a header (the name is lower-cased); builder style. It repacks
    /// the head: for tests and tools, not for adapters.
    pub fn with_header(self, name: &str, value: &str) -> HttpRequest {
        let old = &self.head;
        let mut b = Handshake::builder(old.path(), old.query(), 0, 0);
        b.conn_of(old);
        for (n, v) in old.headers() {
            b.header(n, v);
        }
        b.header(name, value);
        HttpRequest {
            head: b.build(),
            ..self
        }
    }

    /// Sets the address of the connection's peer; builder style, for tests
    /// and tools (adapters set it when packing the head).
    pub fn with_peer(self, addr: std::net::SocketAddr) -> HttpRequest {
        let old = &self.head;
        let mut b = Handshake::builder(old.path(), old.query(), 0, 0);
        b.conn_of(old).peer(addr);
        for (n, v) in old.headers() {
            b.header(n, v);
        }
        HttpRequest {
            head: b.build(),
            ..self
        }
    }

    /// Path without the query string, e.g. `/engine.io/`.
    pub fn path(&self) -> &str {
        self.head.path()
    }

    /// Raw query string without the leading `?` (still percent-encoded).
    pub fn query(&self) -> &str {
        self.head.query()
    }

    /// Every header as (name in lower case, value), in the order sent.
    pub fn headers(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.head.headers()
    }

    /// The first value of header `name` (give it in lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.header(name)
    }

    /// The first value of query parameter `key`, percent-decoded.
    pub fn query_param(&self, key: &str) -> Option<Cow<'_, str>> {
        query_param(self.query(), key)
    }

    /// The address of the connection's peer, when the adapter gave it (see
    /// [`crate::handshake::HandshakeBuilder::peer`]).
    pub fn peer_addr(&self) -> Option<std::net::SocketAddr> {
        self.head.peer_addr()
    }

    /// The client's address: the one a trusted proxy reported, else the
    /// peer's (see [`Handshake::address`]).
    pub fn address(&self) -> Option<std::net::IpAddr> {
        self.head.address()
    }

    /// Whether the request came over TLS (or a trusted proxy said so).
    pub fn secure(&self) -> bool {
        self.head.secure()
    }

    /// The packed head, for a session to keep.
    pub fn into_handshake(self) -> Handshake {
        self.head
    }
}

/// The headers kept of a `GET` or `POST` on an open session: CORS, the
/// polling response's compression, a WebSocket upgrade's extensions.
const ON_SESSION: [&str; 3] = ["origin", "accept-encoding", "sec-websocket-extensions"];

/// Finds `key` in an `a=1&b=2` query string and percent-decodes its value
/// (`+` is a space). A key without `=` has the empty value.
pub fn query_param<'a>(query: &'a str, key: &str) -> Option<Cow<'a, str>> {
    if key.contains('=') {
        return None; // a key ends at the first `=`
    }
    // One pass, comparing each pair's start with the key: every request
    // on a session looks up its sid.
    let k = key.as_bytes();
    query_pairs_raw(query).find_map(|pair| {
        let p = pair.as_bytes();
        if !p.starts_with(k) {
            return None;
        }
        match p.get(k.len()) {
            None => Some(Cow::Borrowed("")),
            Some(b'=') => Some(percent_decode(&pair[k.len() + 1..])),
            Some(_) => None,
        }
    })
}

/// The `(key, raw value)` pairs of an `a=1&b=2` query string, in order,
/// values still percent-encoded. A key without `=` has the empty value.
pub fn query_pairs(query: &str) -> impl Iterator<Item = (&str, &str)> {
    query_pairs_raw(query).map(|pair| match pair.bytes().position(|b| b == b'=') {
        Some(i) => (&pair[..i], &pair[i + 1..]),
        None => (pair, ""),
    })
}

/// The `&`-separated pieces of a query string (one, empty, for an empty
/// query), found by a byte scan: `str::split` costs more on strings this
/// short.
fn query_pairs_raw(query: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(query);
    std::iter::from_fn(move || {
        let q = rest?;
        match q.bytes().position(|b| b == b'&') {
            Some(i) => {
                rest = Some(&q[i + 1..]);
                Some(&q[..i])
            }
            None => {
                rest = None;
                Some(q)
            }
        }
    })
}

/// Appends `n` in decimal, without the formatter (packet ids, attachment
/// counts, `Content-Length` values on hot paths).
pub fn push_decimal(out: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

/// Decodes `%XX` escapes and `+` (as a space). Malformed escapes are kept
/// as they are; bytes that do not form UTF-8 become U+FFFD.
pub fn percent_decode(s: &str) -> Cow<'_, str> {
    if !s.bytes().any(|b| b == b'%' || b == b'+') {
        return Cow::Borrowed(s);
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// An HTTP response for the adapter to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// Headers to send (the adapter adds `Content-Length`, `Date`, ...).
    /// Most values are constants: borrowed, they cost no allocation.
    pub headers: Vec<(&'static str, Cow<'static, str>)>,
    /// The whole body.
    pub body: Bytes,
}

impl HttpResponse {
    /// A response with `status`, one `Content-Type` header and `body`.
    pub fn new(
        status: u16,
        content_type: impl Into<Cow<'static, str>>,
        body: impl Into<Bytes>,
    ) -> HttpResponse {
        // Room for the headers most responses add (cache control, CORS)
        // without growing.
        let mut headers = Vec::with_capacity(4);
        headers.push(("content-type", content_type.into()));
        HttpResponse {
            status,
            headers,
            body: body.into(),
        }
    }

    /// A response with `status`, no headers and an empty body.
    pub fn empty(status: u16) -> HttpResponse {
        HttpResponse {
            status,
            headers: Vec::new(),
            body: Bytes::new(),
        }
    }

    /// The first value of header `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_ref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The obvious definition, to check the byte scan against.
    fn reference<'a>(query: &'a str, key: &str) -> Option<Cow<'a, str>> {
        query.split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (k == key).then(|| percent_decode(v))
        })
    }

    #[test]
    fn finds_params() {
        let q = "EIO=4&transport=polling&t=N8hyd6w&sid=abc%2Bd&flag&j=";
        assert_eq!(query_param(q, "EIO").as_deref(), Some("4"));
        assert_eq!(query_param(q, "sid").as_deref(), Some("abc+d"));
        assert_eq!(query_param(q, "flag").as_deref(), Some(""));
        assert_eq!(query_param(q, "j").as_deref(), Some(""));
        assert_eq!(query_param(q, "nope"), None);
        assert_eq!(query_param("", ""), Some(Cow::Borrowed("")));
    }

    #[test]
    fn from_parts_keeps_what_the_core_needs() {
        let headers: Vec<(&str, &[u8])> = vec![
            ("Host", b"example.com"),
            ("Origin", b"https://app.example"),
            ("User-Agent", b"node"),
            ("Accept-Encoding", b"gzip"),
        ];
        let all = || headers.iter().copied();
        // A handshake keeps every header, names in lower case, and is stamped.
        let mut stamped = 0;
        let req = HttpRequest::from_parts(
            Method::Get,
            "/socket.io/",
            "EIO=4&transport=polling",
            all,
            false,
            |h| {
                stamped += 1;
                h.secure(true);
            },
        );
        assert_eq!(stamped, 1);
        assert_eq!(req.headers().count(), 4);
        assert_eq!(req.header("user-agent"), Some("node"));
        assert!(req.secure());
        // A GET or POST on a session keeps only Origin and Accept-Encoding
        // (and a WebSocket's extensions), and is not stamped.
        for method in [Method::Get, Method::Post] {
            let req = HttpRequest::from_parts(
                method,
                "/socket.io/",
                "EIO=4&transport=polling&sid=abc",
                all,
                false,
                |_| panic!("not stamped"),
            );
            let kept: Vec<_> = req.headers().collect();
            let want = vec![
                ("origin", "https://app.example"),
                ("accept-encoding", "gzip"),
            ];
            assert_eq!(kept, want);
            assert!(!req.secure());
        }
        // So does a WebSocket upgrading a session: the session keeps the
        // head of its handshake.
        let req = HttpRequest::from_parts(
            Method::Get,
            "/socket.io/",
            "EIO=4&transport=websocket&sid=abc",
            all,
            true,
            |_| panic!("not stamped"),
        );
        assert!(req.websocket);
        assert_eq!(req.headers().count(), 2, "an upgrade GET on a session");
    }

    proptest! {
        #[test]
        fn matches_the_reference(query in "[a-z=&%+0-9]{0,30}", key in "[a-z=]{0,2}") {
            prop_assert_eq!(query_param(&query, &key), reference(&query, &key));
        }
    }
}
