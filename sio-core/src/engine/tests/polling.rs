//! HTTP long-polling: handshake, held GETs, POSTed payloads, overlapping
//! requests, heartbeat over polling.

use super::*;

#[test]
fn handshake() {
    let mut t = TestEngine::new();
    let conn = t.get(HANDSHAKE);
    let out = t.drain();
    assert_eq!(out.len(), 2, "{out:#?}");
    let res = out.response(conn);
    assert_eq!(res.status, 200);
    assert_eq!(
        res.header("content-type"),
        Some("text/plain; charset=UTF-8")
    );
    assert_eq!(res.header("set-cookie"), None);
    assert_eq!(res.header("access-control-allow-origin"), None);
    let json = open_json(&res.body);
    let sid_str = json["sid"].as_str().unwrap();
    assert_eq!(sid_str.len(), 22);
    let sid = Sid::parse(sid_str).unwrap();
    assert_eq!(json, expected_open(sid, &["websocket"]));
    // Keys in the reference server's order.
    assert_eq!(
        body_str(res),
        format!(
            r#"0{{"sid":"{sid}","upgrades":["websocket"],"pingInterval":300,"pingTimeout":200,"maxPayload":1000000}}"#
        )
    );
    assert_eq!(
        out.events(),
        vec![EngineEvent::Open {
            sid,
            transport: Transport::Polling
        }]
    );
    // The handshake is answered at once: nothing held.
    assert_eq!(t.engine.session_count(), 1);
    assert_eq!(t.engine.tracked_conns(), 0);
    let info = t.engine.session(sid).unwrap();
    assert_eq!(info.transport, Transport::Polling);
    assert!(!info.upgrading);
    assert_eq!(info.handshake.query(), "EIO=4&transport=polling");
    assert_eq!(t.engine.poll_timeout(), Some(t.t0 + ms(300)));
}

#[test]
fn sids_differ_between_sessions() {
    let mut t = TestEngine::new();
    let a = t.open_polling();
    let b = t.open_polling();
    let (c, _) = t.open_ws();
    assert_ne!(a, b);
    assert_ne!(a, c);
    assert_ne!(b, c);
    assert_eq!(t.engine.session_count(), 3);
    let mut sids: Vec<Sid> = t.engine.sids().collect();
    sids.sort();
    let mut expected = vec![a, b, c];
    expected.sort();
    assert_eq!(sids, expected);
}

#[test]
fn no_upgrades_offered_when_websocket_is_off() {
    for config in [
        EngineConfig {
            transports: vec![Transport::Polling],
            ..config()
        },
        EngineConfig {
            allow_upgrades: false,
            ..config()
        },
    ] {
        let mut t = TestEngine::with_config(config);
        let conn = t.get(HANDSHAKE);
        let out = t.drain();
        let json = open_json(&out.response(conn).body);
        let sid = Sid::parse(json["sid"].as_str().unwrap()).unwrap();
        assert_eq!(json, expected_open(sid, &[]));
    }
}

#[test]
fn get_is_held_until_a_message_is_sent() {
    let mut t = TestEngine::new();
    let sid = t.open_polling();
    let get = t.get(&polling(sid));
    t.assert_idle();
    assert_eq!(t.engine.tracked_conns(), 1);
    t.advance(ms(100));
    t.assert_idle();
    t.send(sid, Message::text("hello"));
    let out = t.drain();
    assert_eq!(out.len(), 1, "{out:#?}");
    assert_payload(out.response(get), "4hello");
    assert_eq!(t.engine.tracked_conns(), 0);
    assert_eq!(t.engine.queued_packets(sid), Some(0));
    // The next GET is held again.
    let get = t.get(&polling(sid));
    t.assert_idle();
    t.send(sid, Message::text("again"));
    assert_payload(t.drain().response(get), "4again");
}

#[test]
fn sends_before_a_get_are_batched() {
    let mut t = TestEngine::new();
    let sid = t.open_polling();
    t.send(sid, Message::text("a"));
    t.send(sid, Message::text("b"));
    t.send(sid, Message::binary(vec![1u8, 2, 3]));
    t.send(sid, Message::text("é\u{1e}?"));
    t.assert_idle();
    assert_eq!(t.engine.queued_packets(sid), Some(4));
    let get = t.get(&polling(sid));
    let out = t.drain();
    assert_payload(out.response(get), "4a\x1e4b\x1ebAQID\x1e4é\u{1e}?");
    assert_eq!(t.engine.queued_packets(sid), Some(0));
}

#[test]
fn sends_while_a_get_is_held_are_batched_until_drained() {
    // The engine flushes lazily, when the adapter drains: several sends in a
    // row (without draining in between) answer the held GET once.
    let mut t = TestEngine::new();
    let sid = t.open_polling();
    let get = t.get(&polling(sid));
    t.engine.send(sid, Message::text("1")).unwrap();
    t.engine.send(sid, Message::text("2")).unwrap();
    let out = t.drain();
    assert_eq!(out.len(), 1);
    assert_payload(out.response(get), "41\x1e42");
}

#[test]
fn binary_message_over_polling_is_base64() {
    let mut t = TestEngine::new();
    let sid = t.open_polling();
    let get = t.get(&polling(sid));
    t.send(sid, Message::binary(vec![0u8, 1, 2, 3, 255]));
    assert_payload(t.drain().response(get), "bAAECA/8=");
    let get = t.get(&polling(sid));
    t.send(sid, Message::binary(Vec::<u8>::new()));
    assert_payload(t.drain().response(get), "b");
}

#[test]
fn post_delivers_messages_in_order() {
    let mut t = TestEngine::new();
    let sid = t.open_polling();
    let post = t.post_head(&polling(sid));
    let out = t.drain();
    assert!(
        matches!(out.0.as_slice(), [Output::ReadBody { conn, limit: 1_000_000 }] if *conn == post),
        "{out:#?}"
    );
    assert_eq!(t.engine.tracked_conns(), 1);
    t.body(post, &b"4hello\x1ebAQID\x1e4w\xc3\xb6rld\x1e4"[..]);
    let out = t.drain();
    let res = out.response(post);
    assert_eq!(res.status, 200);
    assert_eq!(
        res.header("content-type"),
        Some("text/plain; charset=UTF-8")
    );
    assert_eq!(body_str(res), "ok");
    // The response comes before the events it caused.
    assert!(matches!(out.0[0], Output::HttpResponse { .. }));
    assert_eq!(
        out.messages(sid),
        vec![
            Message::text("hello"),
            Message::binary(vec![1u8, 2, 3]),
            Message::text("wörld"),
            Message::text(""),
        ]
    );
    assert_eq!(out.len(), 5);
    assert_eq!(t.engine.tracked_conns(), 0);
    // A second POST after the first one completed is fine.
    let post = t.post(&polling(sid), "4again");
    let out = t.drain();
    assert_eq!(body_str(out.response(post)), "ok");
    assert_eq!(out.messages(sid), vec![Message::text("again")]);
}

#[test]
fn post_and_get_at_once_are_independent() {
    let mut t = TestEngine::new();
    let sid = t.open_polling();
    let get = t.get(&polling(sid));
    let post = t.post(&polling(sid), "4ping me");
    let out = t.drain();
    assert_eq!(body_str(out.response(post)), "ok");
    assert!(!out.has_response(get));
    t.send(sid, Message::text("pong you"));
    assert_payload(t.drain().response(get), "4pong you");
}

#[test]
fn post_close_packet_closes_the_session() {
    let mut t = TestEngine::new();
    let sid = t.open_polling();
    let get = t.get(&polling(sid));
    let post = t.post(&polling(sid), "1");
    let out = t.drain();
    assert_eq!(out.len(), 3, "{out:#?}");
    assert_eq!(body_str(out.response(post)), "ok");
    // As the reference: the held GET is released with a noop, not `1`.
    assert_payload(out.response(get), "6");
    assert_eq!(out.closed(), vec![(sid, CloseReason::TransportClose)]);
    assert_eq!(t.engine.session_count(), 0);
    assert_eq!(t.engine.tracked_conns(), 0);
    // The sid is unknown from now on.
    let get = t.get(&polling(sid));
    assert_error(t.drain().response(get), 400, 1, "Session ID unknown");
}

#[test]
fn messages_before_a_close_packet_are_delivered() {
    let mut t = TestEngine::new();
    let sid = t.open_polling();
    t.post(&polling(sid), "4last words\x1e1");
    let out = t.drain();
    assert_eq!(
        out.events(),
        vec![
            EngineEvent::Message {
                sid,
                msg: Message::text("last words")
            },
            EngineEvent::Close {
                sid,
                reason: CloseReason::TransportClose
            },
        ]
    );
}

#[test]
fn duplicate_get_closes_the_session() {
    let mut t = TestEngine::new();
    let sid = t.open_polling();
    let first = t.get(&polling(sid));
    let second = t.get(&polling(sid));
    let out = t.drain();
    assert_eq!(out.len(), 4, "{out:#?}");
    assert_eq!(out.faults(), vec![(sid, "two GETs at once")]);
    assert_error(out.response(second), 400, 3, "Bad request");
    assert_payload(out.response(first), "1");
    assert_eq!(out.closed(), vec![(sid, CloseReason::TransportError)]);
    assert_eq!(t.engine.session_count(), 0);
    assert_eq!(t.engine.tracked_conns(), 0);
}

#[test]
fn duplicate_post_closes_the_session() {
    let mut t = TestEngine::new();
    let sid = t.open_polling();
    let get = t.get(&polling(sid));
    let first = t.post_head(&polling(sid));
    t.take_read_body(first);
    let second = t.post_head(&polling(sid));
    let out = t.drain();
    assert_eq!(out.len(), 5, "{out:#?}");
    assert_eq!(out.faults(), vec![(sid, "two POSTs at once")]);
    assert_error(out.response(second), 400, 3, "Bad request");
    // The first POST, still being read, is refused too.
    assert_error(out.response(first), 400, 3, "Bad request");
    assert_payload(out.response(get), "1");
    assert_eq!(out.closed(), vec![(sid, CloseReason::TransportError)]);
    // Its body, when the adapter finally has it, is ignored.
    t.body(first, "4too late");
    t.assert_idle();
    assert_eq!(t.engine.tracked_conns(), 0);
}

#[test]
fn ping_goes_to_the_held_get_and_a_posted_pong_keeps_the_session() {
    let mut t = TestEngine::new();
    let sid = t.open_polling();
    for _ in 0..10 {
        let get = t.get(&polling(sid));
        t.advance(ms(299));
        t.assert_idle();
        t.advance(ms(1));
        assert_payload(t.drain().response(get), "2");
        t.advance(ms(150));
        let post = t.post(&polling(sid), "3");
        let out = t.drain();
        assert_eq!(out.len(), 1, "{out:#?}");
        assert_eq!(body_str(out.response(post)), "ok");
        // The next ping is due a whole interval after the pong.
    }
    assert_eq!(t.elapsed(), ms(4500));
    assert!(t.engine.session(sid).is_some());
    // Now the client stops answering.
    let get = t.get(&polling(sid));
    t.advance(ms(300));
    assert_payload(t.drain().response(get), "2");
    let get = t.get(&polling(sid));
    t.advance(ms(199));
    t.assert_idle();
    t.advance(ms(1));
    let out = t.drain();
    assert_payload(out.response(get), "1");
    assert_eq!(out.closed(), vec![(sid, CloseReason::PingTimeout)]);
}

#[test]
fn ping_is_queued_when_no_get_is_held() {
    let mut t = TestEngine::new();
    let sid = t.open_polling();
    t.advance(ms(300));
    t.assert_idle();
    assert_eq!(t.engine.queued_packets(sid), Some(1));
    t.send(sid, Message::text("after"));
    let get = t.get(&polling(sid));
    assert_payload(t.drain().response(get), "2\x1e4after");
    t.post(&polling(sid), "3");
    t.drain();
    t.advance(ms(299));
    t.assert_idle();
    assert_eq!(t.engine.queued_packets(sid), Some(0));
}
