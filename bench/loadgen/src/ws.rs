//! A Socket.IO v5 client over the Engine.IO v4 WebSocket transport, just
//! what the scenarios need.
//!
//! Each text frame is one Engine.IO packet: a type digit then its data
//! (`0{..}` open, `1` close, `2` ping from the server, `3` pong, `4..`
//! message). A Socket.IO packet rides in a message: `40` connect, `44`
//! connect error, `42<id>[event,..]` event, `43<id>[..]` ack. With
//! `--parser msgpack` the Socket.IO packets travel as binary msgpack frames
//! ([`crate::msgpack`]); the scenarios still see the text form.

use crate::conn::Conn;
use crate::{Executor, Result};
use async_tungstenite::WebSocketStream;
use async_tungstenite::tungstenite::protocol::WebSocketConfig;
use async_tungstenite::tungstenite::{Message, Utf8Bytes};
use futures_lite::{StreamExt, future};
use std::cell::{Cell, RefCell};
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Duration;

/// Limit on opening a connection (TCP, upgrade, Engine.IO open, Socket.IO connect).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest message or frame accepted from the server: the Engine.IO default
/// `maxPayload` (1 MB) with room to spare.
const MAX_MESSAGE: usize = 2 << 20;
/// tungstenite's read buffer: it is zero-filled before reads, so small is
/// cheap; larger frames still arrive whole (up to [`MAX_MESSAGE`]).
const READ_BUFFER: usize = 4 * 1024;

/// A connected Socket.IO client on namespace `/`.
pub struct SioWs {
    ws: WebSocketStream<Conn>,
}

impl SioWs {
    /// Opens a WebSocket directly (no polling first), reads the Engine.IO
    /// open packet, joins namespace `/` and waits for its `40` answer.
    pub async fn connect(addr: SocketAddr, host: &str) -> Result<SioWs> {
        let timeout = async {
            smol::Timer::after(CONNECT_TIMEOUT).await;
            Err("connect timed out".into())
        };
        future::or(Self::handshake(addr, host), timeout).await
    }

    async fn handshake(addr: SocketAddr, host: &str) -> Result<SioWs> {
        let tcp = Conn::connect(addr).await?;
        let config = WebSocketConfig::default()
            .read_buffer_size(READ_BUFFER)
            .max_message_size(Some(MAX_MESSAGE))
            .max_frame_size(Some(MAX_MESSAGE));
        let url = format!("ws://{host}/socket.io/?EIO=4&transport=websocket");
        let (ws, _) = async_tungstenite::client_async_with_config(url, tcp, Some(config)).await?;
        let mut s = SioWs { ws };
        match s.ws.next().await {
            Some(Ok(Message::Text(t))) if t.starts_with('0') => {}
            Some(Ok(other)) => {
                return Err(format!("expected the open packet, got {}", short(&other)).into());
            }
            Some(Err(e)) => return Err(e.into()),
            None => return Err("closed before the open packet".into()),
        }
        s.send("40").await?;
        loop {
            let p = s.recv().await?;
            if p.starts_with("40") {
                return Ok(s);
            }
            if p.starts_with("44") {
                return Err(format!("connect error: {}", clip(&p)).into());
            }
        }
    }

    /// Sends one text frame; with `--parser msgpack` a Socket.IO packet
    /// (`4...`) goes as one binary frame in the msgpack form instead.
    pub async fn send(&mut self, text: impl Into<Utf8Bytes>) -> Result<()> {
        let text = text.into();
        if crate::msgpack::msgpack()
            && let Some(sio) = text.strip_prefix('4')
        {
            let bytes = crate::msgpack::encode(sio)?;
            return Ok(self.ws.send(Message::Binary(bytes.into())).await?);
        }
        Ok(self.ws.send(Message::Text(text)).await?)
    }

    /// The next Engine.IO message (`4..`); pings are answered on the way,
    /// noops and non-text frames skipped.
    pub async fn recv(&mut self) -> Result<Utf8Bytes> {
        loop {
            match self.ws.next().await {
                Some(Ok(Message::Text(t))) => match t.as_bytes().first() {
                    Some(b'4') => return Ok(t),
                    Some(b'2') => self.send("3").await?,
                    Some(b'1') => return Err("the server closed the session".into()),
                    _ => {}
                },
                Some(Ok(Message::Binary(b))) if crate::msgpack::msgpack() => {
                    return Ok(crate::msgpack::decode(&b)?.into());
                }
                Some(Ok(Message::Close(_))) | None => return Err("websocket closed".into()),
                // tungstenite answers WebSocket pings itself
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(e.into()),
            }
        }
    }
}

/// At most 80 characters of a server's text, for error messages.
pub fn clip(s: &str) -> String {
    s.chars().take(80).collect()
}

fn short(m: &Message) -> String {
    match m {
        Message::Text(t) => clip(t),
        other => format!("a {} byte non-text frame", other.len()),
    }
}

/// Opens `n` connections with at most `inflight` handshakes under way (a
/// sliding window: the server's accept backlog, 128 for a default Rust
/// listener, should not overflow) and hands each result to `done` as it
/// comes, with its index.
pub async fn connect_window(
    ex: &Executor,
    addr: SocketAddr,
    host: Rc<str>,
    n: usize,
    inflight: usize,
    done: impl FnMut(usize, Result<SioWs>) + 'static,
) {
    let next = Rc::new(Cell::new(0usize));
    let done = Rc::new(RefCell::new(done));
    let workers: Vec<_> = (0..inflight.clamp(1, n.max(1)))
        .map(|_| {
            let (next, done, host) = (next.clone(), done.clone(), host.clone());
            ex.spawn(async move {
                loop {
                    let i = next.get();
                    if i >= n {
                        return;
                    }
                    next.set(i + 1);
                    let r = SioWs::connect(addr, &host).await;
                    (done.borrow_mut())(i, r);
                }
            })
        })
        .collect();
    for w in workers {
        w.await;
    }
}

/// [`connect_window`] with a window of 100, collecting the connections in
/// index order; also returns how many failed and the first error.
pub async fn connect_all(
    ex: &Executor,
    addr: SocketAddr,
    host: Rc<str>,
    n: usize,
) -> (Vec<SioWs>, usize, Option<String>) {
    let results: Rc<RefCell<Vec<Option<Result<SioWs>>>>> =
        Rc::new(RefCell::new((0..n).map(|_| None).collect()));
    let slots = results.clone();
    connect_window(ex, addr, host, n, 100, move |i, r| {
        slots.borrow_mut()[i] = Some(r);
    })
    .await;
    let (mut ok, mut failed, mut first_error) = (Vec::with_capacity(n), 0, None);
    for r in results.take().into_iter().flatten() {
        match r {
            Ok(s) => ok.push(s),
            Err(e) => {
                first_error.get_or_insert_with(|| e.to_string());
                failed += 1;
            }
        }
    }
    (ok, failed, first_error)
}
