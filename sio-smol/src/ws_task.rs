//! The task of one accepted WebSocket: completes the upgrade, writes what
//! the driver queued ([`WsConn`]), reads the peer's frames into the core,
//! reports flush marks and faults, and the end.

use crate::driver::{Core, Driver};
use crate::net::WsStream;
use crate::ws_queue::{WsConn, close, write_queued, write_queued_or_give_up};
use async_tungstenite::tungstenite::{Error as WsError, Message};
use atomic_waker::AtomicWaker;
use bytes::Bytes;
use futures_lite::Stream;
use futures_sink::Sink as _;
use sio_core::engine::WsFrame;
use sio_core::{ConnId, Input, WsFault};
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Wake, Waker};

/// The waker given to reads: it records that the socket may be readable
/// before waking the task, so a task woken only to write queued messages
/// skips a read that would find nothing (a zero-filled buffer and an EAGAIN
/// `recv` per delivery). Wakes may come from async-io's thread: atomics.
#[derive(Default)]
struct ReadWake {
    readable: AtomicBool,
    task: AtomicWaker,
}

impl Wake for ReadWake {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.readable.store(true, Ordering::Release);
        self.task.wake();
    }
}

/// What woke the WebSocket task.
enum Woken {
    Write,
    Read(Option<Result<Message, WsError>>),
}

/// The upgrade of a connection in progress: yields its WebSocket stream.
/// Boxed: it is dead weight once done, and an `async fn` keeps its
/// arguments beside its locals for its whole life.
pub(crate) type Upgrading = Pin<Box<dyn Future<Output = std::io::Result<WsStream>>>>;

/// Completes the upgrade of `conn`, then runs its WebSocket until it
/// closes: writes queued messages, reads frames into the engine, reports the
/// end with `ConnClosed` (unless the engine closed it).
///
/// The stream is made here rather than passed in: this future is the
/// largest part of an idle connection's memory.
pub(crate) async fn run<C: Core>(
    driver: Rc<Driver<C>>,
    conn: ConnId,
    me: Rc<WsConn>,
    upgrading: Upgrading,
) {
    let _counted = driver.websocket_task();
    let mut ws = match upgrading.await {
        Ok(ws) => ws,
        Err(e) => {
            tracing::debug!("websocket upgrade failed: {e}");
            if driver.unregister(conn) {
                driver.handle(Input::ConnClosed { conn });
            }
            return;
        }
    };
    let rw = Arc::new(ReadWake::default());
    rw.readable.store(true, Ordering::Relaxed);
    let read_waker = Waker::from(rw.clone());
    // Whether `rw.task` holds this task's waker. A read wake takes it out
    // (after setting `readable`, and it wakes the task), so it is
    // registered again only after one, or when the task's waker changed:
    // registering on every poll costs two atomic operations per wake.
    let mut registered = false;
    let code = loop {
        let wake = poll_fn(|cx| {
            me.armed.set(false);
            if me.has_work() {
                return Poll::Ready(Woken::Write);
            }
            let readable = rw.readable.swap(false, Ordering::Acquire);
            if readable || !registered || !me.is_current(cx.waker()) {
                rw.task.register(cx.waker());
                registered = true;
            }
            if readable {
                let mut rcx = Context::from_waker(&read_waker);
                if let Poll::Ready(m) = Pin::new(&mut ws).poll_next(&mut rcx) {
                    // More may be buffered: try again next time.
                    rw.readable.store(true, Ordering::Relaxed);
                    return Poll::Ready(Woken::Read(m));
                }
            }
            me.arm(cx.waker());
            Poll::Pending
        })
        .await;
        match wake {
            Woken::Write => {
                if me.close.get().is_none() && write_queued(&me, &mut ws).await.is_err() {
                    break None;
                }
                for mark in me.take_reached() {
                    driver.handle(Input::WsFlushed { conn, mark });
                }
                if me.close.get().is_some() && Box::pin(write_queued_or_give_up(&me, &mut ws)).await
                {
                    break None;
                }
                if let Some(code) = me.close.get() {
                    Box::pin(close(&mut ws, code)).await;
                    // The engine already forgot this connection.
                    return;
                }
            }
            Woken::Read(Some(Ok(Message::Text(text)))) => driver.handle(Input::WsFrame {
                conn,
                frame: WsFrame::Text(Bytes::from(text)),
            }),
            Woken::Read(Some(Ok(Message::Binary(data)))) => driver.handle(Input::WsFrame {
                conn,
                frame: WsFrame::Binary(data),
            }),
            Woken::Read(Some(Ok(Message::Close(_)))) | Woken::Read(None) => break None,
            Woken::Read(Some(Ok(_))) => {
                // Ping/pong: tungstenite queued the pong; write it out.
                if poll_fn(|cx| Pin::new(&mut ws).poll_flush(cx))
                    .await
                    .is_err()
                {
                    break None;
                }
            }
            Woken::Read(Some(Err(e))) => match fault_of(&e) {
                Some(fault) => {
                    // The core closes the WebSocket (the next turn writes
                    // its close), unless it forgot it already.
                    driver.handle(Input::WsFault { conn, fault });
                    if me.close.get().is_none() {
                        break Some(fault.close_code());
                    }
                }
                None => break None,
            },
        }
    };
    if let Some(code) = code {
        Box::pin(close(&mut ws, code)).await;
    }
    if driver.unregister(conn) {
        driver.handle(Input::ConnClosed { conn });
    }
}

/// The peer's fault behind a read error, if it is one (the connection can
/// then still take a close frame); other errors are the connection's end.
fn fault_of(e: &WsError) -> Option<WsFault> {
    match e {
        WsError::Capacity(_) => Some(WsFault::TooBig),
        WsError::Utf8(_) => Some(WsFault::InvalidUtf8),
        WsError::Protocol(_) => Some(WsFault::Protocol),
        _ => None,
    }
}
