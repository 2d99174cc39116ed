//! A WebSocket connection: the `101`, then frames until it closes.
//!
//! The task is woken for two reasons: the socket may be readable, or
//! broadcasts were queued for it. Reads get a waker of their own that notes
//! "readable" before it wakes the task, so a task woken only to write does
//! not read: tungstenite zero-fills its read buffer before each read, and
//! the read would end in `EAGAIN` anyway.

use crate::http::MAX_BODY;
use crate::{Hub, Outbox, packets};
use async_tungstenite::WebSocketStream;
use async_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use async_tungstenite::tungstenite::{Error, Message, Utf8Bytes};
use atomic_waker::AtomicWaker;
use futures_lite::future::poll_fn;
use futures_lite::io::AsyncWriteExt;
use futures_lite::stream::Stream;
use smol::Async;
use std::net::TcpStream;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Wake, Waker};

type Ws = WebSocketStream<Async<TcpStream>>;

/// tungstenite's buffers: reads zero-fill the read buffer, so it is small
/// (larger frames still arrive whole); the write buffer is the batching
/// threshold and only grows to the largest frame written.
const READ_BUFFER: usize = 4 * 1024;
const WRITE_BUFFER: usize = 4 * 1024;

/// The waker handed to reads: records readability, then wakes the task.
/// (async-io may call it from its own thread, hence the atomics.)
#[derive(Default)]
struct ReadWaker {
    readable: AtomicBool,
    task: AtomicWaker,
}

impl Wake for ReadWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.readable.store(true, Ordering::Release);
        self.task.wake();
    }
}

/// Answers the upgrade (`early`: bytes the client sent after its request)
/// and serves the WebSocket while it is open.
pub async fn serve(mut io: Async<TcpStream>, accept: String, early: Vec<u8>, hub: &'static Hub) {
    let head = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {accept}\r\n\r\n"
    );
    if io.write_all(head.as_bytes()).await.is_err() {
        return;
    }
    let config = WebSocketConfig::default()
        .read_buffer_size(READ_BUFFER)
        .write_buffer_size(WRITE_BUFFER)
        .max_message_size(Some(MAX_BODY))
        .max_frame_size(Some(MAX_BODY));
    let mut ws = if early.is_empty() {
        WebSocketStream::from_raw_socket(io, Role::Server, Some(config)).await
    } else {
        WebSocketStream::from_partially_read(io, early, Role::Server, Some(config)).await
    };
    let me = hub.join();
    let _ = frames(&mut ws, &me, hub).await;
    hub.leave(&me);
}

/// What woke the connection's task.
enum Next {
    /// Broadcasts are queued.
    Flush,
    /// A frame, the end of the stream (`None`) or a read error.
    Read(Option<Result<Message, Error>>),
}

async fn frames(ws: &mut Ws, me: &Outbox, hub: &Hub) -> Result<(), Error> {
    ws.send(Message::Text(packets::open(hub.new_id(), "[]").into()))
        .await?;
    let reads = Arc::new(ReadWaker::default());
    reads.readable.store(true, Ordering::Relaxed);
    let read_waker = Waker::from(reads.clone());
    loop {
        let next = poll_fn(|cx| {
            if !me.queue.borrow().is_empty() {
                return Poll::Ready(Next::Flush);
            }
            reads.task.register(cx.waker());
            if reads.readable.swap(false, Ordering::Acquire) {
                let mut rcx = Context::from_waker(&read_waker);
                if let Poll::Ready(m) = Pin::new(&mut *ws).poll_next(&mut rcx) {
                    // More may be buffered: read again next time.
                    reads.readable.store(true, Ordering::Relaxed);
                    return Poll::Ready(Next::Read(m));
                }
            }
            me.set_waker(cx.waker());
            Poll::Pending
        })
        .await;
        let text: Utf8Bytes = match next {
            Next::Flush => {
                loop {
                    let frame = me.queue.borrow_mut().pop_front();
                    let Some(frame) = frame else { break };
                    ws.send(Message::Text(frame)).await?;
                }
                continue;
            }
            Next::Read(None | Some(Ok(Message::Close(_)))) => return Ok(()),
            Next::Read(Some(Err(e))) => return Err(e),
            Next::Read(Some(Ok(Message::Text(t)))) => t,
            // binary frames; WebSocket pings (tungstenite answers them) and pongs
            Next::Read(Some(Ok(_))) => continue,
        };
        let mut ack = String::new();
        if packets::push_echo_ack(&mut ack, &text) {
            ws.send(Message::Text(ack.into())).await?;
        } else if packets::is_broadcast(&text) {
            // io.emit("broadcast", x) sends the very packet received.
            hub.broadcast(&text);
        } else if text.starts_with("40") {
            ws.send(Message::Text(packets::connected(hub.new_id()).into()))
                .await?;
        } else if text.as_str() == "1" {
            return Ok(());
        }
        // `3` (pong) and anything else: nothing to do
    }
}
