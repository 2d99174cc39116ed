//! Deterministic tests of the Engine.IO server state machine.
//!
//! No sockets, no sleeps: [`TestEngine`] wraps an [`Engine`] with a fake
//! clock that only moves when a test says so (jumping from deadline to
//! deadline, as quinn-proto's `Pair` and str0m's `progress` do), hands out
//! connection ids, drains every output after every input, and offers finders
//! over what came out ([`Outs`]). The tests themselves are split by topic in
//! `tests/`.

use super::*;
use crate::http::{HttpRequest, HttpResponse, Method};
use crate::sid::Sid;
use crate::{ConnId, Input, Output};
use bytes::Bytes;
use std::time::{Duration, Instant};

mod bounds;
mod compression;
mod delivery;
mod eio3;
mod errors;
mod lifecycle;
mod polling;
mod random;
mod upgrade;
mod web;
mod websocket;

/// Handshake over polling.
const HANDSHAKE: &str = "/engine.io/?EIO=4&transport=polling";
/// Handshake over WebSocket (with `websocket: true`).
const WS_HANDSHAKE: &str = "/engine.io/?EIO=4&transport=websocket";
/// The fixed CSPRNG seed: runs are reproducible.
const SEED: [u8; 32] = [42; 32];

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// The tests' configuration: short heartbeat (300 ms + 200 ms), an upgrade
/// timeout (250 ms) shorter than the ping interval, path `/engine.io/`.
fn config() -> EngineConfig {
    EngineConfig {
        path: "/engine.io/".into(),
        ping_interval: ms(300),
        ping_timeout: ms(200),
        upgrade_timeout: ms(250),
        ..EngineConfig::default()
    }
}

/// Path and query of a polling request for `sid`.
fn polling(sid: Sid) -> String {
    format!("{HANDSHAKE}&sid={sid}")
}

/// Path and query of a WebSocket (upgrade) request for `sid`.
fn websocket(sid: Sid) -> String {
    format!("{WS_HANDSHAKE}&sid={sid}")
}

/// A text WebSocket frame.
fn text(s: &str) -> WsFrame {
    WsFrame::Text(Bytes::copy_from_slice(s.as_bytes()))
}

/// The JSON of an `open` packet (`0{...}`), checking the type digit.
fn open_json(packet: &[u8]) -> serde_json::Value {
    assert_eq!(
        packet.first(),
        Some(&b'0'),
        "not an open packet: {packet:?}"
    );
    serde_json::from_slice(&packet[1..]).expect("open packet data is JSON")
}

/// The exact open packet data the tests' config should produce.
fn expected_open(sid: Sid, upgrades: &[&str]) -> serde_json::Value {
    serde_json::json!({
        "sid": sid.as_str(),
        "upgrades": upgrades,
        "pingInterval": 300,
        "pingTimeout": 200,
        "maxPayload": 1_000_000,
    })
}

/// Asserts an Engine.IO error response: status, JSON content type and the
/// exact body `{"code":N,"message":"..."}`.
#[track_caller]
fn assert_error(res: &HttpResponse, status: u16, code: u8, message: &str) {
    assert_eq!(res.status, status, "{res:?}");
    assert_eq!(res.header("content-type"), Some("application/json"));
    let expected = serde_json::json!({ "code": code, "message": message }).to_string();
    assert_eq!(body_str(res), expected);
}

/// A response's body as text.
fn body_str(res: &HttpResponse) -> &str {
    std::str::from_utf8(&res.body).expect("body is UTF-8")
}

/// Asserts a 200 polling payload response with exactly `body`.
#[track_caller]
fn assert_payload(res: &HttpResponse, body: &str) {
    assert_eq!(res.status, 200, "{res:?}");
    assert_eq!(
        res.header("content-type"),
        Some("text/plain; charset=UTF-8")
    );
    assert_eq!(body_str(res), body);
}

/// An [`Engine`] driven by a fake clock.
struct TestEngine {
    engine: Engine,
    /// The start of time.
    t0: Instant,
    /// The current time; moves only through [`TestEngine::advance`] and friends.
    now: Instant,
    next_conn: u64,
    /// Outputs drained from the engine and not yet taken by the test.
    pending: Vec<Output<EngineEvent>>,
}

impl TestEngine {
    fn new() -> TestEngine {
        TestEngine::with_config(config())
    }

    fn with_config(config: EngineConfig) -> TestEngine {
        let t0 = Instant::now();
        TestEngine {
            engine: Engine::new(config, SEED),
            t0,
            now: t0,
            next_conn: 1,
            pending: Vec::new(),
        }
    }

    /// Time since the start.
    fn elapsed(&self) -> Duration {
        self.now - self.t0
    }

    /// A fresh connection id.
    fn conn(&mut self) -> ConnId {
        let id = ConnId(self.next_conn);
        self.next_conn += 1;
        id
    }

    /// Moves every output of the engine into `pending`, as an adapter must
    /// after every call.
    fn pump(&mut self) {
        while let Some(out) = self.engine.poll_output() {
            self.pending.push(out);
        }
    }

    /// Everything output since the last drain.
    fn drain(&mut self) -> Outs {
        self.pump();
        Outs(std::mem::take(&mut self.pending))
    }

    /// Asserts that nothing was output since the last drain.
    #[track_caller]
    fn assert_idle(&mut self) {
        let out = self.drain();
        assert!(out.is_empty(), "unexpected output: {out:#?}");
    }

    /// Feeds `input` at the current time.
    fn input(&mut self, input: Input) {
        self.engine.handle(self.now, input);
        self.pump();
    }

    /// Sends a request head on a fresh connection.
    fn request(&mut self, req: HttpRequest) -> ConnId {
        let conn = self.conn();
        self.input(Input::HttpRequest { conn, req });
        conn
    }

    /// `GET path_and_query`.
    fn get(&mut self, pq: &str) -> ConnId {
        self.request(HttpRequest::get(pq))
    }

    /// The head of `POST path_and_query`; its `ReadBody` stays in the outputs.
    fn post_head(&mut self, pq: &str) -> ConnId {
        self.request(HttpRequest::new(Method::Post, pq))
    }

    /// The body of a POST.
    fn body(&mut self, conn: ConnId, body: impl Into<Bytes>) {
        self.input(Input::HttpBody {
            conn,
            body: body.into(),
        });
    }

    /// A whole POST: the head, the core's `ReadBody` (checked and taken out of
    /// the outputs: its limit must be `max_payload`), then the body.
    fn post(&mut self, pq: &str, body: impl Into<Bytes>) -> ConnId {
        let conn = self.post_head(pq);
        self.take_read_body(conn);
        self.body(conn, body);
        conn
    }

    /// Takes the `ReadBody` for `conn` out of the pending outputs, checking
    /// that it is the only output and asks for `max_payload` bytes.
    #[track_caller]
    fn take_read_body(&mut self, conn: ConnId) {
        let out = self.drain();
        let max_payload = self.engine.config().max_payload;
        assert!(
            matches!(
                out.0.as_slice(),
                [Output::ReadBody { conn: c, limit }] if *c == conn && *limit == max_payload
            ),
            "expected only ReadBody for {conn:?}: {out:#?}"
        );
    }

    /// A WebSocket request (`websocket: true`) on a fresh connection.
    fn ws_open(&mut self, pq: &str) -> ConnId {
        let mut req = HttpRequest::get(pq);
        req.websocket = true;
        self.request(req)
    }

    /// A frame from the client on WebSocket `conn`.
    fn ws_send(&mut self, conn: ConnId, frame: WsFrame) {
        self.input(Input::WsFrame { conn, frame });
    }

    /// A text frame from the client on WebSocket `conn`.
    fn ws_text(&mut self, conn: ConnId, s: &str) {
        self.ws_send(conn, text(s));
    }

    /// The peer of `conn` went away.
    fn conn_closed(&mut self, conn: ConnId) {
        self.input(Input::ConnClosed { conn });
    }

    /// The application sends `msg` to `sid` (which must be open).
    fn send(&mut self, sid: Sid, msg: Message) {
        self.engine.send(sid, msg).expect("session is open");
        self.pump();
    }

    /// Moves the clock forward by `d`, stopping at every deadline the engine
    /// asks for on the way (so timers fire at their exact instant).
    fn advance(&mut self, d: Duration) {
        let target = self.now + d;
        for _ in 0..100_000 {
            match self.engine.poll_timeout() {
                Some(at) if at <= target => {
                    self.now = self.now.max(at);
                    self.engine.handle_timeout(self.now);
                    self.pump();
                }
                _ => {
                    self.now = target;
                    self.engine.handle_timeout(self.now);
                    self.pump();
                    return;
                }
            }
        }
        panic!("poll_timeout keeps returning deadlines that are already due");
    }

    /// Opens a polling session and drains the handshake's outputs.
    fn open_polling(&mut self) -> Sid {
        let conn = self.get(HANDSHAKE);
        let out = self.drain();
        let res = out.response(conn);
        assert_eq!(res.status, 200, "{res:?}");
        let json = open_json(&res.body);
        let sid = Sid::parse(json["sid"].as_str().expect("sid is a string")).expect("valid sid");
        assert_eq!(out.opened(), vec![(sid, Transport::Polling)]);
        sid
    }

    /// Opens a WebSocket-only session and drains the handshake's outputs.
    fn open_ws(&mut self) -> (Sid, ConnId) {
        let conn = self.ws_open(WS_HANDSHAKE);
        let out = self.drain();
        out.ws_accept(conn);
        let texts = out.texts(conn);
        assert_eq!(texts.len(), 1, "{out:#?}");
        let json = open_json(texts[0].as_bytes());
        let sid = Sid::parse(json["sid"].as_str().expect("sid is a string")).expect("valid sid");
        assert_eq!(out.opened(), vec![(sid, Transport::WebSocket)]);
        (sid, conn)
    }

    /// Upgrades polling session `sid` to a new WebSocket (no GET held, no
    /// packets queued) and drains the outputs.
    fn upgrade(&mut self, sid: Sid) -> ConnId {
        let ws = self.ws_open(&websocket(sid));
        self.ws_text(ws, "2probe");
        self.ws_text(ws, "5");
        let out = self.drain();
        out.ws_accept(ws);
        assert_eq!(out.texts(ws), vec!["3probe"]);
        assert_eq!(out.events(), vec![EngineEvent::Upgrade { sid }]);
        ws
    }
}

/// Outputs drained from the engine, with finders.
#[derive(Debug)]
struct Outs(Vec<Output<EngineEvent>>);

impl Outs {
    fn len(&self) -> usize {
        self.0.len()
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// All HTTP responses, in order.
    fn responses(&self) -> Vec<(ConnId, &HttpResponse)> {
        self.0
            .iter()
            .filter_map(|o| match o {
                Output::HttpResponse { conn, res } => Some((*conn, res)),
                _ => None,
            })
            .collect()
    }

    /// The one response to `conn` (panics if there is none or several).
    #[track_caller]
    fn response(&self, conn: ConnId) -> &HttpResponse {
        let found: Vec<_> = self
            .responses()
            .into_iter()
            .filter(|(c, _)| *c == conn)
            .collect();
        assert_eq!(
            found.len(),
            1,
            "expected one response to {conn:?}: {self:#?}"
        );
        found[0].1
    }

    /// True when `conn` got a response.
    fn has_response(&self, conn: ConnId) -> bool {
        self.responses().iter().any(|(c, _)| *c == conn)
    }

    /// The headers of the one `WsAccept` of `conn`.
    #[track_caller]
    fn ws_accept(&self, conn: ConnId) -> &[(&'static str, std::borrow::Cow<'static, str>)] {
        let found: Vec<_> = self
            .0
            .iter()
            .filter_map(|o| match o {
                Output::WsAccept {
                    conn: c, headers, ..
                } if *c == conn => Some(headers.as_slice()),
                _ => None,
            })
            .collect();
        assert_eq!(
            found.len(),
            1,
            "expected one WsAccept for {conn:?}: {self:#?}"
        );
        found[0]
    }

    /// Frames sent on `conn`, in order.
    fn frames(&self, conn: ConnId) -> Vec<&WsFrame> {
        self.0
            .iter()
            .filter_map(|o| match o {
                Output::WsSend { conn: c, frame } if *c == conn => Some(frame),
                Output::WsSendMany { conns, frame } if conns.contains(&conn) => Some(frame),
                _ => None,
            })
            .collect()
    }

    /// Frames sent on `conn` as text (binary frames panic).
    #[track_caller]
    fn texts(&self, conn: ConnId) -> Vec<String> {
        self.frames(conn)
            .into_iter()
            .map(|f| match f {
                WsFrame::Text(b) => String::from_utf8(b.to_vec()).expect("text frame is UTF-8"),
                WsFrame::Binary(b) => panic!("binary frame {b:?} on {conn:?}"),
            })
            .collect()
    }

    /// Close codes of the `WsClose` outputs for `conn`.
    fn ws_closes(&self, conn: ConnId) -> Vec<u16> {
        self.0
            .iter()
            .filter_map(|o| match o {
                Output::WsClose { conn: c, code } if *c == conn => Some(*code),
                _ => None,
            })
            .collect()
    }

    /// All `WsClose` outputs.
    fn all_ws_closes(&self) -> Vec<(ConnId, u16)> {
        self.0
            .iter()
            .filter_map(|o| match o {
                Output::WsClose { conn, code } => Some((*conn, *code)),
                _ => None,
            })
            .collect()
    }

    /// All application events, in order.
    /// Events, less protocol faults (see [`Outputs::faults`]).
    fn events(&self) -> Vec<EngineEvent> {
        self.0
            .iter()
            .filter_map(|o| match o {
                Output::Event(EngineEvent::ProtocolFault { .. }) => None,
                Output::Event(e) => Some(e.clone()),
                _ => None,
            })
            .collect()
    }

    /// Protocol faults reported: the session and what.
    fn faults(&self) -> Vec<(Sid, &str)> {
        self.0
            .iter()
            .filter_map(|o| match o {
                Output::Event(EngineEvent::ProtocolFault { sid, what }) => Some((*sid, &what[..])),
                _ => None,
            })
            .collect()
    }

    /// Sessions opened.
    fn opened(&self) -> Vec<(Sid, Transport)> {
        self.events()
            .into_iter()
            .filter_map(|e| match e {
                EngineEvent::Open { sid, transport } => Some((sid, transport)),
                _ => None,
            })
            .collect()
    }

    /// Sessions closed, with why.
    fn closed(&self) -> Vec<(Sid, CloseReason)> {
        self.events()
            .into_iter()
            .filter_map(|e| match e {
                EngineEvent::Close { sid, reason } => Some((sid, reason)),
                _ => None,
            })
            .collect()
    }

    /// Messages received from `sid`, in order.
    fn messages(&self, sid: Sid) -> Vec<Message> {
        self.events()
            .into_iter()
            .filter_map(|e| match e {
                EngineEvent::Message { sid: s, msg } if s == sid => Some(msg),
                _ => None,
            })
            .collect()
    }
}

#[test]
fn harness_clock_jumps_to_deadlines() {
    let mut t = TestEngine::new();
    assert_eq!(t.engine.poll_timeout(), None);
    let (_, ws) = t.open_ws();
    assert_eq!(t.engine.poll_timeout(), Some(t.t0 + ms(300)));
    // One long advance still fires the ping at 300 ms and then the pong
    // deadline at 500 ms, each at its exact instant.
    t.advance(ms(1000));
    let out = t.drain();
    assert_eq!(out.texts(ws), vec!["2"]);
    assert_eq!(out.ws_closes(ws), vec![1000]);
    assert_eq!(t.elapsed(), ms(1000));
}
