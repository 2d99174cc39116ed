//! The WebSocket transport: opens `ws://` or `wss://` with async-tungstenite
//! (with the configured extra headers), then one task per WebSocket writes
//! what the core sends and reads the server's frames into the core.

use async_tungstenite::WebSocketStream;
use async_tungstenite::tungstenite::Message;
use async_tungstenite::tungstenite::client::IntoClientRequest;
use async_tungstenite::tungstenite::http::{HeaderName, HeaderValue};
use async_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use async_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};
use bytes::Bytes;
use futures_lite::StreamExt;
use futures_sink::Sink;
use sio_core::ConnId;
use sio_core::client::ClientInput;
use sio_core::engine::WsFrame;
use std::future::poll_fn;
use std::pin::Pin;

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

/// Bytes of frames the driver queued for a WebSocket and its task did not
/// write yet: over [`MAX_QUEUED_BYTES`], the server is not reading and the
/// WebSocket is given up.
pub(crate) type Queued = std::sync::Arc<std::sync::atomic::AtomicUsize>;

/// The most bytes queued for one WebSocket (16 MiB).
pub(crate) const MAX_QUEUED_BYTES: usize = 16 * 1024 * 1024;

/// tungstenite's read buffer (see [`open`]).
const READ_BUFFER: usize = 4 * 1024;
/// Bytes tungstenite buffers before writing; flushes write everything.
const WRITE_BUFFER: usize = 4 * 1024;

/// How long a close frame may take to go out.
const CLOSE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// The driver's end of a WebSocket's queue, as its task sees it.
pub(crate) struct WsQueue {
    /// What to write, and when to close.
    pub cmds: async_channel::Receiver<WsCmd>,
    /// Bytes queued and not written yet.
    pub queued: Queued,
}

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
    queue: WsQueue,
    inputs: async_channel::Sender<ClientInput>,
) {
    let WsQueue { cmds, queued } = queue;
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
        let step = futures_lite::future::or(async { Step::Cmd(cmds.recv().await.ok()) }, async {
            Step::Read(ws.next().await)
        })
        .await;
        match step {
            Step::Cmd(Some(WsCmd::Send(frame))) => {
                let len = match &frame {
                    WsFrame::Text(b) | WsFrame::Binary(b) => b.len(),
                };
                queued.fetch_sub(len, std::sync::atomic::Ordering::Relaxed);
                let msg = match frame {
                    WsFrame::Text(b) => match String::from_utf8(b.to_vec()) {
                        Ok(s) => Message::text(s),
                        // The core sends text as UTF-8; never reached.
                        Err(_) => continue,
                    },
                    WsFrame::Binary(b) => Message::Binary(b),
                };
                if let Err(e) = ws.send(msg).await {
                    break format!("websocket write: {e}");
                }
            }
            Step::Cmd(Some(WsCmd::Close(code))) => {
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
                return;
            }
            // The driver is gone (the client ended).
            Step::Cmd(None) => return,
            Step::Read(Some(Ok(Message::Text(t)))) => {
                let frame = WsFrame::Text(Bytes::from(t));
                if inputs
                    .send(ClientInput::WsFrame { conn, frame })
                    .await
                    .is_err()
                {
                    return;
                }
            }
            Step::Read(Some(Ok(Message::Binary(b)))) => {
                let frame = WsFrame::Binary(b);
                if inputs
                    .send(ClientInput::WsFrame { conn, frame })
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

/// Connects and runs the WebSocket handshake.
async fn open(
    dialer: &Dialer,
    max_message: usize,
    path_and_query: &str,
    headers: &[(String, String)],
) -> Result<WebSocketStream<ClientStream>, String> {
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
