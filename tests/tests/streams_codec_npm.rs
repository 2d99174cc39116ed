//! Our Redis Streams adapter codec against the npm package's: the real
//! `@socket.io/redis-streams-adapter` 0.3.1, driven by
//! `tests/js/streams-codec.mjs` with a fake Redis client that records its
//! commands, encodes every ClusterAdapter message type (3–12) and sessions;
//! `sio_core::cluster::streams` must write the same stream fields, the same
//! Pub/Sub bytes (@msgpack/msgpack 2.8.0) on the same channel and the same
//! session text, and must decode Node's back to a message that re-encodes to
//! Node's bytes. The arguments walk numbers of every size class (integers up
//! to 2^53, floats in JavaScript's plain and exponent notations), strings,
//! arrays and maps at the msgpack size boundaries, Unicode and nested
//! binary.

use serde_json::{Value, json};
use sio_core::cluster::streams::{
    AdapterMsg, SessionRecord, decode_entry, decode_message, decode_session, encode_entry,
    encode_message, encode_session, private_channel, public_channel, session_key,
};
use sio_core::cluster::{Opts, RemoteSocket, Request, Response};
use std::time::Duration;
use tests::cluster::args_from_wire;
use tests::codec_cases::{bin, decode_hex, hex_of, short};

/// The shared argument lists, and JavaScript's number notations, strings
/// `JSON.stringify` escapes, and binary next to a float.
fn argument_lists() -> Vec<Value> {
    let mut lists = tests::codec_cases::argument_lists();
    lists.extend([
        json!([
            1e19, -1e19, 1e20, 1e21, 1.5e300, 2.5e-7, 0.000001, 1e-7, 5e-324, 123456.789
        ]),
        json!(["\"\\\n\t\u{1}/", "\u{7f}\u{2028}"]),
        json!([{"nested": bin(3), "list": [bin(2), 1.5]}]),
    ]);
    lists
}

fn strs(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| a.iter().map(|r| r.as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}

fn text(v: &Value) -> String {
    v.as_str().unwrap().to_owned()
}

fn opts(case: &Value) -> Opts {
    Opts {
        rooms: strs(&case["rooms"]),
        except: strs(&case["except"]),
        volatile: case["volatile"] == true,
        timeout: case["timeout"].as_u64(),
    }
}

fn cases() -> Vec<Value> {
    let mut cases = Vec::new();
    let socket = |id: &str, data: Value| {
        json!({"id": id, "handshake": {"headers": {"host": "h"}, "time": "t", "address": "::1",
            "xdomain": false, "secure": false, "issued": 1718000000000u64, "url": "/socket.io/?EIO=4",
            "query": {"EIO": "4"}, "auth": {}}, "rooms": [id, "room1"], "data": data})
    };
    for (i, args) in argument_lists().into_iter().enumerate() {
        let rooms: Vec<&str> = match i % 3 {
            0 => vec![],
            1 => vec!["room1"],
            _ => vec!["a", "b#c"],
        };
        let except: Vec<&str> = if i % 2 == 0 {
            vec![]
        } else {
            vec!["AbCdEfGhIjKlMnOpQrSt"]
        };
        let nsp = if i % 4 == 3 { "/chat" } else { "/" };
        let uid = format!("{:016x}", 0x1f3a_5c7e_9b2d_4f60u64 + i as u64);
        let base = json!({"uid": uid, "nsp": nsp, "rooms": rooms, "except": except});
        let with = |extra: Value| {
            let mut c = base.clone();
            c.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            c
        };
        let first = args.get(0).cloned();
        cases.push(with(
            json!({"kind": "broadcast", "event": format!("ev{i}"), "args": args,
            "volatile": i % 5 == 4}),
        ));
        cases.push(with(json!({"kind": "ackedBroadcast", "requestId": format!("{i:016x}"),
            "event": "ask", "args": args, "volatile": i % 2 == 0, "timeout": ([5000u64, 70000, 4294967296][i % 3])})));
        let sse = if i % 2 == 0 {
            json!({"kind": "serverSideEmit", "event": "sse", "args": args})
        } else {
            json!({"kind": "serverSideEmit", "event": "sse", "args": args, "requestId": format!("q{i}")})
        };
        cases.push(with(sse));
        let requester = json!("0123456789abcdef");
        let mut answer = json!({"requester": requester, "requestId": format!("a{i}")});
        if let Some(arg) = first {
            answer["arg"] = arg;
        }
        for kind in ["ack", "serverSideEmitResponse"] {
            let mut a = answer.clone();
            a["kind"] = json!(kind);
            cases.push(with(a));
        }
    }
    let base =
        json!({"uid": "00000000deadbeef", "nsp": "/", "rooms": ["r1", "r2"], "except": ["x"]});
    let with = |extra: Value| {
        let mut c = base.clone();
        c.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        c
    };
    cases.extend([
        with(json!({"kind": "broadcast", "event": "acked", "args": ["a"], "ackId": 12})),
        with(json!({"kind": "join", "targets": ["room2", "room3"]})),
        with(json!({"kind": "leave", "targets": ["room2"]})),
        with(json!({"kind": "disconnect", "close": true})),
        with(json!({"kind": "disconnect", "close": false, "rooms": []})),
        with(json!({"kind": "fetch", "requestId": "f1"})),
        with(json!({"kind": "fetch", "requestId": "f2", "timeout": 3000})),
        with(json!({"kind": "fetchResponse", "requester": "r", "requestId": "f1", "sockets": []})),
        with(json!({"kind": "fetchResponse", "requester": "r", "requestId": "f1",
            "sockets": [socket("s1", json!({"user": "é", "n": [1, 2.5]})), socket("s2", json!(null))]})),
        with(json!({"kind": "clientCount", "requester": "r", "requestId": "c", "clientCount": 3})),
        with(json!({"kind": "clientCount", "requester": "r", "requestId": "c", "clientCount": 70000})),
        with(json!({"kind": "session", "sid": "AbCdEfGhIjKlMnOpQrSt", "pid": "pid-é",
            "rooms": ["AbCdEfGhIjKlMnOpQrSt", "room1"], "data": {}})),
        with(json!({"kind": "session", "sid": "s", "pid": "p", "rooms": [],
            "data": {"user": {"name": "日本", "age": 42, "score": 0.75, "big": 1e19, "tags": ["a", null]}}})),
        with(json!({"kind": "session", "sid": "s", "pid": "p", "rooms": ["s"], "data": null})),
    ]);
    cases
}

/// The message a case describes.
fn message(case: &Value) -> AdapterMsg {
    let args = || args_from_wire(&case["args"]);
    let event = || text(&case["event"]);
    let request_id = || text(&case["requestId"]);
    let one = || match case.get("arg") {
        Some(arg) => args_from_wire(&json!([arg])),
        None => sio_core::socket::Args::empty(),
    };
    match case["kind"].as_str().unwrap() {
        "broadcast" => AdapterMsg::Broadcast {
            event: event(),
            args: args(),
            opts: opts(case),
            ack_id: case["ackId"].as_u64(),
        },
        "ackedBroadcast" => AdapterMsg::Request(Request::Broadcast {
            request_id: request_id(),
            event: event(),
            args: args(),
            opts: opts(case),
        }),
        "join" => AdapterMsg::Request(Request::Join {
            opts: opts(case),
            rooms: strs(&case["targets"]),
        }),
        "leave" => AdapterMsg::Request(Request::Leave {
            opts: opts(case),
            rooms: strs(&case["targets"]),
        }),
        "disconnect" => AdapterMsg::Request(Request::Disconnect {
            opts: opts(case),
            close: case["close"] == true,
        }),
        "fetch" => AdapterMsg::Request(Request::Fetch {
            request_id: request_id(),
            opts: opts(case),
        }),
        "serverSideEmit" => AdapterMsg::Request(Request::ServerSideEmit {
            request_id: case["requestId"].as_str().map(str::to_owned),
            event: event(),
            args: args(),
        }),
        "fetchResponse" => AdapterMsg::Response(Response::Fetch {
            request_id: request_id(),
            sockets: case["sockets"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| RemoteSocket {
                    id: text(&s["id"]),
                    handshake: serde_json::to_vec(&s["handshake"]).unwrap().into(),
                    rooms: strs(&s["rooms"]),
                    data: serde_json::to_vec(&s["data"]).unwrap().into(),
                })
                .collect(),
        }),
        "ack" => AdapterMsg::Response(Response::BroadcastAck {
            request_id: request_id(),
            data: one(),
        }),
        "serverSideEmitResponse" => AdapterMsg::Response(Response::ServerSideEmit {
            request_id: request_id(),
            data: one(),
        }),
        "clientCount" => AdapterMsg::Response(Response::ClientCount {
            request_id: request_id(),
            count: case["clientCount"].as_u64().unwrap(),
        }),
        other => panic!("unknown kind {other}"),
    }
}

fn run_node(cases: &[Value]) -> Vec<Value> {
    let path = tests::output_dir().join("streams-codec-cases.json");
    std::fs::write(&path, serde_json::to_vec(cases).unwrap()).unwrap();
    let out = tests::run_node(
        "streams-codec.mjs",
        &[path.to_str().unwrap()],
        Duration::from_secs(60),
    );
    assert!(out.success(), "streams-codec.mjs failed: {}", out.stderr);
    let node: Vec<Value> = serde_json::from_str(out.stdout.trim()).expect("a JSON array");
    assert_eq!(node.len(), cases.len());
    node
}

fn fields_of(node: &Value) -> Vec<(bytes::Bytes, bytes::Bytes)> {
    node["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (text(&f[0]).into(), text(&f[1]).into()))
        .collect()
}

fn show(fields: &[(bytes::Bytes, bytes::Bytes)]) -> Vec<(String, String)> {
    let s = |b: &bytes::Bytes| String::from_utf8_lossy(b).chars().take(300).collect();
    fields.iter().map(|(k, v)| (s(k), s(v))).collect()
}

#[test]
fn streams_messages_match_the_npm_adapter_byte_for_byte() {
    let cases = cases();
    let node = run_node(&cases);
    let (mut entries, mut published, mut sessions) = (0, 0, 0);
    for (case, theirs) in cases.iter().zip(&node) {
        let (uid, nsp) = (text(&case["uid"]), text(&case["nsp"]));
        let what = short(case);
        if case["kind"] == "session" {
            let record = SessionRecord {
                sid: text(&case["sid"]),
                pid: text(&case["pid"]),
                rooms: strs(&case["rooms"]),
                data: serde_json::to_vec(&case["data"]).unwrap().into(),
            };
            assert_eq!(theirs["set"][0], session_key("sio:session:", &record.pid));
            let value = text(&theirs["set"][1]);
            assert_eq!(encode_session(&record), value.as_bytes(), "session {what}");
            let back = decode_session(value.as_bytes()).expect("ours decodes Node's session");
            assert_eq!(encode_session(&back), value.as_bytes(), "session {what}");
            sessions += 1;
            continue;
        }
        let msg = message(case);
        // Stream fields, as Node's `encode` writes them for every type.
        let node_fields = fields_of(theirs);
        let ours = encode_entry(&uid, &nsp, &msg);
        assert_eq!(show(&ours), show(&node_fields), "entry of {what}");
        let back = decode_entry(&node_fields).expect("ours decodes Node's entry");
        assert_eq!(
            (back.uid.as_str(), back.nsp.as_str()),
            (uid.as_str(), nsp.as_str())
        );
        assert_eq!(back.msg.kind(), msg.kind());
        assert_eq!(
            encode_entry(&uid, &nsp, &back.msg),
            node_fields,
            "re-encoded {what}"
        );
        // The whole message in msgpack, and where it goes.
        let hex = text(&theirs["hex"]);
        assert_eq!(
            hex_of(&encode_message(&uid, &nsp, &msg)),
            hex,
            "message {what}"
        );
        let back = decode_message(&decode_hex(&hex)).expect("ours decodes Node's message");
        assert_eq!(
            hex_of(&encode_message(&uid, &nsp, &back.msg)),
            hex,
            "re-encoded {what}"
        );
        match theirs["route"].as_str().unwrap() {
            "xadd" => {
                assert!(msg.in_stream(), "Node writes {what} to the stream");
                entries += 1;
            }
            _ => {
                assert!(!msg.in_stream(), "Node publishes {what}");
                let channel = match case.get("requester") {
                    Some(r) => private_channel("socket.io", &nsp, r.as_str().unwrap()),
                    None => public_channel("socket.io", &nsp),
                };
                assert_eq!(theirs["channel"], channel.as_str());
                published += 1;
            }
        }
    }
    eprintln!(
        "{entries} stream entries, {published} Pub/Sub messages, {sessions} sessions byte-identical"
    );
    assert!(entries >= 15 && published >= 50 && sessions == 3);
}
