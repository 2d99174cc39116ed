//! Upgrading a polling session to WebSocket: `2probe` / `3probe` / `5`.

use super::*;

#[test]
fn full_upgrade() {
    let mut t = TestEngine::new();
    let sid = t.open_polling();
    let get = t.get(&polling(sid));
    let ws = t.ws_open(&websocket(sid));
    let out = t.drain();
    assert_eq!(out.len(), 1, "{out:#?}");
    assert!(out.ws_accept(ws).is_empty());
    assert!(t.engine.session(sid).unwrap().upgrading);
    assert_eq!(t.engine.session(sid).unwrap().transport, Transport::Polling);

    t.ws_text(ws, "2probe");
    let out = t.drain();
    assert_eq!(out.len(), 2, "{out:#?}");
    assert_eq!(out.texts(ws), vec!["3probe"]);
    assert_payload(out.response(get), "6");

    // Packets sent while the client has paused polling wait in the queue...
    t.send(sid, Message::text("a"));
    t.send(sid, Message::binary(vec![1u8, 2]));
    t.send(sid, Message::text("c"));
    t.assert_idle();
    assert_eq!(t.engine.queued_packets(sid), Some(3));

    // ...and go out on the WebSocket, in order, once it takes over.
    t.ws_text(ws, "5");
    let out = t.drain();
    assert_eq!(out.events(), vec![EngineEvent::Upgrade { sid }]);
    assert_eq!(
        out.frames(ws),
        vec![
            &WsFrame::Text(Bytes::from_static(b"4a")),
            &WsFrame::Binary(Bytes::from_static(&[1, 2])),
            &WsFrame::Text(Bytes::from_static(b"4c")),
        ]
    );
    assert_eq!(out.len(), 4, "{out:#?}");
    let info = t.engine.session(sid).unwrap();
    assert_eq!(info.transport, Transport::WebSocket);
    assert!(!info.upgrading);
    assert_eq!(t.engine.queued_packets(sid), Some(0));
    assert_eq!(t.engine.tracked_conns(), 1);

    // Polling is over for this session.
    let get = t.get(&polling(sid));
    let post = t.post_head(&polling(sid));
    let out = t.drain();
    assert_error(out.response(get), 400, 3, "Bad request");
    assert_error(out.response(post), 400, 3, "Bad request");
    assert!(out.closed().is_empty());

    // The WebSocket carries everything now, heartbeat included.
    t.ws_text(ws, "4up");
    t.send(sid, Message::text("down"));
    let out = t.drain();
    assert_eq!(out.messages(sid), vec![Message::text("up")]);
    assert_eq!(out.texts(ws), vec!["4down"]);
    t.advance(ms(300));
    assert_eq!(t.drain().texts(ws), vec!["2"]);
    t.ws_text(ws, "3");
    t.advance(ms(299));
    t.assert_idle();
}

#[test]
fn get_after_the_probe_is_answered_with_noop() {
    let mut t = TestEngine::new();
    let sid = t.open_polling();
    let ws = t.ws_open(&websocket(sid));
    t.ws_text(ws, "2probe");
    assert_eq!(t.drain().texts(ws), vec!["3probe"]);
    let get = t.get(&polling(sid));
    let out = t.drain();
    assert_payload(out.response(get), "6");
    assert_eq!(out.len(), 1);
    assert_eq!(t.engine.tracked_conns(), 1);
}

#[test]
fn packets_queued_before_the_upgrade_are_not_lost() {
    // A message queued before the probe (no GET held) and a ping queued
    // during the upgrade go out on the WebSocket after `5`.
    let mut t = TestEngine::new();
    let sid = t.open_polling();
    t.send(sid, Message::text("early"));
    let ws = t.ws_open(&websocket(sid));
    t.ws_text(ws, "2probe");
    t.drain();
    t.advance(ms(240));
    t.ws_text(ws, "5");
    let out = t.drain();
    assert_eq!(out.texts(ws), vec!["4early"]);
    t.advance(ms(60));
    assert_eq!(t.drain().texts(ws), vec!["2"]);
}

#[test]
fn posts_during_the_upgrade_still_count() {
    let mut t = TestEngine::new();
    let sid = t.open_polling();
    let ws = t.ws_open(&websocket(sid));
    t.ws_text(ws, "2probe");
    t.drain();
    let post = t.post(&polling(sid), "4in flight");
    let out = t.drain();
    assert_eq!(body_str(out.response(post)), "ok");
    assert_eq!(out.messages(sid), vec![Message::text("in flight")]);
}

#[test]
fn non_probe_frame_aborts_the_upgrade() {
    for frame in [text("4hi"), text("5"), text("2"), text("2nope"), text("x")] {
        let mut t = TestEngine::new();
        let sid = t.open_polling();
        let ws = t.ws_open(&websocket(sid));
        t.drain();
        t.ws_send(ws, frame.clone());
        let out = t.drain();
        assert_eq!(out.0.len(), 1, "{frame:?}: {out:#?}");
        assert_eq!(out.ws_closes(ws), vec![1002]);
        let info = t.engine.session(sid).unwrap();
        assert_eq!(info.transport, Transport::Polling);
        assert!(!info.upgrading);
        assert_eq!(t.engine.tracked_conns(), 0);
        // Later frames on the dropped WebSocket are ignored.
        t.ws_text(ws, "5");
        t.assert_idle();
        // The session goes on over polling.
        let get = t.get(&polling(sid));
        t.send(sid, Message::text("still polling"));
        assert_payload(t.drain().response(get), "4still polling");
    }
}

#[test]
fn binary_frame_during_the_upgrade_aborts_it() {
    let mut t = TestEngine::new();
    let sid = t.open_polling();
    let ws = t.ws_open(&websocket(sid));
    t.ws_text(ws, "2probe");
    t.drain();
    t.ws_send(ws, WsFrame::Binary(Bytes::from_static(b"5")));
    let out = t.drain();
    assert_eq!(out.ws_closes(ws), vec![1002]);
    assert!(out.events().is_empty());
    assert_eq!(t.engine.session(sid).unwrap().transport, Transport::Polling);
}

#[test]
fn upgrade_timeout_drops_the_websocket() {
    let mut t = TestEngine::new();
    let sid = t.open_polling();
    let ws = t.ws_open(&websocket(sid));
    t.ws_text(ws, "2probe");
    t.drain();
    t.advance(ms(249));
    t.assert_idle();
    assert!(t.engine.session(sid).unwrap().upgrading);
    t.advance(ms(1));
    let out = t.drain();
    assert_eq!(out.len(), 1, "{out:#?}");
    assert_eq!(out.ws_closes(ws), vec![1000]);
    let info = t.engine.session(sid).unwrap();
    assert_eq!(info.transport, Transport::Polling);
    assert!(!info.upgrading);
    // Too late now.
    t.ws_text(ws, "5");
    t.assert_idle();
    // A new upgrade is allowed, and works.
    t.upgrade(sid);
    assert_eq!(
        t.engine.session(sid).unwrap().transport,
        Transport::WebSocket
    );
}

#[test]
fn completed_upgrade_ignores_its_old_timer() {
    let mut t = TestEngine::new();
    let sid = t.open_polling();
    let ws = t.upgrade(sid);
    t.advance(ms(250));
    t.assert_idle();
    t.send(sid, Message::text("ok"));
    assert_eq!(t.drain().texts(ws), vec!["4ok"]);
}

#[test]
fn second_concurrent_upgrade_is_accepted_then_closed() {
    let mut t = TestEngine::new();
    let sid = t.open_polling();
    let first = t.ws_open(&websocket(sid));
    let second = t.ws_open(&websocket(sid));
    let out = t.drain();
    out.ws_accept(first);
    // As the reference: the second handshake completes and that WebSocket
    // is closed at once.
    out.ws_accept(second);
    assert_eq!(out.ws_closes(second), vec![1000]);
    assert_eq!(out.len(), 3, "{out:#?}");
    // The first one is unaffected.
    t.ws_text(first, "2probe");
    t.ws_text(first, "5");
    let out = t.drain();
    assert_eq!(out.texts(first), vec!["3probe"]);
    assert_eq!(out.events(), vec![EngineEvent::Upgrade { sid }]);
    // Frames on the refused one are ignored.
    t.ws_text(second, "2probe");
    t.assert_idle();
}

#[test]
fn upgrade_refused_when_upgrades_are_off() {
    let mut t = TestEngine::with_config(EngineConfig {
        allow_upgrades: false,
        ..config()
    });
    let sid = t.open_polling();
    let ws = t.ws_open(&websocket(sid));
    let out = t.drain();
    assert_error(out.response(ws), 400, 3, "Bad request");
    assert_eq!(out.len(), 1);
    assert!(!t.engine.session(sid).unwrap().upgrading);
}

#[test]
fn upgrade_request_with_polling_transport_is_refused() {
    let mut t = TestEngine::new();
    let sid = t.open_polling();
    let ws = t.ws_open(&polling(sid));
    let out = t.drain();
    assert_error(out.response(ws), 400, 3, "Bad request");
    assert!(t.engine.session(sid).is_some());
    assert!(!t.engine.session(sid).unwrap().upgrading);
}

#[test]
fn upgrade_carries_cors_headers_but_no_cookie() {
    let mut t = TestEngine::with_config(EngineConfig {
        cors: Some(CorsConfig::any()),
        cookie: Some(CookieConfig::default()),
        ..config()
    });
    let sid = t.open_polling();
    let mut req = HttpRequest::get(&websocket(sid)).with_header("Origin", "https://a.example");
    req.websocket = true;
    let ws = t.request(req);
    let out = t.drain();
    assert_eq!(
        out.ws_accept(ws),
        &[("access-control-allow-origin", "*".into())]
    );
}
