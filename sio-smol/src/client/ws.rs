//! The WebSocket transport: opens `ws://` or `wss://` with async-tungstenite
//! (with the configured extra headers), then one task per WebSocket writes
//! what the core sends and reads the server's frames into the core.

use async_tungstenite::WebSocketStream;
use async_tungstenite::tungstenite::Message;
use async_tungstenite::tungstenite::Utf8Bytes;
use async_tungstenite::tungstenite::client::IntoClientRequest;
use async_tungstenite::tungstenite::http::{HeaderName, HeaderValue};
use async_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use async_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};
use bytes::Bytes;
use futures_lite::Stream;
use futures_lite::io::{AsyncRead, AsyncWrite};
use futures_sink::Sink;
use sio_core::ConnId;
use sio_core::client::ClientInput;
use sio_core::engine::WsFrame;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::poll_fn;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker, ready};

use crate::net::io::PollReadable;

use super::dial::{ClientStream, Dialer};

/// What the driver asks of a WebSocket's task.
#[derive(Debug)]
pub(crate) enum WsCmd {
    /// Write this frame.
    Send(WsFrame),
    /// Close with this code (after the frames before it); nothing more is
    /// reported.
    Close(u16),
}

/// The most bytes queued for one WebSocket (16 MiB).
pub(crate) const MAX_QUEUED_BYTES: usize = 16 * 1024 * 1024;

/// What the driver queued for a WebSocket's task (both on the runtime
/// thread: no atomics, no channel).
#[derive(Default)]
struct Cmds {
    queue: RefCell<VecDeque<WsCmd>>,
    /// Bytes of frames queued and not taken yet: over
    /// [`MAX_QUEUED_BYTES`], the server is not reading and the WebSocket
    /// is given up.
    queued: Cell<usize>,
    /// The task's waker while it waits.
    waker: RefCell<Option<Waker>>,
    /// The driver dropped its end.
    dropped: Cell<bool>,
}

impl Cmds {
    fn wake(&self) {
        if let Some(w) = self.waker.borrow_mut().take() {
            w.wake();
        }
    }
}

/// The driver's end of a WebSocket's queue.
pub(crate) struct WsSender(Rc<Cmds>);

/// The task's end of a WebSocket's queue.
pub(crate) struct WsQueue(Rc<Cmds>);

/// A WebSocket's queue.
pub(crate) fn queue() -> (WsSender, WsQueue) {
    let cmds = Rc::new(Cmds::default());
    (WsSender(cmds.clone()), WsQueue(cmds))
}

impl WsSender {
    /// Queues `frame`; false (nothing queued) when that would pass
    /// [`MAX_QUEUED_BYTES`].
    pub fn send(&self, frame: WsFrame) -> bool {
        let len = frame_len(&frame);
        let queued = self.0.queued.get() + len;
        if queued > MAX_QUEUED_BYTES {
            return false;
        }
        self.0.queued.set(queued);
        self.0.queue.borrow_mut().push_back(WsCmd::Send(frame));
        self.0.wake();
        true
    }

    /// Queues a close with `code`, after the frames before it.
    pub fn close(&self, code: u16) {
        self.0.queue.borrow_mut().push_back(WsCmd::Close(code));
        self.0.wake();
    }
}

impl Drop for WsSender {
    fn drop(&mut self) {
        self.0.dropped.set(true);
        self.0.wake();
    }
}

impl WsQueue {
    /// The next command, if one is queued.
    fn take(&self) -> Option<WsCmd> {
        let cmd = self.0.queue.borrow_mut().pop_front();
        if let Some(WsCmd::Send(f)) = &cmd {
            self.0.queued.set(self.0.queued.get() - frame_len(f));
        }
        cmd
    }

    /// Ready with a command, or `None` once the driver is gone; else keeps
    /// the waker.
    fn poll_next(&self, cx: &Context<'_>) -> Poll<Option<WsCmd>> {
        if let Some(cmd) = self.take() {
            return Poll::Ready(Some(cmd));
        }
        if self.0.dropped.get() {
            return Poll::Ready(None);
        }
        let mut waker = self.0.waker.borrow_mut();
        if !waker.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
            *waker = Some(cx.waker().clone());
        }
        Poll::Pending
    }
}

fn frame_len(frame: &WsFrame) -> usize {
    match frame {
        WsFrame::Text(b) | WsFrame::Binary(b) => b.len(),
    }
}

/// A connection that, after a read that would block, reads again only
/// once the reactor saw it readable: the task is woken by its queue too,
/// and each of those polls would otherwise be a `recv` ending in `EAGAIN`.
struct Gated {
    inner: ClientStream,
    read_blocked: bool,
}

impl AsyncRead for Gated {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        if this.read_blocked {
            ready!(this.inner.poll_readable(cx))?;
            this.read_blocked = false;
        }
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Pending => {
                this.read_blocked = true;
                Poll::Pending
            }
            // A read that did not fill the buffer most likely emptied the
            // socket: the next one waits for readiness instead of trying
            // a `recv` that would end in `EAGAIN` (bytes that came in
            // meanwhile make the socket ready at once).
            Poll::Ready(Ok(n))
                if n > 0 && n < buf.len() && matches!(this.inner, ClientStream::Plain(_)) =>
            {
                this.read_blocked = true;
                Poll::Ready(Ok(n))
            }
            r => r,
        }
    }
}

impl AsyncWrite for Gated {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_close(cx)
    }
}

/// tungstenite's read buffer (see [`open`]).
const READ_BUFFER: usize = 4 * 1024;
/// Bytes tungstenite buffers before writing; flushes write everything.
const WRITE_BUFFER: usize = 4 * 1024;

/// How long a close frame may take to go out.
const CLOSE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// What woke the task.
enum Step {
    Cmd(Option<WsCmd>),
    Read(Option<Result<Message, async_tungstenite::tungstenite::Error>>),
}

/// Opens the WebSocket `conn` at `path_and_query` with `headers` (messages
/// from the server of at most `max_message` bytes), reports
/// `WsOpened` (or `WsClosed` when it cannot), then runs it until it closes:
/// frames from the queue go out, frames in go to `inputs`. A close the driver
/// asked for is not reported.
pub(crate) async fn run(
    dialer: Dialer,
    max_message: usize,
    conn: ConnId,
    path_and_query: String,
    headers: Vec<(String, String)>,
    cmds: WsQueue,
    to: super::driver::ToDriver,
) {
    let super::driver::ToDriver { inputs, driver } = to;
    let closed = |error: String| ClientInput::WsClosed { conn, error };
    let mut ws = match open(&dialer, max_message, &path_and_query, &headers).await {
        Ok(ws) => ws,
        Err(e) => {
            let _ = inputs.send(closed(e)).await;
            return;
        }
    };
    if inputs.send(ClientInput::WsOpened { conn }).await.is_err() {
        return;
    }
    let error = loop {
        // The queue first: what the core sends goes out before more is read.
        let step = poll_fn(|cx| {
            if let Poll::Ready(cmd) = cmds.poll_next(cx) {
                return Poll::Ready(Step::Cmd(cmd));
            }
            Pin::new(&mut ws).poll_next(cx).map(Step::Read)
        })
        .await;
        match step {
            Step::Cmd(Some(WsCmd::Send(frame))) => {
                // Every frame queued now, then one flush.
                let mut next = Some(WsCmd::Send(frame));
                let mut close = None;
                let mut failed = None;
                while let Some(cmd) = next.take() {
                    match cmd {
                        WsCmd::Send(frame) => {
                            let msg = match frame {
                                WsFrame::Text(b) => match Utf8Bytes::try_from(b) {
                                    Ok(s) => Message::Text(s),
                                    // The core sends text as UTF-8; never reached.
                                    Err(_) => continue,
                                },
                                WsFrame::Binary(b) => Message::Binary(b),
                            };
                            if let Err(e) = feed(&mut ws, msg).await {
                                failed = Some(e);
                                break;
                            }
                        }
                        WsCmd::Close(code) => {
                            close = Some(code);
                            break;
                        }
                    }
                    next = cmds.take();
                }
                if let Some(e) = failed {
                    break format!("websocket write: {e}");
                }
                if let Err(e) = poll_fn(|cx| Pin::new(&mut ws).poll_flush(cx)).await {
                    break format!("websocket write: {e}");
                }
                if let Some(code) = close {
                    close_with(&mut ws, code).await;
                    return;
                }
            }
            Step::Cmd(Some(WsCmd::Close(code))) => {
                close_with(&mut ws, code).await;
                return;
            }
            // The driver is gone (the client ended).
            Step::Cmd(None) => return,
            Step::Read(Some(Ok(Message::Text(t)))) => {
                let frame = WsFrame::Text(Bytes::from(t));
                let input = ClientInput::WsFrame { conn, frame };
                if super::driver::deliver(&driver, &inputs, input)
                    .await
                    .is_err()
                {
                    return;
                }
            }
            Step::Read(Some(Ok(Message::Binary(b)))) => {
                let frame = WsFrame::Binary(b);
                let input = ClientInput::WsFrame { conn, frame };
                if super::driver::deliver(&driver, &inputs, input)
                    .await
                    .is_err()
                {
                    return;
                }
            }
            Step::Read(Some(Ok(Message::Close(_)))) | Step::Read(None) => {
                break "websocket closed by the server".to_owned();
            }
            Step::Read(Some(Ok(_))) => {
                // A ping: tungstenite queued the pong; write it out.
                if let Err(e) = poll_fn(|cx| Pin::new(&mut ws).poll_flush(cx)).await {
                    break format!("websocket write: {e}");
                }
            }
            Step::Read(Some(Err(e))) => break format!("websocket: {e}"),
        }
    };
    let _ = inputs.send(closed(error)).await;
}

/// Queues `msg` in tungstenite's write buffer (written out by a flush).
async fn feed(
    ws: &mut WebSocketStream<Gated>,
    msg: Message,
) -> Result<(), async_tungstenite::tungstenite::Error> {
    poll_fn(|cx| Pin::new(&mut *ws).poll_ready(cx)).await?;
    Pin::new(&mut *ws).start_send(msg)
}

/// Writes a close frame with `code` (at most [`CLOSE_TIMEOUT`]).
async fn close_with(ws: &mut WebSocketStream<Gated>, code: u16) {
    let frame = CloseFrame {
        code: CloseCode::from(code),
        reason: "".into(),
    };
    let close = async {
        let _ = ws.close(Some(frame)).await;
    };
    futures_lite::future::or(close, async {
        smol::Timer::after(CLOSE_TIMEOUT).await;
    })
    .await;
}

/// Connects and runs the WebSocket handshake.
async fn open(
    dialer: &Dialer,
    max_message: usize,
    path_and_query: &str,
    headers: &[(String, String)],
) -> Result<WebSocketStream<Gated>, String> {
    let url = format!("{}{}", dialer.url.ws_base(), path_and_query);
    let mut request = url
        .as_str()
        .into_client_request()
        .map_err(|e| format!("websocket request: {e}"))?;
    for (name, value) in headers {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| format!("bad header name {name:?}"))?;
        let value =
            HeaderValue::from_str(value).map_err(|_| format!("bad value for header {name}"))?;
        request.headers_mut().append(name, value);
    }
    let stream = dialer.dial().await.map_err(|e| format!("connect: {e}"))?;
    let stream = Gated {
        inner: stream,
        read_blocked: false,
    };
    // Small buffers, as the server's (crate::net::ws): tungstenite's
    // default read buffer (128 KiB) is zero-filled on every read, which
    // cost more than the rest of an ack's work.
    let config = WebSocketConfig::default()
        .read_buffer_size(READ_BUFFER)
        .write_buffer_size(WRITE_BUFFER)
        .max_message_size(Some(max_message))
        .max_frame_size(Some(max_message));
    let (ws, _response) =
        async_tungstenite::client_async_with_config(request, stream, Some(config))
            .await
            .map_err(|e| format!("websocket handshake: {e}"))?;
    Ok(ws)
}
