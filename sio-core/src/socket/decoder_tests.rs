//! Tests of the decoder: the spec's examples, bad input, reassembly, and
//! round-trip and no-panic properties.

use super::*;
use crate::socket::packet::encode;
use proptest::prelude::*;
use serde_json::{Value, json};

fn decode(text: &str) -> Result<Option<Packet>, DecodeError> {
    Decoder::default().decode_text(Bytes::copy_from_slice(text.as_bytes()))
}

fn complete(text: &str) -> Packet {
    decode(text).unwrap().expect("complete packet")
}

fn data(p: &Packet) -> Option<&str> {
    p.data.as_deref().map(|d| std::str::from_utf8(d).unwrap())
}

#[test]
fn spec_examples_decode() {
    let p = complete("0");
    assert_eq!(
        (p.kind, &*p.nsp, p.id, data(&p)),
        (PacketType::Connect, "/", None, None)
    );

    let p = complete(r#"0/admin,{"sid":"oSO0OpakMV_3jnilAAAA"}"#);
    assert_eq!(p.nsp, "/admin");
    assert_eq!(data(&p), Some(r#"{"sid":"oSO0OpakMV_3jnilAAAA"}"#));

    let p = complete(r#"4{"message":"Not authorized"}"#);
    assert_eq!(p.kind, PacketType::ConnectError);
    assert_eq!(data(&p), Some(r#"{"message":"Not authorized"}"#));

    let p = complete(r#"2["foo"]"#);
    assert_eq!(
        (p.kind, &*p.nsp, p.id, data(&p)),
        (PacketType::Event, "/", None, Some(r#"["foo"]"#))
    );

    let p = complete(r#"2/admin,["bar"]"#);
    assert_eq!((&*p.nsp, data(&p)), ("/admin", Some(r#"["bar"]"#)));

    let p = complete(r#"212["foo"]"#);
    assert_eq!((p.id, data(&p)), (Some(12), Some(r#"["foo"]"#)));

    let p = complete(r#"3/admin,13["bar"]"#);
    assert_eq!(
        (p.kind, &*p.nsp, p.id, data(&p)),
        (PacketType::Ack, "/admin", Some(13), Some(r#"["bar"]"#))
    );

    let p = complete("1");
    assert_eq!((p.kind, &*p.nsp), (PacketType::Disconnect, "/"));
    let p = complete("1/admin,");
    assert_eq!(
        (p.kind, &*p.nsp, data(&p)),
        (PacketType::Disconnect, "/admin", None)
    );

    // Sample session (without the Engine.IO `4`).
    assert_eq!(complete("0").nsp, "/");
    assert_eq!(
        complete(r#"0{"sid":"wZX3oN0bSVIhsaknAAAI"}"#).kind,
        PacketType::Connect
    );
    assert_eq!(
        data(&complete(r#"2["hey","Jude"]"#)),
        Some(r#"["hey","Jude"]"#)
    );
    assert_eq!(complete("0/admin,").nsp, "/admin");
    let p = complete(r#"2/admin,1["tellme"]"#);
    assert_eq!((&*p.nsp, p.id), ("/admin", Some(1)));
}

#[test]
fn spec_binary_examples_decode() {
    let mut d = Decoder::default();
    let text = r#"51-["baz",{"_placeholder":true,"num":0}]"#;
    assert_eq!(d.decode_text(Bytes::from(text)), Ok(None));
    assert_eq!(d.awaited_attachments(), 1);
    let p = d
        .decode_binary(Bytes::from_static(&[1, 2, 3, 4]))
        .unwrap()
        .unwrap();
    assert_eq!(p.kind, PacketType::BinaryEvent);
    assert_eq!(data(&p), Some(r#"["baz",{"_placeholder":true,"num":0}]"#));
    assert_eq!(p.attachments, vec![Bytes::from_static(&[1, 2, 3, 4])]);
    assert_eq!(d.awaited_attachments(), 0);

    let text = r#"52-/admin,["baz",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#;
    assert_eq!(d.decode_text(Bytes::from(text)), Ok(None));
    assert_eq!(d.decode_binary(Bytes::from_static(&[1, 2])), Ok(None));
    assert_eq!(d.awaited_attachments(), 1);
    assert_eq!(d.buffered_bytes(), 2);
    let p = d
        .decode_binary(Bytes::from_static(&[3, 4]))
        .unwrap()
        .unwrap();
    assert_eq!(p.nsp, "/admin");
    assert_eq!(
        p.attachments,
        vec![Bytes::from_static(&[1, 2]), Bytes::from_static(&[3, 4])]
    );

    let text = r#"61-15["bar",{"_placeholder":true,"num":0}]"#;
    assert_eq!(d.decode_text(Bytes::from(text)), Ok(None));
    let p = d
        .decode_binary(Bytes::from_static(&[1, 2, 3, 4]))
        .unwrap()
        .unwrap();
    assert_eq!((p.kind, p.id), (PacketType::BinaryAck, Some(15)));

    let text = r#"61-/admin,1[{"_placeholder":true,"num":0}]"#;
    assert_eq!(d.decode_text(Bytes::from(text)), Ok(None));
    let p = d.decode_binary(Bytes::new()).unwrap().unwrap();
    assert_eq!(
        (p.kind, &*p.nsp, p.id),
        (PacketType::BinaryAck, "/admin", Some(1))
    );
    assert_eq!(data(&p), Some(r#"[{"_placeholder":true,"num":0}]"#));
}

#[test]
fn bad_input_is_refused() {
    use DecodeError::*;
    let cases: &[(&str, DecodeError)] = &[
        ("", Empty),
        ("7", UnknownType(b'7')),
        ("a", UnknownType(b'a')),
        (
            r#"5999999999-["a",{"_placeholder":true,"num":0}]"#,
            TooManyAttachments { max: 10 },
        ),
        (
            &format!("5{}-[\"a\"]", "9".repeat(100)),
            TooManyAttachments { max: 10 },
        ),
        (r#"511-["a"]"#, TooManyAttachments { max: 10 }),
        (r#"5-["a"]"#, BadAttachmentCount),
        (r#"50-["a"]"#, BadAttachmentCount),
        (r#"51["a"]"#, BadAttachmentCount),
        ("51", BadAttachmentCount),
        ("5", BadAttachmentCount),
        (r#"2{}"#, InvalidPayload(PacketType::Event)),
        (r#"2[]"#, InvalidPayload(PacketType::Event)),
        (r#"2[1]"#, InvalidPayload(PacketType::Event)),
        ("2", InvalidPayload(PacketType::Event)),
        ("2/admin,", InvalidPayload(PacketType::Event)),
        (r#"2/admin["x"]"#, InvalidPayload(PacketType::Event)),
        ("3", InvalidPayload(PacketType::Ack)),
        ("3{}", InvalidPayload(PacketType::Ack)),
        ("0[]", InvalidPayload(PacketType::Connect)),
        ("0\"x\"", InvalidPayload(PacketType::Connect)),
        (r#"1{"a":1}"#, InvalidPayload(PacketType::Disconnect)),
        ("4", InvalidPayload(PacketType::ConnectError)),
        ("4[]", InvalidPayload(PacketType::ConnectError)),
        (r#"51-{"a":1}"#, InvalidPayload(PacketType::BinaryEvent)),
        (r#"2184467440737095516150["x"]"#, BadAckId),
        (r#"29007199254740992["x"]"#, BadAckId),
        (r#"51-["a",{"_placeholder":true,"num":1}]"#, BadPlaceholder),
        (r#"61-[{"_placeholder":true}]"#, BadPlaceholder),
    ];
    for (text, err) in cases {
        assert_eq!(decode(text).as_ref(), Err(err), "{text:?}");
    }
    for text in [
        r#"2["x""#,
        "2abc",
        r#"2["x"] ["y"]"#,
        "0{",
        "0admin,{}",
        "2[\"\t\"]",
    ] {
        assert!(
            matches!(decode(text), Err(DecodeError::InvalidJson(_))),
            "{text:?}"
        );
    }
}

#[test]
fn ack_id_edges() {
    assert_eq!(complete(r#"29007199254740991["x"]"#).id, Some(MAX_ACK_ID));
    assert_eq!(complete(r#"2000012["x"]"#).id, Some(12));
    assert_eq!(complete("30[]").id, Some(0));
    assert_eq!(complete("15").id, Some(5));
    let zeros = format!("3{}7[]", "0".repeat(10_000));
    assert_eq!(complete(&zeros).id, Some(7));
}

#[test]
fn deep_nesting_is_an_error() {
    for text in [
        format!("2{}", "[".repeat(10_000)),
        format!("3{}{}", "[".repeat(10_000), "]".repeat(10_000)),
        format!("2[\"x\",{}{}]", "[".repeat(10_000), "]".repeat(10_000)),
        format!("0{}", r#"{"a":"#.repeat(10_000)),
    ] {
        assert!(matches!(decode(&text), Err(DecodeError::InvalidJson(_))));
    }
}

#[test]
fn odd_but_valid_input() {
    // Lone surrogate escapes: JSON.parse takes them, so do we, except in
    // binary packets (whose placeholder walk decodes strings).
    assert!(decode(r#"2["\ud800"]"#).unwrap().is_some());
    assert!(decode(r#"3["\udc00\ud800x"]"#).unwrap().is_some());
    assert!(matches!(
        decode(r#"51-["\ud800",{"_placeholder":true,"num":0}]"#),
        Err(DecodeError::InvalidJson(_))
    ));
    // Unicode namespace and payload, whitespace, explicit main namespace.
    let p = complete("2/ñ,[\"é\",\"😀\"]");
    assert_eq!((&*p.nsp, data(&p)), ("/ñ", Some("[\"é\",\"😀\"]")));
    assert_eq!(data(&complete("2 [ \"a\" ] ")), Some(" [ \"a\" ] "));
    assert_eq!(complete(r#"2/,["a"]"#).nsp, "/");
    assert_eq!(complete(r#"0/admin"#).nsp, "/admin");
    // Invalid UTF-8 in the namespace or payload.
    let mut d = Decoder::default();
    assert_eq!(
        d.decode_text(Bytes::from_static(b"0/\xff,")),
        Err(DecodeError::BadNamespace)
    );
    assert!(matches!(
        d.decode_text(Bytes::from_static(b"2[\"\xff\"]")),
        Err(DecodeError::InvalidJson(_))
    ));
}

#[test]
fn reassembly_errors() {
    let mut d = Decoder::default();
    assert_eq!(
        d.decode_binary(Bytes::from_static(b"x")),
        Err(DecodeError::UnexpectedBinary)
    );

    // Text while attachments are awaited: refused, and the decoder resets.
    let two = r#"52-["a",{"_placeholder":true,"num":1}]"#;
    assert_eq!(d.decode_text(Bytes::from(two)), Ok(None));
    assert_eq!(d.decode_binary(Bytes::from_static(b"1")), Ok(None));
    assert_eq!(
        d.decode_text(Bytes::from(r#"2["b"]"#)),
        Err(DecodeError::UnexpectedText)
    );
    assert_eq!(d.awaited_attachments(), 0);
    assert_eq!(
        d.decode_binary(Bytes::from_static(b"2")),
        Err(DecodeError::UnexpectedBinary)
    );
    assert!(d.decode_text(Bytes::from(r#"2["b"]"#)).unwrap().is_some());

    // Too many bytes in total.
    let mut d = Decoder::new(DecoderLimits {
        max_attachments: 3,
        max_attachment_bytes: 5,
    });
    assert_eq!(d.decode_text(Bytes::from(r#"63-[]"#)), Ok(None));
    assert_eq!(d.decode_binary(Bytes::from_static(b"123")), Ok(None));
    assert_eq!(d.decode_binary(Bytes::from_static(b"45")), Ok(None));
    assert_eq!(
        d.decode_binary(Bytes::from_static(b"6")),
        Err(DecodeError::AttachmentsTooLarge { max: 5 })
    );
    assert_eq!(d.awaited_attachments(), 0);
    assert_eq!(
        d.decode_text(Bytes::from(r#"54-["a"]"#)),
        Err(DecodeError::TooManyAttachments { max: 3 })
    );
    d.reset();

    // A limit of zero attachments refuses every binary packet.
    let mut d = Decoder::new(DecoderLimits {
        max_attachments: 0,
        ..DecoderLimits::default()
    });
    assert_eq!(
        d.decode_text(Bytes::from(r#"51-["a"]"#)),
        Err(DecodeError::TooManyAttachments { max: 0 })
    );
}

#[test]
fn idle_decoder_is_small() {
    assert_eq!(std::mem::size_of::<Decoder>(), 24);
}

#[test]
fn payload_is_a_slice_of_the_input() {
    let text = Bytes::from(r#"2/admin,7["a",1]"#);
    let p = Decoder::default()
        .decode_text(text.clone())
        .unwrap()
        .unwrap();
    let d = p.data.unwrap();
    assert_eq!(d.as_ptr(), text[9..].as_ptr());
}

// ---- properties ----

fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-1e6f64..1e6).prop_map(Value::from),
        ".{0,8}".prop_map(Value::from),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    json_leaf().prop_recursive(4, 32, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::from),
            prop::collection::btree_map("[a-z_]{0,6}", inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn json_object() -> impl Strategy<Value = Value> {
    prop::collection::btree_map("[a-z]{0,6}", json_value(), 0..4)
        .prop_map(|m| Value::Object(m.into_iter().collect()))
}

/// A payload for `kind`, with placeholders for `n` attachments.
fn payload(kind: PacketType, n: usize) -> BoxedStrategy<Option<Value>> {
    let placeholders: Vec<Value> = (0..n).map(crate::socket::placeholder).collect();
    let args = prop::collection::vec(json_value(), 0..4).prop_map(move |mut v| {
        v.extend(placeholders.iter().cloned());
        v
    });
    match kind {
        PacketType::Connect => prop::option::of(json_object()).boxed(),
        PacketType::Disconnect => Just(None).boxed(),
        PacketType::ConnectError => prop_oneof![json_object(), ".{0,10}".prop_map(Value::from)]
            .prop_map(Some)
            .boxed(),
        PacketType::Event | PacketType::BinaryEvent => (".{0,10}", args)
            .prop_map(|(name, mut args)| {
                args.insert(0, Value::from(name));
                Some(Value::from(args))
            })
            .boxed(),
        _ => args.prop_map(|a| Some(Value::from(a))).boxed(),
    }
}

fn packet() -> impl Strategy<Value = Packet> {
    let kind = (0u8..=6).prop_map(|n| PacketType::from_u8(n).unwrap());
    kind.prop_flat_map(|kind| {
        let n = if kind.is_binary() { 1..4usize } else { 0..1 };
        n.prop_flat_map(move |n| {
            (
                prop_oneof![Just("/".to_owned()), "/[a-zA-Z0-9_/.é-]{0,8}"],
                prop::option::of(0..=MAX_ACK_ID),
                payload(kind, n),
                prop::collection::vec(prop::collection::vec(any::<u8>(), 0..8), n),
            )
                .prop_map(move |(nsp, id, data, att)| Packet {
                    kind,
                    nsp: nsp.into(),
                    id,
                    data: data.map(|v| Bytes::from(v.to_string())),
                    attachments: att.into_iter().map(Bytes::from).collect(),
                })
        })
    })
}

proptest! {
    #[test]
    fn every_packet_round_trips(p in packet()) {
        let (text, attachments) = encode(&p);
        let mut d = Decoder::default();
        let mut out = d.decode_text(Bytes::from(text)).unwrap();
        for (i, a) in attachments.iter().enumerate() {
            prop_assert!(out.is_none());
            prop_assert_eq!(d.awaited_attachments(), attachments.len() - i);
            out = d.decode_binary(a.clone()).unwrap();
        }
        prop_assert_eq!(out, Some(p));
        prop_assert_eq!(d.awaited_attachments(), 0);
    }

    #[test]
    fn arbitrary_bytes_never_panic(
        msgs in prop::collection::vec((any::<bool>(), prop::collection::vec(any::<u8>(), 0..40)), 0..6)
    ) {
        let mut d = Decoder::default();
        for (binary, bytes) in msgs {
            let bytes = Bytes::from(bytes);
            let _ = if binary { d.decode_binary(bytes) } else { d.decode_text(bytes) };
        }
    }

    #[test]
    fn packet_like_strings_never_panic(
        msgs in prop::collection::vec((any::<bool>(), r#"[0-7][0-9\-/,a\[\]{}":_ .]{0,40}"#), 0..6)
    ) {
        let mut d = Decoder::new(DecoderLimits { max_attachments: 3, max_attachment_bytes: 8 });
        for (binary, s) in msgs {
            let bytes = Bytes::from(s);
            let r = if binary { d.decode_binary(bytes) } else { d.decode_text(bytes) };
            if let Ok(Some(p)) = r {
                // Whatever decodes re-encodes to something that decodes the same.
                let (text, att) = encode(&p);
                let mut d2 = Decoder::default();
                let mut again = d2.decode_text(Bytes::from(text)).unwrap();
                for a in att {
                    again = d2.decode_binary(a.clone()).unwrap();
                }
                prop_assert_eq!(again, Some(p));
            }
        }
    }

    #[test]
    fn arbitrary_strings_never_panic(s in "\\PC{0,60}") {
        let _ = Decoder::default().decode_text(Bytes::from(s));
    }
}

#[test]
fn placeholder_helper_matches_the_decoder() {
    let data = json!(["a", crate::socket::placeholder(0), {"x": crate::socket::placeholder(1)}]);
    let text = format!("52-{data}");
    let mut d = Decoder::default();
    assert_eq!(d.decode_text(Bytes::from(text)), Ok(None));
}
