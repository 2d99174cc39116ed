//! [`Namespace`] handles: connection handlers, connect middleware, and
//! namespace-wide operations.

use super::binary::ArgsError;
use super::operator::Operator;
use super::state::{ConnectError, ConnectRequest, Middleware, NsHandlers, NsKey, Shared, Socket};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::future::Future;
use std::rc::Rc;

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
    /// namespace; returns the number of recipients.
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

    /// The connected sockets.
    pub fn sockets(&self) -> Vec<Socket> {
        self.operator().fetch_sockets()
    }
}
