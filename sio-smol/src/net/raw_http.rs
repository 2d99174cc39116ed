//! The engine's plainest requests, served without hyper.
//!
//! A connection's requests are read and parsed here (httparse, as hyper
//! does) while they are the two kinds nearly every Socket.IO request is:
//! a WebSocket upgrade, and a long-polling `GET` or `POST` with a small
//! `Content-Length` body. Those are answered directly (hyper would build a
//! header map, a body channel and, for an upgrade, an upgrade channel per
//! request). At the first request that is anything else (another method,
//! HTTP/1.0, chunked or large bodies, `Expect`, a partial head longer than
//! the first read, more than [`MAX_HEADERS`] headers, a path no engine
//! serves, a parse error), the connection goes to hyper with the bytes
//! read so far (see [`super::SmolIo::with_prefix`]), so hyper still
//! answers everything unusual, errors included.

use async_tungstenite::tungstenite::handshake::derive_accept_key;
use hyper::StatusCode;
use sio_core::http::push_decimal;

use super::ws::{asks_websocket, has_token};

/// Most headers of a request served here; one with more goes to hyper.
pub const MAX_HEADERS: usize = 32;

/// Largest body of a request served here; a larger one goes to hyper.
pub const MAX_BODY: usize = 64 * 1024;

/// The methods served here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RawMethod {
    /// `GET` (a long-poll, or a WebSocket upgrade).
    Get,
    /// `POST` (packets for a polling session).
    Post,
}

/// What a request is, beyond its head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RawKind<'b> {
    /// A WebSocket upgrade request (`GET`, no body) with its
    /// `Sec-WebSocket-Key`.
    Upgrade {
        /// `Sec-WebSocket-Key`.
        key: &'b [u8],
    },
    /// Any other request: its body follows the head.
    Plain {
        /// `Content-Length` (0 without one), at most [`MAX_BODY`].
        content_length: usize,
        /// `Connection: close`: the connection ends after the response.
        close: bool,
    },
}

/// A complete request head served here, borrowed from the bytes read.
#[derive(Debug)]
pub struct RawHead<'h, 'b> {
    /// `GET` or `POST`.
    pub method: RawMethod,
    /// The path, without the query.
    pub path: &'b str,
    /// The query string without its `?` (empty if none).
    pub query: &'b str,
    /// Every header, names as sent.
    pub headers: &'h [httparse::Header<'b>],
    /// Length of the head: the body (or WebSocket frames) start there.
    pub len: usize,
    /// Upgrade or plain request.
    pub kind: RawKind<'b>,
}

/// What the bytes at the start of a buffer are.
#[derive(Debug)]
pub enum Parsed<'h, 'b> {
    /// A whole head served here.
    Head(RawHead<'h, 'b>),
    /// The start of a head: read more.
    Partial,
    /// Something for hyper.
    Other,
}

impl<'h, 'b> RawHead<'h, 'b> {
    /// Parses the request head at the start of `buf` (see the module
    /// documentation for what is served here).
    pub fn parse(buf: &'b [u8], headers: &'h mut [httparse::Header<'b>]) -> Parsed<'h, 'b> {
        let mut req = httparse::Request::new(headers);
        let len = match req.parse(buf) {
            Ok(httparse::Status::Complete(len)) => len,
            Ok(httparse::Status::Partial) => return Parsed::Partial,
            Err(_) => return Parsed::Other,
        };
        let httparse::Request {
            method,
            path: target,
            version,
            headers,
        } = req;
        let headers: &'h [httparse::Header<'b>] = headers;
        match Self::classify(method, target, version, headers, len) {
            Some(head) => Parsed::Head(head),
            None => Parsed::Other,
        }
    }

    fn classify(
        method: Option<&'b str>,
        target: Option<&'b str>,
        version: Option<u8>,
        headers: &'h [httparse::Header<'b>],
        len: usize,
    ) -> Option<RawHead<'h, 'b>> {
        let method = match method? {
            "GET" => RawMethod::Get,
            "POST" => RawMethod::Post,
            _ => return None,
        };
        let target = target.filter(|t| t.starts_with('/'))?;
        if version != Some(1) {
            return None;
        }
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let values = |name: &'static str| {
            headers
                .iter()
                .filter(move |h| h.name.eq_ignore_ascii_case(name))
                .map(|h| h.value)
        };
        if values("transfer-encoding").next().is_some() || values("expect").next().is_some() {
            return None;
        }
        let mut lengths = values("content-length");
        let content_length = match (lengths.next(), lengths.next()) {
            (None, _) => 0,
            (Some(v), None) => parse_length(v).filter(|n| *n <= MAX_BODY)?,
            (Some(_), Some(_)) => return None,
        };
        let upgrade = values("upgrade").next().is_some();
        let kind = if upgrade || has_token(values("connection"), "upgrade") {
            let key = values("sec-websocket-key").next()?;
            // The same test as hyper's path (`is_upgrade_request`).
            let websocket =
                method == RawMethod::Get && content_length == 0 && asks_websocket(values);
            if !websocket {
                return None;
            }
            RawKind::Upgrade { key }
        } else {
            RawKind::Plain {
                content_length,
                close: has_token(values("connection"), "close"),
            }
        };
        Some(RawHead {
            method,
            path,
            query,
            headers,
            len,
            kind,
        })
    }
}

/// A `Content-Length` value: decimal digits only.
fn parse_length(v: &[u8]) -> Option<usize> {
    if v.is_empty() || v.len() > 12 || !v.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(v).ok()?.parse().ok()
}

/// The `101 Switching Protocols` head accepting `key`, with `extra`
/// headers (those with a name or value that cannot be sent are left out).
pub fn switching_protocols<'a>(
    key: &[u8],
    extra: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(160);
    out.extend_from_slice(
        b"HTTP/1.1 101 Switching Protocols\r\nconnection: Upgrade\r\nupgrade: websocket\r\nsec-websocket-accept: ",
    );
    out.extend_from_slice(derive_accept_key(key).as_bytes());
    out.extend_from_slice(b"\r\n");
    write_headers(&mut out, extra);
    out.extend_from_slice(b"\r\n");
    out
}

/// A whole response: `body` with its length, and `connection: close` when
/// the connection ends after it (`close`).
pub fn response<'a>(
    status: u16,
    headers: impl IntoIterator<Item = (&'a str, &'a str)> + Clone,
    body: &[u8],
    close: bool,
) -> Vec<u8> {
    let reason = StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("");
    let header_bytes: usize = headers
        .clone()
        .into_iter()
        .map(|(n, v)| n.len() + v.len() + 4)
        .sum();
    let mut out = Vec::with_capacity(80 + reason.len() + header_bytes + body.len());
    // Without the formatter: every long-poll and POST writes one.
    out.extend_from_slice(b"HTTP/1.1 ");
    push_decimal(&mut out, u64::from(status));
    out.push(b' ');
    out.extend_from_slice(reason.as_bytes());
    out.extend_from_slice(b"\r\n");
    // The length and the connection's fate are this function's to say.
    write_headers(
        &mut out,
        headers.into_iter().filter(|(name, _)| {
            !name.eq_ignore_ascii_case("content-length") && !name.eq_ignore_ascii_case("connection")
        }),
    );
    out.extend_from_slice(b"content-length: ");
    push_decimal(&mut out, body.len() as u64);
    out.extend_from_slice(b"\r\n");
    if close {
        out.extend_from_slice(b"connection: close\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    out
}

/// Appends `name: value` lines, leaving out the headers that cannot be
/// sent as they are (a name that is not a token, a value with a control
/// character: no header can smuggle a line break into the response).
fn write_headers<'a>(out: &mut Vec<u8>, headers: impl IntoIterator<Item = (&'a str, &'a str)>) {
    for (name, value) in headers {
        if !is_token(name) || !is_value(value) {
            tracing::debug!(name, "header left out of a response: not sendable");
            continue;
        }
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
}

/// An HTTP token (RFC 9110 `tchar`s), as a header name must be.
fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// A header value hyper would send: tabs and visible bytes only.
fn is_value(s: &str) -> bool {
    s.bytes().all(|b| b == b'\t' || (b >= 0x20 && b != 0x7f))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The kind, path, query and head length of `req` when served here.
    fn parse(req: &[u8]) -> Option<(String, String, String, usize)> {
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        match RawHead::parse(req, &mut headers) {
            Parsed::Head(h) => Some((
                format!("{:?} {:?}", h.method, h.kind),
                h.path.to_owned(),
                h.query.to_owned(),
                h.len,
            )),
            _ => None,
        }
    }

    const UPGRADE: &[u8] = b"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\n\
Connection: keep-alive, Upgrade\r\nUpgrade: WebSocket\r\nSec-WebSocket-Version: 13\r\n\
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";

    const POST: &[u8] = b"POST /socket.io/?EIO=4&transport=polling&sid=x HTTP/1.1\r\nHost: x\r\n\
Content-Length: 5\r\n\r\n";

    #[test]
    fn takes_a_complete_upgrade_request() {
        let (kind, path, query, len) = parse(UPGRADE).expect("an upgrade");
        assert!(kind.starts_with("Get Upgrade"), "{kind}");
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let Parsed::Head(head) = RawHead::parse(UPGRADE, &mut headers) else {
            panic!("not served here");
        };
        assert_eq!(
            head.kind,
            RawKind::Upgrade {
                key: b"dGhlIHNhbXBsZSBub25jZQ=="
            }
        );
        assert_eq!(path, "/socket.io/");
        assert_eq!(query, "EIO=4&transport=websocket");
        assert_eq!(len, UPGRADE.len());
        // Frames sent with the head are not part of it.
        let mut more = UPGRADE.to_vec();
        more.extend_from_slice(b"\x81\x02hi");
        assert_eq!(parse(&more).map(|p| p.3), Some(UPGRADE.len()));
    }

    #[test]
    fn takes_plain_gets_and_posts() {
        let (kind, _, query, len) = parse(POST).expect("a post");
        assert_eq!(kind, "Post Plain { content_length: 5, close: false }");
        assert_eq!(query, "EIO=4&transport=polling&sid=x");
        assert_eq!(len, POST.len());
        let get = b"GET /socket.io/ HTTP/1.1\r\nConnection: Close\r\n\r\n";
        let (kind, path, query, _) = parse(get).expect("a get");
        assert_eq!(kind, "Get Plain { content_length: 0, close: true }");
        assert_eq!((path.as_str(), query.as_str()), ("/socket.io/", ""));
    }

    #[test]
    fn a_partial_head_asks_for_more() {
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        assert!(matches!(
            RawHead::parse(&POST[..POST.len() - 2], &mut headers),
            Parsed::Partial
        ));
    }

    #[test]
    fn leaves_everything_else_to_hyper() {
        let upgrade = String::from_utf8(UPGRADE.to_vec()).unwrap();
        let post = String::from_utf8(POST.to_vec()).unwrap();
        let cases = [
            upgrade.replace("GET", "POST"),          // upgrade by POST
            upgrade.replace("HTTP/1.1", "HTTP/1.0"), // not 1.1
            upgrade.replace("Upgrade: WebSocket", "Upgrade: h2c"), // not websocket
            upgrade.replace("Version: 13", "Version: 8"), // old version
            upgrade.replace("Sec-WebSocket-Key", "X-Key"), // no key
            upgrade.replace("Host: x", "Content-Length: 1"), // a body
            upgrade.replace("GET /", "GET http://x/"), // absolute form
            upgrade.replace("Host: x\r\n", &"A: b\r\n".repeat(40)), // many headers
            post.replace("POST", "PUT"),             // another method
            post.replace("Content-Length: 5", "Transfer-Encoding: chunked"),
            post.replace(
                "Content-Length: 5",
                "Content-Length: 5\r\nContent-Length: 5",
            ),
            post.replace("Content-Length: 5", "Content-Length: +5"),
            post.replace("Content-Length: 5", "Content-Length: 99999999"),
            post.replace("Host: x", "Expect: 100-continue"),
            "GET / HTTP/1.1\r\nBad Header\r\n\r\n".to_owned(), // not HTTP
        ];
        for case in cases {
            assert_eq!(parse(case.as_bytes()), None, "{case:?}");
        }
    }

    #[test]
    fn switching_protocols_accepts_the_key() {
        let head = switching_protocols(b"dGhlIHNhbXBsZSBub25jZQ==", [("set-cookie", "io=x")]);
        let text = String::from_utf8(head).unwrap();
        assert!(text.starts_with("HTTP/1.1 101 Switching Protocols\r\n"));
        // RFC 6455's example key and answer.
        assert!(text.contains("sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"));
        assert!(text.ends_with("set-cookie: io=x\r\n\r\n"));
    }

    #[test]
    fn a_response_has_its_length_and_no_bad_header() {
        let headers = [
            ("content-type", "application/json"),
            ("content-length", "999"),
            ("x-evil", "a\r\nb: c"),
        ];
        let res = response(400, headers, b"{}", true);
        assert_eq!(
            String::from_utf8(res).unwrap(),
            "HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\n\
content-length: 2\r\nconnection: close\r\n\r\n{}"
        );
        let res = response(200, [], b"ok", false);
        assert_eq!(
            String::from_utf8(res).unwrap(),
            "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"
        );
        let body = vec![b'x'; 12345];
        let res = response(413, [], &body, false);
        assert!(
            res.starts_with(b"HTTP/1.1 413 Payload Too Large\r\ncontent-length: 12345\r\n\r\nxx")
        );
    }
}
