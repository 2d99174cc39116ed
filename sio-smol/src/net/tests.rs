//! End-to-end tests: a real server on 127.0.0.1 and raw `std` TCP clients.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use async_tungstenite::tungstenite::Message;
use bytes::Bytes;
use futures_lite::StreamExt;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};

use super::*;

/// Largest body accepted by `POST /body`.
const BODY_LIMIT: usize = 16;

/// The test service: `GET /hello`, `POST /body` (echo, limited), and a
/// WebSocket echo on any upgrade request.
async fn handle(mut req: Request<Incoming>) -> Result<Response<Body>, std::convert::Infallible> {
    if is_upgrade_request(&req) {
        let on_upgrade = hyper::upgrade::on(&mut req);
        let res = accept_response(&req);
        smol::spawn(async move {
            let limits = WsLimits {
                max_message_size: 1024,
                inflate: false,
            };
            let mut ws = upgraded_stream(on_upgrade, limits).await.unwrap();
            while let Some(Ok(msg)) = ws.next().await {
                if msg.is_text() || msg.is_binary() {
                    ws.send(msg).await.unwrap();
                }
            }
        })
        .detach();
        return Ok(res);
    }
    let res = match req.uri().path() {
        "/hello" => Response::new(Body::new(Bytes::from_static(b"hello"))),
        "/body" => match read_body_limited(req.into_body(), BODY_LIMIT).await {
            Ok(body) => Response::new(Body::new(body)),
            Err(BodyError::TooLarge) => status(StatusCode::PAYLOAD_TOO_LARGE),
            Err(BodyError::Io(_)) => status(StatusCode::BAD_REQUEST),
        },
        _ => status(StatusCode::NOT_FOUND),
    };
    Ok(res)
}

/// An empty response with `code`.
fn status(code: StatusCode) -> Response<Body> {
    let mut res = Response::new(Body::default());
    *res.status_mut() = code;
    res
}

/// Starts a server on its own thread and returns its address.
fn start_server(header_timeout: Duration) -> SocketAddr {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let ex = smol::LocalExecutor::new();
        smol::block_on(ex.run(async {
            let listener = bind(([127, 0, 0, 1], 0).into()).unwrap();
            tx.send(listener.get_ref().local_addr().unwrap()).unwrap();
            let timeouts = HeadTimeouts::new(header_timeout);
            ex.spawn(timeouts.clone().run()).detach();
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                configure_accepted(stream.get_ref());
                let timeouts = timeouts.clone();
                ex.spawn(
                    async move { serve_connection(stream, service_fn(handle), &timeouts).await },
                )
                .detach();
            }
        }));
    });
    rx.recv().unwrap()
}

/// Connects a blocking client with a read timeout.
fn connect(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
    s
}

/// Sends `request` on a fresh connection and reads until the server closes.
fn roundtrip(addr: SocketAddr, request: &[u8]) -> String {
    let mut s = connect(addr);
    s.write_all(request).unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn plain_get() {
    let addr = start_server(Duration::from_secs(5));
    let res = roundtrip(
        addr,
        b"GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert!(res.starts_with("HTTP/1.1 200 OK\r\n"), "{res}");
    assert!(res.ends_with("\r\n\r\nhello"), "{res}");
}

#[test]
fn pipelined_requests() {
    let addr = start_server(Duration::from_secs(5));
    let res = roundtrip(
        addr,
        b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(res.matches("HTTP/1.1 200 OK\r\n").count(), 2, "{res}");
    assert_eq!(res.matches("hello").count(), 2, "{res}");
}

#[test]
fn body_limit() {
    let addr = start_server(Duration::from_secs(5));
    let ok = roundtrip(
        addr,
        b"POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nabcde",
    );
    assert!(
        ok.starts_with("HTTP/1.1 200 OK\r\n") && ok.ends_with("abcde"),
        "{ok}"
    );
    // Chunked, fitting: two chunks are joined.
    let ok = roundtrip(
        addr,
        b"POST /body HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n\
          3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
    );
    assert!(ok.ends_with("\r\n\r\nabcde"), "{ok}");
    // Declared too large: refused without sending the body.
    let big = roundtrip(
        addr,
        b"POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000000\r\nConnection: close\r\n\r\n",
    );
    assert!(big.starts_with("HTTP/1.1 413 "), "{big}");
    // Chunked, growing past the limit while being read.
    let big = roundtrip(
        addr,
        b"POST /body HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n\
          a\r\n0123456789\r\na\r\n0123456789\r\n0\r\n\r\n",
    );
    assert!(big.starts_with("HTTP/1.1 413 "), "{big}");
}

#[test]
fn header_read_timeout_drops_connection() {
    let addr = start_server(Duration::from_millis(300));
    let mut s = connect(addr);
    let start = Instant::now();
    s.write_all(b"GET /hello HTTP/1.1\r\nHost: x\r\n").unwrap();
    let mut out = Vec::new();
    // EOF (possibly after an error response) or a reset both mean "dropped".
    let _ = s.read_to_end(&mut out);
    let elapsed = start.elapsed();
    assert!(
        elapsed >= Duration::from_millis(250) && elapsed < Duration::from_secs(2),
        "{elapsed:?}"
    );
    assert!(!String::from_utf8_lossy(&out).contains("200 OK"));
}

/// A masked client text frame (payload under 126 bytes).
fn client_frame(payload: &[u8]) -> Vec<u8> {
    let mask = [0x37, 0xfa, 0x21, 0x3d];
    let mut f = vec![0x81, 0x80 | payload.len() as u8];
    f.extend_from_slice(&mask);
    f.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    f
}

#[test]
fn websocket_first_frame_with_upgrade() {
    let addr = start_server(Duration::from_secs(5));
    let mut s = connect(addr);
    let mut req = b"GET /ws HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, Upgrade\r\n\
        Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\
        Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
        .to_vec();
    req.extend(client_frame(b"first"));
    s.write_all(&req).unwrap();

    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = s.read(&mut chunk).unwrap();
        assert!(n > 0, "closed before the 101");
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    assert!(head.starts_with("http/1.1 101 "), "{head}");
    assert!(
        head.contains("sec-websocket-accept: s3pplmbitxaq9kygzzhzrbk+xoo=\r\n"),
        "{head}"
    );

    // The rest of the stream is WebSocket: hand it to a tungstenite client.
    let rest = buf.split_off(head_end);
    let mut ws = async_tungstenite::tungstenite::WebSocket::from_partially_read(
        s,
        rest,
        async_tungstenite::tungstenite::protocol::Role::Client,
        None,
    );
    assert_eq!(ws.read().unwrap(), Message::text("first"));
    ws.send(Message::text("second")).unwrap();
    assert_eq!(ws.read().unwrap(), Message::text("second"));
    // Over the 1 KiB message limit: the server closes the connection.
    ws.send(Message::binary(vec![0u8; 2048])).unwrap();
    assert!(!matches!(ws.read(), Ok(Message::Binary(_))));
}
