//! [`MsgpackParser`]: the wire format of `socket.io-msgpack-parser` 3.0.2.
//!
//! Every packet is one binary Engine.IO message: a msgpack map (written
//! as notepack.io 3.0.1 writes it) with the keys
//!
//! | key | value |
//! |---|---|
//! | `type` | 0 CONNECT, 1 DISCONNECT, 2 EVENT, 3 ACK, 4 CONNECT_ERROR |
//! | `data` | the payload, absent when there is none |
//! | `id` | the ack id, absent when there is none |
//! | `nsp` | the namespace, always present |
//!
//! Binary values travel inside `data` as msgpack `bin`: there are no
//! BINARY_EVENT / BINARY_ACK types and no attachments on the wire. Our
//! packets keep the JSON form ([`Packet::data`] with placeholders plus
//! [`Packet::attachments`]), so encoding turns each placeholder into a
//! `bin` of its attachment and decoding turns each `bin` into a
//! placeholder and an attachment: handlers see the same arguments with
//! either parser.

use super::msgpack_decoder::MsgpackDecoder;
use super::packet::{MAIN_NAMESPACE, Packet, PacketType};
use super::parser::{PacketDecoder, Parser};
use crate::cluster::msgpack::{put_map, put_str, put_uint, write_value};
use crate::cluster::value::Val;
use crate::engine::WsFrame;
use bytes::Bytes;

/// The msgpack wire format, compatible with `socket.io-msgpack-parser`
/// (select it with `ServerConfig { parser: Box::new(MsgpackParser::default()), .. }`).
///
/// Decoding bounds: a packet is one message, already bounded by the
/// Engine.IO payload limit (`max_payload`); the decoder keeps nothing
/// between messages; arrays and maps nest at most
/// [`MAX_DEPTH`](crate::cluster::MAX_DEPTH) levels (the envelope map and
/// the `data` array count); no declared length is allocated beyond what
/// the message holds. Decoding checks what the npm parser checks, plus
/// what the JSON parser requires of payloads (an EVENT's `data` starts
/// with its name; an ack id is at most [`MAX_ACK_ID`](super::MAX_ACK_ID)),
/// takes a `nil` `data` or `id` as absent (notepack.io writes JavaScript's
/// `undefined` as an extension that reads as nil), and refuses an object
/// that reads as a JSON placeholder
/// (`{"_placeholder":true,"num":N}`), which it could not tell from binary.
#[derive(Debug, Clone, Copy, Default)]
pub struct MsgpackParser;

impl Parser for MsgpackParser {
    fn encode(&self, packet: &Packet) -> Vec<WsFrame> {
        vec![WsFrame::Binary(encode_msgpack(packet))]
    }

    fn encode_into(&self, packet: &Packet, out: &mut Vec<WsFrame>) {
        out.push(WsFrame::Binary(encode_msgpack(packet)));
    }

    fn decoder(&self) -> Box<dyn PacketDecoder> {
        Box::new(MsgpackDecoder)
    }
}

/// The msgpack type number: binary packets go out as EVENT and ACK.
fn wire_type(kind: PacketType) -> u8 {
    match kind {
        PacketType::BinaryEvent => PacketType::Event.as_u8(),
        PacketType::BinaryAck => PacketType::Ack.as_u8(),
        other => other.as_u8(),
    }
}

/// Encodes `packet` as one msgpack message (keys in the order Node's
/// server writes them: `type`, `data`, `id`, `nsp`). A payload that is not
/// JSON (a caller bug: [`Packet::data`] is JSON text) is left out.
pub fn encode_msgpack(packet: &Packet) -> Bytes {
    let data = packet.data.as_deref().and_then(|d| Val::from_json(d).ok());
    let binary: usize = packet.attachments.iter().map(Bytes::len).sum();
    let data_len = packet.data.as_ref().map_or(0, Bytes::len);
    let mut out = Vec::with_capacity(16 + packet.nsp.len() + data_len + binary);
    let fields = 2 + usize::from(data.is_some()) + usize::from(packet.id.is_some());
    put_map(&mut out, fields);
    put_str(&mut out, "type");
    put_uint(&mut out, u64::from(wire_type(packet.kind)));
    if let Some(data) = &data {
        put_str(&mut out, "data");
        write_value(data, &mut out, &packet.attachments);
    }
    if let Some(id) = packet.id {
        put_str(&mut out, "id");
        put_uint(&mut out, id);
    }
    put_str(&mut out, "nsp");
    put_str(
        &mut out,
        if packet.nsp.is_empty() {
            MAIN_NAMESPACE
        } else {
            &packet.nsp
        },
    );
    Bytes::from(out)
}

#[cfg(test)]
#[path = "msgpack_tests.rs"]
mod tests;
