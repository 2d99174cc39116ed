//! [`SioServer`]: the Socket.IO v5 server state machine, on top of the
//! [`Engine`]. It consumes the engine's events, decodes Socket.IO packets,
//! and keeps namespaces, sockets, rooms and acks. Broadcasting and acks live
//! in `broadcast.rs` and `acks.rs`.

use super::config::ServerConfig;
use super::event::{Args, DisconnectReason, SocketEvent, SocketId};
use super::namespace::{DynamicNamespace, Namespace, NamespaceMatcher};
use super::packet::{Packet, PacketType, namespace_name};
use super::parser::PacketDecoder;
use super::recovery::{MemoryStore, RecoveryStore};
use super::restore::Restore;
use crate::engine::{CloseReason, Engine, EngineEvent, Message, WsFrame};
use crate::fast_hash::{FastMap, ShrinkIfSparse};
use crate::sid::{IdGenerator, Sid};
use crate::{Input, Output};
use bytes::Bytes;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::time::{Duration, Instant};
use thiserror::Error;

/// A mistake by the caller (peer faults never return `Err`).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum SioError {
    /// No connected socket (or pending connect) has this id.
    #[error("unknown socket {0}")]
    UnknownSocket(SocketId),
    /// The socket has too many acks outstanding.
    #[error("too many pending acks on socket {0}")]
    TooManyPendingAcks(SocketId),
    /// No such namespace.
    #[error("unknown namespace {0}")]
    UnknownNamespace(String),
    /// Event names the protocol reserves cannot be emitted.
    #[error("reserved event name {0}")]
    ReservedEvent(String),
}

/// One Engine.IO session, as the Socket.IO layer sees it.
pub(crate) struct Client {
    pub decoder: Box<dyn PacketDecoder>,
    /// Namespace → socket, for this connection.
    pub sockets: Vec<(String, SocketId)>,
    /// Sockets waiting for the application's connect decision.
    pub pending: Vec<SocketId>,
    /// Some namespace was joined (the connect timeout no longer applies).
    pub connected_once: bool,
    /// An Engine.IO v3 client, speaking Socket.IO v4 (`eio3_clients.rs`).
    pub eio3: bool,
}

/// A socket waiting for middleware.
pub(crate) struct PendingConnect {
    pub engine: Sid,
    pub nsp: String,
    pub auth: Bytes,
    /// A session this connect may restore.
    pub restore: Option<Restore>,
    /// A session kept in the bus to restore once accepted (streams
    /// adapter, recovered sockets going through the middleware).
    pub remote: Option<super::member::RestoreKey>,
}

/// A connected socket.
pub(crate) struct SocketState {
    pub nsp: String,
    pub engine: Sid,
    /// Rooms joined (including its own id), for clean-up.
    pub rooms: Vec<String>,
    /// The CONNECT payload.
    pub auth: Bytes,
    /// Outstanding acks: id → what waits for it.
    pub acks: FastMap<u64, super::acks::AckOwner>,
    /// Private session id, when recovery is on (a bearer secret: never
    /// logged, never broadcast).
    pub pid: Option<Sid>,
    pub next_ack: u64,
    /// What a cluster fetch reports as its data (JSON; `{}` when unset).
    /// Boxed: most sockets never set it, and a socket's size is a large
    /// part of an idle connection's memory.
    pub data: Option<Box<Bytes>>,
}

impl SocketState {
    /// Its data as JSON (Node's `socket.data`): `{}` when never set.
    pub fn data_json(&self) -> Bytes {
        self.data
            .as_deref()
            .cloned()
            .unwrap_or_else(|| Bytes::from_static(b"{}"))
    }
}

/// Timers, checked lazily against the state when due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Timer {
    Connect(Sid),
    Ack(SocketId, u64),
    BroadcastAck(u64),
    /// Recovery clean-up: sessions and log entries older than the window.
    Recovery,
    /// A cluster request's `requests_timeout`.
    ClusterRequest(u64),
    /// The end of another member's acked broadcast.
    RemoteAck(u64),
    /// The end of another member's wait for a server-side answer.
    ServerSideAck(u64),
    /// Rewrite the live sessions kept in the bus.
    SessionRefresh,
    /// The admin UI's `server_stats`.
    AdminStats,
}

/// The Socket.IO v5 server: a pure state machine wrapping an [`Engine`].
///
/// Feed it the same inputs as the engine ([`SioServer::handle`],
/// [`SioServer::handle_timeout`]), drain [`SioServer::poll_output`] after
/// every call, and act through its methods (emit, join, ack, ...).
pub struct SioServer {
    pub(crate) engine: Engine,
    pub(crate) config: ServerConfig,
    pub(crate) ids: IdGenerator,
    pub(crate) namespaces: HashMap<String, Namespace>,
    pub(crate) dynamic: Vec<DynamicNamespace>,
    pub(crate) clients: FastMap<Sid, Client>,
    pub(crate) sockets: FastMap<SocketId, SocketState>,
    pub(crate) pending: FastMap<SocketId, PendingConnect>,
    pub(crate) timers: BinaryHeap<Reverse<(Instant, Timer)>>,
    pub(crate) events: VecDeque<SocketEvent>,
    pub(crate) broadcast_acks: FastMap<u64, super::acks::BroadcastAcks>,
    /// Sessions kept for recovery.
    pub(crate) store: Box<dyn RecoveryStore>,
    /// The next recovery offset.
    pub(crate) next_offset: u64,
    /// pid → socket, for connected sockets (recovery on).
    pub(crate) live_pids: FastMap<Sid, SocketId>,
    pub(crate) next_broadcast: u64,
    /// The latest time seen (none before the first input); never goes back.
    pub(crate) now: Option<Instant>,
    /// Reused by [`SioServer::send_packet`] for the frames of one packet.
    frames: Vec<WsFrame>,
    /// The cluster protocol's state, when the server is a cluster member.
    pub(crate) member: Option<Box<super::member::Member>>,
    /// The next [`super::ClusterRequestId`].
    pub(crate) next_cluster_request: u64,
    /// The admin UI's instrument, when on ([`SioServer::instrument`]).
    pub(crate) admin: Option<Box<crate::admin::AdminState>>,
}

impl std::fmt::Debug for SioServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SioServer")
            .field("engine", &self.engine)
            .field("namespaces", &self.namespaces.len())
            .field("sockets", &self.sockets.len())
            .finish()
    }
}

impl SioServer {
    /// A server with `config`; `seed` (OS entropy in production) seeds the
    /// ids of sessions and sockets. Namespace `/` exists from the start.
    pub fn new(config: ServerConfig, seed: [u8; 32]) -> SioServer {
        let mut ids = IdGenerator::new(seed);
        let engine_seed = ids.seed();
        let mut config = config;
        let engine_config = std::mem::take(&mut config.engine);
        let store_bound = config.recovery.as_ref().map_or(0, |r| r.max_sessions);
        let member = config
            .cluster
            .as_ref()
            .map(|c| Box::new(super::member::Member::new(c, ids.seed())));
        let mut server = SioServer {
            engine: Engine::new(engine_config, engine_seed),
            config,
            ids,
            namespaces: HashMap::new(),
            dynamic: Vec::new(),
            clients: FastMap::default(),
            sockets: FastMap::default(),
            pending: FastMap::default(),
            timers: BinaryHeap::new(),
            events: VecDeque::new(),
            frames: Vec::new(),
            broadcast_acks: FastMap::default(),
            store: Box::new(MemoryStore::new(store_bound)),
            next_offset: 1,
            live_pids: FastMap::default(),
            next_broadcast: 0,
            now: None,
            member,
            next_cluster_request: 0,
            admin: None,
        };
        server.add_namespace("/");
        server
    }

    /// The Engine.IO layer (read-only).
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The options (the engine's are in [`Engine::config`]).
    pub fn config(&self) -> &ServerConfig {
        &self.config
    }

    /// Declares a namespace (idempotent).
    pub fn add_namespace(&mut self, name: &str) {
        // Checked first: `SocketIo::of` calls this on every use, and the
        // entry API would allocate the name each time.
        if !self.namespaces.contains_key(name) {
            self.namespaces
                .insert(name.to_owned(), Namespace::default());
            if let Some(m) = self.member.as_deref_mut() {
                m.add_namespace(name);
            }
        }
    }

    /// Declares a dynamic namespace: any name `matcher` accepts is created
    /// on its first CONNECT. Returns its index (see [`SioServer::namespace_parent`]).
    pub fn add_dynamic_namespace(&mut self, matcher: NamespaceMatcher) -> usize {
        self.dynamic.push(DynamicNamespace {
            matcher,
            middleware: false,
        });
        self.dynamic.len() - 1
    }

    /// Makes connects to `nsp` wait for the application's decision
    /// ([`SocketEvent::ConnectRequest`]).
    pub fn set_connect_middleware(&mut self, nsp: &str, on: bool) {
        self.add_namespace(nsp);
        if let Some(n) = self.namespaces.get_mut(nsp) {
            n.middleware = on;
        }
    }

    /// Same as [`SioServer::set_connect_middleware`] for a dynamic namespace.
    pub fn set_dynamic_middleware(&mut self, index: usize, on: bool) {
        if let Some(d) = self.dynamic.get_mut(index) {
            d.middleware = on;
        }
    }

    /// The dynamic namespace that created `nsp`, if any.
    pub fn namespace_parent(&self, nsp: &str) -> Option<usize> {
        self.namespaces.get(nsp).and_then(|n| n.parent)
    }

    /// The namespaces dynamic namespace `index` has created so far (they
    /// live as long as the server), sorted by name.
    pub fn dynamic_children(&self, index: usize) -> Vec<&str> {
        let mut names: Vec<&str> = self
            .namespaces
            .iter()
            .filter(|(_, n)| n.parent == Some(index))
            .map(|(name, _)| name.as_str())
            .collect();
        names.sort_unstable();
        names
    }

    /// Takes the time in (it never goes back); returns the time to use.
    pub(crate) fn tick(&mut self, now: Instant) -> Instant {
        let now = self.now.map_or(now, |prev| prev.max(now));
        self.now = Some(now);
        if self.admin.is_some() {
            self.admin_start(now);
        }
        now
    }

    /// Processes one transport input.
    pub fn handle(&mut self, now: Instant, input: Input) {
        let now = self.tick(now);
        match input {
            Input::Bus(bus) => self.on_bus(bus),
            input => self.engine.handle(now, input),
        }
    }

    /// Runs the timers due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        let now = self.tick(now);
        self.engine.handle_timeout(now);
        while let Some(Reverse((at, timer))) = self.timers.peek().copied() {
            if at > now {
                break;
            }
            self.timers.pop();
            match timer {
                Timer::Connect(sid) => {
                    let idle = self.clients.get(&sid).is_some_and(|c| !c.connected_once);
                    if idle {
                        let _ = self.engine.close(sid);
                    }
                }
                Timer::Ack(socket, id) => self.ack_timeout(socket, id, at),
                Timer::BroadcastAck(id) => self.broadcast_ack_timeout(id),
                Timer::Recovery => self.expire_recovery(now),
                Timer::ClusterRequest(seq) => self.cluster_request_timeout(seq),
                Timer::RemoteAck(key) => self.remote_ack_timeout(key),
                Timer::ServerSideAck(key) => self.server_side_ack_timeout(key),
                Timer::SessionRefresh => self.refresh_sessions(),
                Timer::AdminStats => self.admin_stats(at),
            }
        }
    }

    /// The next deadline, if any.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let own = self.timers.peek().map(|Reverse((at, _))| *at);
        match (own, self.engine.poll_timeout()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The next output. Drain until `None` after every call.
    pub fn poll_output(&mut self) -> Option<Output<SocketEvent>> {
        loop {
            if let Some(ev) = self.events.pop_front() {
                return Some(Output::Event(ev));
            }
            if self.sessions_dirty() {
                self.flush_sessions();
            }
            if let Some(command) = self.member.as_deref_mut().and_then(|m| m.out.pop_front()) {
                return Some(Output::Bus(command));
            }
            match self.engine.poll_output()?.transport() {
                Ok(io) => return Some(io),
                Err(ev) => self.on_engine_event(ev),
            }
        }
    }

    /// Closes every session (reason "server shutting down").
    pub fn shutdown(&mut self) {
        self.engine.shutdown();
    }

    fn on_engine_event(&mut self, ev: EngineEvent) {
        if self.admin.is_some() {
            self.admin_on_engine(&ev);
        }
        match ev {
            EngineEvent::Open { sid, .. } => {
                self.clients.insert(
                    sid,
                    Client {
                        decoder: self.config.parser.decoder(),
                        sockets: Vec::new(),
                        pending: Vec::new(),
                        connected_once: false,
                        eio3: self.is_eio3(sid),
                    },
                );
                let at = self.deadline(self.config.connect_timeout);
                self.timers.push(Reverse((at, Timer::Connect(sid))));
                if self.clients[&sid].eio3 {
                    self.connect_main_v3(sid);
                }
            }
            EngineEvent::Message { sid, msg } => self.on_message(sid, msg),
            EngineEvent::Close { sid, reason } => self.on_engine_close(sid, reason),
            EngineEvent::Flushed { id, delivered, .. } => self
                .events
                .push_back(SocketEvent::Flushed { id, delivered }),
            EngineEvent::ProtocolFault { sid, what } => self
                .events
                .push_back(SocketEvent::ProtocolFault { sid, what }),
            _ => {}
        }
    }

    fn on_message(&mut self, sid: Sid, msg: Message) {
        let Some(client) = self.clients.get_mut(&sid) else {
            return;
        };
        if self.engine.session(sid).is_none() {
            // Closed (a parse error, the application) after the engine
            // queued this message, e.g. a later packet of one polling
            // payload: nothing more from this session counts.
            return;
        }
        let decoded = client.decoder.decode(msg);
        match decoded {
            Ok(Some(packet)) => self.on_packet(sid, packet),
            Ok(None) => {} // a binary packet waits for its attachments
            Err(e) => self.fault(sid, format!("malformed Socket.IO packet: {e}")),
        }
    }

    /// The client of `sid` broke the Socket.IO protocol: its session closes
    /// with a parse error, after an [`SocketEvent::ProtocolFault`].
    fn fault(&mut self, sid: Sid, what: impl Into<String>) {
        self.engine.fault(sid, what, CloseReason::ParseError);
    }

    pub(crate) fn on_engine_close(&mut self, sid: Sid, reason: CloseReason) {
        let Some(client) = self.clients.remove(&sid) else {
            return;
        };
        self.clients.shrink_if_sparse();
        for socket in client.pending {
            self.pending.remove(&socket);
        }
        let reason = DisconnectReason::from_engine(reason);
        for (_, socket) in client.sockets {
            self.remove_socket(socket, reason);
        }
    }

    fn on_packet(&mut self, sid: Sid, packet: Packet) {
        let client = self.clients.get(&sid).expect("caller checked");
        let socket = client
            .sockets
            .iter()
            .find(|(n, _)| *n == packet.nsp)
            .map(|(_, s)| *s);
        match (packet.kind, socket) {
            (PacketType::Connect, None) => self.on_connect(sid, packet),
            (PacketType::Connect, Some(_)) => {} // already connected: ignore
            (PacketType::Disconnect, Some(socket)) => {
                self.remove_socket(socket, DisconnectReason::ClientNamespaceDisconnect)
            }
            (PacketType::Event | PacketType::BinaryEvent, Some(socket)) => {
                let Some(data) = packet.data else { return };
                match super::args::event_name(&data) {
                    Some((event, json)) => {
                        let args = Args {
                            json,
                            attachments: packet.attachments,
                        };
                        if self.admin.is_some() {
                            if self.is_admin_nsp(&packet.nsp) {
                                return self.admin_action(&event, &args);
                            }
                            self.admin_on_event(socket, &event, &args, true);
                        }
                        self.events.push_back(SocketEvent::Event {
                            socket,
                            event: event.into_owned(),
                            args,
                            ack: packet.id,
                        })
                    }
                    None => self.fault(sid, "event without a name"),
                }
            }
            (PacketType::Ack | PacketType::BinaryAck, Some(socket)) => {
                let args = Args {
                    json: packet.data.unwrap_or_else(|| Bytes::from_static(b"[]")),
                    attachments: packet.attachments,
                };
                if let Some(id) = packet.id {
                    self.on_ack(socket, id, args);
                }
            }
            // A packet for a namespace this client has not joined, or one a
            // client never sends (CONNECT_ERROR): the reference closes.
            _ => self.fault(
                sid,
                "packet for a namespace not joined, or of a kind clients never send",
            ),
        }
    }

    pub(crate) fn on_connect(&mut self, sid: Sid, packet: Packet) {
        let eio3 = self.clients.get(&sid).is_some_and(|c| c.eio3);
        let (nsp, auth) = match eio3 {
            true => super::eio3_clients::connect_target(&packet.nsp),
            false => (
                packet.nsp.into_owned(),
                packet.data.unwrap_or_else(|| Bytes::from_static(b"{}")),
            ),
        };
        let waiting = self.clients.get(&sid).is_some_and(|c| {
            c.pending
                .iter()
                .any(|s| self.pending.get(s).is_some_and(|p| p.nsp == nsp))
        });
        if waiting {
            // A repeated CONNECT while the application decides on the first
            // one: ignored as for a joined namespace (else a client could
            // pile up pending sockets, or get two sockets in one namespace).
            return;
        }
        if !self.namespaces.contains_key(&nsp) {
            let parent = self.dynamic.iter().position(|d| (d.matcher)(&nsp));
            match parent {
                Some(i) => {
                    let middleware = self.dynamic[i].middleware;
                    self.namespaces.insert(
                        nsp.clone(),
                        Namespace {
                            middleware,
                            parent: Some(i),
                            ..Namespace::default()
                        },
                    );
                    if let Some(m) = self.member.as_deref_mut() {
                        m.add_namespace(&nsp);
                    }
                }
                None => {
                    let err = Packet {
                        kind: PacketType::ConnectError,
                        nsp: nsp.into(),
                        id: None,
                        data: Some(Bytes::from_static(br#"{"message":"Invalid namespace"}"#)),
                        attachments: Vec::new(),
                    };
                    return self.send_packet(sid, &err);
                }
            }
        }
        // v4 (Engine.IO v3 clients): the socket on `/` is the session's
        // id, and there is no recovery.
        let socket = if eio3 && nsp == "/" {
            sid
        } else {
            self.ids.sid()
        };
        if self.is_admin_nsp(&nsp) {
            return self.admin_connect(sid, socket, nsp, auth);
        }
        if let Some(key) = self.remote_restore_key(&auth).filter(|_| !eio3) {
            return self.connect_remote(sid, socket, nsp, auth, key);
        }
        let restore = if eio3 {
            None
        } else {
            self.restorable(sid, &nsp, &auth)
        };
        let skip = restore.is_some()
            && self
                .config
                .recovery
                .as_ref()
                .is_some_and(|r| r.skip_middlewares);
        let middleware = self.namespaces[&nsp].middleware && !skip;
        if middleware {
            let pending = PendingConnect {
                engine: sid,
                nsp,
                auth,
                restore,
                remote: None,
            };
            self.ask_middleware(socket, pending);
        } else {
            self.connect_socket(sid, socket, nsp, auth, restore);
        }
    }

    /// Makes a connect wait for the application's decision
    /// ([`SocketEvent::ConnectRequest`]).
    pub(crate) fn ask_middleware(&mut self, socket: SocketId, pending: PendingConnect) {
        let (nsp, auth) = (pending.nsp.clone(), pending.auth.clone());
        self.hold_pending(socket, pending);
        self.events
            .push_back(SocketEvent::ConnectRequest { socket, nsp, auth });
    }

    /// Keeps a connect waiting (for the application, or for a restore
    /// from the bus), listed on its client so that it goes with it.
    pub(crate) fn hold_pending(&mut self, socket: SocketId, pending: PendingConnect) {
        if let Some(c) = self.clients.get_mut(&pending.engine) {
            c.pending.push(socket);
        }
        self.pending.insert(socket, pending);
    }

    /// Takes a waiting connect out (of its client's list too).
    pub(crate) fn take_pending(&mut self, socket: SocketId) -> Option<PendingConnect> {
        let p = self.pending.remove(&socket)?;
        if let Some(c) = self.clients.get_mut(&p.engine) {
            c.pending.retain(|s| *s != socket);
        }
        Some(p)
    }

    /// Completes a connect: the socket exists (with its old id and rooms
    /// when it restores a session), joins its own room, the client gets
    /// `0<nsp>,{"sid":..}` (with `"pid"` when recovery is on) and, when
    /// restored, the events it missed, before any live packet.
    pub(crate) fn connect_socket(
        &mut self,
        sid: Sid,
        socket: SocketId,
        nsp: String,
        auth: Bytes,
        restore: Option<Restore>,
    ) {
        if !self.clients.contains_key(&sid) {
            return;
        }
        let replayed = restore.and_then(|mut r| match r.frames.take() {
            Some(frames) => Some((r, frames)),
            None => self.replay(&nsp, r),
        });
        let (socket, pid, rooms, replay, data) = match replayed {
            Some((r, frames)) => (
                r.session.socket,
                Some(r.pid),
                r.session.rooms,
                Some(frames),
                r.session.data,
            ),
            None => {
                let eio3 = self.clients.get(&sid).is_some_and(|c| c.eio3);
                let pid = (self.config.recovery.is_some() && !eio3).then(|| self.ids.sid());
                (socket, pid, vec![socket.as_str().to_owned()], None, None)
            }
        };
        let client = self.clients.get_mut(&sid).expect("checked above");
        client.connected_once = true;
        let eio3 = client.eio3;
        // Most connections join one namespace: no room for four.
        client.sockets.reserve_exact(1);
        client.sockets.push((nsp.clone(), socket));
        let ns = self.namespaces.entry(nsp.clone()).or_default();
        ns.sockets.insert(socket);
        for room in &rooms {
            ns.join(socket, room);
        }
        if !rooms.iter().any(|r| r == socket.as_str()) {
            // Restored after leaving the room of its own id.
            ns.leave(socket, socket.as_str());
        }
        if let Some(pid) = pid {
            self.live_pids.insert(pid, socket);
        }
        self.sockets.insert(
            socket,
            SocketState {
                nsp: nsp.clone(),
                engine: sid,
                rooms,
                auth: auth.clone(),
                acks: FastMap::default(),
                next_ack: 0,
                pid,
                data: data.map(Box::new),
            },
        );
        self.session_changed(socket);
        // `{"sid":"…"}` or `{"sid":"…","pid":"…"}`, without the formatter:
        // every connection writes one.
        let mut data = String::with_capacity(48);
        data.push_str(r#"{"sid":""#);
        data.push_str(socket.as_str());
        if let Some(pid) = pid {
            data.push_str(r#"","pid":""#);
            data.push_str(pid.as_str());
        }
        data.push_str(r#""}"#);
        let reply = Packet {
            kind: PacketType::Connect,
            nsp: namespace_name(&nsp),
            id: None,
            // v4 (Engine.IO v3 clients): a bare `0<nsp>`.
            data: (!eio3).then(|| Bytes::from(data)),
            attachments: Vec::new(),
        };
        self.send_packet(sid, &reply);
        let recovered = replay.is_some();
        for frame in replay.into_iter().flatten() {
            self.engine.send_frame_unchecked(sid, frame);
        }
        self.admin_on_connect(socket, &nsp);
        self.events.push_back(SocketEvent::Connect {
            socket,
            nsp,
            auth,
            recovered,
        });
    }

    /// Accepts a connect that waited for middleware.
    pub fn accept(&mut self, socket: SocketId) -> Result<(), SioError> {
        if self.restoring(socket) {
            return Err(SioError::UnknownSocket(socket));
        }
        let mut p = self
            .take_pending(socket)
            .ok_or(SioError::UnknownSocket(socket))?;
        if !self.clients.contains_key(&p.engine) {
            return Err(SioError::UnknownSocket(socket));
        }
        if let Some(key) = p.remote.take() {
            // Accepted: now the session kept in the bus is restored.
            self.hold_pending(socket, p);
            self.start_remote_restore(socket, key, false);
            return Ok(());
        }
        self.connect_socket(p.engine, socket, p.nsp, p.auth, p.restore);
        Ok(())
    }

    /// Refuses a connect that waited for middleware: the client gets
    /// CONNECT_ERROR with `{"message": message, "data": data}`.
    pub fn refuse(
        &mut self,
        socket: SocketId,
        message: &str,
        data: Option<serde_json::Value>,
    ) -> Result<(), SioError> {
        if self.restoring(socket) {
            return Err(SioError::UnknownSocket(socket));
        }
        let p = self
            .take_pending(socket)
            .ok_or(SioError::UnknownSocket(socket))?;
        let body = if self.clients.get(&p.engine).is_some_and(|c| c.eio3) {
            super::eio3_clients::refusal_data(message, data)
        } else {
            // `message` first, as the reference writes it (a `json!`
            // object would sort the keys).
            let message = serde_json::Value::from(message);
            Bytes::from(match data {
                Some(d) => format!(r#"{{"message":{message},"data":{d}}}"#),
                None => format!(r#"{{"message":{message}}}"#),
            })
        };
        let err = Packet {
            kind: PacketType::ConnectError,
            nsp: p.nsp.into(),
            id: None,
            data: Some(body),
            attachments: Vec::new(),
        };
        self.send_packet(p.engine, &err);
        Ok(())
    }

    /// Removes a socket everywhere and emits `Disconnect`.
    pub(crate) fn remove_socket(&mut self, socket: SocketId, reason: DisconnectReason) {
        let in_bus = self.bus_session_end(socket, reason.is_recoverable());
        let Some(state) = self.sockets.remove(&socket) else {
            return;
        };
        self.sockets.shrink_if_sparse();
        if let Some(ns) = self.namespaces.get_mut(&state.nsp) {
            for room in state.rooms.iter().filter(|r| *r != socket.as_str()) {
                ns.leave(socket, room);
            }
            ns.forget(socket);
            ns.sockets.shrink_if_sparse();
        }
        if let Some(c) = self.clients.get_mut(&state.engine) {
            c.sockets.retain(|(_, s)| *s != socket);
        }
        self.admin_on_disconnect(socket, &state.nsp, reason, &state.rooms);
        let mut kept = false;
        if let Some(pid) = state.pid {
            self.live_pids.remove(&pid);
            self.live_pids.shrink_if_sparse();
            kept = match in_bus {
                Some(kept) => kept,
                None if reason.is_recoverable() => {
                    self.persist(socket, pid, &state.nsp, state.rooms, state.data.map(|d| *d))
                }
                None => false,
            };
        }
        self.events.push_back(SocketEvent::Disconnect {
            socket,
            nsp: state.nsp,
            reason,
            kept,
        });
    }

    /// Encodes `packet` and sends it (text, then attachments) on session `sid`.
    pub(crate) fn send_packet(&mut self, sid: Sid, packet: &Packet) {
        let mut frames = std::mem::take(&mut self.frames);
        self.encode_into(packet, &mut frames);
        for frame in frames.drain(..) {
            self.engine.send_frame_unchecked(sid, frame);
        }
        self.frames = frames;
    }

    /// Encodes `packet` with the configured parser; see [`Self::encode_into`].
    pub(crate) fn encode(&self, packet: &Packet) -> Vec<WsFrame> {
        let mut frames = Vec::new();
        self.encode_into(packet, &mut frames);
        frames
    }

    /// Encodes `packet` into `frames` (given empty). A frame that is not an
    /// encoded packet (a custom parser's bug; the built-in one makes none)
    /// is dropped here, once per packet, not once per recipient.
    fn encode_into(&self, packet: &Packet, frames: &mut Vec<WsFrame>) {
        self.config.parser.encode_into(packet, frames);
        frames.retain(crate::engine::is_valid_frame);
    }

    /// Closes the Engine.IO session `sid` from the server side: its sockets
    /// leave with "forced server close".
    pub fn close_session(&mut self, sid: Sid) {
        let _ = self.engine.close(sid);
    }

    /// The handshake request (headers, query) under a connected or pending socket.
    pub fn handshake_of(&self, socket: SocketId) -> Option<&crate::handshake::Handshake> {
        let sid = match self.sockets.get(&socket) {
            Some(s) => s.engine,
            None => self.pending.get(&socket)?.engine,
        };
        self.engine.session(sid).map(|s| s.handshake)
    }

    /// The socket's namespace, Engine.IO session and CONNECT payload.
    pub fn socket_info(&self, socket: SocketId) -> Option<(&str, Sid, &Bytes)> {
        self.sockets
            .get(&socket)
            .map(|s| (s.nsp.as_str(), s.engine, &s.auth))
    }

    /// Acks `socket` has outstanding (at most `max_pending_acks`).
    pub fn pending_acks(&self, socket: SocketId) -> Option<usize> {
        self.sockets.get(&socket).map(|s| s.acks.len())
    }

    /// Bytes of attachments buffered for the Engine.IO session `sid` (a
    /// binary packet waiting for the rest of its attachments).
    pub fn buffered_attachment_bytes(&self, sid: Sid) -> Option<usize> {
        self.clients.get(&sid).map(|c| c.decoder.buffered_bytes())
    }

    /// True while `socket` is connected.
    pub fn is_connected(&self, socket: SocketId) -> bool {
        self.sockets.contains_key(&socket)
    }

    /// Number of connected sockets in all namespaces.
    pub fn socket_count(&self) -> usize {
        self.sockets.len()
    }

    /// The sockets of `nsp`, sorted.
    pub fn sockets_of(&self, nsp: &str) -> Vec<SocketId> {
        let mut v: Vec<SocketId> = self
            .namespaces
            .get(nsp)
            .map(|n| n.sockets.iter().copied().collect())
            .unwrap_or_default();
        v.sort_unstable();
        v
    }

    /// Sends EVENT `event` with `args` to one socket.
    pub fn emit(&mut self, socket: SocketId, event: &str, args: &Args) -> Result<(), SioError> {
        check_event_name(event)?;
        let state = self
            .sockets
            .get(&socket)
            .ok_or(SioError::UnknownSocket(socket))?;
        let (nsp, sid) = (state.nsp.clone(), state.engine);
        if self.config.recovery.is_some() && self.streams().is_some() {
            // With recovery, Node sends it through the adapter, to the
            // socket's own room, so that the stream keeps it.
            let op = super::namespace::BroadcastOp::to_socket(socket);
            if self.append_broadcast(&nsp, &op, event, args) {
                return Ok(());
            }
        }
        let rooms = vec![socket.as_str().to_owned()];
        let frames = self.logged_event(&nsp, event, args, rooms, Vec::new());
        for frame in frames {
            self.engine.send_frame_unchecked(sid, frame);
        }
        self.admin_on_event(socket, event, args, false);
        Ok(())
    }

    /// Sends EVENT `event` to one socket only if its transport can take it
    /// right now (a WebSocket, or a polling client with a request
    /// waiting), as Node's `socket.volatile.emit`; otherwise drops it (and
    /// it is not kept for recovery). Returns whether it was sent.
    pub fn emit_volatile(
        &mut self,
        socket: SocketId,
        event: &str,
        args: &Args,
    ) -> Result<bool, SioError> {
        check_event_name(event)?;
        let state = self
            .sockets
            .get(&socket)
            .ok_or(SioError::UnknownSocket(socket))?;
        let sid = state.engine;
        if !self.engine.is_writable(sid) {
            return Ok(false);
        }
        let frames = self.encode(&event_packet(&state.nsp, event, args, None));
        for frame in frames {
            self.engine.send_frame_unchecked(sid, frame);
        }
        Ok(true)
    }

    /// Asks to be told when everything emitted to `socket` so far has
    /// reached its transport (handed to a long-poll response, or written
    /// and flushed on the WebSocket): a [`SocketEvent::Flushed`] with the
    /// returned id answers, possibly in this very drain.
    pub fn notify_flushed(&mut self, socket: SocketId) -> Result<crate::FlushId, SioError> {
        let sid = self
            .sockets
            .get(&socket)
            .ok_or(SioError::UnknownSocket(socket))?
            .engine;
        self.engine
            .notify_flushed(sid)
            .map_err(|_| SioError::UnknownSocket(socket))
    }

    /// Answers a client's event that carried ack id `id`.
    pub fn ack(&mut self, socket: SocketId, id: u64, args: &Args) -> Result<(), SioError> {
        let state = self
            .sockets
            .get(&socket)
            .ok_or(SioError::UnknownSocket(socket))?;
        let packet = Packet {
            kind: if args.is_binary() {
                PacketType::BinaryAck
            } else {
                PacketType::Ack
            },
            nsp: namespace_name(&state.nsp),
            id: Some(id),
            data: Some(args.json.clone()),
            attachments: args.attachments.clone(),
        };
        let sid = state.engine;
        self.send_packet(sid, &packet);
        Ok(())
    }

    /// A connected socket's state and its namespace, both mutable.
    fn socket_and_namespace(
        &mut self,
        socket: SocketId,
    ) -> Result<(&mut SocketState, &mut Namespace), SioError> {
        let state = self
            .sockets
            .get_mut(&socket)
            .ok_or(SioError::UnknownSocket(socket))?;
        // A socket is only ever added to a namespace that exists, and
        // namespaces are never removed.
        let ns = self
            .namespaces
            .get_mut(&state.nsp)
            .expect("socket's namespace exists");
        Ok((state, ns))
    }

    /// Makes `socket` join `room` (no-op if already in it).
    pub fn join(&mut self, socket: SocketId, room: &str) -> Result<(), SioError> {
        let (state, ns) = self.socket_and_namespace(socket)?;
        if ns.join(socket, room) {
            state.rooms.push(room.to_owned());
            self.session_changed(socket);
            self.admin_on_room(socket, None, room, true);
        }
        Ok(())
    }

    /// Makes `socket` leave `room`.
    pub fn leave(&mut self, socket: SocketId, room: &str) -> Result<(), SioError> {
        let (state, ns) = self.socket_and_namespace(socket)?;
        let left = ns.leave(socket, room);
        state.rooms.retain(|r| r != room);
        if left {
            self.session_changed(socket);
            self.admin_on_room(socket, None, room, false);
        }
        Ok(())
    }

    /// The rooms `socket` is in (its own id first).
    pub fn rooms(&self, socket: SocketId) -> Result<&[String], SioError> {
        self.sockets
            .get(&socket)
            .map(|s| s.rooms.as_slice())
            .ok_or(SioError::UnknownSocket(socket))
    }

    /// Disconnects `socket` from its namespace (it gets DISCONNECT). With
    /// `close`, the whole Engine.IO connection closes too.
    pub fn disconnect(&mut self, socket: SocketId, close: bool) -> Result<(), SioError> {
        let state = self
            .sockets
            .get(&socket)
            .ok_or(SioError::UnknownSocket(socket))?;
        let sid = state.engine;
        if close {
            let sockets: Vec<SocketId> = self
                .clients
                .get(&sid)
                .map(|c| c.sockets.iter().map(|(_, s)| *s).collect())
                .unwrap_or_default();
            for s in sockets {
                self.disconnect_one(s);
            }
            let _ = self.engine.close(sid);
        } else {
            self.disconnect_one(socket);
        }
        Ok(())
    }

    fn disconnect_one(&mut self, socket: SocketId) {
        let Some(state) = self.sockets.get(&socket) else {
            return;
        };
        let packet = Packet {
            kind: PacketType::Disconnect,
            nsp: namespace_name(&state.nsp),
            id: None,
            data: None,
            attachments: Vec::new(),
        };
        let sid = state.engine;
        self.send_packet(sid, &packet);
        self.remove_socket(socket, DisconnectReason::ServerNamespaceDisconnect);
    }

    /// How long from now an ack waits, as a deadline.
    pub(crate) fn deadline(&self, timeout: Duration) -> Instant {
        // Timers start only for sessions and sockets, which exist only
        // after an input has brought the time in.
        let now = self.now.expect("a timer starts after an input");
        // A timeout beyond what the clock can hold (`Duration::MAX`) ends
        // as late as it can instead of overflowing.
        let mut timeout = timeout;
        loop {
            match now.checked_add(timeout) {
                Some(at) => return at,
                None => timeout /= 2,
            }
        }
    }
}

/// Refuses the names the protocol reserves for itself.
pub(crate) fn check_event_name(event: &str) -> Result<(), SioError> {
    if super::packet::is_reserved_event(event) {
        return Err(SioError::ReservedEvent(event.to_owned()));
    }
    Ok(())
}

pub(crate) use super::packet::event_packet;
