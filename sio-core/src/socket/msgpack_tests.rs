//! The msgpack parser against bytes `socket.io-msgpack-parser` 3.0.2
//! wrote, round trips, and what its decoder refuses.

use super::*;
use crate::engine::Message;
use crate::socket::{DecodeError, MAX_ACK_ID, decode_msgpack, decode_msgpack_tree};
use proptest::prelude::*;
use serde_json::{Value, json};

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn encoded(p: &Packet) -> Vec<u8> {
    match &MsgpackParser.encode(p)[..] {
        [WsFrame::Binary(b)] => b.to_vec(),
        other => panic!("not one binary frame: {other:?}"),
    }
}

/// `(packet, hex)`: what the npm encoder writes for the same packet.
fn npm_cases() -> Vec<(Packet, &'static str)> {
    use PacketType::*;
    vec![
        (Packet::new(Connect, "/"), "82a47479706500a36e7370a12f"),
        (
            Packet::new(Connect, "/admin").with_data(r#"{"sid":"abc"}"#),
            "83a47479706500a46461746181a3736964a3616263a36e7370a62f61646d696e",
        ),
        (
            Packet::new(Event, "/").with_data(r#"["hello",1,"two",{"a":[true,null,1.5,-3]}]"#),
            "83a47479706502a46461746194a568656c6c6f01a374776f81a16194c3c0cb3ff8000000000000fda36e7370a12f",
        ),
        (
            Packet::new(BinaryEvent, "/chat")
                .with_id(7)
                .with_data(
                    r#"["bin",{"_placeholder":true,"num":0},{"nested":[{"_placeholder":true,"num":1}]}]"#,
                )
                .with_attachments(vec![
                    Bytes::from_static(&[1, 2, 3]),
                    Bytes::from_static(&[4]),
                ]),
            "84a47479706502a46461746193a362696ec40301020381a66e657374656491c40104a2696407a36e7370a52f63686174",
        ),
        (
            Packet::new(Ack, "/").with_id(12).with_data(r#"["ok"]"#),
            "84a47479706503a46461746191a26f6ba269640ca36e7370a12f",
        ),
        (
            Packet::new(ConnectError, "/")
                .with_data(r#"{"message":"Not authorized","data":{"code":1}}"#),
            "83a47479706504a46461746182a76d657373616765ae4e6f7420617574686f72697a6564a46461746181a4636f646501a36e7370a12f",
        ),
        (Packet::new(Disconnect, "/x"), "82a47479706501a36e7370a22f78"),
    ]
}

#[test]
fn encodes_as_the_npm_parser() {
    for (packet, npm) in npm_cases() {
        assert_eq!(encoded(&packet), hex(npm), "{packet:?}");
    }
}

#[test]
fn decodes_what_the_npm_parser_writes() {
    for (packet, npm) in npm_cases() {
        let mut decoder = MsgpackParser.decoder();
        let got = decoder
            .decode(Message::Binary(Bytes::from(hex(npm))))
            .unwrap()
            .unwrap();
        assert_eq!(got, packet, "{npm}");
        assert_eq!(decoder.buffered_bytes(), 0);
    }
}

#[test]
fn binary_packets_go_out_as_event_and_ack() {
    let p = Packet::new(PacketType::BinaryAck, "/")
        .with_id(1)
        .with_data(r#"[{"_placeholder":true,"num":0}]"#)
        .with_attachments(vec![Bytes::from_static(b"xy")]);
    let bytes = encoded(&p);
    // `type` is 3, the buffer a bin 8 inside `data`.
    assert_eq!(&bytes[..7], &hex("84a47479706503")[..]);
    assert!(bytes.windows(4).any(|w| w == [0xc4, 2, b'x', b'y']));
    assert_eq!(decode_msgpack(&bytes).unwrap(), p);
}

#[test]
fn ignores_unknown_keys_and_takes_the_last_repeated_one() {
    // socket.io-client adds `options: {compress: true}` to its packets.
    let mut b = hex("84");
    for (k, v) in [
        ("type", hex("02")),
        ("data", hex("91a161")), // ["a"]
        ("options", hex("81a8636f6d7072657373c3")),
        ("nsp", hex("a12f")),
    ] {
        rmp::encode::write_str(&mut b, k).unwrap();
        b.extend(v);
    }
    let p = decode_msgpack(&b).unwrap();
    assert_eq!(p.data.as_deref(), Some(&br#"["a"]"#[..]));
    // {type: 9, type: 2, nsp: "/", data: ["b"]}
    let b = hex("84a474797065" /* type */);
    let mut b = b;
    b.push(9);
    b.extend(hex("a47479706502a36e7370a12fa46461746191a162"));
    assert_eq!(decode_msgpack(&b).unwrap().kind, PacketType::Event);
}

#[test]
fn refuses_what_the_npm_parser_refuses() {
    let bad: &[(&str, &str)] = &[
        ("", "empty"),
        ("c1", "bad marker"),
        ("82a474797065", "truncated"),
        ("82a47479706500a36e7370a12fc0", "trailing bytes"),
        ("92", "an array, truncated"),
        ("9100", "not a map"),
        ("81a36e7370a12f", "no type"),
        ("82a47479706505a36e7370a12f", "binary event type"),
        ("82a47479706507a36e7370a12f", "type 7"),
        ("82a474797065a132a36e7370a12f", "type as a string"),
        ("82a474797065cb4000cccccccccccda36e7370a12f", "type 2.1"),
        ("81a47479706500", "no namespace"),
        ("82a47479706500a36e737001", "namespace not a string"),
        (
            "83a47479706500a46461746190a36e7370a12f",
            "connect with an array",
        ),
        (
            "83a47479706500a464617461c0a36e7370a12f",
            "ok: connect with null (undefined)",
        ),
        (
            "83a47479706500a464617461d40000a36e7370a12f",
            "ok: connect with undefined",
        ),
        (
            "83a47479706501a46461746180a36e7370a12f",
            "disconnect with data",
        ),
        ("82a47479706502a36e7370a12f", "event without data"),
        ("83a47479706502a46461746190a36e7370a12f", "event with []"),
        ("83a47479706502a4646174619101a36e7370a12f", "event named 1"),
        ("83a47479706502a46461746180a36e7370a12f", "event with a map"),
        (
            "83a47479706503a464617461a161a36e7370a12f",
            "ack with a string",
        ),
        ("82a47479706504a36e7370a12f", "connect_error without data"),
        (
            "83a47479706504a4646174619100a36e7370a12f",
            "connect_error with an array",
        ),
        (
            "84a47479706503a46461746190a26964ffa36e7370a12f",
            "negative id",
        ),
        ("84a47479706503a46461746190a2696401a36e7370a12f", "ok: id 1"),
        (
            "84a47479706503a46461746190a26964a131a36e7370a12f",
            "id as a string",
        ),
        (
            "84a47479706503a46461746190a26964c0a36e7370a12f",
            "ok: id null",
        ),
        (
            "84a47479706503a46461746190a26964cb3ff8000000000000a36e7370a12f",
            "id 1.5",
        ),
        (
            "84a47479706503a46461746190a26964cf0020000000000000a36e7370a12f",
            "id 2^53",
        ),
        (
            "83a47479706503a4646174619182ac5f706c616365686f6c646572c3a36e756d00a36e7370a12f",
            "a placeholder object",
        ),
    ];
    for (input, what) in bad {
        let r = decode_msgpack(&hex(input));
        if what.starts_with("ok") {
            assert!(r.is_ok(), "{what}: {r:?}");
        } else {
            assert!(r.is_err(), "{what} was accepted: {r:?}");
        }
    }
    let mut d = MsgpackParser.decoder();
    assert!(matches!(
        d.decode(Message::text("2[\"a\"]")),
        Err(DecodeError::Msgpack(_))
    ));
    let r = decode_msgpack(&hex(
        "84a47479706503a46461746190a26964cf0020000000000000a36e7370a12f",
    ));
    assert_eq!(r, Err(DecodeError::BadAckId));
    let r = decode_msgpack(&hex("82a47479706500a36e737001"));
    assert_eq!(r, Err(DecodeError::BadNamespace));
}

#[test]
fn max_ack_id_round_trips() {
    let p = Packet::new(PacketType::Ack, "/")
        .with_id(MAX_ACK_ID)
        .with_data("[]");
    assert_eq!(decode_msgpack(&encoded(&p)).unwrap(), p);
}

#[test]
fn nesting_is_bounded() {
    // The envelope, `data`, then 70 nested arrays.
    let mut b = hex("83a47479706503a36e7370a12fa464617461");
    b.extend(std::iter::repeat_n(0x91, 70));
    b.push(0xc0);
    assert!(matches!(decode_msgpack(&b), Err(DecodeError::Msgpack(_))));
}

#[test]
fn huge_declared_lengths_do_not_allocate() {
    // A map declaring 2^32-1 entries, a bin declaring 4 GB.
    for input in [
        "dfffffffff",
        "83a47479706503a36e7370a12fa464617461c6ffffffff",
    ] {
        assert!(decode_msgpack(&hex(input)).is_err());
    }
}

#[test]
fn connect_error_with_a_string_and_timestamps_as_strings() {
    let p = Packet::new(PacketType::ConnectError, "/").with_data(r#""nope""#);
    assert_eq!(decode_msgpack(&encoded(&p)).unwrap(), p);
    // An ext -1 timestamp (0 s) reads as the ISO string a Date becomes.
    let b = hex("83a47479706503a46461746191d6ff00000000a36e7370a12f");
    assert_eq!(
        decode_msgpack(&b).unwrap().data.as_deref(),
        Some(&br#"["1970-01-01T00:00:00.000Z"]"#[..])
    );
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-1e6f64..1e6).prop_map(Value::from),
        "\\PC{0,8}".prop_map(Value::from),
        // Marks a binary value, replaced below.
        prop::collection::vec(any::<u8>(), 0..6).prop_map(|b| json!({ "$bin": b })),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map("[a-z_]{0,5}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Replaces `{"$bin": [..]}` marks with placeholders, collecting the bytes.
fn with_placeholders(v: Value, atts: &mut Vec<Bytes>) -> Value {
    match v {
        Value::Object(m) if m.contains_key("$bin") => {
            let bytes: Vec<u8> = serde_json::from_value(m["$bin"].clone()).unwrap();
            atts.push(Bytes::from(bytes));
            json!({ "_placeholder": true, "num": atts.len() - 1 })
        }
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|v| with_placeholders(v, atts))
                .collect(),
        ),
        Value::Object(m) => Value::Object(
            m.into_iter()
                .map(|(k, v)| (k, with_placeholders(v, atts)))
                .collect(),
        ),
        v => v,
    }
}

proptest! {
    #[test]
    fn events_and_acks_round_trip(
        name in "\\PC{0,8}",
        args in prop::collection::vec(json_value(), 0..4),
        id in prop::option::of(0..=MAX_ACK_ID),
        ack: bool,
        nsp in "/[a-z]{0,6}",
    ) {
        let mut atts = Vec::new();
        let args = with_placeholders(Value::from(args), &mut atts);
        let data = if ack {
            args
        } else {
            let mut items = vec![Value::from(name)];
            items.extend(args.as_array().unwrap().iter().cloned());
            Value::from(items)
        };
        let kind = match (ack, atts.is_empty()) {
            (false, true) => PacketType::Event,
            (false, false) => PacketType::BinaryEvent,
            (true, true) => PacketType::Ack,
            (true, false) => PacketType::BinaryAck,
        };
        let mut p = Packet::new(kind, &nsp)
            .with_data(serde_json::to_vec(&data).unwrap())
            .with_attachments(atts);
        p.id = id;
        let bytes = encoded(&p);
        let got = decode_msgpack(&bytes).unwrap();
        // The shortcut takes these (no extensions, string keys) and gives
        // what the tree path gives.
        prop_assert_eq!(
            super::super::msgpack_fast::decode_fast(&bytes),
            Some(decode_msgpack_tree(&bytes).unwrap())
        );
        prop_assert_eq!(got.kind, p.kind);
        prop_assert_eq!(&got.nsp, &p.nsp);
        prop_assert_eq!(got.id, p.id);
        prop_assert_eq!(&got.attachments, &p.attachments);
        let got_data: Value = serde_json::from_slice(got.data.as_deref().unwrap()).unwrap();
        // Numbers compare as JavaScript sees them (one number type).
        prop_assert_eq!(numbers_as_f64(got_data), numbers_as_f64(data));
    }

    #[test]
    fn decoding_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        let _ = decode_msgpack(&bytes);
        same_with_and_without_the_shortcut(&bytes);
    }

    #[test]
    fn decoding_mutated_packets_never_panics(at in 0usize..64, byte: u8) {
        for (packet, _) in npm_cases() {
            let mut b = encoded(&packet);
            let i = at % b.len();
            b[i] = byte;
            let _ = decode_msgpack(&b);
            same_with_and_without_the_shortcut(&b);
        }
    }
}

/// What the shortcut decodes, the tree path decodes the same.
fn same_with_and_without_the_shortcut(bytes: &[u8]) {
    if let Some(fast) = super::super::msgpack_fast::decode_fast(bytes) {
        assert_eq!(Ok(fast), decode_msgpack_tree(bytes), "{bytes:x?}");
    }
}

fn numbers_as_f64(v: Value) -> Value {
    match v {
        Value::Number(n) => json!(n.as_f64().unwrap()),
        Value::Array(items) => Value::Array(items.into_iter().map(numbers_as_f64).collect()),
        Value::Object(m) => {
            Value::Object(m.into_iter().map(|(k, v)| (k, numbers_as_f64(v))).collect())
        }
        v => v,
    }
}
