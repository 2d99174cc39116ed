//! [`NetStream`]: a connection's byte stream, plain TCP or TLS over TCP,
//! as one type for every layer above (hyper, the hyper-less request loop,
//! WebSockets): the server's accepted connections, and (with the client
//! side's TLS stream, [`ClientTlsStream`]) the client's connections.
//!
//! An enum rather than a type parameter for the transport: the router
//! hands connections to mounted endpoints through trait objects, and one
//! concrete type keeps those non-generic. A plain connection pays one predictable branch per
//! read or write and no allocation; the TLS state (rustls' buffers, about
//! 1 KiB and more) is boxed so that plain connections do not carry its
//! size.

use std::io;
use std::net::TcpStream;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_lite::io::{AsyncRead, AsyncWrite};
use smol::Async;

use super::io::PollReadable;

/// A TLS server stream over TCP.
pub type TlsStream = futures_rustls::server::TlsStream<Async<TcpStream>>;

/// A TLS client stream over TCP.
pub type ClientTlsStream = futures_rustls::client::TlsStream<Async<TcpStream>>;

/// A connection: plain TCP, or TLS over TCP (`T`: the server's TLS stream
/// by default, [`ClientTlsStream`] for the client's connections).
#[derive(Debug)]
pub enum NetStream<T = TlsStream> {
    /// Plain TCP.
    Plain(Async<TcpStream>),
    /// TLS over TCP (boxed: rustls' state is large).
    Tls(Box<T>),
}

impl<T> From<Async<TcpStream>> for NetStream<T> {
    fn from(s: Async<TcpStream>) -> Self {
        NetStream::Plain(s)
    }
}

impl From<TlsStream> for NetStream {
    fn from(s: TlsStream) -> Self {
        NetStream::Tls(Box::new(s))
    }
}

impl<T> PollReadable for NetStream<T> {
    fn poll_readable(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self {
            NetStream::Plain(s) => s.poll_readable(cx),
            // rustls may hold decrypted bytes, or a read may have been
            // pending on a write (a handshake message): the socket's
            // readiness says nothing. Always read.
            NetStream::Tls(_) => Poll::Ready(Ok(())),
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for NetStream<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            NetStream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            NetStream::Tls(s) => Pin::new(&mut **s).poll_read(cx, buf),
        }
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for NetStream<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            NetStream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            NetStream::Tls(s) => Pin::new(&mut **s).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            NetStream::Plain(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            NetStream::Tls(s) => Pin::new(&mut **s).poll_write_vectored(cx, bufs),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            NetStream::Plain(s) => Pin::new(s).poll_flush(cx),
            NetStream::Tls(s) => Pin::new(&mut **s).poll_flush(cx),
        }
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            NetStream::Plain(s) => Pin::new(s).poll_close(cx),
            NetStream::Tls(s) => Pin::new(&mut **s).poll_close(cx),
        }
    }
}
