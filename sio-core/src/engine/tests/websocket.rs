//! WebSocket-only sessions: handshake, frames both ways, heartbeat.

use super::*;

#[test]
fn handshake() {
    let mut t = TestEngine::new();
    let conn = t.ws_open(WS_HANDSHAKE);
    let out = t.drain();
    assert_eq!(out.len(), 3, "{out:#?}");
    let Output::WsAccept {
        conn: c,
        headers,
        max_message,
        max_queued_bytes,
        deflate,
    } = &out.0[0]
    else {
        panic!("WsAccept first: {out:#?}");
    };
    assert_eq!(*c, conn);
    assert!(headers.is_empty(), "{headers:?}");
    assert_eq!(*deflate, None, "off by default");
    // The adapter's bounds come from the config.
    assert_eq!(*max_message, t.engine.config().max_payload);
    assert_eq!(*max_queued_bytes, t.engine.config().max_queued_bytes);
    let texts = out.texts(conn);
    assert_eq!(texts.len(), 1);
    let json = open_json(texts[0].as_bytes());
    let sid = Sid::parse(json["sid"].as_str().unwrap()).unwrap();
    assert_eq!(json, expected_open(sid, &[]));
    assert_eq!(
        out.events(),
        vec![EngineEvent::Open {
            sid,
            transport: Transport::WebSocket
        }]
    );
    assert!(!out.has_response(conn));
    assert_eq!(
        t.engine.session(sid).unwrap().transport,
        Transport::WebSocket
    );
    assert_eq!(t.engine.tracked_conns(), 1);
}

#[test]
fn frames_become_messages() {
    let mut t = TestEngine::new();
    let (sid, ws) = t.open_ws();
    t.ws_text(ws, "4hello");
    t.ws_send(ws, WsFrame::Binary(Bytes::from_static(&[0, 1, 2])));
    t.ws_text(ws, "4");
    t.ws_text(ws, "6");
    t.ws_text(ws, "4\u{1e}not a separator here");
    let out = t.drain();
    assert_eq!(
        out.messages(sid),
        vec![
            Message::text("hello"),
            Message::binary(vec![0u8, 1, 2]),
            Message::text(""),
            Message::text("\u{1e}not a separator here"),
        ]
    );
    assert_eq!(out.len(), 4, "{out:#?}");
}

#[test]
fn sends_become_frames() {
    let mut t = TestEngine::new();
    let (sid, ws) = t.open_ws();
    t.send(sid, Message::text("hello"));
    let data = Bytes::from(vec![9u8, 8, 7]);
    t.send(sid, Message::Binary(data.clone()));
    let out = t.drain();
    let frames = out.frames(ws);
    assert_eq!(
        frames,
        vec![
            &WsFrame::Text(Bytes::from_static(b"4hello")),
            &WsFrame::Binary(data.clone())
        ]
    );
    // Binary data goes out as is: the same buffer, not a copy.
    let WsFrame::Binary(sent) = frames[1] else {
        unreachable!()
    };
    assert_eq!(sent.as_ptr(), data.as_ptr());
    assert_eq!(out.len(), 2);
    // Nothing is queued on a WebSocket session.
    assert_eq!(t.engine.queued_packets(sid), Some(0));
}

#[test]
fn heartbeat_keeps_an_answering_session() {
    let mut t = TestEngine::new();
    let (sid, ws) = t.open_ws();
    for i in 0..20 {
        t.advance(ms(299));
        t.assert_idle();
        t.advance(ms(1));
        assert_eq!(t.drain().texts(ws), vec!["2"], "interval {i}");
        t.advance(ms(199));
        t.ws_text(ws, "3");
        t.assert_idle();
    }
    assert_eq!(t.elapsed(), ms(20 * 499));
    assert!(t.engine.session(sid).is_some());
}

#[test]
fn ping_timeout_is_exact() {
    let mut t = TestEngine::new();
    let (sid, ws) = t.open_ws();
    t.advance(ms(300));
    assert_eq!(t.drain().texts(ws), vec!["2"]);
    t.advance(ms(199));
    t.assert_idle();
    assert!(t.engine.session(sid).is_some());
    t.advance(ms(1));
    let out = t.drain();
    assert_eq!(out.len(), 2, "{out:#?}");
    assert_eq!(out.ws_closes(ws), vec![1000]);
    assert_eq!(out.closed(), vec![(sid, CloseReason::PingTimeout)]);
    assert_eq!(t.engine.session_count(), 0);
    assert_eq!(t.engine.tracked_conns(), 0);
    // A late pong changes nothing.
    t.ws_text(ws, "3");
    t.assert_idle();
}

#[test]
fn messages_do_not_count_as_pongs() {
    let mut t = TestEngine::new();
    let (sid, ws) = t.open_ws();
    t.advance(ms(300));
    t.drain();
    t.advance(ms(100));
    t.ws_text(ws, "4busy");
    t.advance(ms(100));
    let out = t.drain();
    assert_eq!(out.messages(sid), vec![Message::text("busy")]);
    assert_eq!(out.closed(), vec![(sid, CloseReason::PingTimeout)]);
}

#[test]
fn close_packet_closes_the_session() {
    let mut t = TestEngine::new();
    let (sid, ws) = t.open_ws();
    t.ws_text(ws, "1");
    let out = t.drain();
    assert_eq!(out.len(), 2, "{out:#?}");
    assert_eq!(out.ws_closes(ws), vec![1000]);
    assert_eq!(out.closed(), vec![(sid, CloseReason::TransportClose)]);
    // Frames after the close are ignored.
    t.ws_text(ws, "4ignored");
    t.assert_idle();
}

#[test]
fn client_ping_is_a_transport_error() {
    // In v4 pings go from server to client only.
    let mut t = TestEngine::new();
    let (sid, ws) = t.open_ws();
    t.ws_text(ws, "2");
    let out = t.drain();
    assert_eq!(out.ws_closes(ws), vec![1002]);
    assert_eq!(out.closed(), vec![(sid, CloseReason::TransportError)]);
}

#[test]
fn polling_requests_for_a_websocket_session_are_refused() {
    let mut t = TestEngine::new();
    let (sid, ws) = t.open_ws();
    let get = t.get(&polling(sid));
    let post = t.post_head(&polling(sid));
    let again = t.ws_open(&websocket(sid));
    let out = t.drain();
    assert_error(out.response(get), 400, 3, "Bad request");
    assert_error(out.response(post), 400, 3, "Bad request");
    // A second WebSocket: accepted, then closed at once (as the reference).
    out.ws_accept(again);
    assert_eq!(out.ws_closes(again), vec![1000]);
    assert_eq!(out.len(), 4, "{out:#?}");
    assert!(out.closed().is_empty());
    // The session is untouched.
    t.send(sid, Message::text("still here"));
    assert_eq!(t.drain().texts(ws), vec!["4still here"]);
}

#[test]
fn a_fault_below_the_core_closes_with_its_code() {
    for (fault, code) in [
        (crate::WsFault::TooBig, 1009),
        (crate::WsFault::InvalidUtf8, 1007),
        (crate::WsFault::Protocol, 1002),
    ] {
        let mut t = TestEngine::new();
        let (sid, ws) = t.open_ws();
        let (other, other_ws) = t.open_ws();
        t.input(Input::WsFault { conn: ws, fault });
        let out = t.drain();
        assert_eq!(out.ws_closes(ws), vec![code], "{fault:?}");
        assert_eq!(out.faults().len(), 1, "{out:#?}");
        assert_eq!(out.closed(), vec![(sid, CloseReason::TransportError)]);
        // Forgotten: a late report of its end changes nothing.
        t.conn_closed(ws);
        t.assert_idle();
        t.send(other, Message::text("fine"));
        assert_eq!(t.drain().texts(other_ws), vec!["4fine"]);
    }
}

#[test]
fn a_fault_during_an_upgrade_leaves_the_session_on_polling() {
    let mut t = TestEngine::new();
    let sid = t.open_polling();
    let ws = t.ws_open(&websocket(sid));
    t.drain();
    t.input(Input::WsFault {
        conn: ws,
        fault: crate::WsFault::TooBig,
    });
    let out = t.drain();
    assert_eq!(out.ws_closes(ws), vec![1009]);
    assert!(out.closed().is_empty());
    let info = t.engine.session(sid).expect("still open");
    assert!(!info.upgrading);
    assert_eq!(info.transport, Transport::Polling);
}
