//! [`EngineClient`]: one Engine.IO v4 client connection (handshake over
//! polling or WebSocket, upgrade with probe, heartbeat, batching, close).
//!
//! This file holds the state, the application's calls, the timers and the
//! closing; `polling.rs` the HTTP side (handshake, long-poll, POST
//! batches), `websocket.rs` the WebSocket side (WebSocket-only
//! connections, the upgrade probe, the switch).

use super::config::{ClientTransports, EngineClientConfig};
use super::contract::{ClientInput, ClientOutput, ClientProtocol};
use super::event::{EngineClientEvent, EngineCloseReason, Handshake};
use super::url::{self, Kind};
use crate::ConnId;
use crate::engine::{Message, Packet};
use bytes::Bytes;
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Where a connection is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    /// Made, not opened.
    Idle,
    /// Waiting for the handshake.
    Opening,
    /// The handshake is done.
    Open,
    /// Closed by [`EngineClient::close`] while a POST was in flight: the
    /// last POST (queued packets and the close packet) waits for it. The
    /// application has been told already.
    Closing,
    /// Closed for good.
    Closed,
}

/// The transport carrying the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Transport {
    /// HTTP long-polling.
    Polling,
    /// A WebSocket; `opened` once the adapter said so.
    Ws { conn: ConnId, opened: bool },
    /// None any more (closed).
    Gone,
}

/// A WebSocket probing for an upgrade.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Probe {
    pub(crate) conn: ConnId,
    /// The `3probe` came back: polling pauses (the official `upgrading`).
    pub(crate) probed: bool,
}

/// One Engine.IO client connection. Made closed; [`EngineClient::open`]
/// starts the handshake. Once closed (an [`EngineClientEvent::Close`]) it
/// stays closed: a reconnection is a new `EngineClient`.
#[derive(Debug)]
pub struct EngineClient {
    pub(crate) config: EngineClientConfig,
    pub(crate) state: State,
    pub(crate) transport: Transport,
    /// The latest time seen.
    now: Option<Instant>,
    /// The next connection id to hand out.
    pub(crate) next_conn: u64,
    pub(crate) handshake: Option<Handshake>,
    /// The GET in flight (the handshake, then the long-poll).
    pub(crate) get: Option<ConnId>,
    /// The POST in flight.
    pub(crate) post: Option<ConnId>,
    /// Packets waiting for the transport (the official `writeBuffer`).
    pub(crate) buffer: VecDeque<Packet>,
    pub(crate) probe: Option<Probe>,
    connect_deadline: Option<Instant>,
    ping_deadline: Option<Instant>,
    pub(crate) outputs: VecDeque<ClientOutput<EngineClientEvent>>,
}

impl EngineClient {
    /// A connection with these options; nothing is sent before `open`.
    pub fn new(config: EngineClientConfig) -> EngineClient {
        EngineClient::with_first_conn(config, 1)
    }

    /// A connection whose connection ids start at `first` (a client that
    /// makes one connection after another keeps its ids fresh).
    pub(crate) fn with_first_conn(config: EngineClientConfig, first: u64) -> EngineClient {
        EngineClient {
            config,
            state: State::Idle,
            transport: Transport::Polling,
            now: None,
            next_conn: first,
            handshake: None,
            get: None,
            post: None,
            buffer: VecDeque::new(),
            probe: None,
            connect_deadline: None,
            ping_deadline: None,
            outputs: VecDeque::new(),
        }
    }

    /// Starts the handshake (a polling GET, or a WebSocket). Does nothing
    /// unless the connection is new.
    pub fn open(&mut self, now: Instant) {
        let now = self.touch(now);
        if self.state != State::Idle {
            return;
        }
        self.state = State::Opening;
        self.connect_deadline = Some(now + self.config.connect_timeout);
        match self.config.transports {
            ClientTransports::WebSocket => {
                let conn = self.conn();
                self.transport = Transport::Ws {
                    conn,
                    opened: false,
                };
                self.ws_open(conn, None);
            }
            ClientTransports::Polling | ClientTransports::Upgrade => {
                self.transport = Transport::Polling;
                self.poll();
            }
        }
    }

    /// Queues a message. Sent at once when the transport can take it,
    /// batched into the next POST on polling, held during an upgrade.
    /// Messages sent before the handshake wait for it. When the heartbeat's
    /// deadline has passed already (the timer came late), the connection
    /// closes with `PingTimeout` instead, as the official client checks at
    /// send time.
    pub fn send(&mut self, now: Instant, msg: Message) {
        let now = self.touch(now);
        match self.state {
            State::Closing | State::Closed => {}
            State::Idle | State::Opening => self.buffer.push_back(Packet::Message(msg)),
            State::Open => {
                self.buffer.push_back(Packet::Message(msg));
                if self.has_ping_expired(now) {
                    self.close_with(EngineCloseReason::PingTimeout);
                } else {
                    self.flush();
                }
            }
        }
    }

    /// True when a message sent now would go out without waiting (open, not
    /// upgrading, no POST in flight): the test of a volatile emit.
    pub fn is_writable(&self) -> bool {
        self.state == State::Open
            && !self.paused()
            && match self.transport {
                Transport::Polling => self.post.is_none(),
                Transport::Ws { .. } => true,
                Transport::Gone => false,
            }
    }

    /// True once the handshake is done and until the connection closes.
    pub fn is_open(&self) -> bool {
        self.state == State::Open
    }

    /// True once the connection has closed (or is closing after
    /// [`EngineClient::close`]): it will not open again.
    pub fn is_closed(&self) -> bool {
        matches!(self.state, State::Closing | State::Closed)
    }

    /// True when the connection runs on a WebSocket (from the start, or
    /// since its upgrade).
    pub fn is_websocket(&self) -> bool {
        matches!(self.transport, Transport::Ws { .. })
    }

    /// The handshake's values, once it is done.
    pub fn handshake(&self) -> Option<&Handshake> {
        self.handshake.as_ref()
    }

    /// True when the heartbeat's deadline has passed at `now` (the
    /// official `_hasPingExpired`): a send now closes the connection.
    pub fn has_ping_expired(&self, now: Instant) -> bool {
        self.state == State::Open && self.ping_deadline.is_some_and(|d| d <= now)
    }

    /// Closes the connection: sends what is queued and a close packet,
    /// then [`EngineClientEvent::Close`] with `ForcedClose`. A long-poll
    /// still held is aborted ([`ClientOutput::HttpAbort`]).
    pub fn close(&mut self, now: Instant) {
        self.touch(now);
        match self.state {
            State::Idle => self.state = State::Closed,
            State::Closing | State::Closed => {}
            State::Opening => self.close_with(EngineCloseReason::ForcedClose),
            State::Open => {
                self.buffer.push_back(Packet::Close);
                if let Some(probe) = self.probe.take() {
                    self.outputs.push_back(ClientOutput::WsClose {
                        conn: probe.conn,
                        code: 1000,
                    });
                }
                self.connect_deadline = None;
                self.ping_deadline = None;
                match self.transport {
                    Transport::Ws { conn, .. } => {
                        self.send_ws_buffer(conn);
                        self.outputs
                            .push_back(ClientOutput::WsClose { conn, code: 1000 });
                        self.transport = Transport::Gone;
                        self.state = State::Closed;
                    }
                    Transport::Polling | Transport::Gone => {
                        // The last POST (the close packet) is asked for
                        // before the held GET's abort: an abort never
                        // overtakes earlier requests (see HttpAbort).
                        if self.post.is_some() {
                            // The GET is aborted after the last POST, once
                            // the POST in flight is answered.
                            self.state = State::Closing;
                        } else {
                            self.post_final();
                            self.state = State::Closed;
                            if let Some(conn) = self.get.take() {
                                self.outputs.push_back(ClientOutput::HttpAbort { conn });
                            }
                        }
                    }
                }
                self.outputs
                    .push_back(ClientOutput::Event(EngineClientEvent::Close(
                        EngineCloseReason::ForcedClose,
                    )));
            }
        }
    }

    /// The latest time, with `now` taken in (time never goes back).
    pub(crate) fn touch(&mut self, now: Instant) -> Instant {
        let now = self.now.map_or(now, |t| t.max(now));
        self.now = Some(now);
        now
    }

    /// A fresh connection id.
    pub(crate) fn conn(&mut self) -> ConnId {
        let id = ConnId(self.next_conn);
        self.next_conn += 1;
        id
    }

    /// The first connection id a following connection may use.
    pub(crate) fn next_conn_id(&self) -> u64 {
        self.next_conn
    }

    /// True while polling is paused for an upgrade (after `3probe`).
    pub(crate) fn paused(&self) -> bool {
        self.probe.is_some_and(|p| p.probed)
    }

    /// The sid for requests, once the handshake gave it.
    pub(crate) fn sid(&self) -> Option<&str> {
        self.handshake.as_ref().map(|h| h.sid.as_str())
    }

    /// Asks for a WebSocket (the connection's, or the upgrade's probe).
    pub(crate) fn ws_open(&mut self, conn: ConnId, sid: Option<String>) {
        let path_and_query =
            url::path_and_query(&self.config, Kind::WebSocket, None, sid.as_deref());
        self.outputs.push_back(ClientOutput::WsOpen {
            conn,
            path_and_query,
            headers: self.config.extra_headers.clone(),
        });
    }

    /// The handshake's open packet: parses it and opens the connection.
    pub(crate) fn on_open_packet(&mut self, data: &Bytes) {
        let handshake = match parse_handshake(data) {
            Ok(h) => h,
            Err(e) => return self.close_with(EngineCloseReason::ParseError(e)),
        };
        let now = self.now.expect("an input brought the time in");
        self.state = State::Open;
        self.connect_deadline = None;
        self.ping_deadline = Some(now + handshake.ping_interval + handshake.ping_timeout);
        let probe = self.config.transports == ClientTransports::Upgrade
            && self.transport == Transport::Polling
            && handshake.upgrades.iter().any(|u| u == "websocket");
        let sid = handshake.sid.clone();
        self.handshake = Some(handshake.clone());
        self.outputs
            .push_back(ClientOutput::Event(EngineClientEvent::Open(handshake)));
        self.flush();
        if probe {
            let conn = self.conn();
            self.probe = Some(Probe {
                conn,
                probed: false,
            });
            self.ws_open(conn, Some(sid));
        }
    }

    /// One packet from the server on an open connection.
    pub(crate) fn on_packet(&mut self, packet: Packet) {
        match packet {
            Packet::Close => self.close_with(EngineCloseReason::TransportClose),
            Packet::Ping(_) => {
                let now = self.now.expect("an input brought the time in");
                if let Some(h) = &self.handshake {
                    self.ping_deadline = Some(now + h.ping_interval + h.ping_timeout);
                }
                self.buffer.push_back(Packet::Pong(Bytes::new()));
                self.flush();
                self.outputs
                    .push_back(ClientOutput::Event(EngineClientEvent::Ping));
            }
            Packet::Message(msg) => self
                .outputs
                .push_back(ClientOutput::Event(EngineClientEvent::Message(msg))),
            // A second open, a pong, an upgrade or a noop: nothing to do.
            _ => {}
        }
    }

    /// Sends what is queued, if the transport can take it now.
    pub(crate) fn flush(&mut self) {
        if self.state != State::Open || self.paused() || self.buffer.is_empty() {
            return;
        }
        match self.transport {
            Transport::Ws { conn, opened: true } => self.send_ws_buffer(conn),
            Transport::Polling if self.post.is_none() => self.post_batch(),
            _ => {}
        }
    }

    /// Writes the whole buffer on WebSocket `conn`.
    fn send_ws_buffer(&mut self, conn: ConnId) {
        for packet in self.buffer.drain(..) {
            self.outputs.push_back(ClientOutput::WsSend {
                conn,
                frame: packet.encode_ws(),
            });
        }
    }

    /// Closes for `reason`: stops every request and WebSocket, tells the
    /// application (unless it was told at [`EngineClient::close`]).
    pub(crate) fn close_with(&mut self, reason: EngineCloseReason) {
        let told = match self.state {
            State::Closed => return,
            State::Closing => true,
            State::Idle | State::Opening | State::Open => false,
        };
        if let Some(conn) = self.get.take() {
            self.outputs.push_back(ClientOutput::HttpAbort { conn });
        }
        if let Some(conn) = self.post.take() {
            self.outputs.push_back(ClientOutput::HttpAbort { conn });
        }
        if let Transport::Ws { conn, .. } = self.transport {
            self.outputs
                .push_back(ClientOutput::WsClose { conn, code: 1000 });
        }
        if let Some(probe) = self.probe.take() {
            self.outputs.push_back(ClientOutput::WsClose {
                conn: probe.conn,
                code: 1000,
            });
        }
        self.transport = Transport::Gone;
        self.buffer.clear();
        self.state = State::Closed;
        self.connect_deadline = None;
        self.ping_deadline = None;
        if !told {
            self.outputs
                .push_back(ClientOutput::Event(EngineClientEvent::Close(reason)));
        }
    }
}

impl ClientProtocol for EngineClient {
    type Event = EngineClientEvent;

    fn handle(&mut self, now: Instant, input: ClientInput) {
        self.touch(now);
        match input {
            ClientInput::HttpResponse { conn, status, body } => {
                if self.get == Some(conn) {
                    self.get = None;
                    self.on_get_response(status, body);
                } else if self.post == Some(conn) {
                    self.post = None;
                    self.on_post_response(status);
                }
            }
            ClientInput::HttpFailed { conn, error } => {
                if self.get == Some(conn) {
                    self.get = None;
                    self.close_with(EngineCloseReason::TransportError(format!(
                        "xhr poll error: {error}"
                    )));
                } else if self.post == Some(conn) {
                    self.post = None;
                    self.close_with(EngineCloseReason::TransportError(format!(
                        "xhr post error: {error}"
                    )));
                }
            }
            ClientInput::WsOpened { conn } => self.on_ws_opened(conn),
            ClientInput::WsFrame { conn, frame } => self.on_ws_frame(conn, frame),
            ClientInput::WsClosed { conn, error } => self.on_ws_closed(conn, error),
        }
    }

    fn handle_timeout(&mut self, now: Instant) {
        let now = self.touch(now);
        match self.state {
            State::Opening if self.connect_deadline.is_some_and(|d| d <= now) => {
                self.close_with(EngineCloseReason::Timeout);
            }
            State::Open if self.has_ping_expired(now) => {
                self.close_with(EngineCloseReason::PingTimeout);
            }
            _ => {}
        }
    }

    fn poll_output(&mut self) -> Option<ClientOutput<EngineClientEvent>> {
        self.outputs.pop_front()
    }

    fn poll_timeout(&self) -> Option<Instant> {
        match self.state {
            State::Opening => self.connect_deadline,
            State::Open => self.ping_deadline,
            _ => None,
        }
    }
}

/// The open packet's JSON, as the official client reads it: `sid` is
/// required; the heartbeat defaults to 25 s + 20 s.
fn parse_handshake(data: &[u8]) -> Result<Handshake, String> {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Open {
        sid: String,
        #[serde(default)]
        upgrades: Vec<String>,
        #[serde(default = "default_interval")]
        ping_interval: u64,
        #[serde(default = "default_timeout")]
        ping_timeout: u64,
        #[serde(default)]
        max_payload: u64,
    }
    fn default_interval() -> u64 {
        25_000
    }
    fn default_timeout() -> u64 {
        20_000
    }
    let open: Open = from_json_object(data).map_err(|e| format!("bad handshake: {e}"))?;
    Ok(Handshake {
        sid: open.sid,
        upgrades: open.upgrades,
        ping_interval: Duration::from_millis(open.ping_interval),
        ping_timeout: Duration::from_millis(open.ping_timeout),
        max_payload: usize::try_from(open.max_payload).unwrap_or(usize::MAX),
    })
}

/// A JSON object's text read into `T`. serde's derived structs also take
/// a JSON array (the fields in order): `0["E1"]` would open a session
/// `E1`, where the official client reads `data.sid` of an array as
/// `undefined`. Anything but an object is refused here.
pub(crate) fn from_json_object<T: serde::de::DeserializeOwned>(
    data: &[u8],
) -> Result<T, serde_json::Error> {
    if data.trim_ascii_start().first() != Some(&b'{') {
        return Err(serde::de::Error::custom("not a JSON object"));
    }
    serde_json::from_slice(data)
}
