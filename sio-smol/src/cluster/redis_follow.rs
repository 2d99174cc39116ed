//! The follower connection of the Redis bus (see `redis_bus`): one
//! blocking `XREAD` at a time over every followed stream, each from the
//! last id reported, and the entries of its replies.

use super::redis_bus::{BusEvent, StreamEntry};
use super::redis_conn::{self, InBuf};
use super::redis_url::Target;
use super::resp::{self, Scanner, Value};
use bytes::Bytes;
use futures_lite::io::AsyncWriteExt;
use smol::net::TcpStream;
use std::collections::VecDeque;
use std::io;

/// `XREAD COUNT`: most entries of one stream per reply.
const READ_COUNT: &[u8] = b"100";

/// `XREAD BLOCK`, in ms: how long one read waits for new entries.
const READ_BLOCK: &[u8] = b"5000";

/// A followed stream.
pub(super) struct Followed {
    /// Its key.
    pub(super) stream: String,
    /// The id of the last entry reported, or where following starts (the
    /// stream's last entry when it was followed, `0-0` if it was empty);
    /// `None` until that is known.
    pub(super) last: Option<Bytes>,
}

/// Whether a `CLIENT UNBLOCK` was sent for the `XREAD` in flight.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Unblock {
    /// Not sent (or answered "not blocked": to be sent again).
    Idle,
    /// Sent, not answered yet.
    Sent,
    /// It woke the read up.
    Done,
}

/// The follower connection.
pub(super) struct Follower {
    pub(super) conn: TcpStream,
    /// Its `CLIENT ID`, for `CLIENT UNBLOCK` from the publisher connection.
    pub(super) id: Vec<u8>,
    pub(super) input: InBuf,
    scan: Scanner,
    /// An `XREAD` is in flight over this many followed streams (those
    /// whose start is known, in order).
    pub(super) reading: Option<usize>,
    pub(super) unblock: Unblock,
}

impl Follower {
    /// Opens the connection and learns its client id.
    pub(super) async fn open(target: &Target) -> io::Result<Follower> {
        let mut conn = redis_conn::open(target).await?;
        let id = redis_conn::call(&mut conn, &[b"CLIENT", b"ID"], |reply| match reply {
            Value::Int(n) => Ok(n.to_string().into_bytes()),
            _ => Err(io::Error::other("unexpected reply to CLIENT ID")),
        })
        .await?;
        Ok(Follower {
            conn,
            id,
            input: InBuf::new(),
            scan: Scanner::default(),
            reading: None,
            unblock: Unblock::Idle,
        })
    }

    /// Sends `XREAD BLOCK .. COUNT .. STREAMS <streams> <last ids>` over
    /// the followed streams whose start is known, if there are any.
    pub(super) async fn read_next(&mut self, follows: &[Followed]) -> io::Result<()> {
        let known: Vec<(&str, &Bytes)> = follows
            .iter()
            .filter_map(|f| f.last.as_ref().map(|id| (f.stream.as_str(), id)))
            .collect();
        if known.is_empty() {
            return Ok(());
        }
        let mut out = Vec::new();
        resp::args(&mut out, 6 + 2 * known.len());
        for arg in [
            &b"XREAD"[..],
            b"BLOCK",
            READ_BLOCK,
            b"COUNT",
            READ_COUNT,
            b"STREAMS",
        ] {
            resp::bulk(&mut out, arg);
        }
        for (stream, _) in &known {
            resp::bulk(&mut out, stream.as_bytes());
        }
        for (_, id) in &known {
            resp::bulk(&mut out, id);
        }
        self.conn.write_all(&out).await?;
        self.reading = Some(known.len());
        self.unblock = Unblock::Idle;
        Ok(())
    }

    /// Handles the complete replies read: each ends the `XREAD` in flight;
    /// its entries go to `out` (one event per stream), and each stream's
    /// last id moves on. Returns how many entries were read.
    pub(super) fn replies(
        &mut self,
        follows: &mut [Followed],
        out: &mut VecDeque<BusEvent>,
    ) -> Result<u64, String> {
        let mut count = 0;
        while let Some(len) = self
            .scan
            .scan(self.input.data())
            .map_err(|e| e.to_string())?
        {
            if self.reading.take().is_none() {
                return Err("a reply nobody asked for on the follower connection".into());
            }
            // One copy of the whole reply; every id and field is a slice of it.
            let whole = Bytes::copy_from_slice(&self.input.data()[..len]);
            self.input.consume(len);
            let streams = match Value::read(&whole) {
                // Timed out, or woken by `CLIENT UNBLOCK`.
                Value::Nil => continue,
                Value::Array(streams) => streams,
                Value::Error(why) => {
                    return Err(format!("XREAD refused: {}", String::from_utf8_lossy(why)));
                }
                _ => return Err("unexpected reply to XREAD".into()),
            };
            for stream in streams {
                let mut parts = stream.items().into_iter().flatten();
                let (Some(Value::Bulk(name)), Some(list), None) =
                    (parts.next(), parts.next(), parts.next())
                else {
                    return Err("unexpected stream in an XREAD reply".into());
                };
                let entries = entries(&whole, list).ok_or("unexpected entries from XREAD")?;
                let Some(followed) = follows.iter_mut().find(|f| f.stream.as_bytes() == name)
                else {
                    return Err("XREAD answered a stream not followed".into());
                };
                let Some(last) = entries.last() else { continue };
                followed.last = Some(last.id.clone());
                count += entries.len() as u64;
                out.push_back(BusEvent::StreamEntries {
                    stream: whole.slice_ref(name),
                    entries,
                });
            }
        }
        Ok(count)
    }
}

/// The entries of an `XRANGE` reply, or of one stream of an `XREAD`
/// reply (`[[id, [field, value, ...]], ...]`), as slices of `whole` (the
/// reply's bytes, that `list` was read from). `None` if it is not that.
pub(super) fn entries(whole: &Bytes, list: Value<'_>) -> Option<Vec<StreamEntry>> {
    let list = list.items()?;
    let mut entries = Vec::with_capacity(list.len());
    for entry in list {
        let mut parts = entry.items()?;
        let (Some(Value::Bulk(id)), Some(fields), None) =
            (parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        let mut fields = fields.items()?;
        let mut pairs = Vec::with_capacity(fields.len() / 2);
        while let Some(name) = fields.next() {
            let value = fields.next()?;
            pairs.push((
                whole.slice_ref(name.bulk()?),
                whole.slice_ref(value.bulk()?),
            ));
        }
        entries.push(StreamEntry {
            id: whole.slice_ref(id),
            fields: pairs,
        });
    }
    Some(entries)
}
