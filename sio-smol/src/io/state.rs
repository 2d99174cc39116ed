//! The io layer's data, in one place because it refers to itself: the
//! handles ([`Socket`], [`Msg`]) hold the [`Shared`] state, and the state
//! holds the handlers, whose signatures take the handles. Behaviour lives
//! with each type's job: `socket.rs`, `msg.rs`, `shared.rs`, `handlers.rs`,
//! `dispatch.rs`.

use super::AckError;
use super::client_files::ClientFiles;
use super::oneshot;
use crate::driver::Driver;
use bytes::Bytes;
use sio_core::FlushId;
use sio_core::fast_hash::FastMap;
use sio_core::socket::{
    Args, BroadcastAckId, ClusterRequestId, DisconnectReason, SioServer, SocketId,
};
use std::any::Any;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

/// Everything the handles share.
pub(crate) struct Shared {
    pub driver: Rc<Driver<SioServer>>,
    pub(crate) namespaces: RefCell<HashMap<String, Rc<NsHandlers>>>,
    pub(crate) dynamic: RefCell<HashMap<usize, Rc<NsHandlers>>>,
    pub(crate) sockets: RefCell<FastMap<SocketId, Rc<SocketHandlers>>>,
    pub(crate) acks: RefCell<FastMap<(SocketId, u64), AckWaiter>>,
    pub(crate) broadcasts: RefCell<HashMap<BroadcastAckId, oneshot::Sender<BroadcastReplies>>>,
    /// Pending `flushed()` calls, answered by the core's `Flushed` events.
    pub(crate) flushes: RefCell<FastMap<FlushId, oneshot::Sender<bool>>>,
    /// The browser client bundles served at `<path>socket.io.js` and
    /// beside it, if set.
    pub(crate) client_files: RefCell<Option<Rc<ClientFiles>>>,
    /// Per-socket data of kept sessions, until recovered or expired.
    pub(crate) stash: RefCell<FastMap<SocketId, Box<dyn Any>>>,
    /// Cluster requests waiting for their answers.
    pub(crate) cluster_waiters: RefCell<FastMap<ClusterRequestId, oneshot::Sender<ClusterAnswer>>>,
    /// Listeners of the cluster link's state (up or down).
    pub(crate) link_handlers: RefCell<Vec<LinkHandler>>,
    /// Server-side listeners by namespace: (event, or `None` for every
    /// event; listener).
    pub(crate) server_side: RefCell<HashMap<String, Vec<ServerSideListener>>>,
}

/// A listener of the cluster link's state: called with `true` when it
/// comes up, `false` when it breaks.
pub(crate) type LinkHandler = Rc<dyn Fn(bool)>;

/// A server-side listener: its event (`None` for every event) and handler.
pub(crate) type ServerSideListener = (Option<Box<str>>, ServerSideHandler);

/// The answer to a cluster request: sockets found, or server-side
/// answers, and why some are missing.
#[derive(Debug, Default)]
pub(crate) struct ClusterAnswer {
    pub sockets: Vec<sio_core::socket::SocketInfo>,
    pub replies: Vec<Args>,
    pub rooms: Vec<String>,
    pub count: Option<usize>,
    pub error: Option<sio_core::socket::ClusterError>,
}

/// A listener of server-side events from other cluster members.
pub(crate) type ServerSideHandler = Rc<dyn Fn(&super::remote::ServerSideMsg)>;

/// One client's connection to one namespace.
#[derive(Clone)]
pub struct Socket {
    pub(crate) shared: Rc<Shared>,
    pub(crate) id: SocketId,
    pub(crate) handlers: Rc<SocketHandlers>,
}

impl std::fmt::Debug for Socket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Socket").field("id", &self.id).finish()
    }
}

/// An event from a client.
#[derive(Debug)]
pub struct Msg {
    pub(crate) event: String,
    pub(crate) args: Args,
    pub(crate) ack: AckSlot,
    pub(crate) socket: Socket,
}

/// The ack id not used yet: the message's own, or shared by the copies
/// handed to several listeners of one event (the first ack counts).
#[derive(Debug)]
pub(crate) enum AckSlot {
    Own(Cell<Option<u64>>),
    Shared(Rc<Cell<Option<u64>>>),
}

/// A client's request to join a namespace, as connect middleware sees it.
#[derive(Debug, Clone)]
pub struct ConnectRequest {
    /// The namespace asked for.
    pub nsp: String,
    /// The CONNECT payload (JSON object text, `{}` when none).
    pub auth: Bytes,
    /// Headers of the Engine.IO handshake request (names in lower case).
    pub headers: Vec<(String, String)>,
    /// The client's address (see [`crate::Handshake::address`]).
    pub address: Option<std::net::IpAddr>,
}

/// A refusal by connect middleware; the client's `connect_error` gets
/// an `Error` with this `message` and `data`.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectError {
    /// The error message.
    pub message: String,
    /// Extra data for the client (`err.data`), if any.
    pub data: Option<serde_json::Value>,
}

/// The answers to a broadcast with acks.
#[derive(Debug, Clone)]
pub struct BroadcastReplies {
    /// Answers of this server's sockets, by socket (each the ack's raw
    /// arguments).
    pub replies: Vec<(SocketId, Args)>,
    /// Answers of other cluster members' sockets (each the first argument
    /// of the ack, as the cluster protocol carries it).
    pub remote: Vec<Args>,
    /// The deadline passed before every recipient answered.
    pub timed_out: bool,
}

/// Connect middleware: decides, possibly asynchronously, whether a client
/// may join.
pub(crate) type Middleware =
    Rc<dyn Fn(ConnectRequest) -> Pin<Box<dyn Future<Output = Result<(), ConnectError>>>>>;

/// Which namespace a handle is for.
#[derive(Clone, Debug)]
pub(crate) enum NsKey {
    Static(String),
    Dynamic(usize),
}

pub(crate) type ConnectionHandler = Rc<dyn Fn(Socket)>;
pub(crate) type EventHandler = Rc<dyn Fn(&Socket, Msg)>;
pub(crate) type AnyHandler = Rc<dyn Fn(&Socket, &Msg)>;
pub(crate) type OutgoingHandler = Rc<dyn Fn(&Socket, &str, &Args)>;
pub(crate) type PacketMiddleware = Rc<dyn Fn(&Socket, &Msg) -> Result<(), String>>;
pub(crate) type ErrorHandler = Rc<dyn Fn(&Socket, &str)>;
pub(crate) type DisconnectHandler = Rc<dyn Fn(&Socket, DisconnectReason)>;
pub(crate) type AckWaiter = oneshot::Sender<Result<Args, AckError>>;

/// Handlers of one namespace (or of a dynamic namespace pattern).
#[derive(Default)]
pub(crate) struct NsHandlers {
    pub on_connection: RefCell<Vec<ConnectionHandler>>,
    pub middleware: RefCell<Vec<Middleware>>,
}

/// Handlers and data of one socket.
pub(crate) struct SocketHandlers {
    pub nsp: String,
    pub auth: Bytes,
    /// Event listeners, in the order they were added: a short list (a
    /// socket has a handful), cheaper per socket than a hash map.
    pub events: RefCell<Vec<Listener>>,
    pub on_disconnect: RefCell<Option<DisconnectHandler>>,
    pub data: RefCell<Option<Box<dyn Any>>>,
    /// The socket restored a session (connection state recovery).
    pub recovered: bool,
    /// What most sockets never set, allocated on first use: an idle
    /// connection's memory is mostly per-socket state like this.
    pub(crate) rare: RefCell<Option<Box<RareHandlers>>>,
}

/// One listener of a socket's event.
pub(crate) struct Listener {
    pub event: Box<str>,
    /// Removed before its first call (`once`).
    pub once: bool,
    pub f: EventHandler,
}

/// The handlers and waiters of a socket that most sockets do without.
#[derive(Default)]
pub(crate) struct RareHandlers {
    pub any: Option<AnyHandler>,
    pub any_outgoing: Option<OutgoingHandler>,
    pub packet_middleware: Vec<PacketMiddleware>,
    pub on_error: Option<ErrorHandler>,
}
