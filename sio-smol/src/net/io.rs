//! Bridges futures-io streams and smol timers to hyper's runtime traits.

use std::cell::RefCell;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_lite::io::{AsyncRead, AsyncWrite};
use hyper::rt::{ReadBufCursor, Sleep, Timer};

use super::head_timeout::ConnClock;

/// Most bytes handed to the inner stream per read.
///
/// `#![forbid(unsafe_code)]` rules out reading straight into hyper's
/// uninitialised buffer, so each read goes through [`READ_CHUNK`] and is
/// copied into hyper's buffer.
const MAX_READ_CHUNK: usize = 4 * 1024;

thread_local! {
    /// The initialised buffer every read on this thread goes through: zeroed
    /// once per thread rather than once per read (`smol-hyper` zero-fills all
    /// of hyper's spare capacity on every read).
    static READ_CHUNK: RefCell<[u8; MAX_READ_CHUNK]> = const { RefCell::new([0; MAX_READ_CHUNK]) };
}

/// A stream that can say whether it became readable since it last reported
/// "would block", without a read syscall.
pub trait PollReadable {
    /// Ready once the stream may have become readable since the last read
    /// that would have blocked; otherwise registers `cx`'s waker.
    fn poll_readable(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>>;
}

impl<T> PollReadable for smol::Async<T> {
    fn poll_readable(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        smol::Async::poll_readable(self, cx)
    }
}

/// A futures-io stream adapted to [`hyper::rt::Read`] and [`hyper::rt::Write`].
///
/// Reads skip the syscall while the stream is known to be empty: hyper polls
/// its connection's read side each time the connection's task is woken
/// (to detect a client that went away while a response is pending, and for
/// the next request after writing one), and without this each of those polls
/// is a `recv` ending in `EAGAIN`. After a read that would block, the next
/// read first asks the reactor whether readiness arrived since.
#[derive(Debug)]
pub struct SmolIo<T> {
    /// The wrapped stream.
    inner: T,
    /// The last read would have blocked, and the reactor has this task's
    /// waker: read again only once it reports readiness.
    read_blocked: bool,
    /// The connection's request-head deadline, if it has one: armed by each
    /// write (a response going out), and once it passes reads and writes fail.
    clock: Option<Arc<ConnClock>>,
    /// Bytes read ahead (by a look at the first request before hyper got
    /// the connection), returned by the next reads before the stream's.
    prefix: Bytes,
}

impl<T> SmolIo<T> {
    /// Wraps `inner` with no deadline (the client's connections).
    pub fn new(inner: T) -> Self {
        Self {
            inner,
            read_blocked: false,
            clock: None,
            prefix: Bytes::new(),
        }
    }

    /// Wraps `inner`, failing its reads and writes with `TimedOut` once
    /// `clock` expires, and arming `clock` at each write.
    pub fn with_clock(inner: T, clock: Arc<ConnClock>) -> Self {
        Self {
            inner,
            read_blocked: false,
            clock: Some(clock),
            prefix: Bytes::new(),
        }
    }

    /// Has the next reads return `prefix` (bytes already read from the
    /// stream) before reading the stream again.
    pub fn with_prefix(mut self, prefix: Bytes) -> Self {
        self.prefix = prefix;
        self
    }

    /// The connection's request-head deadline, if it has one.
    pub fn clock(&self) -> Option<&Arc<ConnClock>> {
        self.clock.as_ref()
    }

    /// Fails once the connection's deadline passed.
    fn check_clock(&self) -> io::Result<()> {
        match &self.clock {
            Some(c) if c.expired() => Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "request head not received in time",
            )),
            _ => Ok(()),
        }
    }

    /// After a poll of the stream: arm the clock when bytes went out, keep
    /// the task's waker when the stream is not ready.
    fn after_write(&self, cx: &Context<'_>, r: &Poll<io::Result<usize>>) {
        if let Some(clock) = &self.clock {
            match r {
                Poll::Ready(Ok(n)) if *n > 0 => clock.arm(),
                Poll::Pending => clock.set_waker(cx.waker()),
                _ => {}
            }
        }
    }

    /// Returns the wrapped stream.
    pub fn into_inner(self) -> T {
        self.inner
    }

    /// Returns the wrapped stream and the read-ahead bytes not read yet.
    pub fn into_parts(self) -> (T, Bytes) {
        (self.inner, self.prefix)
    }
}

impl<T: AsyncRead + PollReadable + Unpin> SmolIo<T> {
    /// Reads at most `want` bytes (and at most [`MAX_READ_CHUNK`]), handing
    /// them to `put`: the read-ahead prefix first, then the stream.
    fn poll_read_into(
        &mut self,
        cx: &mut Context<'_>,
        want: usize,
        put: impl FnOnce(&[u8]),
    ) -> Poll<io::Result<usize>> {
        let want = want.min(MAX_READ_CHUNK);
        if want == 0 {
            return Poll::Ready(Ok(0));
        }
        if !self.prefix.is_empty() {
            let n = want.min(self.prefix.len());
            put(&self.prefix.split_to(n));
            return Poll::Ready(Ok(n));
        }
        self.check_clock()?;
        if self.read_blocked {
            ready!(self.inner.poll_readable(cx))?;
            self.read_blocked = false;
        }
        let inner = Pin::new(&mut self.inner);
        let read = READ_CHUNK.with_borrow_mut(|tmp| {
            let n = ready!(inner.poll_read(cx, &mut tmp[..want]))?;
            put(&tmp[..n]);
            Poll::Ready(Ok(n))
        });
        if read.is_pending() {
            // `Async::poll_read` returns `Pending` only after a read that
            // would block, with the waker registered with the reactor.
            self.read_blocked = true;
            if let Some(clock) = &self.clock {
                clock.set_waker(cx.waker());
            }
        }
        read
    }

    /// Reads once (at most `max` bytes, and at most 4 KiB),
    /// appending to `out`; `Ok(0)` at the end of the stream. Subject to the
    /// request-head deadline like hyper's reads.
    pub async fn read_append(&mut self, out: &mut Vec<u8>, max: usize) -> io::Result<usize> {
        std::future::poll_fn(|cx| self.poll_read_into(cx, max, |b| out.extend_from_slice(b))).await
    }
}

impl<T: AsyncWrite + Unpin> SmolIo<T> {
    /// Writes all of `bytes` (a response written without hyper), arming the
    /// request-head deadline like hyper's writes.
    pub async fn write_all(&mut self, mut bytes: &[u8]) -> io::Result<()> {
        while !bytes.is_empty() {
            let n = std::future::poll_fn(|cx| {
                self.check_clock()?;
                let r = Pin::new(&mut self.inner).poll_write(cx, bytes);
                self.after_write(cx, &r);
                r
            })
            .await?;
            if n == 0 {
                return Err(io::ErrorKind::WriteZero.into());
            }
            bytes = &bytes[n..];
        }
        // TLS keeps what the socket did not take yet: push it out (a no-op
        // on plain TCP).
        std::future::poll_fn(|cx| Pin::new(&mut self.inner).poll_flush(cx)).await
    }
}

impl<T: AsyncRead + PollReadable + Unpin> hyper::rt::Read for SmolIo<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        let want = buf.remaining();
        self.poll_read_into(cx, want, |b| buf.put_slice(b))
            .map_ok(drop)
    }
}

impl<T: AsyncWrite + Unpin> hyper::rt::Write for SmolIo<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.check_clock()?;
        let r = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.after_write(cx, &r);
        r
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.check_clock()?;
        let r = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.after_write(cx, &r);
        r
    }

    /// Always `true`: `smol::Async<TcpStream>` forwards to `writev`, which
    /// lets hyper send a response head and a `Full` body without copying
    /// (and rustls takes both into one record).
    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_close(cx)
    }
}

/// A [`hyper::rt::Timer`] backed by [`smol::Timer`].
#[derive(Debug, Clone, Copy, Default)]
pub struct SmolTimer;

/// The [`hyper::rt::Sleep`] future returned by [`SmolTimer`].
#[derive(Debug)]
struct SmolSleep(smol::Timer);

impl Future for SmolSleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        Pin::new(&mut self.0).poll(cx).map(drop)
    }
}

impl Sleep for SmolSleep {}

impl Timer for SmolTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Sleep>> {
        Box::pin(SmolSleep(smol::Timer::after(duration)))
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn Sleep>> {
        Box::pin(SmolSleep(smol::Timer::at(deadline)))
    }

    fn reset(&self, sleep: &mut Pin<Box<dyn Sleep>>, new_deadline: Instant) {
        // Re-arm in place when it is ours, saving an allocation.
        match sleep.as_mut().downcast_mut_pin::<SmolSleep>() {
            Some(mut s) => s.0.set_at(new_deadline),
            None => *sleep = self.sleep_until(new_deadline),
        }
    }
}
