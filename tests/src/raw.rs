//! A raw HTTP/1.1 and WebSocket client on std sockets, for tests that must
//! send what no well-behaved client would.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// The echo endpoint at `/engine.io/` with the conformance options but
/// the default heartbeat (pings every 25 s, 20 s to answer): raw clients,
/// which do not answer pings by themselves, keep their sessions through a
/// test.
pub fn echo_mux() -> sio_smol::Mux {
    let config = sio_core::engine::EngineConfig {
        ping_interval: Duration::from_secs(25),
        ping_timeout: Duration::from_secs(20),
        ..examples::conformance::engine_config("/engine.io/")
    };
    sio_smol::Mux::new().mount(&examples::echo::engine(config))
}

/// A parsed HTTP response.
#[derive(Debug, Clone)]
pub struct RawResponse {
    /// Status code.
    pub status: u16,
    /// Headers, names in lower case.
    pub headers: Vec<(String, String)>,
    /// Body (the connection is closed after the response).
    pub body: Vec<u8>,
}

impl RawResponse {
    /// The body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The first value of header `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON (panics if it is not).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
}

/// Sends one request (`Connection: close`) and reads the whole response.
pub fn request(addr: SocketAddr, method: &str, path: &str, body: &[u8]) -> RawResponse {
    request_with(addr, method, path, "", body)
}

/// [`request`] with `extra` header lines (each ending in `\r\n`).
pub fn request_with(
    addr: SocketAddr,
    method: &str,
    path: &str,
    extra: &str,
    body: &[u8],
) -> RawResponse {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{extra}Content-Length: {}\r\nContent-Type: text/plain;charset=UTF-8\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    read_response(&mut s)
}

/// Sends only a request head announcing a `content_length` body, and reads
/// the response (for servers that answer from the head, e.g. 413).
pub fn head_only(addr: SocketAddr, method: &str, path: &str, content_length: usize) -> RawResponse {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {content_length}\r\n\r\n"
    );
    s.write_all(head.as_bytes()).unwrap();
    read_response(&mut s)
}

/// Sends a request on a fresh connection and returns the stream before
/// reading anything (to hold a long-poll open).
pub fn send_only(addr: SocketAddr, method: &str, path: &str, body: &[u8]) -> TcpStream {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    s
}

/// Reads a response until the server closes the connection.
pub fn read_response(s: &mut TcpStream) -> RawResponse {
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    parse_response(&buf).unwrap_or_else(|| {
        panic!(
            "no complete HTTP response in {:?}",
            String::from_utf8_lossy(&buf)
        )
    })
}

/// Parses a complete HTTP/1.1 response with a Content-Length body.
pub fn parse_response(buf: &[u8]) -> Option<RawResponse> {
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&buf[..end]).ok()?;
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let mut body = buf[end + 4..].to_vec();
    if let Some(len) = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok())
    {
        body.truncate(len);
    }
    Some(RawResponse {
        status,
        headers,
        body,
    })
}

/// Opens a polling session at `path` (e.g. `/engine.io/`); returns its sid.
pub fn open_polling(addr: SocketAddr, path: &str) -> String {
    let res = request(addr, "GET", &format!("{path}?EIO=4&transport=polling"), b"");
    assert_eq!(res.status, 200, "handshake failed: {}", res.text());
    let text = res.text();
    let json: serde_json::Value =
        serde_json::from_str(text.strip_prefix('0').expect("open packet")).unwrap();
    json["sid"].as_str().unwrap().to_owned()
}

/// POSTs `body` to a polling session and returns the response.
pub fn post(addr: SocketAddr, path: &str, sid: &str, body: &[u8]) -> RawResponse {
    request(
        addr,
        "POST",
        &format!("{path}?EIO=4&transport=polling&sid={sid}"),
        body,
    )
}

/// GETs from a polling session and returns the response.
pub fn poll(addr: SocketAddr, path: &str, sid: &str) -> RawResponse {
    request(
        addr,
        "GET",
        &format!("{path}?EIO=4&transport=polling&sid={sid}"),
        b"",
    )
}

/// Checks a polling echo session still works: POSTs `4<text>` and expects
/// `4<text>` back (possibly after pings, which it answers).
pub fn assert_echo(addr: SocketAddr, path: &str, sid: &str, text: &str) {
    let res = post(addr, path, sid, format!("4{text}").as_bytes());
    assert_eq!(res.status, 200, "post: {}", res.text());
    for _ in 0..5 {
        let res = poll(addr, path, sid);
        assert_eq!(res.status, 200, "poll: {}", res.text());
        let body = res.text();
        if body.split('\x1e').any(|p| p == format!("4{text}")) {
            return;
        }
        if body.split('\x1e').any(|p| p == "2") {
            post(addr, path, sid, b"3");
        }
    }
    panic!("no echo of {text:?}");
}

/// A masked client WebSocket frame (FIN set) with `opcode` and `payload`.
pub fn client_frame(opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mask = [0x12u8, 0x34, 0x56, 0x78];
    let mut f = vec![0x80 | opcode];
    match payload.len() {
        n if n < 126 => f.push(0x80 | n as u8),
        n if n < 65536 => {
            f.push(0x80 | 126);
            f.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            f.push(0x80 | 127);
            f.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    f.extend_from_slice(&mask);
    f.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    f
}

/// Opens a WebSocket session at `path` by hand; returns the stream after
/// the 101 and the open packet frame.
pub fn raw_ws(addr: SocketAddr, path: &str) -> TcpStream {
    let mut s = ws_upgrade(addr, &format!("{path}?EIO=4&transport=websocket"));
    let (op, payload) = read_frame(&mut s).expect("open packet");
    assert_eq!(op, 1);
    assert!(payload.starts_with(b"0{\"sid\""));
    s
}

/// Sends a WebSocket upgrade request for `target` (path and query) and
/// reads the response head; panics unless it is a `101`.
pub fn ws_upgrade(addr: SocketAddr, target: &str) -> TcpStream {
    ws_upgrade_with(addr, target, "").0
}

/// [`ws_upgrade`] with `extra` header lines (each ending in `\r\n`);
/// also returns the response head.
pub fn ws_upgrade_with(addr: SocketAddr, target: &str, extra: &str) -> (TcpStream, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let req = format!(
        "GET {target} HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\n\
         Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n{extra}\r\n"
    );
    s.write_all(req.as_bytes()).unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        s.read_exact(&mut byte).unwrap();
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    assert!(head.starts_with("HTTP/1.1 101"), "{head}");
    (s, head)
}

/// Reads one server frame (unmasked); `None` at EOF.
pub fn read_frame(s: &mut TcpStream) -> Option<(u8, Vec<u8>)> {
    read_frame_head(s).map(|(b0, payload)| (b0 & 0x0f, payload))
}

/// Reads one server frame: its first byte (FIN, RSV1-3, opcode) and its
/// payload; `None` at EOF.
pub fn read_frame_head(s: &mut TcpStream) -> Option<(u8, Vec<u8>)> {
    let mut h = [0u8; 2];
    s.read_exact(&mut h).ok()?;
    let mut len = u64::from(h[1] & 0x7f);
    if len == 126 {
        let mut b = [0u8; 2];
        s.read_exact(&mut b).ok()?;
        len = u64::from(u16::from_be_bytes(b));
    } else if len == 127 {
        let mut b = [0u8; 8];
        s.read_exact(&mut b).ok()?;
        len = u64::from_be_bytes(b);
    }
    let mut payload = vec![0u8; len as usize];
    s.read_exact(&mut payload).ok()?;
    Some((h[0], payload))
}

/// Reads frames until a close frame; returns its code.
pub fn close_code(s: &mut TcpStream) -> u16 {
    while let Some((op, payload)) = read_frame(s) {
        if op == 8 {
            assert!(payload.len() >= 2, "close frame without code");
            return u16::from_be_bytes([payload[0], payload[1]]);
        }
    }
    panic!("connection ended without a close frame");
}

/// Sends one masked text frame.
pub fn ws_send_text(s: &mut TcpStream, text: &str) {
    s.write_all(&client_frame(1, text.as_bytes()))
        .expect("write frame");
}

/// Reads text frames until one that is not an Engine.IO ping (pings are
/// answered with a pong); `None` when the connection ends or a close
/// frame arrives.
pub fn ws_next_text(s: &mut TcpStream) -> Option<String> {
    loop {
        let (op, payload) = read_frame(s)?;
        match op {
            1 if payload == b"2" => ws_send_text(s, "3"),
            1 => return Some(String::from_utf8_lossy(&payload).into_owned()),
            8 => return None,
            _ => {}
        }
    }
}

/// A raw WebSocket Socket.IO client connected to namespace `/` at `path`.
pub fn sio_ws(addr: SocketAddr, path: &str) -> TcpStream {
    let mut s = raw_ws(addr, path);
    ws_send_text(&mut s, "40");
    let reply = ws_next_text(&mut s).expect("CONNECT reply");
    assert!(reply.starts_with("40{\"sid\":"), "CONNECT reply: {reply}");
    s
}
