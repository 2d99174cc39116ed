//! A one-value channel for an awaited ack: one allocation, a mutex and a
//! waker; `Send + Sync`, so that an ack can be awaited from any thread.

use atomic_waker::AtomicWaker;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

/// The shared slot: the value, or `Gone` once the sender went without one.
struct Slot<T> {
    state: Mutex<State<T>>,
    waker: AtomicWaker,
}

enum State<T> {
    Empty,
    Full(T),
    Gone,
}

/// Sends the one value (or, dropped, tells the receiver none comes).
pub(crate) struct Sender<T>(Option<Arc<Slot<T>>>);

/// Resolves to the value, or `None` when the sender went without one.
pub(crate) struct Receiver<T>(Arc<Slot<T>>);

/// A sender and its receiver.
pub(crate) fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let slot = Arc::new(Slot {
        state: Mutex::new(State::Empty),
        waker: AtomicWaker::new(),
    });
    (Sender(Some(slot.clone())), Receiver(slot))
}

impl<T> Sender<T> {
    /// Sends `value` (dropped if the receiver is gone).
    pub fn send(mut self, value: T) {
        if let Some(slot) = self.0.take() {
            Self::put(&slot, State::Full(value));
        }
    }

    fn put(slot: &Slot<T>, state: State<T>) {
        *slot.state.lock().unwrap_or_else(|e| e.into_inner()) = state;
        slot.waker.wake();
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        if let Some(slot) = self.0.take() {
            Self::put(&slot, State::Gone);
        }
    }
}

impl<T> Future for Receiver<T> {
    type Output = Option<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let slot = &self.0;
        slot.waker.register(cx.waker());
        let mut state = slot.state.lock().unwrap_or_else(|e| e.into_inner());
        match std::mem::replace(&mut *state, State::Gone) {
            State::Empty => {
                *state = State::Empty;
                Poll::Pending
            }
            State::Full(v) => Poll::Ready(Some(v)),
            State::Gone => Poll::Ready(None),
        }
    }
}
