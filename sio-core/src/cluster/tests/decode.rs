//! Decoding what Node peers, the Redis emitter and old msgpack writers
//! send, and refusing what cannot be used without panicking.

use super::super::*;
use super::{args, cat, room1, s};
use crate::socket::Args;
use bytes::Bytes;

/// A broadcast whose only argument is the msgpack `value`.
fn broadcast_with(value: &[u8]) -> Vec<u8> {
    cat(&[
        &[0x93],
        &s("Xy12Ab"),
        &[0x83],
        &s("type"),
        &[0x02],
        &s("data"),
        &[0x92],
        &s("hello"),
        value,
        &s("nsp"),
        &s("/"),
        &[0x81],
        &s("rooms"),
        &[0x90],
    ])
}

fn decoded_arg(value: &[u8]) -> Args {
    decode_broadcast(&broadcast_with(value)).unwrap().args
}

#[test]
fn decodes_what_old_writers_send() {
    // undefined of notepack 2.x
    assert_eq!(decoded_arg(&[0xd4, 0x00, 0x00]), args("[null]"));
    // float32
    assert_eq!(decoded_arg(&[0xca, 0x3f, 0xc0, 0, 0]), args("[1.5]"));
    assert_eq!(decoded_arg(&[0xca, 0x3f, 0x80, 0, 0]), args("[1]"));
    assert_eq!(
        decoded_arg(&[0xca, 0x3d, 0xcc, 0xcc, 0xcd]),
        args("[0.10000000149011612]")
    );
    // NaN, as JSON.stringify
    assert_eq!(
        decoded_arg(&[0xcb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0]),
        args("[null]")
    );
    // every int width
    assert_eq!(decoded_arg(&[0xd0, 0x05]), args("[5]"));
    assert_eq!(
        decoded_arg(&[0xd3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe]),
        args("[-2]")
    );
    assert_eq!(
        decoded_arg(&[0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
        args("[18446744073709551615]")
    );
    // ext type 0: an ArrayBuffer, as an attachment
    let got = decoded_arg(&[0xc7, 0x02, 0x00, 0xaa, 0xbb]);
    assert_eq!(got.json.as_ref(), br#"[{"_placeholder":true,"num":0}]"#);
    assert_eq!(got.attachments, [Bytes::from_static(&[0xaa, 0xbb])]);
    let got = decoded_arg(&[0xd5, 0x00, 0x01, 0x02]);
    assert_eq!(got.attachments, [Bytes::from_static(&[0x01, 0x02])]);
    // bin in order of appearance, nested
    let got = decoded_arg(&cat(&[
        &[0x82],
        &s("b"),
        &[0xc4, 1, 9],
        &s("c"),
        &[0x91, 0xc4, 1, 8],
    ]));
    assert_eq!(
        got.json.as_ref(),
        br#"[{"b":{"_placeholder":true,"num":0},"c":[{"_placeholder":true,"num":1}]}]"#
    );
    assert_eq!(
        got.attachments,
        [Bytes::from_static(&[9]), Bytes::from_static(&[8])]
    );
    // other ext types: null
    assert_eq!(decoded_arg(&[0xd4, 0x05, 0x00]), args("[null]"));
    // non-string keys
    let got = decoded_arg(&cat(&[
        &[0x83, 0x01],
        &s("one"),
        &[0xc3],
        &s("bool"),
        &[0xff],
        &s("neg"),
    ]));
    assert_eq!(got, args(r#"[{"1":"one","-1":"neg"}]"#));
}

#[test]
fn decodes_timestamps_as_iso_strings() {
    let want = args(r#"["2024-01-01T00:00:00.000Z"]"#);
    // 32-bit seconds
    assert_eq!(decoded_arg(&[0xd6, 0xff, 0x65, 0x92, 0x00, 0x80]), want);
    // 64-bit: 500 ms in nanoseconds in the top 30 bits
    let ns: u64 = 500_000_000;
    let x = (ns << 34) | 1_704_067_200;
    let got = decoded_arg(&cat(&[&[0xd7, 0xff], &x.to_be_bytes()]));
    assert_eq!(got, args(r#"["2024-01-01T00:00:00.500Z"]"#));
    // 96-bit, before the epoch
    let got = decoded_arg(&cat(&[
        &[0xc7, 12, 0xff],
        &0u32.to_be_bytes(),
        &(-86_400i64).to_be_bytes(),
    ]));
    assert_eq!(got, args(r#"["1969-12-31T00:00:00.000Z"]"#));
    // out of a JS Date's range: null
    let got = decoded_arg(&cat(&[
        &[0xc7, 12, 0xff],
        &0u32.to_be_bytes(),
        &i64::MAX.to_be_bytes(),
    ]));
    assert_eq!(got, args("[null]"));
}

#[test]
fn decodes_numeric_rooms_and_missing_nsp() {
    // The emitter's key order: rooms, flags, except.
    let bytes = cat(&[
        &[0x93],
        &s("emitter"),
        &[0x82],
        &s("type"),
        &[0x02],
        &s("data"),
        &[0x91],
        &s("hi"),
        &[0x83],
        &s("rooms"),
        &[0x92, 0x2a, 0xd0, 0xfe],
        &s("flags"),
        &[0x82],
        &s("compress"),
        &[0xc3],
        &s("timeout"),
        &[0x0a],
        &s("except"),
        &[0x91, 0xcb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0],
    ]);
    let msg = decode_broadcast(&bytes).unwrap();
    assert_eq!(msg.uid, "emitter");
    assert_eq!(msg.nsp, "/");
    assert_eq!(msg.event, "hi");
    assert_eq!(msg.args, Args::empty());
    assert_eq!(
        msg.opts,
        Opts {
            rooms: vec!["42".into(), "-2".into()],
            except: vec!["1.5".into()],
            volatile: false,
            timeout: Some(10),
        }
    );
}

#[test]
fn decodes_emitter_requests_without_uid() {
    let msg =
        decode_request(br#"{"type":2,"opts":{"rooms":["a"],"except":[]},"rooms":["b"]}"#).unwrap();
    assert_eq!(msg.uid, None);
    assert_eq!(
        msg.request,
        Request::Join {
            opts: Opts {
                rooms: vec!["a".into()],
                ..Opts::default()
            },
            rooms: vec!["b".into()],
        }
    );
    let msg = decode_request(br#"{"type":6,"data":["ev",{"z":1,"a":[true,null]}]}"#).unwrap();
    assert_eq!(
        msg.request,
        Request::ServerSideEmit {
            request_id: None,
            event: "ev".into(),
            args: args(r#"[{"z":1,"a":[true,null]}]"#),
        }
    );
    let msg =
        decode_request(br#"{"type":4,"opts":{"rooms":[],"except":[]},"close":true}"#).unwrap();
    assert_eq!(
        msg.request,
        Request::Disconnect {
            opts: Opts::default(),
            close: true
        }
    );
    // legacy forms
    let msg =
        decode_request(br#"{"uid":"u","requestId":"r","type":4,"sid":"s","close":false}"#).unwrap();
    assert_eq!(
        msg.request,
        Request::LegacySocket {
            kind: 4,
            request_id: "r".into(),
            sid: "s".into(),
            room: String::new(),
        }
    );
    assert_eq!(
        decode_request(br#"{"uid":"u","type":11}"#),
        Err(ClusterDecodeError::UnknownType(11))
    );
    // a JSON request may come as msgpack too
    let mut mp = vec![0x82];
    mp.extend(s("type"));
    mp.push(1);
    mp.extend(s("requestId"));
    mp.extend(s("r"));
    assert_eq!(
        decode_request(&mp).unwrap().request,
        Request::AllRooms {
            request_id: "r".into()
        }
    );
}

#[test]
fn decodes_responses_of_every_shape() {
    assert_eq!(
        decode_response(br#"{"requestId":"r","sockets":[]}"#).unwrap(),
        Response::Fetch {
            request_id: "r".into(),
            sockets: vec![]
        }
    );
    assert_eq!(
        decode_response(br#"{"requestId":"r","sockets":[{"id":1}]}"#).unwrap(),
        Response::Other {
            request_id: "r".into()
        }
    );
    assert_eq!(
        decode_response(br#"{"requestId":"r","sockets":[{"id":"a","rooms":["a"]}]}"#).unwrap(),
        Response::Fetch {
            request_id: "r".into(),
            sockets: vec![RemoteSocket {
                id: "a".into(),
                handshake: Bytes::from_static(b"{}"),
                rooms: vec!["a".into()],
                data: Bytes::from_static(b"null"),
            }]
        }
    );
    assert_eq!(
        decode_response(br#"{"type":8,"requestId":"r","clientCount":"x"}"#).unwrap(),
        Response::Other {
            request_id: "r".into()
        }
    );
    assert_eq!(
        decode_response(br#"{"type":6,"requestId":"r","data":null}"#).unwrap(),
        Response::ServerSideEmit {
            request_id: "r".into(),
            data: args("[null]")
        }
    );
    assert!(matches!(
        decode_response(br#"{"type":6}"#),
        Err(ClusterDecodeError::Malformed(_))
    ));
}

#[test]
fn binary_in_json_is_written_as_node_writes_a_buffer() {
    let request = Request::ServerSideEmit {
        request_id: None,
        event: "e".into(),
        args: Args {
            json: Bytes::from_static(br#"[{"_placeholder":true,"num":0}]"#),
            attachments: vec![Bytes::from_static(&[1, 255])],
        },
    };
    let got = encode_request("u", "/", &request);
    assert_eq!(
        std::str::from_utf8(&got).unwrap(),
        r#"{"uid":"u","type":6,"data":["e",{"type":"Buffer","data":[1,255]}]}"#
    );
}

#[test]
fn refuses_peer_objects_that_read_as_placeholders() {
    let lookalike = cat(&[&[0x82], &s("_placeholder"), &[0xc3], &s("num"), &[0x00]]);
    assert!(matches!(
        decode_broadcast(&broadcast_with(&lookalike)),
        Err(ClusterDecodeError::Malformed(_))
    ));
    assert!(matches!(
        decode_request(br#"{"type":6,"data":["e",[{"_placeholder":true,"num":0}]]}"#),
        Err(ClusterDecodeError::Malformed(_))
    ));
    assert_eq!(
        decode_response(br#"{"type":6,"requestId":"r","data":{"_placeholder":true,"num":0}}"#),
        Ok(Response::Other {
            request_id: "r".into()
        })
    );
    // Kept as they are in a fetched socket's data.
    let fetch = br#"{"requestId":"r","sockets":[{"id":"a","handshake":{},"rooms":[],"data":{"_placeholder":true,"num":0}}]}"#;
    let Ok(Response::Fetch { sockets, .. }) = decode_response(fetch) else {
        panic!("not a fetch answer");
    };
    assert_eq!(
        sockets[0].data.as_ref(),
        br#"{"_placeholder":true,"num":0}"#
    );
}

#[test]
fn bad_placeholders_are_written_as_nil() {
    let bad = Args {
        json: Bytes::from_static(br#"[{"_placeholder":true,"num":3}]"#),
        attachments: vec![],
    };
    let got = encode_broadcast("u", "/", "e", &bad, &Opts::default());
    assert_eq!(decode_broadcast(&got).unwrap().args, args("[null]"));
}

#[test]
fn refuses_bad_input_without_panicking() {
    let good = encode_broadcast(
        "Xy12Ab",
        "/",
        "hello",
        &args(r#"[1,"a",{"b":[2.5]}]"#),
        &room1(),
    );
    for end in 0..good.len() {
        assert!(decode_broadcast(&good[..end]).is_err(), "{end}");
    }
    let mut trailing = good.to_vec();
    trailing.push(0);
    assert_eq!(
        decode_broadcast(&trailing),
        Err(ClusterDecodeError::TrailingBytes(1))
    );
    // Absurd declared lengths are refused, not allocated.
    for bytes in [
        &[0xdd, 0xff, 0xff, 0xff, 0xff][..],
        &[0xdf, 0xff, 0xff, 0xff, 0xff, 0x00],
        &[0xdb, 0xff, 0xff, 0xff, 0xff],
        &[0xc6, 0xff, 0xff, 0xff, 0xff],
        &[0xc9, 0xff, 0xff, 0xff, 0xff, 0x00],
    ] {
        assert_eq!(decode_broadcast(bytes), Err(ClusterDecodeError::Truncated));
        assert_eq!(decode_request(bytes), Err(ClusterDecodeError::Truncated));
    }
    // Depth bound.
    let mut deep = vec![0x91; 200];
    deep.push(0xc0);
    assert_eq!(decode_broadcast(&deep), Err(ClusterDecodeError::TooDeep));
    let mut ok = vec![0x91; MAX_DEPTH - 1];
    ok.push(0xc0);
    assert!(matches!(
        decode_broadcast(&ok),
        Err(ClusterDecodeError::Malformed(_))
    ));
    let mut deep_json = "[".repeat(300).into_bytes();
    deep_json.insert(0, b'{');
    assert!(decode_request(&deep_json).is_err());
    // Invalid UTF-8, reserved marker.
    assert_eq!(
        decode_broadcast(&[0x93, 0xa1, 0xff, 0x80, 0x80]),
        Err(ClusterDecodeError::InvalidUtf8)
    );
    assert_eq!(
        decode_broadcast(&[0xc1]),
        Err(ClusterDecodeError::InvalidMarker(0xc1))
    );
    // Wrong shapes.
    for bytes in [
        &[0x90][..],
        &[0x93, 0xc0, 0x80, 0x80],
        &[0x93, 0xa1, b'u', 0x80, 0x80],
        &[
            0x93, 0xa1, b'u', 0x81, 0xa4, b'd', b'a', b't', b'a', 0x90, 0x80,
        ],
        &[0x92, 0xa1, b'u', 0x80],
    ] {
        assert!(
            matches!(
                decode_broadcast(bytes),
                Err(ClusterDecodeError::Malformed(_))
            ),
            "{bytes:?}"
        );
    }
    for garbage in [
        &b""[..],
        b"{",
        b"{}",
        b"[]",
        b"{\"type\":\"1\"}",
        b"\xff\xfe",
        b"{\"type\":5}",
    ] {
        assert!(decode_request(garbage).is_err());
        assert!(decode_response(garbage).is_err());
    }
}
