//! [`SioClient`]: the Socket.IO v5 client (the official client's Manager
//! and its Sockets): namespaces multiplexed on one Engine.IO connection,
//! events, acks both ways, binary, reconnection with the official backoff,
//! connection state recovery.
//!
//! This file holds the application's calls, the engine's life and the
//! reconnection loop; `incoming.rs` what the server sends; `namespace.rs`
//! one namespace's state; `backoff.rs` the delays.

use super::backoff::{Backoff, Rng};
use super::codec::{ClientDecoder, encode_messages};
use super::config::ClientConfig;
use super::contract::{ClientInput, ClientOutput, ClientProtocol};
use super::engine::EngineClient;
use super::event::{
    AckError, AckId, ClientDisconnectReason, ClientEvent, EngineClientEvent, EngineCloseReason,
};
use super::namespace::{Buffered, Namespace, Owner, ack_deadline};
use crate::socket::{Args, Packet, PacketType, namespace_name};
use bytes::Bytes;
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Errors of the application's calls (never of the server's input).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The namespace was never opened with [`SioClient::connect`], or it
    /// was left.
    #[error("namespace {0} is not open")]
    UnknownNamespace(String),
    /// The event name is reserved (`connect`, `connect_error`,
    /// `disconnect`, `disconnecting`, `newListener`, `removeListener`).
    #[error("event name {0} is reserved")]
    ReservedEvent(String),
    /// The namespace's send buffer is full (see
    /// [`ClientConfig::max_buffered_packets`]).
    #[error("send buffer of {0} is full")]
    SendBufferFull(String),
    /// The arguments are not a JSON array.
    #[error("arguments must be a JSON array")]
    BadArgs,
    /// The client is closed for good.
    #[error("client is closed")]
    Closed,
}

/// Where an emit goes now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Route {
    /// On the wire.
    Send,
    /// Into the send buffer.
    Buffer,
    /// Nowhere (volatile).
    Discard,
}

/// How to emit: the official client's one-shot flags.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EmitOptions {
    /// Ask for an ack; the answer is a [`ClientEvent::Ack`] or
    /// [`ClientEvent::AckError`] with the returned id.
    pub ack: bool,
    /// The ack's timeout (else the config's `ack_timeout`, else none).
    pub timeout: Option<Duration>,
    /// Drop the packet unless the transport can take it now.
    pub volatile: bool,
}

/// The Socket.IO client state machine. Made idle; [`SioClient::connect`]
/// opens a namespace (and the connection, when it is the first).
///
/// One [`EngineClient`] at a time carries every namespace; a
/// reconnection makes a new one. See the [module docs](super) for the run
/// loop.
#[derive(Debug)]
pub struct SioClient {
    pub(crate) config: ClientConfig,
    rng: Rng,
    pub(crate) engine: Option<EngineClient>,
    /// The current engine reached its handshake (the Manager is "open").
    pub(crate) engine_opened: bool,
    /// The current engine's `Close` event is ours (we closed it and
    /// handled the close already).
    quiet_close: bool,
    /// The first connection id of the next engine.
    next_conn: u64,
    pub(crate) decoder: ClientDecoder,
    /// The namespaces, in the order they were opened.
    pub(crate) nsps: Vec<Namespace>,
    backoff: Backoff,
    /// Between a close and the result of the reconnection attempt.
    reconnecting: bool,
    reconnect_at: Option<Instant>,
    skip_reconnect: bool,
    closed: bool,
    now: Option<Instant>,
    pub(crate) outputs: VecDeque<ClientOutput<ClientEvent>>,
}

impl SioClient {
    /// A client with these options; `seed` feeds the backoff jitter (the
    /// adapter draws it from OS entropy; tests fix it).
    pub fn new(config: ClientConfig, seed: u64) -> SioClient {
        let backoff = Backoff::new(
            config.reconnection_delay,
            config.reconnection_delay_max,
            config.randomization_factor,
        );
        let decoder = ClientDecoder::new(config.parser, config.max_attachments);
        SioClient {
            config,
            rng: Rng::new(seed),
            engine: None,
            engine_opened: false,
            quiet_close: false,
            next_conn: 1,
            decoder,
            nsps: Vec::new(),
            backoff,
            reconnecting: false,
            reconnect_at: None,
            skip_reconnect: false,
            closed: false,
            now: None,
            outputs: VecDeque::new(),
        }
    }

    /// Opens a namespace with this CONNECT payload (`auth`, a JSON object;
    /// `None` for none). Opens the connection when it is not open; sent
    /// again on every reconnection (with `pid` and `offset` added when
    /// the server gave a `pid`). Opening a namespace that is open already
    /// changes its auth for the next reconnection. Does nothing once the
    /// client is closed ([`SioClient::close`]).
    pub fn connect(&mut self, now: Instant, nsp: &str, auth: Option<Bytes>) {
        let now = self.touch(now);
        if self.closed {
            return;
        }
        if let Some(ns) = self.nsp_mut(nsp) {
            ns.auth = auth;
            return;
        }
        self.nsps.push(Namespace::new(nsp, auth));
        if self.engine_opened {
            self.send_connect(now, self.nsps.len() - 1);
        } else if !self.reconnecting && self.engine.as_ref().is_none_or(EngineClient::is_closed) {
            self.open_engine(now);
        }
        self.pump(now);
    }

    /// Leaves a namespace (sends DISCONNECT); `Disconnect` with
    /// `IoClientDisconnect` follows when it was connected, and
    /// [`ClientEvent::AckError`] for every ack still waited for there. The
    /// connection closes, with no reconnection, when no namespace is left.
    pub fn disconnect(&mut self, now: Instant, nsp: &str) -> Result<(), ClientError> {
        let now = self.touch(now);
        let index = self
            .nsps
            .iter()
            .position(|n| n.name == nsp)
            .ok_or_else(|| ClientError::UnknownNamespace(nsp.to_owned()))?;
        if self.nsps[index].connected() {
            self.send_packet(now, &Packet::new(PacketType::Disconnect, nsp));
        }
        self.destroy(now, index, Some(ClientDisconnectReason::IoClientDisconnect));
        self.pump(now);
        Ok(())
    }

    /// Leaves every namespace and closes the connection for good: later
    /// emits fail with [`ClientError::Closed`], `connect` does nothing.
    pub fn close(&mut self, now: Instant) {
        let now = self.touch(now);
        if self.closed {
            return;
        }
        while !self.nsps.is_empty() {
            if self.nsps[0].connected() {
                let nsp = self.nsps[0].name.clone();
                self.send_packet(now, &Packet::new(PacketType::Disconnect, nsp));
            }
            self.destroy(now, 0, Some(ClientDisconnectReason::IoClientDisconnect));
        }
        self.close_manager(now);
        self.closed = true;
        self.pump(now);
    }

    /// Emits an event with raw arguments (a JSON array, with
    /// placeholders for `args.attachments`). Sent now when connected,
    /// else kept in the namespace's send buffer (unless volatile). With
    /// `options.ack`, returns the id the answer will carry. With
    /// [`ClientConfig::retries`], an emit that is not volatile goes to the
    /// namespace's retry queue instead (refused with
    /// [`ClientError::SendBufferFull`] when it holds
    /// `max_buffered_packets`), and its [`ClientEvent::AckError`] comes
    /// only once its tries are used up.
    pub fn emit(
        &mut self,
        now: Instant,
        nsp: &str,
        event: &str,
        args: Args,
        options: EmitOptions,
    ) -> Result<Option<AckId>, ClientError> {
        let now = self.touch(now);
        if self.closed {
            return Err(ClientError::Closed);
        }
        check_event_name(event)?;
        if args.json.trim_ascii().first() != Some(&b'[')
            || args.json.trim_ascii().last() != Some(&b']')
        {
            return Err(ClientError::BadArgs);
        }
        let index = self
            .nsps
            .iter()
            .position(|n| n.name == nsp)
            .ok_or_else(|| ClientError::UnknownNamespace(nsp.to_owned()))?;
        if self.retrying() && !options.volatile {
            let id = self.enqueue(now, index, event, args, options);
            self.pump(now);
            return id;
        }
        let route = self.route(now, index, options.volatile);
        let ns = &mut self.nsps[index];
        if route == Route::Buffer && ns.send_buffer.len() >= self.config.max_buffered_packets {
            return Err(ClientError::SendBufferFull(nsp.to_owned()));
        }
        let ack = options.ack.then(|| {
            let timeout = options.timeout.or(self.config.ack_timeout);
            let app = ns.new_emit_id();
            (
                app,
                ns.register_ack(ack_deadline(now, timeout), Owner::App(app)),
            )
        });
        let packet = event_packet(nsp, event, &args, ack.map(|(_, wire)| wire));
        self.dispatch(now, index, route, packet, ack.map(|(_, wire)| wire));
        self.pump(now);
        Ok(ack.map(|(app, _)| AckId(app)))
    }

    /// Where an emit on namespace `index` goes now: sent when connected
    /// and the heartbeat's deadline has not passed, dropped when volatile
    /// and the transport cannot take it, else buffered.
    pub(crate) fn route(&self, now: Instant, index: usize, volatile: bool) -> Route {
        let engine = self.engine.as_ref();
        let writable = engine.is_some_and(EngineClient::is_writable);
        let ping_expired = engine.is_some_and(|e| e.has_ping_expired(now));
        if volatile && !writable {
            Route::Discard
        } else if self.nsps[index].connected() && !ping_expired {
            Route::Send
        } else {
            Route::Buffer
        }
    }

    /// Sends, buffers or drops an event packet as `route` says (`ack`:
    /// its wire ack id). A packet buffered because the heartbeat's
    /// deadline passed closes the connection now (the timer came late),
    /// as the official client schedules it.
    pub(crate) fn dispatch(
        &mut self,
        now: Instant,
        index: usize,
        route: Route,
        packet: Packet,
        ack: Option<u64>,
    ) {
        match route {
            Route::Send => self.send_packet(now, &packet),
            Route::Discard => {}
            Route::Buffer => {
                let ns = &mut self.nsps[index];
                // Emits checked the bound; a retry's try beyond it is not
                // lost: its entry stays at the queue's head, sent again
                // on the next connection.
                if ns.send_buffer.len() < self.config.max_buffered_packets {
                    ns.send_buffer.push_back(Buffered { packet, ack });
                }
                if let Some(engine) = self.engine.as_mut()
                    && engine.has_ping_expired(now)
                {
                    engine.handle_timeout(now);
                }
            }
        }
    }

    /// Answers the server's ack request `id` (from [`ClientEvent::Event`]).
    /// A second answer to the same id is ignored, as is an answer after
    /// the namespace disconnected.
    pub fn ack(&mut self, now: Instant, nsp: &str, id: u64, args: Args) -> Result<(), ClientError> {
        let now = self.touch(now);
        if self.closed {
            return Err(ClientError::Closed);
        }
        let ns = self
            .nsp_mut(nsp)
            .ok_or_else(|| ClientError::UnknownNamespace(nsp.to_owned()))?;
        if !ns.server_acks.remove(&id) {
            return Ok(());
        }
        let packet = Packet {
            kind: PacketType::Ack,
            nsp: namespace_name(nsp),
            id: Some(id),
            data: Some(args.json),
            attachments: args.attachments,
        };
        self.send_packet(now, &packet);
        self.pump(now);
        Ok(())
    }

    /// The socket id of a connected namespace.
    pub fn socket_id(&self, nsp: &str) -> Option<&str> {
        self.nsp(nsp).and_then(|n| n.id.as_deref())
    }

    /// True when the namespace is connected.
    pub fn is_connected(&self, nsp: &str) -> bool {
        self.nsp(nsp).is_some_and(Namespace::connected)
    }

    /// True while the namespace is open: connected, or waiting for a
    /// (re)connection (the official `socket.active`). False once it is
    /// left, refused (`44`) or disconnected by the server (`41`).
    pub fn is_active(&self, nsp: &str) -> bool {
        self.nsp(nsp).is_some()
    }

    /// Packets waiting in the namespace's send buffer.
    pub fn buffered(&self, nsp: &str) -> usize {
        self.nsp(nsp).map_or(0, |n| n.send_buffer.len())
    }

    /// Emits waiting in the namespace's retry queue (with
    /// [`ClientConfig::retries`]), the one whose try is out included.
    pub fn queued(&self, nsp: &str) -> usize {
        self.nsp(nsp).map_or(0, |n| n.queue.len())
    }

    /// The current Engine.IO connection, if any (its handshake, its
    /// transport).
    pub fn engine(&self) -> Option<&EngineClient> {
        self.engine.as_ref()
    }

    /// True once [`SioClient::close`] was called.
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// Changes the CONNECT payload of an open namespace for its next
    /// connection (the official `socket.auth = ..`).
    pub fn set_auth(&mut self, nsp: &str, auth: Option<Bytes>) -> Result<(), ClientError> {
        let ns = self
            .nsp_mut(nsp)
            .ok_or_else(|| ClientError::UnknownNamespace(nsp.to_owned()))?;
        ns.auth = auth;
        Ok(())
    }

    fn nsp(&self, nsp: &str) -> Option<&Namespace> {
        self.nsps.iter().find(|n| n.name == nsp)
    }

    pub(crate) fn nsp_mut(&mut self, nsp: &str) -> Option<&mut Namespace> {
        self.nsps.iter_mut().find(|n| n.name == nsp)
    }

    /// The latest time, with `now` taken in (time never goes back).
    fn touch(&mut self, now: Instant) -> Instant {
        let now = self.now.map_or(now, |t| t.max(now));
        self.now = Some(now);
        now
    }

    /// Tells the application, after every piece of transport work the
    /// engine has been asked for so far: what the core sent before an
    /// event (the send buffer before `Connect`) is carried out before the
    /// application hears of it.
    pub(crate) fn emit_event(&mut self, ev: ClientEvent) {
        self.take_transport_work();
        self.outputs.push_back(ClientOutput::Event(ev));
    }

    /// Moves the engine's queued transport work (requests, frames,
    /// closes) to the outputs, in its order, leaving its events queued
    /// for [`SioClient::pump`]. Work and events are separate streams: only
    /// the order within each matters to the adapter (frames on one
    /// WebSocket stay in order), and events must not overtake the work
    /// decided before them.
    fn take_transport_work(&mut self) {
        let Some(engine) = self.engine.as_mut() else {
            return;
        };
        if engine
            .outputs
            .iter()
            .all(|o| matches!(o, ClientOutput::Event(_)))
        {
            return;
        }
        let mut events = std::collections::VecDeque::new();
        for out in engine.outputs.drain(..) {
            match out.transport() {
                Ok(work) => self.outputs.push_back(work),
                Err(ev) => events.push_back(ClientOutput::Event(ev)),
            }
        }
        engine.outputs = events;
    }

    /// A new engine (the Manager's `open`).
    fn open_engine(&mut self, now: Instant) {
        if let Some(old) = &self.engine {
            self.next_conn = self.next_conn.max(old.next_conn_id());
        }
        let mut engine = EngineClient::with_first_conn(self.config.engine.clone(), self.next_conn);
        engine.open(now);
        self.next_conn = engine.next_conn_id();
        self.engine = Some(engine);
        self.engine_opened = false;
        self.quiet_close = false;
        self.skip_reconnect = false;
        self.decoder.reset();
    }

    /// Sends a packet on the engine (the text part, then its attachments).
    pub(crate) fn send_packet(&mut self, now: Instant, packet: &Packet) {
        let Some(engine) = self.engine.as_mut() else {
            return;
        };
        for msg in encode_messages(self.config.parser, packet) {
            engine.send(now, msg);
        }
    }

    /// Sends namespace `index`'s CONNECT.
    fn send_connect(&mut self, now: Instant, index: usize) {
        let ns = &self.nsps[index];
        let mut packet = Packet::new(PacketType::Connect, &ns.name);
        packet.data = ns.connect_payload();
        self.send_packet(now, &packet);
    }

    /// Takes the engine's outputs: transport work goes to the adapter,
    /// events are handled here (which may make more).
    pub(crate) fn pump(&mut self, now: Instant) {
        loop {
            let Some(engine) = self.engine.as_mut() else {
                return;
            };
            let Some(out) = engine.poll_output() else {
                return;
            };
            match out.transport() {
                Ok(work) => self.outputs.push_back(work),
                Err(ev) => self.on_engine_event(now, ev),
            }
        }
    }

    fn on_engine_event(&mut self, now: Instant, ev: EngineClientEvent) {
        match ev {
            EngineClientEvent::Open(_) => self.on_open(now),
            EngineClientEvent::Message(msg) => self.on_message(now, msg),
            EngineClientEvent::Ping => self.emit_event(ClientEvent::Ping),
            EngineClientEvent::Upgrade => self.emit_event(ClientEvent::Upgrade),
            EngineClientEvent::Close(reason) => {
                if std::mem::take(&mut self.quiet_close) {
                    return;
                }
                if self.engine_opened {
                    self.on_close(now, reason);
                } else {
                    self.on_open_error(now, reason);
                }
            }
            // A failed probe is no disconnection; nothing to tell.
            _ => {}
        }
    }

    /// The engine opened: every namespace sends its CONNECT.
    fn on_open(&mut self, now: Instant) {
        self.engine_opened = true;
        self.decoder.reset();
        self.emit_event(ClientEvent::Open);
        for i in 0..self.nsps.len() {
            self.send_connect(now, i);
        }
        if self.reconnecting {
            let attempt = self.backoff.attempts;
            self.reconnecting = false;
            self.backoff.reset();
            self.emit_event(ClientEvent::Reconnect(attempt));
        }
    }

    /// The engine could not open (the Manager's `error`).
    fn on_open_error(&mut self, now: Instant, reason: EngineCloseReason) {
        self.decoder.reset();
        let message = match &reason {
            EngineCloseReason::Timeout => "timeout".to_owned(),
            EngineCloseReason::TransportError(e) | EngineCloseReason::ParseError(e) => e.clone(),
            other => other.as_str().to_owned(),
        };
        for i in 0..self.nsps.len() {
            let nsp = self.nsps[i].name.clone();
            self.emit_event(ClientEvent::ConnectError {
                nsp,
                message: message.clone(),
                data: None,
                refused: false,
            });
        }
        if self.reconnecting {
            self.reconnecting = false;
            self.reconnect(now);
            self.emit_event(ClientEvent::ReconnectError(message));
        } else if self.backoff.attempts == 0 {
            self.reconnect(now);
        }
    }

    /// The open engine closed (the Manager's `onclose`).
    pub(crate) fn on_close(&mut self, now: Instant, reason: EngineCloseReason) {
        self.engine_opened = false;
        self.decoder.reset();
        self.backoff.reset();
        let why = disconnect_reason(&reason);
        for i in 0..self.nsps.len() {
            let ns = &mut self.nsps[i];
            ns.server_acks.clear();
            if ns.id.take().is_some() {
                let nsp = ns.name.clone();
                self.emit_event(ClientEvent::Disconnect {
                    nsp: nsp.clone(),
                    reason: why,
                });
                for wait in self.nsps[i].clear_sent_acks() {
                    match wait.owner {
                        Owner::App(id) => self.emit_event(ClientEvent::AckError {
                            nsp: nsp.clone(),
                            id: AckId(id),
                            error: AckError::Disconnected,
                        }),
                        // The official error-first callback of a try with
                        // a timeout hears of it; a try without one is
                        // forgotten silently, its entry sent again on the
                        // next connection.
                        Owner::Queue(seq) if wait.deadline.is_some() => {
                            self.queue_failed(now, i, seq, AckError::Disconnected);
                        }
                        Owner::Queue(_) => {}
                    }
                }
            }
        }
        self.emit_event(ClientEvent::Close { reason });
        self.reconnect(now);
    }

    /// Closes the engine ourselves for `reason` (a parse error): the
    /// engine's own `ForcedClose` is not reported.
    pub(crate) fn fail(&mut self, now: Instant, reason: EngineCloseReason) {
        if let Some(engine) = self.engine.as_mut()
            && !engine.is_closed()
        {
            self.quiet_close = true;
            engine.close(now);
        }
        if self.engine_opened {
            self.on_close(now, reason);
        } else {
            self.on_open_error(now, reason);
        }
    }

    /// Schedules the next reconnection attempt, or gives up.
    fn reconnect(&mut self, now: Instant) {
        if self.reconnecting || self.skip_reconnect || !self.config.reconnection || self.closed {
            return;
        }
        if self.nsps.is_empty() {
            return;
        }
        let limit = self.config.reconnection_attempts.filter(|&n| n > 0);
        if limit.is_some_and(|n| self.backoff.attempts >= n) {
            self.backoff.reset();
            self.emit_event(ClientEvent::ReconnectFailed);
            return;
        }
        let delay = self.backoff.duration(&mut self.rng);
        self.reconnecting = true;
        self.reconnect_at = Some(now + delay);
    }

    /// The Manager's `_close`: no namespace is left, or the application
    /// closes; no reconnection.
    fn close_manager(&mut self, now: Instant) {
        self.skip_reconnect = true;
        self.reconnecting = false;
        self.reconnect_at = None;
        self.backoff.reset();
        if let Some(engine) = self.engine.as_mut()
            && !engine.is_closed()
        {
            self.quiet_close = true;
            engine.close(now);
            self.engine_opened = false;
            self.decoder.reset();
            self.emit_event(ClientEvent::Close {
                reason: EngineCloseReason::ForcedClose,
            });
        }
    }

    /// Removes namespace `index` (left, refused, or disconnected by the
    /// server): its acks fail, `Disconnect` with `reason` when it was
    /// connected (or always, for a server disconnect), and the connection
    /// closes when it was the last.
    pub(crate) fn destroy(
        &mut self,
        now: Instant,
        index: usize,
        reason: Option<ClientDisconnectReason>,
    ) {
        let mut ns = self.nsps.remove(index);
        let nsp = ns.name.clone();
        let was_connected = ns.connected();
        if let Some(reason) = reason
            && (was_connected || reason == ClientDisconnectReason::IoServerDisconnect)
        {
            self.emit_event(ClientEvent::Disconnect {
                nsp: nsp.clone(),
                reason,
            });
        }
        for id in ns.clear_all_acks() {
            self.emit_event(ClientEvent::AckError {
                nsp: nsp.clone(),
                id: AckId(id),
                error: AckError::Disconnected,
            });
        }
        if self.nsps.is_empty() {
            self.close_manager(now);
        }
    }

    /// The reconnection timer and the ack timers.
    fn run_timers(&mut self, now: Instant) {
        if self.reconnect_at.is_some_and(|t| t <= now) {
            self.reconnect_at = None;
            if !self.skip_reconnect && !self.closed {
                self.emit_event(ClientEvent::ReconnectAttempt(self.backoff.attempts));
                self.open_engine(now);
                self.pump(now);
            }
        }
        for i in 0..self.nsps.len() {
            // The deadlines due now, taken at once: a retry sent with a
            // zero timeout waits for the next call.
            let expired = self.nsps[i].expire_acks(now);
            for owner in expired {
                match owner {
                    Owner::App(id) => {
                        let nsp = self.nsps[i].name.clone();
                        self.emit_event(ClientEvent::AckError {
                            nsp,
                            id: AckId(id),
                            error: AckError::Timeout,
                        });
                    }
                    Owner::Queue(seq) => self.queue_failed(now, i, seq, AckError::Timeout),
                }
            }
        }
        self.pump(now);
    }
}

impl ClientProtocol for SioClient {
    type Event = ClientEvent;

    fn handle(&mut self, now: Instant, input: ClientInput) {
        let now = self.touch(now);
        if let Some(engine) = self.engine.as_mut() {
            engine.handle(now, input);
            self.pump(now);
        }
    }

    fn handle_timeout(&mut self, now: Instant) {
        let now = self.touch(now);
        if let Some(engine) = self.engine.as_mut() {
            engine.handle_timeout(now);
            self.pump(now);
        }
        self.run_timers(now);
    }

    fn poll_output(&mut self) -> Option<ClientOutput<ClientEvent>> {
        self.outputs.pop_front()
    }

    fn poll_timeout(&self) -> Option<Instant> {
        let engine = self.engine.as_ref().and_then(EngineClient::poll_timeout);
        let acks = self
            .nsps
            .iter()
            .filter_map(|n| n.timers.first().map(|(d, _)| *d));
        engine
            .into_iter()
            .chain(self.reconnect_at)
            .chain(acks)
            .min()
    }
}

/// The namespace's reason for an engine close reason.
fn disconnect_reason(reason: &EngineCloseReason) -> ClientDisconnectReason {
    match reason {
        EngineCloseReason::TransportClose => ClientDisconnectReason::TransportClose,
        EngineCloseReason::PingTimeout => ClientDisconnectReason::PingTimeout,
        EngineCloseReason::ParseError(_) => ClientDisconnectReason::ParseError,
        EngineCloseReason::ForcedClose => ClientDisconnectReason::ForcedClose,
        _ => ClientDisconnectReason::TransportError,
    }
}

/// Refuses the names the protocol reserves.
fn check_event_name(event: &str) -> Result<(), ClientError> {
    if crate::socket::is_reserved_event(event) {
        return Err(ClientError::ReservedEvent(event.to_owned()));
    }
    Ok(())
}

pub(crate) use crate::socket::event_packet;
