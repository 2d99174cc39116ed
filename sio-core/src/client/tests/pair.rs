//! [`Pair`]: a client role and a server role of this crate, wired together
//! in memory with a virtual clock (quinn-proto's `Pair`). The client's
//! requests become server requests (with their bodies fed when the
//! server asks), the server's responses the client's responses; a
//! WebSocket the client opens is an upgrade request, accepted or refused
//! by the server; frames go both ways at once. Time moves only through
//! [`Pair::advance`], which jumps from deadline to deadline of either side.

use crate::client::{ClientInput, ClientMethod, ClientOutput, ClientProtocol};
use crate::http::{HttpRequest, Method};
use crate::{ConnId, Input, Output, Protocol};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// What a server connection is, from the client's side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Link {
    /// An HTTP exchange answering client request `ConnId`.
    Http(ConnId),
    /// A WebSocket asked for by the client, not accepted yet.
    WsPending(ConnId),
    /// An open WebSocket.
    Ws(ConnId),
}

/// A client and a server, talking in memory.
pub(crate) struct Pair<C: ClientProtocol, S: Protocol>
where
    C::Event: std::fmt::Debug,
{
    pub client: C,
    pub server: S,
    pub t0: Instant,
    pub now: Instant,
    /// Server connection id -> what it is.
    links: BTreeMap<ConnId, Link>,
    /// Client connection id -> server connection id.
    by_client: BTreeMap<ConnId, ConnId>,
    next_server_conn: u64,
    /// The client's events, in order, not yet taken.
    pub client_events: Vec<C::Event>,
    /// The server's events, in order, not yet taken.
    pub server_events: Vec<S::Event>,
    /// Every request the client sent (method, path and query, body).
    pub requests: Vec<(ClientMethod, String, Vec<u8>)>,
    /// Every WebSocket the client asked for (path and query).
    pub ws_opens: Vec<String>,
    /// Client frames and server frames, as text (binary as `<bin N>`).
    pub client_frames: Vec<String>,
    pub server_frames: Vec<String>,
    /// Every client output in order, as text: `GET <path>`, `POST <body>`,
    /// `WS <frame>` (binary as `<bin N>`), `OPEN`, `ABORT`, `CLOSE`, and
    /// `EVENT <debug>` for events (which also go to `client_events`).
    pub client_log: Vec<String>,
    /// While set, nothing the server sends reaches the client (a dead link).
    pub server_silent: bool,
    /// Client HTTP requests aborted.
    pub aborts: usize,
    /// POST bodies not asked for yet, by server connection.
    pending_bodies: Vec<(ConnId, bytes::Bytes)>,
    /// Bodies the server asked for and has not got yet.
    asked: Vec<(ConnId, usize)>,
}

impl<C: ClientProtocol, S: Protocol> Pair<C, S>
where
    C::Event: std::fmt::Debug,
{
    pub fn new(client: C, server: S) -> Self {
        let t0 = Instant::now();
        Pair {
            client,
            server,
            t0,
            now: t0,
            links: BTreeMap::new(),
            by_client: BTreeMap::new(),
            next_server_conn: 1000,
            client_events: Vec::new(),
            server_events: Vec::new(),
            requests: Vec::new(),
            ws_opens: Vec::new(),
            client_frames: Vec::new(),
            server_frames: Vec::new(),
            client_log: Vec::new(),
            server_silent: false,
            aborts: 0,
            pending_bodies: Vec::new(),
            asked: Vec::new(),
        }
    }

    /// Time since the start.
    pub fn elapsed(&self) -> Duration {
        self.now - self.t0
    }

    /// Runs both sides until neither has anything more to say.
    pub fn drive(&mut self) {
        loop {
            let mut progress = false;
            while let Some(out) = self.client.poll_output() {
                progress = true;
                self.on_client_output(out);
            }
            while let Some(out) = self.server.poll_output() {
                progress = true;
                self.on_server_output(out);
            }
            if !progress {
                return;
            }
        }
    }

    /// Moves the clock forward by `d`, firing every deadline on the way.
    pub fn advance(&mut self, d: Duration) {
        let end = self.now + d;
        self.drive();
        loop {
            let next = [self.client.poll_timeout(), self.server.poll_timeout()]
                .into_iter()
                .flatten()
                .min();
            match next {
                Some(t) if t <= end => {
                    self.now = self.now.max(t);
                    self.client.handle_timeout(self.now);
                    self.server.handle_timeout(self.now);
                    self.drive();
                }
                _ => break,
            }
        }
        self.now = end;
        self.client.handle_timeout(self.now);
        self.server.handle_timeout(self.now);
        self.drive();
    }

    /// Advances in steps of `step` until `pred` holds on the client's
    /// events seen so far, for at most `limit`; true if it held.
    pub fn advance_until(
        &mut self,
        limit: Duration,
        step: Duration,
        mut pred: impl FnMut(&[C::Event]) -> bool,
    ) -> bool {
        let end = self.now + limit;
        self.drive();
        while !pred(&self.client_events) {
            if self.now >= end {
                return false;
            }
            self.advance(step);
        }
        true
    }

    fn server_conn(&mut self) -> ConnId {
        let id = ConnId(self.next_server_conn);
        self.next_server_conn += 1;
        id
    }

    fn feed_client(&mut self, input: ClientInput) {
        self.client.handle(self.now, input);
    }

    fn feed_server(&mut self, input: Input) {
        self.server.handle(self.now, input);
    }

    fn on_client_output(&mut self, out: ClientOutput<C::Event>) {
        self.client_log.push(match &out {
            ClientOutput::HttpRequest { req, .. } => match req.method {
                ClientMethod::Get => format!("GET {}", req.path_and_query),
                ClientMethod::Post => format!("POST {}", String::from_utf8_lossy(&req.body)),
            },
            ClientOutput::HttpAbort { .. } => "ABORT".to_owned(),
            ClientOutput::WsOpen { .. } => "OPEN".to_owned(),
            ClientOutput::WsSend { frame, .. } => format!("WS {}", frame_text(frame)),
            ClientOutput::WsClose { .. } => "CLOSE".to_owned(),
            ClientOutput::Event(ev) => format!("EVENT {ev:?}"),
        });
        match out {
            ClientOutput::HttpRequest { conn, req } => {
                self.requests
                    .push((req.method, req.path_and_query.clone(), req.body.to_vec()));
                let sc = self.server_conn();
                self.links.insert(sc, Link::Http(conn));
                self.by_client.insert(conn, sc);
                let (path, query) = req
                    .path_and_query
                    .split_once('?')
                    .unwrap_or((&req.path_and_query, ""));
                let method = match req.method {
                    ClientMethod::Get => Method::Get,
                    ClientMethod::Post => Method::Post,
                };
                let mut headers = req.headers.clone();
                headers.push(("Content-Length".into(), req.body.len().to_string()));
                let http = HttpRequest::from_parts(
                    method,
                    path,
                    query,
                    || headers.iter().map(|(n, v)| (n.as_str(), v.as_bytes())),
                    false,
                    |_| {},
                );
                self.feed_server(Input::HttpRequest {
                    conn: sc,
                    req: http,
                });
                if req.method == ClientMethod::Post {
                    self.pending_bodies.push((sc, req.body));
                }
                self.feed_bodies();
            }
            ClientOutput::HttpAbort { conn } => {
                self.aborts += 1;
                if let Some(sc) = self.by_client.remove(&conn)
                    && self.links.remove(&sc).is_some()
                {
                    self.feed_server(Input::ConnClosed { conn: sc });
                }
            }
            ClientOutput::WsOpen {
                conn,
                path_and_query,
                headers,
            } => {
                self.ws_opens.push(path_and_query.clone());
                let sc = self.server_conn();
                self.links.insert(sc, Link::WsPending(conn));
                self.by_client.insert(conn, sc);
                let (path, query) = path_and_query
                    .split_once('?')
                    .unwrap_or((&path_and_query, ""));
                let http = HttpRequest::from_parts(
                    Method::Get,
                    path,
                    query,
                    || headers.iter().map(|(n, v)| (n.as_str(), v.as_bytes())),
                    true,
                    |_| {},
                );
                self.feed_server(Input::HttpRequest {
                    conn: sc,
                    req: http,
                });
            }
            ClientOutput::WsSend { conn, frame } => {
                self.client_frames.push(frame_text(&frame));
                if let Some(&sc) = self.by_client.get(&conn)
                    && self.links.get(&sc) == Some(&Link::Ws(conn))
                {
                    self.feed_server(Input::WsFrame { conn: sc, frame });
                }
            }
            ClientOutput::WsClose { conn, .. } => {
                if let Some(sc) = self.by_client.remove(&conn)
                    && self.links.remove(&sc).is_some()
                {
                    self.feed_server(Input::ConnClosed { conn: sc });
                }
            }
            ClientOutput::Event(ev) => self.client_events.push(ev),
        }
    }

    fn on_server_output(&mut self, out: Output<S::Event>) {
        if self.server_silent {
            if let Output::Event(ev) = out {
                self.server_events.push(ev);
            }
            return;
        }
        match out {
            Output::HttpResponse { conn, res } => match self.links.remove(&conn) {
                Some(Link::Http(cc)) => {
                    self.by_client.remove(&cc);
                    self.feed_client(ClientInput::HttpResponse {
                        conn: cc,
                        status: res.status,
                        body: res.body,
                    });
                }
                Some(Link::WsPending(cc)) | Some(Link::Ws(cc)) => {
                    self.by_client.remove(&cc);
                    self.feed_client(ClientInput::WsClosed {
                        conn: cc,
                        error: format!("refused with HTTP {}", res.status),
                    });
                }
                None => {}
            },
            Output::ReadBody { .. } => self.feed_bodies_asked(out),
            Output::WsAccept { conn, .. } => {
                if let Some(Link::WsPending(cc)) = self.links.get(&conn).copied() {
                    self.links.insert(conn, Link::Ws(cc));
                    self.feed_client(ClientInput::WsOpened { conn: cc });
                }
            }
            Output::WsSend { conn, frame } => self.ws_to_client(conn, frame),
            Output::WsSendMany { conns, frame } => {
                for conn in conns {
                    self.ws_to_client(conn, frame.clone());
                }
            }
            Output::WsFlushMark { conn, mark } => {
                self.feed_server(Input::WsFlushed { conn, mark });
            }
            Output::WsClose { conn, .. } => {
                if let Some(Link::Ws(cc)) | Some(Link::WsPending(cc)) = self.links.remove(&conn) {
                    self.by_client.remove(&cc);
                    self.feed_client(ClientInput::WsClosed {
                        conn: cc,
                        error: "closed by the server".into(),
                    });
                }
            }
            Output::Event(ev) => self.server_events.push(ev),
            Output::Bus(_) => unreachable!("no cluster in these tests"),
        }
    }

    fn ws_to_client(&mut self, conn: ConnId, frame: crate::engine::WsFrame) {
        if let Some(Link::Ws(cc)) = self.links.get(&conn).copied() {
            self.server_frames.push(frame_text(&frame));
            self.feed_client(ClientInput::WsFrame { conn: cc, frame });
        }
    }

    /// The server asked for a body: give the one its POST carried.
    fn feed_bodies_asked(&mut self, out: Output<S::Event>) {
        let Output::ReadBody { conn, limit } = out else {
            return;
        };
        self.asked.push((conn, limit));
        self.feed_bodies();
    }

    fn feed_bodies(&mut self) {
        let asked = std::mem::take(&mut self.asked);
        for (conn, limit) in asked {
            match self.pending_bodies.iter().position(|(c, _)| *c == conn) {
                Some(i) => {
                    let (_, body) = self.pending_bodies.remove(i);
                    if body.len() > limit {
                        self.feed_server(Input::HttpBodyTooLarge { conn });
                    } else {
                        self.feed_server(Input::HttpBody { conn, body });
                    }
                }
                None => self.asked.push((conn, limit)),
            }
        }
    }

    /// The client's transport dies without a word (a cut cable): every
    /// link is forgotten, the server is told the connections closed, the
    /// client is told nothing.
    pub fn cut(&mut self) {
        let links = std::mem::take(&mut self.links);
        self.by_client.clear();
        for sc in links.keys() {
            self.feed_server(Input::ConnClosed { conn: *sc });
        }
        self.drive();
    }

    /// The network drops: both sides see their connections close.
    pub fn drop_links(&mut self) {
        let links = std::mem::take(&mut self.links);
        self.by_client.clear();
        for (sc, link) in links {
            self.feed_server(Input::ConnClosed { conn: sc });
            match link {
                Link::Http(cc) => self.feed_client(ClientInput::HttpFailed {
                    conn: cc,
                    error: "connection reset".into(),
                }),
                Link::Ws(cc) | Link::WsPending(cc) => self.feed_client(ClientInput::WsClosed {
                    conn: cc,
                    error: "connection reset".into(),
                }),
            }
        }
        self.drive();
    }

    /// Takes the client's events so far.
    pub fn take_client_events(&mut self) -> Vec<C::Event> {
        self.drive();
        std::mem::take(&mut self.client_events)
    }

    /// Takes the server's events so far.
    pub fn take_server_events(&mut self) -> Vec<S::Event> {
        self.drive();
        std::mem::take(&mut self.server_events)
    }
}

/// A frame as text for assertions (binary as `<bin N>`).
pub(crate) fn frame_text(frame: &crate::engine::WsFrame) -> String {
    match frame {
        crate::engine::WsFrame::Text(t) => String::from_utf8_lossy(t).into_owned(),
        crate::engine::WsFrame::Binary(b) => format!("<bin {}>", b.len()),
    }
}
