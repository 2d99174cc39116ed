//! Cluster-wide calls of the application: [`RemoteSocket`]s from
//! `fetch_sockets`, server-side events between members
//! ([`ServerSideMsg`], `server_side_emit`), and what waits for their
//! answers. Without a cluster they work on this server alone, as Node's
//! in-memory adapter does.

use super::binary::{ArgsError, args_from_value};
use super::operator::Operator;
use super::state::{ServerSideHandler, Shared};
use bytes::Bytes;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sio_core::socket::{Args, ClusterError, ServerSideAckId, SocketInfo};
use std::rc::Rc;

/// A socket found by `fetch_sockets`, on this server or another member
/// (Node's `RemoteSocket`): its id, rooms, data and handshake as they
/// were when fetched, and operations that reach it wherever it is.
#[derive(Clone)]
pub struct RemoteSocket {
    pub(crate) shared: Rc<Shared>,
    pub(crate) nsp: String,
    pub(crate) info: SocketInfo,
}

impl std::fmt::Debug for RemoteSocket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteSocket")
            .field("id", &self.info.id)
            .field("nsp", &self.nsp)
            .field("rooms", &self.info.rooms)
            .field("local", &self.info.local)
            .finish()
    }
}

impl RemoteSocket {
    /// The socket id.
    pub fn id(&self) -> &str {
        &self.info.id
    }

    /// Its namespace.
    pub fn nsp(&self) -> &str {
        &self.nsp
    }

    /// Its rooms (its own id among them).
    pub fn rooms(&self) -> &[String] {
        &self.info.rooms
    }

    /// True when it is connected to this server.
    pub fn is_local(&self) -> bool {
        self.info.local
    }

    /// Its data (Node's `socket.data`; here what
    /// [`super::Socket::set_shared_data`] set) as `T`.
    pub fn data<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_slice(&self.info.data)
    }

    /// Its data as JSON text.
    pub fn data_raw(&self) -> &Bytes {
        &self.info.data
    }

    /// Its handshake (headers, time, address, xdomain, secure, issued,
    /// url, query, auth) as JSON.
    pub fn handshake(&self) -> serde_json::Value {
        serde_json::from_slice(&self.info.handshake).unwrap_or_default()
    }

    /// An operator for this socket alone (its own room), wherever it is.
    fn operator(&self) -> Operator {
        Operator::new(self.shared.clone(), self.nsp.clone()).to(self.info.id.clone())
    }

    /// Emits `event` to it.
    pub fn emit<T: Serialize + ?Sized>(&self, event: &str, data: &T) -> Result<(), ArgsError> {
        self.operator().emit(event, data).map(|_| ())
    }

    /// Makes it join `room`.
    pub fn join(&self, room: &str) {
        self.operator().sockets_join(room);
    }

    /// Makes it leave `room`.
    pub fn leave(&self, room: &str) {
        self.operator().sockets_leave(room);
    }

    /// Disconnects it (with `close`, its whole connection).
    pub fn disconnect(&self, close: bool) {
        self.operator().disconnect_sockets(close);
    }
}

/// The answers to a `server_side_emit_with_ack`: one per other member,
/// each the first argument its listener answered with.
#[derive(Debug, Clone)]
pub struct ClusterReplies {
    /// The answers.
    pub replies: Vec<Args>,
    /// Set when some members did not answer in time (Node's callback gets
    /// an error with the partial answers).
    pub error: Option<ClusterError>,
}

/// A server-side event from another cluster member (Node's
/// `serverSideEmit`), for a listener of [`super::Namespace::on_server_side`].
pub struct ServerSideMsg {
    pub(crate) shared: Rc<Shared>,
    pub(crate) event: String,
    pub(crate) args: Args,
    pub(crate) ack: std::cell::Cell<Option<ServerSideAckId>>,
}

impl std::fmt::Debug for ServerSideMsg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerSideMsg")
            .field("event", &self.event)
            .field("args", &self.args)
            .finish()
    }
}

impl ServerSideMsg {
    /// The event name.
    pub fn event(&self) -> &str {
        &self.event
    }

    /// The raw arguments.
    pub fn args(&self) -> &Args {
        &self.args
    }

    /// The first argument as `T`.
    pub fn data<T: DeserializeOwned>(&self) -> Result<T, ArgsError> {
        super::binary::first_arg(&self.args)
    }

    /// True when the sender waits for an answer.
    pub fn wants_ack(&self) -> bool {
        self.ack.get().is_some()
    }

    /// Answers the sender (once; later calls do nothing).
    pub fn ack<T: Serialize + ?Sized>(&self, data: &T) -> Result<(), ArgsError> {
        let args = args_from_value(data)?;
        if let Some(ack) = self.ack.take() {
            // Only a cluster's server-side events carry an ack id.
            let _ = self
                .shared
                .driver
                .with_engine(|c| c.server_side_ack(ack, &args));
        }
        Ok(())
    }
}

impl Shared {
    /// Hands another member's server-side event to the listeners of
    /// `event` in `nsp`, in the order they were added; the first ack counts.
    pub(crate) fn dispatch_server_side(
        self: &Rc<Self>,
        nsp: &str,
        event: String,
        args: Args,
        ack: Option<ServerSideAckId>,
    ) {
        let listeners: Vec<ServerSideHandler> = self
            .server_side
            .borrow()
            .get(nsp)
            .map(|l| {
                l.iter()
                    .filter(|(e, _)| e.as_deref().is_none_or(|e| e == event))
                    .map(|(_, f)| f.clone())
                    .collect()
            })
            .unwrap_or_default();
        let msg = ServerSideMsg {
            shared: self.clone(),
            event,
            args,
            ack: std::cell::Cell::new(ack),
        };
        for f in listeners {
            f(&msg);
        }
    }
}
