//! Polling payloads: packets joined by the record separator `\x1e`, in
//! plain (XHR) form or wrapped for JSONP.

use super::packet::{DecodeError, Packet, WsFrame};
use bytes::Bytes;

/// The record separator between packets of a polling payload.
pub const SEPARATOR: u8 = 0x1e;

/// Encodes packets as one polling payload.
pub fn encode<'a>(packets: impl IntoIterator<Item = &'a Packet>) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, p) in packets.into_iter().enumerate() {
        if i > 0 {
            out.push(SEPARATOR);
        }
        p.encode_polling_into(&mut out);
    }
    out
}

/// Encodes packets already in their WebSocket form as one polling payload:
/// text frames as they are, binary frames as `b` + base64.
pub fn encode_frames(frames: &[WsFrame]) -> Vec<u8> {
    let mut out = Vec::with_capacity(frames.iter().map(|f| frame_len(f) + 1).sum());
    for (i, f) in frames.iter().enumerate() {
        if i > 0 {
            out.push(SEPARATOR);
        }
        match f {
            WsFrame::Text(t) => out.extend_from_slice(t),
            WsFrame::Binary(b) => {
                out.push(b'b');
                crate::base64::encode_into(b, &mut out);
            }
        }
    }
    out
}

fn frame_len(f: &WsFrame) -> usize {
    match f {
        WsFrame::Text(t) => t.len(),
        WsFrame::Binary(b) => b.len().div_ceil(3) * 4 + 1,
    }
}

/// Decodes a polling payload (a POST body). The whole body must be valid
/// UTF-8, and every packet in it valid: one bad packet fails the payload.
pub fn decode(body: Bytes) -> Result<Vec<Packet>, DecodeError> {
    if std::str::from_utf8(&body).is_err() {
        return Err(DecodeError::InvalidUtf8);
    }
    let mut packets = Vec::with_capacity(1);
    let mut start = 0;
    while let Some(n) = body[start..].iter().position(|&b| b == SEPARATOR) {
        packets.push(Packet::decode_polling(body.slice(start..start + n))?);
        start += n + 1;
    }
    packets.push(Packet::decode_polling(body.slice(start..))?);
    Ok(packets)
}

/// Wraps an encoded payload as a JSONP response:
/// `___eio[<index>]("<payload as a JS string>");`. `index` keeps only its
/// digits, as the reference server does, so it cannot inject script.
pub fn jsonp_wrap(index: &str, payload: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(payload);
    // Serialising a str to JSON cannot fail.
    let js = serde_json::to_string(&*text)
        .expect("string serialises")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029");
    let digits: String = index.chars().filter(char::is_ascii_digit).collect();
    format!("___eio[{digits}]({js});").into_bytes()
}

/// Extracts the payload of a JSONP POST body (`d=<urlencoded payload>`),
/// undoing the client's escapes as the reference server does: `\n` (an
/// escaped newline) becomes a newline, then `\\n` (an escaped `\n`)
/// becomes `\n`. `None` when there is no `d` field.
pub fn jsonp_unwrap(body: &[u8]) -> Option<Bytes> {
    let form = std::str::from_utf8(body).ok()?;
    let d = crate::http::query_param(form, "d")?;
    // First pass, the reference's `/(\\)?\\n/g`: `\n` becomes a newline,
    // `\\n` is kept for the second pass.
    let mut out = String::with_capacity(d.len());
    let mut rest = &*d;
    while let Some(i) = rest.find('\\') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if let Some(after) = tail.strip_prefix("\\\\n") {
            out.push_str("\\\\n");
            rest = after;
        } else if let Some(after) = tail.strip_prefix("\\n") {
            out.push('\n');
            rest = after;
        } else {
            out.push('\\');
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    // Second pass, the reference's `/\\\\n/g`: `\\n` becomes `\n`.
    Some(Bytes::from(out.replace("\\\\n", "\\n")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::packet::{Message, WsFrame};
    use proptest::prelude::*;

    #[test]
    fn spec_examples() {
        let packets = decode(Bytes::from_static(b"4hello\x1e2\x1e4world")).unwrap();
        assert_eq!(
            packets,
            vec![
                Packet::Message(Message::text("hello")),
                Packet::Ping(Bytes::new()),
                Packet::Message(Message::text("world")),
            ]
        );
        let packets = vec![
            Packet::Message(Message::text("hello")),
            Packet::Message(Message::binary(vec![1, 2, 3, 4])),
        ];
        assert_eq!(encode(&packets), b"4hello\x1ebAQIDBA==");
        assert_eq!(
            decode(Bytes::from_static(b"4hello\x1ebAQIDBA==")).unwrap(),
            packets
        );
    }

    #[test]
    fn bad_payloads() {
        assert_eq!(decode(Bytes::new()), Err(DecodeError::Empty));
        assert_eq!(
            decode(Bytes::from_static(b"9x")),
            Err(DecodeError::UnknownType(b'9'))
        );
        assert_eq!(
            decode(Bytes::from_static(b"4a\x1e")),
            Err(DecodeError::Empty)
        );
        assert_eq!(
            decode(Bytes::from_static(b"4\xff")),
            Err(DecodeError::InvalidUtf8)
        );
        assert_eq!(
            decode(Bytes::from_static(b"b!!")),
            Err(DecodeError::InvalidBase64)
        );
        assert_eq!(
            decode(Bytes::from_static(b"1x")),
            Err(DecodeError::UnexpectedData(1))
        );
    }

    #[test]
    fn jsonp() {
        assert_eq!(
            jsonp_wrap("1x<", b"4\"hi\"\n"),
            br#"___eio[1]("4\"hi\"\n");"#.to_vec()
        );
        assert_eq!(
            jsonp_unwrap(b"d=4hello%5Cnworld").unwrap(),
            Bytes::from_static(b"4hello\nworld")
        );
        assert_eq!(
            jsonp_unwrap(b"d=4a%5C%5Cn").unwrap(),
            Bytes::from_static(b"4a\\n")
        );
        assert_eq!(
            jsonp_unwrap(b"d=4a+b").unwrap(),
            Bytes::from_static(b"4a b")
        );
        assert!(jsonp_unwrap(b"x=1").is_none());
    }

    fn arb_message() -> impl Strategy<Value = Message> {
        prop_oneof![
            "[^\u{1e}]{0,40}".prop_map(Message::text),
            proptest::collection::vec(any::<u8>(), 0..40).prop_map(Message::binary),
        ]
    }

    fn arb_packet() -> impl Strategy<Value = Packet> {
        let text = "[^\u{1e}]{0,20}".prop_map(|s: String| Bytes::from(s));
        prop_oneof![
            text.clone().prop_map(Packet::Open),
            Just(Packet::Close),
            text.clone().prop_map(Packet::Ping),
            text.prop_map(Packet::Pong),
            arb_message().prop_map(Packet::Message),
            Just(Packet::Upgrade),
            Just(Packet::Noop),
        ]
    }

    proptest! {
        #[test]
        fn payload_round_trips(packets in proptest::collection::vec(arb_packet(), 1..8)) {
            prop_assert_eq!(decode(Bytes::from(encode(&packets))).unwrap(), packets);
        }

        #[test]
        fn ws_round_trips(packet in arb_packet()) {
            prop_assert_eq!(Packet::decode_ws(packet.encode_ws()).unwrap(), packet);
        }

        #[test]
        fn decoding_arbitrary_bytes_never_panics(data in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = decode(Bytes::from(data.clone()));
            let _ = Packet::decode_ws(WsFrame::Text(Bytes::from(data.clone())));
            let _ = jsonp_unwrap(&data);
        }

        #[test]
        fn jsonp_round_trips(s in "[^\u{1e}\\\\]{0,40}") {
            let wrapped = jsonp_wrap("0", s.as_bytes());
            // Strip `___eio[0](` (10 bytes) and `);`.
            let inner = &wrapped[10..wrapped.len() - 2];
            let text: String = serde_json::from_slice(inner).unwrap();
            prop_assert_eq!(text, s);
        }
    }
}
