//! [`Engine`]: the Engine.IO v4 server state machine. Requests are routed
//! here; polling and WebSocket specifics live in `polling.rs` and
//! `websocket.rs`, the heartbeat in `heartbeat.rs`.

use super::config::{EngineConfig, Transport};
use super::cors;
use super::deflate::{self, PerMessageDeflate};
use super::error::ErrorCode;
use super::event::{CloseReason, EngineEvent};
use super::packet::{Message, Packet, WsFrame};
use super::payload_v3::BinaryMode;
use super::query::EngineQuery;
use super::session::{Heartbeat, Session, SessionInfo};
use crate::fast_hash::{FastMap, ShrinkIfSparse};
use crate::http::{HttpRequest, HttpResponse, Method};
use crate::sid::{IdGenerator, Sid};
use crate::{ConnId, FlushId, Input, Output};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::time::Instant;
use thiserror::Error;

/// What a connection id is used for, while the core needs to remember it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ConnRole {
    /// A held long-poll GET.
    Get(Sid),
    /// A POST whose body is being read.
    Post(Sid),
    /// The session's WebSocket; `v3` for an Engine.IO v3 session (its
    /// binary frames carry a type byte), kept here so that reading a frame
    /// looks up nothing more.
    Ws { sid: Sid, v3: bool },
    /// A WebSocket upgrading a polling session.
    Upgrading(Sid),
}

/// A timer kind; timers are checked lazily against the session's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum TimerKind {
    Heartbeat,
    Upgrade,
}

/// An error the caller made (peer faults never return `Err`).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum EngineError {
    /// No open session has this sid (it may have closed already).
    #[error("unknown session {0}")]
    UnknownSession(Sid),
    /// A text frame given to [`Engine::send_frame`] is not an encoded packet.
    #[error("not an encoded Engine.IO packet")]
    InvalidFrame,
}

/// Counts a message sent in `sent` (the engine's counts), when it counts.
fn count_sent(sent: &mut Option<(u64, u64)>, frame: &WsFrame) {
    if let Some((n, bytes)) = sent {
        let (WsFrame::Text(b) | WsFrame::Binary(b)) = frame;
        *n += 1;
        *bytes += b.len() as u64;
    }
}

/// True when a text frame is an encoded packet (UTF-8, a type digit first);
/// binary frames are always valid.
pub fn is_valid_frame(frame: &WsFrame) -> bool {
    match frame {
        WsFrame::Text(t) => {
            t.first().is_some_and(|b| (b'0'..=b'6').contains(b)) && std::str::from_utf8(t).is_ok()
        }
        WsFrame::Binary(_) => true,
    }
}

/// The Engine.IO v4 server: a pure state machine.
///
/// Feed it [`Input`]s with [`Engine::handle`] and the passing of time with
/// [`Engine::handle_timeout`]; after each call, drain [`Engine::poll_output`]
/// and sleep until [`Engine::poll_timeout`].
pub struct Engine {
    pub(crate) config: EngineConfig,
    pub(crate) ids: IdGenerator,
    /// Boxed: a session is large, and a map of boxes is a fraction of the
    /// size of a map of sessions between two growths of its table.
    pub(crate) sessions: FastMap<Sid, Box<Session>>,
    pub(crate) conns: FastMap<ConnId, ConnRole>,
    pub(crate) timers: BinaryHeap<Reverse<(Instant, TimerKind, Sid)>>,
    pub(crate) outputs: VecDeque<Output<EngineEvent>>,
    /// Polling sessions with packets queued and maybe a GET to answer.
    pub(crate) to_flush: Vec<Sid>,
    /// The latest time seen; the core never goes back in time.
    pub(crate) now: Option<Instant>,
    /// The `open` packet's JSON after the sid, for a session opened on
    /// polling and on WebSocket, in v4 and in v3 (no `maxPayload`): fixed
    /// by the config, so written once.
    open_tails: [[String; 2]; 2],
    /// The id of the next delivery notification.
    next_flush: u64,
    /// Messages sent and their bytes, counted when someone reads them
    /// (the admin UI's stats): `None` costs nothing.
    pub(crate) sent: Option<(u64, u64)>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("sessions", &self.sessions.len())
            .field("conns", &self.conns.len())
            .field("timers", &self.timers.len())
            .field("outputs", &self.outputs.len())
            .finish()
    }
}

/// The `open` packet's JSON after the sid value, for sessions opened on
/// `transport` (`eio3`: without `maxPayload`, which v3 does not have).
fn open_tail(config: &EngineConfig, transport: Transport, eio3: bool) -> String {
    let upgrades = match config.upgrades_for(transport) {
        [] => "[]",
        _ => r#"["websocket"]"#,
    };
    let max_payload = if eio3 {
        String::new()
    } else {
        format!(r#","maxPayload":{}"#, config.max_payload)
    };
    format!(
        r#"","upgrades":{upgrades},"pingInterval":{},"pingTimeout":{}{max_payload}}}"#,
        config.ping_interval.as_millis(),
        config.ping_timeout.as_millis(),
    )
}

/// What a handshake needs from its query string.
struct HandshakeQuery {
    /// `EIO=4`.
    eio4: bool,
    /// `EIO=3`.
    eio3: bool,
    /// `b64` (v3: binary data as base64).
    b64: bool,
    /// The JSONP callback index, if any.
    jsonp: Option<String>,
}

impl Engine {
    /// A server with `config`; `seed` (32 bytes of OS entropy in production)
    /// seeds the CSPRNG that makes session ids.
    pub fn new(config: EngineConfig, seed: [u8; 32]) -> Engine {
        let open_tails = [false, true].map(|v3| {
            [Transport::Polling, Transport::WebSocket].map(|t| open_tail(&config, t, v3))
        });
        Engine {
            open_tails,
            config,
            ids: IdGenerator::new(seed),
            sessions: FastMap::default(),
            conns: FastMap::default(),
            timers: BinaryHeap::new(),
            outputs: VecDeque::new(),
            to_flush: Vec::new(),
            now: None,
            next_flush: 0,
            sent: None,
        }
    }

    /// The options this engine runs with.
    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// True when a request for `path` belongs to the engine.
    pub fn matches_path(&self, path: &str) -> bool {
        path.starts_with(&self.config.path)
            || path.len() + 1 == self.config.path.len() && self.config.path.starts_with(path)
    }

    /// Records `now`, never letting time go backwards.
    pub(crate) fn tick(&mut self, now: Instant) -> Instant {
        let now = match self.now {
            Some(prev) if prev > now => prev,
            _ => now,
        };
        self.now = Some(now);
        now
    }

    /// Processes one input. Peer faults become protocol output, never `Err`.
    pub fn handle(&mut self, now: Instant, input: Input) {
        let now = self.tick(now);
        match input {
            Input::HttpRequest { conn, req } => self.on_request(now, conn, req),
            Input::HttpBody { conn, body } => self.on_body(now, conn, Ok(body)),
            Input::HttpBodyTooLarge { conn } => self.on_body(now, conn, Err(())),
            Input::WsFrame { conn, frame } => self.on_ws_frame(now, conn, frame),
            Input::ConnClosed { conn } => self.on_conn_closed(conn),
            Input::WsFlushed { conn, mark } => self.on_ws_flushed(conn, mark),
            Input::WsFault { conn, fault } => self.on_ws_fault(conn, fault),
            Input::SendQueueFull { conn } => {
                if let Some(ConnRole::Ws { sid, .. }) = self.conns.remove(&conn) {
                    if let Some(s) = self.sessions.get_mut(&sid) {
                        s.ws = None; // the adapter closes the connection itself
                    }
                    self.close_session(sid, CloseReason::BufferFull);
                } else {
                    self.on_conn_closed(conn);
                }
            }
            // The bare engine is no cluster member: nothing to do.
            Input::Bus(_) => {}
        }
    }

    /// The next output, if any. Drain it after every mutation.
    pub fn poll_output(&mut self) -> Option<Output<EngineEvent>> {
        if !self.to_flush.is_empty() {
            self.flush_polling();
        }
        self.outputs.pop_front()
    }

    /// Sends a message to a session.
    pub fn send(&mut self, sid: Sid, msg: Message) -> Result<(), EngineError> {
        if !self.sessions.contains_key(&sid) {
            return Err(EngineError::UnknownSession(sid));
        }
        self.send_packet(sid, Packet::Message(msg));
        Ok(())
    }

    /// Closes a session from the server side ([`CloseReason::ForcedClose`]).
    pub fn close(&mut self, sid: Sid) -> Result<(), EngineError> {
        if !self.sessions.contains_key(&sid) {
            return Err(EngineError::UnknownSession(sid));
        }
        self.close_session(sid, CloseReason::ForcedClose);
        Ok(())
    }

    /// Closes a session with `reason` (for the layer above: a Socket.IO
    /// parse error closes the session with [`CloseReason::ParseError`]).
    pub(crate) fn close_with(&mut self, sid: Sid, reason: CloseReason) {
        self.close_session(sid, reason);
    }

    /// The client of `sid` broke the protocol: says what
    /// ([`EngineEvent::ProtocolFault`]), then closes the session.
    pub(crate) fn fault(&mut self, sid: Sid, what: impl Into<String>, reason: CloseReason) {
        if self.sessions.contains_key(&sid) {
            let what = what.into();
            self.emit(EngineEvent::ProtocolFault { sid, what });
        }
        self.close_session(sid, reason);
    }

    /// True when a packet sent to `sid` now goes out at once: a WebSocket,
    /// or a polling session with a GET waiting.
    pub fn is_writable(&self, sid: Sid) -> bool {
        self.sessions
            .get(&sid)
            .is_some_and(|s| s.ws.is_some() || s.pending_get.is_some())
    }

    /// Asks to be told when everything sent to `sid` so far has reached
    /// its transport: handed to a long-poll response, or written and
    /// flushed on the WebSocket. The answer is an [`EngineEvent::Flushed`]
    /// with the returned id (`delivered` false if the session closes
    /// first); it may come in this very drain when nothing is pending.
    pub fn notify_flushed(&mut self, sid: Sid) -> Result<FlushId, EngineError> {
        let id = FlushId(self.next_flush);
        let session = self
            .sessions
            .get_mut(&sid)
            .ok_or(EngineError::UnknownSession(sid))?;
        self.next_flush += 1;
        session.flush_waits.push(id);
        match session.ws {
            Some(conn) => self
                .outputs
                .push_back(Output::WsFlushMark { conn, mark: id }),
            // Nothing queued: nothing to wait for.
            None if session.queue.is_empty() => self.answer_flush_waits(sid, true),
            None => {}
        }
        Ok(id)
    }

    /// Answers every delivery notification `sid` waits for.
    pub(crate) fn answer_flush_waits(&mut self, sid: Sid, delivered: bool) {
        let Some(session) = self.sessions.get_mut(&sid) else {
            return;
        };
        if session.flush_waits.is_empty() {
            return;
        }
        for id in std::mem::take(&mut session.flush_waits) {
            self.outputs
                .push_back(Output::Event(EngineEvent::Flushed { sid, id, delivered }));
        }
    }

    /// The adapter's WebSocket library refused the peer's frames: closed
    /// with the fitting code; a session on that WebSocket closes, an
    /// upgrade in progress is abandoned (the session stays on polling).
    fn on_ws_fault(&mut self, conn: ConnId, fault: crate::WsFault) {
        let code = fault.close_code();
        match self.conns.get(&conn).copied() {
            Some(ConnRole::Ws { sid, .. }) => {
                if let Some(s) = self.sessions.get_mut(&sid) {
                    s.ws = None;
                }
                self.conns.remove(&conn);
                self.outputs.push_back(Output::WsClose { conn, code });
                self.fault(sid, fault.what(), CloseReason::TransportError);
            }
            Some(ConnRole::Upgrading(sid)) => {
                if let Some(s) = self.sessions.get_mut(&sid) {
                    s.upgrade = None;
                }
                self.conns.remove(&conn);
                self.outputs.push_back(Output::WsClose { conn, code });
            }
            // Not a WebSocket the core knows (closed already): nothing.
            _ => {}
        }
    }

    /// The adapter wrote what preceded a WebSocket's flush mark.
    fn on_ws_flushed(&mut self, conn: ConnId, mark: FlushId) {
        let Some(ConnRole::Ws { sid, .. }) = self.conns.get(&conn).copied() else {
            return; // gone: its waits were answered at its close
        };
        let Some(session) = self.sessions.get_mut(&sid) else {
            return;
        };
        let before = session.flush_waits.len();
        session.flush_waits.retain(|id| *id != mark);
        if session.flush_waits.len() < before {
            self.emit(EngineEvent::Flushed {
                sid,
                id: mark,
                delivered: true,
            });
        }
    }

    /// The WebSocket accept for `conn`, with the limits the adapter keeps,
    /// and permessage-deflate if `deflate` (then said in the headers).
    pub(crate) fn ws_accept(
        &self,
        conn: ConnId,
        mut headers: Vec<(&'static str, std::borrow::Cow<'static, str>)>,
        deflate: Option<PerMessageDeflate>,
    ) -> Output<EngineEvent> {
        if deflate.is_some() {
            headers.push(("sec-websocket-extensions", deflate::ACCEPTED.into()));
        }
        Output::WsAccept {
            conn,
            headers,
            max_message: self.config.max_payload,
            max_queued_bytes: self.config.max_queued_bytes,
            deflate,
        }
    }

    /// permessage-deflate for a WebSocket request, when configured and
    /// offered acceptably.
    pub(crate) fn deflate_for(&self, req: &HttpRequest) -> Option<PerMessageDeflate> {
        let d = self.config.per_message_deflate?;
        let offers = req
            .headers()
            .filter(|(n, _)| *n == "sec-websocket-extensions")
            .map(|(_, v)| v);
        (req.websocket && deflate::accepts_offer(offers)).then_some(d)
    }

    /// Closes every session ([`CloseReason::ServerShutdown`]).
    pub fn shutdown(&mut self) {
        let mut sids: Vec<Sid> = self.sessions.keys().copied().collect();
        sids.sort_unstable(); // a deterministic order of outputs
        for sid in sids {
            self.close_session(sid, CloseReason::ServerShutdown);
        }
    }

    /// Read-only view of an open session.
    pub fn session(&self, sid: Sid) -> Option<SessionInfo<'_>> {
        self.sessions.get(&sid).map(|s| SessionInfo {
            transport: s.transport,
            upgrading: s.upgrade.is_some(),
            websocket: s.ws,
            queued: s.queue.len(),
            handshake: &s.handshake,
            protocol: if s.eio3.is_some() { 3 } else { 4 },
        })
    }

    /// Number of open sessions.
    pub fn session_count(&self) -> usize {
        self.sessions.len()
    }

    /// The sids of all open sessions.
    pub fn sids(&self) -> impl Iterator<Item = Sid> + '_ {
        self.sessions.keys().copied()
    }

    /// Connection ids the core is currently tracking (held GETs, POSTs being
    /// read, WebSockets).
    pub fn tracked_conns(&self) -> usize {
        self.conns.len()
    }

    /// Packets queued for a polling session, if it exists.
    pub fn queued_packets(&self, sid: Sid) -> Option<usize> {
        self.sessions.get(&sid).map(|s| s.queue.len())
    }

    pub(crate) fn emit(&mut self, event: EngineEvent) {
        self.outputs.push_back(Output::Event(event));
    }

    /// Answers `conn` with `res` plus CORS headers for `origin`.
    pub(crate) fn respond(&mut self, conn: ConnId, origin: Option<&str>, mut res: HttpResponse) {
        cors::apply(self.config.cors.as_ref(), origin, &mut res);
        self.outputs.push_back(Output::HttpResponse { conn, res });
    }

    fn error(&mut self, conn: ConnId, req: &HttpRequest, code: ErrorCode, msg: Option<&str>) {
        self.respond(conn, req.header("origin"), code.response(msg));
    }

    fn on_request(&mut self, now: Instant, conn: ConnId, req: HttpRequest) {
        if req.method == Method::Options {
            if let Some(c) = &self.config.cors {
                let res = cors::preflight(c, &req);
                self.outputs.push_back(Output::HttpResponse { conn, res });
                return;
            }
        }
        let q = EngineQuery::parse(req.query());
        let transport = q.transport_named().filter(|t| self.config.allows(*t));
        let Some(transport) = transport else {
            return self.error(conn, &req, ErrorCode::UnknownTransport, None);
        };
        let Some(sid) = q.session() else {
            let handshake = HandshakeQuery {
                eio4: q.eio().as_deref() == Some("4"),
                eio3: q.eio().as_deref() == Some("3"),
                b64: q.b64(),
                jsonp: q.jsonp().map(|j| j.into_owned()),
            };
            return self.handshake(now, conn, req, transport, handshake);
        };
        let Some(sid) = sid.filter(|s| self.sessions.contains_key(s)) else {
            return self.error(conn, &req, ErrorCode::UnknownSid, None);
        };
        if req.websocket {
            if transport != Transport::WebSocket {
                return self.error(conn, &req, ErrorCode::BadRequest, None);
            }
            return self.start_upgrade(now, conn, sid, req);
        }
        let session = &self.sessions[&sid];
        if session.transport != transport {
            return self.error(conn, &req, ErrorCode::BadRequest, None);
        }
        let jsonp = q.jsonp();
        match req.method {
            Method::Get => self.poll_get(conn, sid, &req, jsonp),
            Method::Post => self.poll_post(conn, sid, &req, jsonp.is_some()),
            _ => self.error(conn, &req, ErrorCode::BadRequest, None),
        }
    }

    fn handshake(
        &mut self,
        now: Instant,
        conn: ConnId,
        req: HttpRequest,
        transport: Transport,
        q: HandshakeQuery,
    ) {
        if req.method != Method::Get {
            return self.error(conn, &req, ErrorCode::BadHandshakeMethod, None);
        }
        if req.websocket != (transport == Transport::WebSocket) {
            return self.error(conn, &req, ErrorCode::BadRequest, None);
        }
        if let Some(allow) = &self.config.allow_request {
            if let Err(msg) = allow(&req) {
                return self.error(conn, &req, ErrorCode::Forbidden, Some(&msg));
            }
        }
        let eio3 = match (q.eio4, q.eio3 && self.config.allow_eio3) {
            (true, _) => None,
            (false, true) if q.b64 || q.jsonp.is_some() => Some(BinaryMode::Base64),
            (false, true) => Some(BinaryMode::Framed),
            (false, false) => {
                return self.error(conn, &req, ErrorCode::UnsupportedProtocolVersion, None);
            }
        };
        if self.sessions.len() >= self.config.max_sessions {
            let res = HttpResponse::new(503, "text/plain; charset=UTF-8", "server full");
            return self.respond(conn, req.header("origin"), res);
        }
        let sid = self.ids.sid();
        let open = self.open_packet(sid, transport, eio3.is_some());
        // v4: the first server ping; v3: the client must ping by then.
        let deadline = match eio3 {
            None => now + self.config.ping_interval,
            Some(_) => now + self.config.ping_interval + self.config.ping_timeout,
        };
        let mut extra_headers = Vec::new();
        if let Some(c) = &self.config.cookie {
            let mut cookie = format!("{}={}; Path={}", c.name, sid, c.path);
            if c.http_only {
                cookie.push_str("; HttpOnly");
            }
            cookie.push_str("; SameSite=");
            cookie.push_str(&c.same_site);
            extra_headers.push(("set-cookie", cookie.into()));
        }
        let origin = req.header("origin").map(str::to_owned);
        let encoding = self.encoding_for(&req);
        let deflate = self.deflate_for(&req);
        let jsonp = q.jsonp;
        self.sessions.insert(
            sid,
            Box::new(Session {
                transport,
                ws: None,
                pending_get: None,
                post: None,
                queue: Default::default(),
                queued_bytes: 0,
                flush_scheduled: false,
                upgrade: None,
                heartbeat: Heartbeat {
                    deadline,
                    // v3: the server never pings, it only waits.
                    awaiting_pong: eio3.is_some(),
                },
                eio3,
                handshake: req.into_handshake(),
                flush_waits: Vec::new(),
            }),
        );
        self.timers
            .push(Reverse((deadline, TimerKind::Heartbeat, sid)));
        match transport {
            Transport::WebSocket => {
                let mut res = HttpResponse::empty(101);
                cors::apply(self.config.cors.as_ref(), origin.as_deref(), &mut res);
                res.headers.extend(extra_headers);
                let v3 = eio3.is_some();
                self.conns.insert(conn, ConnRole::Ws { sid, v3 });
                let session = self.sessions.get_mut(&sid).expect("just inserted");
                session.ws = Some(conn);
                self.outputs
                    .push_back(self.ws_accept(conn, res.headers, deflate));
                self.emit(EngineEvent::Open { sid, transport });
                self.send_packet(sid, open);
            }
            Transport::Polling => {
                self.emit(EngineEvent::Open { sid, transport });
                // Nothing else can be queued yet: answer with the open packet.
                let mut res =
                    self.payload_response(&[open.encode_ws()], jsonp.as_deref(), eio3, encoding);
                res.headers.extend(extra_headers);
                self.respond(conn, origin.as_deref(), res);
            }
        }
    }

    /// The `open` packet for a new session, keys in the reference's order.
    fn open_packet(&self, sid: Sid, transport: Transport, eio3: bool) -> Packet {
        let tail =
            &self.open_tails[usize::from(eio3)][usize::from(transport == Transport::WebSocket)];
        let mut json = String::with_capacity(9 + sid.as_str().len() + tail.len());
        json.push_str(r#"{"sid":""#);
        json.push_str(sid.as_str());
        json.push_str(tail);
        Packet::Open(json.into())
    }

    /// Sends an already encoded packet: a text frame is a whole Engine.IO
    /// text packet (`4hello`, type digit included), a binary frame a binary
    /// message's data. The bytes are shared, not copied: a broadcast hands
    /// every recipient the same frame. `Err` for an unknown session or a
    /// text frame that is not a packet (not UTF-8, or no type digit).
    pub fn send_frame(&mut self, sid: Sid, frame: WsFrame) -> Result<(), EngineError> {
        if !self.sessions.contains_key(&sid) {
            return Err(EngineError::UnknownSession(sid));
        }
        if !is_valid_frame(&frame) {
            return Err(EngineError::InvalidFrame);
        }
        self.send_frame_unchecked(sid, frame);
        Ok(())
    }

    /// Queues or sends a packet on the session's current transport.
    pub(crate) fn send_packet(&mut self, sid: Sid, packet: Packet) {
        self.send_frame_unchecked(sid, packet.encode_ws());
    }

    /// [`Engine::send_frame`] for frames known to be well formed (built by
    /// the core itself).
    pub(crate) fn send_frame_unchecked(&mut self, sid: Sid, frame: WsFrame) {
        let Some(session) = self.sessions.get_mut(&sid) else {
            return;
        };
        count_sent(&mut self.sent, &frame);
        if let Some(conn) = session.ws {
            let frame = match session.eio3 {
                Some(mode) => super::payload_v3::encode_ws(&frame, mode),
                None => frame,
            };
            self.outputs.push_back(Output::WsSend { conn, frame });
            return;
        }
        self.queue_polling(sid, frame);
    }

    /// [`Engine::send_frame_unchecked`] of one frame to several sessions:
    /// those on WebSocket get it in one [`Output::WsSendMany`] (each
    /// session's frames still go out in the order they were sent).
    pub(crate) fn send_frame_to_many(
        &mut self,
        sids: impl IntoIterator<Item = Sid>,
        frame: &WsFrame,
    ) {
        let mut conns = Vec::new();
        // The frame in each v3 form, made once for all v3 recipients.
        let mut v3_forms: [Option<WsFrame>; 2] = [None, None];
        for sid in sids {
            let Some(session) = self.sessions.get(&sid) else {
                continue;
            };
            count_sent(&mut self.sent, frame);
            match (session.ws, session.eio3) {
                (Some(conn), None) => conns.push(conn),
                // Binary data has another form for v3 clients: they get
                // their own frame.
                (Some(conn), Some(mode)) => {
                    let form = v3_forms[usize::from(mode == BinaryMode::Base64)]
                        .get_or_insert_with(|| super::payload_v3::encode_ws(frame, mode))
                        .clone();
                    self.outputs.push_back(Output::WsSend { conn, frame: form });
                }
                (None, _) => self.queue_polling(sid, frame.clone()),
            }
        }
        match conns.len() {
            0 => {}
            1 => self.outputs.push_back(Output::WsSend {
                conn: conns[0],
                frame: frame.clone(),
            }),
            _ => self.outputs.push_back(Output::WsSendMany {
                conns,
                frame: frame.clone(),
            }),
        }
    }

    /// Queues `frame` for the next long-poll of polling session `sid`.
    fn queue_polling(&mut self, sid: Sid, frame: WsFrame) {
        let Some(session) = self.sessions.get_mut(&sid) else {
            return;
        };
        session.queued_bytes += super::session::frame_size(&frame);
        session.queue.push_back(frame);
        if session.queue.len() > self.config.max_queued_packets
            || session.queued_bytes > self.config.max_queued_bytes
        {
            if session.pending_get.is_some() {
                // The client is waiting (the queue is only flushed lazily,
                // in `poll_output`): hand it the queue now rather than close
                // a session that keeps up.
                return self.flush_session(sid);
            }
            self.close_session(sid, CloseReason::BufferFull);
            return;
        }
        if session.pending_get.is_some() && !session.flush_scheduled {
            session.flush_scheduled = true;
            self.to_flush.push(sid);
        }
    }

    /// Ends a session: answers or closes its connections, emits `Close`.
    pub(crate) fn close_session(&mut self, sid: Sid, reason: CloseReason) {
        self.answer_flush_waits(sid, false);
        let Some(mut session) = self.sessions.remove(&sid) else {
            return;
        };
        for conn in session.conns() {
            self.conns.remove(&conn);
        }
        self.sessions.shrink_if_sparse();
        self.conns.shrink_if_sparse();
        if let Some(get) = session.pending_get.take() {
            // As the reference: a close the client asked for (its close
            // packet) releases the held GET with a noop; any other end is
            // told with a close packet.
            let packet = match reason {
                CloseReason::TransportClose => Packet::Noop,
                _ => Packet::Close,
            };
            let frames = [packet.encode_ws()];
            let res =
                self.payload_response(&frames, get.jsonp.as_deref(), session.eio3, get.encoding);
            self.respond(get.conn, get.origin.as_deref(), res);
        }
        if let Some(post) = session.post.take() {
            let res = ErrorCode::BadRequest.response(None);
            self.respond(post.conn, post.origin.as_deref(), res);
        }
        if let Some(conn) = session.ws {
            let code = match reason {
                CloseReason::ParseError | CloseReason::TransportError => 1002,
                CloseReason::ServerShutdown => 1001,
                _ => 1000,
            };
            self.outputs.push_back(Output::WsClose { conn, code });
        }
        if let Some(up) = session.upgrade.take() {
            self.outputs.push_back(Output::WsClose {
                conn: up.conn,
                code: 1000,
            });
        }
        self.emit(EngineEvent::Close { sid, reason });
    }

    fn on_conn_closed(&mut self, conn: ConnId) {
        match self.conns.remove(&conn) {
            Some(ConnRole::Get(sid)) | Some(ConnRole::Post(sid)) => {
                // As the reference: a poll or data request closed before its
                // response ends the session.
                if let Some(s) = self.sessions.get_mut(&sid) {
                    if s.pending_get.as_ref().is_some_and(|g| g.conn == conn) {
                        s.pending_get = None;
                    }
                    if s.post.as_ref().is_some_and(|p| p.conn == conn) {
                        s.post = None;
                    }
                }
                self.close_session(sid, CloseReason::TransportError);
            }
            Some(ConnRole::Ws { sid, .. }) => {
                if let Some(s) = self.sessions.get_mut(&sid) {
                    s.ws = None;
                }
                self.close_session(sid, CloseReason::TransportClose);
            }
            Some(ConnRole::Upgrading(sid)) => {
                if let Some(s) = self.sessions.get_mut(&sid) {
                    s.upgrade = None;
                }
            }
            None => {}
        }
    }

    /// Handles a packet received on a session's current transport.
    pub(crate) fn on_packet(&mut self, now: Instant, sid: Sid, packet: Packet) {
        let Some(session) = self.sessions.get_mut(&sid) else {
            return;
        };
        match packet {
            Packet::Message(msg) => self.emit(EngineEvent::Message { sid, msg }),
            Packet::Ping(_) if session.eio3.is_some() => {
                // v3: the client pings; answer, and wait for the next one.
                let deadline = now + self.config.ping_interval + self.config.ping_timeout;
                session.heartbeat.deadline = deadline;
                self.timers
                    .push(Reverse((deadline, TimerKind::Heartbeat, sid)));
                self.send_frame_unchecked(sid, WsFrame::Text(bytes::Bytes::from_static(b"3")));
            }
            Packet::Pong(_) if session.eio3.is_some() => {
                self.fault(sid, "pong from a v3 client", CloseReason::TransportError)
            }
            Packet::Pong(_) => {
                session.heartbeat.awaiting_pong = false;
                let deadline = now + self.config.ping_interval;
                session.heartbeat.deadline = deadline;
                self.timers
                    .push(Reverse((deadline, TimerKind::Heartbeat, sid)));
            }
            Packet::Close => self.close_session(sid, CloseReason::TransportClose),
            // v4 pings go from server to client only; an `open` from a client
            // makes no sense either.
            Packet::Ping(_) => self.fault(sid, "ping from the client", CloseReason::TransportError),
            Packet::Open(_) => self.fault(sid, "open from the client", CloseReason::TransportError),
            Packet::Upgrade | Packet::Noop => {}
        }
    }
}
