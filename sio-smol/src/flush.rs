//! Delivery notification: a future that completes when what was emitted to
//! a socket has reached its transport (written and flushed on a WebSocket,
//! handed to the long-poll response on polling). Acks say the client
//! processed something; this says it left the server.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

/// One waiting `flushed()` call.
#[derive(Default)]
pub(crate) struct FlushWaiter {
    done: Cell<bool>,
    waker: Cell<Option<Waker>>,
}

impl FlushWaiter {
    /// Marks it done and wakes its task.
    pub(crate) fn done(&self) {
        self.done.set(true);
        self.wake();
    }

    /// Wakes its task without marking it done (the connection is gone; the
    /// future then sees nobody else holds the waiter, or the socket gone).
    pub(crate) fn wake(&self) {
        if let Some(w) = self.waker.take() {
            w.wake();
        }
    }

    /// True once done.
    pub(crate) fn is_done(&self) -> bool {
        self.done.get()
    }
}

/// Completes when the waiter is done (`true`), or when its connection went
/// away (`false`): the connection then dropped its hold on the waiter and
/// woke it, or the socket's disconnect woke it.
pub(crate) struct Flushed {
    pub(crate) waiter: Option<Rc<FlushWaiter>>,
    /// Still connected? Checked at every wake-up.
    pub(crate) alive: Box<dyn Fn() -> bool>,
}

impl Future for Flushed {
    type Output = bool;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<bool> {
        let Some(w) = &self.waiter else {
            return Poll::Ready(true);
        };
        if w.done.get() {
            return Poll::Ready(true);
        }
        if Rc::strong_count(w) == 1 || !(self.alive)() {
            // The connection or the socket went away with it pending.
            return Poll::Ready(false);
        }
        w.waker.set(Some(cx.waker().clone()));
        Poll::Pending
    }
}
