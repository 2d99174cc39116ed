//! What other cluster members send: broadcasts for this server's sockets,
//! requests to apply or answer, and answers to this server's requests.
//! Nothing a member sends can make the core panic or disturb a session:
//! what cannot be decoded is dropped with a [`SocketEvent::ClusterFault`].

use super::outgoing::op_of;
use super::{PendingKind, RemoteAck};
use crate::bus::BusInput;
use crate::cluster::{
    Request, RequestMsg, Response, decode_broadcast, decode_request, decode_response,
};
use crate::socket::acks::AckOwner;
use crate::socket::event::{Args, ServerSideAckId, SocketEvent, SocketInfo};
use crate::socket::server::{SioServer, Timer};
use bytes::Bytes;
use std::cmp::Reverse;
use std::time::Duration;

/// The longest a peer's acked broadcast keeps this member forwarding
/// acks: a peer's timeout beyond it (up to `u64::MAX` ms on the wire)
/// would keep its state for ever.
pub(crate) const MAX_REMOTE_ACK_TIMEOUT: Duration = Duration::from_secs(3600);

/// Which of a namespace's channels a message came on.
enum Arrival {
    Broadcast {
        nsp: String,
        room: Bytes,
    },
    Request(String),
    Response,
    /// A streams adapter's message (a request or an answer) for `nsp`.
    Adapter(String),
}

impl SioServer {
    /// Takes one report of the bus.
    pub(crate) fn on_bus(&mut self, input: BusInput) {
        match input {
            BusInput::Message { channel, payload } => self.on_bus_message(&channel, payload),
            BusInput::Count { query, count } => self.on_member_count(query.0, count),
            // The streams adapter's reports (streams.rs).
            other => self.on_streams_bus(other),
        }
    }

    fn arrival(&self, channel: &Bytes) -> Option<Arrival> {
        let member = self.member.as_deref()?;
        if member.streams.is_some() {
            return member.channels.iter().find_map(|(nsp, ch)| {
                let c = &channel[..];
                (c == ch.request().as_bytes() || c == ch.own_response().as_bytes())
                    .then(|| Arrival::Adapter(nsp.clone()))
            });
        }
        for (nsp, ch) in &member.channels {
            if let Some(room) = ch.broadcast_room(channel) {
                return Some(Arrival::Broadcast {
                    nsp: nsp.clone(),
                    room: channel.slice_ref(room),
                });
            }
            let c = &channel[..];
            if c == ch.request().as_bytes() {
                return Some(Arrival::Request(nsp.clone()));
            }
            if c == ch.response().as_bytes() || c == ch.own_response().as_bytes() {
                return Some(Arrival::Response);
            }
        }
        None
    }

    fn on_bus_message(&mut self, channel: &Bytes, payload: Bytes) {
        match self.arrival(channel) {
            Some(Arrival::Broadcast { nsp, room }) => {
                self.on_remote_broadcast(&nsp, &room, &payload)
            }
            Some(Arrival::Request(nsp)) => self.on_remote_request(&nsp, &payload),
            Some(Arrival::Response) => self.on_remote_response(&payload),
            Some(Arrival::Adapter(nsp)) => self.on_adapter_message(&nsp, &payload),
            None => {} // another namespace's, or another prefix's
        }
    }

    pub(crate) fn cluster_fault(&mut self, what: String) {
        self.events.push_back(SocketEvent::ClusterFault { what });
    }

    /// A broadcast published by a member (this one's own come back too).
    fn on_remote_broadcast(&mut self, nsp: &str, room: &[u8], payload: &[u8]) {
        if !room.is_empty() {
            // Dropped before decoding when no local socket is in the room.
            let known = std::str::from_utf8(room)
                .ok()
                .zip(self.namespaces.get(nsp))
                .is_some_and(|(room, ns)| ns.has_room(room));
            if !known {
                return;
            }
        }
        let msg = match decode_broadcast(payload) {
            Ok(m) => m,
            Err(e) => return self.cluster_fault(format!("undecodable broadcast on {nsp}: {e}")),
        };
        if self.cluster_uid() == Some(msg.uid.as_str()) || msg.nsp != nsp {
            return;
        }
        let op = op_of(&msg.opts);
        if let Err(e) = self.broadcast(nsp, &op, &msg.event, &msg.args) {
            self.cluster_fault(format!("broadcast from {} refused: {e}", msg.uid));
        }
    }

    /// A request of a member (this one's own are recognised by uid and
    /// ignored: it applied them itself).
    fn on_remote_request(&mut self, nsp: &str, payload: &[u8]) {
        let RequestMsg { uid, request } = match decode_request(payload) {
            Ok(m) => m,
            Err(e) => return self.cluster_fault(format!("undecodable request on {nsp}: {e}")),
        };
        self.on_request(nsp, uid, request);
    }

    /// A request of member `uid` (`None`: the emitter), whatever its wire.
    pub(crate) fn on_request(&mut self, nsp: &str, uid: Option<String>, request: Request) {
        if uid.is_some() && uid.as_deref() == self.cluster_uid() {
            return;
        }
        let Some(member) = self.member.as_deref() else {
            return;
        };
        let Some(ch) = member.channels.get(nsp) else {
            return;
        };
        // Answers go to the requester's own channel (every 8.x member
        // listens there), or the shared one for a requester without uid.
        let reply_to = match &uid {
            Some(uid) => ch.response_to(uid),
            None => ch.response().to_owned(),
        };
        // Server-side answers: the classic adapter's go to the shared
        // channel, the streams adapter's to the requester's.
        let shared = match member.streams {
            None => ch.response().to_owned(),
            Some(_) => reply_to.clone(),
        };
        match request {
            Request::Sockets { request_id, rooms } => {
                let mut op = crate::socket::namespace::BroadcastOp::all();
                op.rooms = rooms;
                op.local = true;
                let sockets = self
                    .select(nsp, &op)
                    .iter()
                    .map(|s| s.as_str().to_owned())
                    .collect();
                self.reply(
                    nsp,
                    reply_to,
                    &Response::SocketIds {
                        request_id,
                        sockets,
                    },
                );
            }
            Request::AllRooms { request_id } => {
                let rooms = self
                    .namespaces
                    .get(nsp)
                    .map(|ns| ns.room_names())
                    .unwrap_or_default();
                self.reply(nsp, reply_to, &Response::Rooms { request_id, rooms });
            }
            Request::Join { opts, rooms } => {
                let _ = self.sockets_join(nsp, &op_of(&opts), &rooms);
            }
            Request::Leave { opts, rooms } => {
                let _ = self.sockets_leave(nsp, &op_of(&opts), &rooms);
            }
            Request::Disconnect { opts, close } => {
                let _ = self.disconnect_sockets(nsp, &op_of(&opts), close);
            }
            Request::LegacySocket {
                kind,
                request_id,
                sid,
                room,
            } => {
                let socket = crate::sid::Sid::parse(&sid)
                    .filter(|s| self.sockets.get(s).is_some_and(|st| st.nsp == nsp));
                if let Some(socket) = socket {
                    let _ = match kind {
                        2 => self.join(socket, &room),
                        3 => self.leave(socket, &room),
                        _ => self.disconnect(socket, false),
                    };
                    self.reply(nsp, reply_to, &Response::Other { request_id });
                }
            }
            Request::Fetch { request_id, opts } => {
                let sockets = self
                    .local_infos(nsp, &op_of(&opts))
                    .into_iter()
                    .map(|s: SocketInfo| crate::cluster::RemoteSocket {
                        id: s.id,
                        handshake: s.handshake,
                        rooms: s.rooms,
                        data: s.data,
                    })
                    .collect();
                self.reply(
                    nsp,
                    reply_to,
                    &Response::Fetch {
                        request_id,
                        sockets,
                    },
                );
            }
            Request::ServerSideEmit {
                request_id,
                event,
                args,
            } => {
                let ack = request_id.map(|request_id| {
                    let member = self.member.as_deref_mut().expect("checked above");
                    let key = member.next_remote;
                    member.next_remote += 1;
                    member.server_side_acks.insert(
                        key,
                        RemoteAck {
                            channel: shared,
                            request_id,
                            nsp: nsp.to_owned(),
                        },
                    );
                    // The requester waits `requests_timeout` (the same
                    // on every member); a later answer would be dropped.
                    let timeout = member.requests_timeout;
                    let at = self.deadline(timeout);
                    self.timers.push(Reverse((at, Timer::ServerSideAck(key))));
                    ServerSideAckId(key)
                });
                self.events.push_back(SocketEvent::ServerSideEvent {
                    nsp: nsp.to_owned(),
                    event,
                    args,
                    ack,
                });
            }
            Request::Broadcast {
                request_id,
                event,
                args,
                opts,
            } => {
                let timeout = opts
                    .timeout
                    .map(Duration::from_millis)
                    .unwrap_or(member.requests_timeout)
                    .min(MAX_REMOTE_ACK_TIMEOUT);
                self.remote_broadcast_with_ack(
                    nsp, &opts, &event, &args, request_id, reply_to, timeout,
                );
            }
        }
    }

    /// Publishes an answer.
    fn reply(&mut self, nsp: &str, channel: String, response: &Response) {
        if let Some(member) = self.member.as_deref_mut() {
            let payload = member.encode_response(nsp, response);
            member.publish(channel, payload);
        }
    }

    /// Another member's acked broadcast: sent to the sockets selected
    /// here, their count answered at once (0 too), each client's ack
    /// forwarded as it comes, until `timeout`.
    #[allow(clippy::too_many_arguments)]
    fn remote_broadcast_with_ack(
        &mut self,
        nsp: &str,
        opts: &crate::cluster::Opts,
        event: &str,
        args: &Args,
        request_id: String,
        reply_to: String,
        timeout: Duration,
    ) {
        let op = op_of(opts);
        let recipients = self.recipients(nsp, &op, event).unwrap_or_default();
        let member = self.member.as_deref_mut().expect("a cluster member");
        let key = member.next_remote;
        member.next_remote += 1;
        let count = self.send_with_acks(nsp, recipients, event, args, AckOwner::Remote(key)) as u64;
        self.reply(
            nsp,
            reply_to.clone(),
            &Response::ClientCount {
                request_id: request_id.clone(),
                count,
            },
        );
        if count > 0 {
            let member = self.member.as_deref_mut().expect("a cluster member");
            member.remote_acks.insert(
                key,
                RemoteAck {
                    channel: reply_to,
                    request_id,
                    nsp: nsp.to_owned(),
                },
            );
            let at = self.deadline(timeout);
            self.timers.push(Reverse((at, Timer::RemoteAck(key))));
        }
    }

    /// A client answered another member's acked broadcast: forward it.
    pub(crate) fn on_remote_ack(&mut self, key: u64, args: &Args) {
        let Some(member) = self.member.as_deref() else {
            return;
        };
        let Some(r) = member.remote_acks.get(&key).cloned() else {
            return; // timed out already
        };
        let response = Response::BroadcastAck {
            request_id: r.request_id,
            data: super::first_arg(args),
        };
        self.reply(&r.nsp, r.channel, &response);
    }

    /// Another member's acked broadcast ended: later acks are dropped.
    pub(crate) fn remote_ack_timeout(&mut self, key: u64) {
        if let Some(member) = self.member.as_deref_mut() {
            member.remote_acks.remove(&key);
        }
    }

    /// The requester of a server-side event stopped waiting: the
    /// application's answer is no longer sent.
    pub(crate) fn server_side_ack_timeout(&mut self, key: u64) {
        if let Some(member) = self.member.as_deref_mut() {
            member.server_side_acks.remove(&key);
        }
    }

    /// An answer to some member's request: collected if it is this one's.
    fn on_remote_response(&mut self, payload: &[u8]) {
        let response = match decode_response(payload) {
            Ok(r) => r,
            Err(e) => return self.cluster_fault(format!("undecodable response: {e}")),
        };
        self.on_response(response);
    }

    /// An answer to some member's request, whatever its wire.
    pub(crate) fn on_response(&mut self, response: Response) {
        let request_id = match &response {
            Response::Fetch { request_id, .. }
            | Response::SocketIds { request_id, .. }
            | Response::Rooms { request_id, .. }
            | Response::ServerSideEmit { request_id, .. }
            | Response::ClientCount { request_id, .. }
            | Response::BroadcastAck { request_id, .. }
            | Response::Other { request_id } => request_id,
        };
        let Some(member) = self.member.as_deref_mut() else {
            return;
        };
        // Others' requests' answers (on the shared channel) are not ours.
        let Some(&seq) = member.wire_ids.get(request_id) else {
            return;
        };
        let Some(p) = member.requests.get_mut(&seq) else {
            return;
        };
        let complete_check = match (&mut p.kind, response) {
            (PendingKind::Fetch { sockets, .. }, Response::Fetch { sockets: found, .. }) => {
                p.received += 1;
                sockets.extend(found.into_iter().map(|s| SocketInfo {
                    id: s.id,
                    rooms: s.rooms,
                    data: s.data,
                    handshake: s.handshake,
                    local: false,
                }));
                true
            }
            (PendingKind::ServerSide { replies, .. }, Response::ServerSideEmit { data, .. }) => {
                p.received += 1;
                replies.push(data);
                true
            }
            (PendingKind::Rooms { rooms, .. }, Response::Rooms { rooms: found, .. }) => {
                p.received += 1;
                rooms.extend(found);
                true
            }
            (PendingKind::Broadcast { bid }, Response::ClientCount { count, .. }) => {
                let bid = *bid;
                if let Some(r) = self
                    .broadcast_acks
                    .get_mut(&bid)
                    .and_then(|b| b.remote.as_mut())
                {
                    r.counts += 1;
                    r.clients += count;
                }
                true
            }
            (PendingKind::Broadcast { bid }, Response::BroadcastAck { data, .. }) => {
                let bid = *bid;
                if let Some(r) = self
                    .broadcast_acks
                    .get_mut(&bid)
                    .and_then(|b| b.remote.as_mut())
                {
                    r.replies.push(data);
                }
                true
            }
            // Counted, but it completes nothing (Node's rule): if it was
            // the last answer expected, the request times out.
            (
                PendingKind::Fetch { .. }
                | PendingKind::ServerSide { .. }
                | PendingKind::Rooms { .. },
                _,
            ) => {
                p.received += 1;
                false
            }
            (PendingKind::Broadcast { .. } | PendingKind::Count { .. }, _) => false,
        };
        if complete_check {
            self.check_request(seq);
        }
    }
}
