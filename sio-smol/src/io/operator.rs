//! Broadcast operators: `io.to("room").except("other").emit(..)`, as in Node.

use super::binary::{ArgsError, args_from_value};
use super::remote::RemoteSocket;
use super::state::{BroadcastReplies, Shared, Socket};
use super::{AckError, DEFAULT_ACK_TIMEOUT};
use serde::Serialize;
use sio_core::socket::{Args, BroadcastOp, ClusterError, SocketId};
use std::rc::Rc;
use std::time::{Duration, Instant};

/// Who a broadcast goes to, built step by step.
#[derive(Clone)]
pub struct Operator {
    shared: Rc<Shared>,
    nsps: Namespaces,
    op: BroadcastOp,
    timeout: Option<Duration>,
}

/// The namespaces an operator acts on.
#[derive(Clone)]
enum Namespaces {
    /// One namespace, by name.
    One(String),
    /// Every namespace a dynamic namespace has created (Node's parent
    /// namespace), as they are when the operator acts.
    Children(usize),
}

impl Operator {
    pub(crate) fn new(shared: Rc<Shared>, nsp: String) -> Operator {
        Operator::with(shared, Namespaces::One(nsp))
    }

    /// An operator on every child of dynamic namespace `index`.
    pub(crate) fn children(shared: Rc<Shared>, index: usize) -> Operator {
        Operator::with(shared, Namespaces::Children(index))
    }

    fn with(shared: Rc<Shared>, nsps: Namespaces) -> Operator {
        Operator {
            shared,
            nsps,
            op: BroadcastOp::all(),
            timeout: None,
        }
    }

    /// The names of the namespaces this operator acts on, now.
    fn namespaces(&self) -> Vec<String> {
        match &self.nsps {
            Namespaces::One(name) => vec![name.clone()],
            Namespaces::Children(i) => self.shared.dynamic_children(*i),
        }
    }

    /// Only to members of `room` (several `to` add up).
    pub fn to(mut self, room: impl Into<String>) -> Operator {
        self.op.rooms.push(room.into());
        self
    }

    /// Same as [`Operator::to`].
    pub fn in_room(self, room: impl Into<String>) -> Operator {
        self.to(room)
    }

    /// Not to members of `room`.
    pub fn except(mut self, room: impl Into<String>) -> Operator {
        self.op.except.push(room.into());
        self
    }

    pub(crate) fn except_socket(mut self, id: SocketId) -> Operator {
        self.op.except_socket = Some(id);
        self
    }

    /// Skip recipients that cannot take the packet right now.
    pub fn volatile(mut self) -> Operator {
        self.op.volatile = true;
        self
    }

    /// This server's sockets only: in a cluster, the other members are
    /// not told (Node's `local` flag).
    pub fn local(mut self) -> Operator {
        self.op.local = true;
        self
    }

    /// For [`Operator::emit_with_ack`]: how long to collect answers.
    pub fn timeout(mut self, timeout: Duration) -> Operator {
        self.timeout = Some(timeout);
        self
    }

    /// Emits `event` with one argument; returns the number of this
    /// server's recipients (in a cluster, other members deliver too).
    pub fn emit<T: Serialize + ?Sized>(&self, event: &str, data: &T) -> Result<usize, ArgsError> {
        let args = args_from_value(data)?;
        Ok(self.emit_raw(event, &args))
    }

    /// Emits raw arguments; returns the number of this server's recipients.
    pub fn emit_raw(&self, event: &str, args: &Args) -> usize {
        match &self.nsps {
            // The common case, without a list of names.
            Namespaces::One(nsp) => self.emit_in(nsp, event, args),
            Namespaces::Children(_) => self
                .namespaces()
                .iter()
                .map(|nsp| self.emit_in(nsp, event, args))
                .sum(),
        }
    }

    /// Broadcasts in one namespace; the number of recipients.
    fn emit_in(&self, nsp: &str, event: &str, args: &Args) -> usize {
        let op = &self.op;
        self.shared
            .driver
            .with_engine(|c| c.broadcast(nsp, op, event, args))
            .unwrap_or(0)
    }

    /// Emits `event` and collects every recipient's ack until the timeout
    /// (default [`DEFAULT_ACK_TIMEOUT`]).
    pub async fn emit_with_ack<T: Serialize + ?Sized>(
        &self,
        event: &str,
        data: &T,
    ) -> Result<BroadcastReplies, AckError> {
        let args = args_from_value(data).map_err(|e| AckError::Args(e.to_string()))?;
        self.emit_raw_with_ack(event, &args).await
    }

    /// [`Operator::emit_with_ack`] with raw arguments.
    pub async fn emit_raw_with_ack(
        &self,
        event: &str,
        args: &Args,
    ) -> Result<BroadcastReplies, AckError> {
        let timeout = self.timeout.unwrap_or(DEFAULT_ACK_TIMEOUT);
        let op = &self.op;
        let mut waiting = Vec::new();
        for nsp in self.namespaces() {
            let mut rx = None;
            let id = self.shared.driver.with_engine_then(
                |c| c.broadcast_with_ack(Instant::now(), &nsp, op, event, args, timeout),
                |r| {
                    if let Ok(id) = r {
                        rx = Some(self.shared.wait_broadcast(*id));
                    }
                },
            );
            match (id, rx) {
                (Ok(_), Some(rx)) => waiting.push(rx),
                _ => return Err(AckError::Disconnected),
            }
        }
        // One namespace but for a dynamic parent: the answers of all.
        let mut all = BroadcastReplies {
            replies: Vec::new(),
            remote: Vec::new(),
            timed_out: false,
        };
        for rx in waiting {
            let r = rx.await.ok_or(AckError::Disconnected)?;
            all.replies.extend(r.replies);
            all.remote.extend(r.remote);
            all.timed_out |= r.timed_out;
        }
        Ok(all)
    }

    /// This server's sockets this operator selects, as handles.
    pub(crate) fn local_sockets(&self) -> Vec<Socket> {
        let ids: Vec<SocketId> = {
            let core = self.shared.driver.engine();
            self.namespaces()
                .iter()
                .flat_map(|nsp| core.select(nsp, &self.op))
                .collect()
        };
        ids.into_iter()
            .filter_map(|id| self.shared.socket(id))
            .collect()
    }

    /// The sockets this operator selects on every cluster member (here
    /// only when [`Operator::local`], or without a cluster), as Node's
    /// `fetchSockets`: each with its id, rooms, data and handshake. Fails
    /// when a member does not answer within the cluster's
    /// `requests_timeout`, or Redis is unreachable.
    pub async fn fetch_sockets(&self) -> Result<Vec<RemoteSocket>, ClusterError> {
        let mut all = Vec::new();
        for nsp in self.namespaces() {
            let op = &self.op;
            let Some(rx) = self
                .shared
                .start_cluster_call(|c| c.fetch_sockets(Instant::now(), &nsp, op))
            else {
                continue; // an unknown namespace: nobody there
            };
            let answer = rx.await.ok_or(ClusterError::BusUnavailable)?;
            if let Some(e) = answer.error {
                return Err(e);
            }
            all.extend(answer.sockets.into_iter().map(|info| RemoteSocket {
                shared: self.shared.clone(),
                nsp: nsp.clone(),
                info,
            }));
        }
        Ok(all)
    }

    /// Makes the selected sockets join `room`, on every cluster member
    /// (Node's `socketsJoin`).
    pub fn sockets_join(&self, room: &str) {
        let rooms = [room.to_owned()];
        for nsp in self.namespaces() {
            let _ = self
                .shared
                .driver
                .with_engine(|c| c.sockets_join(&nsp, &self.op, &rooms));
        }
    }

    /// Makes the selected sockets leave `room`, on every cluster member
    /// (Node's `socketsLeave`).
    pub fn sockets_leave(&self, room: &str) {
        let rooms = [room.to_owned()];
        for nsp in self.namespaces() {
            let _ = self
                .shared
                .driver
                .with_engine(|c| c.sockets_leave(&nsp, &self.op, &rooms));
        }
    }

    /// Disconnects the selected sockets, on every cluster member; with
    /// `close`, their whole connections (Node's `disconnectSockets(close)`).
    pub fn disconnect_sockets(&self, close: bool) {
        for nsp in self.namespaces() {
            let _ = self
                .shared
                .driver
                .with_engine(|c| c.disconnect_sockets(&nsp, &self.op, close));
        }
    }
}
