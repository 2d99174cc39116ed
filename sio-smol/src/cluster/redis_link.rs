//! One connected pair of the Redis bus (see `redis_bus`): the publisher
//! and subscriber connections, their read buffers, the pipeline of owed
//! replies, and the loop that moves commands out and messages in until
//! the bus closes or a connection breaks.

use super::redis_bus::{BusEvent, Cmd, Shared, Task};
use super::redis_url::Target;
use super::resp::{self, Elem, Frame};
use bytes::Bytes;
use futures_lite::future;
use futures_lite::io::{AsyncReadExt, AsyncWriteExt};
use smol::net::TcpStream;
use std::collections::VecDeque;
use std::io;
use std::sync::atomic::Ordering::Relaxed;

/// Why a link ended.
pub(super) enum Stop {
    /// The handles closed the bus.
    Closed,
    /// The connection broke (or could not be made).
    Broken(io::Error),
}

impl From<io::Error> for Stop {
    fn from(e: io::Error) -> Self {
        Stop::Broken(e)
    }
}

impl From<resp::ProtocolError> for Stop {
    fn from(e: resp::ProtocolError) -> Self {
        Stop::Broken(io::Error::new(io::ErrorKind::InvalidData, e.to_string()))
    }
}

/// Connects, sets `TCP_NODELAY`, authenticates if the URL says so.
pub(super) async fn open(target: &Target) -> io::Result<TcpStream> {
    let mut s = TcpStream::connect((target.host.as_str(), target.port)).await?;
    s.set_nodelay(true)?;
    if let Some((user, pass)) = &target.auth {
        let mut out = Vec::new();
        match user {
            Some(u) => resp::command(&mut out, &[b"AUTH", u.as_bytes(), pass.as_bytes()]),
            None => resp::command(&mut out, &[b"AUTH", pass.as_bytes()]),
        }
        s.write_all(&out).await?;
        let mut buf = InBuf::new();
        loop {
            let n = s.read(buf.spare()).await?;
            if n == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            buf.end += n;
            let parsed = resp::parse(buf.data())
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))?;
            match parsed {
                None => continue,
                Some((Frame::Scalar(Elem::Simple(_)), _)) => break,
                Some((Frame::Scalar(Elem::Error(r)), _)) => {
                    let why = String::from_utf8_lossy(&buf.data()[r]).into_owned();
                    return Err(io::Error::new(io::ErrorKind::PermissionDenied, why));
                }
                Some(_) => return Err(io::Error::other("unexpected reply to AUTH")),
            }
        }
    }
    Ok(s)
}

/// The link's state across connections.
#[derive(Default)]
pub(super) struct LinkState {
    /// `Up` was reported for the current connection.
    pub(super) up: bool,
    /// `Up` was reported at least once.
    ever_up: bool,
    /// While down: the dropped count when the outage began (for the log).
    pub(super) outage: Option<u64>,
}

/// A read buffer: bytes `start..end` of `buf` are unparsed input.
struct InBuf {
    buf: Vec<u8>,
    start: usize,
    end: usize,
}

/// Initial size of a read buffer; it grows for longer replies.
const READ_BUF: usize = 16 * 1024;

impl InBuf {
    fn new() -> Self {
        InBuf {
            buf: vec![0; READ_BUF],
            start: 0,
            end: 0,
        }
    }

    fn data(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    fn consume(&mut self, n: usize) {
        self.start += n;
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
    }

    /// Room to read into: compacts, or grows when a reply fills the buffer.
    fn spare(&mut self) -> &mut [u8] {
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

/// Replies the publisher connection still owes, in order.
enum Owed {
    /// This many `PUBLISH` replies (integers), ignored.
    Publishes(u64),
    /// A `PUBSUB NUMSUB` answer for this waiter.
    NumSub(async_channel::Sender<Option<usize>>),
}

/// Most bytes of commands gathered into one write.
const BATCH_BYTES: usize = 256 * 1024;

/// One connected pair.
pub(super) struct Link {
    pubc: TcpStream,
    subc: TcpStream,
    pub_in: InBuf,
    sub_in: InBuf,
    out: Vec<u8>,
    owed: VecDeque<Owed>,
    /// How much of the subscription set was sent on this connection.
    sent_channels: usize,
    sent_patterns: usize,
    /// Subscription confirmations still expected.
    acks: usize,
    /// An event the application had no room for yet.
    pending: Option<BusEvent>,
    /// The last channel name received (reused while it repeats).
    last_channel: Bytes,
}

/// What woke the link up.
enum Wake {
    Cmd(Result<Cmd, async_channel::RecvError>),
    PubRead(io::Result<usize>),
    SubRead(io::Result<usize>),
    /// The pending event was delivered (or the application is gone).
    Delivered,
}

impl Link {
    pub(super) fn new(pubc: TcpStream, subc: TcpStream) -> Self {
        Link {
            pubc,
            subc,
            pub_in: InBuf::new(),
            sub_in: InBuf::new(),
            out: Vec::new(),
            owed: VecDeque::new(),
            sent_channels: 0,
            sent_patterns: 0,
            acks: 0,
            pending: None,
            last_channel: Bytes::new(),
        }
    }

    /// Subscribes the whole set, reports `Up` once confirmed, then pipes
    /// commands and messages until the bus closes or a connection breaks.
    pub(super) async fn serve(&mut self, task: &Task, state: &mut LinkState) -> Stop {
        if let Err(e) = self.sync_subscriptions(&task.shared).await {
            return e.into();
        }
        loop {
            if !state.up && self.acks == 0 && self.pending.is_none() {
                // What `subscribe` added since the replay began is part of
                // what `Up` promises.
                if let Err(e) = self.sync_subscriptions(&task.shared).await {
                    return e.into();
                }
            }
            if !state.up && self.acks == 0 && self.pending.is_none() {
                state.up = true;
                if let Some(dropped_before) = state.outage.take() {
                    let dropped = task.shared.dropped.load(Relaxed) - dropped_before;
                    tracing::info!(dropped, "Redis link up again");
                }
                if std::mem::replace(&mut state.ever_up, true) {
                    task.shared.reconnects.fetch_add(1, Relaxed);
                }
                let _ = task.events.send(BusEvent::Up).await;
            }
            let wake = {
                let Link {
                    pubc,
                    subc,
                    pub_in,
                    sub_in,
                    pending,
                    ..
                } = self;
                let cmd = async { Wake::Cmd(task.cmds.recv().await) };
                let pub_read = async { Wake::PubRead(pubc.read(pub_in.spare()).await) };
                let sub_side = async {
                    match pending {
                        // A clone: dropping a send future drops its message.
                        Some(ev) => {
                            let _ = task.events.send(ev.clone()).await;
                            Wake::Delivered
                        }
                        None => Wake::SubRead(subc.read(sub_in.spare()).await),
                    }
                };
                // `race` picks the first to poll at random: a flood of
                // incoming messages cannot starve publishing, nor the reverse.
                future::race(cmd, future::race(pub_read, sub_side)).await
            };
            let step = match wake {
                Wake::Cmd(Err(_)) => return Stop::Closed,
                Wake::Cmd(Ok(cmd)) => self.commands(task, cmd).await,
                Wake::PubRead(r) => match r {
                    Ok(0) => Err(eof("publisher")),
                    Ok(n) => {
                        self.pub_in.end += n;
                        self.replies()
                    }
                    Err(e) => Err(e.into()),
                },
                Wake::SubRead(r) => match r {
                    Ok(0) => Err(eof("subscriber")),
                    Ok(n) => {
                        self.sub_in.end += n;
                        self.messages(task)
                    }
                    Err(e) => Err(e.into()),
                },
                Wake::Delivered => {
                    self.pending = None;
                    self.messages(task)
                }
            };
            if let Err(stop) = step {
                return stop;
            }
        }
    }

    /// Writes `cmd` and whatever else is queued (up to [`BATCH_BYTES`]) to
    /// the publisher connection in one write.
    async fn commands(&mut self, task: &Task, first: Cmd) -> Result<(), Stop> {
        let shared = &*task.shared;
        let mut next = Some(first);
        // Publishes in this write, and those not yet entered in `owed`.
        let mut total = 0u64;
        let mut batch = 0u64;
        let mut resubscribe = false;
        while let Some(cmd) = next.take() {
            match cmd {
                Cmd::Publish(channel, payload) => {
                    shared.queued.fetch_sub(1, Relaxed);
                    resp::publish(&mut self.out, channel.as_bytes(), &payload);
                    batch += 1;
                    total += 1;
                }
                Cmd::NumSub(channel, tx) => {
                    self.owe_publishes(std::mem::take(&mut batch));
                    resp::command(&mut self.out, &[b"PUBSUB", b"NUMSUB", channel.as_bytes()]);
                    self.owed.push_back(Owed::NumSub(tx));
                }
                Cmd::Subscribe => resubscribe = true,
            }
            if self.out.len() < BATCH_BYTES {
                next = task.cmds.try_recv().ok();
            }
        }
        self.owe_publishes(batch);
        let written = self.pubc.write_all(&self.out).await;
        self.out.clear();
        if self.out.capacity() > 4 * BATCH_BYTES {
            self.out = Vec::new();
        }
        if let Err(e) = written {
            shared.dropped.fetch_add(total, Relaxed);
            return Err(e.into());
        }
        shared.published.fetch_add(total, Relaxed);
        if resubscribe {
            self.sync_subscriptions(shared).await?;
        }
        Ok(())
    }

    fn owe_publishes(&mut self, n: u64) {
        if n == 0 {
            return;
        }
        if let Some(Owed::Publishes(m)) = self.owed.back_mut() {
            *m += n;
        } else {
            self.owed.push_back(Owed::Publishes(n));
        }
    }

    /// Sends SUBSCRIBE / PSUBSCRIBE for what the set gained since the last
    /// time on this connection.
    async fn sync_subscriptions(&mut self, shared: &Shared) -> io::Result<()> {
        let mut out = Vec::new();
        {
            let set = shared.subs.lock().unwrap_or_else(|e| e.into_inner());
            let channels = &set.channels[self.sent_channels..];
            if !channels.is_empty() {
                resp::command_with(&mut out, b"SUBSCRIBE", channels);
                self.acks += channels.len();
                self.sent_channels = set.channels.len();
            }
            let patterns = &set.patterns[self.sent_patterns..];
            if !patterns.is_empty() {
                resp::command_with(&mut out, b"PSUBSCRIBE", patterns);
                self.acks += patterns.len();
                self.sent_patterns = set.patterns.len();
            }
        }
        if !out.is_empty() {
            self.subc.write_all(&out).await?;
        }
        Ok(())
    }

    /// Handles the complete replies on the publisher connection.
    fn replies(&mut self) -> Result<(), Stop> {
        while let Some((frame, used)) = resp::parse(self.pub_in.data())? {
            let data = self.pub_in.data();
            match self.owed.pop_front() {
                None => return Err(unexpected("a reply nobody asked for")),
                Some(Owed::Publishes(n)) => {
                    if let Frame::Scalar(Elem::Error(r)) = &frame {
                        tracing::debug!(error = %String::from_utf8_lossy(&data[r.clone()]), "Redis refused a PUBLISH");
                    }
                    if n > 1 {
                        self.owed.push_front(Owed::Publishes(n - 1));
                    }
                }
                Some(Owed::NumSub(tx)) => {
                    let count = match frame {
                        Frame::Array { elems, len: 2 } => match elems[1] {
                            Elem::Int(n) => usize::try_from(n).ok(),
                            _ => None,
                        },
                        _ => None,
                    };
                    // The asker may have given up.
                    let _ = tx.try_send(count);
                }
            }
            self.pub_in.consume(used);
        }
        Ok(())
    }

    /// Handles the complete pushes on the subscriber connection, until the
    /// application has no room for another event.
    fn messages(&mut self, task: &Task) -> Result<(), Stop> {
        while self.pending.is_none() {
            let Some((frame, used)) = resp::parse(self.sub_in.data())? else {
                break;
            };
            let data = self.sub_in.data();
            let Frame::Array { elems, len } = frame else {
                let why = match frame {
                    Frame::Scalar(Elem::Error(r)) => String::from_utf8_lossy(&data[r]).into_owned(),
                    _ => "a non-array reply".to_owned(),
                };
                return Err(unexpected(&format!("subscriber connection: {why}")));
            };
            let bulk = |i: usize| match &elems[i] {
                Elem::Bulk(r) if i < len => Some(&data[r.clone()]),
                _ => None,
            };
            let (channel, payload) = match (bulk(0), len) {
                (Some(b"message"), 3) => (bulk(1), bulk(2)),
                (Some(b"pmessage"), 4) => (bulk(2), bulk(3)),
                (Some(b"subscribe" | b"psubscribe"), 3) => {
                    self.acks = self.acks.saturating_sub(1);
                    (None, None)
                }
                _ => return Err(unexpected("an unknown push on the subscriber connection")),
            };
            if let (Some(channel), Some(payload)) = (channel, payload) {
                if channel != &self.last_channel[..] {
                    self.last_channel = Bytes::copy_from_slice(channel);
                }
                let event = BusEvent::Message {
                    channel: self.last_channel.clone(),
                    payload: Bytes::copy_from_slice(payload),
                };
                task.shared.received.fetch_add(1, Relaxed);
                match task.events.try_send(event) {
                    Ok(()) | Err(async_channel::TrySendError::Closed(_)) => {}
                    Err(async_channel::TrySendError::Full(event)) => self.pending = Some(event),
                }
            }
            self.sub_in.consume(used);
        }
        Ok(())
    }
}

fn eof(which: &str) -> Stop {
    Stop::Broken(io::Error::new(
        io::ErrorKind::UnexpectedEof,
        format!("Redis closed the {which} connection"),
    ))
}

fn unexpected(what: &str) -> Stop {
    Stop::Broken(io::Error::new(io::ErrorKind::InvalidData, what.to_owned()))
}
