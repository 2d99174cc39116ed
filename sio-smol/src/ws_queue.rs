//! One accepted WebSocket's side of the driver: the messages queued for
//! it (bounded), the core's flush marks, and the writes (plain I/O, no
//! knowledge of the core); `ws_task.rs` runs the connection.

use crate::net::WsStream;
use async_tungstenite::tungstenite::protocol::CloseFrame;
use async_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use async_tungstenite::tungstenite::{Error as WsError, Message, Utf8Bytes};
use bytes::Bytes;
use futures_sink::Sink as _;
use sio_core::FlushId;
use sio_core::engine::PerMessageDeflate;
use sio_core::engine::WsFrame;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::poll_fn;
use std::pin::Pin;
use std::task::Waker;
use std::time::Duration;

/// Messages waiting to be written on one WebSocket.
///
/// Bounded by bytes: when a push would pass the limit the connection is
/// dropped (the engine closes the session), so a peer that stops reading
/// cannot make the server buffer without end.
pub(crate) struct WsConn {
    queue: RefCell<MsgQueue>,
    queued_bytes: Cell<usize>,
    limit: usize,
    pub(crate) close: Cell<Option<u16>>,
    /// The task's waker, kept between polls (a clone per poll costs atomics).
    waker: Cell<Option<Waker>>,
    /// Whether the task waits for a wake: false while it runs, so messages
    /// it queues for itself (an ack to the frame it is handling) do not
    /// schedule it once more for nothing.
    pub(crate) armed: Cell<bool>,
    /// Messages queued so far, and written (and flushed) so far.
    pushed: Cell<u64>,
    written: Cell<u64>,
    /// The core's flush marks: (messages that must be written, mark).
    marks: RefCell<Vec<(u64, FlushId)>>,
    /// Marks reached, for the task to report.
    reached: RefCell<Vec<FlushId>>,
    /// permessage-deflate, when negotiated: messages are compressed as
    /// they are written (`ws_deflate.rs`); the queue's bound counts them
    /// uncompressed.
    pub(crate) deflate: Option<PerMessageDeflate>,
}

impl WsConn {
    /// An empty queue bounded at `limit` bytes, for a WebSocket with
    /// permessage-deflate if `deflate`.
    pub(crate) fn new(limit: usize, deflate: Option<PerMessageDeflate>) -> WsConn {
        WsConn {
            queue: RefCell::new(MsgQueue::default()),
            queued_bytes: Cell::new(0),
            limit,
            close: Cell::new(None),
            waker: Cell::new(None),
            armed: Cell::new(false),
            pushed: Cell::new(0),
            written: Cell::new(0),
            marks: RefCell::new(Vec::new()),
            reached: RefCell::new(Vec::new()),
            deflate,
        }
    }

    /// Records the core's flush `mark` at the current end of the queue;
    /// true when everything queued is written already (report it now).
    pub(crate) fn mark(&self, mark: FlushId) -> bool {
        if self.written.get() >= self.pushed.get() {
            return true;
        }
        self.marks.borrow_mut().push((self.pushed.get(), mark));
        false
    }

    /// Records `n` more messages written and flushed; the marks they pass
    /// are reached.
    fn written(&self, n: u64) {
        let written = self.written.get() + n;
        self.written.set(written);
        let mut marks = self.marks.borrow_mut();
        if marks.is_empty() {
            return;
        }
        let mut reached = self.reached.borrow_mut();
        marks.retain(|(target, mark)| {
            let passed = *target <= written;
            if passed {
                reached.push(*mark);
            }
            !passed
        });
    }

    /// The flush marks reached since the last call, for the task to
    /// report to the core.
    pub(crate) fn take_reached(&self) -> Vec<FlushId> {
        std::mem::take(&mut *self.reached.borrow_mut())
    }

    /// Queues a message; false if the queue is full (it is not queued).
    pub(crate) fn push(&self, msg: Message) -> bool {
        let total = self.queued_bytes.get() + msg.len();
        if total > self.limit {
            return false;
        }
        self.queued_bytes.set(total);
        self.pushed.set(self.pushed.get() + 1);
        let mut queue = self.queue.borrow_mut();
        queue.push_back(msg);
        if queue.len() == 1 {
            // Only the first message needs a wake: the task drains them all.
            self.wake();
        }
        true
    }

    /// Drops what is queued and asks the task to close with `code` at once
    /// (the peer stopped reading: writing the queue would wait forever).
    pub(crate) fn abort(&self, code: u16) {
        self.queue.borrow_mut().clear();
        self.queued_bytes.set(0);
        self.close(code);
    }

    /// Asks the task to close the WebSocket with `code` once the queue is written.
    pub(crate) fn close(&self, code: u16) {
        self.close.set(Some(code));
        self.wake();
    }

    fn wake(&self) {
        if self.armed.replace(false) {
            if let Some(w) = self.waker.take() {
                w.wake_by_ref();
                self.waker.set(Some(w));
            }
        }
    }

    /// True when `w` wakes the same task as the waker kept by [`Self::arm`].
    pub(crate) fn is_current(&self, w: &Waker) -> bool {
        let kept = self.waker.take();
        let same = kept.as_ref().is_some_and(|k| k.will_wake(w));
        self.waker.set(kept);
        same
    }

    /// Called when the task is about to wait: keeps `w` for [`Self::wake`].
    pub(crate) fn arm(&self, w: &Waker) {
        match self.waker.take() {
            Some(old) if old.will_wake(w) => self.waker.set(Some(old)),
            _ => self.waker.set(Some(w.clone())),
        }
        self.armed.set(true);
    }

    pub(crate) fn has_work(&self) -> bool {
        !self.queue.borrow().is_empty() || self.close.get().is_some()
    }
}

/// Turns the core's frames into tungstenite messages, validating the UTF-8
/// of a text frame once even when a broadcast hands the same bytes to many
/// connections in a row.
#[derive(Default)]
pub(crate) struct FrameConverter {
    last: RefCell<Option<(Bytes, Utf8Bytes)>>,
}

impl FrameConverter {
    /// The message for `frame`; `None` for text that is not UTF-8 (the core
    /// never makes such frames).
    pub(crate) fn convert(&self, frame: WsFrame) -> Option<Message> {
        match frame {
            WsFrame::Binary(b) => Some(Message::Binary(b)),
            WsFrame::Text(b) => {
                let mut last = self.last.borrow_mut();
                if let Some((bytes, text)) = last.as_ref() {
                    if bytes.as_ptr() == b.as_ptr() && bytes.len() == b.len() {
                        return Some(Message::Text(text.clone()));
                    }
                }
                if b.is_unique() {
                    // No other recipient holds these bytes: nothing to
                    // remember (and no clone, which would cost an
                    // allocation for bytes made from a `Vec`).
                    return Utf8Bytes::try_from(b).ok().map(Message::Text);
                }
                let text = Utf8Bytes::try_from(b.clone()).ok()?;
                *last = Some((b, text.clone()));
                Some(Message::Text(text))
            }
        }
    }
}

/// How long a close frame may take to go out before the connection is
/// dropped anyway (a peer that does not read would hold it forever).
const CLOSE_TIMEOUT: Duration = Duration::from_secs(2);

/// Sends a close frame with `code` (errors ignored: the peer may be gone),
/// giving up after [`CLOSE_TIMEOUT`].
pub(crate) async fn close(ws: &mut WsStream, code: u16) {
    let frame = CloseFrame {
        code: CloseCode::from(code),
        reason: Utf8Bytes::from_static(""),
    };
    let send = async {
        let _ = ws.close(Some(frame)).await;
    };
    let give_up = async {
        smol::Timer::after(CLOSE_TIMEOUT).await;
    };
    futures_lite::future::or(send, give_up).await;
}

/// Before a close: writes what is queued, but gives up after
/// [`CLOSE_TIMEOUT`]; true when the connection is unusable.
pub(crate) async fn write_queued_or_give_up(me: &WsConn, ws: &mut WsStream) -> bool {
    let write = async { write_queued(me, ws).await.is_err() };
    let give_up = async {
        smol::Timer::after(CLOSE_TIMEOUT).await;
        true
    };
    futures_lite::future::or(write, give_up).await
}

/// A drained queue with room for more messages than this is freed.
const SHRINK_ABOVE: usize = 16;

/// Writes every queued message, then flushes once.
pub(crate) async fn write_queued(me: &WsConn, ws: &mut WsStream) -> Result<(), WsError> {
    let mut n = 0;
    loop {
        let msg = me.queue.borrow_mut().pop_front();
        let Some(msg) = msg else { break };
        me.queued_bytes
            .set(me.queued_bytes.get().saturating_sub(msg.len()));
        let msg = match &me.deflate {
            Some(d) => crate::ws_deflate::compress(msg, d),
            None => msg,
        };
        poll_fn(|cx| Pin::new(&mut *ws).poll_ready(cx)).await?;
        Pin::new(&mut *ws).start_send(msg)?;
        n += 1;
    }
    poll_fn(|cx| Pin::new(&mut *ws).poll_flush(cx)).await?;
    me.written(n);
    me.queue.borrow_mut().shrink_if_drained();
    Ok(())
}

/// A FIFO of messages that holds one in place: most wakes write a single
/// message (an ack, a broadcast), which then needs neither an allocation nor
/// a visit to a separate buffer (a broadcast touches every connection's
/// queue, so each extra cache line counts).
#[derive(Default)]
struct MsgQueue {
    /// A message queued while the queue was empty; always ahead of `rest`.
    first: Option<Message>,
    /// Messages after `first`, in order.
    rest: VecDeque<Message>,
}

impl MsgQueue {
    fn push_back(&mut self, msg: Message) {
        if self.first.is_none() && self.rest.is_empty() {
            self.first = Some(msg);
        } else {
            self.rest.push_back(msg);
        }
    }

    fn pop_front(&mut self) -> Option<Message> {
        self.first.take().or_else(|| self.rest.pop_front())
    }

    fn len(&self) -> usize {
        usize::from(self.first.is_some()) + self.rest.len()
    }

    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn clear(&mut self) {
        self.first = None;
        self.rest.clear();
    }

    /// Frees the overflow buffer of a burst once it is written.
    fn shrink_if_drained(&mut self) {
        if self.rest.is_empty() && self.rest.capacity() > SHRINK_ABOVE {
            self.rest.shrink_to_fit();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::MsgQueue;
    use async_tungstenite::tungstenite::Message;

    fn text(m: Option<Message>) -> Option<String> {
        m.map(|m| m.into_text().expect("text").to_string())
    }

    #[test]
    fn msg_queue_is_first_in_first_out() {
        let mut q = MsgQueue::default();
        assert!(q.is_empty());
        q.push_back(Message::text("a"));
        q.push_back(Message::text("b"));
        assert_eq!(q.len(), 2);
        assert_eq!(text(q.pop_front()).as_deref(), Some("a"));
        // `first` is empty while `rest` is not: new messages go behind.
        q.push_back(Message::text("c"));
        assert_eq!(text(q.pop_front()).as_deref(), Some("b"));
        assert_eq!(text(q.pop_front()).as_deref(), Some("c"));
        assert_eq!(q.pop_front(), None);
        q.push_back(Message::text("d"));
        assert_eq!(q.len(), 1);
        q.clear();
        assert!(q.is_empty());
        assert_eq!(q.pop_front(), None);
    }
}
