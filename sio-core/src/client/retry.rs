//! The retry queue of [`SioClient`] (the official `retries` option,
//! `_addToQueue` and `_drainQueue`, `specs/client.md` section 12): with
//! `retries` on, every emit that is not volatile waits in its
//! namespace's queue; only the head is sent, only while connected, each
//! try with a new ack id; an ack moves on to the next entry, a failed try
//! (timeout, disconnection) is sent again at once until `retries + 1`
//! tries are used up; a (re)connection sends the head again even if its
//! try is still pending.
//!
//! One difference from the official client, on purpose: without any ack
//! timeout, `socket.io-client` 4.8 hands the server's ack arguments to
//! its internal error-first callback unchanged, so a server ack whose
//! first argument is not `null` counts as a failure (and is retried).
//! Here every ack of a try is a success, and the application's
//! [`ClientEvent::Ack`] carries the server's arguments whole, as it does
//! with a timeout in the official client.

use super::event::{AckError, AckId, ClientEvent};
use super::manager::{ClientError, EmitOptions, SioClient, event_packet};
use super::namespace::{Owner, ack_deadline};
use crate::socket::Args;
use std::time::{Duration, Instant};

/// An emit waiting in the retry queue.
#[derive(Debug, Clone)]
pub(crate) struct Queued {
    /// Its place in the queue (the official `_queueSeq`).
    pub(crate) seq: u64,
    /// The id the application got, if it asked for an ack.
    pub(crate) app_id: Option<u64>,
    pub(crate) event: String,
    pub(crate) args: Args,
    /// The emit's own timeout (else the config's `ack_timeout`).
    pub(crate) timeout: Option<Duration>,
    /// Tries sent so far.
    pub(crate) tries: u32,
    /// A try is out, waiting for its ack.
    pub(crate) pending: bool,
}

impl SioClient {
    /// True when emits go through the retry queue (`retries` > 0).
    pub(crate) fn retrying(&self) -> bool {
        self.config.retries.is_some_and(|r| r > 0)
    }

    /// Queues an emit (the official `_addToQueue`), then sends the head if
    /// it can; the application's ack id.
    pub(crate) fn enqueue(
        &mut self,
        now: Instant,
        index: usize,
        event: &str,
        args: Args,
        options: EmitOptions,
    ) -> Result<Option<AckId>, ClientError> {
        let max = self.config.max_buffered_packets;
        let ns = &mut self.nsps[index];
        if ns.queue.len() >= max {
            return Err(ClientError::SendBufferFull(ns.name.clone()));
        }
        let app_id = options.ack.then(|| ns.new_emit_id());
        let seq = ns.next_seq;
        ns.next_seq += 1;
        ns.queue.push_back(Queued {
            seq,
            app_id,
            event: event.to_owned(),
            args,
            timeout: options.timeout,
            tries: 0,
            pending: false,
        });
        self.drain_queue(now, index, false);
        Ok(app_id.map(AckId))
    }

    /// Sends the head of namespace `index`'s queue when connected and no
    /// try is pending (or `force`, after a connection): the official
    /// `_drainQueue`.
    pub(crate) fn drain_queue(&mut self, now: Instant, index: usize, force: bool) {
        let ack_timeout = self.config.ack_timeout;
        let ns = &mut self.nsps[index];
        if !ns.connected() {
            return;
        }
        let Some(head) = ns.queue.front_mut() else {
            return;
        };
        if head.pending && !force {
            return;
        }
        head.pending = true;
        head.tries = head.tries.saturating_add(1);
        let (seq, timeout) = (head.seq, head.timeout.or(ack_timeout));
        let (event, args) = (head.event.clone(), head.args.clone());
        let route = self.route(now, index, false);
        let ns = &mut self.nsps[index];
        let wire = ns.register_ack(ack_deadline(now, timeout), Owner::Queue(seq));
        let packet = event_packet(&ns.name, &event, &args, Some(wire));
        self.dispatch(now, index, route, packet, Some(wire));
    }

    /// A try of queue entry `seq` was acknowledged: the entry is done.
    pub(crate) fn queue_acked(&mut self, now: Instant, index: usize, seq: u64, args: Args) {
        let ns = &mut self.nsps[index];
        if ns.queue.front().is_none_or(|h| h.seq != seq) {
            // Acknowledged already (an older try's ack).
            return;
        }
        let done = ns.queue.pop_front();
        if let Some(id) = done.and_then(|d| d.app_id) {
            let nsp = ns.name.clone();
            self.emit_event(ClientEvent::Ack {
                nsp,
                id: AckId(id),
                args,
            });
        }
        self.drain_queue(now, index, false);
    }

    /// A try of queue entry `seq` failed: sent again at once, unless its
    /// tries are used up (then the application hears of `error`).
    pub(crate) fn queue_failed(&mut self, now: Instant, index: usize, seq: u64, error: AckError) {
        let retries = self.config.retries.unwrap_or(0);
        let ns = &mut self.nsps[index];
        let Some(head) = ns.queue.front_mut() else {
            return;
        };
        if head.seq != seq {
            return;
        }
        if head.tries > retries {
            let done = ns.queue.pop_front();
            if let Some(id) = done.and_then(|d| d.app_id) {
                let nsp = ns.name.clone();
                self.emit_event(ClientEvent::AckError {
                    nsp,
                    id: AckId(id),
                    error,
                });
            }
        } else {
            head.pending = false;
        }
        self.drain_queue(now, index, false);
    }
}
