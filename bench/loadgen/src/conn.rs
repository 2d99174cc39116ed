//! A TCP connection to the server under test on smol's reactor, reading
//! the way a closed-loop client wants.
//!
//! `Async<TcpStream>` reads optimistically: every read of a drained socket
//! costs a `recv` that ends in `EAGAIN` before it waits. A client that has
//! just sent a request and read everything before it knows the answer is not
//! there yet, so after a short read (the socket was drained) this waits for
//! the reactor's readiness first and reads once it fires: one `recv` per
//! answer instead of two.

use futures_lite::io::{AsyncRead, AsyncWrite};
use smol::Async;
use std::io::{self, Read};
use std::net::{SocketAddr, TcpStream};
use std::pin::Pin;
use std::task::{Context, Poll, ready};

/// One TCP connection, `TCP_NODELAY` set.
pub struct Conn {
    io: Async<TcpStream>,
    /// The last read returned less than asked: the socket is likely empty.
    drained: bool,
}

impl Conn {
    /// Connects to `addr`.
    pub async fn connect(addr: SocketAddr) -> io::Result<Conn> {
        let io = Async::<TcpStream>::connect(addr).await?;
        io.get_ref().set_nodelay(true)?;
        Ok(Conn { io, drained: true })
    }
}

impl AsyncRead for Conn {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        if self.drained {
            ready!(self.io.poll_readable(cx))?;
        }
        loop {
            match self.io.get_ref().read(buf) {
                Ok(n) => {
                    self.drained = n < buf.len();
                    return Poll::Ready(Ok(n));
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    ready!(self.io.poll_readable(cx))?;
                }
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_close(cx)
    }
}
