//! One accepted WebSocket: the frames the engine queued for it, and the task
//! that writes them and reads the peer's frames into the engine.

use crate::driver::{Core, Driver};
use crate::net::WsStream;
use async_tungstenite::tungstenite::protocol::CloseFrame;
use async_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use async_tungstenite::tungstenite::{Error as WsError, Message, Utf8Bytes};
use bytes::Bytes;
use futures_lite::Stream;
use futures_sink::Sink as _;
use sio_core::engine::{ConnId, Input, WsFrame};
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::poll_fn;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Poll, Waker};

/// Frames waiting to be written on one WebSocket.
///
/// Bounded by bytes: when a push would pass the limit the connection is
/// dropped (the engine closes the session), so a peer that stops reading
/// cannot make the server buffer without end.
pub(crate) struct WsConn {
    queue: RefCell<VecDeque<WsFrame>>,
    queued_bytes: Cell<usize>,
    limit: usize,
    close: Cell<Option<u16>>,
    waker: Cell<Option<Waker>>,
}

impl WsConn {
    /// An empty queue bounded at `limit` bytes.
    pub(crate) fn new(limit: usize) -> WsConn {
        WsConn {
            queue: RefCell::new(VecDeque::new()),
            queued_bytes: Cell::new(0),
            limit,
            close: Cell::new(None),
            waker: Cell::new(None),
        }
    }

    /// Queues a frame; false if the queue is full (the frame is not queued).
    pub(crate) fn push(&self, frame: WsFrame) -> bool {
        let len = match &frame {
            WsFrame::Text(b) | WsFrame::Binary(b) => b.len(),
        };
        let total = self.queued_bytes.get() + len;
        if total > self.limit {
            return false;
        }
        self.queued_bytes.set(total);
        self.queue.borrow_mut().push_back(frame);
        self.wake();
        true
    }

    /// Asks the task to close the WebSocket with `code` once the queue is written.
    pub(crate) fn close(&self, code: u16) {
        self.close.set(Some(code));
        self.wake();
    }

    fn wake(&self) {
        if let Some(w) = self.waker.take() {
            w.wake();
        }
    }

    fn has_work(&self) -> bool {
        !self.queue.borrow().is_empty() || self.close.get().is_some()
    }
}

/// What woke the WebSocket task.
enum Wake {
    Write,
    Read(Option<Result<Message, WsError>>),
}

/// Runs one WebSocket until it closes: writes queued frames, reads frames
/// into the engine, reports the end with `ConnClosed` (unless the engine
/// closed it).
pub(crate) async fn run<C: Core>(
    driver: Rc<Driver<C>>,
    conn: ConnId,
    me: Rc<WsConn>,
    mut ws: WsStream,
) {
    let code = loop {
        let wake = poll_fn(|cx| {
            if me.has_work() {
                return Poll::Ready(Wake::Write);
            }
            match Pin::new(&mut ws).poll_next(cx) {
                Poll::Ready(m) => Poll::Ready(Wake::Read(m)),
                Poll::Pending => {
                    me.waker.set(Some(cx.waker().clone()));
                    Poll::Pending
                }
            }
        })
        .await;
        match wake {
            Wake::Write => {
                if write_queued(&me, &mut ws).await.is_err() {
                    break None;
                }
                if let Some(code) = me.close.get() {
                    let frame = CloseFrame {
                        code: CloseCode::from(code),
                        reason: Utf8Bytes::from_static(""),
                    };
                    let _ = ws.close(Some(frame)).await;
                    // The engine already forgot this connection.
                    return;
                }
            }
            Wake::Read(Some(Ok(Message::Text(text)))) => driver.handle(Input::WsFrame {
                conn,
                frame: WsFrame::Text(Bytes::from(text)),
            }),
            Wake::Read(Some(Ok(Message::Binary(data)))) => driver.handle(Input::WsFrame {
                conn,
                frame: WsFrame::Binary(data),
            }),
            Wake::Read(Some(Ok(Message::Close(_)))) | Wake::Read(None) => break None,
            Wake::Read(Some(Ok(_))) => {
                // Ping/pong: tungstenite queued the pong; write it out.
                if poll_fn(|cx| Pin::new(&mut ws).poll_flush(cx))
                    .await
                    .is_err()
                {
                    break None;
                }
            }
            Wake::Read(Some(Err(e))) => break close_code_for(&e),
        }
    };
    if let Some(code) = code {
        let frame = CloseFrame {
            code: CloseCode::from(code),
            reason: Utf8Bytes::from_static(""),
        };
        let _ = ws.close(Some(frame)).await;
    }
    if driver.unregister(conn) {
        driver.handle(Input::ConnClosed { conn });
    }
}

/// The close code to answer a read error with, if the connection can still
/// take one: 1009 for a message over `max_payload`, 1007 for invalid UTF-8,
/// 1002 for other protocol errors.
fn close_code_for(e: &WsError) -> Option<u16> {
    match e {
        WsError::Capacity(_) => Some(1009),
        WsError::Utf8(_) => Some(1007),
        WsError::Protocol(_) => Some(1002),
        _ => None,
    }
}

/// Writes every queued frame, then flushes once.
async fn write_queued(me: &WsConn, ws: &mut WsStream) -> Result<(), WsError> {
    loop {
        let frame = me.queue.borrow_mut().pop_front();
        let Some(frame) = frame else { break };
        let msg = match frame {
            WsFrame::Text(b) => {
                me.queued_bytes
                    .set(me.queued_bytes.get().saturating_sub(b.len()));
                // The core only queues UTF-8 text; a failure would be a core bug.
                match Utf8Bytes::try_from(b) {
                    Ok(t) => Message::Text(t),
                    Err(_) => continue,
                }
            }
            WsFrame::Binary(b) => {
                me.queued_bytes
                    .set(me.queued_bytes.get().saturating_sub(b.len()));
                Message::Binary(b)
            }
        };
        poll_fn(|cx| Pin::new(&mut *ws).poll_ready(cx)).await?;
        Pin::new(&mut *ws).start_send(msg)?;
    }
    poll_fn(|cx| Pin::new(&mut *ws).poll_flush(cx)).await
}
