//! Namespaces and their rooms.

use super::event::SocketId;
use crate::fast_hash::{FastSet, ShrinkIfSparse};
use std::collections::{HashMap, HashSet};

/// Decides whether a namespace name belongs to a dynamic namespace.
pub type NamespaceMatcher = Box<dyn Fn(&str) -> bool>;

/// A namespace: its sockets and rooms.
#[derive(Debug, Default)]
pub(crate) struct Namespace {
    /// Every connected socket.
    pub sockets: FastSet<SocketId>,
    /// Room name → members. A socket's own id is a room too.
    pub rooms: HashMap<String, FastSet<SocketId>>,
    /// Connects wait for the application's decision.
    pub middleware: bool,
    /// Index of the dynamic namespace that created this one, if any.
    pub parent: Option<usize>,
    /// Events kept for recovery (empty when recovery is off).
    pub log: super::recovery::PacketLog,
}

impl Namespace {
    /// Adds `socket` to `room`; true if it was not there yet.
    pub fn join(&mut self, socket: SocketId, room: &str) -> bool {
        match self.rooms.get_mut(room) {
            Some(members) => members.insert(socket),
            None => {
                let mut members = FastSet::default();
                members.insert(socket);
                self.rooms.insert(room.to_owned(), members);
                true
            }
        }
    }

    /// Removes `socket` from `room` (dropping the room when empty).
    pub fn leave(&mut self, socket: SocketId, room: &str) -> bool {
        let Some(members) = self.rooms.get_mut(room) else {
            return false;
        };
        let removed = members.remove(&socket);
        if members.is_empty() {
            self.rooms.remove(room);
            self.rooms.shrink_if_sparse();
        }
        removed
    }
}

/// A dynamic namespace: a matcher that creates child namespaces on first
/// connect.
pub(crate) struct DynamicNamespace {
    pub matcher: NamespaceMatcher,
    pub middleware: bool,
}

/// Who a broadcast goes to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BroadcastOp {
    /// Only members of these rooms (all sockets of the namespace if empty).
    pub rooms: Vec<String>,
    /// Not members of these rooms.
    pub except: Vec<String>,
    /// Not this socket (the sender, for `socket.broadcast`).
    pub except_socket: Option<SocketId>,
    /// Skip recipients that cannot take a packet right now (a polling client
    /// between requests) instead of queueing for them.
    pub volatile: bool,
}

impl BroadcastOp {
    /// Everyone in the namespace.
    pub fn all() -> BroadcastOp {
        BroadcastOp::default()
    }

    /// Also to members of `room`.
    pub fn to(mut self, room: impl Into<String>) -> BroadcastOp {
        self.rooms.push(room.into());
        self
    }

    /// Not to members of `room`.
    pub fn except(mut self, room: impl Into<String>) -> BroadcastOp {
        self.except.push(room.into());
        self
    }

    /// Recipients in `nsp`, sorted (a deterministic order of outputs).
    pub(crate) fn recipients(&self, nsp: &Namespace) -> Vec<SocketId> {
        let mut out: Vec<SocketId> = if self.rooms.is_empty() {
            nsp.sockets.iter().copied().collect()
        } else {
            let mut set = HashSet::new();
            for room in &self.rooms {
                if let Some(members) = nsp.rooms.get(room) {
                    set.extend(members.iter().copied());
                }
            }
            set.into_iter().collect()
        };
        out.retain(|s| {
            Some(*s) != self.except_socket
                && !self
                    .except
                    .iter()
                    .any(|r| nsp.rooms.get(r).is_some_and(|m| m.contains(s)))
        });
        out.sort_unstable();
        out
    }
}
