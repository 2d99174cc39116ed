//! One accepted WebSocket: a bounded queue of the frames the core sends it,
//! and the task that reads the peer's frames into the core and writes the
//! queue out.

use crate::driver::Driver;
use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use hyper::upgrade::OnUpgrade;
use hyper_util::rt::TokioIo;
use sio_core::engine::WsFrame;
use sio_core::{ConnId, FlushId, Input, Protocol, WsFault};
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;
use std::time::Duration;
use tokio::sync::Notify;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::{Error, Message, Utf8Bytes};

/// How long a close may take before the connection is dropped anyway (a
/// peer that does not read would hold it forever).
const CLOSE_TIMEOUT: Duration = Duration::from_secs(2);

/// The frames waiting to be written on one WebSocket, bounded in bytes.
pub struct WsQueue {
    frames: RefCell<VecDeque<Message>>,
    bytes: Cell<usize>,
    limit: usize,
    /// The core closed the WebSocket with this code (after the queue).
    close: Cell<Option<u16>>,
    /// Frames or a close to write.
    work: Notify,
    /// Give up at once: the peer stopped reading.
    aborted: Notify,
    /// Frames queued, and written (and flushed), so far.
    pushed: Cell<u64>,
    written: Cell<u64>,
    /// The core's flush marks: (frames that must be written, mark).
    marks: RefCell<Vec<(u64, FlushId)>>,
}

impl WsQueue {
    /// An empty queue for at most `limit` bytes.
    pub fn new(limit: usize) -> Rc<WsQueue> {
        Rc::new(WsQueue {
            frames: RefCell::default(),
            bytes: Cell::new(0),
            limit,
            close: Cell::new(None),
            work: Notify::new(),
            aborted: Notify::new(),
            pushed: Cell::new(0),
            written: Cell::new(0),
            marks: RefCell::default(),
        })
    }

    /// Records the core's flush `mark` at the end of the queue; true when
    /// everything queued is written already.
    pub fn mark(&self, mark: FlushId) -> bool {
        if self.written.get() == self.pushed.get() {
            return true;
        }
        self.marks.borrow_mut().push((self.pushed.get(), mark));
        false
    }

    /// Records `n` frames written and flushed; the marks they reach.
    fn written(&self, n: u64) -> Vec<FlushId> {
        let written = self.written.get() + n;
        self.written.set(written);
        let mut reached = Vec::new();
        self.marks.borrow_mut().retain(|(at, mark)| {
            if *at <= written {
                reached.push(*mark);
            }
            *at > written
        });
        reached
    }

    /// Queues `msg`; false (and not queued) when it would pass the bound.
    pub fn push(&self, msg: Message) -> bool {
        let bytes = self.bytes.get() + msg.len();
        if bytes > self.limit {
            return false;
        }
        self.bytes.set(bytes);
        self.pushed.set(self.pushed.get() + 1);
        self.frames.borrow_mut().push_back(msg);
        self.work.notify_one();
        true
    }

    /// Closes the WebSocket with `code` once the queue is written.
    pub fn close(&self, code: u16) {
        self.close.set(Some(code));
        self.work.notify_one();
    }

    /// Drops the connection now, whatever is queued.
    pub fn abort(&self) {
        self.aborted.notify_one();
    }

    fn pop(&self) -> Option<Message> {
        let msg = self.frames.borrow_mut().pop_front()?;
        self.bytes.set(self.bytes.get() - msg.len());
        Some(msg)
    }
}

/// The message for a core frame (`None` for text that is not UTF-8, which
/// the core never makes). A broadcast's recipients share its bytes.
pub fn message(frame: WsFrame) -> Option<Message> {
    match frame {
        WsFrame::Text(b) => Utf8Bytes::try_from(b).ok().map(Message::Text),
        WsFrame::Binary(b) => Some(Message::Binary(b)),
    }
}

/// Completes the upgrade of `conn`, then runs its WebSocket until it ends;
/// tells the core unless the core ended it.
pub async fn run<P: Protocol + 'static>(
    driver: Rc<Driver<P>>,
    conn: ConnId,
    upgrade: OnUpgrade,
    max_message: usize,
    queue: Rc<WsQueue>,
) {
    let Ok(upgraded) = upgrade.await else {
        // The client left before the upgrade completed.
        return driver.closed(conn);
    };
    let config = WebSocketConfig::default()
        .max_message_size(Some(max_message))
        .max_frame_size(Some(max_message));
    let ws =
        WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, Some(config)).await;
    let (mut tx, mut rx) = ws.split();
    tokio::select! {
        () = read(&driver, conn, &mut rx) => {}
        () = write(&driver, conn, &queue, &mut tx) => {}
        () = queue.aborted.notified() => return,
    };
    // The core's code, when it closed the WebSocket (a fault included).
    let code = queue.close.get();
    if let Some(code) = code {
        let frame = CloseFrame {
            code: CloseCode::from(code),
            reason: Utf8Bytes::default(),
        };
        // The peer may be gone: nothing more to do either way.
        let _ = tokio::time::timeout(CLOSE_TIMEOUT, tx.send(Message::Close(Some(frame)))).await;
    } else {
        let _ = tokio::time::timeout(CLOSE_TIMEOUT, tx.close()).await;
    }
    driver.closed(conn);
}

/// Reads frames into the core until the peer closes or breaks the
/// protocol (the core then closes the WebSocket with the fitting code).
async fn read<P: Protocol + 'static>(
    driver: &Driver<P>,
    conn: ConnId,
    rx: &mut (impl StreamExt<Item = Result<Message, Error>> + Unpin),
) {
    loop {
        let Some(next) = rx.next().await else {
            return;
        };
        let frame = match next {
            Ok(Message::Text(text)) => WsFrame::Text(Bytes::from(text)),
            Ok(Message::Binary(data)) => WsFrame::Binary(data),
            Ok(Message::Close(_)) => return,
            // Pings are answered by tungstenite; pongs need nothing.
            Ok(_) => continue,
            Err(e) => {
                let fault = match e {
                    Error::Capacity(_) => WsFault::TooBig,
                    Error::Utf8(_) => WsFault::InvalidUtf8,
                    Error::Protocol(_) => WsFault::Protocol,
                    _ => return,
                };
                driver.handle(Input::WsFault { conn, fault });
                return;
            }
        };
        driver.handle(Input::WsFrame { conn, frame });
    }
}

/// Writes the queue as it fills, flushing after each batch and reporting
/// the flush marks reached, until the core closes the WebSocket (returns
/// then, the queue written) or a write fails.
async fn write<P: Protocol + 'static>(
    driver: &Driver<P>,
    conn: ConnId,
    queue: &WsQueue,
    tx: &mut (impl SinkExt<Message, Error = Error> + Unpin),
) {
    loop {
        queue.work.notified().await;
        let mut n = 0;
        while let Some(msg) = queue.pop() {
            if tx.feed(msg).await.is_err() {
                return;
            }
            n += 1;
        }
        if tx.flush().await.is_err() {
            return;
        }
        for mark in queue.written(n) {
            driver.handle(Input::WsFlushed { conn, mark });
        }
        if queue.close.get().is_some() {
            return;
        }
    }
}
