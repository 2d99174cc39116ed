//! One connected set of the Redis bus (see `redis_bus`): the publisher
//! connection (commands and questions, pipelined), the subscriber
//! connection, the follower connection when a stream is followed, the
//! pipeline of owed replies, and the loop that moves commands out and
//! messages and entries in until the bus closes or a connection breaks.

use super::redis_bus::{BusEvent, BusFailure, Cmd, KeyAnswer, RangeAnswer, Shared, Task};
use super::redis_conn::InBuf;
use super::redis_follow::{self, Followed, Follower, Unblock};
use super::resp::{self, Scanner, Value};
use bytes::Bytes;
use futures_lite::future;
use futures_lite::io::{AsyncReadExt, AsyncWriteExt};
use smol::Timer;
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
        unexpected(&e.to_string())
    }
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
    /// The followed streams, in the order they were followed.
    pub(super) follows: Vec<Followed>,
    /// Entries read and not yet taken by the application: kept across
    /// reconnects (their streams' last ids have moved past them).
    pub(super) entries: VecDeque<BusEvent>,
}

impl LinkState {
    /// Takes in the streams followed since the last time.
    fn sync_follows(&mut self, shared: &Shared) {
        let names = shared.follows.lock().unwrap_or_else(|e| e.into_inner());
        for stream in &names[self.follows.len()..] {
            self.follows.push(Followed {
                stream: stream.clone(),
                last: None,
            });
        }
    }
}

/// Replies the publisher connection still owes, in order.
enum Owed {
    /// This many replies to ignore (`PUBLISH`, `XADD`, `SET`, `DEL`, and
    /// `MULTI` with its `QUEUED`s); errors are logged.
    Ignored(u64),
    /// A `PUBSUB NUMSUB` answer for this waiter.
    NumSub(async_channel::Sender<Option<usize>>),
    /// An `XRANGE` answer.
    Range(async_channel::Sender<RangeAnswer>),
    /// The `EXEC` of a take (`GET`, `DEL`).
    Take(async_channel::Sender<KeyAnswer>),
    /// The last entry of the followed stream at this index
    /// (`XREVRANGE s + - COUNT 1`): where following it starts.
    Start(usize),
    /// A `CLIENT UNBLOCK` of the follower connection.
    Unblock,
}

/// Most bytes of commands gathered into one write.
const BATCH_BYTES: usize = 256 * 1024;

/// One connected set.
pub(super) struct Link {
    pubc: TcpStream,
    subc: TcpStream,
    pub_in: InBuf,
    sub_in: InBuf,
    pub_scan: Scanner,
    sub_scan: Scanner,
    /// The follower connection, opened once a stream is followed.
    follower: Option<Follower>,
    /// Followed streams `..asked` have a known start or were asked for it
    /// on this connection.
    asked: usize,
    out: Vec<u8>,
    owed: VecDeque<Owed>,
    /// How much of the subscription set was sent on this connection.
    sent_channels: usize,
    sent_patterns: usize,
    /// Subscription confirmations still expected.
    acks: usize,
    /// A message the application had no room for yet.
    pending: Option<BusEvent>,
    /// The last channel name received (reused while it repeats).
    last_channel: Bytes,
}

/// What woke the link up.
enum Wake {
    Cmd(Result<Cmd, async_channel::RecvError>),
    PubRead(io::Result<usize>),
    SubRead(io::Result<usize>),
    FollowRead(io::Result<usize>),
    /// The pending message was delivered (or the application is gone).
    Delivered,
    /// The first waiting entries were delivered (or the application is gone).
    EntriesDelivered,
}

impl Link {
    pub(super) fn new(pubc: TcpStream, subc: TcpStream) -> Self {
        Link {
            pubc,
            subc,
            pub_in: InBuf::new(),
            sub_in: InBuf::new(),
            pub_scan: Scanner::default(),
            sub_scan: Scanner::default(),
            follower: None,
            asked: 0,
            out: Vec::new(),
            owed: VecDeque::new(),
            sent_channels: 0,
            sent_patterns: 0,
            acks: 0,
            pending: None,
            last_channel: Bytes::new(),
        }
    }

    /// Subscribes the whole set and finds where each followed stream
    /// starts, reports `Up` once Redis confirmed all of it, then pipes
    /// commands, messages and entries until the bus closes or a connection
    /// breaks.
    pub(super) async fn serve(&mut self, task: &Task, state: &mut LinkState) -> Stop {
        if let Err(e) = self.sync_subscriptions(&task.shared).await {
            return e.into();
        }
        loop {
            if let Err(stop) = self.prepare(task, state).await {
                return stop;
            }
            let wake = {
                let Link {
                    pubc,
                    subc,
                    pub_in,
                    sub_in,
                    pending,
                    follower,
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
                let follow_side = async {
                    match (state.entries.front(), follower) {
                        (Some(ev), _) => {
                            let _ = task.events.send(ev.clone()).await;
                            Wake::EntriesDelivered
                        }
                        (None, Some(f)) if f.reading.is_some() => {
                            Wake::FollowRead(f.conn.read(f.input.spare()).await)
                        }
                        _ => future::pending::<Wake>().await,
                    }
                };
                // `race` picks the first to poll at random: a flood of
                // incoming messages cannot starve publishing, nor the reverse.
                future::race(
                    future::race(cmd, pub_read),
                    future::race(sub_side, follow_side),
                )
                .await
            };
            let step = match wake {
                Wake::Cmd(Err(_)) => return Stop::Closed,
                Wake::Cmd(Ok(cmd)) => self.commands(task, state, cmd).await,
                Wake::PubRead(r) => match r {
                    Ok(0) => Err(eof("publisher")),
                    Ok(n) => {
                        self.pub_in.end += n;
                        self.replies(state)
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
                Wake::FollowRead(r) => match r {
                    Ok(0) => Err(eof("follower")),
                    Ok(n) => self.entries(task, state, n),
                    Err(e) => Err(e.into()),
                },
                Wake::Delivered => {
                    self.pending = None;
                    self.messages(task)
                }
                Wake::EntriesDelivered => {
                    state.entries.pop_front();
                    Ok(())
                }
            };
            if let Err(stop) = step {
                return stop;
            }
        }
    }

    /// What to do before waiting: subscribe what was added, open the
    /// follower connection, start the next `XREAD`, wake an `XREAD` that
    /// misses a newly followed stream, report `Up`.
    async fn prepare(&mut self, task: &Task, state: &mut LinkState) -> Result<(), Stop> {
        if !state.up {
            // What `subscribe` and `stream_follow` added since the replay
            // began is part of what `Up` promises.
            if self.acks == 0 && self.pending.is_none() {
                self.sync_subscriptions(&task.shared).await?;
            }
            state.sync_follows(&task.shared);
            self.ask_starts(state);
            self.flush().await?;
        }
        if !state.follows.is_empty() && self.follower.is_none() {
            let open = future::or(Follower::open(&task.target), async {
                Timer::after(task.options.connect_timeout).await;
                Err(io::Error::new(io::ErrorKind::TimedOut, "connect timed out"))
            });
            self.follower = Some(open.await?);
        }
        let known = state.follows.iter().filter(|f| f.last.is_some()).count();
        if !state.up && self.acks == 0 && self.pending.is_none() && known == state.follows.len() {
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
        if let Some(f) = &mut self.follower {
            match f.reading {
                // Reads begin once `Up` is reported (entries come after it).
                // Entries waiting for the application hold the next read
                // back: back-pressure on the follower connection.
                None if state.up && state.entries.is_empty() => f.read_next(&state.follows).await?,
                Some(n) if n < known && f.unblock == Unblock::Idle => {
                    resp::command(&mut self.out, &[b"CLIENT", b"UNBLOCK", &f.id]);
                    self.owed.push_back(Owed::Unblock);
                    f.unblock = Unblock::Sent;
                    self.flush().await?;
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Writes `cmd` and whatever else is queued (up to [`BATCH_BYTES`]) to
    /// the publisher connection in one write.
    async fn commands(
        &mut self,
        task: &Task,
        state: &mut LinkState,
        first: Cmd,
    ) -> Result<(), Stop> {
        let shared = &*task.shared;
        let mut next = Some(first);
        // Fire-and-forget commands in this write: all, and publishes and
        // appends among them.
        let (mut fired, mut published, mut appended) = (0u64, 0u64, 0u64);
        let mut resubscribe = false;
        while let Some(cmd) = next.take() {
            if cmd.is_fire_and_forget() {
                shared.queued.fetch_sub(1, Relaxed);
                fired += 1;
                self.owe_ignored(1);
            }
            let out = &mut self.out;
            match cmd {
                Cmd::Publish(channel, payload) => {
                    resp::publish(out, channel.as_bytes(), &payload);
                    published += 1;
                }
                Cmd::Append {
                    stream,
                    max_len,
                    fields,
                } => {
                    let max_len = max_len.to_string();
                    resp::args(out, 6 + 2 * fields.len());
                    for arg in [&b"XADD"[..], stream.as_bytes(), b"MAXLEN", b"~"] {
                        resp::bulk(out, arg);
                    }
                    resp::bulk(out, max_len.as_bytes());
                    resp::bulk(out, b"*");
                    for (name, value) in &fields {
                        resp::bulk(out, name);
                        resp::bulk(out, value);
                    }
                    appended += 1;
                }
                Cmd::SetKey(key, value, ttl) => {
                    let ms = ttl.as_millis().max(1).to_string();
                    resp::command(out, &[b"SET", key.as_bytes(), &value, b"PX", ms.as_bytes()]);
                }
                Cmd::DeleteKey(key) => resp::command(out, &[b"DEL", key.as_bytes()]),
                Cmd::NumSub(channel, tx) => {
                    resp::command(out, &[b"PUBSUB", b"NUMSUB", channel.as_bytes()]);
                    self.owed.push_back(Owed::NumSub(tx));
                }
                Cmd::Range {
                    stream,
                    start,
                    end,
                    count,
                    answer,
                } => {
                    let count = count.to_string();
                    resp::command(
                        out,
                        &[
                            b"XRANGE",
                            stream.as_bytes(),
                            start.as_bytes(),
                            end.as_bytes(),
                            b"COUNT",
                            count.as_bytes(),
                        ],
                    );
                    self.owed.push_back(Owed::Range(answer));
                }
                Cmd::Take(key, answer) => {
                    resp::command(out, &[b"MULTI"]);
                    resp::command(out, &[b"GET", key.as_bytes()]);
                    resp::command(out, &[b"DEL", key.as_bytes()]);
                    resp::command(out, &[b"EXEC"]);
                    self.owe_ignored(3);
                    self.owed.push_back(Owed::Take(answer));
                }
                Cmd::Subscribe => resubscribe = true,
                Cmd::Follow => {
                    state.sync_follows(shared);
                    self.ask_starts(state);
                }
            }
            if self.out.len() < BATCH_BYTES {
                next = task.cmds.try_recv().ok();
            }
        }
        if let Err(e) = self.flush().await {
            shared.dropped.fetch_add(fired, Relaxed);
            return Err(e.into());
        }
        shared.published.fetch_add(published, Relaxed);
        shared.appended.fetch_add(appended, Relaxed);
        if resubscribe {
            self.sync_subscriptions(shared).await?;
        }
        Ok(())
    }

    /// Writes what is gathered in `out` to the publisher connection.
    async fn flush(&mut self) -> io::Result<()> {
        if self.out.is_empty() {
            return Ok(());
        }
        let written = self.pubc.write_all(&self.out).await;
        self.out.clear();
        if self.out.capacity() > 4 * BATCH_BYTES {
            self.out = Vec::new();
        }
        written
    }

    /// Asks (into `out`) where each followed stream not asked about yet on
    /// this connection starts: its last entry, so that following begins
    /// after what it holds now and includes every later append (ours are
    /// written after this on the same connection).
    fn ask_starts(&mut self, state: &LinkState) {
        for (i, f) in state.follows.iter().enumerate().skip(self.asked) {
            if f.last.is_none() {
                let args: [&[u8]; 6] = [
                    b"XREVRANGE",
                    f.stream.as_bytes(),
                    b"+",
                    b"-",
                    b"COUNT",
                    b"1",
                ];
                resp::command(&mut self.out, &args);
                self.owed.push_back(Owed::Start(i));
            }
        }
        self.asked = state.follows.len();
    }

    fn owe_ignored(&mut self, n: u64) {
        if let Some(Owed::Ignored(m)) = self.owed.back_mut() {
            *m += n;
        } else {
            self.owed.push_back(Owed::Ignored(n));
        }
    }

    /// Handles the complete replies on the publisher connection.
    fn replies(&mut self, state: &mut LinkState) -> Result<(), Stop> {
        while let Some(len) = self.pub_scan.scan(self.pub_in.data())? {
            let data = &self.pub_in.data()[..len];
            let reply = Value::read(data);
            match self.owed.pop_front() {
                None => return Err(unexpected("a reply nobody asked for")),
                Some(Owed::Ignored(n)) => {
                    if let Value::Error(why) = reply {
                        tracing::debug!(error = %String::from_utf8_lossy(why), "Redis refused a command");
                    }
                    if n > 1 {
                        self.owed.push_front(Owed::Ignored(n - 1));
                    }
                }
                Some(Owed::NumSub(tx)) => {
                    let mut items = reply.items().into_iter().flatten();
                    let count = match (items.next(), items.next()) {
                        (Some(_), Some(Value::Int(n))) => usize::try_from(n).ok(),
                        _ => None,
                    };
                    // The asker may have given up.
                    let _ = tx.try_send(count);
                }
                Some(Owed::Range(tx)) => {
                    // One copy of the reply; ids and fields are slices of it.
                    let whole = Bytes::copy_from_slice(data);
                    let entries = redis_follow::entries(&whole, Value::read(&whole));
                    let _ = tx.try_send(entries.ok_or(BusFailure));
                }
                Some(Owed::Take(tx)) => {
                    let mut items = reply.items().into_iter().flatten();
                    let value = match (items.next(), items.next()) {
                        (Some(Value::Bulk(v)), Some(_)) => Ok(Some(Bytes::copy_from_slice(v))),
                        (Some(Value::Nil), Some(_)) => Ok(None),
                        _ => Err(BusFailure),
                    };
                    let _ = tx.try_send(value);
                }
                Some(Owed::Start(i)) => {
                    let last = match reply {
                        Value::Array(mut items) => match items.next() {
                            None => Bytes::from_static(b"0-0"),
                            Some(entry) => {
                                let id = entry.items().and_then(|mut e| e.next()?.bulk());
                                Bytes::copy_from_slice(
                                    id.ok_or_else(|| unexpected("XREVRANGE entry"))?,
                                )
                            }
                        },
                        Value::Error(why) => {
                            let why = String::from_utf8_lossy(why);
                            return Err(unexpected(&format!("cannot follow a stream: {why}")));
                        }
                        _ => return Err(unexpected("a reply to XREVRANGE")),
                    };
                    if let Some(f) = state.follows.get_mut(i) {
                        f.last.get_or_insert(last);
                    }
                }
                Some(Owed::Unblock) => {
                    if let Some(f) = &mut self.follower {
                        f.unblock = match reply {
                            Value::Int(1) => Unblock::Done,
                            // Not blocked (yet): the read may not have
                            // reached Redis; sent again while it misses a
                            // stream.
                            _ => Unblock::Idle,
                        };
                    }
                }
            }
            self.pub_in.consume(len);
        }
        Ok(())
    }

    /// Handles `n` more bytes read on the follower connection.
    fn entries(&mut self, task: &Task, state: &mut LinkState, n: usize) -> Result<(), Stop> {
        let Some(f) = &mut self.follower else {
            return Ok(());
        };
        f.input.end += n;
        let before = state.entries.len();
        let count = f
            .replies(&mut state.follows, &mut state.entries)
            .map_err(|why| unexpected(&why))?;
        task.shared.entries.fetch_add(count, Relaxed);
        if before > 0 {
            // Behind those already waiting, in order.
            return Ok(());
        }
        // Straight to the application while it has room; the rest waits.
        while let Some(event) = state.entries.pop_front() {
            match task.events.try_send(event) {
                Ok(()) | Err(async_channel::TrySendError::Closed(_)) => {}
                Err(async_channel::TrySendError::Full(event)) => {
                    state.entries.push_front(event);
                    break;
                }
            }
        }
        Ok(())
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

    /// Handles the complete pushes on the subscriber connection, until the
    /// application has no room for another event.
    fn messages(&mut self, task: &Task) -> Result<(), Stop> {
        while self.pending.is_none() {
            let Some(len) = self.sub_scan.scan(self.sub_in.data())? else {
                break;
            };
            let reply = Value::read(&self.sub_in.data()[..len]);
            let Some(items) = reply.items() else {
                let why = match reply {
                    Value::Error(why) => String::from_utf8_lossy(why).into_owned(),
                    _ => "a non-array reply".to_owned(),
                };
                return Err(unexpected(&format!("subscriber connection: {why}")));
            };
            let mut parts = [None; 4];
            let n = items.len();
            for (slot, item) in parts.iter_mut().zip(items) {
                *slot = item.bulk();
            }
            let (channel, payload) = match (parts[0], n) {
                (Some(b"message"), 3) => (parts[1], parts[2]),
                (Some(b"pmessage"), 4) => (parts[2], parts[3]),
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
            self.sub_in.consume(len);
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
