//! Engine.IO v3 codecs: polling payloads (text `<length>:<packet>` and the
//! binary framing), packets with base64 binary data (`b4<base64>`), and the
//! WebSocket form of a binary message (type byte `4` before the data).
//!
//! The engine keeps every packet in its v4 WebSocket form ([`WsFrame`]: a
//! text frame is a whole text packet, a binary frame a binary message's
//! data) and converts at the edge, so queues and broadcasts stay shared.

use super::packet::{DecodeError, Message, Packet, WsFrame};
use bytes::Bytes;
use thiserror::Error;

/// Content type of a payload in the binary framing.
pub const BINARY_CONTENT_TYPE: &str = "application/octet-stream";

/// Content type of a text payload.
pub const TEXT_CONTENT_TYPE: &str = "text/plain; charset=UTF-8";

/// Most length digits accepted in one packet's header: more than any body
/// the engine reads (`max_payload` is a `usize`), so a longer run is junk.
const MAX_LENGTH_DIGITS: usize = 20;

/// Why bytes are not an Engine.IO v3 payload or packet.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum PayloadV3Error {
    /// An empty body.
    #[error("empty payload")]
    Empty,
    /// A text payload that is not UTF-8.
    #[error("payload is not valid UTF-8")]
    InvalidUtf8,
    /// A length header that is not digits (then `:`, or `0xFF` in the binary framing).
    #[error("bad length header at byte {0}")]
    BadLength(usize),
    /// A length running past the end of the payload.
    #[error("packet at byte {0} is longer than the payload")]
    Truncated(usize),
    /// The binary framing's first byte is neither 0 (text) nor 1 (binary).
    #[error("bad packet kind {0:#04x} in binary payload")]
    BadKind(u8),
    /// A binary packet of a type other than message (`4`).
    #[error("binary packet of type {0} (only messages carry binary data)")]
    BinaryType(u8),
    /// A packet in the payload is malformed.
    #[error("bad packet: {0}")]
    Packet(#[from] DecodeError),
}

/// How a v3 client takes binary data in a polling response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryMode {
    /// Base64 text packets (`b4<base64>`): the client asked `b64=1`, or JSONP.
    Base64,
    /// The binary framing (`application/octet-stream`) when some packet is binary.
    Framed,
}

/// Length of `s` in UTF-16 code units, as JavaScript's `String.length`.
pub fn utf16_len(s: &str) -> usize {
    s.chars().map(char::len_utf16).sum()
}

/// Encodes frames as one v3 polling payload; returns the body and its
/// content type. Text unless `mode` is [`BinaryMode::Framed`] and some
/// frame is binary, as the reference server.
pub fn encode(frames: &[WsFrame], mode: BinaryMode) -> (Vec<u8>, &'static str) {
    let framed =
        mode == BinaryMode::Framed && frames.iter().any(|f| matches!(f, WsFrame::Binary(_)));
    if framed {
        (encode_framed(frames), BINARY_CONTENT_TYPE)
    } else {
        (encode_text(frames), TEXT_CONTENT_TYPE)
    }
}

/// The text payload: `<length>:<packet>` for each frame, the length in
/// UTF-16 code units; binary data as `b4<base64>`. No frames: `0:`.
pub fn encode_text(frames: &[WsFrame]) -> Vec<u8> {
    if frames.is_empty() {
        return b"0:".to_vec();
    }
    let mut out = Vec::new();
    for f in frames {
        match f {
            WsFrame::Text(t) => {
                // Text frames built by the core are UTF-8.
                let units = std::str::from_utf8(t).map_or(t.len(), utf16_len);
                out.extend_from_slice(units.to_string().as_bytes());
                out.push(b':');
                out.extend_from_slice(t);
            }
            WsFrame::Binary(b) => {
                let encoded = 2 + b.len().div_ceil(3) * 4;
                out.extend_from_slice(encoded.to_string().as_bytes());
                out.extend_from_slice(b":b4");
                crate::base64::encode_into(b, &mut out);
            }
        }
    }
    out
}

/// The binary framing: for each frame, `0` (text) or `1` (binary), the
/// length's decimal digits as bytes 0..=9, `0xFF`, then the packet (text
/// as UTF-8, its length in bytes; binary as the type byte `4` and the data).
pub fn encode_framed(frames: &[WsFrame]) -> Vec<u8> {
    let mut out = Vec::new();
    for f in frames {
        let (kind, data, prefix) = match f {
            WsFrame::Text(t) => (0u8, t, None),
            WsFrame::Binary(b) => (1u8, b, Some(4u8)),
        };
        out.push(kind);
        let len = data.len() + usize::from(prefix.is_some());
        out.extend(len.to_string().bytes().map(|d| d - b'0'));
        out.push(0xFF);
        out.extend(prefix);
        out.extend_from_slice(data);
    }
    out
}

/// Decodes a v3 POST body: the binary framing when the first byte is 0 or
/// 1 (a text payload starts with a length digit), else a text payload.
/// One bad packet fails the whole payload; empty packets (`0:`) are skipped.
pub fn decode(body: Bytes) -> Result<Vec<Packet>, PayloadV3Error> {
    match body.first() {
        None => Err(PayloadV3Error::Empty),
        Some(0 | 1) => decode_framed(body),
        Some(_) => decode_text(body),
    }
}

/// Decodes a text payload (`<length>:<packet>...`, UTF-16 lengths).
pub fn decode_text(body: Bytes) -> Result<Vec<Packet>, PayloadV3Error> {
    let text = std::str::from_utf8(&body).map_err(|_| PayloadV3Error::InvalidUtf8)?;
    if text.is_empty() {
        return Err(PayloadV3Error::Empty);
    }
    let mut packets = Vec::new();
    let mut pos = 0;
    while pos < text.len() {
        let rest = &text[pos..];
        let colon = rest
            .bytes()
            .position(|b| !b.is_ascii_digit())
            .filter(|&i| i > 0 && i <= MAX_LENGTH_DIGITS && rest.as_bytes()[i] == b':')
            .ok_or(PayloadV3Error::BadLength(pos))?;
        let units: usize = rest[..colon]
            .parse()
            .map_err(|_| PayloadV3Error::BadLength(pos))?;
        let start = pos + colon + 1;
        // Walk `units` UTF-16 code units forward.
        let mut end = start;
        let mut seen = 0;
        let mut chars = text[start..].chars();
        while seen < units {
            let c = chars.next().ok_or(PayloadV3Error::Truncated(pos))?;
            seen += c.len_utf16();
            end += c.len_utf8();
        }
        if seen != units {
            // The length splits a surrogate pair.
            return Err(PayloadV3Error::Truncated(pos));
        }
        if end > start {
            packets.push(decode_packet(body.slice(start..end))?);
        }
        pos = end;
    }
    Ok(packets)
}

/// Decodes a payload in the binary framing.
pub fn decode_framed(body: Bytes) -> Result<Vec<Packet>, PayloadV3Error> {
    let mut packets = Vec::new();
    let mut pos = 0;
    while pos < body.len() {
        let kind = body[pos];
        if kind > 1 {
            return Err(PayloadV3Error::BadKind(kind));
        }
        let digits = &body[pos + 1..];
        let end = digits
            .iter()
            .position(|&b| b == 0xFF)
            .filter(|&n| n > 0 && n <= MAX_LENGTH_DIGITS)
            .ok_or(PayloadV3Error::BadLength(pos))?;
        let mut len: usize = 0;
        for &d in &digits[..end] {
            if d > 9 {
                return Err(PayloadV3Error::BadLength(pos));
            }
            len = len
                .checked_mul(10)
                .and_then(|l| l.checked_add(usize::from(d)))
                .ok_or(PayloadV3Error::BadLength(pos))?;
        }
        let start = pos + 1 + end + 1;
        let stop = start
            .checked_add(len)
            .filter(|&s| s <= body.len())
            .ok_or(PayloadV3Error::Truncated(pos))?;
        let data = body.slice(start..stop);
        if kind == 0 {
            if std::str::from_utf8(&data).is_err() {
                return Err(PayloadV3Error::InvalidUtf8);
            }
            packets.push(decode_packet(data)?);
        } else {
            packets.push(decode_binary_packet(data)?);
        }
        pos = stop;
    }
    Ok(packets)
}

/// Decodes one v3 text packet (UTF-8 checked by the caller): `b<type><base64>`
/// for binary data, else as in v4.
pub fn decode_packet(data: Bytes) -> Result<Packet, PayloadV3Error> {
    match data.first() {
        Some(b'b') => {
            let kind = data.get(1).copied().ok_or(DecodeError::Empty)?;
            if kind != b'4' {
                return Err(PayloadV3Error::BinaryType(kind.wrapping_sub(b'0')));
            }
            crate::base64::decode(&data[2..])
                .map(|v| Packet::Message(Message::Binary(Bytes::from(v))))
                .ok_or(PayloadV3Error::Packet(DecodeError::InvalidBase64))
        }
        _ => Ok(Packet::decode_text(data)?),
    }
}

/// Decodes a binary packet: the type byte (only `4`, a message), then the data.
fn decode_binary_packet(data: Bytes) -> Result<Packet, PayloadV3Error> {
    match data.first() {
        None => Err(PayloadV3Error::Packet(DecodeError::Empty)),
        Some(4) => Ok(Packet::Message(Message::Binary(data.slice(1..)))),
        Some(&t) => Err(PayloadV3Error::BinaryType(t)),
    }
}

/// Decodes a WebSocket frame from a v3 client: text as [`decode_packet`],
/// binary as the type byte `4` and the data.
pub fn decode_ws(frame: WsFrame) -> Result<Packet, PayloadV3Error> {
    match frame {
        WsFrame::Text(t) => {
            if std::str::from_utf8(&t).is_err() {
                return Err(PayloadV3Error::InvalidUtf8);
            }
            decode_packet(t)
        }
        WsFrame::Binary(b) => decode_binary_packet(b),
    }
}

/// The frame to write to a v3 client's WebSocket for a frame in v4 form:
/// text as it is; binary data behind the type byte `4`, or as a
/// `b4<base64>` text frame for a client that asked `b64=1`.
pub fn encode_ws(frame: &WsFrame, mode: BinaryMode) -> WsFrame {
    match (frame, mode) {
        (WsFrame::Text(_), _) => frame.clone(),
        (WsFrame::Binary(b), BinaryMode::Framed) => {
            let mut out = Vec::with_capacity(b.len() + 1);
            out.push(4);
            out.extend_from_slice(b);
            WsFrame::Binary(out.into())
        }
        (WsFrame::Binary(b), BinaryMode::Base64) => {
            let mut out = Vec::with_capacity(2 + b.len().div_ceil(3) * 4);
            out.extend_from_slice(b"b4");
            crate::base64::encode_into(b, &mut out);
            WsFrame::Text(out.into())
        }
    }
}

#[cfg(test)]
#[path = "payload_v3_tests.rs"]
mod tests;
