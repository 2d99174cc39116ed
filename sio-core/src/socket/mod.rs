//! Socket.IO v5: the packet codec (pure functions) and [`SioServer`], the
//! server state machine (namespaces, rooms, acks, broadcasts) on top of the
//! Engine.IO layer.
//!
//! A packet travels as the data of an Engine.IO `message`: a text message
//! `<type>[<n>-][<nsp>,][<id>][<json>]`, then for binary packets `n`
//! binary messages, its attachments. [`encode`] produces both parts; a
//! per-connection [`Decoder`] parses text messages, reassembles binary
//! packets and validates every payload as the reference `socket.io-parser`
//! does, within [`DecoderLimits`].
//!
//! Payloads stay raw JSON text ([`Packet::data`]): [`event_name`] splits
//! an event into its name and raw arguments, [`event_payload`] and
//! [`ack_payload`] build payloads from raw arguments.
//!
//! ```
//! use bytes::Bytes;
//! use sio_core::socket::{Decoder, Packet, PacketType, encode, event_name, event_payload};
//!
//! let mut decoder = Decoder::default();
//! let packet = decoder
//!     .decode_text(Bytes::from_static(br#"2/chat,7["msg","hi",1]"#))
//!     .expect("a valid packet")
//!     .expect("not binary, so complete");
//! let data = packet.data.as_ref().expect("events carry data");
//! let (name, args) = event_name(data).expect("an event payload");
//! assert_eq!((&*name, &args[..]), ("msg", &br#"["hi",1]"#[..]));
//!
//! let reply = Packet::new(PacketType::Event, "/chat").with_data(event_payload("echo", &args));
//! assert_eq!(encode(&reply).0, r#"2/chat,["echo","hi",1]"#);
//! ```

mod acks;
mod args;
mod binary;
mod broadcast;
mod config;
mod decoder;
mod eio3_clients;
mod error;
mod event;
mod json_check;
mod member;
mod msgpack_decoder;
mod msgpack_fast;
mod msgpack_parser;
mod namespace;
mod packet;
mod parser;
mod recovery;
mod restore;
mod server;
mod validate;

#[cfg(test)]
mod tests;

pub use args::{ack_payload, event_name, event_payload};
pub use binary::{is_placeholder, placeholder};
pub use config::{ClusterConfig, ServerConfig, StreamsConfig};
pub use decoder::{Decoder, DecoderLimits};
pub use error::DecodeError;
pub use event::{
    Args, BroadcastAckId, ClusterError, ClusterRequestId, DisconnectReason, ServerSideAckId,
    SocketEvent, SocketId, SocketInfo,
};
#[doc(hidden)]
pub use member::{ClusterStats, StreamsStats};
pub use msgpack_decoder::{MsgpackDecoder, decode_msgpack, decode_msgpack_tree};
pub use msgpack_parser::{MsgpackParser, encode_msgpack};
pub use namespace::{BroadcastOp, NamespaceMatcher};
pub use packet::{
    MAIN_NAMESPACE, MAX_ACK_ID, Packet, PacketType, encode, encode_into, namespace_name,
};
pub(crate) use packet::{event_packet, is_reserved_event};
pub use parser::{JsonParser, PacketDecoder, Parser};
pub use recovery::{MemoryStore, RecoveryConfig, RecoveryStore, StoredSession};
pub(crate) use server::{PendingConnect, Timer};
pub use server::{SioError, SioServer};
