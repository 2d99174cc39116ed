//! The message bus between cluster members, as the contract sees it: the
//! core says what to publish and subscribe to ([`BusCommand`], inside
//! [`crate::Output::Bus`]) and is told what arrived ([`BusInput`], inside
//! [`crate::Input::Bus`]). The bus itself (a Redis Pub/Sub connection, or
//! anything with channels, patterns and a subscriber count) is the
//! adapter's job; the cluster protocol (what the bytes mean, who answers,
//! how long to wait) stays in the core.
//!
//! Two families of commands: Pub/Sub (subscribe, publish, count the
//! subscribers), which is all the classic adapter needs, and streams and
//! keys (append to a stream, follow it, read a range of it; set, delete
//! and take a key), which the streams adapter adds for connection state
//! recovery across members. The names say what Redis does for each; an
//! adapter on another store does the same with what it has.

use bytes::Bytes;
use std::time::Duration;

/// The bus could not do what was asked (down, or the store refused).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BusFailure;

/// One entry of a stream: its id (Redis `<ms>-<seq>`, growing along the
/// stream) and its fields, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamEntry {
    /// The entry id, e.g. `1718000000000-0`.
    pub id: Bytes,
    /// (name, value) pairs, in the order they were written.
    pub fields: Vec<(Bytes, Bytes)>,
}

/// A question the core asked the bus ([`BusCommand::CountSubscribers`]);
/// its answer carries the same id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BusQuery(pub u64);

/// Something for the adapter's bus to do.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BusCommand {
    /// Subscribe to these channels (Redis `SUBSCRIBE`) and patterns
    /// (`PSUBSCRIBE`, glob-style), in addition to the earlier ones, and
    /// keep the whole set subscribed: after the bus reconnects, subscribe
    /// to all of it again before reporting messages.
    Subscribe {
        /// Exact channel names.
        channels: Vec<String>,
        /// Channel patterns.
        patterns: Vec<String>,
    },
    /// Publish `payload` on `channel` (Redis `PUBLISH`), without waiting
    /// for an answer. Publishes must leave in the order they are given.
    /// When the bus is down the message is lost, as with any Pub/Sub
    /// member: the core's requests time out instead of waiting forever.
    Publish {
        /// The channel.
        channel: String,
        /// The bytes (binary: msgpack or JSON text).
        payload: Bytes,
    },
    /// Count the subscribers of `channel` (Redis `PUBSUB NUMSUB`), this
    /// member included, and answer with [`BusInput::Count`].
    CountSubscribers {
        /// The question's id, for the answer.
        query: BusQuery,
        /// The channel.
        channel: String,
    },
    /// Append an entry to `stream` (Redis `XADD stream MAXLEN ~ max_len *
    /// field value ...`), without waiting for an answer; appends leave in
    /// the order given, after the publishes given before them. When the
    /// bus is down the entry is lost (the core delivers locally then).
    StreamAppend {
        /// The stream's key.
        stream: String,
        /// Approximate bound on the stream's length (older entries are
        /// trimmed by the store).
        max_len: usize,
        /// (name, value) pairs.
        fields: Vec<(Bytes, Bytes)>,
    },
    /// Report every entry appended to `stream` from now on
    /// ([`BusInput::StreamEntries`], in stream order, each once), for as
    /// long as the bus lives: a blocking read (`XREAD BLOCK .. COUNT ..
    /// STREAMS stream <last id>`, starting at `$`) that resumes from the
    /// last id reported after the bus reconnects, so an outage loses
    /// nothing that the stream still holds.
    StreamFollow {
        /// The stream's key.
        stream: String,
    },
    /// Read the entries of `stream` from `start` to `end`, both included
    /// (Redis `XRANGE stream start end COUNT count`; `-` and `+` are the
    /// ends of the stream), at most `count` of them; answer with
    /// [`BusInput::Range`].
    StreamRange {
        /// The question's id, for the answer.
        query: BusQuery,
        /// The stream's key.
        stream: String,
        /// The first id (included), or `-`.
        start: String,
        /// The last id (included), or `+`.
        end: String,
        /// Most entries answered.
        count: usize,
    },
    /// Store `value` under `key` for `ttl` (Redis `SET key value PX ms`),
    /// replacing what was there, without waiting for an answer.
    SetKey {
        /// The key.
        key: String,
        /// The value.
        value: Bytes,
        /// How long it lives.
        ttl: Duration,
    },
    /// Delete `key` (Redis `DEL`), without waiting for an answer.
    DeleteKey {
        /// The key.
        key: String,
    },
    /// Read and delete `key` at once (Redis `MULTI; GET key; DEL key;
    /// EXEC`, so that two members cannot both get it); answer with
    /// [`BusInput::Key`].
    TakeKey {
        /// The question's id, for the answer.
        query: BusQuery,
        /// The key.
        key: String,
    },
}

/// Something the bus reports.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BusInput {
    /// A message arrived on `channel` (for a pattern subscription, the
    /// concrete channel it was published on). The member's own
    /// publications come back too: the core recognises them.
    Message {
        /// The channel.
        channel: Bytes,
        /// The bytes.
        payload: Bytes,
    },
    /// The answer to [`BusCommand::CountSubscribers`]: `None` when the bus
    /// could not answer (down, or an error), which fails the request that
    /// asked.
    Count {
        /// The question.
        query: BusQuery,
        /// The number of subscribers.
        count: Option<usize>,
    },
    /// Entries appended to a followed stream ([`BusCommand::StreamFollow`]),
    /// in stream order; the member's own appends come back too.
    StreamEntries {
        /// The stream's key.
        stream: Bytes,
        /// The entries, oldest first.
        entries: Vec<StreamEntry>,
    },
    /// The answer to [`BusCommand::StreamRange`], oldest first.
    Range {
        /// The question.
        query: BusQuery,
        /// The entries, or the failure.
        entries: Result<Vec<StreamEntry>, BusFailure>,
    },
    /// The answer to [`BusCommand::TakeKey`]: the value (`None` when the
    /// key did not exist), now deleted.
    Key {
        /// The question.
        query: BusQuery,
        /// The value, or the failure.
        value: Result<Option<Bytes>, BusFailure>,
    },
    /// The bus is up (connected, every subscription and followed stream in
    /// place) or down (commands are lost until it is up again).
    Link {
        /// True when up.
        up: bool,
    },
}
