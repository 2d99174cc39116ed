//! A raw HTTP/1.1 and WebSocket client on std sockets, for tests that must
//! send what no well-behaved client would.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

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
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\nContent-Type: text/plain;charset=UTF-8\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
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
