//! [`WsIo`]: what tungstenite reads and writes for a server WebSocket: the
//! connection itself, or, when permessage-deflate was negotiated, the
//! connection read through [`FrameInflater`]. Writes go straight to the
//! connection either way (compressed frames are made above tungstenite,
//! see `ws_deflate.rs`). A connection without the extension pays one
//! predictable branch per read or write.

use super::inflate_frames::FrameInflater;
use super::stream::NetStream;
use futures_lite::io::{AsyncRead, AsyncWrite};
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

/// A buffer of inflated bytes with more room than this is freed once
/// tungstenite took them.
const SHRINK_ABOVE: usize = 64 * 1024;

/// A server WebSocket's byte stream.
#[derive(Debug)]
pub enum WsIo {
    /// The connection as it is.
    Plain(NetStream),
    /// The connection, with compressed messages inflated on the way in.
    Inflating(Box<Inflating>),
}

impl WsIo {
    /// `stream`, read through an inflater when `inflate` (messages up to
    /// `max_message` bytes once inflated), and what of `leftover` (bytes
    /// read after the request head) tungstenite should take as it is:
    /// all of it, or none when the inflater takes it.
    pub fn new(
        stream: NetStream,
        inflate: bool,
        max_message: usize,
        leftover: Vec<u8>,
    ) -> (WsIo, Vec<u8>) {
        if !inflate {
            return (WsIo::Plain(stream), leftover);
        }
        let mut inflater = FrameInflater::new(max_message);
        let mut out = Vec::new();
        inflater.feed(&leftover, &mut out);
        let io = WsIo::Inflating(Box::new(Inflating {
            stream,
            inflater,
            out,
            pos: 0,
        }));
        (io, Vec::new())
    }
}

/// A connection read through a [`FrameInflater`].
pub struct Inflating {
    stream: NetStream,
    inflater: FrameInflater,
    /// Bytes for tungstenite, from `pos` on.
    out: Vec<u8>,
    pos: usize,
}

impl std::fmt::Debug for Inflating {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inflating")
            .field("stream", &self.stream)
            .field("pending", &(self.out.len() - self.pos))
            .finish()
    }
}

impl AsyncRead for Inflating {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let me = self.get_mut();
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        loop {
            if me.pos < me.out.len() {
                let n = buf.len().min(me.out.len() - me.pos);
                buf[..n].copy_from_slice(&me.out[me.pos..me.pos + n]);
                me.pos += n;
                if me.pos == me.out.len() {
                    me.out.clear();
                    me.pos = 0;
                    if me.out.capacity() > SHRINK_ABOVE {
                        me.out = Vec::new();
                    }
                }
                return Poll::Ready(Ok(n));
            }
            // Read into the caller's buffer, transform into ours.
            let n = ready!(Pin::new(&mut me.stream).poll_read(cx, buf))?;
            if n == 0 {
                return Poll::Ready(Ok(0));
            }
            me.inflater.feed(&buf[..n], &mut me.out);
        }
    }
}

impl AsyncRead for WsIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            WsIo::Plain(s) => Pin::new(s).poll_read(cx, buf),
            WsIo::Inflating(s) => Pin::new(&mut **s).poll_read(cx, buf),
        }
    }
}

impl WsIo {
    fn stream(self: Pin<&mut Self>) -> Pin<&mut NetStream> {
        match self.get_mut() {
            WsIo::Plain(s) => Pin::new(s),
            WsIo::Inflating(s) => Pin::new(&mut s.stream),
        }
    }
}

impl AsyncWrite for WsIo {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.stream().poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.stream().poll_write_vectored(cx, bufs)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.stream().poll_flush(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.stream().poll_close(cx)
    }
}
