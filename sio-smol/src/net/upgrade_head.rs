//! WebSocket upgrades without hyper: the first request of a connection is
//! read before hyper gets the connection, and when it is a complete
//! WebSocket upgrade request (how most Socket.IO clients open a
//! connection), it is answered here. hyper would set up its HTTP/1.1
//! machinery (read buffer, header map, upgrade channel) only to hand the
//! connection over after one response. Anything else (a partial head, any
//! other request, more than [`MAX_HEADERS`] headers) goes to hyper with the
//! bytes read ahead (see [`super::SmolIo::with_prefix`]), so hyper still
//! answers every request that is not a plain upgrade, errors included.

use std::borrow::Cow;
use std::io::Write as _;

use async_tungstenite::tungstenite::handshake::derive_accept_key;
use hyper::StatusCode;

use super::ws::has_token;

/// Most headers of a request served here; one with more goes to hyper.
pub const MAX_HEADERS: usize = 32;

/// A complete WebSocket upgrade request, borrowed from the bytes read.
#[derive(Debug)]
pub struct UpgradeHead<'h, 'b> {
    /// The path, without the query.
    pub path: &'b str,
    /// The query string without its `?` (empty if none).
    pub query: &'b str,
    /// Every header, names as sent.
    pub headers: &'h [httparse::Header<'b>],
    /// `Sec-WebSocket-Key`.
    pub key: &'b [u8],
    /// Length of the head: the bytes after it are WebSocket frames.
    pub len: usize,
}

impl<'h, 'b> UpgradeHead<'h, 'b> {
    /// Parses `buf` as a WebSocket upgrade request: a complete head,
    /// `GET` over HTTP/1.1 with an origin-form target, `Connection: upgrade`,
    /// `Upgrade: websocket`, `Sec-WebSocket-Version: 13`, a
    /// `Sec-WebSocket-Key`, and no body. `None` for anything else.
    pub fn parse(
        buf: &'b [u8],
        headers: &'h mut [httparse::Header<'b>],
    ) -> Option<UpgradeHead<'h, 'b>> {
        let mut req = httparse::Request::new(headers);
        let httparse::Status::Complete(len) = req.parse(buf).ok()? else {
            return None;
        };
        let httparse::Request {
            method,
            path: target,
            version,
            headers,
        } = req;
        let target = target.filter(|t| t.starts_with('/'))?;
        if method != Some("GET") || version != Some(1) {
            return None;
        }
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let headers: &'h [httparse::Header<'b>] = headers;
        let values = |name: &'static str| {
            headers
                .iter()
                .filter(move |h| h.name.eq_ignore_ascii_case(name))
                .map(|h| h.value)
        };
        let key = values("sec-websocket-key").next()?;
        let upgrade = has_token(values("connection"), "upgrade")
            && has_token(values("upgrade"), "websocket")
            && values("sec-websocket-version").any(|v| v == b"13")
            && values("content-length").next().is_none()
            && values("transfer-encoding").next().is_none();
        upgrade.then_some(UpgradeHead {
            path,
            query,
            headers,
            key,
            len,
        })
    }
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

/// A whole response after which the connection closes: the answer to an
/// upgrade request the server refused.
pub fn closing_response<'a>(
    status: u16,
    headers: impl IntoIterator<Item = (&'a str, &'a str)>,
    body: &[u8],
) -> Vec<u8> {
    let reason = StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("");
    let mut out = Vec::with_capacity(128 + body.len());
    // Writing to a Vec cannot fail.
    let _ = write!(out, "HTTP/1.1 {status} {reason}\r\n");
    // The length and the connection's fate are this function's to say.
    write_headers(
        &mut out,
        headers.into_iter().filter(|(name, _)| {
            !name.eq_ignore_ascii_case("content-length") && !name.eq_ignore_ascii_case("connection")
        }),
    );
    let _ = write!(out, "content-length: {}\r\n", body.len());
    out.extend_from_slice(b"connection: close\r\n\r\n");
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

/// Header values as text, invalid UTF-8 replaced (as the hyper path does).
pub fn value_text(v: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(req: &[u8]) -> Option<(String, String, usize)> {
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        UpgradeHead::parse(req, &mut headers)
            .map(|h| (h.path.to_owned(), h.query.to_owned(), h.len))
    }

    const UPGRADE: &[u8] = b"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\n\
Connection: keep-alive, Upgrade\r\nUpgrade: WebSocket\r\nSec-WebSocket-Version: 13\r\n\
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";

    #[test]
    fn takes_a_complete_upgrade_request() {
        let (path, query, len) = parse(UPGRADE).expect("an upgrade");
        assert_eq!(path, "/socket.io/");
        assert_eq!(query, "EIO=4&transport=websocket");
        assert_eq!(len, UPGRADE.len());
        // Frames sent with the head are not part of it.
        let mut more = UPGRADE.to_vec();
        more.extend_from_slice(b"\x81\x02hi");
        assert_eq!(parse(&more).map(|p| p.2), Some(UPGRADE.len()));
    }

    #[test]
    fn leaves_everything_else_to_hyper() {
        let text = String::from_utf8(UPGRADE.to_vec()).unwrap();
        let cases = [
            text[..text.len() - 2].to_owned(),                   // partial head
            text.replace("GET", "POST"),                         // not GET
            text.replace("HTTP/1.1", "HTTP/1.0"),                // not 1.1
            text.replace("Upgrade: WebSocket", "Upgrade: h2c"),  // not websocket
            text.replace("keep-alive, Upgrade", "keep-alive"),   // no connection token
            text.replace("Version: 13", "Version: 8"),           // old version
            text.replace("Sec-WebSocket-Key", "X-Key"),          // no key
            text.replace("Host: x", "Content-Length: 0"),        // a body
            text.replace("GET /", "GET http://x/"),              // absolute form
            text.replace("Host: x\r\n", &"A: b\r\n".repeat(40)), // many headers
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
    fn closing_response_has_length_and_close_and_no_bad_header() {
        let res = closing_response(
            400,
            [
                ("content-type", "application/json"),
                ("content-length", "999"),
                ("x-evil", "a\r\nb: c"),
            ],
            b"{}",
        );
        let text = String::from_utf8(res).unwrap();
        assert_eq!(
            text,
            "HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\n\
content-length: 2\r\nconnection: close\r\n\r\n{}"
        );
    }
}
