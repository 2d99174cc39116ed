//! Time, lost connections, and closing from the server side.

use super::*;

#[test]
fn time_never_goes_backwards() {
    let mut t = TestEngine::new();
    let (sid, ws) = t.open_ws();
    t.advance(ms(250));
    // An earlier instant than one already seen: no timer fires early, none
    // is lost, nothing moves.
    t.engine.handle_timeout(t.t0);
    t.engine.handle_timeout(t.t0 + ms(100));
    t.assert_idle();
    assert_eq!(t.engine.poll_timeout(), Some(t.t0 + ms(300)));
    // An input stamped in the past is handled as happening now.
    t.engine.handle(
        t.t0,
        Input::WsFrame {
            conn: ws,
            frame: text("4late stamp"),
        },
    );
    assert_eq!(t.drain().messages(sid), vec![Message::text("late stamp")]);
    t.advance(ms(49));
    t.assert_idle();
    t.advance(ms(1));
    assert_eq!(t.drain().texts(ws), vec!["2"]);
    // A pong stamped in the past counts from the latest time seen (300 ms):
    // the next ping is at 600 ms, not at 300 ms.
    t.engine.handle(
        t.t0,
        Input::WsFrame {
            conn: ws,
            frame: text("3"),
        },
    );
    t.assert_idle();
    assert_eq!(t.engine.poll_timeout(), Some(t.t0 + ms(500))); // stale pong deadline
    t.advance(ms(299));
    t.assert_idle();
    t.advance(ms(1));
    assert_eq!(t.drain().texts(ws), vec!["2"]);
}

#[test]
fn a_future_instant_sticks() {
    let mut t = TestEngine::new();
    let later = t.t0 + ms(10_000);
    t.engine.handle_timeout(later);
    t.assert_idle();
    // A handshake at the test's (older) clock starts its timers from the
    // latest time the engine has seen.
    let (_, ws) = t.open_ws();
    assert_eq!(t.engine.poll_timeout(), Some(later + ms(300)));
    t.engine.handle_timeout(later + ms(300));
    assert_eq!(t.drain().texts(ws), vec!["2"]);
}

#[test]
fn stale_timers_of_closed_sessions_do_nothing() {
    let mut t = TestEngine::new();
    let a = t.open_polling();
    let (b, _) = t.open_ws();
    t.engine.close(a).unwrap();
    t.engine.close(b).unwrap();
    t.drain();
    t.advance(ms(10_000));
    t.assert_idle();
    assert_eq!(t.engine.poll_timeout(), None);
}

#[test]
fn lost_held_get_closes_the_session() {
    let mut t = TestEngine::new();
    let sid = t.open_polling();
    let get = t.get(&polling(sid));
    t.conn_closed(get);
    let out = t.drain();
    // No response for the connection that is gone.
    assert_eq!(out.len(), 1, "{out:#?}");
    assert_eq!(out.closed(), vec![(sid, CloseReason::TransportError)]);
    assert_eq!(t.engine.tracked_conns(), 0);
}

#[test]
fn lost_post_closes_the_session() {
    let mut t = TestEngine::new();
    let sid = t.open_polling();
    let get = t.get(&polling(sid));
    let post = t.post_head(&polling(sid));
    t.take_read_body(post);
    t.conn_closed(post);
    let out = t.drain();
    assert_eq!(out.len(), 2, "{out:#?}");
    assert!(!out.has_response(post));
    assert_payload(out.response(get), "1");
    assert_eq!(out.closed(), vec![(sid, CloseReason::TransportError)]);
}

#[test]
fn closing_an_answered_or_unknown_conn_does_nothing() {
    let mut t = TestEngine::new();
    let sid = t.open_polling();
    let get = t.get(&polling(sid));
    t.send(sid, Message::text("x"));
    t.drain();
    // The adapter reports the end of an exchange the core already answered.
    t.conn_closed(get);
    t.conn_closed(ConnId(12345));
    t.assert_idle();
    assert!(t.engine.session(sid).is_some());
}

#[test]
fn lost_websocket_closes_the_session() {
    let mut t = TestEngine::new();
    let (sid, ws) = t.open_ws();
    t.conn_closed(ws);
    let out = t.drain();
    // No WsClose for a WebSocket that is already gone.
    assert_eq!(out.len(), 1, "{out:#?}");
    assert_eq!(out.closed(), vec![(sid, CloseReason::TransportClose)]);
    assert_eq!(t.engine.tracked_conns(), 0);
}

#[test]
fn lost_upgraded_websocket_closes_the_session() {
    let mut t = TestEngine::new();
    let sid = t.open_polling();
    let ws = t.upgrade(sid);
    t.conn_closed(ws);
    let out = t.drain();
    assert_eq!(out.len(), 1, "{out:#?}");
    assert_eq!(out.closed(), vec![(sid, CloseReason::TransportClose)]);
}

#[test]
fn lost_upgrading_websocket_leaves_the_session_on_polling() {
    let mut t = TestEngine::new();
    let sid = t.open_polling();
    let ws = t.ws_open(&websocket(sid));
    t.ws_text(ws, "2probe");
    t.drain();
    t.conn_closed(ws);
    t.assert_idle();
    let info = t.engine.session(sid).unwrap();
    assert_eq!(info.transport, Transport::Polling);
    assert!(!info.upgrading);
    let get = t.get(&polling(sid));
    t.send(sid, Message::text("still here"));
    assert_payload(t.drain().response(get), "4still here");
    // The upgrade can be tried again.
    t.upgrade(sid);
}

#[test]
fn server_close_of_a_polling_session() {
    let mut t = TestEngine::new();
    let sid = t.open_polling();
    let other = t.open_polling();
    let get = t.get(&polling(sid));
    t.engine.close(sid).unwrap();
    let out = t.drain();
    assert_eq!(out.len(), 2, "{out:#?}");
    assert_payload(out.response(get), "1");
    assert_eq!(out.closed(), vec![(sid, CloseReason::ForcedClose)]);
    assert_eq!(
        t.engine.send(sid, Message::text("x")),
        Err(EngineError::UnknownSession(sid))
    );
    assert_eq!(t.engine.close(sid), Err(EngineError::UnknownSession(sid)));
    t.assert_idle();
    assert_eq!(t.engine.sids().collect::<Vec<_>>(), vec![other]);
}

#[test]
fn server_close_of_a_websocket_session() {
    let mut t = TestEngine::new();
    let (sid, ws) = t.open_ws();
    t.send(sid, Message::text("bye"));
    t.engine.close(sid).unwrap();
    let out = t.drain();
    assert_eq!(out.len(), 3, "{out:#?}");
    // What was sent before the close goes first.
    assert!(matches!(&out.0[0], Output::WsSend { conn, .. } if *conn == ws));
    assert_eq!(out.texts(ws), vec!["4bye"]);
    assert_eq!(out.ws_closes(ws), vec![1000]);
    assert_eq!(out.closed(), vec![(sid, CloseReason::ForcedClose)]);
    // Frames that were on their way are ignored.
    t.ws_text(ws, "4too late");
    t.assert_idle();
}

#[test]
fn server_close_during_an_upgrade() {
    let mut t = TestEngine::new();
    let sid = t.open_polling();
    let get = t.get(&polling(sid));
    let ws = t.ws_open(&websocket(sid));
    t.drain();
    t.engine.close(sid).unwrap();
    let out = t.drain();
    assert_eq!(out.len(), 3, "{out:#?}");
    assert_payload(out.response(get), "1");
    assert_eq!(out.ws_closes(ws), vec![1000]);
    assert_eq!(out.closed(), vec![(sid, CloseReason::ForcedClose)]);
    assert_eq!(t.engine.tracked_conns(), 0);
}

#[test]
fn shutdown_closes_everything() {
    let mut t = TestEngine::new();
    let polling_sid = t.open_polling();
    let get = t.get(&polling(polling_sid));
    let posting_sid = t.open_polling();
    let post = t.post_head(&polling(posting_sid));
    t.take_read_body(post);
    let (ws_sid, ws) = t.open_ws();
    let upgrading_sid = t.open_polling();
    let up = t.ws_open(&websocket(upgrading_sid));
    t.drain();
    assert_eq!(t.engine.tracked_conns(), 4);

    t.engine.shutdown();
    let out = t.drain();
    assert_payload(out.response(get), "1");
    assert_error(out.response(post), 400, 3, "Bad request");
    let mut ws_closes = out.all_ws_closes();
    ws_closes.sort();
    assert_eq!(ws_closes, vec![(ws, 1001), (up, 1000)]);
    let mut closed = out.closed();
    closed.sort_by_key(|(sid, _)| *sid);
    let mut expected: Vec<_> = [polling_sid, posting_sid, ws_sid, upgrading_sid]
        .into_iter()
        .map(|sid| (sid, CloseReason::ServerShutdown))
        .collect();
    expected.sort_by_key(|(sid, _)| *sid);
    assert_eq!(closed, expected);
    assert_eq!(out.len(), 8, "{out:#?}");
    assert_eq!(t.engine.session_count(), 0);
    assert_eq!(t.engine.tracked_conns(), 0);
    // Late input for any of them is ignored, and no timer fires.
    t.body(post, "4late");
    t.ws_text(ws, "4late");
    t.ws_text(up, "2probe");
    t.conn_closed(get);
    t.advance(ms(10_000));
    t.assert_idle();
}

#[test]
fn unknown_sessions_are_caller_errors() {
    let mut t = TestEngine::new();
    let sid = crate::sid::IdGenerator::new([1; 32]).sid();
    assert_eq!(
        t.engine.send(sid, Message::text("x")),
        Err(EngineError::UnknownSession(sid))
    );
    assert_eq!(t.engine.close(sid), Err(EngineError::UnknownSession(sid)));
    assert!(t.engine.session(sid).is_none());
    assert_eq!(t.engine.queued_packets(sid), None);
    t.assert_idle();
}
