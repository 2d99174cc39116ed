//! Byte-exact examples (spec section 11), decoding edge cases and
//! garbage, offsets, and round trips of every message kind.

use bytes::Bytes;
use proptest::prelude::*;

use super::*;
use crate::cluster::msgpack::{Flavour, write_value_as};
use crate::cluster::tests::proptests::{args, id, opts, request, response, valid_msgpack};
use crate::cluster::tests::{cat, s};
use crate::cluster::value::Val;
use crate::cluster::{ClusterDecodeError, Opts, RemoteSocket, Request, Response};
use crate::socket::Args;

fn json_args(json: &str) -> Args {
    Args::from_json(Bytes::copy_from_slice(json.as_bytes()))
}

fn fields(pairs: &[(&str, &str)]) -> Vec<(Bytes, Bytes)> {
    pairs
        .iter()
        .map(|(k, v)| {
            (
                Bytes::copy_from_slice(k.as_bytes()),
                Bytes::copy_from_slice(v.as_bytes()),
            )
        })
        .collect()
}

fn hello() -> AdapterMsg {
    AdapterMsg::Broadcast {
        event: "hello".into(),
        args: json_args("[1]"),
        opts: Opts {
            rooms: vec!["room1".into()],
            ..Opts::default()
        },
        ack_id: None,
    }
}

#[test]
fn spec_example_entry_is_byte_exact() {
    let got = encode_entry("1f3a5c7e9b2d4f60", "/", &hello());
    let want = fields(&[
        ("uid", "1f3a5c7e9b2d4f60"),
        ("nsp", "/"),
        ("type", "3"),
        (
            "data",
            r#"{"packet":{"type":2,"data":["hello",1]},"opts":{"rooms":["room1"],"except":[],"flags":{}}}"#,
        ),
    ]);
    assert_eq!(got, want);
    let back = decode_entry(&got).unwrap();
    assert_eq!(
        back,
        AdapterEnvelope {
            uid: "1f3a5c7e9b2d4f60".into(),
            nsp: "/".into(),
            msg: hello()
        }
    );
}

#[test]
fn binary_data_is_base64_msgpack() {
    let msg = AdapterMsg::Broadcast {
        event: "b".into(),
        args: Args {
            json: Bytes::from_static(br#"[{"_placeholder":true,"num":0}]"#),
            attachments: vec![Bytes::from_static(&[1, 2, 3])],
        },
        opts: Opts::default(),
        ack_id: None,
    };
    let entry = encode_entry("u", "/", &msg);
    let data = &entry[3].1;
    assert_ne!(data[0], b'{');
    let raw = crate::base64::decode(data).unwrap();
    // {packet:{type:2,data:["b", bin(1,2,3)]}, opts:{...}}
    assert!(
        raw.windows(5).any(|w| w == [0xc4, 3, 1, 2, 3]),
        "{raw:02x?}"
    );
    valid_msgpack(&raw);
    assert_eq!(decode_entry(&entry).unwrap().msg, msg);
}

#[test]
fn message_keys_are_in_nodes_order() {
    let msg = AdapterMsg::Response(Response::ClientCount {
        request_id: "r1".into(),
        count: 2,
    });
    let bytes = encode_message("U", "/", &msg);
    let want = cat(&[
        &[0x84],
        &s("type"),
        &[11],
        &s("data"),
        &[0x82],
        &s("requestId"),
        &s("r1"),
        &s("clientCount"),
        &[2],
        &s("uid"),
        &s("U"),
        &s("nsp"),
        &s("/"),
    ]);
    assert_eq!(bytes.as_ref(), want.as_slice());
    let back = decode_message(&bytes).unwrap();
    assert_eq!((back.uid.as_str(), back.nsp.as_str()), ("U", "/"));
    assert_eq!(back.msg, msg);
}

#[test]
fn acked_packets_and_types_without_data() {
    // socket.emit(ev, cb) with recovery on: packet.id after data.
    let entry = fields(&[
        ("uid", "a"),
        ("nsp", "/"),
        ("type", "3"),
        (
            "data",
            r#"{"packet":{"type":2,"data":["e"],"id":7},"opts":{"rooms":["s1"],"except":[],"flags":{}}}"#,
        ),
    ]);
    let msg = decode_entry(&entry).unwrap().msg;
    assert!(matches!(
        msg,
        AdapterMsg::Broadcast {
            ack_id: Some(7),
            ..
        }
    ));
    assert_eq!(encode_entry("a", "/", &msg), entry);
    for kind in [1u64, 2, 13, 99] {
        let msg = AdapterMsg::Other(kind);
        let entry = encode_entry("a", "/n", &msg);
        assert_eq!(entry.len(), 3, "no data field");
        assert_eq!(decode_entry(&entry).unwrap().msg, msg);
        assert_eq!(
            decode_message(&encode_message("a", "/n", &msg))
                .unwrap()
                .msg,
            msg
        );
    }
    // A classic-only request has no type here: 0, which peers ignore.
    let all = AdapterMsg::Request(Request::AllRooms {
        request_id: "r".into(),
    });
    assert_eq!(
        decode_entry(&encode_entry("a", "/", &all)).unwrap().msg,
        AdapterMsg::Other(0)
    );
}

#[test]
fn node_leniencies() {
    // parseInt("3 ") and a later duplicate field winning; no uid.
    let entry = fields(&[
        ("nsp", "/x"),
        ("type", " +4abc"),
        ("data", "junk"),
        (
            "data",
            r#"{"opts":{"rooms":[1],"except":[]},"rooms":["r"]}"#,
        ),
    ]);
    let env = decode_entry(&entry).unwrap();
    assert_eq!(env.uid, "");
    let AdapterMsg::Request(Request::Join { opts, rooms }) = env.msg else {
        panic!("{env:?}");
    };
    assert_eq!(
        (opts.rooms, rooms),
        (vec!["1".to_owned()], vec!["r".to_owned()])
    );
    // A server-side emit answer without argument: Node writes nil.
    let msg = AdapterMsg::Response(Response::ServerSideEmit {
        request_id: "r".into(),
        data: Args::empty(),
    });
    let back = decode_message(&encode_message("u", "/", &msg)).unwrap().msg;
    assert_eq!(
        back,
        AdapterMsg::Response(Response::ServerSideEmit {
            request_id: "r".into(),
            data: json_args("[null]"),
        })
    );
}

#[test]
fn garbage_is_an_error() {
    let bad: &[&[(&str, &str)]] = &[
        &[("uid", "a"), ("type", "3"), ("data", "{}")],
        &[("uid", "a"), ("nsp", ""), ("type", "3")],
        &[("uid", "a"), ("nsp", "/"), ("type", "x")],
        &[("uid", "a"), ("nsp", "/"), ("type", "-3")],
        &[("uid", "a"), ("nsp", "/"), ("type", "3")],
        &[("nsp", "/"), ("type", "3"), ("data", "{\"packet\":")],
        &[("nsp", "/"), ("type", "3"), ("data", "!!!")],
        &[("nsp", "/"), ("type", "3"), ("data", "wA==")],
        &[
            ("nsp", "/"),
            ("type", "3"),
            ("data", r#"{"packet":{"data":[1]},"opts":{}}"#),
        ],
        &[("nsp", "/"), ("type", "7"), ("data", r#"{"opts":{}}"#)],
        &[
            ("nsp", "/"),
            ("type", "8"),
            ("data", r#"{"requestId":"r","sockets":[{}]}"#),
        ],
        &[
            ("nsp", "/"),
            ("type", "11"),
            ("data", r#"{"requestId":"r"}"#),
        ],
    ];
    for case in bad {
        assert!(decode_entry(&fields(case)).is_err(), "{case:?}");
    }
    let invalid = vec![(Bytes::from_static(b"nsp"), Bytes::from_static(&[0xff]))];
    assert_eq!(decode_entry(&invalid), Err(ClusterDecodeError::InvalidUtf8));
    for bytes in [
        &b""[..],
        b"\x90",
        b"\x81\xa3nsp\x01",
        b"\x81\xa3nsp\xa1/",
        b"\xc1",
    ] {
        assert!(decode_message(bytes).is_err(), "{bytes:02x?}");
    }
    assert!(decode_session(b"!!").is_err());
    assert!(decode_session(crate::base64::encode(b"\x80").as_bytes()).is_err());
}

#[test]
fn sessions_round_trip() {
    let record = SessionRecord {
        sid: "AbCdEfGhIjKlMnOpQrSt".into(),
        pid: "pid-1".into(),
        rooms: vec!["AbCdEfGhIjKlMnOpQrSt".into(), "room1".into()],
        data: Bytes::from(r#"{"user":"é","n":1.5,"list":[1,null]}"#),
    };
    let text = encode_session(&record);
    assert!(text.iter().all(u8::is_ascii));
    assert_eq!(decode_session(&text).unwrap(), record);
    // Not JSON: stored as nil, read back as null.
    let odd = SessionRecord {
        data: Bytes::new(),
        ..record
    };
    let back = decode_session(&encode_session(&odd)).unwrap();
    assert_eq!(back.data.as_ref(), b"null");
}

#[test]
fn names() {
    assert_eq!(public_channel("socket.io", "/chat"), "socket.io#/chat#");
    assert_eq!(private_channel("socket.io", "/", "abc"), "socket.io#/#abc#");
    assert_eq!(session_key("sio:session:", "p1"), "sio:session:p1");
}

#[test]
fn offsets() {
    assert!(is_offset(b"1718000000000-0"));
    for bad in [
        &b""[..],
        b"-",
        b"1-",
        b"-1",
        b"1-2-3",
        b"a-1",
        b"1 -2",
        b"$",
        b"1",
    ] {
        assert!(!is_offset(bad), "{bad:?}");
    }
    assert_eq!(next_offset(b"5-3").as_deref(), Some("5-4"));
    assert_eq!(
        next_offset(b"05-18446744073709551615").as_deref(),
        Some("6-0")
    );
    assert_eq!(
        next_offset(b"18446744073709551615-18446744073709551615"),
        None
    );
    assert_eq!(next_offset(b"99999999999999999999-0"), None);
    let a = StreamId::parse(b"10-2").unwrap();
    let b = StreamId::parse(b"9-30").unwrap();
    assert!(a > b);
    assert!(StreamId::parse(b"10-10").unwrap() > a);
    assert_eq!(a.to_string(), "10-2");
}

#[test]
fn numbers_as_javascript_writes_them() {
    let cases: &[(f64, &str)] = &[
        (1.5, "1.5"),
        (-0.0, "0"),
        (0.1, "0.1"),
        (1e21, "1e+21"),
        (1.5e300, "1.5e+300"),
        (1e20, "100000000000000000000"),
        (1152921504606846976.0, "1152921504606847000"),
        (0.000001, "0.000001"),
        (1e-7, "1e-7"),
        (-2.5e-8, "-2.5e-8"),
        (5e-324, "5e-324"),
        (123456789.125, "123456789.125"),
        (9007199254740991.0, "9007199254740991"),
        (f64::NAN, "null"),
    ];
    for (f, want) in cases {
        let mut out = Vec::new();
        crate::cluster::value::json_f64(&mut out, *f);
        assert_eq!(String::from_utf8(out).unwrap(), *want, "{f}");
    }
    // @msgpack/msgpack writes integers beyond 2^53 as float64.
    let big = Val::F64(1152921504606846976.0);
    let mut js = Vec::new();
    write_value_as(&big, &mut js, &[], Flavour::MsgpackJs);
    assert_eq!(js[0], 0xcb);
    for v in [Val::UInt(1 << 60), Val::Int(-(1 << 60))] {
        let mut js = Vec::new();
        write_value_as(&v, &mut js, &[], Flavour::MsgpackJs);
        assert_eq!(js[0], 0xcb, "{v:?}");
    }
    let mut safe = Vec::new();
    write_value_as(
        &Val::UInt((1 << 53) - 1),
        &mut safe,
        &[],
        Flavour::MsgpackJs,
    );
    assert_eq!(safe[0], 0xcf);
    let mut np = Vec::new();
    crate::cluster::msgpack::write_value(&big, &mut np, &[]);
    assert_eq!(np[0], 0xcf);
}

/// A message of each kind this codec can carry.
fn adapter_msg() -> impl Strategy<Value = AdapterMsg> {
    let encodable = |m: &AdapterMsg| m.kind() != 0;
    prop_oneof![
        (
            ".{0,8}",
            args(true, 4),
            opts(true),
            proptest::option::of(any::<u64>())
        )
            .prop_map(|(event, args, opts, ack_id)| AdapterMsg::Broadcast {
                event,
                args,
                opts,
                ack_id
            }),
        request().prop_map(AdapterMsg::Request),
        response().prop_map(AdapterMsg::Response),
        (1u64..3).prop_map(AdapterMsg::Other),
        (13u64..1000).prop_map(AdapterMsg::Other),
    ]
    .prop_filter("has a streams type", encodable)
}

proptest! {
    #[test]
    fn entries_and_messages_round_trip(uid in id(), nsp in "/.{0,6}", msg in adapter_msg()) {
        // JSON keeps every value; msgpack rounds integers beyond 2^53 as
        // JavaScript does, so there a decoded message re-encodes to the
        // same bytes.
        let entry = encode_entry(&uid, &nsp, &msg);
        let back = decode_entry(&entry).unwrap();
        prop_assert_eq!(encode_entry(&back.uid, &back.nsp, &back.msg), entry.clone());
        if entry.get(3).is_none_or(|(_, data)| data.starts_with(b"{")) {
            prop_assert_eq!(back, AdapterEnvelope { uid: uid.clone(), nsp: nsp.clone(), msg: msg.clone() });
        }
        let bytes = encode_message(&uid, &nsp, &msg);
        valid_msgpack(&bytes);
        let back = decode_message(&bytes).unwrap();
        prop_assert_eq!((&back.uid, &back.nsp, back.msg.kind()), (&uid, &nsp, msg.kind()));
        prop_assert_eq!(encode_message(&uid, &nsp, &back.msg), bytes);
    }

    #[test]
    fn sessions_round_trip_any(
        sid in ".{0,20}",
        pid in ".{0,20}",
        rooms in proptest::collection::vec(".{0,8}", 0..4),
        data in crate::cluster::tests::proptests::json_text(false),
    ) {
        let record = SessionRecord { sid, pid, rooms, data };
        let text = encode_session(&record);
        let back = decode_session(&text).unwrap();
        prop_assert_eq!(encode_session(&back), text);
        prop_assert_eq!((back.sid, back.pid, back.rooms), (record.sid, record.pid, record.rooms));
    }

    #[test]
    fn arbitrary_input_never_panics(
        bytes in proptest::collection::vec(any::<u8>(), 0..64),
        kind in "[0-9]{1,3}",
    ) {
        let _ = decode_message(&bytes);
        let _ = decode_session(&bytes);
        let text = crate::base64::encode(&bytes);
        let entry = vec![
            (Bytes::from_static(b"nsp"), Bytes::from_static(b"/")),
            (Bytes::from_static(b"type"), Bytes::from(kind)),
            (Bytes::from_static(b"data"), Bytes::from(text)),
        ];
        let _ = decode_entry(&entry);
        let _ = StreamId::parse(&bytes);
        let _ = next_offset(&bytes);
    }
}

#[test]
fn fetch_answers_carry_raw_json() {
    let msg = AdapterMsg::Response(Response::Fetch {
        request_id: "r".into(),
        sockets: vec![RemoteSocket {
            id: "s".into(),
            handshake: Bytes::from_static(br#"{"headers":{},"issued":1}"#),
            rooms: vec!["s".into()],
            data: Bytes::from_static(b"{}"),
        }],
    });
    let bytes = encode_message("u", "/", &msg);
    assert_eq!(decode_message(&bytes).unwrap().msg, msg);
}
