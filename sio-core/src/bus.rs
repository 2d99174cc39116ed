//! The message bus between cluster members, as the contract sees it: the
//! core says what to publish and subscribe to ([`BusCommand`], inside
//! [`crate::Output::Bus`]) and is told what arrived ([`BusInput`], inside
//! [`crate::Input::Bus`]). The bus itself (a Redis Pub/Sub connection, or
//! anything with channels, patterns and a subscriber count) is the
//! adapter's job; the cluster protocol (what the bytes mean, who answers,
//! how long to wait) stays in the core.

use bytes::Bytes;

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
}
