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
}

/// A broadcast whose answers are being collected.
#[derive(Debug)]
pub(crate) struct BroadcastAcks {
    /// Recipients that have not answered yet.
    pub waiting: usize,
    pub replies: Vec<(SocketId, Args)>,
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
    /// `max_pending_acks` outstanding are skipped.
    pub fn broadcast_with_ack(
        &mut self,
        nsp: &str,
        op: &BroadcastOp,
        event: &str,
        args: &Args,
        timeout: Duration,
    ) -> Result<BroadcastAckId, SioError> {
        let recipients = self.recipients(nsp, op, event)?;
        let bid = self.next_broadcast;
        self.next_broadcast += 1;
        let limit = self.config.max_pending_acks;
        let mut waiting = 0;
        for socket in recipients {
            let Some(state) = self.sockets.get_mut(&socket) else {
                continue;
            };
            if state.acks.len() >= limit {
                continue;
            }
            let id = state.next_ack;
            state.next_ack += 1;
            state.acks.insert(id, AckOwner::Broadcast(bid));
            let packet = event_packet(nsp, event, args, Some(id));
            let sid = state.engine;
            self.send_packet(sid, &packet);
            waiting += 1;
        }
        let id = BroadcastAckId(bid);
        if waiting == 0 {
            self.events.push_back(SocketEvent::BroadcastAck {
                id,
                replies: Vec::new(),
                timed_out: false,
            });
        } else {
            self.broadcast_acks.insert(
                bid,
                BroadcastAcks {
                    waiting,
                    replies: Vec::new(),
                },
            );
            let deadline = self.deadline(timeout);
            self.timers
                .push(Reverse((deadline, Timer::BroadcastAck(bid))));
        }
        Ok(id)
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
                if b.waiting == 0 {
                    let b = self.broadcast_acks.remove(&bid).expect("present");
                    self.events.push_back(SocketEvent::BroadcastAck {
                        id: BroadcastAckId(bid),
                        replies: b.replies,
                        timed_out: false,
                    });
                }
            }
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
        if let Some(b) = self.broadcast_acks.remove(&bid) {
            self.events.push_back(SocketEvent::BroadcastAck {
                id: BroadcastAckId(bid),
                replies: b.replies,
                timed_out: true,
            });
        }
    }
}
