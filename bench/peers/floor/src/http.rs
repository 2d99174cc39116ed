//! HTTP/1.1 on one accepted connection: a minimal keep-alive loop that
//! serves the long-polling requests and hands a WebSocket upgrade over to
//! [`crate::ws`].

use crate::{Hub, Session, packets, ws};
use async_tungstenite::tungstenite::handshake::derive_accept_key;
use futures_lite::future::poll_fn;
use futures_lite::io::{AsyncReadExt, AsyncWriteExt};
use smol::Async;
use std::net::TcpStream;
use std::task::Poll;

/// Largest request head read.
const MAX_HEAD: usize = 16 * 1024;
/// Largest request body: Engine.IO's `maxPayload`.
pub const MAX_BODY: usize = 1_000_000;
/// First size of a connection's read buffer; it grows for larger requests.
const FIRST_BUF: usize = 1024;

/// What a request asks for.
#[derive(Debug, PartialEq)]
enum Route {
    /// A WebSocket upgrade, with its `Sec-WebSocket-Accept`.
    Upgrade(String),
    /// A polling handshake (a GET without sid).
    Open,
    /// Packets POSTed to a session.
    Post(u64),
    /// A long-poll GET of a session.
    Poll(u64),
    /// Anything else.
    Other,
}

/// A parsed request head.
struct Head {
    route: Route,
    len: usize,
    body: usize,
}

/// Parses the request head at the start of `data`; `Ok(None)` while it is
/// incomplete, `Err` when it cannot be served.
fn parse_head(data: &[u8]) -> Result<Option<Head>, &'static str> {
    let mut headers = [httparse::EMPTY_HEADER; 24];
    let mut req = httparse::Request::new(&mut headers);
    let len = match req.parse(data) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(_) => return Err("400 Bad Request"),
    };
    let (mut body, mut key) = (0, None);
    for h in req.headers.iter() {
        if h.name.eq_ignore_ascii_case("content-length") {
            body = std::str::from_utf8(h.value)
                .ok()
                .and_then(|v| v.trim().parse().ok())
                .ok_or("400 Bad Request")?;
        } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
            return Err("501 Not Implemented");
        } else if h.name.eq_ignore_ascii_case("sec-websocket-key") {
            key = Some(h.value);
        }
    }
    let (mut transport, mut sid) = ("", None);
    let query = req.path.and_then(|p| p.strip_prefix("/socket.io/?"));
    for pair in query.unwrap_or("").split('&') {
        match pair.split_once('=') {
            Some(("transport", t)) => transport = t,
            // An unreadable sid becomes 0, which is never handed out.
            Some(("sid", s)) => sid = Some(u64::from_str_radix(s, 16).unwrap_or(0)),
            _ => {}
        }
    }
    let route = match (req.method, transport, sid, key) {
        (Some("GET"), "websocket", None, Some(key)) => Route::Upgrade(derive_accept_key(key)),
        (Some("GET"), "polling", None, _) => Route::Open,
        (Some("GET"), "polling", Some(sid), _) => Route::Poll(sid),
        (Some("POST"), "polling", Some(sid), _) => Route::Post(sid),
        _ => Route::Other,
    };
    Ok(Some(Head { route, len, body }))
}

/// Writes a whole keep-alive response into `out`.
fn respond(out: &mut Vec<u8>, status: &str, body: &[u8]) {
    out.clear();
    out.extend_from_slice(b"HTTP/1.1 ");
    out.extend_from_slice(status.as_bytes());
    out.extend_from_slice(b"\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Length: ");
    out.extend_from_slice(body.len().to_string().as_bytes());
    out.extend_from_slice(b"\r\n\r\n");
    out.extend_from_slice(body);
}

/// Serves one connection until it closes, fails or becomes a WebSocket.
pub async fn serve(mut io: Async<TcpStream>, hub: &'static Hub) {
    let mut buf = vec![0u8; FIRST_BUF];
    let mut filled = 0;
    let mut out = Vec::new();
    loop {
        let head = loop {
            match parse_head(&buf[..filled]) {
                Ok(Some(head)) => break head,
                Ok(None) => {}
                Err(status) => {
                    respond(&mut out, status, b"");
                    io.write_all(&out).await.ok();
                    return;
                }
            }
            if filled == buf.len() {
                if buf.len() >= MAX_HEAD {
                    return;
                }
                buf.resize(buf.len() * 2, 0);
            }
            match io.read(&mut buf[filled..]).await {
                Ok(0) | Err(_) => return,
                Ok(n) => filled += n,
            }
        };
        if head.body > MAX_BODY {
            respond(&mut out, "413 Payload Too Large", b"");
            io.write_all(&out).await.ok();
            return;
        }
        let end = head.len + head.body;
        if end > buf.len() {
            buf.resize(end, 0);
        }
        while filled < end {
            match io.read(&mut buf[filled..]).await {
                Ok(0) | Err(_) => return,
                Ok(n) => filled += n,
            }
        }
        match head.route {
            Route::Upgrade(accept) => {
                let early = buf[end..filled].to_vec();
                // A task of its own, so that this one's buffers go away.
                hub.ex.spawn(ws::serve(io, accept, early, hub)).detach();
                return;
            }
            Route::Open => {
                let sid = hub.open_session();
                respond(
                    &mut out,
                    "200 OK",
                    packets::open(sid, r#"["websocket"]"#).as_bytes(),
                );
            }
            Route::Post(sid) => match hub.session(sid) {
                Some(s) => {
                    on_post(&buf[head.len..end], &s, sid, hub);
                    respond(&mut out, "200 OK", b"ok");
                }
                None => respond(&mut out, "400 Bad Request", b"unknown sid"),
            },
            Route::Poll(sid) => match hub.session(sid) {
                Some(s) => {
                    // The long poll: wait until there is something to send.
                    poll_fn(|cx| {
                        if s.pending.borrow().is_empty() {
                            s.waiter.set(Some(cx.waker().clone()));
                            Poll::Pending
                        } else {
                            Poll::Ready(())
                        }
                    })
                    .await;
                    let mut pending = s.pending.borrow_mut();
                    respond(&mut out, "200 OK", &pending);
                    pending.clear();
                }
                None => respond(&mut out, "400 Bad Request", b"unknown sid"),
            },
            Route::Other => respond(&mut out, "400 Bad Request", b""),
        }
        if io.write_all(&out).await.is_err() {
            return;
        }
        buf.copy_within(end..filled, 0);
        filled -= end;
    }
}

/// Handles the packets of a POST body (separated by `\x1e`): `40` and echo
/// events are answered in the session's pending packets, `1` ends it.
fn on_post(body: &[u8], s: &Session, sid: u64, hub: &Hub) {
    let Ok(body) = std::str::from_utf8(body) else {
        return;
    };
    let mut replies = String::new();
    for p in body.split('\x1e') {
        let mark = replies.len();
        if mark > 0 {
            replies.push('\x1e');
        }
        let answered = if packets::push_echo_ack(&mut replies, p) {
            true
        } else if p.starts_with("40") {
            replies.push_str(&packets::connected(s.sio_sid));
            true
        } else {
            if p == "1" {
                hub.sessions.borrow_mut().remove(&sid);
            }
            false
        };
        if !answered {
            replies.truncate(mark);
        }
    }
    if replies.is_empty() {
        return;
    }
    let mut pending = s.pending.borrow_mut();
    if !pending.is_empty() {
        pending.push(0x1e);
    }
    pending.extend_from_slice(replies.as_bytes());
    if let Some(w) = s.waiter.take() {
        w.wake();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(req: &str) -> Route {
        parse_head(req.as_bytes()).unwrap().unwrap().route
    }

    #[test]
    fn routes() {
        let upgrade = "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\n\
            Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\
            Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
        assert_eq!(
            route(upgrade),
            Route::Upgrade("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=".into())
        );
        assert_eq!(
            route("GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\n\r\n"),
            Route::Open
        );
        assert_eq!(
            route("GET /socket.io/?EIO=4&transport=polling&sid=1f HTTP/1.1\r\n\r\n"),
            Route::Poll(0x1f)
        );
        let post = "POST /socket.io/?EIO=4&transport=polling&sid=zz HTTP/1.1\r\nContent-Length: 2\r\n\r\n40";
        let head = parse_head(post.as_bytes()).unwrap().unwrap();
        assert_eq!((head.route, head.body), (Route::Post(0), 2));
        assert_eq!(route("GET / HTTP/1.1\r\n\r\n"), Route::Other);
        assert!(parse_head(b"GET / HTTP/1.1\r\nHo").unwrap().is_none());
        assert!(parse_head(b"GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n").is_err());
        assert!(parse_head(b"\x01\x02 nonsense\r\n\r\n").is_err());
    }

    #[test]
    fn post_answers_in_pending() {
        let hub = Hub {
            ex: smol::LocalExecutor::new(),
            last_id: Default::default(),
            outboxes: Default::default(),
            sessions: Default::default(),
        };
        let s = Session {
            sio_sid: 0xab,
            ..Session::default()
        };
        on_post(b"40\x1e3\x1e421[\"echo\",{\"a\":1}]\x1e6", &s, 1, &hub);
        assert_eq!(
            s.pending.borrow().as_slice(),
            b"40{\"sid\":\"ab\"}\x1e431[{\"a\":1}]"
        );
        on_post(b"3", &s, 1, &hub);
        on_post(b"422[\"echo\",2]", &s, 1, &hub);
        assert_eq!(
            s.pending.borrow().as_slice(),
            b"40{\"sid\":\"ab\"}\x1e431[{\"a\":1}]\x1e432[2]"
        );
    }
}
