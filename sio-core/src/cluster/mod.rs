//! The wire codec of `@socket.io/redis-adapter` 8.3.0 (the classic
//! Pub/Sub adapter), so that this server can join a cluster of Node.js
//! Socket.IO servers: pure functions, no state, no I/O.
//!
//! What travels, per namespace `nsp` and channel prefix `key` (Node's
//! option `key`, default `socket.io`); [`Channels`] names the channels:
//!
//! | what | channel | encoding | here |
//! |---|---|---|---|
//! | broadcasts | `key#nsp#` or `key#nsp#<room>#` | msgpack `[uid, packet, opts]` | [`encode_broadcast`], [`decode_broadcast`] |
//! | requests (types 0–7) | `key-request#nsp#` | JSON; type 7 msgpack | [`encode_request`], [`decode_request`] |
//! | responses | `key-response#nsp#` or `key-response#nsp#<uid>#` | JSON; type 9 msgpack | [`encode_response`], [`decode_response`] |
//!
//! The msgpack side writes exactly what notepack.io 3.0.1 (Node's default
//! parser) writes, and reads the whole msgpack family. Arguments stay
//! Socket.IO [`Args`](crate::socket::Args): JSON text with binary values
//! as placeholders plus attachments; msgpack `bin` values become
//! attachments and back.
//!
//! Peer input never panics: every decoder returns
//! [`ClusterDecodeError`] for what it cannot use, and the caller drops the
//! message, as Node does. Nesting is bounded by [`MAX_DEPTH`] and no
//! declared length is allocated beyond what the input holds.
//!
//! [`streams`] is the codec of `@socket.io/redis-streams-adapter` 0.3.1
//! (stream entries, Pub/Sub messages and recovery sessions), on the same
//! value tree and msgpack reader.
//!
//! The JSON encodings drop binary the way Node's `JSON.stringify` does:
//! a binary argument of a JSON request or response (types 0–6, 8) is
//! written as Node writes a `Buffer`, `{"type":"Buffer","data":[..]}`, and
//! a peer decodes it as that object.

mod broadcast;
mod channels;
pub(crate) mod date;
mod error;
mod handshake_json;
pub(crate) mod msgpack;
mod request;
mod response;
pub mod streams;
pub(crate) mod value;

#[cfg(test)]
mod tests;

pub use broadcast::{BroadcastMsg, decode_broadcast, encode_broadcast};
pub use channels::Channels;
pub use error::ClusterDecodeError;
pub use handshake_json::handshake_json;
pub use request::{Request, RequestMsg, decode_request, encode_request};
pub use response::{RemoteSocket, Response, decode_response, encode_response};

/// How deep arrays and maps may nest in a msgpack message (the message's
/// own envelope counts: a broadcast's arguments start at level 4).
pub const MAX_DEPTH: usize = 64;

/// Who a cluster operation selects (the `opts` of the wire messages).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Opts {
    /// Target rooms; empty means the whole namespace.
    pub rooms: Vec<String>,
    /// Rooms whose sockets are left out.
    pub except: Vec<String>,
    /// flags.volatile
    pub volatile: bool,
    /// flags.timeout in ms (present on acked broadcasts)
    pub timeout: Option<u64>,
}
