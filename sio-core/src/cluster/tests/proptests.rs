//! Round trips of every message kind with random arguments (binary
//! included where the encoding keeps it), checked against an independent
//! msgpack reader (rmpv).

use super::super::value::{BinJson, Val, args_from, write_json};
use super::super::*;
use crate::socket::Args;
use bytes::Bytes;
use proptest::prelude::*;

pub(in crate::cluster) fn val(binary: bool) -> impl Strategy<Value = Val> {
    let mut leaves = vec![
        Just(Val::Nil).boxed(),
        any::<bool>().prop_map(Val::Bool).boxed(),
        (i64::MIN..0).prop_map(Val::Int).boxed(),
        any::<u64>().prop_map(Val::UInt).boxed(),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Val::F64)
            .boxed(),
        ".{0,12}".prop_map(Val::Str).boxed(),
    ];
    if binary {
        leaves.push(
            proptest::collection::vec(any::<u8>(), 0..40)
                .prop_map(|b| Val::Bin(Bytes::from(b)))
                .boxed(),
        );
    }
    proptest::strategy::Union::new(leaves).prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Val::Arr),
            proptest::collection::vec(("[a-z]{0,4}", inner), 0..6).prop_map(Val::Map),
        ]
    })
}

pub(in crate::cluster) fn args(binary: bool, max: usize) -> impl Strategy<Value = Args> {
    proptest::collection::vec(val(binary), 0..=max).prop_map(|v| args_from(&v).unwrap())
}

pub(in crate::cluster) fn rooms() -> impl Strategy<Value = Vec<String>> {
    proptest::collection::vec(".{0,8}", 0..4)
}

pub(in crate::cluster) fn opts(flags: bool) -> impl Strategy<Value = Opts> {
    (rooms(), rooms(), any::<bool>(), any::<Option<u64>>()).prop_map(
        move |(rooms, except, volatile, timeout)| Opts {
            rooms,
            except,
            volatile: volatile && flags,
            timeout: timeout.filter(|_| flags),
        },
    )
}

pub(in crate::cluster) fn id() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_-]{6}"
}

/// rmpv reads the whole of `bytes` as one msgpack value.
pub(in crate::cluster) fn valid_msgpack(bytes: &[u8]) {
    let mut rd = bytes;
    rmpv::decode::read_value(&mut rd).expect("valid msgpack");
    assert!(rd.is_empty(), "trailing bytes");
}

pub(in crate::cluster) fn json_text(binary: bool) -> impl Strategy<Value = Bytes> {
    val(binary).prop_map(|v| {
        let mut out = Vec::new();
        write_json(&v, &mut out, &mut BinJson::Buffers(&[]));
        Bytes::from(out)
    })
}

pub(in crate::cluster) fn request() -> impl Strategy<Value = Request> {
    prop_oneof![
        (id(), rooms()).prop_map(|(request_id, rooms)| Request::Sockets { request_id, rooms }),
        id().prop_map(|request_id| Request::AllRooms { request_id }),
        (opts(false), rooms()).prop_map(|(opts, rooms)| Request::Join { opts, rooms }),
        (opts(false), rooms()).prop_map(|(opts, rooms)| Request::Leave { opts, rooms }),
        (opts(false), any::<bool>()).prop_map(|(opts, close)| Request::Disconnect { opts, close }),
        (2u8..=4, id(), ".{0,8}", ".{0,8}").prop_map(|(kind, request_id, sid, room)| {
            Request::LegacySocket {
                kind,
                request_id,
                sid,
                room: if kind == 4 { String::new() } else { room },
            }
        }),
        (id(), opts(false)).prop_map(|(request_id, opts)| Request::Fetch { request_id, opts }),
        (proptest::option::of(id()), ".{0,8}", args(false, 4)).prop_map(
            |(request_id, event, args)| Request::ServerSideEmit {
                request_id,
                event,
                args
            }
        ),
        (id(), ".{0,8}", args(true, 4), opts(true)).prop_map(|(request_id, event, args, opts)| {
            Request::Broadcast {
                request_id,
                event,
                args,
                opts,
            }
        }),
    ]
}

pub(in crate::cluster) fn response() -> impl Strategy<Value = Response> {
    let socket = (".{0,8}", json_text(false), rooms(), json_text(false)).prop_map(
        |(id, handshake, rooms, data)| RemoteSocket {
            id,
            handshake,
            rooms,
            data,
        },
    );
    prop_oneof![
        (id(), proptest::collection::vec(socket, 0..3)).prop_map(|(request_id, sockets)| {
            Response::Fetch {
                request_id,
                sockets,
            }
        }),
        (id(), proptest::collection::vec(".{0,8}", 1..4)).prop_map(|(request_id, sockets)| {
            Response::SocketIds {
                request_id,
                sockets,
            }
        }),
        (id(), rooms()).prop_map(|(request_id, rooms)| Response::Rooms { request_id, rooms }),
        (id(), args(false, 1))
            .prop_map(|(request_id, data)| Response::ServerSideEmit { request_id, data }),
        (id(), any::<u64>())
            .prop_map(|(request_id, count)| Response::ClientCount { request_id, count }),
        (id(), args(true, 1))
            .prop_map(|(request_id, data)| Response::BroadcastAck { request_id, data }),
        id().prop_map(|request_id| Response::Other { request_id }),
    ]
}

proptest! {
    #[test]
    fn broadcasts_round_trip(
        uid in ".{0,10}",
        nsp in "/.{0,6}",
        event in ".{0,10}",
        args in args(true, 5),
        opts in opts(true),
    ) {
        let bytes = encode_broadcast(&uid, &nsp, &event, &args, &opts);
        valid_msgpack(&bytes);
        let msg = decode_broadcast(&bytes).unwrap();
        prop_assert_eq!(msg, BroadcastMsg { uid, nsp, event, args, opts });
    }

    #[test]
    fn requests_round_trip(uid in id(), request in request()) {
        let bytes = encode_request(&uid, "/x", &request);
        if bytes[0] != b'{' {
            valid_msgpack(&bytes);
        } else {
            serde_json::from_slice::<serde_json::Value>(&bytes).unwrap();
        }
        let msg = decode_request(&bytes).unwrap();
        prop_assert_eq!(msg, RequestMsg { uid: Some(uid), request });
    }

    #[test]
    fn responses_round_trip(response in response()) {
        let bytes = encode_response(&response);
        if bytes[0] != b'{' {
            valid_msgpack(&bytes);
        } else {
            serde_json::from_slice::<serde_json::Value>(&bytes).unwrap();
        }
        prop_assert_eq!(decode_response(&bytes).unwrap(), response);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        let _ = decode_broadcast(&bytes);
        let _ = decode_request(&bytes);
        let _ = decode_response(&bytes);
    }

    #[test]
    fn mutated_messages_never_panic(
        args in args(true, 3),
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
    ) {
        let mut bytes = encode_broadcast("u", "/", "e", &args, &Opts::default()).to_vec();
        for (at, b) in flips {
            let i = at.index(bytes.len());
            bytes[i] = b;
        }
        if let Ok(msg) = decode_broadcast(&bytes) {
            let again = encode_broadcast(&msg.uid, &msg.nsp, &msg.event, &msg.args, &msg.opts);
            prop_assert_eq!(decode_broadcast(&again).unwrap(), msg);
        }
        let _ = decode_request(&bytes);
        let _ = decode_response(&bytes);
    }
}
