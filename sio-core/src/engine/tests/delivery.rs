//! Delivery notification (`notify_flushed`): the core says when what was
//! sent to a session has reached its transport.

use super::*;
use crate::FlushId;

/// The `Flushed` events of `out`: (sid, id, delivered).
fn flushed(out: &Outs) -> Vec<(Sid, FlushId, bool)> {
    out.events()
        .into_iter()
        .filter_map(|e| match e {
            EngineEvent::Flushed { sid, id, delivered } => Some((sid, id, delivered)),
            _ => None,
        })
        .collect()
}

/// The flush marks asked of the adapter: (conn, mark).
fn marks(out: &Outs) -> Vec<(ConnId, FlushId)> {
    out.0
        .iter()
        .filter_map(|o| match o {
            Output::WsFlushMark { conn, mark } => Some((*conn, *mark)),
            _ => None,
        })
        .collect()
}

#[test]
fn polling_is_delivered_by_the_next_get_response() {
    let mut t = TestEngine::new();
    let sid = t.open_polling();
    t.send(sid, Message::text("a"));
    let id = t.engine.notify_flushed(sid).unwrap();
    assert!(flushed(&t.drain()).is_empty(), "nobody polled yet");
    let get = t.get(&polling(sid));
    let out = t.drain();
    assert_payload(out.response(get), "4a");
    assert_eq!(flushed(&out), vec![(sid, id, true)]);
}

#[test]
fn nothing_pending_is_delivered_at_once() {
    let mut t = TestEngine::new();
    let sid = t.open_polling();
    let id = t.engine.notify_flushed(sid).unwrap();
    assert_eq!(flushed(&t.drain()), vec![(sid, id, true)]);
    assert!(
        t.engine
            .notify_flushed(Sid::parse("AAAAAAAAAAAAAAAAAAAAAA").unwrap())
            .is_err()
    );
}

#[test]
fn websocket_is_delivered_when_the_adapter_reports_its_mark() {
    let mut t = TestEngine::new();
    let (sid, ws) = t.open_ws();
    t.send(sid, Message::text("a"));
    let first = t.engine.notify_flushed(sid).unwrap();
    let second = t.engine.notify_flushed(sid).unwrap();
    assert_ne!(first, second);
    let out = t.drain();
    assert_eq!(out.texts(ws), vec!["4a"]);
    assert_eq!(marks(&out), vec![(ws, first), (ws, second)]);
    assert!(flushed(&out).is_empty(), "not written yet");
    t.input(Input::WsFlushed {
        conn: ws,
        mark: first,
    });
    assert_eq!(flushed(&t.drain()), vec![(sid, first, true)]);
    // A mark reported twice, or for another connection, counts once.
    t.input(Input::WsFlushed {
        conn: ws,
        mark: first,
    });
    t.input(Input::WsFlushed {
        conn: ConnId(999),
        mark: second,
    });
    t.assert_idle();
    t.input(Input::WsFlushed {
        conn: ws,
        mark: second,
    });
    assert_eq!(flushed(&t.drain()), vec![(sid, second, true)]);
}

#[test]
fn a_close_first_answers_not_delivered() {
    let mut t = TestEngine::new();
    let sid = t.open_polling();
    t.send(sid, Message::text("a"));
    let id = t.engine.notify_flushed(sid).unwrap();
    t.post(&polling(sid), "1");
    let out = t.drain();
    assert_eq!(flushed(&out), vec![(sid, id, false)]);
    // On WebSocket too, and a late report changes nothing.
    let (sid, ws) = t.open_ws();
    let id = t.engine.notify_flushed(sid).unwrap();
    t.drain();
    t.conn_closed(ws);
    assert_eq!(flushed(&t.drain()), vec![(sid, id, false)]);
    t.input(Input::WsFlushed { conn: ws, mark: id });
    t.assert_idle();
}

#[test]
fn an_upgrade_moves_the_wait_to_the_websocket() {
    let mut t = TestEngine::new();
    let sid = t.open_polling();
    let ws = t.ws_open(&websocket(sid));
    t.ws_text(ws, "2probe");
    t.drain();
    t.send(sid, Message::text("queued"));
    let id = t.engine.notify_flushed(sid).unwrap();
    assert!(flushed(&t.drain()).is_empty());
    t.ws_text(ws, "5");
    let out = t.drain();
    assert_eq!(out.texts(ws), vec!["4queued"]);
    assert_eq!(marks(&out), vec![(ws, id)]);
    t.input(Input::WsFlushed { conn: ws, mark: id });
    assert_eq!(flushed(&t.drain()), vec![(sid, id, true)]);
}
