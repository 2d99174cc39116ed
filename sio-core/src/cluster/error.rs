//! Why a cluster message from a peer could not be decoded.

/// A message from another cluster member (or the Redis emitter) that this
/// node cannot use. The caller drops the message, as Node's adapter drops
/// what it cannot decode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClusterDecodeError {
    /// The msgpack input ends inside a value.
    #[error("msgpack input ends early")]
    Truncated,
    /// Bytes follow the msgpack value (notepack.io refuses them too).
    #[error("{0} bytes after the msgpack value")]
    TrailingBytes(usize),
    /// A marker no msgpack writer uses (`0xc1`).
    #[error("invalid msgpack marker 0x{0:02x}")]
    InvalidMarker(u8),
    /// Arrays and maps nest deeper than [`MAX_DEPTH`](super::MAX_DEPTH).
    #[error("nested deeper than {} levels", super::MAX_DEPTH)]
    TooDeep,
    /// A msgpack string is not UTF-8.
    #[error("msgpack string is not UTF-8")]
    InvalidUtf8,
    /// A JSON body does not parse.
    #[error("invalid JSON: {0}")]
    Json(String),
    /// The message is well-formed but not the expected shape: a missing or
    /// mistyped field, named here.
    #[error("malformed message: {0}")]
    Malformed(&'static str),
    /// A request `type` this codec does not know.
    #[error("unknown request type {0}")]
    UnknownType(u64),
}
