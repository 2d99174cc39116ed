//! The Redis link of a cluster member: Pub/Sub (publish, subscribe,
//! count subscribers), streams (append, follow, read a range) and keys
//! (set with a TTL, delete, take), over one to three connections to one
//! Redis, kept up in the background. Bytes only: what the channels,
//! entries and keys mean is the core's business.
//!
//! ```no_run
//! # use sio_smol::cluster::redis_bus::{BusEvent, BusOptions, RedisBus};
//! # smol::block_on(async {
//! let (bus, events) = RedisBus::start("redis://127.0.0.1:6379", BusOptions::default()).unwrap();
//! bus.subscribe(vec!["socket.io-request#/#".into()], vec!["socket.io#/#*".into()]);
//! bus.stream_follow("socket.io".into());
//! bus.publish("socket.io#/#".into(), bytes::Bytes::from_static(b"\x93\xa6Xy12Ab"));
//! while let Ok(event) = events.recv().await {
//!     match event {
//!         BusEvent::Message { channel, payload } => { /* to the core */ }
//!         BusEvent::StreamEntries { stream, entries } => { /* to the core */ }
//!         _ => { /* Up, Down */ }
//!     }
//! }
//! # });
//! ```
//!
//! # The connections
//!
//! - **Publisher**: every command and question, pipelined in call order:
//!   `PUBLISH`, `XADD stream MAXLEN ~ n * field value ...`, `SET key value
//!   PX ms`, `DEL`, `PUBSUB NUMSUB`, `XRANGE stream start end COUNT n`, and
//!   a take as `MULTI; GET; DEL; EXEC` in one write (so two members cannot
//!   both get a key). Appends and key writes are fire and forget, like
//!   publishes, and leave in order with them.
//! - **Subscriber**: `SUBSCRIBE` / `PSUBSCRIBE` and the messages.
//! - **Follower**, opened when a stream is first followed: one blocking
//!   `XREAD BLOCK 5000 COUNT 100 STREAMS <streams...> <last ids...>` at a
//!   time over every followed stream, as Node's streams adapter reads.
//!   Following starts after the stream's last entry at the time of
//!   [`RedisBus::stream_follow`] (`XREVRANGE s + - COUNT 1` on the
//!   publisher connection, so this member's later appends are included;
//!   `0-0` for an empty stream), which is Node's `$` made exact; then each
//!   read starts from the last id reported. A stream followed while a read
//!   blocks wakes it (`CLIENT UNBLOCK` of the follower's `CLIENT ID`).
//!
//! # The protocol
//!
//! A minimal RESP2 client of its own (`resp.rs`) over `smol::net`, not the
//! `redis` crate: the crate (1.x with `smol-comp`) copies a payload twice
//! per `PUBLISH` (into a `Cmd`, then into the packed command), decodes
//! every incoming message into a `Value` tree (an allocation per element)
//! and hands it over through a tokio channel, and needs an in-flight entry
//! and a oneshot per command. Here a `PUBLISH` is copied once, into the
//! write buffer, and pipelined (a batch of queued commands is one write);
//! an incoming message is parsed in place and costs two allocations, its
//! channel name (reused while it repeats) and its payload. A reply with
//! stream entries is copied once into a `Bytes`; every id, field name and
//! value is a slice of it (the allocations are the entries' `Vec`s).
//!
//! # Where it runs
//!
//! One task owns the connections, the pipeline of replies and the
//! reconnect loop. [`RedisBus::start`] spawns it with `smol::spawn`, on
//! smol's global executor (its own thread, `SMOL_THREADS`);
//! [`RedisBus::new`] gives it back to run elsewhere: a server
//! (`SocketIo::with_redis`) runs it on its own thread's `LocalExecutor`,
//! so a message reaches the core without crossing threads. The caller's
//! side is lock-free for commands: a [`RedisBus::publish`] is an atomic
//! counter and a push into an unbounded `async_channel` (a block allocated
//! per 31 messages), read by the task in call order; incoming messages and
//! entries come back through a bounded `async_channel`
//! ([`BusOptions::event_queue`]).
//!
//! # While Redis is away
//!
//! - **Lost**: every message published by anyone while this member is not
//!   subscribed, as with Node's adapter: Pub/Sub keeps nothing. This
//!   member's own fire-and-forget commands ([`RedisBus::publish`],
//!   [`RedisBus::stream_append`], [`RedisBus::set_key`],
//!   [`RedisBus::delete_key`]) are dropped while the link is down (counted
//!   in [`BusStats::dropped`], one `warn` line per outage, not per
//!   command), and so is what was written to a connection that then broke
//!   before Redis read it (counted as written). Commands made during a
//!   connect attempt wait for its outcome (bounded by the queue): sent if
//!   it succeeds, dropped if it fails.
//! - **Kept**: what the streams hold. After a reconnect each followed
//!   stream is read from the last id reported, so entries appended by
//!   anyone meanwhile arrive, each once, unless `MAXLEN ~` trimmed them
//!   first (the reader then resumes at the oldest entry left, silently; an
//!   outage longer than the stream's length in appends loses the trimmed
//!   ones). Entries already read and not yet taken by the application are
//!   delivered before [`BusEvent::Down`]. A Redis restarted empty gets new
//!   ids later than the old ones (they start with the time in ms), so
//!   following goes on.
//! - **Kept**: the subscription set and the followed streams. Both are
//!   only ever added to; after every reconnect the whole set is subscribed
//!   again and every followed stream has its starting point before
//!   [`BusEvent::Up`] is sent; entries are read only after `Up`.
//! - Questions ([`RedisBus::count_subscribers`],
//!   [`RedisBus::stream_range`], [`RedisBus::take_key`]) answer a failure
//!   (`None`, `Err(BusFailure)`) at once while the link is down, and when
//!   a connection breaks with the question unanswered (no guess, no
//!   cache). A take whose `EXEC` was run but whose answer was lost with
//!   the connection has deleted the key: that session is lost.
//!
//! # Bounds and policies
//!
//! - Command queue ([`BusOptions::publish_queue`], default 65 536
//!   fire-and-forget commands waiting for the task): beyond it a command
//!   is dropped and counted; no call blocks. Questions are not counted:
//!   the core bounds its own.
//! - Event queue ([`BusOptions::event_queue`], default 1 024 events): when
//!   the application does not keep up, the task stops reading the
//!   subscriber connection (Redis then buffers, up to its
//!   `client-output-buffer-limit pubsub`, and disconnects us beyond it)
//!   and sends no new `XREAD` (nothing is lost: the stream keeps the
//!   entries, up to its `MAXLEN`), while commands and questions go on. At
//!   most one `XREAD` reply (100 entries per stream) is held in the link
//!   beyond the queue.
//! - Replies: nested at most 5 deep, at most 2^20 elements, each bulk
//!   string at most 512 MB (Redis's own limit); beyond, the reply is a
//!   protocol error and the link reconnects. An `XRANGE` answer is as big
//!   as its `COUNT` makes it. A read buffer grown for a long reply shrinks
//!   back once it is consumed.
//! - A stream key of another type (or any refusal of `XREVRANGE` or
//!   `XREAD`) breaks the link, which reconnects with backoff and fails
//!   again: following a key that is not a stream is a configuration error.
//!   A refused `XRANGE` or take answers `Err(BusFailure)`; a refused
//!   fire-and-forget command is logged at `debug`.
//! - Reconnects: the first connect at once; after a failure or a break,
//!   100 ms, doubling after each failed attempt up to 5 s
//!   ([`BusOptions::backoff_min`], [`BusOptions::backoff_max`]), back to
//!   the minimum once the link is up; a connect attempt gives up
//!   after [`BusOptions::connect_timeout`]. All connections are torn down
//!   and remade together when one breaks, so [`BusEvent::Down`] means
//!   that publishing is down too.
//! - The URL's database (`redis://host/3`) is selected on every
//!   connection: streams and keys live in it; channels are global.
//!
//! A Redis that hangs without closing its connections (e.g. `SIGSTOP`) is
//! noticed only by TCP; questions give up after
//! [`BusOptions::request_timeout`] meanwhile.

use super::redis_conn::open;
use super::redis_link::{Link, LinkState, Stop};
use super::redis_url::{self, Target};
use bytes::Bytes;
use futures_lite::future;
pub use sio_core::bus::{BusFailure, StreamEntry};
use smol::Timer;
use smol::net::TcpStream;
use std::future::Future;
use std::io;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Options of the Redis link.
#[derive(Clone, Debug)]
pub struct BusOptions {
    /// First reconnect delay (100 ms); doubled after each failed attempt.
    pub backoff_min: Duration,
    /// Longest reconnect delay (5 s).
    pub backoff_max: Duration,
    /// Most fire-and-forget commands (publishes, appends, key writes)
    /// waiting for the connection (65 536); more are dropped.
    pub publish_queue: usize,
    /// Most events waiting for the application (1 024); then the
    /// subscriber connection is not read until there is room.
    pub event_queue: usize,
    /// Longest TCP connect plus `AUTH` (5 s).
    pub connect_timeout: Duration,
    /// Longest wait for the answer to a question (`PUBSUB NUMSUB`,
    /// `XRANGE`, a take) (5 s).
    pub request_timeout: Duration,
}

impl Default for BusOptions {
    fn default() -> Self {
        BusOptions {
            backoff_min: Duration::from_millis(100),
            backoff_max: Duration::from_secs(5),
            publish_queue: 65_536,
            event_queue: 1_024,
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(5),
        }
    }
}

/// What [`RedisBus::stream_range`] answers.
pub type RangeAnswer = Result<Vec<StreamEntry>, BusFailure>;

/// What [`RedisBus::take_key`] answers.
pub type KeyAnswer = Result<Option<Bytes>, BusFailure>;

/// What the link reports, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BusEvent {
    /// A message on `channel` (for a pattern subscription, the concrete channel).
    Message {
        /// The channel it was published on.
        channel: Bytes,
        /// The published bytes.
        payload: Bytes,
    },
    /// Entries of a followed stream ([`RedisBus::stream_follow`]): those
    /// of one `XREAD` reply, oldest first; each entry is reported once.
    StreamEntries {
        /// The stream's key.
        stream: Bytes,
        /// The entries, in stream order.
        entries: Vec<StreamEntry>,
    },
    /// (Re)connected and (re)subscribed: every channel and pattern added
    /// so far is confirmed by Redis, and every followed stream has its
    /// starting point.
    Up,
    /// The link broke; reconnecting.
    Down,
}

/// A bad [`RedisBus::start`] argument.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BusError {
    /// The URL is not `redis://[[user]:password@]host[:port][/db]`.
    #[error("bad Redis URL {url:?}: {reason}")]
    BadUrl {
        /// The URL given, its password (if any) replaced by `***`.
        url: String,
        /// What is wrong with it.
        reason: &'static str,
    },
}

/// Counters for logs and tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BusStats {
    /// Messages written to the publisher connection.
    pub published: u64,
    /// Entries appended (`XADD`s written to the publisher connection).
    pub appended: u64,
    /// Fire-and-forget commands dropped (publishes, appends, key writes):
    /// link down, queue full, or bus closed.
    pub dropped: u64,
    /// Messages received on the subscriber connection.
    pub received: u64,
    /// Stream entries received on the follower connection.
    pub entries: u64,
    /// Times the link came back up after a break.
    pub reconnects: u64,
}

/// One publisher connection and one subscriber connection to one Redis.
/// Cheap to clone; every clone drives the same link, which stops when
/// [`RedisBus::close`] is called or the last clone is dropped.
#[derive(Clone)]
pub struct RedisBus {
    shared: Arc<Shared>,
    cmds: async_channel::Sender<Cmd>,
}

/// What the handles and the task share.
pub(super) struct Shared {
    /// Every channel and pattern subscribed so far, in order of addition.
    pub(super) subs: Mutex<SubSet>,
    /// Every stream followed so far, in order of addition.
    pub(super) follows: Mutex<Vec<String>>,
    /// Fire-and-forget commands in the command queue.
    pub(super) queued: AtomicUsize,
    publish_queue: usize,
    request_timeout: Duration,
    pub(super) published: AtomicU64,
    pub(super) appended: AtomicU64,
    pub(super) dropped: AtomicU64,
    pub(super) received: AtomicU64,
    pub(super) entries: AtomicU64,
    pub(super) reconnects: AtomicU64,
}

#[derive(Default)]
pub(super) struct SubSet {
    pub(super) channels: Vec<String>,
    pub(super) patterns: Vec<String>,
}

/// A request from a handle to the task.
pub(super) enum Cmd {
    /// Fire and forget, counted in [`Shared::queued`].
    Publish(String, Bytes),
    /// `XADD stream MAXLEN ~ max_len * fields...`, fire and forget.
    Append {
        stream: String,
        max_len: usize,
        fields: Vec<(Bytes, Bytes)>,
    },
    /// `SET key value PX ttl`, fire and forget.
    SetKey(String, Bytes, Duration),
    /// `DEL key`, fire and forget.
    DeleteKey(String),
    NumSub(String, async_channel::Sender<Option<usize>>),
    /// `XRANGE stream start end COUNT count`.
    Range {
        stream: String,
        start: String,
        end: String,
        count: usize,
        answer: async_channel::Sender<RangeAnswer>,
    },
    /// `MULTI; GET key; DEL key; EXEC`.
    Take(String, async_channel::Sender<KeyAnswer>),
    /// The subscription set grew.
    Subscribe,
    /// The set of followed streams grew.
    Follow,
}

impl Cmd {
    /// Whether it is counted in [`Shared::queued`] (and dropped, counted,
    /// when it cannot be carried out).
    pub(super) fn is_fire_and_forget(&self) -> bool {
        matches!(
            self,
            Cmd::Publish(..) | Cmd::Append { .. } | Cmd::SetKey(..) | Cmd::DeleteKey(..)
        )
    }
}

impl RedisBus {
    /// Connects (returns at once; connects in the background, on smol's
    /// global executor, and keeps reconnecting with backoff). `events`
    /// receives what arrives.
    pub fn start(
        url: &str,
        options: BusOptions,
    ) -> Result<(RedisBus, async_channel::Receiver<BusEvent>), BusError> {
        let (bus, events, task) = RedisBus::new(url, options)?;
        smol::spawn(task).detach();
        Ok((bus, events))
    }

    /// As [`RedisBus::start`], but the task that owns the connections is
    /// given back for the caller to run on an executor of its choice (a
    /// server runs it on its own thread: no hop between threads per
    /// message). Nothing connects until it runs.
    pub fn new(
        url: &str,
        options: BusOptions,
    ) -> Result<
        (
            RedisBus,
            async_channel::Receiver<BusEvent>,
            impl Future<Output = ()> + Send + 'static + use<>,
        ),
        BusError,
    > {
        let target = redis_url::parse(url).map_err(|reason| BusError::BadUrl {
            url: redis_url::redacted(url),
            reason,
        })?;
        let shared = Arc::new(Shared {
            subs: Mutex::default(),
            follows: Mutex::default(),
            queued: AtomicUsize::new(0),
            publish_queue: options.publish_queue,
            request_timeout: options.request_timeout,
            published: AtomicU64::new(0),
            appended: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
            received: AtomicU64::new(0),
            entries: AtomicU64::new(0),
            reconnects: AtomicU64::new(0),
        });
        let (cmds, cmd_rx) = async_channel::unbounded();
        let (ev_tx, events) = async_channel::bounded(options.event_queue.max(1));
        let task = Task {
            target,
            options,
            shared: shared.clone(),
            cmds: cmd_rx,
            events: ev_tx,
        };
        Ok((RedisBus { shared, cmds }, events, task.run()))
    }

    /// Adds channels and patterns to the subscription set: applied now if
    /// connected, and again after every reconnect (the whole set).
    /// Duplicates are ignored.
    pub fn subscribe(&self, channels: Vec<String>, patterns: Vec<String>) {
        {
            let mut set = self.shared.subs.lock().unwrap_or_else(|e| e.into_inner());
            for c in channels {
                if !set.channels.contains(&c) {
                    set.channels.push(c);
                }
            }
            for p in patterns {
                if !set.patterns.contains(&p) {
                    set.patterns.push(p);
                }
            }
        }
        // Closed: nothing to apply it to.
        let _ = self.cmds.try_send(Cmd::Subscribe);
    }

    /// Queues a PUBLISH; messages are published in call order on one
    /// connection. While Redis is unreachable they are dropped (counted; a
    /// warn log line per outage, not per message) — the same loss as
    /// Node's adapter, nothing more. Beyond [`BusOptions::publish_queue`]
    /// queued messages, dropped and counted too. Never blocks.
    pub fn publish(&self, channel: String, payload: Bytes) {
        self.fire(Cmd::Publish(channel, payload));
    }

    /// Queues `XADD stream MAXLEN ~ max_len * field value ...`: in call
    /// order with the publishes and key writes, on the same connection,
    /// without waiting for the entry's id. Dropped and counted like a
    /// publish while the link is down or the queue is full.
    pub fn stream_append(&self, stream: String, max_len: usize, fields: Vec<(Bytes, Bytes)>) {
        self.fire(Cmd::Append {
            stream,
            max_len,
            fields,
        });
    }

    /// Queues `SET key value PX ttl` (a `ttl` under 1 ms is 1 ms), as
    /// [`RedisBus::stream_append`].
    pub fn set_key(&self, key: String, value: Bytes, ttl: Duration) {
        self.fire(Cmd::SetKey(key, value, ttl));
    }

    /// Queues `DEL key`, as [`RedisBus::stream_append`].
    pub fn delete_key(&self, key: String) {
        self.fire(Cmd::DeleteKey(key));
    }

    /// Follows `stream` for as long as the bus lives: every entry appended
    /// after this call is reported once, in order, as
    /// [`BusEvent::StreamEntries`], outages included as long as the stream
    /// still holds the entries (see the module docs). Following a stream
    /// twice is following it once.
    pub fn stream_follow(&self, stream: String) {
        {
            let mut follows = self
                .shared
                .follows
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            if follows.contains(&stream) {
                return;
            }
            follows.push(stream);
        }
        // Closed: nothing to follow for.
        let _ = self.cmds.try_send(Cmd::Follow);
    }

    /// `PUBSUB NUMSUB channel` → `Some(count)`; `None` when Redis cannot
    /// answer (down, error, no answer within
    /// [`BusOptions::request_timeout`]).
    pub fn count_subscribers(
        &self,
        channel: String,
    ) -> impl Future<Output = Option<usize>> + use<> {
        self.ask(move |tx| Cmd::NumSub(channel, tx), Option::flatten)
    }

    /// `XRANGE stream start end COUNT count` (both ends included; `-` and
    /// `+` are the ends of the stream) → the entries, oldest first;
    /// `Err(BusFailure)` when Redis cannot answer (down, error, no answer
    /// within [`BusOptions::request_timeout`]).
    pub fn stream_range(
        &self,
        stream: String,
        start: String,
        end: String,
        count: usize,
    ) -> impl Future<Output = RangeAnswer> + use<> {
        self.ask(
            move |answer| Cmd::Range {
                stream,
                start,
                end,
                count,
                answer,
            },
            |answer| answer.unwrap_or(Err(BusFailure)),
        )
    }

    /// Reads and deletes `key` at once (`MULTI; GET; DEL; EXEC`, one write):
    /// `Ok(None)` when it does not exist, so that of two takers only one
    /// gets the value; `Err(BusFailure)` as [`RedisBus::stream_range`].
    pub fn take_key(&self, key: String) -> impl Future<Output = KeyAnswer> + use<> {
        self.ask(
            move |answer| Cmd::Take(key, answer),
            |answer| answer.unwrap_or(Err(BusFailure)),
        )
    }

    /// Queues a fire-and-forget command, or drops and counts it.
    fn fire(&self, cmd: Cmd) {
        let s = &self.shared;
        if s.queued.fetch_add(1, Relaxed) >= s.publish_queue {
            s.queued.fetch_sub(1, Relaxed);
            s.dropped.fetch_add(1, Relaxed);
            return;
        }
        if self.cmds.try_send(cmd).is_err() {
            // Closed (an unbounded channel is never full).
            s.queued.fetch_sub(1, Relaxed);
            s.dropped.fetch_add(1, Relaxed);
        }
    }

    /// Sends a question made by `make` with the sender of its answer;
    /// `finish` turns the answer (`None`: none came, the task dropped the
    /// question or [`BusOptions::request_timeout`] passed) into the result.
    fn ask<A, T, M, F>(&self, make: M, finish: F) -> impl Future<Output = T> + use<A, T, M, F>
    where
        M: FnOnce(async_channel::Sender<A>) -> Cmd,
        F: FnOnce(Option<A>) -> T,
    {
        let (tx, rx) = async_channel::bounded(1);
        let sent = self.cmds.try_send(make(tx)).is_ok();
        let timeout = self.shared.request_timeout;
        let answer = async move {
            if !sent {
                return None;
            }
            let answer = async { rx.recv().await.ok() };
            let give_up = async {
                Timer::after(timeout).await;
                None
            };
            future::or(answer, give_up).await
        };
        async move { finish(answer.await) }
    }

    /// Counters for logs and tests: published, dropped, received, reconnects.
    pub fn stats(&self) -> BusStats {
        let s = &self.shared;
        BusStats {
            published: s.published.load(Relaxed),
            appended: s.appended.load(Relaxed),
            dropped: s.dropped.load(Relaxed),
            received: s.received.load(Relaxed),
            entries: s.entries.load(Relaxed),
            reconnects: s.reconnects.load(Relaxed),
        }
    }

    /// Stops both connections (unsubscribes by closing). Publishes queued
    /// before it are still written if the link is up; later ones are
    /// dropped. The event receiver then ends.
    pub fn close(&self) {
        self.cmds.close();
    }
}

/// The background task: connect, serve, back off, again.
pub(super) struct Task {
    pub(super) target: Target,
    pub(super) options: BusOptions,
    pub(super) shared: Arc<Shared>,
    pub(super) cmds: async_channel::Receiver<Cmd>,
    pub(super) events: async_channel::Sender<BusEvent>,
}

impl Task {
    async fn run(self) {
        let addr = format!("{}:{}", self.target.host, self.target.port);
        let mut delay = self.options.backoff_min;
        let mut state = LinkState::default();
        loop {
            let attempt = future::or(self.connect_both(), async {
                Timer::after(self.options.connect_timeout).await;
                Err(io::Error::new(io::ErrorKind::TimedOut, "connect timed out"))
            });
            let err = match attempt.await {
                Ok((pubc, subc)) => {
                    let mut link = Link::new(pubc, subc);
                    match link.serve(&self, &mut state).await {
                        Stop::Closed => return,
                        Stop::Broken(e) => e,
                    }
                }
                Err(e) => e,
            };
            // Entries already read go out before `Down`, outage or not.
            while let Some(event) = state.entries.pop_front() {
                if self.events.send(event).await.is_err() {
                    break;
                }
            }
            if std::mem::take(&mut state.up) {
                delay = self.options.backoff_min;
                // The application may have gone; nothing to tell then.
                let _ = self.events.send(BusEvent::Down).await;
            }
            if state.outage.is_none() {
                tracing::warn!(redis = %addr, error = %err, "Redis link down; publishes are dropped until it is back");
                state.outage = Some(self.shared.dropped.load(Relaxed));
            } else {
                tracing::debug!(redis = %addr, error = %err, "Redis reconnect failed");
            }
            if self.back_off(delay).await.is_err() {
                return;
            }
            delay = (delay * 2).min(self.options.backoff_max);
        }
    }

    /// Opens the publisher then the subscriber connection.
    async fn connect_both(&self) -> io::Result<(TcpStream, TcpStream)> {
        let p = open(&self.target).await?;
        let s = open(&self.target).await?;
        Ok((p, s))
    }

    /// Waits `delay` while dropping what the handles send (questions are
    /// answered with a failure at once); `Err` when the bus is closed.
    async fn back_off(&self, delay: Duration) -> Result<(), ()> {
        let mut timer = Timer::after(delay);
        loop {
            let next = future::or(async { Some(self.cmds.recv().await) }, async {
                (&mut timer).await;
                None
            });
            match next.await {
                None => return Ok(()),
                Some(Err(_)) => return Err(()),
                Some(Ok(cmd)) if cmd.is_fire_and_forget() => {
                    self.shared.queued.fetch_sub(1, Relaxed);
                    self.shared.dropped.fetch_add(1, Relaxed);
                }
                // A question: dropping its sender answers it with a failure.
                // Subscriptions and follows are in `Shared`, for later.
                Some(Ok(_)) => {}
            }
        }
    }
}
