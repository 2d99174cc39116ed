//! The handlers an application registers: per namespace (connection
//! listeners, connect middleware) and per socket (event listeners, `on_any`,
//! packet middleware, disconnect), and the socket's own data.

use super::AckError;
use super::msg::Msg;
use super::namespace::Middleware;
use super::oneshot;
use super::socket::Socket;
use bytes::Bytes;
use sio_core::socket::{Args, DisconnectReason};
use std::any::Any;
use std::cell::RefCell;
use std::rc::Rc;

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

impl NsHandlers {
    /// A copy: the same handlers, added to separately from now on.
    pub(crate) fn copy(&self) -> NsHandlers {
        NsHandlers {
            on_connection: RefCell::new(self.on_connection.borrow().clone()),
            middleware: RefCell::new(self.middleware.borrow().clone()),
        }
    }
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
    rare: RefCell<Option<Box<RareHandlers>>>,
}

impl SocketHandlers {
    /// A new socket's: no listeners yet, `data` kept from its session if
    /// it `recovered` one.
    pub(crate) fn new(
        nsp: String,
        auth: Bytes,
        data: Option<Box<dyn Any>>,
        recovered: bool,
    ) -> SocketHandlers {
        SocketHandlers {
            nsp,
            auth,
            events: RefCell::default(),
            on_disconnect: RefCell::default(),
            data: RefCell::new(data),
            recovered,
            rare: RefCell::default(),
        }
    }
}

/// One listener of a socket's event.
pub(crate) struct Listener {
    pub event: Box<str>,
    /// Removed before its first call (`once`).
    pub once: bool,
    pub f: EventHandler,
}

/// The listeners one event goes to.
pub(crate) enum Matched {
    None,
    One(EventHandler),
    Many(Vec<EventHandler>),
}

impl SocketHandlers {
    /// The listeners of `event`, in order; `once` listeners among them are
    /// removed. Allocates only for several listeners.
    pub(crate) fn take_listeners(&self, event: &str) -> Matched {
        let mut events = self.events.borrow_mut();
        let mut matched = Matched::None;
        let mut once = false;
        for l in events.iter().filter(|l| *l.event == *event) {
            once |= l.once;
            matched = match matched {
                Matched::None => Matched::One(l.f.clone()),
                Matched::One(first) => Matched::Many(vec![first, l.f.clone()]),
                Matched::Many(mut all) => {
                    all.push(l.f.clone());
                    Matched::Many(all)
                }
            };
        }
        if once {
            events.retain(|l| !(l.once && *l.event == *event));
        }
        matched
    }
}

/// The handlers and waiters of a socket that most sockets do without.
#[derive(Default)]
pub(crate) struct RareHandlers {
    pub any: Option<AnyHandler>,
    pub any_outgoing: Option<OutgoingHandler>,
    pub packet_middleware: Vec<PacketMiddleware>,
    pub on_error: Option<ErrorHandler>,
}

impl SocketHandlers {
    /// The rare handlers, created on first use.
    pub(crate) fn rare_mut(&self) -> std::cell::RefMut<'_, RareHandlers> {
        std::cell::RefMut::map(self.rare.borrow_mut(), |r| &mut **r.get_or_insert_default())
    }

    /// Reads the rare handlers, if any were ever set.
    pub(crate) fn rare<T>(&self, f: impl FnOnce(&RareHandlers) -> T) -> Option<T> {
        self.rare.borrow().as_deref().map(f)
    }
}
