//! Bridges futures-io streams and smol timers to hyper's runtime traits.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant};

use futures_lite::io::{AsyncRead, AsyncWrite};
use hyper::rt::{ReadBufCursor, Sleep, Timer};

/// Most bytes handed to the inner stream per read.
///
/// `#![forbid(unsafe_code)]` rules out reading straight into hyper's
/// uninitialised buffer, so each read goes through a zeroed stack buffer of
/// this size and is copied into hyper's buffer. Keeping it small bounds the
/// per-read zero-fill, unlike `smol-hyper`, which zero-fills all spare capacity.
const MAX_READ_CHUNK: usize = 4 * 1024;

/// A futures-io stream adapted to [`hyper::rt::Read`] and [`hyper::rt::Write`].
#[derive(Debug)]
pub struct SmolIo<T> {
    /// The wrapped stream.
    inner: T,
}

impl<T> SmolIo<T> {
    /// Wraps `inner`.
    pub fn new(inner: T) -> Self {
        Self { inner }
    }

    /// Returns the wrapped stream.
    pub fn into_inner(self) -> T {
        self.inner
    }

    /// Borrows the wrapped stream.
    pub fn get_ref(&self) -> &T {
        &self.inner
    }
}

impl<T: AsyncRead + Unpin> hyper::rt::Read for SmolIo<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        let want = buf.remaining().min(MAX_READ_CHUNK);
        if want == 0 {
            return Poll::Ready(Ok(()));
        }
        let mut tmp = [0u8; MAX_READ_CHUNK];
        let n = ready!(Pin::new(&mut self.inner).poll_read(cx, &mut tmp[..want]))?;
        buf.put_slice(&tmp[..n]);
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncWrite + Unpin> hyper::rt::Write for SmolIo<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    /// Always `true`: `smol::Async<TcpStream>` forwards to `writev`, which
    /// lets hyper send a response head and a `Full` body without copying.
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
