//! Acks the server waits for: from one socket ([`SioServer::emit_with_ack`])
//! or from every recipient of a broadcast
//! ([`SioServer::broadcast_with_ack`]).

use super::event::{Args, BroadcastAckId, SocketEvent, SocketId};
use super::namespace::BroadcastOp;
use super::server::{SioError, SioServer, Timer, check_event_name, event_packet};
use std::cmp::Reverse;
use std::time::{Duration, Instant};

/// What waits for one socket's ack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AckOwner {
    /// The application, until this deadline.
    Single(Instant),
    /// A broadcast collecting answers.
    Broadcast(u64),
    /// Another cluster member's broadcast: the answer goes back to it.
    Remote(u64),
}

/// A broadcast whose answers are being collected.
#[derive(Debug)]
pub(crate) struct BroadcastAcks {
    /// Recipients that have not answered yet.
    pub waiting: usize,
    pub replies: Vec<(SocketId, Args)>,
    /// What the other cluster members report, when it went to them too.
    pub remote: Option<RemoteAcks>,
}

/// The other members' side of an acked broadcast.
#[derive(Debug, Default)]
pub(crate) struct RemoteAcks {
    /// The cluster request collecting them.
    pub seq: u64,
    /// Client counts received (one per other member).
    pub counts: usize,
    /// Clients the counts add up to.
    pub clients: u64,
    /// Their answers.
    pub replies: Vec<Args>,
}

impl SioServer {
    /// Sends EVENT `event` to `socket` and waits up to `timeout` for its
    /// ack: later [`SocketEvent::Ack`] or [`SocketEvent::AckTimeout`] with
    /// the returned id.
    pub fn emit_with_ack(
        &mut self,
        socket: SocketId,
        event: &str,
        args: &Args,
        timeout: Duration,
    ) -> Result<u64, SioError> {
        check_event_name(event)?;
        let limit = self.config.max_pending_acks;
        let deadline = self.deadline(timeout);
        let state = self
            .sockets
            .get_mut(&socket)
            .ok_or(SioError::UnknownSocket(socket))?;
        if state.acks.len() >= limit {
            return Err(SioError::TooManyPendingAcks(socket));
        }
        let id = state.next_ack;
        state.next_ack += 1;
        state.acks.insert(id, AckOwner::Single(deadline));
        let packet = event_packet(&state.nsp, event, args, Some(id));
        let sid = state.engine;
        self.timers
            .push(Reverse((deadline, Timer::Ack(socket, id))));
        self.send_packet(sid, &packet);
        Ok(id)
    }

    /// Broadcasts EVENT `event` in `nsp` to the recipients `op` selects and
    /// collects their acks until `timeout`: later one
    /// [`SocketEvent::BroadcastAck`] with the returned id. Recipients with
    /// `max_pending_acks` outstanding are skipped. In a cluster, the other
    /// members' recipients count too (unless `op` is local).
    pub fn broadcast_with_ack(
        &mut self,
        now: Instant,
        nsp: &str,
        op: &BroadcastOp,
        event: &str,
        args: &Args,
        timeout: Duration,
    ) -> Result<BroadcastAckId, SioError> {
        self.tick(now);
        let recipients = self.recipients(nsp, op, event)?;
        let bid = self.next_broadcast;
        self.next_broadcast += 1;
        let waiting = self.send_with_acks(nsp, recipients, event, args, AckOwner::Broadcast(bid));
        let id = BroadcastAckId(bid);
        let remote = self.publish_acked_broadcast(nsp, op, event, args, timeout, bid);
        self.broadcast_acks.insert(
            bid,
            BroadcastAcks {
                waiting,
                replies: Vec::new(),
                remote,
            },
        );
        let deadline = self.deadline(timeout);
        self.timers
            .push(Reverse((deadline, Timer::BroadcastAck(bid))));
        self.check_broadcast(bid);
        Ok(id)
    }

    /// Sends EVENT `event` to each of `recipients` with an ack id of its
    /// own, owned by `owner`; skips sockets with `max_pending_acks`
    /// outstanding. Returns how many were sent.
    pub(crate) fn send_with_acks(
        &mut self,
        nsp: &str,
        recipients: Vec<SocketId>,
        event: &str,
        args: &Args,
        owner: AckOwner,
    ) -> usize {
        let limit = self.config.max_pending_acks;
        let mut sent = 0;
        for socket in recipients {
            let Some(state) = self.sockets.get_mut(&socket) else {
                continue;
            };
            if state.acks.len() >= limit {
                continue;
            }
            let id = state.next_ack;
            state.next_ack += 1;
            state.acks.insert(id, owner);
            let packet = event_packet(nsp, event, args, Some(id));
            let sid = state.engine;
            self.send_packet(sid, &packet);
            sent += 1;
        }
        sent
    }

    /// Reports broadcast `bid` if every answer it waits for came: its
    /// recipients here, every other member's count, and as many remote
    /// answers as the counts add up to.
    pub(crate) fn check_broadcast(&mut self, bid: u64) {
        let Some(b) = self.broadcast_acks.get(&bid) else {
            return;
        };
        if b.waiting > 0 {
            return;
        }
        if let Some(r) = &b.remote {
            let expected = self
                .member
                .as_deref()
                .and_then(|m| m.requests.get(&r.seq))
                .and_then(|p| p.expected);
            let counted = expected.is_some_and(|e| r.counts >= e);
            if !counted || (r.replies.len() as u64) < r.clients {
                return;
            }
        }
        self.end_broadcast(bid, false);
    }

    /// Reports broadcast `bid` with what came, and forgets it.
    fn end_broadcast(&mut self, bid: u64, timed_out: bool) {
        let Some(b) = self.broadcast_acks.remove(&bid) else {
            return;
        };
        let remote = match b.remote {
            Some(r) => {
                if let Some(m) = self.member.as_deref_mut() {
                    m.finish(r.seq);
                }
                r.replies
            }
            None => Vec::new(),
        };
        self.events.push_back(SocketEvent::BroadcastAck {
            id: BroadcastAckId(bid),
            replies: b.replies,
            remote,
            timed_out,
        });
    }

    /// A client's ACK packet.
    pub(crate) fn on_ack(&mut self, socket: SocketId, id: u64, args: Args) {
        let Some(state) = self.sockets.get_mut(&socket) else {
            return;
        };
        match state.acks.remove(&id) {
            Some(AckOwner::Single(_)) => {
                self.events.push_back(SocketEvent::Ack {
                    socket,
                    ack: id,
                    args,
                });
            }
            Some(AckOwner::Broadcast(bid)) => {
                let Some(b) = self.broadcast_acks.get_mut(&bid) else {
                    return; // the broadcast timed out already
                };
                b.replies.push((socket, args));
                b.waiting -= 1;
                self.check_broadcast(bid);
            }
            Some(AckOwner::Remote(key)) => self.on_remote_ack(key, &args),
            None => {} // unknown or already timed out: ignore
        }
    }

    /// The ack timer of `socket`'s ack `id` fired.
    pub(crate) fn ack_timeout(&mut self, socket: SocketId, id: u64, at: Instant) {
        let Some(state) = self.sockets.get_mut(&socket) else {
            return;
        };
        if state.acks.get(&id) == Some(&AckOwner::Single(at)) {
            state.acks.remove(&id);
            self.events
                .push_back(SocketEvent::AckTimeout { socket, ack: id });
        }
    }

    /// A broadcast's ack deadline passed: report what came in.
    pub(crate) fn broadcast_ack_timeout(&mut self, bid: u64) {
        self.end_broadcast(bid, true);
    }
}
