//! Why a peer's input is not a Socket.IO packet.

use super::packet::PacketType;
use thiserror::Error;

/// Why a peer's input is not a valid Socket.IO packet. Every variant is a
/// peer fault; the reference server closes the connection on any of them.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// An empty text message.
    #[error("empty packet")]
    Empty,
    /// The first character is not a packet type `0`..`6`.
    #[error("unknown packet type {0:#04x}")]
    UnknownType(u8),
    /// A binary packet whose header is not a positive decimal count
    /// followed by `-`.
    #[error("illegal attachment count")]
    BadAttachmentCount,
    /// A binary packet declares more attachments than allowed.
    #[error("too many attachments (at most {max})")]
    TooManyAttachments {
        /// The limit.
        max: usize,
    },
    /// The attachments of one packet add up to more bytes than allowed.
    #[error("attachments too large (at most {max} bytes)")]
    AttachmentsTooLarge {
        /// The limit.
        max: usize,
    },
    /// The namespace is not valid UTF-8.
    #[error("invalid namespace")]
    BadNamespace,
    /// The ack id is larger than [`MAX_ACK_ID`](super::MAX_ACK_ID).
    #[error("ack id out of range")]
    BadAckId,
    /// The payload is not JSON (or nests deeper than 128 levels).
    #[error("invalid JSON payload: {0}")]
    InvalidJson(String),
    /// The payload is JSON but not what this packet type carries.
    #[error("invalid payload for packet type {0:?}")]
    InvalidPayload(PacketType),
    /// A `{"_placeholder":true}` object without a `num` naming one of the
    /// packet's attachments.
    #[error("illegal attachment placeholder")]
    BadPlaceholder,
    /// A binary message while no binary packet awaits attachments.
    #[error("binary data while not reconstructing a packet")]
    UnexpectedBinary,
    /// A text message while a binary packet still awaits attachments.
    #[error("text data while reconstructing a packet")]
    UnexpectedText,
    /// The msgpack parser's input is not a Socket.IO packet: not msgpack,
    /// a text message, not a map, or a `type` other than 0..=4 (see
    /// [`MsgpackParser`](super::MsgpackParser)).
    #[error("invalid msgpack packet: {0}")]
    Msgpack(String),
}
