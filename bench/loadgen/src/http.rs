//! A small HTTP/1.1 client for long-polling: one keep-alive connection,
//! one request at a time, responses framed by `Content-Length`.
//!
//! Bounded: a response head of at most [`MAX_HEAD`] bytes and 32 headers,
//! a body of at most [`MAX_BODY`]. A chunked or unframed response is
//! reported as an error (Engine.IO servers send a length).

use crate::Result;
use crate::conn::Conn;
use crate::ws::clip;
use futures_lite::io::{AsyncReadExt, AsyncWriteExt};
use std::fmt::Write;
use std::net::SocketAddr;

/// Longest response head accepted.
const MAX_HEAD: usize = 16 * 1024;
/// Largest response body accepted: Engine.IO's default `maxPayload` (1 MB)
/// with room to spare.
const MAX_BODY: usize = 2 << 20;
/// Initial read buffer; it grows (up to head + body limits) for larger responses.
const INITIAL_BUF: usize = 4 * 1024;

/// One keep-alive HTTP/1.1 connection.
pub struct Http {
    addr: SocketAddr,
    host: String,
    /// `None` after the server said `Connection: close`: the next request reconnects.
    conn: Option<Conn>,
    buf: Vec<u8>,
    /// Bytes of `buf` read from the connection.
    filled: usize,
    /// Bytes at the front of `buf` that belong to the last response.
    consumed: usize,
    req: Vec<u8>,
    /// `Accept-Encoding` sent with GETs (none if empty); a compressed
    /// response is inflated into `inflated`.
    pub accept_encoding: std::rc::Rc<str>,
    inflated: String,
}

/// Where a complete response's parts are in the read buffer.
struct Framed {
    status: u16,
    body: std::ops::Range<usize>,
    close: bool,
    /// `Content-Encoding`: `Some(true)` gzip, `Some(false)` deflate.
    encoding: Option<bool>,
}

impl Http {
    /// Connects to `addr`; `host` is sent as the `Host` header.
    pub async fn open(addr: SocketAddr, host: &str) -> Result<Http> {
        Ok(Http {
            addr,
            host: host.to_string(),
            conn: Some(Conn::connect(addr).await?),
            buf: vec![0; INITIAL_BUF],
            filled: 0,
            consumed: 0,
            req: Vec::with_capacity(256),
            accept_encoding: "".into(),
            inflated: String::new(),
        })
    }

    /// Sends a request (a `POST` when `body` is `Some`) and returns the
    /// body of its 2xx response; other statuses are errors. After an error
    /// the connection is dropped (the next request opens a new one).
    pub async fn request(&mut self, method: &str, path: &str, body: Option<&[u8]>) -> Result<&str> {
        // The previous response is no longer borrowed: drop it.
        self.buf.copy_within(self.consumed..self.filled, 0);
        self.filled -= self.consumed;
        self.consumed = 0;
        self.req.clear();
        // Writing to a Vec cannot fail.
        let _ = write!(
            Buf(&mut self.req),
            "{method} {path} HTTP/1.1\r\nHost: {}\r\n",
            self.host
        );
        if let Some(body) = body {
            let _ = write!(
                Buf(&mut self.req),
                "Content-Type: text/plain;charset=UTF-8\r\nContent-Length: {}\r\n\r\n",
                body.len()
            );
            self.req.extend_from_slice(body);
        } else {
            if !self.accept_encoding.is_empty() {
                let _ = write!(
                    Buf(&mut self.req),
                    "Accept-Encoding: {}\r\n",
                    self.accept_encoding
                );
            }
            self.req.extend_from_slice(b"\r\n");
        }
        let mut conn = match self.conn.take() {
            Some(c) => c,
            None => {
                self.filled = 0;
                Conn::connect(self.addr).await?
            }
        };
        conn.write_all(&self.req).await?;
        let framed = loop {
            if let Some(f) = frame(&self.buf[..self.filled])? {
                if f.body.end <= self.filled {
                    break f;
                }
                if f.body.end > self.buf.len() {
                    self.buf.resize(f.body.end, 0);
                }
            } else if self.filled == self.buf.len() {
                if self.buf.len() >= MAX_HEAD {
                    return Err("response head too large".into());
                }
                self.buf.resize(self.buf.len() * 2, 0);
            }
            match conn.read(&mut self.buf[self.filled..]).await? {
                0 => return Err("connection closed by the server".into()),
                n => self.filled += n,
            }
        };
        if !framed.close {
            self.conn = Some(conn);
        }
        self.consumed = framed.body.end;
        let body = &self.buf[framed.body];
        let text = match framed.encoding {
            None => std::str::from_utf8(body).map_err(|_| "response body is not UTF-8")?,
            Some(gzip) => {
                use std::io::Read;
                self.inflated.clear();
                let limited = |r: &mut dyn Read, out: &mut String| {
                    r.take(MAX_BODY as u64).read_to_string(out)
                };
                let read = if gzip {
                    limited(&mut flate2::read::GzDecoder::new(body), &mut self.inflated)
                } else {
                    limited(
                        &mut flate2::read::ZlibDecoder::new(body),
                        &mut self.inflated,
                    )
                };
                read.map_err(|e| format!("bad compressed body: {e}"))?;
                &self.inflated
            }
        };
        if !(200..300).contains(&framed.status) {
            let first_line = text.lines().next().unwrap_or("");
            return Err(format!("HTTP {}: {}", framed.status, clip(first_line)).into());
        }
        Ok(text)
    }
}

/// `fmt::Write` into a byte vector.
struct Buf<'a>(&'a mut Vec<u8>);

impl Write for Buf<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

/// Parses a response head at the start of `data`: `None` while incomplete.
fn frame(data: &[u8]) -> Result<Option<Framed>> {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut res = httparse::Response::new(&mut headers);
    let head_len = match res.parse(data) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(e) => return Err(format!("bad response head: {e}").into()),
    };
    let mut length = None;
    let mut close = false;
    let mut encoding = None;
    for h in res.headers.iter() {
        if h.name.eq_ignore_ascii_case("content-length") {
            let n = std::str::from_utf8(h.value)
                .ok()
                .and_then(|v| v.trim().parse::<usize>().ok())
                .ok_or("bad Content-Length")?;
            if n > MAX_BODY {
                return Err(format!("response body of {n} bytes is over the limit").into());
            }
            length = Some(n);
        } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
            return Err("chunked responses are not supported".into());
        } else if h.name.eq_ignore_ascii_case("content-encoding") {
            encoding = match h.value {
                b"gzip" => Some(true),
                b"deflate" => Some(false),
                _ => return Err("unknown Content-Encoding".into()),
            };
        } else if h.name.eq_ignore_ascii_case("connection") {
            close = h.value.eq_ignore_ascii_case(b"close");
        }
    }
    let status = res.code.unwrap_or(0);
    let length = match (length, status) {
        (Some(n), _) => n,
        (None, 204 | 304) | (None, 100..=199) => 0,
        (None, _) => return Err(format!("HTTP {status} response without Content-Length").into()),
    };
    Ok(Some(Framed {
        status,
        body: head_len..head_len + length,
        close: close || res.version == Some(0),
        encoding,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_responses() {
        assert!(frame(b"HTTP/1.1 200 OK\r\nContent-Le").unwrap().is_none());
        let r = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok";
        let f = frame(r).unwrap().unwrap();
        assert_eq!(
            (f.status, &r[f.body.clone()], f.close),
            (200, &b"ok"[..], false)
        );
        let f =
            frame(b"HTTP/1.1 400 Bad Request\r\nconnection: Close\r\ncontent-length: 0\r\n\r\n")
                .unwrap()
                .unwrap();
        assert_eq!((f.status, f.body.len(), f.close), (400, 0, true));
        assert!(frame(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n").is_err());
        assert!(frame(b"HTTP/1.1 200 OK\r\n\r\n").is_err());
        assert!(frame(b"HTTP/1.1 200 OK\r\nContent-Length: 99999999\r\n\r\n").is_err());
        assert!(frame(b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n").is_err());
        assert!(frame(b"garbage\r\n\r\n").is_err());
    }
}
