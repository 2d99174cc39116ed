//! The Socket.IO application API: [`SocketIo`] (the server),
//! [`Namespace`], [`Socket`], [`Msg`], broadcast [`Operator`]s, and
//! [`Binary`] values in typed arguments.
//!
//! Handles belong to the server's thread (`Rc` inside, no locks) and are
//! cheap to clone. Handlers are plain closures called in order, like
//! Node's event emitters; spawn async work with [`SocketIo::spawn`].

mod binary;
mod client_files;
mod cluster;
mod dispatch;
mod handlers;
mod msg;
mod namespace;
mod oneshot;
mod operator;
mod remote;
mod serving;
mod shared;
mod socket;
mod state;

pub use binary::{ArgsError, Binary, args_as, args_from_array, args_from_value, first_arg};
pub use cluster::RedisOptions;
pub use namespace::Namespace;
pub use operator::Operator;
pub use remote::{ClusterReplies, RemoteSocket, ServerSideMsg};
pub use socket::{SocketAck, VolatileSocket};
pub use state::{BroadcastReplies, ConnectError, ConnectRequest, Msg, Socket};

use crate::driver::Driver;
use crate::mux::Mount;
use serde::Serialize;
use sio_core::socket::{ServerConfig, SioServer, SocketId};
use state::Shared;
use std::rc::Rc;
use std::time::Duration;

/// How long an ack is awaited when no timeout is given.
pub const DEFAULT_ACK_TIMEOUT: Duration = Duration::from_secs(30);

/// Why an awaited ack did not come.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AckError {
    /// The client did not answer within the timeout.
    #[error("ack timed out")]
    Timeout,
    /// The socket disconnected first (or was not connected).
    #[error("socket disconnected")]
    Disconnected,
    /// The answer did not have the expected type.
    #[error("bad ack arguments: {0}")]
    Args(String),
    /// The socket had too many acks outstanding.
    #[error("too many pending acks")]
    TooMany,
}

/// A Socket.IO server: mount it on a [`crate::Mux`], declare namespaces and
/// handlers, emit and broadcast.
///
/// ```no_run
/// use sio_smol::io::SocketIo;
/// use sio_smol::Mux;
/// use sio_core::socket::ServerConfig;
///
/// let io = SocketIo::new(ServerConfig::default());
/// io.on_connection(|socket| {
///     socket.on("chat message", |socket, msg| {
///         let text: String = msg.data().unwrap_or_default();
///         let _ = socket.broadcast().emit("chat message", &text);
///     });
/// });
/// smol::block_on(Mux::new().mount(&io).serve("127.0.0.1:3000".parse().unwrap())).unwrap();
/// ```
#[derive(Clone)]
pub struct SocketIo {
    pub(crate) shared: Rc<Shared>,
}

impl SocketIo {
    /// A server with `config`, ids seeded from OS entropy.
    pub fn new(config: ServerConfig) -> SocketIo {
        let core = SioServer::new(config, crate::os_seed());
        let driver = Driver::new(core);
        let shared = Shared::new(driver);
        SocketIo { shared }
    }

    /// The namespace `name` (declared on first use).
    pub fn of(&self, name: &str) -> Namespace {
        self.shared.driver.with_engine(|c| c.add_namespace(name));
        Namespace::new(self.shared.clone(), name.to_owned())
    }

    /// A dynamic namespace: every name `matcher` accepts is created on its
    /// first connect, sharing the returned handle's handlers and middleware.
    pub fn of_dynamic(&self, matcher: impl Fn(&str) -> bool + 'static) -> Namespace {
        let index = self
            .shared
            .driver
            .with_engine(|c| c.add_dynamic_namespace(Box::new(matcher)));
        Namespace::new_dynamic(self.shared.clone(), index)
    }

    /// Handles connections to the main namespace `/`.
    pub fn on_connection(&self, f: impl Fn(Socket) + 'static) {
        self.of("/").on_connection(f);
    }

    /// A connected socket of any namespace.
    pub fn socket(&self, id: SocketId) -> Option<Socket> {
        self.shared.socket(id)
    }

    /// Broadcasts to everyone in `/` (see [`Namespace::emit`]).
    pub fn emit<T: Serialize + ?Sized>(&self, event: &str, data: &T) -> Result<usize, ArgsError> {
        self.of("/").emit(event, data)
    }

    /// An operator on `/` for the members of `room`.
    pub fn to(&self, room: impl Into<String>) -> Operator {
        self.of("/").to(room)
    }

    /// The connected sockets of `/`.
    pub fn sockets(&self) -> Vec<Socket> {
        self.of("/").sockets()
    }

    /// The sockets of `/` on every cluster member (see
    /// [`Namespace::fetch_sockets`]).
    pub async fn fetch_sockets(&self) -> Result<Vec<RemoteSocket>, sio_core::socket::ClusterError> {
        self.of("/").fetch_sockets().await
    }

    /// Emits to the other cluster members' server-side listeners of `/`
    /// (see [`Namespace::server_side_emit`]).
    pub fn server_side_emit<T: Serialize + ?Sized>(
        &self,
        event: &str,
        data: &T,
    ) -> Result<(), ArgsError> {
        self.of("/").server_side_emit(event, data)
    }

    /// Listens to the other cluster members' server-side events in `/`
    /// (see [`Namespace::on_server_side`]).
    pub fn on_server_side(&self, event: &str, f: impl Fn(&ServerSideMsg) + 'static) {
        self.of("/").on_server_side(event, f);
    }

    /// Spawns a task on the server's executor (after the server started).
    pub fn spawn(&self, fut: impl std::future::Future<Output = ()> + 'static) {
        self.shared.driver.spawn(fut);
    }

    /// Serves the browser client bundles of the npm package
    /// `socket.io-client` from `dist` (its `dist` directory, or a file in
    /// it) at `<path>socket.io.js`, `socket.io.min.js`,
    /// `socket.io.esm.min.js`, `socket.io.msgpack.min.js` and their `.map`
    /// files, as Node's `serveClient` does (`ETag`, `304` on
    /// `If-None-Match`, `Cache-Control: public, max-age=0`).
    ///
    /// The files are read now, once, and served from memory; a bundle
    /// missing from `dist` answers `404` with a message saying so. Returns
    /// how many were found. Without this call those paths belong to the
    /// engine (a `400`, as Node's server with `serveClient: false`); an
    /// application can also serve its own copy of the client or use a CDN.
    pub fn serve_client(&self, dist: impl AsRef<std::path::Path>) -> usize {
        let dir = client_files::dist_dir(dist.as_ref());
        let files = client_files::ClientFiles::load(dir);
        let found = files.len();
        *self.shared.client_files.borrow_mut() = Some(Rc::new(files));
        found
    }

    /// Closes every session (reason "server shutting down").
    pub fn close_all(&self) {
        self.shared.driver.with_engine(|c| c.shutdown());
    }
}

impl From<&SocketIo> for Mount {
    fn from(io: &SocketIo) -> Mount {
        Mount::new(io.shared.clone())
    }
}
