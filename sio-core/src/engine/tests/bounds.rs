//! Every buffer has a bound, and reaching it is reported, never silent.

use super::*;

#[test]
fn too_many_queued_packets_closes_with_buffer_full() {
    let mut t = TestEngine::with_config(EngineConfig {
        max_queued_packets: 3,
        ..config()
    });
    let sid = t.open_polling();
    let other = t.open_polling();
    for i in 0..3 {
        t.send(sid, Message::text(format!("m{i}")));
    }
    t.assert_idle();
    assert_eq!(t.engine.queued_packets(sid), Some(3));
    // The fourth packet does not fit. `send` still returns Ok (the session
    // existed), but the session closes with BufferFull: the application is
    // told that the queued packets will never be delivered.
    assert_eq!(t.engine.send(sid, Message::text("m3")), Ok(()));
    let out = t.drain();
    assert_eq!(out.len(), 1, "{out:#?}");
    assert_eq!(out.closed(), vec![(sid, CloseReason::BufferFull)]);
    // From then on the session is gone, for the application and the client.
    assert_eq!(
        t.engine.send(sid, Message::text("m4")),
        Err(EngineError::UnknownSession(sid))
    );
    let get = t.get(&polling(sid));
    assert_error(t.drain().response(get), 400, 1, "Session ID unknown");
    assert_eq!(t.engine.sids().collect::<Vec<_>>(), vec![other]);
}

#[test]
fn a_get_empties_the_queue_and_resets_the_bound() {
    let mut t = TestEngine::with_config(EngineConfig {
        max_queued_packets: 3,
        ..config()
    });
    let sid = t.open_polling();
    for round in 0..5 {
        for i in 0..3 {
            t.send(sid, Message::text(format!("{round}{i}")));
        }
        let get = t.get(&polling(sid));
        assert_payload(
            t.drain().response(get),
            &format!("4{round}0\x1e4{round}1\x1e4{round}2"),
        );
    }
    assert!(t.engine.session(sid).is_some());
}

#[test]
fn a_burst_larger_than_the_bound_goes_to_a_held_get() {
    // With a GET held, the client is ready: a burst of sends made before the
    // adapter drains must not close the session. The queue is flushed into
    // the held GET when the bound is reached.
    let mut t = TestEngine::with_config(EngineConfig {
        max_queued_packets: 3,
        ..config()
    });
    let sid = t.open_polling();
    let get = t.get(&polling(sid));
    for i in 0..5 {
        t.engine.send(sid, Message::text(format!("{i}"))).unwrap();
    }
    let out = t.drain();
    assert_eq!(out.len(), 1, "{out:#?}");
    assert_payload(out.response(get), "40\x1e41\x1e42\x1e43");
    assert_eq!(t.engine.queued_packets(sid), Some(1));
    let get = t.get(&polling(sid));
    assert_payload(t.drain().response(get), "44");
}

#[test]
fn too_many_queued_bytes_closes_with_buffer_full() {
    let mut t = TestEngine::with_config(EngineConfig {
        max_queued_bytes: 10,
        ..config()
    });
    let sid = t.open_polling();
    // 1 byte of packet type + 8 bytes of data.
    t.send(sid, Message::text("12345678"));
    t.send(sid, Message::binary(Vec::<u8>::new()));
    t.assert_idle();
    t.send(sid, Message::text("x"));
    assert_eq!(t.drain().closed(), vec![(sid, CloseReason::BufferFull)]);
}

#[test]
fn a_ping_that_does_not_fit_closes_with_buffer_full() {
    let mut t = TestEngine::with_config(EngineConfig {
        max_queued_packets: 1,
        ..config()
    });
    let sid = t.open_polling();
    t.send(sid, Message::text("waiting"));
    t.advance(ms(300));
    assert_eq!(t.drain().closed(), vec![(sid, CloseReason::BufferFull)]);
}

#[test]
fn websocket_sessions_queue_nothing() {
    let mut t = TestEngine::with_config(EngineConfig {
        max_queued_packets: 1,
        ..config()
    });
    let (sid, ws) = t.open_ws();
    for i in 0..10 {
        t.engine.send(sid, Message::text(format!("{i}"))).unwrap();
    }
    assert_eq!(t.drain().frames(ws).len(), 10);
    assert!(t.engine.session(sid).is_some());
}

#[test]
fn max_sessions_refuses_with_503() {
    let mut t = TestEngine::with_config(EngineConfig {
        max_sessions: 2,
        ..config()
    });
    let a = t.open_polling();
    let _b = t.open_ws();
    let conn = t.get(HANDSHAKE);
    let out = t.drain();
    assert_eq!(out.len(), 1, "{out:#?}");
    let res = out.response(conn);
    assert_eq!(res.status, 503);
    assert_eq!(
        res.header("content-type"),
        Some("text/plain; charset=UTF-8")
    );
    assert_eq!(body_str(res), "server full");
    // A WebSocket handshake is refused the same way (an HTTP response, not
    // a WsAccept).
    let ws = t.ws_open(WS_HANDSHAKE);
    let out = t.drain();
    assert_eq!(out.response(ws).status, 503);
    assert_eq!(out.len(), 1, "{out:#?}");
    assert_eq!(t.engine.session_count(), 2);
    // Existing sessions still work, and a freed slot can be used again.
    t.post(&polling(a), "1");
    t.drain();
    t.open_polling();
    assert_eq!(t.engine.session_count(), 2);
}
