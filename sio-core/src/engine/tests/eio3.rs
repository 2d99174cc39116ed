//! Engine.IO v3 sessions (`allow_eio3`): handshake, reversed heartbeat,
//! v3 payloads on polling, binary frames on WebSocket, upgrade.

use super::*;

const V3: &str = "/engine.io/?EIO=3&transport=polling";
const V3_B64: &str = "/engine.io/?EIO=3&transport=polling&b64=1";
const V3_WS: &str = "/engine.io/?EIO=3&transport=websocket";

fn v3_engine() -> TestEngine {
    TestEngine::with_config(EngineConfig {
        allow_eio3: true,
        ..config()
    })
}

/// The sid of a v3 polling handshake response `<len>:0{...}`, checking
/// the open packet (no `maxPayload`) and the length.
fn v3_open(res: &HttpResponse) -> Sid {
    assert_eq!(res.status, 200, "{res:?}");
    let body = body_str(res);
    let (len, packet) = body.split_once(':').expect("a v3 payload");
    assert_eq!(len.parse::<usize>().unwrap(), packet.len());
    let json = open_json(packet.as_bytes());
    let sid = Sid::parse(json["sid"].as_str().unwrap()).unwrap();
    let mut expected = expected_open(sid, &["websocket"]);
    expected.as_object_mut().unwrap().remove("maxPayload");
    assert_eq!(json, expected);
    sid
}

fn open_v3(t: &mut TestEngine, query: &str) -> Sid {
    let conn = t.get(query);
    let out = t.drain();
    let sid = v3_open(out.response(conn));
    assert_eq!(out.opened(), vec![(sid, Transport::Polling)]);
    assert_eq!(t.engine.session(sid).unwrap().protocol, 3);
    sid
}

#[test]
fn v4_clients_are_unchanged_when_v3_is_allowed() {
    // (Versions refused with and without `allow_eio3`: `errors.rs`.)
    let mut t = v3_engine();
    let sid = t.open_polling();
    assert_eq!(t.engine.session(sid).unwrap().protocol, 4);
}

#[test]
fn the_client_pings_and_the_server_answers() {
    let mut t = v3_engine();
    let sid = open_v3(&mut t, V3);
    // Deadline: ping interval + ping timeout; the server never pings.
    assert_eq!(t.engine.poll_timeout(), Some(t.t0 + ms(500)));
    t.advance(ms(400));
    t.assert_idle();
    let post = t.post(&polling(sid), "1:2");
    let get = t.get(&polling(sid));
    let out = t.drain();
    assert_eq!(body_str(out.response(post)), "ok");
    assert_payload(out.response(get), "1:3");
    // The ping moved the deadline to 400 + 500 ms.
    t.advance(ms(499));
    t.assert_idle();
    t.advance(ms(1));
    assert_eq!(t.drain().closed(), vec![(sid, CloseReason::PingTimeout)]);
}

#[test]
fn a_pong_from_a_v3_client_is_a_fault() {
    let mut t = v3_engine();
    let sid = open_v3(&mut t, V3);
    t.post(&polling(sid), "1:3");
    let out = t.drain();
    assert_eq!(out.faults(), vec![(sid, "pong from a v3 client")]);
    assert_eq!(out.closed(), vec![(sid, CloseReason::TransportError)]);
}

#[test]
fn polling_payloads_in_both_binary_modes() {
    let mut t = v3_engine();
    let sid = open_v3(&mut t, V3);
    t.send(sid, Message::text("é😀"));
    t.send(sid, Message::binary(vec![1, 2]));
    let get = t.get(&polling(sid));
    let out = t.drain();
    let res = out.response(get);
    assert_eq!(res.header("content-type"), Some("application/octet-stream"));
    let mut expected = vec![0, 7, 0xFF];
    expected.extend_from_slice("4é😀".as_bytes());
    expected.extend([1, 3, 0xFF, 4, 1, 2]);
    assert_eq!(res.body.to_vec(), expected);
    // Request bodies in both forms.
    t.post(
        &polling(sid),
        Bytes::from_static(&[1, 2, 0xFF, 4, 9, 0, 1, 0xFF, b'2']),
    );
    assert_eq!(t.drain().messages(sid), vec![Message::binary(vec![9])]);
    t.post(&polling(sid), "4:4é😀6:b4AQI=");
    assert_eq!(
        t.drain().messages(sid),
        vec![Message::text("é😀"), Message::binary(vec![1, 2])]
    );
    // The ping in the first body was answered.
    let get = t.get(&polling(sid));
    assert_payload(t.drain().response(get), "1:3");
    // `b64=1`: base64 packets in a text payload.
    let sid = open_v3(&mut t, V3_B64);
    t.send(sid, Message::text("é😀"));
    t.send(sid, Message::binary(vec![1, 2]));
    let get = t.get(&polling(sid));
    assert_payload(t.drain().response(get), "4:4é😀6:b4AQI=");
}

#[test]
fn a_malformed_payload_says_why() {
    let mut t = v3_engine();
    let sid = open_v3(&mut t, V3);
    let post = t.post(&polling(sid), "9:4abc");
    let out = t.drain();
    assert_eq!(out.response(post).status, 400);
    assert_eq!(
        out.faults(),
        vec![(
            sid,
            "malformed payload in a POST: packet at byte 0 is longer than the payload"
        )]
    );
}

#[test]
fn websocket_binary_frames_carry_the_type_byte() {
    let mut t = v3_engine();
    let ws = t.ws_open(V3_WS);
    let out = t.drain();
    let open = out.texts(ws)[0].clone();
    let sid = Sid::parse(open_json(open.as_bytes())["sid"].as_str().unwrap()).unwrap();
    assert!(!open.contains("maxPayload"));
    t.send(sid, Message::binary(vec![7]));
    t.send(sid, Message::text("x"));
    let out = t.drain();
    assert_eq!(
        out.frames(ws),
        vec![
            &WsFrame::Binary(Bytes::from_static(&[4, 7])),
            &WsFrame::Text(Bytes::from_static(b"4x"))
        ]
    );
    t.ws_send(ws, WsFrame::Binary(Bytes::from_static(&[4, 8])));
    t.ws_text(ws, "b4CQ==");
    t.ws_text(ws, "2");
    let out = t.drain();
    assert_eq!(
        out.messages(sid),
        vec![Message::binary(vec![8]), Message::binary(vec![9])]
    );
    assert_eq!(out.texts(ws), vec!["3"]);
    t.ws_send(ws, WsFrame::Binary(Bytes::from_static(&[2, 8])));
    let out = t.drain();
    assert_eq!(
        out.faults(),
        vec![(
            sid,
            "malformed WebSocket packet: binary packet of type 2 (only messages carry binary data)"
        )]
    );
}

#[test]
fn the_upgrade_takes_the_websockets_b64() {
    let mut t = v3_engine();
    let sid = open_v3(&mut t, V3);
    let ws = t.ws_open(&format!("{V3_WS}&sid={sid}&b64=1"));
    t.ws_text(ws, "2probe");
    t.ws_text(ws, "5");
    let out = t.drain();
    assert_eq!(out.texts(ws), vec!["3probe"]);
    t.send(sid, Message::binary(vec![1, 2]));
    assert_eq!(t.drain().texts(ws), vec!["b4AQI="]);
}

#[test]
fn a_broadcast_gives_v3_clients_their_own_frame() {
    let mut t = v3_engine();
    let (v4, ws4) = t.open_ws();
    let mut v3 = Vec::new();
    for _ in 0..2 {
        let ws = t.ws_open(V3_WS);
        let out = t.drain();
        let open = out.texts(ws)[0].clone();
        v3.push((
            Sid::parse(open_json(open.as_bytes())["sid"].as_str().unwrap()).unwrap(),
            ws,
        ));
    }
    let frame = WsFrame::Binary(Bytes::from_static(&[5]));
    t.engine.send_frame_to_many([v4, v3[0].0, v3[1].0], &frame);
    t.pump();
    let out = t.drain();
    assert_eq!(out.frames(ws4), vec![&frame]);
    let v3_frame = WsFrame::Binary(Bytes::from_static(&[4, 5]));
    assert_eq!(out.frames(v3[0].1), vec![&v3_frame]);
    assert_eq!(out.frames(v3[1].1), vec![&v3_frame]);
}

#[test]
fn jsonp_is_text_both_ways() {
    let mut t = v3_engine();
    let conn = t.get("/engine.io/?EIO=3&transport=polling&j=0");
    let out = t.drain();
    let body = body_str(out.response(conn)).to_owned();
    assert!(body.starts_with(r#"___eio[0]("#), "{body}");
    let sid = open_v3_sid_in_jsonp(&body);
    let jsonp = format!("{}&j=0", polling(sid).replace("EIO=4", "EIO=3"));
    // `d=` carries a v3 text payload: a ping and a base64 binary message.
    let post = t.post(&jsonp, "d=1%3A26%3Ab4AQI%3D");
    let out = t.drain();
    assert_eq!(body_str(out.response(post)), "ok");
    assert_eq!(out.messages(sid), vec![Message::binary(vec![1, 2])]);
    t.send(sid, Message::binary(vec![1, 2]));
    let get = t.get(&jsonp);
    assert_eq!(
        body_str(t.drain().response(get)),
        r#"___eio[0]("1:36:b4AQI=");"#
    );
}

/// The sid in a JSONP-wrapped v3 open packet.
fn open_v3_sid_in_jsonp(body: &str) -> Sid {
    let literal = &body[r#"___eio[0]("#.len()..body.len() - 2];
    let payload: String = serde_json::from_str(literal).expect("a JS string");
    let (_, packet) = payload.split_once(':').expect("a v3 payload");
    Sid::parse(open_json(packet.as_bytes())["sid"].as_str().unwrap()).unwrap()
}
