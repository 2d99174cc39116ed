//! Just enough HTTP/1.1 for the sticky proxy: a buffered peer that reads
//! one message head and its body as raw bytes (framed by
//! `Content-Length`, `Transfer-Encoding: chunked` or the connection's
//! end), so that a request or response can be relayed unchanged.

use smol::Async;
use smol::io::{AsyncReadExt, AsyncWriteExt};
use std::io;
use std::net::TcpStream;

/// Longest message head accepted (request or status line and headers).
const MAX_HEAD: usize = 64 * 1024;

/// Longest body accepted (Engine.IO's `maxHttpBufferSize` is 1 MB).
const MAX_BODY: usize = 16 << 20;

/// One end of a relayed connection, with the bytes read but not used yet.
pub struct Peer {
    /// The socket.
    pub stream: Async<TcpStream>,
    /// Bytes read past what was consumed (the start of the next message, or
    /// the first bytes of a WebSocket after a `101`).
    pub buf: Vec<u8>,
}

/// A parsed message head; `raw` is what goes on the wire.
pub struct Head {
    /// The head's bytes, the final empty line included.
    pub raw: Vec<u8>,
    /// The first line's three parts (method, target, version for a
    /// request; version, status, reason for a response).
    pub start: [String; 3],
    /// Header names (lowercase) and values.
    headers: Vec<(String, String)>,
}

/// How a body is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// No body.
    Empty,
    /// `Content-Length` bytes.
    Length(usize),
    /// `Transfer-Encoding: chunked`.
    Chunked,
    /// Until the sender closes (a response without length).
    UntilClose,
}

impl Head {
    /// Parses `raw` (ending with the empty line); `None` if malformed.
    fn parse(raw: Vec<u8>) -> Option<Head> {
        let text = std::str::from_utf8(&raw).ok()?;
        let mut lines = text.split("\r\n");
        let mut parts = lines.next()?.splitn(3, ' ');
        let start = [(); 3].map(|()| parts.next().unwrap_or_default().to_owned());
        let headers = lines
            .filter(|l| !l.is_empty())
            .map(|l| {
                let (name, value) = l.split_once(':')?;
                Some((name.trim().to_ascii_lowercase(), value.trim().to_owned()))
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Head {
            raw,
            start,
            headers,
        })
    }

    /// The value of header `name` (lowercase), if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether header `name` holds `token` (case-insensitive, in a
    /// comma-separated list).
    pub fn has_token(&self, name: &str, token: &str) -> bool {
        self.header(name)
            .is_some_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
    }

    /// The framing of the body that follows a request head.
    pub fn request_framing(&self) -> Framing {
        self.length_framing().unwrap_or(Framing::Empty)
    }

    /// The framing of the body that follows a response head, given the
    /// request's method.
    pub fn response_framing(&self, method: &str) -> Framing {
        let status: u16 = self.start[1].parse().unwrap_or(0);
        if method == "HEAD" || status < 200 || status == 204 || status == 304 {
            return Framing::Empty;
        }
        self.length_framing().unwrap_or(Framing::UntilClose)
    }

    /// The framing the headers state, if they state one.
    fn length_framing(&self) -> Option<Framing> {
        if self.has_token("transfer-encoding", "chunked") {
            return Some(Framing::Chunked);
        }
        let length = self.header("content-length")?.parse().ok()?;
        Some(Framing::Length(length))
    }

    /// Whether either side asks to close after this message.
    pub fn wants_close(&self) -> bool {
        self.has_token("connection", "close")
    }
}

impl Peer {
    /// A peer on `stream` with nothing read yet.
    pub fn new(stream: Async<TcpStream>) -> Peer {
        Peer {
            stream,
            buf: Vec::new(),
        }
    }

    /// Reads more bytes into the buffer; `false` at the end of the stream.
    async fn fill(&mut self) -> io::Result<bool> {
        let mut chunk = [0u8; 8192];
        let n = (&self.stream).read(&mut chunk).await?;
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(n > 0)
    }

    /// Reads the next message head. `Ok(None)` when the peer closed
    /// cleanly between messages; an error for a malformed or cut head.
    pub async fn read_head(&mut self) -> io::Result<Option<Head>> {
        loop {
            if let Some(end) = find(&self.buf, b"\r\n\r\n") {
                let raw: Vec<u8> = self.buf.drain(..end + 4).collect();
                return Head::parse(raw)
                    .map(Some)
                    .ok_or_else(|| bad("malformed message head"));
            }
            if self.buf.len() > MAX_HEAD {
                return Err(bad("message head too long"));
            }
            if !self.fill().await? {
                return if self.buf.is_empty() {
                    Ok(None)
                } else {
                    Err(bad("connection closed inside a message head"))
                };
            }
        }
    }

    /// Reads a body framed by `framing`, as raw bytes (chunk framing kept).
    pub async fn read_body(&mut self, framing: Framing) -> io::Result<Vec<u8>> {
        match framing {
            Framing::Empty => Ok(Vec::new()),
            Framing::Length(n) => self.take(n).await,
            Framing::UntilClose => {
                while self.fill().await? {
                    if self.buf.len() > MAX_BODY {
                        return Err(bad("body too long"));
                    }
                }
                Ok(std::mem::take(&mut self.buf))
            }
            Framing::Chunked => {
                let mut body = Vec::new();
                loop {
                    let line = self.take_line().await?;
                    let size = std::str::from_utf8(&line)
                        .ok()
                        .and_then(|l| l.trim().split(';').next())
                        .and_then(|hex| usize::from_str_radix(hex.trim(), 16).ok())
                        .ok_or_else(|| bad("bad chunk size"))?;
                    body.extend_from_slice(&line);
                    if size == 0 {
                        // Trailers, up to the empty line.
                        loop {
                            let trailer = self.take_line().await?;
                            body.extend_from_slice(&trailer);
                            if trailer == b"\r\n" {
                                return Ok(body);
                            }
                        }
                    }
                    if body.len() + size > MAX_BODY {
                        return Err(bad("body too long"));
                    }
                    body.extend(self.take(size + 2).await?);
                }
            }
        }
    }

    /// Takes exactly `n` bytes.
    async fn take(&mut self, n: usize) -> io::Result<Vec<u8>> {
        if n > MAX_BODY {
            return Err(bad("body too long"));
        }
        while self.buf.len() < n {
            if !self.fill().await? {
                return Err(bad("connection closed inside a body"));
            }
        }
        Ok(self.buf.drain(..n).collect())
    }

    /// Takes one line, its `\r\n` included.
    async fn take_line(&mut self) -> io::Result<Vec<u8>> {
        loop {
            if let Some(end) = find(&self.buf, b"\r\n") {
                return Ok(self.buf.drain(..end + 2).collect());
            }
            if self.buf.len() > MAX_HEAD || !self.fill().await? {
                return Err(bad("bad chunk line"));
            }
        }
    }

    /// Writes all of `parts`.
    pub async fn write(&self, parts: &[&[u8]]) -> io::Result<()> {
        let mut stream = &self.stream;
        for part in parts {
            stream.write_all(part).await?;
        }
        stream.flush().await
    }

    /// Whether the other side has closed (or broken) this idle connection:
    /// a non-blocking peek that finds the end of the stream or an error.
    pub fn closed_while_idle(&self) -> bool {
        let mut byte = [0u8; 1];
        match self.stream.get_ref().peek(&mut byte) {
            Ok(0) => true,
            Ok(_) => false,
            Err(e) => e.kind() != io::ErrorKind::WouldBlock,
        }
    }
}

/// The position of `needle` in `hay`.
fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// An `InvalidData` error.
fn bad(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what)
}

/// The value of query parameter `name` in a request target
/// (`/socket.io/?EIO=4&transport=polling&sid=abc` → `sid` = `abc`), not
/// percent-decoded (Engine.IO ids are URL-safe).
pub fn query_param<'a>(target: &'a str, name: &str) -> Option<&'a str> {
    let (_, query) = target.split_once('?')?;
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The Engine.IO session id in a polling handshake body: the `sid` of its
/// open packet (`0{"sid":"...",...}`, first in the payload). The body is
/// searched as raw bytes, so chunk framing around it does not matter.
pub fn handshake_sid(body: &[u8]) -> Option<String> {
    const KEY: &[u8] = b"\"sid\":\"";
    let open = find(body, b"0{")?;
    let start = open + find(&body[open..], KEY)? + KEY.len();
    let len = body[start..].iter().position(|&b| b == b'"')?;
    String::from_utf8(body[start..start + len].to_vec()).ok()
}
