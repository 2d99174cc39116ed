//! The client's wire format: [`ClientParser`] picks JSON
//! (`socket.io-parser`, the default) or msgpack
//! (`socket.io-msgpack-parser`); the server must use the same.

use crate::engine::Message;
use crate::socket::{
    DecodeError, Decoder, DecoderLimits, MsgpackDecoder, Packet, PacketDecoder, encode,
    encode_msgpack,
};
use bytes::Bytes;

/// Which Socket.IO parser the client speaks (the official client's
/// `parser` option).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientParser {
    /// JSON text packets, binary as attachments (the default).
    #[default]
    Json,
    /// One msgpack binary message per packet, as `socket.io-msgpack-parser`
    /// ([`MsgpackParser`](crate::socket::MsgpackParser) on our server).
    Msgpack,
}

/// One connection's decoder for the configured parser.
#[derive(Debug, Clone)]
pub(crate) enum ClientDecoder {
    /// JSON, reassembling attachments within the configured bound.
    Json(Decoder),
    /// msgpack: every message is a whole packet.
    Msgpack(MsgpackDecoder),
}

impl ClientDecoder {
    /// A decoder for `parser`; `max_attachments` bounds JSON binary packets.
    pub(crate) fn new(parser: ClientParser, max_attachments: usize) -> ClientDecoder {
        match parser {
            ClientParser::Json => ClientDecoder::Json(Decoder::new(DecoderLimits {
                max_attachments,
                ..DecoderLimits::default()
            })),
            ClientParser::Msgpack => ClientDecoder::Msgpack(MsgpackDecoder),
        }
    }

    /// Forgets a packet being reassembled.
    pub(crate) fn reset(&mut self) {
        if let ClientDecoder::Json(d) = self {
            d.reset();
        }
    }

    /// Takes one Engine.IO message; `Ok(None)` while attachments are awaited.
    pub(crate) fn decode(&mut self, msg: Message) -> Result<Option<Packet>, DecodeError> {
        match self {
            ClientDecoder::Json(d) => PacketDecoder::decode(d, msg),
            ClientDecoder::Msgpack(d) => d.decode(msg),
        }
    }
}

/// The Engine.IO messages that carry `packet` with `parser`, in order.
pub(crate) fn encode_messages(parser: ClientParser, packet: &Packet) -> Vec<Message> {
    match parser {
        ClientParser::Json => {
            let (text, attachments) = encode(packet);
            let mut out = Vec::with_capacity(1 + attachments.len());
            out.push(Message::Text(Bytes::from(text)));
            out.extend(attachments.iter().cloned().map(Message::Binary));
            out
        }
        ClientParser::Msgpack => vec![Message::Binary(encode_msgpack(packet))],
    }
}
