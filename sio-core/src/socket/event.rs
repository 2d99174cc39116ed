//! What the Socket.IO server tells the application, and the argument
//! lists that travel both ways.

use crate::sid::Sid;
use bytes::Bytes;

/// A Socket.IO socket id (one per namespace connection; not the Engine.IO sid).
pub type SocketId = Sid;

/// An id for a broadcast whose acks are being collected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BroadcastAckId(pub u64);

/// An application's cluster-wide request ([`super::SioServer::fetch_sockets`],
/// [`super::SioServer::server_side_emit_with_ack`]); its answer event
/// carries the same id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClusterRequestId(pub u64);

/// A server-side event from another cluster member that waits for an
/// answer ([`super::SioServer::server_side_ack`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ServerSideAckId(pub u64);

/// A socket found by [`super::SioServer::fetch_sockets`], on this server or
/// on another cluster member (Node's `RemoteSocket`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SocketInfo {
    /// The socket id.
    pub id: String,
    /// Its rooms (its own id among them).
    pub rooms: Vec<String>,
    /// Its data as JSON (Node's `socket.data`; `{}` when none was set).
    pub data: Bytes,
    /// Its handshake as JSON: headers, time, address, xdomain, secure,
    /// issued, url, query, auth (the object Node's `RemoteSocket` has).
    pub handshake: Bytes,
    /// It is connected to this server.
    pub local: bool,
}

/// Why a cluster-wide request ended without every member's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClusterError {
    /// The cluster's `requests_timeout` passed first (Node's "timeout
    /// reached while waiting for ... response").
    #[error("timeout reached: only {received} responses received out of {expected}")]
    Timeout {
        /// Members that answered.
        received: usize,
        /// Members that were expected to.
        expected: usize,
    },
    /// The bus could not count the members (it is down).
    #[error("the cluster bus is unavailable")]
    BusUnavailable,
}

/// Event or ack arguments: a JSON array as raw text (binary values as
/// `{"_placeholder":true,"num":N}`) and the binary attachments it refers to.
///
/// Arguments stay raw JSON until the application asks for a typed value;
/// broadcasting them shares the bytes among recipients.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Args {
    /// A JSON array, e.g. `["hello",{"a":1}]`.
    pub json: Bytes,
    /// Binary attachments, in placeholder order.
    pub attachments: Vec<Bytes>,
}

impl Args {
    /// No arguments: `[]`.
    pub fn empty() -> Args {
        Args {
            json: Bytes::from_static(b"[]"),
            attachments: Vec::new(),
        }
    }

    /// Arguments from a JSON array text without binary. The caller
    /// guarantees `json` is a JSON array (it is sent as is).
    pub fn from_json(json: impl Into<Bytes>) -> Args {
        Args {
            json: json.into(),
            attachments: Vec::new(),
        }
    }

    /// Arguments from JSON values (serialisation of values cannot fail).
    pub fn from_values(values: &[serde_json::Value]) -> Args {
        Args::from_json(serde_json::to_vec(values).expect("JSON values serialise"))
    }

    /// True when the arguments carry binary attachments.
    pub fn is_binary(&self) -> bool {
        !self.attachments.is_empty()
    }
}

/// Why a socket left its namespace; the names are the reference server's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DisconnectReason {
    /// The client sent DISCONNECT (`socket.disconnect()` on the client).
    ClientNamespaceDisconnect,
    /// The server disconnected the socket.
    ServerNamespaceDisconnect,
    /// The Engine.IO connection was closed by the client or lost.
    TransportClose,
    /// The Engine.IO connection broke the protocol.
    TransportError,
    /// No pong within the ping timeout.
    PingTimeout,
    /// A packet could not be decoded.
    ParseError,
    /// The server is shutting down.
    ServerShuttingDown,
    /// The server closed the whole Engine.IO connection.
    ForcedServerClose,
    /// The session's outgoing buffer reached its bound.
    BufferFull,
}

impl DisconnectReason {
    /// True when a socket that left for this reason may recover its
    /// session (the reference's `RECOVERABLE_DISCONNECT_REASONS`, plus a
    /// full send buffer, which is a transport failure too).
    pub fn is_recoverable(self) -> bool {
        !matches!(
            self,
            DisconnectReason::ClientNamespaceDisconnect
                | DisconnectReason::ServerNamespaceDisconnect
                | DisconnectReason::ParseError
        )
    }

    /// The reference server's string for this reason.
    pub fn as_str(self) -> &'static str {
        match self {
            DisconnectReason::ClientNamespaceDisconnect => "client namespace disconnect",
            DisconnectReason::ServerNamespaceDisconnect => "server namespace disconnect",
            DisconnectReason::TransportClose => "transport close",
            DisconnectReason::TransportError => "transport error",
            DisconnectReason::PingTimeout => "ping timeout",
            DisconnectReason::ParseError => "parse error",
            DisconnectReason::ServerShuttingDown => "server shutting down",
            DisconnectReason::ForcedServerClose => "forced server close",
            DisconnectReason::BufferFull => "buffer full",
        }
    }

    /// The socket reason for an Engine.IO close reason.
    pub fn from_engine(reason: crate::engine::CloseReason) -> DisconnectReason {
        use crate::engine::CloseReason as C;
        match reason {
            C::TransportClose => DisconnectReason::TransportClose,
            C::TransportError => DisconnectReason::TransportError,
            C::PingTimeout => DisconnectReason::PingTimeout,
            C::ParseError => DisconnectReason::ParseError,
            C::BufferFull => DisconnectReason::BufferFull,
            C::ForcedClose => DisconnectReason::ForcedServerClose,
            C::ServerShutdown => DisconnectReason::ServerShuttingDown,
        }
    }
}

/// Something the application wants to know.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SocketEvent {
    /// A client asks to join a namespace that has connect middleware: the
    /// application answers with [`super::SioServer::accept`] or
    /// [`super::SioServer::refuse`].
    ConnectRequest {
        /// The id the socket will have if accepted.
        socket: SocketId,
        /// The namespace.
        nsp: String,
        /// The CONNECT payload (a JSON object; `{}` when absent).
        auth: Bytes,
    },
    /// A socket joined a namespace.
    Connect {
        /// The new socket.
        socket: SocketId,
        /// The namespace.
        nsp: String,
        /// The CONNECT payload (a JSON object; `{}` when absent).
        auth: Bytes,
        /// The socket restored a session (connection state recovery): the
        /// same id as before its disconnection, its rooms, and the events
        /// it missed were sent to it already. Data the application kept
        /// for it at its [`SocketEvent::Disconnect`] (`kept`) belongs to
        /// it again.
        recovered: bool,
    },
    /// An event from a client.
    Event {
        /// The sender.
        socket: SocketId,
        /// Event name.
        event: String,
        /// Arguments after the name.
        args: Args,
        /// Ack id, when the client waits for an answer
        /// ([`super::SioServer::ack`]).
        ack: Option<u64>,
    },
    /// A client answered an event the server sent with an ack.
    Ack {
        /// The socket that answered.
        socket: SocketId,
        /// The ack id [`super::SioServer::emit_with_ack`] returned.
        ack: u64,
        /// The answer.
        args: Args,
    },
    /// A client did not answer in time (the ack is forgotten).
    AckTimeout {
        /// The socket.
        socket: SocketId,
        /// The ack id.
        ack: u64,
    },
    /// A broadcast with acks is complete: every recipient answered, or the
    /// deadline passed (`timed_out`), with the answers received so far.
    /// In a cluster, recipients on every member count.
    BroadcastAck {
        /// The broadcast.
        id: BroadcastAckId,
        /// Answers of this server's sockets, by socket.
        replies: Vec<(SocketId, Args)>,
        /// Answers of other members' sockets (each the first argument of
        /// the client's ack, as the cluster protocol carries it).
        remote: Vec<Args>,
        /// The deadline passed before every recipient answered.
        timed_out: bool,
    },
    /// The answer to [`super::SioServer::fetch_sockets`]: the sockets of
    /// every member, this one's first. With `error`, some members did not
    /// answer: `sockets` has what came.
    FetchedSockets {
        /// The request.
        id: ClusterRequestId,
        /// The sockets found.
        sockets: Vec<SocketInfo>,
        /// Why some members are missing, if they are.
        error: Option<ClusterError>,
    },
    /// Another cluster member's `serverSideEmit` (never this server's own).
    ServerSideEvent {
        /// The namespace.
        nsp: String,
        /// Event name.
        event: String,
        /// Arguments after the name.
        args: Args,
        /// Set when the sender waits for an answer
        /// ([`super::SioServer::server_side_ack`]).
        ack: Option<ServerSideAckId>,
    },
    /// The answers to [`super::SioServer::server_side_emit_with_ack`]: one
    /// per other member (the first argument of its answer). With `error`,
    /// some did not answer in time.
    ServerSideAcks {
        /// The request.
        id: ClusterRequestId,
        /// The answers.
        replies: Vec<Args>,
        /// Why some are missing, if they are.
        error: Option<ClusterError>,
    },
    /// The answer to [`super::SioServer::server_count`]: the members of the
    /// cluster (this one included), `None` when the bus could not count.
    ServerCount {
        /// The request.
        id: ClusterRequestId,
        /// The number of members.
        count: Option<usize>,
    },
    /// The answer to [`super::SioServer::all_rooms`]: every room of every
    /// member (sockets' own rooms included), sorted. With `error`, some
    /// members did not answer: `rooms` has what came.
    AllRooms {
        /// The request.
        id: ClusterRequestId,
        /// The room names.
        rooms: Vec<String>,
        /// Why some members are missing, if they are.
        error: Option<ClusterError>,
    },
    /// A cluster message could not be understood (dropped; for logs).
    ClusterFault {
        /// What was wrong.
        what: String,
    },
    /// A session kept at a disconnection can no longer be recovered (the
    /// window passed, or the store's bound pushed it out): data the
    /// application kept for it can go.
    SessionExpired {
        /// The socket it was.
        socket: SocketId,
    },
    /// A login to the admin UI's namespace (see [`crate::admin`]): check
    /// `check.password` against the bcrypt hash `check.hash` (off the
    /// event loop: bcrypt is slow by design), then answer with
    /// [`super::SioServer::admin_login_checked`].
    AdminLogin {
        /// The socket waiting to connect.
        socket: SocketId,
        /// The password and the hash.
        check: crate::admin::AdminLogin,
    },
    /// A socket left its namespace.
    Disconnect {
        /// The socket (unknown from now on).
        socket: SocketId,
        /// The namespace.
        nsp: String,
        /// Why.
        reason: DisconnectReason,
        /// The session was kept for recovery (the reason is recoverable
        /// and recovery is on): the socket may come back with its id
        /// ([`SocketEvent::Connect`] with `recovered`) until a
        /// [`SocketEvent::SessionExpired`]; the application may keep the
        /// socket's data until then.
        kept: bool,
    },
    /// The answer to [`super::SioServer::notify_flushed`]: what was emitted
    /// to the socket before it was asked has reached the transport, or,
    /// `delivered` false, the connection closed first.
    Flushed {
        /// The request answered.
        id: crate::FlushId,
        /// False when the connection closed before delivery.
        delivered: bool,
    },
    /// A client broke the Engine.IO or Socket.IO protocol; its session
    /// closes (its sockets' `Disconnect`s follow). For logs: the core has
    /// answered already.
    ProtocolFault {
        /// The Engine.IO session.
        sid: Sid,
        /// What the client did wrong (no payload data, no secrets).
        what: String,
    },
}
