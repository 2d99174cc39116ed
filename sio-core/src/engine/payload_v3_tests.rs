use super::*;
use proptest::prelude::*;

fn text(s: &str) -> WsFrame {
    WsFrame::Text(Bytes::from(s.to_owned()))
}

fn bin(b: &[u8]) -> WsFrame {
    WsFrame::Binary(Bytes::copy_from_slice(b))
}

/// The packet a frame in v4 form stands for.
fn packet(f: &WsFrame) -> Packet {
    Packet::decode_ws(f.clone()).unwrap()
}

#[test]
fn text_payload_counts_utf16_units() {
    // "é" is one unit (two bytes), "😀" two units (four bytes).
    let frames = [text("4é"), text("4😀"), text("2")];
    let body = encode_text(&frames);
    assert_eq!(body, "2:4é3:4😀1:2".as_bytes());
    let packets = decode(Bytes::from(body)).unwrap();
    assert_eq!(packets, frames.iter().map(packet).collect::<Vec<_>>());
    assert_eq!(utf16_len("a😀é"), 4);
    assert_eq!(encode_text(&[]), b"0:");
}

#[test]
fn base64_packets() {
    let frames = [text("4hi"), bin(&[1, 2, 3, 4])];
    let (body, ct) = encode(&frames, BinaryMode::Base64);
    assert_eq!(ct, TEXT_CONTENT_TYPE);
    assert_eq!(body, b"3:4hi10:b4AQIDBA==");
    assert_eq!(
        decode(Bytes::from(body)).unwrap(),
        frames.iter().map(packet).collect::<Vec<_>>()
    );
    // Text only: text payload even when the client takes binary.
    let (body, ct) = encode(&[text("40")], BinaryMode::Framed);
    assert_eq!((body.as_slice(), ct), (&b"2:40"[..], TEXT_CONTENT_TYPE));
}

#[test]
fn binary_framing() {
    let frames = [text("4é"), bin(&[0xFF, 0])];
    let (body, ct) = encode(&frames, BinaryMode::Framed);
    assert_eq!(ct, BINARY_CONTENT_TYPE);
    // Text: kind 0, length 3 bytes; binary: kind 1, length 3 (type + data).
    assert_eq!(
        body,
        [0, 3, 0xFF, b'4', 0xC3, 0xA9, 1, 3, 0xFF, 4, 0xFF, 0].to_vec()
    );
    assert_eq!(
        decode(Bytes::from(body)).unwrap(),
        frames.iter().map(packet).collect::<Vec<_>>()
    );
    // Lengths of several digits.
    let long = vec![7u8; 1234];
    let body = encode_framed(&[bin(&long)]);
    assert_eq!(&body[..6], &[1, 1, 2, 3, 5, 0xFF]);
    assert_eq!(
        decode(Bytes::from(body)).unwrap(),
        vec![Packet::Message(Message::binary(long))]
    );
}

#[test]
fn malformed_payloads_are_clear_errors() {
    use PayloadV3Error::*;
    let cases: &[(&[u8], PayloadV3Error)] = &[
        (b"", Empty),
        (b"4hello", BadLength(0)),
        (b":4", BadLength(0)),
        (b"2:4a3", BadLength(4)),
        (b"5:4a", Truncated(0)),
        (b"2:9x", Packet(DecodeError::UnknownType(b'9'))),
        (b"2:\xff\xfe", InvalidUtf8),
        (b"3:b4!", Packet(DecodeError::InvalidBase64)),
        (b"4:b2AA", BinaryType(2)),
        (b"2:11", Packet(DecodeError::UnexpectedData(1))),
        (&[0, 5, 0xFF, b'4'], Truncated(0)),
        (&[1, 1, 0xFF, 2], BinaryType(2)),
        (&[1, 0, 0xFF], Packet(DecodeError::Empty)),
        (&[0, 12, 0xFF, b'4'], BadLength(0)),
        (&[0, 1, 2], BadLength(0)),
        (&[0, 0xFF, b'4'], BadLength(0)),
        (&[0, 2, 0xFF, b'4', 0xFF], InvalidUtf8),
        (&[0, 1, 0xFF, b'4', 7], BadKind(7)),
    ];
    for (body, err) in cases {
        assert_eq!(
            decode(Bytes::copy_from_slice(body)).as_ref(),
            Err(err),
            "{body:?}"
        );
    }
    // A length that splits a surrogate pair.
    assert_eq!(
        decode(Bytes::from("2:4😀")),
        Err(PayloadV3Error::Truncated(0))
    );
    // Twenty-one digits: junk, not an overflow.
    let long = format!("{}:4", "9".repeat(21));
    assert_eq!(decode(Bytes::from(long)), Err(BadLength(0)));
    let mut framed = vec![1];
    framed.extend([9; 19]);
    framed.push(0xFF);
    assert_eq!(decode(Bytes::from(framed)), Err(Truncated(0)));
    // Empty packets are skipped, as the reference does.
    assert_eq!(
        decode(Bytes::from_static(b"0:1:2")).unwrap(),
        vec![crate::engine::Packet::Ping(Bytes::new())]
    );
}

#[test]
fn websocket_frames() {
    let data = bin(&[1, 2]);
    assert_eq!(
        encode_ws(&data, BinaryMode::Framed),
        WsFrame::Binary(Bytes::from_static(&[4, 1, 2]))
    );
    assert_eq!(encode_ws(&data, BinaryMode::Base64), text("b4AQI="));
    assert_eq!(encode_ws(&text("42"), BinaryMode::Framed), text("42"));
    let msg = Packet::Message(Message::binary(vec![1, 2]));
    assert_eq!(decode_ws(bin(&[4, 1, 2])), Ok(msg.clone()));
    assert_eq!(decode_ws(text("b4AQI=")), Ok(msg));
    assert_eq!(decode_ws(text("2")), Ok(Packet::Ping(Bytes::new())));
    assert_eq!(decode_ws(bin(&[2, 1])), Err(PayloadV3Error::BinaryType(2)));
    assert_eq!(
        decode_ws(WsFrame::Text(Bytes::from_static(b"4\xff"))),
        Err(PayloadV3Error::InvalidUtf8)
    );
}

fn arb_frame() -> impl Strategy<Value = WsFrame> {
    prop_oneof![
        "[0-6]\\PC{0,20}".prop_filter_map("a valid packet", |s| {
            Packet::decode_text(Bytes::from(s.clone()))
                .ok()
                .map(|_| text(&s))
        }),
        proptest::collection::vec(any::<u8>(), 0..40).prop_map(|b| bin(&b)),
    ]
}

proptest! {
    #[test]
    fn payloads_round_trip(frames in proptest::collection::vec(arb_frame(), 1..6)) {
        let expected: Vec<Packet> = frames.iter().map(packet).collect();
        for mode in [BinaryMode::Base64, BinaryMode::Framed] {
            let (body, _) = encode(&frames, mode);
            prop_assert_eq!(&decode(Bytes::from(body)).unwrap(), &expected);
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..64)) {
        let _ = decode(Bytes::from(data.clone()));
        let _ = decode_ws(WsFrame::Binary(Bytes::from(data.clone())));
        let _ = decode_ws(WsFrame::Text(Bytes::from(data)));
    }
}
