//! One HTTP exchange waiting on the engine: for its response, for a request
//! to read its body, or for a WebSocket accept.

use crate::ws_queue::WsConn;
use sio_core::http::HttpResponse;
use std::cell::{Cell, RefCell};
use std::future::poll_fn;
use std::rc::Rc;
use std::task::{Poll, Waker};

/// What the engine last asked of an exchange.
pub(crate) enum ExchangeState {
    /// Nothing yet.
    Waiting,
    /// Read the body, up to this many bytes.
    ReadBody(usize),
    /// Send this response.
    Response(HttpResponse),
    /// Complete the WebSocket upgrade with these extra headers; read
    /// messages up to `max_message` bytes; write from `ws`.
    WsAccept {
        headers: Vec<(&'static str, std::borrow::Cow<'static, str>)>,
        max_message: usize,
        ws: Rc<WsConn>,
    },
}

/// The meeting point of a request's task and the driver.
pub(crate) struct Exchange {
    state: RefCell<ExchangeState>,
    waker: Cell<Option<Waker>>,
}

impl Exchange {
    /// An exchange with nothing asked yet.
    pub(crate) fn new() -> Exchange {
        Exchange {
            state: RefCell::new(ExchangeState::Waiting),
            waker: Cell::new(None),
        }
    }

    /// Records what the engine asks and wakes the request's task. A
    /// response replaces anything not yet taken.
    pub(crate) fn set(&self, state: ExchangeState) {
        *self.state.borrow_mut() = state;
        if let Some(w) = self.waker.take() {
            w.wake();
        }
    }

    /// Waits for the engine's next request and takes it.
    pub(crate) async fn next(&self) -> ExchangeState {
        poll_fn(|cx| {
            let mut state = self.state.borrow_mut();
            match std::mem::replace(&mut *state, ExchangeState::Waiting) {
                ExchangeState::Waiting => {
                    self.waker.set(Some(cx.waker().clone()));
                    Poll::Pending
                }
                other => Poll::Ready(other),
            }
        })
        .await
    }
}
