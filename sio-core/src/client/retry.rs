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

#[cfg(test)]
mod tests {
    use crate::client::{
        AckError, AckId, ClientConfig, ClientEvent, ClientInput, ClientOutput, ClientProtocol,
        ClientTransports, EmitOptions, SioClient,
    };
    use crate::engine::WsFrame;
    use crate::socket::Args;
    use std::time::{Duration, Instant};

    /// A WebSocket-only client with `retries` 1 and a 100 ms ack timeout,
    /// connected to `/` by a scripted server; its WebSocket.
    fn connected() -> (SioClient, Instant, crate::ConnId) {
        let mut config = ClientConfig::default();
        config.engine.transports = ClientTransports::WebSocket;
        config.retries = Some(1);
        config.ack_timeout = Some(Duration::from_millis(100));
        let (mut c, now, conn) = crate::client::tests::ws_opened(config);
        server(
            &mut c,
            now,
            conn,
            r#"0{"sid":"E1","upgrades":[],"pingInterval":60000}"#,
        );
        server(&mut c, now, conn, r#"40{"sid":"S1"}"#);
        while c.poll_output().is_some() {}
        (c, now, conn)
    }

    fn server(c: &mut SioClient, now: Instant, conn: crate::ConnId, text: &str) {
        crate::client::tests::server_text(c, now, conn, text.as_bytes());
    }

    /// The frames the client wrote, and its events.
    fn outputs(c: &mut SioClient) -> (Vec<String>, Vec<ClientEvent>) {
        let (mut frames, mut events) = (Vec::new(), Vec::new());
        while let Some(out) = c.poll_output() {
            match out {
                ClientOutput::WsSend {
                    frame: WsFrame::Text(t),
                    ..
                } => frames.push(String::from_utf8_lossy(&t).into_owned()),
                ClientOutput::Event(e) => events.push(e),
                _ => {}
            }
        }
        (frames, events)
    }

    #[test]
    fn each_try_on_the_wire_has_its_own_ack_id() {
        let (mut c, t0, conn) = connected();
        let ask = EmitOptions {
            ack: true,
            ..EmitOptions::default()
        };
        let id = c
            .emit(t0, "/", "a", Args::from_json("[1]"), ask)
            .unwrap()
            .unwrap();
        assert_eq!(outputs(&mut c).0, vec![r#"420["a",1]"#]);
        c.handle_timeout(t0 + Duration::from_millis(100));
        assert_eq!(outputs(&mut c), (vec![r#"421["a",1]"#.to_owned()], vec![]));
        // The first try's ack is late: its id was forgotten at its timeout.
        server(&mut c, t0, conn, r#"430["late"]"#);
        assert_eq!(outputs(&mut c), (vec![], vec![]));
        server(&mut c, t0, conn, r#"431["ok"]"#);
        assert_eq!(
            outputs(&mut c).1,
            vec![ClientEvent::Ack {
                nsp: "/".into(),
                id,
                args: Args::from_json(r#"["ok"]"#)
            }]
        );
        // A second ack of the same try is a "bad ack".
        server(&mut c, t0, conn, r#"431["again"]"#);
        assert_eq!(outputs(&mut c), (vec![], vec![]));
    }

    #[test]
    fn an_ack_for_an_older_try_of_the_head_still_completes_it() {
        // With a try buffered when the heartbeat's deadline had passed, a
        // reconnection sends it from the send buffer and the head again
        // (the official client does both): the first ack completes the
        // entry, the second is ignored.
        let (mut c, t0, conn) = connected();
        let late = t0 + Duration::from_secs(100);
        let ask = EmitOptions {
            ack: true,
            timeout: Some(Duration::from_secs(1000)),
            ..EmitOptions::default()
        };
        let id = c
            .emit(late, "/", "a", Args::from_json("[]"), ask)
            .unwrap()
            .unwrap();
        assert_eq!(id, AckId(0));
        let (frames, events) = outputs(&mut c);
        assert!(frames.is_empty(), "{frames:?}");
        assert!(events.contains(&ClientEvent::Close {
            reason: crate::client::EngineCloseReason::PingTimeout
        }));
        assert_eq!((c.buffered("/"), c.queued("/")), (1, 1));
        // The reconnection: a new engine on a new WebSocket.
        let reconnect = c.poll_timeout().unwrap();
        c.handle_timeout(reconnect);
        let conn2 = std::iter::from_fn(|| c.poll_output())
            .find_map(|o| match o {
                ClientOutput::WsOpen { conn, .. } => Some(conn),
                _ => None,
            })
            .unwrap();
        assert_ne!(conn, conn2);
        c.handle(reconnect, ClientInput::WsOpened { conn: conn2 });
        server(&mut c, reconnect, conn2, r#"0{"sid":"E2","upgrades":[]}"#);
        server(&mut c, reconnect, conn2, r#"40{"sid":"S2"}"#);
        let (frames, _) = outputs(&mut c);
        assert_eq!(frames, vec!["40", r#"420["a"]"#, r#"421["a"]"#]);
        server(&mut c, reconnect, conn2, r#"431[2]"#);
        server(&mut c, reconnect, conn2, r#"430[1]"#);
        assert_eq!(
            outputs(&mut c).1,
            vec![ClientEvent::Ack {
                nsp: "/".into(),
                id,
                args: Args::from_json("[2]")
            }]
        );
        assert_eq!(c.queued("/"), 0);
        // Nothing is left to time out.
        c.handle_timeout(reconnect + Duration::from_secs(2000));
        assert!(!outputs(&mut c).1.iter().any(|e| matches!(
            e,
            ClientEvent::AckError {
                error: AckError::Timeout,
                ..
            }
        )));
    }
}
