//! The instrument's side of the server: turning it on, the stats timer,
//! the sockets as the UI sees them, and the live updates the server's
//! paths report here.

use super::{AdminConfig, AdminState};
use crate::cluster::date::iso_string;
use crate::cluster::handshake_json;
use crate::engine::{EngineEvent, Message, Transport};
use crate::sid::Sid;
use crate::socket::{Args, DisconnectReason, SioServer, SocketId};
use serde_json::{Value, json};
use std::cmp::Reverse;
use std::time::{Duration, Instant};

/// How often `server_stats` goes out (Node's 2 s).
pub const STATS_PERIOD: Duration = Duration::from_secs(2);

impl SioServer {
    /// Turns on the Socket.IO Admin UI's server side (see
    /// [`crate::admin`]): declares the admin namespace and, from the next
    /// input on, sends stats every 2 s to the admin sockets. Calling it
    /// again replaces the options (login sessions are forgotten; the stats
    /// keep their period).
    pub fn instrument(&mut self, config: AdminConfig) {
        self.add_namespace(&config.namespace);
        let mut state = AdminState::new(config);
        // Called again: the clock and the stats timer already run.
        state.start = self.admin.as_deref().and_then(|a| a.start);
        self.admin = Some(Box::new(state));
        self.engine.sent = Some((0, 0));
        if let Some(now) = self.now {
            self.admin_start(now);
        }
    }

    /// Starts the instrument's clock and its stats timer, once.
    pub(crate) fn admin_start(&mut self, now: Instant) {
        let Some(a) = self.admin.as_deref_mut() else {
            return;
        };
        if a.start.is_none() {
            a.start = Some(now);
            let at = now + STATS_PERIOD;
            self.timers
                .push(Reverse((at, crate::socket::Timer::AdminStats)));
        }
    }

    /// Whether `nsp` is the admin namespace.
    pub(crate) fn is_admin_nsp(&self, nsp: &str) -> bool {
        self.admin
            .as_deref()
            .is_some_and(|a| a.config.namespace == nsp)
    }

    /// The connected admin sockets.
    fn admin_sockets(&self) -> Vec<SocketId> {
        let Some(a) = self.admin.as_deref() else {
            return Vec::new();
        };
        let mut v: Vec<SocketId> = self
            .namespaces
            .get(&a.config.namespace)
            .map(|n| n.sockets.iter().copied().collect())
            .unwrap_or_default();
        v.sort_unstable();
        v
    }

    /// Live updates are due: development mode with an admin connected
    /// here, or anywhere in the cluster when the server is a member (it
    /// cannot know, so it always tells, as Node's members do).
    fn admin_watching(&self) -> bool {
        self.admin.as_deref().is_some_and(AdminState::verbose) && self.admin_listening()
    }

    /// Someone may hear the admin namespace's news: an admin socket here,
    /// or other members.
    fn admin_listening(&self) -> bool {
        self.member.is_some()
            || self.admin.as_deref().is_some_and(|a| {
                self.namespaces
                    .get(&a.config.namespace)
                    .is_some_and(|n| !n.sockets.is_empty())
            })
    }

    /// The current time as a JavaScript date (ISO string).
    fn admin_date(&self) -> Value {
        let (Some(a), Some(now)) = (self.admin.as_deref(), self.now) else {
            return Value::Null;
        };
        i64::try_from(a.wall_ms(now))
            .ok()
            .and_then(iso_string)
            .map_or(Value::Null, Value::String)
    }

    /// Sends `event` with `args` (a JSON array) to `recipients`, encoded once.
    pub(crate) fn admin_send(&mut self, recipients: &[SocketId], event: &str, args: String) {
        let Some(nsp) = self.admin.as_deref().map(|a| a.config.namespace.clone()) else {
            return;
        };
        if recipients.is_empty() {
            return;
        }
        let args = Args::from_json(args);
        let frames = self.encode(&crate::socket::event_packet(&nsp, event, &args, None));
        self.send_to_sockets(recipients, &frames);
    }

    /// Sends `event` with `args` to every admin socket: this server's, and
    /// in a cluster every member's (Node's `adminNamespace.emit`).
    fn admin_broadcast(&mut self, event: &str, args: Value) {
        if self.member.is_some() {
            let Some(nsp) = self.admin.as_deref().map(|a| a.config.namespace.clone()) else {
                return;
            };
            let args = Args::from_json(args.to_string());
            let _ = self.broadcast(&nsp, &crate::socket::BroadcastOp::all(), event, &args);
            return;
        }
        let recipients = self.admin_sockets();
        self.admin_send(&recipients, event, args.to_string());
    }

    /// A socket as the UI lists it (Node's `serialize`).
    pub(crate) fn admin_socket_json(&self, socket: SocketId) -> Option<Value> {
        let state = self.sockets.get(&socket)?;
        let session = self.engine.session(state.engine)?;
        // The CONNECT payload is left out, as Node does: an admin's holds
        // its password.
        let handshake: Value = serde_json::from_slice(&handshake_json(session.handshake, b"{}"))
            .unwrap_or(Value::Null);
        let data: Value = serde_json::from_slice(&state.data_json()).unwrap_or(json!({}));
        // Node sends the whole Engine.IO id; a session id is what lets a
        // request into a polling session, so the UI (which only groups
        // sockets by it) gets its first 12 characters, enough to tell
        // clients apart.
        let client_id: String = state.engine.as_str().chars().take(12).collect();
        Some(json!({
            "id": socket.as_str(),
            "clientId": client_id,
            "transport": session.transport.name(),
            "nsp": state.nsp,
            "data": data,
            "handshake": handshake,
            "rooms": state.rooms,
        }))
    }

    /// Every socket of every namespace, by namespace then id.
    fn admin_all_sockets(&self) -> Value {
        let mut ids: Vec<(&str, SocketId)> = self
            .sockets
            .iter()
            .map(|(id, s)| (s.nsp.as_str(), *id))
            .collect();
        ids.sort_unstable();
        Value::Array(
            ids.into_iter()
                .filter_map(|(_, id)| self.admin_socket_json(id))
                .collect(),
        )
    }

    /// The stats timer: `server_stats` to the admin sockets, and re-armed.
    pub(crate) fn admin_stats(&mut self, at: Instant) {
        let Some(now) = self.now else { return };
        self.timers.push(Reverse((
            at + STATS_PERIOD,
            crate::socket::Timer::AdminStats,
        )));
        if !self.admin_listening() {
            // Nobody to tell: the counts since the last stats go.
            self.engine.sent = Some((0, 0));
            if let Some(a) = self.admin.as_deref_mut() {
                a.clear_aggregates();
            }
            return;
        }
        let clients = self.engine.session_count();
        let polling = self
            .engine
            .sids()
            .filter(|sid| {
                self.engine
                    .session(*sid)
                    .is_some_and(|s| s.transport == Transport::Polling)
            })
            .count();
        let mut namespaces: Vec<Value> = self
            .namespaces
            .iter()
            .map(|(name, n)| json!({ "name": name, "socketsCount": n.sockets.len() }))
            .collect();
        namespaces.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
        let (packets, bytes) = self.engine.sent.replace((0, 0)).unwrap_or_default();
        let Some(a) = self.admin.as_deref_mut() else {
            return;
        };
        if packets > 0 {
            // Counted since the last stats, stamped with this second.
            let ms = a.wall_ms(now);
            a.count(ms, "packetsOut", None, packets);
            a.count(ms, "bytesOut", None, bytes);
        }
        let aggregated = a.take_aggregates();
        let uptime = a
            .start
            .map_or(0.0, |s| now.saturating_duration_since(s).as_secs_f64());
        let server_id = if a.config.server_id.is_empty() {
            &a.config.hostname
        } else {
            &a.config.server_id
        };
        let stats = json!([{
            "serverId": server_id,
            "hostname": a.config.hostname,
            "pid": a.config.pid,
            "uptime": uptime,
            "clientsCount": clients,
            "pollingClientsCount": polling,
            "aggregatedEvents": aggregated,
            "namespaces": namespaces,
        }]);
        self.admin_broadcast("server_stats", stats);
    }

    /// A socket connected: the admins hear of it; an admin socket gets
    /// `config` and, in development mode, `all_sockets`.
    pub(crate) fn admin_on_connect(&mut self, socket: SocketId, nsp: &str) {
        if self.admin.is_none() {
            return;
        }
        if self.admin_watching() {
            if let Some(s) = self.admin_socket_json(socket) {
                let date = self.admin_date();
                self.admin_broadcast("socket_connected", json!([s, date]));
            }
        }
        if !self.is_admin_nsp(nsp) {
            return;
        }
        let Some(a) = self.admin.as_deref() else {
            return;
        };
        let (config, verbose) = (a.features_json.clone(), a.verbose());
        self.admin_send(&[socket], "config", config);
        if verbose {
            let all = json!([self.admin_all_sockets()]).to_string();
            self.admin_send(&[socket], "all_sockets", all);
        }
    }

    /// A socket left its namespace: `socket_disconnected`, then, as Node's
    /// adapter reports it, `room_left` for each of its rooms.
    pub(crate) fn admin_on_disconnect(
        &mut self,
        socket: SocketId,
        nsp: &str,
        reason: DisconnectReason,
        rooms: &[String],
    ) {
        if !self.admin_watching() {
            return;
        }
        let date = self.admin_date();
        let args = json!([nsp, socket.as_str(), reason.as_str(), date]);
        self.admin_broadcast("socket_disconnected", args);
        for room in rooms {
            self.admin_on_room(socket, Some(nsp), room, false);
        }
    }

    /// A socket of `nsp` (looked up when `None`) joined (or left) a room.
    pub(crate) fn admin_on_room(
        &mut self,
        socket: SocketId,
        nsp: Option<&str>,
        room: &str,
        joined: bool,
    ) {
        if !self.admin_watching() {
            return;
        }
        let nsp = match nsp {
            Some(n) => n.to_owned(),
            None => match self.sockets.get(&socket) {
                Some(s) => s.nsp.clone(),
                None => return,
            },
        };
        let date = self.admin_date();
        let event = if joined { "room_joined" } else { "room_left" };
        self.admin_broadcast(event, json!([nsp, room, socket.as_str(), date]));
    }

    /// An event between a client and the application, outside the admin
    /// namespace: `event_received` (`incoming`) or `event_sent`.
    pub(crate) fn admin_on_event(
        &mut self,
        socket: SocketId,
        event: &str,
        args: &Args,
        incoming: bool,
    ) {
        if !self.admin_watching() {
            return;
        }
        let Some(nsp) = self.sockets.get(&socket).map(|s| s.nsp.clone()) else {
            return;
        };
        if self.is_admin_nsp(&nsp) {
            return;
        }
        let mut list: Vec<Value> = serde_json::from_slice(&args.json).unwrap_or_default();
        list.insert(0, Value::from(event));
        let date = self.admin_date();
        let name = if incoming {
            "event_received"
        } else {
            "event_sent"
        };
        self.admin_broadcast(name, json!([nsp, socket.as_str(), list, date]));
    }

    /// The Engine.IO layer's events, counted for the stats (and an upgrade
    /// reported as `socket_updated`).
    pub(crate) fn admin_on_engine(&mut self, ev: &EngineEvent) {
        let Some(now) = self.now else { return };
        let Some(a) = self.admin.as_deref_mut() else {
            return;
        };
        let ms = a.wall_ms(now);
        match ev {
            EngineEvent::Open { .. } => a.count(ms, "rawConnection", None, 1),
            EngineEvent::Close { reason, .. } => {
                a.count(ms, "rawDisconnection", Some(reason.as_str()), 1)
            }
            EngineEvent::Message { msg, .. } => {
                let len = match msg {
                    Message::Text(b) | Message::Binary(b) => b.len(),
                };
                a.count(ms, "packetsIn", None, 1);
                a.count(ms, "bytesIn", None, len as u64);
            }
            EngineEvent::Upgrade { sid } => self.admin_on_upgrade(*sid),
            _ => {}
        }
    }

    /// A socket's data changed: `socket_updated` with it.
    pub(crate) fn admin_on_data(&mut self, socket: SocketId) {
        if !self.admin_watching() {
            return;
        }
        let Some(state) = self.sockets.get(&socket) else {
            return;
        };
        let data: Value = serde_json::from_slice(&state.data_json()).unwrap_or(json!({}));
        let update = json!([{ "id": socket.as_str(), "nsp": state.nsp, "data": data }]);
        self.admin_broadcast("socket_updated", update);
    }

    /// The sockets of session `sid` moved to WebSocket.
    fn admin_on_upgrade(&mut self, sid: Sid) {
        if !self.admin_watching() {
            return;
        }
        let sockets: Vec<(String, SocketId)> = self
            .clients
            .get(&sid)
            .map(|c| c.sockets.clone())
            .unwrap_or_default();
        for (nsp, socket) in sockets {
            let update = json!([{ "id": socket.as_str(), "nsp": nsp, "transport": "websocket" }]);
            self.admin_broadcast("socket_updated", update);
        }
    }
}
