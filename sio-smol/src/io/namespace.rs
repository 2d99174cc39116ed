//! [`Namespace`] handles: connection handlers, connect middleware, and
//! namespace-wide operations.

use super::binary::{ArgsError, args_from_value};
use super::operator::Operator;
use super::remote::{ClusterReplies, RemoteSocket, ServerSideMsg};
use super::state::{ConnectError, ConnectRequest, Middleware, NsHandlers, NsKey, Shared, Socket};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sio_core::socket::{Args, ClusterError};
use std::future::Future;
use std::rc::Rc;
use std::time::Instant;

impl ConnectRequest {
    /// The CONNECT payload as `T`.
    pub fn auth<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_slice(&self.auth)
    }

    /// A handshake header (name in lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

impl ConnectError {
    /// A refusal with `message` and no data.
    pub fn new(message: impl Into<String>) -> ConnectError {
        ConnectError {
            message: message.into(),
            data: None,
        }
    }

    /// Adds data for the client.
    pub fn with_data(mut self, data: serde_json::Value) -> ConnectError {
        self.data = Some(data);
        self
    }
}

/// A namespace handle.
#[derive(Clone)]
pub struct Namespace {
    shared: Rc<Shared>,
    key: NsKey,
}

impl Namespace {
    pub(crate) fn new(shared: Rc<Shared>, name: String) -> Namespace {
        Namespace {
            shared,
            key: NsKey::Static(name),
        }
    }

    pub(crate) fn new_dynamic(shared: Rc<Shared>, index: usize) -> Namespace {
        Namespace {
            shared,
            key: NsKey::Dynamic(index),
        }
    }

    fn handlers(&self) -> Rc<NsHandlers> {
        self.shared.ns_handlers(&self.key)
    }

    /// Calls `f` with every socket that joins. Several handlers are called
    /// in the order they were added, as Node's `nsp.on("connection")`.
    pub fn on_connection(&self, f: impl Fn(Socket) + 'static) {
        self.handlers().on_connection.borrow_mut().push(Rc::new(f));
    }

    /// Adds connect middleware: every connect waits for it; an `Err`
    /// refuses the client with CONNECT_ERROR.
    pub fn use_middleware<F, Fut>(&self, f: F)
    where
        F: Fn(ConnectRequest) -> Fut + 'static,
        Fut: Future<Output = Result<(), ConnectError>> + 'static,
    {
        let mw: Middleware = Rc::new(move |req| Box::pin(f(req)));
        self.handlers().middleware.borrow_mut().push(mw);
        self.shared.driver.with_engine(|c| match &self.key {
            NsKey::Static(name) => c.set_connect_middleware(name, true),
            NsKey::Dynamic(i) => c.set_dynamic_middleware(*i, true),
        });
    }

    /// The namespace's name (for a dynamic namespace, the pattern's index
    /// as `dynamic#N`).
    pub fn name(&self) -> String {
        match &self.key {
            NsKey::Static(n) => n.clone(),
            NsKey::Dynamic(i) => format!("dynamic#{i}"),
        }
    }

    /// An operator for everyone in this namespace; for a dynamic
    /// namespace, everyone in every namespace it has created (as Node's
    /// parent namespace).
    pub fn operator(&self) -> Operator {
        match &self.key {
            NsKey::Static(name) => Operator::new(self.shared.clone(), name.clone()),
            NsKey::Dynamic(i) => Operator::children(self.shared.clone(), *i),
        }
    }

    /// The namespaces a dynamic namespace has created so far (for a static
    /// one, its own name), sorted by name. Each is reachable with
    /// [`super::SocketIo::of`].
    pub fn children(&self) -> Vec<String> {
        match &self.key {
            NsKey::Static(name) => vec![name.clone()],
            NsKey::Dynamic(i) => self.shared.dynamic_children(*i),
        }
    }

    /// Broadcasts `event` with one argument to every socket of the
    /// namespace (every cluster member's); returns the number of this
    /// server's recipients.
    pub fn emit<T: Serialize + ?Sized>(&self, event: &str, data: &T) -> Result<usize, ArgsError> {
        self.operator().emit(event, data)
    }

    /// An operator for the members of `room`.
    pub fn to(&self, room: impl Into<String>) -> Operator {
        self.operator().to(room)
    }

    /// An operator for everyone but the members of `room`.
    pub fn except(&self, room: impl Into<String>) -> Operator {
        self.operator().except(room)
    }

    /// The sockets connected to this server.
    pub fn sockets(&self) -> Vec<Socket> {
        self.operator().local_sockets()
    }

    /// The sockets of every cluster member (Node's `fetchSockets`; see
    /// [`Operator::fetch_sockets`]).
    pub async fn fetch_sockets(&self) -> Result<Vec<RemoteSocket>, ClusterError> {
        self.operator().fetch_sockets().await
    }

    /// Emits `event` with one argument to the server-side listeners of the
    /// other cluster members ([`Namespace::on_server_side`]), never this
    /// server's own (Node's `serverSideEmit`). Without a cluster, nobody.
    pub fn server_side_emit<T: Serialize + ?Sized>(
        &self,
        event: &str,
        data: &T,
    ) -> Result<(), ArgsError> {
        self.server_side_emit_raw(event, &args_from_value(data)?);
        Ok(())
    }

    /// [`Namespace::server_side_emit`] with raw arguments.
    pub fn server_side_emit_raw(&self, event: &str, args: &Args) {
        for nsp in self.children() {
            let _ = self
                .shared
                .driver
                .with_engine(|c| c.server_side_emit(&nsp, event, args));
        }
    }

    /// [`Namespace::server_side_emit`] waiting for every other member's
    /// answer, until the cluster's `requests_timeout` (Node's
    /// `serverSideEmitWithAck`).
    pub async fn server_side_emit_with_ack<T: Serialize + ?Sized>(
        &self,
        event: &str,
        data: &T,
    ) -> Result<ClusterReplies, ArgsError> {
        Ok(self
            .server_side_emit_raw_with_ack(event, &args_from_value(data)?)
            .await)
    }

    /// [`Namespace::server_side_emit_with_ack`] with raw arguments.
    pub async fn server_side_emit_raw_with_ack(&self, event: &str, args: &Args) -> ClusterReplies {
        let mut all = ClusterReplies {
            replies: Vec::new(),
            error: None,
        };
        for nsp in self.children() {
            let Some(rx) = self.shared.start_cluster_call(|c| {
                c.server_side_emit_with_ack(Instant::now(), &nsp, event, args)
            }) else {
                continue;
            };
            let answer = rx.await.unwrap_or_default();
            all.replies.extend(answer.replies);
            all.error = all.error.or(answer.error);
        }
        all
    }

    /// The number of servers in the cluster, this one included (Node's
    /// `adapter.serverCount()`; 1 without a cluster). `None` when Redis
    /// cannot be asked. For a dynamic namespace, its first child's count.
    pub async fn server_count(&self) -> Option<usize> {
        let nsp = self.children().into_iter().next()?;
        let rx = self
            .shared
            .start_cluster_call(|c| c.server_count(Instant::now(), &nsp))?;
        rx.await?.count
    }

    /// Every room of this namespace on every cluster member, sockets' own
    /// rooms included, sorted (Node's `adapter.allRooms()`).
    pub async fn all_rooms(&self) -> Result<Vec<String>, ClusterError> {
        let mut all = std::collections::BTreeSet::new();
        for nsp in self.children() {
            let rx = self
                .shared
                .start_cluster_call(|c| c.all_rooms(Instant::now(), &nsp));
            let answer = match rx {
                Some(rx) => rx.await,
                None => None,
            }
            .ok_or(ClusterError::BusUnavailable)?;
            if let Some(e) = answer.error {
                return Err(e);
            }
            all.extend(answer.rooms);
        }
        Ok(all.into_iter().collect())
    }

    /// Calls `f` with every server-side event `event` another cluster
    /// member emits in this namespace (Node's `nsp.on(event, ...)` for
    /// `serverSideEmit`); answer with [`ServerSideMsg::ack`]. Several
    /// listeners run in the order they were added. For a dynamic
    /// namespace, the namespaces it has created and will create.
    pub fn on_server_side(&self, event: &str, f: impl Fn(&ServerSideMsg) + 'static) {
        self.add_server_side(Some(event.into()), Rc::new(f));
    }

    /// Calls `f` with every server-side event of any name (in the order of
    /// all listeners added).
    pub fn on_server_side_any(&self, f: impl Fn(&ServerSideMsg) + 'static) {
        self.add_server_side(None, Rc::new(f));
    }

    fn add_server_side(&self, event: Option<Box<str>>, f: super::state::ServerSideHandler) {
        let key = match &self.key {
            NsKey::Static(name) => name.clone(),
            NsKey::Dynamic(i) => format!("dynamic#{i}"),
        };
        self.shared
            .server_side
            .borrow_mut()
            .entry(key)
            .or_default()
            .push((event, f));
    }
}
