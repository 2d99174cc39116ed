//! The dispatch of the core's events to the application's handlers: new
//! sockets (after connect middleware), events (through packet middleware
//! and `on_any` to the listeners), acks, delivery notifications,
//! disconnections, and the log lines for operators.

use super::AckError;
use super::handlers::Matched;
use super::state::{
    AckWaiter, BroadcastReplies, ClusterAnswer, ConnectRequest, Msg, Shared, Socket, SocketHandlers,
};
use bytes::Bytes;
use sio_core::socket::{SocketEvent, SocketId};
use std::rc::Rc;

impl Shared {
    /// Hands one core event to the application.
    pub(crate) fn dispatch(self: Rc<Self>, ev: SocketEvent) {
        match ev {
            SocketEvent::ConnectRequest { socket, nsp, auth } => {
                self.run_middleware(socket, nsp, auth)
            }
            SocketEvent::SessionExpired { socket } => {
                self.stash.borrow_mut().remove(&socket);
            }
            SocketEvent::Connect {
                socket,
                nsp,
                auth,
                recovered,
            } => {
                let data = if recovered {
                    self.stash.borrow_mut().remove(&socket)
                } else {
                    None
                };
                let handlers = Rc::new(SocketHandlers::new(nsp.clone(), auth, data, recovered));
                self.sockets.borrow_mut().insert(socket, handlers.clone());
                self.log_connect(socket, &nsp, recovered);
                let ns = self.handlers_for(&nsp);
                // By index, without a copy of the list: a listener may add
                // another, which runs too.
                let mut i = 0;
                while let Some(f) = ns.on_connection.borrow().get(i).cloned() {
                    i += 1;
                    f(Socket {
                        shared: self.clone(),
                        id: socket,
                        handlers: handlers.clone(),
                    });
                }
            }
            SocketEvent::Event {
                socket,
                event,
                args,
                ack,
            } => {
                let Some(s) = self.socket(socket) else { return };
                let msg = Msg::new(s.clone(), event, args, ack);
                let middleware = s.handlers.rare(|r| r.packet_middleware.clone());
                for mw in middleware.unwrap_or_default() {
                    if let Err(e) = mw(&s, &msg) {
                        let f = s.handlers.rare(|r| r.on_error.clone()).flatten();
                        if let Some(f) = f {
                            f(&s, &e);
                        }
                        return;
                    }
                }
                let any = s.handlers.rare(|r| r.any.clone()).flatten();
                if let Some(f) = any {
                    f(&s, &msg);
                }
                match s.handlers.take_listeners(msg.event()) {
                    Matched::None => {}
                    Matched::One(h) => h(&s, msg),
                    Matched::Many(hs) => {
                        // Each gets the message; the first ack counts.
                        for (h, msg) in hs.iter().zip(msg.share(hs.len())) {
                            h(&s, msg);
                        }
                    }
                }
            }
            SocketEvent::Ack { socket, ack, args } => {
                if let Some(tx) = self.acks.borrow_mut().remove(&(socket, ack)) {
                    tx.send(Ok(args));
                }
            }
            SocketEvent::AckTimeout { socket, ack } => {
                if let Some(tx) = self.acks.borrow_mut().remove(&(socket, ack)) {
                    tx.send(Err(AckError::Timeout));
                }
            }
            SocketEvent::BroadcastAck {
                id,
                replies,
                remote,
                timed_out,
            } => {
                if let Some(tx) = self.broadcasts.borrow_mut().remove(&id) {
                    tx.send(BroadcastReplies {
                        replies,
                        remote,
                        timed_out,
                    });
                }
            }
            SocketEvent::FetchedSockets { id, sockets, error } => {
                if let Some(tx) = self.cluster_waiters.borrow_mut().remove(&id) {
                    tx.send(ClusterAnswer {
                        sockets,
                        error,
                        ..ClusterAnswer::default()
                    });
                }
            }
            SocketEvent::ServerSideAcks { id, replies, error } => {
                if let Some(tx) = self.cluster_waiters.borrow_mut().remove(&id) {
                    tx.send(ClusterAnswer {
                        replies,
                        error,
                        ..ClusterAnswer::default()
                    });
                }
            }
            SocketEvent::ServerCount { id, count } => {
                if let Some(tx) = self.cluster_waiters.borrow_mut().remove(&id) {
                    tx.send(ClusterAnswer {
                        count,
                        ..ClusterAnswer::default()
                    });
                }
            }
            SocketEvent::AllRooms { id, rooms, error } => {
                if let Some(tx) = self.cluster_waiters.borrow_mut().remove(&id) {
                    tx.send(ClusterAnswer {
                        rooms,
                        error,
                        ..ClusterAnswer::default()
                    });
                }
            }
            SocketEvent::ServerSideEvent {
                nsp,
                event,
                args,
                ack,
            } => self.dispatch_server_side(&nsp, event, args, ack),
            SocketEvent::ClusterFault { what } => tracing::warn!("cluster: {what}"),
            SocketEvent::AdminLogin { socket, check } => {
                crate::admin::check_login(&self.driver, socket, check)
            }
            SocketEvent::Flushed { id, delivered } => {
                if let Some(tx) = self.flushes.borrow_mut().remove(&id) {
                    tx.send(delivered);
                }
            }
            SocketEvent::ProtocolFault { sid, what } => {
                tracing::warn!(%sid, "protocol fault: {what}");
            }
            SocketEvent::Disconnect {
                socket,
                reason,
                nsp,
                kept,
            } => {
                tracing::info!(nsp, %socket, reason = reason.as_str(), "disconnect");
                let Some(s) = self.socket(socket) else { return };
                self.sockets.borrow_mut().remove(&socket);
                let waiting: Vec<AckWaiter> = {
                    let mut acks = self.acks.borrow_mut();
                    let keys: Vec<_> = acks.keys().filter(|(s, _)| *s == socket).copied().collect();
                    keys.into_iter().filter_map(|k| acks.remove(&k)).collect()
                };
                for tx in waiting {
                    tx.send(Err(AckError::Disconnected));
                }
                let f = s.handlers.on_disconnect.borrow().clone();
                if let Some(f) = f {
                    f(&s, reason);
                }
                if kept {
                    // Kept for recovery: so is the socket's data.
                    if let Some(data) = s.handlers.data.borrow_mut().take() {
                        self.stash.borrow_mut().insert(socket, data);
                    }
                }
            }
            _ => {}
        }
    }

    /// One `info` line for a new socket: namespace, id, Engine.IO sid,
    /// transport, and whether it restored a session (never the recovery
    /// secret).
    fn log_connect(&self, socket: SocketId, nsp: &str, recovered: bool) {
        if !tracing::enabled!(tracing::Level::INFO) {
            return;
        }
        let core = self.driver.engine();
        let Some((_, sid, _)) = core.socket_info(socket) else {
            return;
        };
        let transport = core
            .engine()
            .session(sid)
            .map_or("?", |s| s.transport.name());
        tracing::info!(nsp, %socket, %sid, transport, recovered, "connect");
    }

    /// Runs the namespace's connect middleware in order, then accepts or
    /// refuses the pending socket.
    fn run_middleware(self: Rc<Self>, socket: SocketId, nsp: String, auth: Bytes) {
        let chain = self.handlers_for(&nsp).middleware.borrow().clone();
        let (headers, address) = self
            .driver
            .engine()
            .handshake_of(socket)
            .map(|h| (h.headers_owned(), h.address()))
            .unwrap_or_default();
        let req = ConnectRequest {
            nsp,
            auth,
            headers,
            address,
        };
        let shared = self.clone();
        self.driver.spawn(async move {
            let mut verdict = Ok(());
            for mw in chain {
                verdict = mw(req.clone()).await;
                if verdict.is_err() {
                    break;
                }
            }
            shared.driver.with_engine(|c| {
                let _ = match verdict {
                    Ok(()) => c.accept(socket),
                    Err(e) => c.refuse(socket, &e.message, e.data),
                };
            });
        });
    }
}
