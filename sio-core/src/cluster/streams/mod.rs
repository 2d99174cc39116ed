//! The wire codec of `@socket.io/redis-streams-adapter` 0.3.1 (built on
//! `ClusterAdapter` of `socket.io-adapter` 2.5.9): pure functions, no
//! state, no I/O. Spec: `redis-adapter.md` sections 10 and 11.
//!
//! What travels, per namespace `nsp`, channel prefix `P` (Node's
//! `channelPrefix`) and adapter uid `U`:
//!
//! | what | where | encoding | here |
//! |---|---|---|---|
//! | broadcasts without ack (3), join (4), leave (5), disconnect (6) | the stream (`XADD`) | fields `uid, nsp, type, data`; `data` is JSON, or base64 of msgpack when it holds binary | [`encode_entry`], [`decode_entry`] |
//! | acked broadcasts (3), fetch (7), server-side emits (9) | `P#nsp#` | msgpack of `{type, data, uid, nsp}` | [`encode_message`], [`decode_message`] |
//! | responses (8, 10, 11, 12) | `P#nsp#<requester>#` | the same | the same |
//! | sessions for connection state recovery | key `<sessionKeyPrefix><pid>` | base64 of msgpack `{sid, pid, rooms, data}` | [`encode_session`], [`decode_session`] |
//!
//! msgpack is written as @msgpack/msgpack 2.8.0 writes it (which differs
//! from notepack.io only for integers beyond 2^53) and read in the whole
//! msgpack family; JSON as `JSON.stringify` writes it. Binary arguments
//! travel as msgpack `bin`. The messages map onto the classic codec's
//! [`Request`] and [`Response`], so a member handles both adapters'
//! requests with one code path. Peer input never panics: decoders return
//! [`ClusterDecodeError`](super::ClusterDecodeError), and nesting is
//! bounded by [`MAX_DEPTH`](super::MAX_DEPTH).

mod data;
mod entry;
mod message;
mod names;
mod offset;
mod session;

#[cfg(test)]
mod tests;

pub use entry::{decode_entry, encode_entry};
pub use message::{decode_message, encode_message};
pub use names::{private_channel, public_channel, session_key};
pub use offset::{StreamId, is_offset, next_offset};
pub use session::{SessionRecord, decode_session, encode_session};

use super::{Opts, Request, Response};
use crate::socket::Args;

/// One `ClusterAdapter` message, by what it means.
///
/// Types 3 (with `requestId`), 4, 5, 6, 7 and 9 are a [`Request`]
/// ([`Request::Broadcast`] is the acked broadcast, then `Join`, `Leave`,
/// `Disconnect`, `Fetch`, `ServerSideEmit`); types 8, 10, 11 and 12 a
/// [`Response`] (`Fetch`, `ServerSideEmit`, `ClientCount`,
/// `BroadcastAck`).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum AdapterMsg {
    /// Type 3 without `requestId`: `{packet:{type:2, data:[event, ...args]
    /// [, id]}, opts}`.
    Broadcast {
        /// The event name.
        event: String,
        /// Its arguments.
        args: Args,
        /// Rooms, except and flags.
        opts: Opts,
        /// `packet.id`: Node's `socket.emit(ev, .., callback)` with
        /// connection state recovery on goes through the stream with its
        /// ack id. Such a packet gets no offset (Node's
        /// `addOffsetIfNecessary`).
        ack_id: Option<u64>,
    },
    /// A request (see the type's doc for which).
    Request(Request),
    /// A response to a request.
    Response(Response),
    /// Types 1, 2 and 13 (heartbeats and close of adapters ≤ 0.2.3) and
    /// unknown types: the receiver ignores them.
    Other(u64),
}

impl AdapterMsg {
    /// The wire `type`. A [`Request`] or [`Response`] of the classic
    /// adapter only (`Sockets`, `AllRooms`, `LegacySocket`, `SocketIds`,
    /// `Rooms`, `Other`) has none here: it is 0, which every peer ignores.
    pub fn kind(&self) -> u64 {
        match self {
            AdapterMsg::Broadcast { .. } => 3,
            AdapterMsg::Request(r) => match r {
                Request::Broadcast { .. } => 3,
                Request::Join { .. } => 4,
                Request::Leave { .. } => 5,
                Request::Disconnect { .. } => 6,
                Request::Fetch { .. } => 7,
                Request::ServerSideEmit { .. } => 9,
                _ => 0,
            },
            AdapterMsg::Response(r) => match r {
                Response::Fetch { .. } => 8,
                Response::ServerSideEmit { .. } => 10,
                Response::ClientCount { .. } => 11,
                Response::BroadcastAck { .. } => 12,
                _ => 0,
            },
            AdapterMsg::Other(kind) => *kind,
        }
    }

    /// True for what Node writes to the stream (a broadcast without ack,
    /// join, leave, disconnect); everything else goes over Pub/Sub:
    /// requests to `P#nsp#`, responses to the requester's channel.
    pub fn in_stream(&self) -> bool {
        matches!(
            self,
            AdapterMsg::Broadcast { .. }
                | AdapterMsg::Request(
                    Request::Join { .. } | Request::Leave { .. } | Request::Disconnect { .. }
                )
        )
    }
}

/// A decoded message with its sender and namespace.
#[derive(Debug, Clone, PartialEq)]
pub struct AdapterEnvelope {
    /// The sender's adapter uid (16 hex characters from Node; `""` when
    /// missing).
    pub uid: String,
    /// The namespace.
    pub nsp: String,
    /// What it says.
    pub msg: AdapterMsg,
}
