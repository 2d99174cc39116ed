//! Deterministic tests of the Socket.IO server state machine.
//!
//! No sockets, no sleeps: [`TestServer`] wraps a [`SioServer`] with a fake
//! clock that only moves when a test says so (jumping from deadline to
//! deadline, as the engine's own harness does), hands out connection ids,
//! drains every output after every input, and plays the client side of
//! Engine.IO WebSocket and polling sessions. [`Outs`] offers finders over
//! what came out: the Socket.IO frames written per connection and the
//! application events. The tests are split by topic in `tests/`.

use super::*;
use crate::engine::{EngineConfig, WsFrame};
use crate::http::{HttpRequest, HttpResponse, Method};
use crate::sid::Sid;
use crate::{ConnId, Input, Output};
use bytes::Bytes;
use std::time::{Duration, Instant};

mod admin;
mod binary;
mod broadcast;
mod broadcast_acks;
mod clock;
mod cluster;
mod cluster_requests;
mod cluster_streams;
mod connect;
mod disconnect;
mod eio3;
mod errors;
mod events;
mod polling;
mod recovery;

/// Handshake over WebSocket (with `websocket: true`).
const WS_HANDSHAKE: &str = "/socket.io/?EIO=4&transport=websocket";
/// Handshake over polling.
const POLLING: &str = "/socket.io/?EIO=4&transport=polling";
/// The fixed CSPRNG seed: runs are reproducible.
const SEED: [u8; 32] = [7; 32];

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// The tests' configuration: connect timeout 1 s, heartbeat 10 s + 5 s (so
/// ack timeouts of a few seconds see no pings), the default path.
fn config() -> ServerConfig {
    ServerConfig {
        engine: EngineConfig {
            ping_interval: secs(10),
            ping_timeout: secs(5),
            ..EngineConfig::default()
        },
        connect_timeout: secs(1),
        ..ServerConfig::default()
    }
}

/// Arguments from JSON array text.
fn args(json: &str) -> Args {
    Args::from_json(Bytes::copy_from_slice(json.as_bytes()))
}

/// Arguments with binary attachments.
fn bin_args(json: &str, attachments: &[&Bytes]) -> Args {
    Args {
        json: Bytes::copy_from_slice(json.as_bytes()),
        attachments: attachments.iter().map(|b| (*b).clone()).collect(),
    }
}

/// The placeholder for attachment `n`, as text.
fn ph(n: usize) -> String {
    placeholder(n).to_string()
}

/// An Engine.IO session on a WebSocket, as the client sees it.
#[derive(Debug, Clone, Copy)]
struct Ws {
    sid: Sid,
    conn: ConnId,
}

/// A [`SioServer`] driven by a fake clock.
struct TestServer {
    io: SioServer,
    /// The start of time.
    t0: Instant,
    /// The current time; moves only through [`TestServer::advance`].
    now: Instant,
    next_conn: u64,
    /// Outputs drained and not yet taken by the test.
    pending: Vec<Output<SocketEvent>>,
}

impl TestServer {
    fn new() -> TestServer {
        TestServer::with_config(config())
    }

    fn with_config(config: ServerConfig) -> TestServer {
        TestServer::starting_at(config, Instant::now())
    }

    /// A server whose fake clock starts at `t0` (any instant: the core
    /// reads no clock of its own).
    fn starting_at(config: ServerConfig, t0: Instant) -> TestServer {
        TestServer::seeded(config, t0, SEED)
    }

    /// Same as [`TestServer::starting_at`] with another seed (servers of
    /// one cluster need their own ids).
    fn seeded(config: ServerConfig, t0: Instant, seed: [u8; 32]) -> TestServer {
        TestServer {
            io: SioServer::new(config, seed),
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

    /// Moves every output into `pending`, as an adapter must after every call.
    fn pump(&mut self) {
        while let Some(out) = self.io.poll_output() {
            self.pending.push(out);
        }
    }

    /// Everything output since the last drain (draining first).
    fn drain(&mut self) -> Outs {
        self.pump();
        Outs(std::mem::take(&mut self.pending))
    }

    /// Asserts that nothing was output since the last drain.
    #[track_caller]
    fn assert_idle(&mut self) {
        let out = self.drain();
        assert!(out.0.is_empty(), "unexpected output: {out:#?}");
    }

    /// Feeds `input` at the current time.
    fn input(&mut self, input: Input) {
        self.io.handle(self.now, input);
        self.pump();
    }

    /// Sends a request head on a fresh connection.
    fn request(&mut self, req: HttpRequest) -> ConnId {
        let conn = self.conn();
        self.input(Input::HttpRequest { conn, req });
        conn
    }

    /// Opens an Engine.IO WebSocket session and drains the handshake.
    fn open_ws(&mut self) -> Ws {
        let mut req = HttpRequest::get(WS_HANDSHAKE);
        req.websocket = true;
        let conn = self.request(req);
        let out = self.drain();
        assert!(
            matches!(out.0.first(), Some(Output::WsAccept { conn: c, .. }) if *c == conn),
            "{out:#?}"
        );
        let texts = out.texts(conn);
        assert_eq!(texts.len(), 1, "{out:#?}");
        let open: serde_json::Value =
            serde_json::from_str(texts[0].strip_prefix('0').expect("an open packet"))
                .expect("open data is JSON");
        let sid = Sid::parse(open["sid"].as_str().expect("sid")).expect("valid sid");
        assert!(out.events().is_empty(), "{out:#?}");
        Ws { sid, conn }
    }

    /// A frame from the client.
    fn frame(&mut self, ws: Ws, frame: WsFrame) {
        self.input(Input::WsFrame {
            conn: ws.conn,
            frame,
        });
    }

    /// A text frame from the client (an Engine.IO packet, e.g. `42["a"]`).
    fn text(&mut self, ws: Ws, s: &str) {
        self.frame(ws, WsFrame::Text(Bytes::copy_from_slice(s.as_bytes())));
    }

    /// A binary frame from the client (one attachment).
    fn binary(&mut self, ws: Ws, data: &[u8]) {
        self.frame(ws, WsFrame::Binary(Bytes::copy_from_slice(data)));
    }

    /// The client's transport went away.
    fn conn_closed(&mut self, conn: ConnId) {
        self.input(Input::ConnClosed { conn });
    }

    /// Connects `ws` to `nsp` (no middleware) and checks the exact reply
    /// `40[<nsp>,]{"sid":"<socket>"}` and the `Connect` event.
    #[track_caller]
    fn connect(&mut self, ws: Ws, nsp: &str) -> SocketId {
        let prefix = nsp_prefix(nsp);
        self.text(ws, &format!("40{prefix}"));
        let out = self.drain();
        let socket = out.granted(ws.conn, nsp);
        assert_eq!(
            out.events(),
            vec![SocketEvent::Connect {
                socket,
                nsp: nsp.to_owned(),
                auth: Bytes::from_static(b"{}"),
                recovered: false,
            }]
        );
        assert_eq!(out.0.len(), 2, "{out:#?}");
        socket
    }

    /// A new WebSocket session connected to `nsp`.
    fn client(&mut self, nsp: &str) -> (Ws, SocketId) {
        let ws = self.open_ws();
        let socket = self.connect(ws, nsp);
        (ws, socket)
    }

    /// Opens an Engine.IO polling session and drains the handshake.
    fn open_polling(&mut self) -> Sid {
        let conn = self.request(HttpRequest::get(POLLING));
        let out = self.drain();
        let body = out.body(conn);
        let open: serde_json::Value =
            serde_json::from_str(body.strip_prefix('0').expect("an open packet"))
                .expect("open data is JSON");
        Sid::parse(open["sid"].as_str().expect("sid")).expect("valid sid")
    }

    /// A long-poll GET for `sid`; it is held or answered (see the outputs).
    fn get(&mut self, sid: Sid) -> ConnId {
        self.request(HttpRequest::get(&format!("{POLLING}&sid={sid}")))
    }

    /// A whole POST of `body` for `sid`: the head, the core's `ReadBody`
    /// (checked and taken out), then the body. Its `ok` and whatever the
    /// packets cause stay in the outputs.
    fn post(&mut self, sid: Sid, body: &str) -> ConnId {
        let req = HttpRequest::new(Method::Post, &format!("{POLLING}&sid={sid}"));
        let conn = self.request(req);
        let out = self.drain();
        assert!(
            matches!(out.0.as_slice(), [Output::ReadBody { conn: c, .. }] if *c == conn),
            "{out:#?}"
        );
        self.input(Input::HttpBody {
            conn,
            body: Bytes::copy_from_slice(body.as_bytes()),
        });
        conn
    }

    /// A polling session connected to `nsp`; no GET is held afterwards.
    fn polling_client(&mut self, nsp: &str) -> (Sid, SocketId) {
        let sid = self.open_polling();
        self.post(sid, &format!("40{}", nsp_prefix(nsp)));
        let get = self.get(sid);
        let out = self.drain();
        let body = out.body(get);
        let socket = parse_grant(&body, nsp);
        assert_eq!(out.events().len(), 1, "{out:#?}");
        (sid, socket)
    }

    /// Moves the clock forward by `d`, stopping at every deadline the server
    /// asks for on the way (so timers fire at their exact instant).
    fn advance(&mut self, d: Duration) {
        let target = self.now + d;
        for _ in 0..100_000 {
            match self.io.poll_timeout() {
                Some(at) if at <= target => {
                    self.now = self.now.max(at);
                    self.io.handle_timeout(self.now);
                    self.pump();
                }
                _ => {
                    self.now = target;
                    self.io.handle_timeout(self.now);
                    self.pump();
                    return;
                }
            }
        }
        panic!("poll_timeout keeps returning deadlines that are already due");
    }

    /// Asserts that `ws` still works: an event from it comes through and an
    /// emit to `socket` reaches it.
    #[track_caller]
    fn assert_echoes(&mut self, ws: Ws, socket: SocketId) {
        self.text(ws, r#"42["ping",1]"#);
        let out = self.drain();
        assert_eq!(
            out.events(),
            vec![SocketEvent::Event {
                socket,
                event: "ping".into(),
                args: args("[1]"),
                ack: None,
            }]
        );
        self.io
            .emit(socket, "pong", &args("[1]"))
            .expect("connected");
        assert_eq!(self.drain().texts(ws.conn), vec![r#"42["pong",1]"#]);
    }
}

/// `/nsp,` for a custom namespace, nothing for `/`.
fn nsp_prefix(nsp: &str) -> String {
    if nsp == "/" {
        String::new()
    } else {
        format!("{nsp},")
    }
}

/// The socket id of a CONNECT grant `40[<nsp>,]{"sid":".."}`, checking the
/// exact text and that the id is 22 URL-safe characters.
#[track_caller]
fn parse_grant(text: &str, nsp: &str) -> SocketId {
    let head = format!("40{}", nsp_prefix(nsp));
    let json = text
        .strip_prefix(&head)
        .unwrap_or_else(|| panic!("not a CONNECT grant for {nsp}: {text}"));
    let value: serde_json::Value = serde_json::from_str(json).expect("grant data is JSON");
    let sid = value["sid"].as_str().expect("sid is a string");
    assert_eq!(sid.len(), 22, "{text}");
    let socket = Sid::parse(sid).expect("URL-safe id");
    assert_eq!(text, format!(r#"{head}{{"sid":"{socket}"}}"#));
    socket
}

/// Outputs drained from the server, with finders.
#[derive(Debug)]
struct Outs(Vec<Output<SocketEvent>>);

impl Outs {
    /// The transport outputs, in order.
    fn io(&self) -> impl Iterator<Item = &Output<SocketEvent>> {
        self.0.iter().filter(|o| !matches!(o, Output::Event(_)))
    }

    /// Frames sent on `conn`, in order.
    fn frames(&self, conn: ConnId) -> Vec<&WsFrame> {
        self.io()
            .filter_map(|o| match o {
                Output::WsSend { conn: c, frame } if *c == conn => Some(frame),
                Output::WsSendMany { conns, frame } if conns.contains(&conn) => Some(frame),
                _ => None,
            })
            .collect()
    }

    /// Frames sent on `conn`, as text (a binary frame panics).
    #[track_caller]
    fn texts(&self, conn: ConnId) -> Vec<String> {
        self.frames(conn)
            .into_iter()
            .map(|f| match f {
                WsFrame::Text(b) => String::from_utf8(b.to_vec()).expect("UTF-8 text frame"),
                WsFrame::Binary(b) => panic!("binary frame {b:?} on {conn:?}"),
            })
            .collect()
    }

    /// The socket id granted on `conn` by its only frame, a CONNECT to `nsp`.
    #[track_caller]
    fn granted(&self, conn: ConnId, nsp: &str) -> SocketId {
        let texts = self.texts(conn);
        assert_eq!(texts.len(), 1, "{self:#?}");
        parse_grant(&texts[0], nsp)
    }

    /// Close codes of the `WsClose` outputs for `conn`.
    fn ws_closes(&self, conn: ConnId) -> Vec<u16> {
        self.io()
            .filter_map(|o| match o {
                Output::WsClose { conn: c, code } if *c == conn => Some(*code),
                _ => None,
            })
            .collect()
    }

    /// The one HTTP response to `conn`.
    #[track_caller]
    fn response(&self, conn: ConnId) -> &HttpResponse {
        let found: Vec<&HttpResponse> = self
            .io()
            .filter_map(|o| match o {
                Output::HttpResponse { conn: c, res } if *c == conn => Some(res),
                _ => None,
            })
            .collect();
        assert_eq!(found.len(), 1, "one response to {conn:?}: {self:#?}");
        found[0]
    }

    /// The body of the one 200 response to `conn`, as text.
    #[track_caller]
    fn body(&self, conn: ConnId) -> String {
        let res = self.response(conn);
        assert_eq!(res.status, 200, "{res:?}");
        String::from_utf8(res.body.to_vec()).expect("UTF-8 body")
    }

    /// All application events, in order.
    /// Events, less protocol faults (see [`Outputs::faults`]).
    fn events(&self) -> Vec<SocketEvent> {
        self.0
            .iter()
            .filter_map(|o| match o {
                Output::Event(SocketEvent::ProtocolFault { .. }) => None,
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
                Output::Event(SocketEvent::ProtocolFault { sid, what }) => Some((*sid, &what[..])),
                _ => None,
            })
            .collect()
    }
}

#[test]
fn harness_connects_and_ids_differ() {
    let mut t = TestServer::new();
    let (a, sa) = t.client("/");
    let (b, sb) = t.client("/");
    assert_ne!(a.sid, b.sid);
    assert_ne!(sa, sb);
    assert_ne!(sa, a.sid, "the socket id is not the Engine.IO sid");
    t.assert_echoes(a, sa);
    t.assert_echoes(b, sb);
    assert_eq!(t.io.socket_count(), 2);
}

#[test]
fn runs_are_reproducible() {
    let ids = || {
        let mut t = TestServer::new();
        let (ws, s) = t.client("/");
        (ws.sid, s)
    };
    assert_eq!(ids(), ids());
}
