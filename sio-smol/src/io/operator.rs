//! Broadcast operators: `io.to("room").except("other").emit(..)`, as in Node.

use super::binary::{ArgsError, args_from_value};
use super::state::{BroadcastReplies, Shared, Socket};
use super::{AckError, DEFAULT_ACK_TIMEOUT};
use serde::Serialize;
use sio_core::socket::{Args, BroadcastOp, SocketId};
use std::rc::Rc;
use std::time::Duration;

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

    /// This server only (there is no cluster adapter yet: a no-op).
    pub fn local(self) -> Operator {
        self
    }

    /// For [`Operator::emit_with_ack`]: how long to collect answers.
    pub fn timeout(mut self, timeout: Duration) -> Operator {
        self.timeout = Some(timeout);
        self
    }

    /// Emits `event` with one argument; returns the number of recipients.
    pub fn emit<T: Serialize + ?Sized>(&self, event: &str, data: &T) -> Result<usize, ArgsError> {
        let args = args_from_value(data)?;
        Ok(self.emit_raw(event, &args))
    }

    /// Emits raw arguments; returns the number of recipients.
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
        let timeout = self.timeout.unwrap_or(DEFAULT_ACK_TIMEOUT);
        let op = &self.op;
        let mut waiting = Vec::new();
        for nsp in self.namespaces() {
            let mut rx = None;
            let id = self.shared.driver.with_engine_then(
                |c| {
                    c.broadcast_with_ack(std::time::Instant::now(), &nsp, op, event, &args, timeout)
                },
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
            timed_out: false,
        };
        for rx in waiting {
            let r = rx.await.ok_or(AckError::Disconnected)?;
            all.replies.extend(r.replies);
            all.timed_out |= r.timed_out;
        }
        Ok(all)
    }

    /// The sockets this operator selects.
    pub fn fetch_sockets(&self) -> Vec<Socket> {
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

    /// Makes the selected sockets join `room`.
    pub fn sockets_join(&self, room: &str) {
        for s in self.fetch_sockets() {
            s.join(room);
        }
    }

    /// Makes the selected sockets leave `room`.
    pub fn sockets_leave(&self, room: &str) {
        for s in self.fetch_sockets() {
            s.leave(room);
        }
    }

    /// Disconnects the selected sockets.
    pub fn disconnect_sockets(&self) {
        for s in self.fetch_sockets() {
            s.disconnect();
        }
    }
}
