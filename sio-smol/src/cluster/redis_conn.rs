//! One connection of the Redis bus (see `redis_bus`): opening it (TCP,
//! `AUTH`, `SELECT`), a request answered before anything else is sent
//! (`CLIENT ID`), and the read buffer its replies are parsed in.

use super::redis_url::Target;
use super::resp::{self, Scanner, Value};
use futures_lite::io::{AsyncReadExt, AsyncWriteExt};
use smol::net::TcpStream;
use std::io;

/// Connects, sets `TCP_NODELAY`, authenticates if the URL says so, and
/// selects the URL's database when it is not 0.
pub(super) async fn open(target: &Target) -> io::Result<TcpStream> {
    let mut s = TcpStream::connect((target.host.as_str(), target.port)).await?;
    s.set_nodelay(true)?;
    if let Some((user, pass)) = &target.auth {
        let args: Vec<&[u8]> = match user {
            Some(u) => vec![b"AUTH", u.as_bytes(), pass.as_bytes()],
            None => vec![b"AUTH", pass.as_bytes()],
        };
        call(&mut s, &args, |reply| match reply {
            Value::Simple(_) => Ok(()),
            Value::Error(why) => Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                String::from_utf8_lossy(why).into_owned(),
            )),
            _ => Err(io::Error::other("unexpected reply to AUTH")),
        })
        .await?;
    }
    if target.db != 0 {
        let db = target.db.to_string();
        call(&mut s, &[b"SELECT", db.as_bytes()], |reply| match reply {
            Value::Simple(_) => Ok(()),
            _ => Err(io::Error::other(format!("SELECT {db} refused"))),
        })
        .await?;
    }
    Ok(s)
}

/// Sends one command on a connection that owes no other reply, and reads
/// its reply with `read`.
pub(super) async fn call<T>(
    s: &mut TcpStream,
    args: &[&[u8]],
    read: impl FnOnce(Value<'_>) -> io::Result<T>,
) -> io::Result<T> {
    let mut out = Vec::new();
    resp::command(&mut out, args);
    s.write_all(&out).await?;
    let mut buf = InBuf::new();
    let mut scanner = Scanner::default();
    loop {
        let n = s.read(buf.spare()).await?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        buf.end += n;
        let scanned = scanner
            .scan(buf.data())
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))?;
        if let Some(len) = scanned {
            return read(Value::read(&buf.data()[..len]));
        }
    }
}

/// A read buffer: bytes `start..end` of `buf` are unparsed input.
pub(super) struct InBuf {
    buf: Vec<u8>,
    start: usize,
    pub(super) end: usize,
}

/// Initial size of a read buffer; it grows for longer replies.
const READ_BUF: usize = 16 * 1024;

/// Largest read buffer kept once empty.
const KEEP_BUF: usize = 1024 * 1024;

impl InBuf {
    pub(super) fn new() -> Self {
        InBuf {
            buf: vec![0; READ_BUF],
            start: 0,
            end: 0,
        }
    }

    /// The bytes read and not consumed yet.
    pub(super) fn data(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    /// Drops the first `n` bytes of [`InBuf::data`].
    pub(super) fn consume(&mut self, n: usize) {
        self.start += n;
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
            if self.buf.len() > KEEP_BUF {
                // A long reply is over: give its room back.
                self.buf = vec![0; READ_BUF];
            }
        }
    }

    /// Room to read into: compacts, or grows when a reply fills the buffer.
    pub(super) fn spare(&mut self) -> &mut [u8] {
        if self.end == self.buf.len() {
            if self.start > 0 {
                self.buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            } else {
                let len = self.buf.len() * 2;
                self.buf.resize(len, 0);
            }
        }
        &mut self.buf[self.end..]
    }
}
