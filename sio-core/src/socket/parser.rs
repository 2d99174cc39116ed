//! The codec seam: a [`Parser`] turns packets into Engine.IO messages and
//! back. [`JsonParser`], the reference's default format, is built in; another
//! wire format (msgpack) plugs in here without touching the state machine.

use super::decoder::{Decoder, DecoderLimits};
use super::error::DecodeError;
use super::packet::{Packet, encode_into, encoded_len};
use crate::engine::{Message, WsFrame};
use bytes::Bytes;

/// A Socket.IO wire format.
pub trait Parser {
    /// The Engine.IO messages that carry `packet`, in order, encoded as
    /// they go on a WebSocket: text frames are whole Engine.IO packets
    /// (`4` + the Socket.IO packet), binary frames the attachments. A
    /// broadcast encodes once and every recipient gets these same bytes.
    fn encode(&self, packet: &Packet) -> Vec<WsFrame>;

    /// Appends what [`Parser::encode`] returns to `out`: the server reuses
    /// one vector for every packet it sends. The default calls `encode`.
    fn encode_into(&self, packet: &Packet, out: &mut Vec<WsFrame>) {
        out.extend(self.encode(packet));
    }

    /// A decoder for one connection (it may hold a packet that waits for
    /// its attachments).
    fn decoder(&self) -> Box<dyn PacketDecoder>;
}

/// Decodes the packets of one connection.
pub trait PacketDecoder {
    /// Takes one Engine.IO message: `Ok(Some)` when a packet is complete,
    /// `Ok(None)` when more messages are needed (attachments).
    fn decode(&mut self, msg: Message) -> Result<Option<Packet>, DecodeError>;

    /// Bytes held for a packet that is not complete yet (its bound is the
    /// parser's to keep).
    fn buffered_bytes(&self) -> usize {
        0
    }
}

/// The default parser: JSON text packets, binary attachments as separate
/// binary messages (`socket.io-parser`).
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonParser {
    /// Bounds on attachments per packet.
    pub limits: DecoderLimits,
}

impl Parser for JsonParser {
    fn encode(&self, packet: &Packet) -> Vec<WsFrame> {
        let mut out = Vec::with_capacity(1 + packet.attachments.len());
        self.encode_into(packet, &mut out);
        out
    }

    fn encode_into(&self, packet: &Packet, out: &mut Vec<WsFrame>) {
        // Exactly sized, so the `Bytes` takes the buffer as it is.
        let mut text = Vec::with_capacity(1 + encoded_len(packet));
        text.push(b'4'); // the Engine.IO message type
        encode_into(packet, &mut text);
        out.push(WsFrame::Text(Bytes::from(text)));
        if packet.wire_type().is_binary() {
            out.extend(packet.attachments.iter().cloned().map(WsFrame::Binary));
        }
    }

    fn decoder(&self) -> Box<dyn PacketDecoder> {
        Box::new(Decoder::new(self.limits))
    }
}

impl PacketDecoder for Decoder {
    fn decode(&mut self, msg: Message) -> Result<Option<Packet>, DecodeError> {
        match msg {
            Message::Text(text) => self.decode_text(text),
            Message::Binary(data) => self.decode_binary(data),
        }
    }

    fn buffered_bytes(&self) -> usize {
        Decoder::buffered_bytes(self)
    }
}
