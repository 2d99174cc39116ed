//! Our msgpack against the npm package's: the cluster messages that travel
//! as msgpack (broadcasts, acked-broadcast requests, broadcast acks) encoded
//! by `sio_core::cluster` and by `notepack.io` 3.0.1 (what
//! `@socket.io/redis-adapter` uses; `tests/js/notepack.mjs`) must be the
//! same bytes, and ours must decode Node's back to the same message. The
//! cases walk the msgpack family's size boundaries: integers of every width,
//! floats, strings and binaries of 31/32/255/256/65 536 bytes, arrays and
//! maps of 15/16 entries, nesting, Unicode.

use serde_json::{Value, json};
use sio_core::cluster::{
    Opts, Request, Response, decode_broadcast, decode_request, decode_response, encode_broadcast,
    encode_request, encode_response,
};
use sio_core::socket::Args;
use std::time::Duration;
use tests::cluster::args_from_wire;
use tests::codec_cases::{argument_lists, decode_hex, hex_of, short};

#[test]
fn msgpack_messages_match_notepack_byte_for_byte() {
    let mut cases = Vec::new();
    let timeouts = [5000u64, 100, 70000, 4294967296];
    for (i, args) in argument_lists().into_iter().enumerate() {
        let rooms: Vec<String> = match i % 3 {
            0 => vec![],
            1 => vec!["room1".into()],
            _ => vec!["a".into(), "b#c".into()],
        };
        let except: Vec<String> = if i % 2 == 0 {
            vec![]
        } else {
            vec!["AbCdEfGhIjKlMnOpQrSt".into()]
        };
        let nsp = if i % 4 == 3 { "/chat" } else { "/" };
        cases.push(
            json!({"kind": "broadcast", "uid": "Xy12Ab", "nsp": nsp, "event": format!("ev{i}"),
            "args": args, "rooms": rooms, "except": except, "volatile": i % 5 == 4}),
        );
        cases.push(
            json!({"kind": "request7", "uid": "Xy12Ab", "requestId": format!("Rq{i:04}"),
            "nsp": nsp, "event": "ask", "args": args, "rooms": rooms, "except": except,
            "timeout": timeouts[i % 4]}),
        );
        if let Some(first) = args.get(0) {
            cases.push(json!({"kind": "ack9", "requestId": format!("Ak{i:04}"), "arg": first}));
        }
    }
    let path = tests::output_dir().join("notepack-cases.json");
    std::fs::write(&path, serde_json::to_vec(&cases).unwrap()).unwrap();
    let out = tests::run_node(
        "notepack.mjs",
        &[path.to_str().unwrap()],
        Duration::from_secs(60),
    );
    assert!(out.success(), "notepack.mjs failed: {}", out.stderr);
    let node: Vec<String> = serde_json::from_str(out.stdout.trim()).expect("a JSON array");
    assert_eq!(node.len(), cases.len());

    for (case, hex) in cases.iter().zip(&node) {
        let theirs = decode_hex(hex);
        let str_list = |v: &Value| -> Vec<String> {
            v.as_array()
                .unwrap()
                .iter()
                .map(|r| r.as_str().unwrap().to_owned())
                .collect()
        };
        let args = args_from_wire(&case["args"]);
        let ours = match case["kind"].as_str().unwrap() {
            "broadcast" => {
                let opts = Opts {
                    rooms: str_list(&case["rooms"]),
                    except: str_list(&case["except"]),
                    volatile: case["volatile"] == true,
                    timeout: None,
                };
                let (uid, nsp, event) = (
                    case["uid"].as_str().unwrap(),
                    case["nsp"].as_str().unwrap(),
                    case["event"].as_str().unwrap(),
                );
                let decoded = decode_broadcast(&theirs).expect("ours decodes Node's broadcast");
                assert_eq!(
                    (
                        decoded.uid.as_str(),
                        decoded.nsp.as_str(),
                        decoded.event.as_str()
                    ),
                    (uid, nsp, event)
                );
                assert_eq!(decoded.opts, opts);
                assert_same_args(&decoded.args, &args, case);
                encode_broadcast(uid, nsp, event, &args, &opts)
            }
            "request7" => {
                let request = Request::Broadcast {
                    request_id: case["requestId"].as_str().unwrap().to_owned(),
                    event: "ask".to_owned(),
                    args: args.clone(),
                    opts: Opts {
                        rooms: str_list(&case["rooms"]),
                        except: str_list(&case["except"]),
                        volatile: false,
                        timeout: case["timeout"].as_u64(),
                    },
                };
                let decoded = decode_request(&theirs).expect("ours decodes Node's request");
                assert_eq!(decoded.uid.as_deref(), Some("Xy12Ab"));
                match (&decoded.request, &request) {
                    (
                        Request::Broadcast {
                            args: a,
                            opts: o,
                            request_id: r,
                            ..
                        },
                        Request::Broadcast {
                            opts, request_id, ..
                        },
                    ) => {
                        assert_eq!((r, o), (request_id, opts));
                        assert_same_args(a, &args, case);
                    }
                    (other, _) => panic!("decoded as {other:?}"),
                }
                encode_request("Xy12Ab", case["nsp"].as_str().unwrap(), &request)
            }
            _ => {
                let arg = args_from_wire(&json!([case["arg"]]));
                let response = Response::BroadcastAck {
                    request_id: case["requestId"].as_str().unwrap().to_owned(),
                    data: arg.clone(),
                };
                match decode_response(&theirs).expect("ours decodes Node's ack") {
                    Response::BroadcastAck { data, .. } => assert_same_args(&data, &arg, case),
                    other => panic!("decoded as {other:?}"),
                }
                encode_response(&response)
            }
        };
        assert_eq!(hex_of(&ours), *hex, "bytes differ for {}", short(case));
    }
    eprintln!("{} messages byte-identical to notepack.io's", cases.len());
}

/// Where we differ from notepack.io on purpose: it writes an integer of
/// 2^64 or more (every such double is an integer in JS) as a uint64 whose
/// bits wrap (`1e300` becomes `cf 00…00`, zero); we write the float64.
#[test]
fn integers_beyond_64_bits_stay_floats() {
    let args = args_from_wire(&json!([1e300, -1e300]));
    let bytes = encode_broadcast("u", "/", "e", &args, &Opts::default());
    let decoded = decode_broadcast(&bytes).unwrap();
    let values: Value = serde_json::from_slice(&decoded.args.json).unwrap();
    assert_eq!(values, json!([1e300, -1e300]));
    let cb = bytes.windows(9).filter(|w| w[0] == 0xcb).count();
    assert_eq!(cb, 2, "two float64 values in {bytes:02x?}");
}

/// The same arguments: equal JSON values (numbers compared as JS numbers)
/// and attachments.
fn assert_same_args(got: &Args, want: &Args, case: &Value) {
    fn js(v: Value) -> Value {
        match v {
            Value::Number(n) => json!(n.as_f64().unwrap() + 0.0),
            Value::Array(a) => Value::Array(a.into_iter().map(js).collect()),
            Value::Object(m) => Value::Object(m.into_iter().map(|(k, v)| (k, js(v))).collect()),
            v => v,
        }
    }
    let g = js(serde_json::from_slice(&got.json).unwrap());
    let w = js(serde_json::from_slice(&want.json).unwrap());
    assert_eq!(g, w, "arguments of {}", short(case));
    assert_eq!(
        got.attachments,
        want.attachments,
        "attachments of {}",
        short(case)
    );
}
