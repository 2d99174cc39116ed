//! What the application asks of the cluster: broadcasts published for the
//! other members, room changes and disconnections applied everywhere,
//! sockets fetched from every member, server-side events, and the
//! bookkeeping of requests waiting for answers.

use super::{Member, PendingKind, RemoteAck, token};
use crate::cluster::{Opts, Request, Response, encode_broadcast};
use crate::socket::event::{
    Args, ClusterError, ClusterRequestId, ServerSideAckId, SocketEvent, SocketId, SocketInfo,
};
use crate::socket::namespace::BroadcastOp;
use crate::socket::server::{SioError, SioServer, Timer, check_event_name};
use bytes::Bytes;
use std::cmp::Reverse;
use std::time::Instant;

/// The wire `opts` of a selection.
pub(crate) fn opts_of(op: &BroadcastOp) -> Opts {
    let mut except = op.except.clone();
    except.extend(op.except_socket.map(|s| s.as_str().to_owned()));
    Opts {
        rooms: op.rooms.clone(),
        except,
        volatile: op.volatile,
        timeout: None,
    }
}

/// The selection of wire `opts` (this server's sockets only).
pub(crate) fn op_of(opts: &Opts) -> BroadcastOp {
    BroadcastOp {
        rooms: opts.rooms.clone(),
        except: opts.except.clone(),
        except_socket: None,
        volatile: opts.volatile,
        local: true,
    }
}

impl SioServer {
    /// This server's id on the cluster bus (`None` when it is no cluster
    /// member).
    pub fn cluster_uid(&self) -> Option<&str> {
        self.member.as_deref().map(|m| m.uid.as_str())
    }

    /// The sizes of the cluster state (`None` when this server is no
    /// cluster member): for tests and fuzzing.
    #[doc(hidden)]
    pub fn cluster_stats(&self) -> Option<super::ClusterStats> {
        self.member.as_deref().map(Member::stats)
    }

    /// The member state, when `op` should reach the other members.
    pub(crate) fn member_for(&mut self, op: &BroadcastOp) -> Option<&mut Member> {
        if op.local {
            return None;
        }
        self.member.as_deref_mut()
    }

    /// A fresh wire request id.
    fn request_id(&mut self) -> String {
        token(&self.ids.seed()[..6])
    }

    /// Publishes a broadcast for the other members (after the local one).
    pub(crate) fn publish_broadcast(
        &mut self,
        nsp: &str,
        op: &BroadcastOp,
        event: &str,
        args: &Args,
    ) {
        let Some(member) = self.member_for(op) else {
            return;
        };
        if member.streams.is_some() {
            // Through the stream (`append_broadcast`), or local while the
            // bus is down.
            return;
        }
        let Some(ch) = member.channels.get(nsp) else {
            return;
        };
        let opts = opts_of(op);
        let channel = ch.broadcast(&opts.rooms);
        let payload = encode_broadcast(&member.uid, nsp, event, args, &opts);
        member.publish(channel, payload);
    }

    /// Publishes an acked broadcast for the other members (Node's type-7
    /// request, with the timeout in its flags) and asks for the member
    /// count, in parallel as Node does; `None` when it stays local.
    pub(crate) fn publish_acked_broadcast(
        &mut self,
        nsp: &str,
        op: &BroadcastOp,
        event: &str,
        args: &Args,
        timeout: std::time::Duration,
        bid: u64,
    ) -> Option<crate::socket::acks::RemoteAcks> {
        let request_id = self.request_id();
        let member = self.member_for(op)?;
        let ch = member.channels.get(nsp)?;
        let channel = ch.request().to_owned();
        let mut opts = opts_of(op);
        opts.timeout = Some(u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX));
        let request = Request::Broadcast {
            request_id: request_id.clone(),
            event: event.to_owned(),
            args: args.clone(),
            opts,
        };
        let payload = member.encode_request(nsp, &request)?;
        member.publish(channel.clone(), payload);
        let seq = member.start_request(channel, request_id, None, PendingKind::Broadcast { bid });
        Some(crate::socket::acks::RemoteAcks {
            seq,
            ..Default::default()
        })
    }

    /// Publishes a request that needs no answer (room changes, disconnections).
    fn publish_request(&mut self, nsp: &str, op: &BroadcastOp, request: Request) {
        if let Some(member) = self.member_for(op) {
            member.send_request(nsp, request);
        }
    }

    fn check_namespace(&self, nsp: &str) -> Result<(), SioError> {
        if self.namespaces.contains_key(nsp) {
            Ok(())
        } else {
            Err(SioError::UnknownNamespace(nsp.to_owned()))
        }
    }

    /// Makes the sockets `op` selects in `nsp` join `rooms`, on every
    /// cluster member unless `op` is local (Node's `socketsJoin`).
    pub fn sockets_join(
        &mut self,
        nsp: &str,
        op: &BroadcastOp,
        rooms: &[String],
    ) -> Result<(), SioError> {
        self.change_rooms(nsp, op, rooms, true)
    }

    /// Makes the sockets `op` selects in `nsp` leave `rooms`, on every
    /// cluster member unless `op` is local (Node's `socketsLeave`).
    pub fn sockets_leave(
        &mut self,
        nsp: &str,
        op: &BroadcastOp,
        rooms: &[String],
    ) -> Result<(), SioError> {
        self.change_rooms(nsp, op, rooms, false)
    }

    fn change_rooms(
        &mut self,
        nsp: &str,
        op: &BroadcastOp,
        rooms: &[String],
        join: bool,
    ) -> Result<(), SioError> {
        self.check_namespace(nsp)?;
        for socket in self.select(nsp, op) {
            for room in rooms {
                let _ = if join {
                    self.join(socket, room)
                } else {
                    self.leave(socket, room)
                };
            }
        }
        let (opts, rooms) = (opts_of(op), rooms.to_vec());
        let request = if join {
            Request::Join { opts, rooms }
        } else {
            Request::Leave { opts, rooms }
        };
        self.publish_request(nsp, op, request);
        Ok(())
    }

    /// Disconnects the sockets `op` selects in `nsp` (with `close`, their
    /// whole connections), on every cluster member unless `op` is local
    /// (Node's `disconnectSockets`).
    pub fn disconnect_sockets(
        &mut self,
        nsp: &str,
        op: &BroadcastOp,
        close: bool,
    ) -> Result<(), SioError> {
        self.check_namespace(nsp)?;
        for socket in self.select(nsp, op) {
            let _ = self.disconnect(socket, close);
        }
        let opts = opts_of(op);
        self.publish_request(nsp, op, Request::Disconnect { opts, close });
        Ok(())
    }

    /// The sockets of `nsp` that `op` selects, as this server reports
    /// them to a fetch.
    pub(crate) fn local_infos(&self, nsp: &str, op: &BroadcastOp) -> Vec<SocketInfo> {
        let mut ids = self.select(nsp, op);
        ids.sort_unstable();
        ids.into_iter()
            .filter_map(|id| self.socket_info_of(id))
            .collect()
    }

    /// One connected socket as a fetch reports it.
    fn socket_info_of(&self, id: SocketId) -> Option<SocketInfo> {
        let state = self.sockets.get(&id)?;
        let handshake = self
            .engine
            .session(state.engine)
            .map(|s| crate::cluster::handshake_json(s.handshake, &state.auth))
            .unwrap_or_else(|| Bytes::from_static(b"{}"));
        Some(SocketInfo {
            id: id.as_str().to_owned(),
            rooms: state.rooms.clone(),
            data: state.data_json(),
            handshake,
            local: true,
        })
    }

    /// Sets the data other members see for `socket` in a fetch (Node's
    /// `socket.data`), as JSON. The default is `{}`.
    pub fn set_socket_data(&mut self, socket: SocketId, json: Bytes) -> Result<(), SioError> {
        let state = self
            .sockets
            .get_mut(&socket)
            .ok_or(SioError::UnknownSocket(socket))?;
        state.data = Some(Box::new(json));
        self.session_changed(socket);
        self.admin_on_data(socket);
        Ok(())
    }

    /// Finds the sockets `op` selects in `nsp` on every cluster member
    /// (only here when `op` is local or there is no cluster): a later
    /// [`SocketEvent::FetchedSockets`] with the returned id, possibly in
    /// this very drain.
    pub fn fetch_sockets(
        &mut self,
        now: Instant,
        nsp: &str,
        op: &BroadcastOp,
    ) -> Result<ClusterRequestId, SioError> {
        self.tick(now);
        self.check_namespace(nsp)?;
        let id = self.next_cluster_id();
        let kind = PendingKind::Fetch {
            id,
            sockets: self.local_infos(nsp, op),
        };
        let opts = opts_of(op);
        self.ask_members(nsp, op.local, kind, |request_id| {
            Some(Request::Fetch { request_id, opts })
        });
        Ok(id)
    }

    /// Counts the members of the cluster in `nsp` (this one included;
    /// Node's `adapter.serverCount()`): a later [`SocketEvent::ServerCount`]
    /// with the returned id (1 at once without a cluster).
    pub fn server_count(&mut self, now: Instant, nsp: &str) -> Result<ClusterRequestId, SioError> {
        self.tick(now);
        self.check_namespace(nsp)?;
        let id = self.next_cluster_id();
        self.ask_members(nsp, false, PendingKind::Count { id }, |_| None);
        Ok(id)
    }

    /// Every room of `nsp` on every member (Node's `adapter.allRooms()`):
    /// a later [`SocketEvent::AllRooms`] with the returned id.
    pub fn all_rooms(&mut self, now: Instant, nsp: &str) -> Result<ClusterRequestId, SioError> {
        self.tick(now);
        self.check_namespace(nsp)?;
        let id = self.next_cluster_id();
        let rooms = self.namespaces[nsp].room_names().into_iter().collect();
        let kind = PendingKind::Rooms { id, rooms };
        self.ask_members(nsp, false, kind, |request_id| {
            Some(Request::AllRooms { request_id })
        });
        Ok(id)
    }

    /// Emits `event` to the other cluster members' server-side listeners
    /// of `nsp` (never this server's own, as Node's `serverSideEmit`). A
    /// no-op without a cluster.
    pub fn server_side_emit(
        &mut self,
        nsp: &str,
        event: &str,
        args: &Args,
    ) -> Result<(), SioError> {
        self.check_namespace(nsp)?;
        check_event_name(event)?;
        let request = Request::ServerSideEmit {
            request_id: None,
            event: event.to_owned(),
            args: args.clone(),
        };
        self.publish_request(nsp, &BroadcastOp::all(), request);
        Ok(())
    }

    /// [`SioServer::server_side_emit`] waiting for one answer per other
    /// member until `requests_timeout`: a later
    /// [`SocketEvent::ServerSideAcks`] with the returned id (at once,
    /// empty, without a cluster or other members).
    pub fn server_side_emit_with_ack(
        &mut self,
        now: Instant,
        nsp: &str,
        event: &str,
        args: &Args,
    ) -> Result<ClusterRequestId, SioError> {
        self.tick(now);
        self.check_namespace(nsp)?;
        check_event_name(event)?;
        let id = self.next_cluster_id();
        let kind = PendingKind::ServerSide {
            id,
            replies: Vec::new(),
        };
        self.ask_members(nsp, false, kind, |request_id| {
            Some(Request::ServerSideEmit {
                request_id: Some(request_id),
                event: event.to_owned(),
                args: args.clone(),
            })
        });
        Ok(id)
    }

    /// Answers another member's server-side event
    /// ([`SocketEvent::ServerSideEvent`] with `ack`): the first of `args`
    /// goes back, as Node's callback sends its first argument. Once only,
    /// and within `requests_timeout` of the event: the requester has
    /// stopped waiting after that, and a later answer is dropped.
    pub fn server_side_ack(&mut self, ack: ServerSideAckId, args: &Args) -> Result<(), SioError> {
        let Some(member) = self.member.as_deref_mut() else {
            return Ok(());
        };
        let Some(RemoteAck {
            channel,
            request_id,
            nsp,
        }) = member.server_side_acks.remove(&ack.0)
        else {
            return Ok(());
        };
        let payload = member.encode_response(
            &nsp,
            &Response::ServerSideEmit {
                request_id,
                data: super::first_arg(args),
            },
        );
        member.publish(channel, payload);
        Ok(())
    }

    fn next_cluster_id(&mut self) -> ClusterRequestId {
        let id = ClusterRequestId(self.next_cluster_request);
        self.next_cluster_request += 1;
        id
    }

    fn start_request_timer(&mut self, seq: u64) {
        let Some(member) = self.member.as_deref() else {
            return;
        };
        let at = self.deadline(member.requests_timeout);
        self.timers.push(Reverse((at, Timer::ClusterRequest(seq))));
    }

    /// The bus counted the members a request waits on.
    pub(crate) fn on_member_count(&mut self, query: u64, count: Option<usize>) {
        let Some(member) = self.member.as_deref_mut() else {
            return;
        };
        let Some(seq) = member.queries.remove(&query) else {
            return;
        };
        let Some(p) = member.requests.get_mut(&seq) else {
            return;
        };
        p.query = None;
        if let PendingKind::Count { id } = p.kind {
            member.finish(seq);
            self.events
                .push_back(SocketEvent::ServerCount { id, count });
            return;
        }
        let Some(count) = count else {
            self.fail_request(seq, ClusterError::BusUnavailable);
            return;
        };
        // This member is one of the subscribers; the others answer.
        let others = count.saturating_sub(1);
        p.expected = Some(others);
        if others > 0 {
            if let Some((channel, payload)) = p.publish.take() {
                member.publish(channel, payload);
            }
        }
        self.check_request(seq);
    }

    /// Completes request `seq` if every expected answer came.
    pub(crate) fn check_request(&mut self, seq: u64) {
        let Some(member) = self.member.as_deref_mut() else {
            return;
        };
        let Some(p) = member.requests.get(&seq) else {
            return;
        };
        if let PendingKind::Broadcast { bid } = p.kind {
            self.check_broadcast(bid);
            return;
        }
        if p.expected.is_some_and(|e| p.received >= e) {
            self.end_request(seq, None);
        }
    }

    /// Ends request `seq` with what it has, and `error`.
    fn end_request(&mut self, seq: u64, error: Option<ClusterError>) {
        let Some(member) = self.member.as_deref_mut() else {
            return;
        };
        let Some(p) = member.finish(seq) else {
            return;
        };
        self.report(p.kind, error);
    }

    /// Answers the application's request with what `kind` collected. A
    /// count without an error is this member alone (no cluster, or a
    /// local operation); with one, unknown.
    fn report(&mut self, kind: PendingKind, error: Option<ClusterError>) {
        let event = match kind {
            PendingKind::Fetch { id, sockets } => {
                SocketEvent::FetchedSockets { id, sockets, error }
            }
            PendingKind::ServerSide { id, replies } => {
                SocketEvent::ServerSideAcks { id, replies, error }
            }
            PendingKind::Broadcast { bid } => return self.broadcast_ack_timeout(bid),
            PendingKind::Count { id } => SocketEvent::ServerCount {
                id,
                count: error.is_none().then_some(1),
            },
            PendingKind::Rooms { id, rooms } => SocketEvent::AllRooms {
                id,
                rooms: rooms.into_iter().collect(),
                error,
            },
        };
        self.events.push_back(event);
    }

    /// Starts a request of the application that waits for the other
    /// members of `nsp`: counts them, then publishes what `request` builds
    /// from the fresh wire request id (`None`: the count is the answer),
    /// and collects into `kind` until `requests_timeout`. Without a
    /// cluster, or when `local`, answered at once with `kind` as it is
    /// (this server's part).
    fn ask_members(
        &mut self,
        nsp: &str,
        local: bool,
        kind: PendingKind,
        request: impl FnOnce(String) -> Option<Request>,
    ) {
        let request_id = self.request_id();
        let member = match self.member.as_deref_mut() {
            Some(m) if !local => m,
            _ => return self.report(kind, None),
        };
        let channel = member.channels[nsp].request().to_owned();
        let publish = match request(request_id.clone()) {
            None => None,
            Some(r) => match member.encode_request(nsp, &r) {
                Some(payload) => Some((channel.clone(), payload)),
                // Not in this adapter's protocol: this server's part only.
                None => return self.report(kind, None),
            },
        };
        let seq = member.start_request(channel, request_id, publish, kind);
        self.start_request_timer(seq);
    }

    fn fail_request(&mut self, seq: u64, error: ClusterError) {
        self.end_request(seq, Some(error));
    }

    /// A request's `requests_timeout` passed.
    pub(crate) fn cluster_request_timeout(&mut self, seq: u64) {
        let Some(p) = self.member.as_deref().and_then(|m| m.requests.get(&seq)) else {
            return;
        };
        let error = ClusterError::Timeout {
            received: p.received,
            expected: p.expected.unwrap_or(0),
        };
        self.fail_request(seq, error);
    }
}
