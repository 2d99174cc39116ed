//! Namespaces and their rooms.

use super::event::SocketId;
use crate::fast_hash::{FastSet, ShrinkIfSparse};
use std::collections::HashMap;

/// Decides whether a namespace name belongs to a dynamic namespace.
pub type NamespaceMatcher = Box<dyn Fn(&str) -> bool>;

/// A namespace: its sockets and rooms.
#[derive(Debug, Default)]
pub(crate) struct Namespace {
    /// Every connected socket.
    pub sockets: FastSet<SocketId>,
    /// Room name → members, for rooms joined by name. A socket's own id is
    /// a room too, but implied (see [`Namespace::in_room`]) rather than
    /// stored: a map entry and a set per socket was a large part of an idle
    /// connection's memory.
    pub(super) rooms: HashMap<String, FastSet<SocketId>>,
    /// Sockets that left the room of their own id (rare).
    pub(super) left_own_room: FastSet<SocketId>,
    /// Connects wait for the application's decision.
    pub middleware: bool,
    /// Index of the dynamic namespace that created this one, if any.
    pub parent: Option<usize>,
    /// Events kept for recovery (empty when recovery is off).
    pub log: super::recovery::PacketLog,
}

impl Namespace {
    /// The socket whose own room `room` is, if it is connected here.
    fn own_room_of(&self, room: &str) -> Option<SocketId> {
        SocketId::parse(room).filter(|s| self.sockets.contains(s))
    }

    /// Whether `socket` is a member of `room`.
    pub fn in_room(&self, socket: SocketId, room: &str) -> bool {
        (socket.as_str() == room && !self.left_own_room.contains(&socket))
            || self.rooms.get(room).is_some_and(|m| m.contains(&socket))
    }

    /// Whether some socket is in `room` (its own id's room included).
    pub fn has_room(&self, room: &str) -> bool {
        self.rooms.contains_key(room)
            || self
                .own_room_of(room)
                .is_some_and(|s| !self.left_own_room.contains(&s))
    }

    /// Every room name with a member, the sockets' own rooms included
    /// (what Node's `allRooms` reports), sorted.
    pub fn room_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.rooms.keys().cloned().collect();
        names.extend(
            self.sockets
                .iter()
                .filter(|s| !self.left_own_room.contains(s))
                .map(|s| s.as_str().to_owned()),
        );
        names.sort_unstable();
        names
    }

    /// Adds the members of `room` to `out`.
    pub fn members_into(&self, room: &str, out: &mut FastSet<SocketId>) {
        if let Some(own) = self.own_room_of(room) {
            if !self.left_own_room.contains(&own) {
                out.insert(own);
            }
        }
        if let Some(members) = self.rooms.get(room) {
            out.extend(members.iter().copied());
        }
    }

    /// Forgets what is kept about `socket` besides its rooms (it left the
    /// namespace).
    pub fn forget(&mut self, socket: SocketId) {
        self.sockets.remove(&socket);
        if self.left_own_room.remove(&socket) {
            self.left_own_room.shrink_if_sparse();
        }
    }

    /// Adds `socket` to `room`; true if it was not there yet.
    pub fn join(&mut self, socket: SocketId, room: &str) -> bool {
        if socket.as_str() == room {
            return self.left_own_room.remove(&socket);
        }
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
        if socket.as_str() == room {
            return self.left_own_room.insert(socket);
        }
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
    /// This server's sockets only: in a cluster, other members are not
    /// told (Node's `local` flag).
    pub local: bool,
}

impl BroadcastOp {
    /// Everyone in the namespace.
    pub fn all() -> BroadcastOp {
        BroadcastOp::default()
    }

    /// One socket (the room of its id).
    pub fn to_socket(socket: SocketId) -> BroadcastOp {
        BroadcastOp::all().to(socket.as_str())
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

    /// Recipients in `nsp`, in an order that depends only on the history of
    /// the namespace (Fx hashing has no random seed), so outputs are
    /// deterministic without sorting (a sort was 8% of a broadcast's work).
    pub(crate) fn recipients(&self, nsp: &Namespace) -> Vec<SocketId> {
        let mut out: Vec<SocketId> = if self.rooms.is_empty() {
            nsp.sockets.iter().copied().collect()
        } else {
            let mut set = FastSet::default();
            for room in &self.rooms {
                nsp.members_into(room, &mut set);
            }
            set.into_iter().collect()
        };
        out.retain(|s| {
            Some(*s) != self.except_socket && !self.except.iter().any(|r| nsp.in_room(*s, r))
        });
        out
    }
}
