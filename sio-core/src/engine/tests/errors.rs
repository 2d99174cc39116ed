//! Refused requests (exact status and JSON body) and malformed input, which
//! never disturbs other sessions.

use super::*;

#[test]
fn unknown_transport() {
    let mut t = TestEngine::new();
    for pq in [
        "/engine.io/?EIO=4",
        "/engine.io/?EIO=4&transport=foo",
        "/engine.io/?EIO=4&transport=",
        "/engine.io/?EIO=4&transport=Polling",
        "/engine.io/",
    ] {
        let conn = t.get(pq);
        let out = t.drain();
        assert_eq!(out.len(), 1, "{pq}: {out:#?}");
        assert_error(out.response(conn), 400, 0, "Transport unknown");
    }
    assert_eq!(t.engine.session_count(), 0);
}

#[test]
fn disabled_transport_is_unknown() {
    let mut t = TestEngine::with_config(EngineConfig {
        transports: vec![Transport::Polling],
        ..config()
    });
    let conn = t.ws_open(WS_HANDSHAKE);
    assert_error(t.drain().response(conn), 400, 0, "Transport unknown");
    let mut t = TestEngine::with_config(EngineConfig {
        transports: vec![Transport::WebSocket],
        ..config()
    });
    let conn = t.get(HANDSHAKE);
    assert_error(t.drain().response(conn), 400, 0, "Transport unknown");
    // A WebSocket-only server still accepts WebSocket sessions.
    t.open_ws();
}

#[test]
fn unknown_sid() {
    let mut t = TestEngine::new();
    let live = t.open_polling();
    for sid in [
        "AAAAAAAAAAAAAAAAAAAAAA",
        "short",
        "",
        "!!!!!!!!!!!!!!!!!!!!!!",
        "AAAAAAAAAAAAAAAAAAAAAAA",
    ] {
        let pq = format!("{HANDSHAKE}&sid={sid}");
        let get = t.get(&pq);
        let post = t.post_head(&pq);
        let mut req = HttpRequest::get(&format!("{WS_HANDSHAKE}&sid={sid}"));
        req.websocket = true;
        let ws = t.request(req);
        let out = t.drain();
        assert_eq!(out.len(), 3, "{sid}: {out:#?}");
        for conn in [get, post, ws] {
            assert_error(out.response(conn), 400, 1, "Session ID unknown");
        }
    }
    assert_eq!(t.engine.sids().collect::<Vec<_>>(), vec![live]);
}

#[test]
fn post_handshake_is_a_bad_method() {
    let mut t = TestEngine::new();
    let conn = t.post_head(HANDSHAKE);
    let out = t.drain();
    assert_eq!(out.len(), 1, "{out:#?}");
    assert_error(out.response(conn), 400, 2, "Bad handshake method");
    let conn = t.request(HttpRequest::new(Method::Head, HANDSHAKE));
    assert_error(t.drain().response(conn), 400, 2, "Bad handshake method");
    assert_eq!(t.engine.session_count(), 0);
}

#[test]
fn websocket_transport_without_upgrade_is_a_bad_request() {
    let mut t = TestEngine::new();
    let conn = t.get(WS_HANDSHAKE);
    assert_error(t.drain().response(conn), 400, 3, "Bad request");
    // And the other way round: an upgrade request asking for polling.
    let conn = t.ws_open(HANDSHAKE);
    assert_error(t.drain().response(conn), 400, 3, "Bad request");
    assert_eq!(t.engine.session_count(), 0);
}

#[test]
fn other_methods_on_a_session_are_bad_requests() {
    let mut t = TestEngine::new();
    let sid = t.open_polling();
    let conn = t.request(HttpRequest::new(Method::Other, &polling(sid)));
    assert_error(t.drain().response(conn), 400, 3, "Bad request");
    assert!(t.engine.session(sid).is_some());
}

#[test]
fn allow_request_can_refuse() {
    let mut t = TestEngine::with_config(EngineConfig {
        allow_request: Some(Box::new(|req: &HttpRequest| {
            match req.header("authorization") {
                Some("Bearer good") => Ok(()),
                _ => Err("no token, \"no\" entry".to_owned()),
            }
        })),
        ..config()
    });
    let conn = t.get(HANDSHAKE);
    let out = t.drain();
    assert_eq!(out.len(), 1, "{out:#?}");
    assert_error(out.response(conn), 403, 4, "no token, \"no\" entry");
    let conn = t.ws_open(WS_HANDSHAKE);
    assert_error(t.drain().response(conn), 403, 4, "no token, \"no\" entry");
    assert_eq!(t.engine.session_count(), 0);
    let conn = t.request(HttpRequest::get(HANDSHAKE).with_header("Authorization", "Bearer good"));
    let res = t.drain();
    assert_eq!(res.response(conn).status, 200);
    assert_eq!(t.engine.session_count(), 1);
    // The hook is for handshakes only: the session's requests don't carry the header.
    let sid = t.engine.sids().next().unwrap();
    let get = t.get(&polling(sid));
    t.assert_idle();
    t.send(sid, Message::text("in"));
    assert_payload(t.drain().response(get), "4in");
}

#[test]
fn unsupported_protocol_version() {
    // With `allow_eio3`, only `EIO=3` is let in besides `EIO=4`.
    for allow_eio3 in [false, true] {
        unsupported_versions(allow_eio3);
    }
}

fn unsupported_versions(allow_eio3: bool) {
    let mut t = TestEngine::with_config(EngineConfig {
        allow_eio3,
        ..config()
    });
    for pq in [
        "/engine.io/?transport=polling",
        "/engine.io/?EIO=3&transport=polling",
        "/engine.io/?EIO=5&transport=polling",
        "/engine.io/?EIO=&transport=polling",
    ] {
        if allow_eio3 && pq.contains("EIO=3") {
            continue;
        }
        let conn = t.get(pq);
        assert_error(
            t.drain().response(conn),
            400,
            5,
            "Unsupported protocol version",
        );
    }
    let version = if allow_eio3 { 2 } else { 3 };
    let conn = t.ws_open(&format!("/engine.io/?EIO={version}&transport=websocket"));
    let out = t.drain();
    assert_error(out.response(conn), 400, 5, "Unsupported protocol version");
    assert_eq!(t.engine.session_count(), 0);
}

/// Opens two polling sessions and checks that a bad POST body on the first
/// one closes it with a 400 and `ParseError`, and leaves the second alone.
#[track_caller]
fn bad_body_closes_only_its_session(body: &[u8]) {
    let mut t = TestEngine::new();
    let bad = t.open_polling();
    let good = t.open_polling();
    let bad_get = t.get(&polling(bad));
    let good_get = t.get(&polling(good));
    let post = t.post(&polling(bad), Bytes::copy_from_slice(body));
    let out = t.drain();
    assert_eq!(out.len(), 4, "{body:?}: {out:#?}");
    assert_error(out.response(post), 400, 3, "Bad request");
    assert_payload(out.response(bad_get), "1");
    assert_eq!(out.faults(), vec![(bad, "malformed payload in a POST")]);
    assert_eq!(out.closed(), vec![(bad, CloseReason::ParseError)]);
    assert!(out.messages(bad).is_empty());
    // The other session still talks both ways.
    let post = t.post(&polling(good), "4echo");
    let out = t.drain();
    assert_eq!(body_str(out.response(post)), "ok");
    assert_eq!(out.messages(good), vec![Message::text("echo")]);
    t.send(good, Message::text("echo"));
    assert_payload(t.drain().response(good_get), "4echo");
    assert_eq!(t.engine.sids().collect::<Vec<_>>(), vec![good]);
}

#[test]
fn bad_post_bodies() {
    for body in [
        &b""[..],
        b"9x",
        b"4\xff\xfe",
        b"\xc3",
        b"b!!",
        b"bA",
        b"4ok\x1e",
        b"\x1e4ok",
        b"4ok\x1e9",
        b"1x",
        b"5x",
        b"6x",
    ] {
        bad_body_closes_only_its_session(body);
    }
}

#[test]
fn valid_packets_before_a_bad_one_are_not_delivered() {
    // One bad packet fails the whole payload: nothing of it is delivered.
    let mut t = TestEngine::new();
    let sid = t.open_polling();
    t.post(&polling(sid), "4first\x1e9");
    let out = t.drain();
    assert!(out.messages(sid).is_empty());
    assert_eq!(out.closed(), vec![(sid, CloseReason::ParseError)]);
}

#[test]
fn client_ping_over_polling_is_a_transport_error() {
    let mut t = TestEngine::new();
    let sid = t.open_polling();
    let post = t.post(&polling(sid), "2");
    let out = t.drain();
    assert_eq!(body_str(out.response(post)), "ok");
    assert_eq!(out.closed(), vec![(sid, CloseReason::TransportError)]);
}

#[test]
fn body_too_large() {
    let mut t = TestEngine::new();
    let sid = t.open_polling();
    let other = t.open_polling();
    let get = t.get(&polling(sid));
    let post = t.post_head(&polling(sid));
    t.take_read_body(post);
    t.input(Input::HttpBodyTooLarge { conn: post });
    let out = t.drain();
    assert_eq!(out.len(), 4, "{out:#?}");
    assert_eq!(out.faults(), vec![(sid, "POST body over max_payload")]);
    let res = out.response(post);
    assert_eq!(res.status, 413);
    assert!(res.body.is_empty());
    assert_payload(out.response(get), "1");
    assert_eq!(out.closed(), vec![(sid, CloseReason::TransportError)]);
    assert_eq!(t.engine.sids().collect::<Vec<_>>(), vec![other]);
    assert_eq!(t.engine.tracked_conns(), 0);
}

#[test]
fn body_for_a_conn_that_asked_for_none_is_ignored() {
    let mut t = TestEngine::new();
    let sid = t.open_polling();
    let get = t.get(&polling(sid));
    t.body(get, "4sneaky");
    t.input(Input::HttpBodyTooLarge { conn: get });
    t.body(ConnId(999), "4nobody");
    t.assert_idle();
    assert!(t.engine.session(sid).is_some());
}

#[test]
fn malformed_websocket_frames() {
    for frame in [
        text("9"),
        text(""),
        text("1x"),
        WsFrame::Text(Bytes::from_static(b"4\xff")),
        WsFrame::Text(Bytes::from_static(b"\xe2\x82")),
    ] {
        let mut t = TestEngine::new();
        let (sid, ws) = t.open_ws();
        let (other, other_ws) = t.open_ws();
        t.ws_send(ws, frame.clone());
        let out = t.drain();
        assert_eq!(out.len(), 3, "{frame:?}: {out:#?}");
        assert_eq!(out.faults(), vec![(sid, "malformed WebSocket packet")]);
        assert_eq!(out.ws_closes(ws), vec![1002]);
        assert_eq!(out.closed(), vec![(sid, CloseReason::ParseError)]);
        t.ws_text(other_ws, "4fine");
        t.send(other, Message::text("fine"));
        let out = t.drain();
        assert_eq!(out.messages(other), vec![Message::text("fine")]);
        assert_eq!(out.texts(other_ws), vec!["4fine"]);
    }
}

#[test]
fn binary_polling_payload_is_not_a_websocket_binary_frame() {
    // Over WebSocket a `b...` text frame is not base64: `b` is not a packet type.
    let mut t = TestEngine::new();
    let (sid, ws) = t.open_ws();
    t.ws_text(ws, "bAQID");
    assert_eq!(t.drain().closed(), vec![(sid, CloseReason::ParseError)]);
}
