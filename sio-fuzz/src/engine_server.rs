//! The stateful target: arbitrary sequences of inputs (requests, bodies,
//! frames, closes, clock jumps, application sends) into an [`Engine`],
//! checking invariants after every step.

use bytes::Bytes;
use sio_core::engine::{Engine, EngineConfig, EngineEvent, Message, WsFrame};
use sio_core::http::{HttpRequest, Method};
use sio_core::{ConnId, Input, Output, Sid};
use std::collections::HashSet;
use std::time::{Duration, Instant};

/// A byte reader that yields zeros when the input runs out.
pub(crate) struct Bytes8<'a>(pub(crate) &'a [u8]);

impl Bytes8<'_> {
    pub(crate) fn u8(&mut self) -> u8 {
        match self.0.split_first() {
            Some((b, rest)) => {
                self.0 = rest;
                *b
            }
            None => 0,
        }
    }

    pub(crate) fn take(&mut self, n: usize) -> &[u8] {
        let n = n.min(self.0.len());
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        a
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Runs one input sequence.
pub fn run(data: &[u8]) {
    let config = EngineConfig {
        path: "/e/".into(),
        ping_interval: Duration::from_millis(300),
        ping_timeout: Duration::from_millis(200),
        max_payload: 1000,
        max_queued_packets: 16,
        max_queued_bytes: 4096,
        max_sessions: 8,
        // `EIO=3` requests below open v3 sessions.
        allow_eio3: true,
        ..EngineConfig::default()
    };
    let limits = (config.max_queued_packets, config.max_sessions);
    let mut engine = Engine::new(config, [1; 32]);
    let mut r = Bytes8(data);
    let t0 = Instant::now();
    let mut now = t0;
    let mut sids: Vec<Sid> = Vec::new();
    let mut awaiting: HashSet<u64> = HashSet::new();
    let mut flushes: HashSet<sio_core::FlushId> = HashSet::new();
    let mut next_conn: u64 = 0;
    let mut steps = 0;
    while !r.is_empty() && steps < 256 {
        steps += 1;
        let op = r.u8();
        // Requests get a fresh id (the adapter's contract); other inputs go
        // to an id issued before (or a stale one).
        let pick = r.u8() as u64;
        let conn = ConnId(if next_conn == 0 { 0 } else { pick % next_conn });
        let sid_q = |r: &mut Bytes8, sids: &[Sid]| -> String {
            let pick = r.u8() as usize;
            match sids.get(pick % (sids.len() + 1)) {
                Some(s) => format!("&sid={s}"),
                None => String::new(),
            }
        };
        match op % 10 {
            0 | 1 => {
                let method = if op % 10 == 0 {
                    Method::Get
                } else {
                    Method::Post
                };
                let flags = r.u8();
                let transport = ["polling", "websocket", "x"][flags as usize % 3];
                let eio = if flags & 8 == 0 { "4" } else { "3" };
                let j = if flags & 16 == 0 { "" } else { "&j=1" };
                let b64 = if flags & 64 == 0 { "" } else { "&b64=1" };
                let q = format!(
                    "EIO={eio}&transport={transport}{}{j}{b64}",
                    sid_q(&mut r, &sids)
                );
                let mut req = HttpRequest::new(method, &format!("/e/?{q}"));
                req.websocket = flags & 32 != 0;
                let conn = ConnId(next_conn);
                next_conn += 1;
                awaiting.insert(conn.0);
                engine.handle(now, Input::HttpRequest { conn, req });
            }
            2 => {
                let len = r.u8() as usize;
                let body = Bytes::copy_from_slice(r.take(len));
                engine.handle(now, Input::HttpBody { conn, body });
            }
            3 => engine.handle(now, Input::HttpBodyTooLarge { conn }),
            4 => {
                let len = r.u8() as usize;
                let bytes = Bytes::copy_from_slice(r.take(len));
                let frame = if len.is_multiple_of(2) {
                    WsFrame::Text(bytes)
                } else {
                    WsFrame::Binary(bytes)
                };
                engine.handle(now, Input::WsFrame { conn, frame });
            }
            5 => {
                awaiting.remove(&conn.0); // the client left
                engine.handle(now, Input::ConnClosed { conn });
            }
            6 => {
                now += Duration::from_millis(u64::from(r.u8()) * 4);
                engine.handle_timeout(now);
            }
            7 => {
                // A clock that jumps backwards must not confuse the core.
                let back = now.checked_sub(Duration::from_millis(50)).unwrap_or(now);
                engine.handle_timeout(back);
            }
            8 => {
                // Delivery notification, and an adapter's (possibly bogus)
                // report of a flush mark.
                let pick = r.u8();
                if let Some(&sid) = sids.get(pick as usize % (sids.len().max(1))) {
                    let id = engine.notify_flushed(sid).expect("an open session");
                    assert!(flushes.insert(id), "a fresh flush id");
                }
                let mark = sio_core::FlushId(u64::from(r.u8()));
                engine.handle(now, Input::WsFlushed { conn, mark });
            }
            _ => {
                if let Some(&sid) = sids.get(r.u8() as usize % (sids.len().max(1))) {
                    let len = r.u8() as usize;
                    let _ = engine.send(sid, Message::binary(r.take(len).to_vec()));
                }
            }
        }
        drain(&mut engine, &mut sids, &mut awaiting, &mut flushes);
        // Invariants.
        assert!(engine.session_count() <= limits.1, "sessions over bound");
        assert_eq!(engine.session_count(), sids.len(), "events match sessions");
        for sid in &sids {
            let queued = engine.queued_packets(*sid).expect("open session");
            assert!(queued <= limits.0, "queue over bound");
        }
        if let Some(deadline) = engine.poll_timeout() {
            // Every session has a heartbeat, so the deadline is never far.
            assert!(
                deadline <= now + Duration::from_secs(20),
                "deadline too far"
            );
        }
    }
    // Every request got its answer: shutdown answers held long-polls (with a
    // close packet) and POSTs still reading their body.
    engine.shutdown();
    drain(&mut engine, &mut sids, &mut awaiting, &mut flushes);
    assert!(
        flushes.is_empty(),
        "delivery notifications left unanswered: {flushes:?}"
    );
    assert!(
        awaiting.is_empty(),
        "requests left unanswered: {awaiting:?}"
    );
    assert_eq!(engine.session_count(), 0);
    assert_eq!(engine.tracked_conns(), 0, "connections left tracked");
}

/// Drains the engine's outputs, keeping the test's view of sessions,
/// unanswered requests and unanswered delivery notifications up to date.
fn drain(
    engine: &mut Engine,
    sids: &mut Vec<Sid>,
    awaiting: &mut HashSet<u64>,
    flushes: &mut HashSet<sio_core::FlushId>,
) {
    while let Some(out) = engine.poll_output() {
        match out {
            Output::Event(EngineEvent::Flushed { id, .. }) => {
                assert!(flushes.remove(&id), "answered once, and only if asked");
            }
            Output::Event(EngineEvent::Open { sid, .. }) => sids.push(sid),
            Output::Event(EngineEvent::Close { sid, .. }) => sids.retain(|s| *s != sid),
            Output::ReadBody { limit, .. } => assert!(limit <= 1000),
            Output::HttpResponse { conn, .. } | Output::WsAccept { conn, .. } => {
                awaiting.remove(&conn.0);
            }
            _ => {}
        }
    }
}
