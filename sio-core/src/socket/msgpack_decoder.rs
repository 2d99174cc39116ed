//! [`MsgpackDecoder`]: one msgpack message in, one [`Packet`] out, checked
//! as `socket.io-msgpack-parser`'s `checkPacket` checks it.

use super::error::DecodeError;
use super::packet::{MAX_ACK_ID, Packet, PacketType, namespace_name};
use super::parser::PacketDecoder;
use crate::cluster::msgpack::decode;
use crate::cluster::value::{BinJson, Val, args_from, has_placeholder, write_json};
use crate::engine::Message;
use bytes::Bytes;

/// Decodes the packets of one connection for
/// [`MsgpackParser`](super::MsgpackParser). It holds no state: every
/// message is a whole packet.
#[derive(Debug, Clone, Copy, Default)]
pub struct MsgpackDecoder;

impl PacketDecoder for MsgpackDecoder {
    fn decode(&mut self, msg: Message) -> Result<Option<Packet>, DecodeError> {
        match msg {
            Message::Binary(data) => decode_msgpack(&data).map(Some),
            Message::Text(_) => Err(DecodeError::Msgpack("a text message".to_owned())),
        }
    }
}

/// The value of `key` in the envelope: the last one, as a JavaScript
/// object keeps the last of repeated keys. `nil` counts as absent:
/// notepack.io writes a property set to `undefined` (the official
/// client's CONNECT without auth: `data: undefined`) as fixext 0, which
/// reads as nil, and the npm parser takes `undefined` as absent.
fn field<'a>(entries: &'a [(String, Val)], key: &str) -> Option<&'a Val> {
    entries
        .iter()
        .rev()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v)
        .filter(|v| **v != Val::Nil)
}

/// Decodes one msgpack message into a packet: binary values in `data`
/// become placeholders and attachments (an EVENT or ACK with binary is a
/// BINARY_EVENT or BINARY_ACK, as the JSON decoder gives it).
///
/// The common EVENT or ACK takes a shortcut that writes the arguments'
/// JSON as it reads them (`msgpack_fast.rs`); everything else, errors
/// included, goes through [`decode_msgpack_tree`].
pub fn decode_msgpack(bytes: &[u8]) -> Result<Packet, DecodeError> {
    match super::msgpack_fast::decode_fast(bytes) {
        Some(packet) => Ok(packet),
        None => decode_msgpack_tree(bytes),
    }
}

/// [`decode_msgpack`] without its shortcut: the message read into a value
/// tree, then checked and written out. Public for differential fuzzing:
/// both must give the same packet.
#[doc(hidden)]
pub fn decode_msgpack_tree(bytes: &[u8]) -> Result<Packet, DecodeError> {
    let envelope = decode(bytes).map_err(|e| DecodeError::Msgpack(e.to_string()))?;
    let Val::Map(entries) = envelope else {
        return Err(DecodeError::Msgpack("not a map".to_owned()));
    };
    let kind = field(&entries, "type")
        .and_then(Val::as_u64)
        .and_then(|n| u8::try_from(n).ok())
        .and_then(PacketType::from_u8)
        .filter(|t| !t.is_binary())
        .ok_or_else(|| DecodeError::Msgpack("invalid packet type".to_owned()))?;
    let Some(Val::Str(nsp)) = field(&entries, "nsp") else {
        return Err(DecodeError::BadNamespace);
    };
    let id = match field(&entries, "id") {
        None => None,
        Some(v) => Some(
            v.as_u64()
                .filter(|&n| n <= MAX_ACK_ID)
                .ok_or(DecodeError::BadAckId)?,
        ),
    };
    let invalid = || DecodeError::InvalidPayload(kind);
    let data = field(&entries, "data");
    let (kind, data, attachments) = match (kind, data) {
        (PacketType::Connect | PacketType::Disconnect, None) => (kind, None, Vec::new()),
        (PacketType::Connect, Some(v @ Val::Map(_)))
        | (PacketType::ConnectError, Some(v @ (Val::Map(_) | Val::Str(_)))) => {
            if has_placeholder(v) {
                return Err(DecodeError::BadPlaceholder);
            }
            let mut json = Vec::new();
            write_json(v, &mut json, &mut BinJson::Raw);
            (kind, Some(Bytes::from(json)), Vec::new())
        }
        (PacketType::Event, Some(Val::Arr(items)))
            if matches!(items.first(), Some(Val::Str(_))) =>
        {
            args_payload(kind, items)?
        }
        (PacketType::Ack, Some(Val::Arr(items))) => args_payload(kind, items)?,
        _ => return Err(invalid()),
    };
    Ok(Packet {
        kind,
        nsp: namespace_name(nsp),
        id,
        data,
        attachments,
    })
}

/// The JSON payload and attachments of an EVENT or ACK's `data`, and its
/// type (binary when it has attachments).
fn args_payload(
    kind: PacketType,
    items: &[Val],
) -> Result<(PacketType, Option<Bytes>, Vec<Bytes>), DecodeError> {
    let args = args_from(items).map_err(|_| DecodeError::BadPlaceholder)?;
    let kind = match kind {
        PacketType::Event if args.is_binary() => PacketType::BinaryEvent,
        PacketType::Ack if args.is_binary() => PacketType::BinaryAck,
        other => other,
    };
    Ok((kind, Some(args.json), args.attachments))
}
