//! The Socket.IO server's shared state on the adapter side: handlers by
//! namespace and socket, awaited acks, and the dispatch of core events to
//! them.

use super::AckError;
use super::client_files::{self, ClientFiles};
use super::msg::Msg;
use super::namespace::{ConnectRequest, Middleware, NsKey};
use super::oneshot;
use super::operator::BroadcastReplies;
use super::socket::Socket;
use crate::driver::Driver;
use crate::mux::{ConnFuture, Endpoint, PlainFuture, ResponseFuture};
use crate::net::NetStream;
use crate::net::raw_http::RawHead;
use crate::proxy::ConnInfo;
use bytes::Bytes;
use hyper::Request;
use hyper::body::Incoming;
use sio_core::FlushId;
use sio_core::fast_hash::FastMap;
use sio_core::socket::{Args, BroadcastAckId, DisconnectReason, SioServer, SocketEvent, SocketId};
use smol::LocalExecutor;
use std::any::Any;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

type ConnectionHandler = Rc<dyn Fn(Socket)>;
pub(crate) type EventHandler = Rc<dyn Fn(&Socket, Msg)>;
type AnyHandler = Rc<dyn Fn(&Socket, &Msg)>;
type OutgoingHandler = Rc<dyn Fn(&Socket, &str, &Args)>;
type PacketMiddleware = Rc<dyn Fn(&Socket, &Msg) -> Result<(), String>>;
type ErrorHandler = Rc<dyn Fn(&Socket, &str)>;
type DisconnectHandler = Rc<dyn Fn(&Socket, DisconnectReason)>;
type AckWaiter = oneshot::Sender<Result<Args, AckError>>;

/// Handlers of one namespace (or of a dynamic namespace pattern).
#[derive(Default)]
pub(crate) struct NsHandlers {
    pub on_connection: RefCell<Vec<ConnectionHandler>>,
    pub middleware: RefCell<Vec<Middleware>>,
}

impl NsHandlers {
    /// A copy: the same handlers, added to separately from now on.
    fn copy(&self) -> NsHandlers {
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

/// One listener of a socket's event.
pub(crate) struct Listener {
    pub event: Box<str>,
    /// Removed before its first call (`once`).
    pub once: bool,
    pub f: EventHandler,
}

/// The listeners one event goes to.
enum Matched {
    None,
    One(EventHandler),
    Many(Vec<EventHandler>),
}

impl SocketHandlers {
    /// The listeners of `event`, in order; `once` listeners among them are
    /// removed. Allocates only for several listeners.
    fn take_listeners(&self, event: &str) -> Matched {
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

/// Everything the handles share.
pub(crate) struct Shared {
    pub driver: Rc<Driver<SioServer>>,
    namespaces: RefCell<HashMap<String, Rc<NsHandlers>>>,
    dynamic: RefCell<HashMap<usize, Rc<NsHandlers>>>,
    sockets: RefCell<FastMap<SocketId, Rc<SocketHandlers>>>,
    acks: RefCell<FastMap<(SocketId, u64), AckWaiter>>,
    broadcasts: RefCell<HashMap<BroadcastAckId, oneshot::Sender<BroadcastReplies>>>,
    /// Pending `flushed()` calls, answered by the core's `Flushed` events.
    flushes: RefCell<FastMap<FlushId, oneshot::Sender<bool>>>,
    /// The browser client bundles served at `<path>socket.io.js` and
    /// beside it, if set.
    pub client_files: RefCell<Option<Rc<ClientFiles>>>,
    /// Per-socket data of kept sessions, until recovered or expired.
    stash: RefCell<FastMap<SocketId, Box<dyn Any>>>,
}

impl Shared {
    pub(crate) fn new(driver: Rc<Driver<SioServer>>) -> Rc<Shared> {
        let shared = Rc::new(Shared {
            driver: driver.clone(),
            namespaces: RefCell::default(),
            dynamic: RefCell::default(),
            sockets: RefCell::default(),
            acks: RefCell::default(),
            broadcasts: RefCell::default(),
            flushes: RefCell::default(),
            client_files: RefCell::default(),
            stash: RefCell::default(),
        });
        // The driver outlives no handle: a weak link avoids a cycle.
        let weak = Rc::downgrade(&shared);
        driver.set_event_handler(Box::new(move |_, ev| {
            if let Some(shared) = weak.upgrade() {
                shared.dispatch(ev);
            }
        }));
        shared
    }

    /// The handlers of a namespace handle, made on first use. A child of a
    /// dynamic namespace given handlers of its own (`io.of("/dyn-1")`)
    /// starts with a copy of its parent's, as Node's child namespaces do.
    pub(crate) fn ns_handlers(&self, key: &NsKey) -> Rc<NsHandlers> {
        match key {
            NsKey::Static(name) => {
                if let Some(h) = self.namespaces.borrow().get(name) {
                    return h.clone();
                }
                let parent = self.driver.engine().namespace_parent(name);
                let h = match parent {
                    Some(i) => Rc::new(self.ns_handlers(&NsKey::Dynamic(i)).copy()),
                    None => Rc::default(),
                };
                self.namespaces.borrow_mut().insert(name.clone(), h.clone());
                h
            }
            NsKey::Dynamic(i) => self.dynamic.borrow_mut().entry(*i).or_default().clone(),
        }
    }

    /// The names of the namespaces dynamic namespace `index` created.
    pub(crate) fn dynamic_children(&self, index: usize) -> Vec<String> {
        let core = self.driver.engine();
        core.dynamic_children(index)
            .into_iter()
            .map(str::to_owned)
            .collect()
    }

    /// The handlers for namespace `nsp`: its own, else (a child of a
    /// dynamic namespace) its parent's.
    fn handlers_for(&self, nsp: &str) -> Rc<NsHandlers> {
        if let Some(h) = self.namespaces.borrow().get(nsp) {
            return h.clone();
        }
        let parent = self.driver.engine().namespace_parent(nsp);
        match parent {
            Some(i) => self.ns_handlers(&NsKey::Dynamic(i)),
            None => self.ns_handlers(&NsKey::Static(nsp.to_owned())),
        }
    }

    pub(crate) fn socket(self: &Rc<Self>, id: SocketId) -> Option<Socket> {
        let handlers = self.sockets.borrow().get(&id).cloned()?;
        Some(Socket {
            shared: self.clone(),
            id,
            handlers,
        })
    }

    pub(crate) fn wait_ack(
        &self,
        socket: SocketId,
        ack: u64,
    ) -> oneshot::Receiver<Result<Args, AckError>> {
        let (tx, rx) = oneshot::channel();
        self.acks.borrow_mut().insert((socket, ack), tx);
        rx
    }

    pub(crate) fn wait_broadcast(&self, id: BroadcastAckId) -> oneshot::Receiver<BroadcastReplies> {
        let (tx, rx) = oneshot::channel();
        self.broadcasts.borrow_mut().insert(id, tx);
        rx
    }

    pub(crate) fn wait_flush(&self, id: FlushId) -> oneshot::Receiver<bool> {
        let (tx, rx) = oneshot::channel();
        self.flushes.borrow_mut().insert(id, tx);
        rx
    }

    fn dispatch(self: Rc<Self>, ev: SocketEvent) {
        match ev {
            SocketEvent::ConnectRequest { socket, nsp, auth } => {
                self.run_middleware(socket, nsp, auth)
            }
            SocketEvent::SessionExpired { socket } => {
                self.stash.borrow_mut().remove(&socket);
            }
            SocketEvent::Connect {
                socket,
                nsp,
                auth,
                recovered,
            } => {
                let data = if recovered {
                    self.stash.borrow_mut().remove(&socket)
                } else {
                    None
                };
                let handlers = Rc::new(SocketHandlers {
                    nsp: nsp.clone(),
                    auth,
                    events: RefCell::default(),
                    on_disconnect: RefCell::default(),
                    data: RefCell::new(data),
                    recovered,
                    rare: RefCell::default(),
                });
                self.sockets.borrow_mut().insert(socket, handlers.clone());
                self.log_connect(socket, &nsp, recovered);
                let ns = self.handlers_for(&nsp);
                // By index, without a copy of the list: a listener may add
                // another, which runs too.
                let mut i = 0;
                while let Some(f) = ns.on_connection.borrow().get(i).cloned() {
                    i += 1;
                    f(Socket {
                        shared: self.clone(),
                        id: socket,
                        handlers: handlers.clone(),
                    });
                }
            }
            SocketEvent::Event {
                socket,
                event,
                args,
                ack,
            } => {
                let Some(s) = self.socket(socket) else { return };
                let msg = Msg::new(s.clone(), event, args, ack);
                let middleware = s.handlers.rare(|r| r.packet_middleware.clone());
                for mw in middleware.unwrap_or_default() {
                    if let Err(e) = mw(&s, &msg) {
                        let f = s.handlers.rare(|r| r.on_error.clone()).flatten();
                        if let Some(f) = f {
                            f(&s, &e);
                        }
                        return;
                    }
                }
                let any = s.handlers.rare(|r| r.any.clone()).flatten();
                if let Some(f) = any {
                    f(&s, &msg);
                }
                match s.handlers.take_listeners(msg.event()) {
                    Matched::None => {}
                    Matched::One(h) => h(&s, msg),
                    Matched::Many(hs) => {
                        // Each gets the message; the first ack counts.
                        for (h, msg) in hs.iter().zip(msg.share(hs.len())) {
                            h(&s, msg);
                        }
                    }
                }
            }
            SocketEvent::Ack { socket, ack, args } => {
                if let Some(tx) = self.acks.borrow_mut().remove(&(socket, ack)) {
                    tx.send(Ok(args));
                }
            }
            SocketEvent::AckTimeout { socket, ack } => {
                if let Some(tx) = self.acks.borrow_mut().remove(&(socket, ack)) {
                    tx.send(Err(AckError::Timeout));
                }
            }
            SocketEvent::BroadcastAck {
                id,
                replies,
                timed_out,
            } => {
                if let Some(tx) = self.broadcasts.borrow_mut().remove(&id) {
                    tx.send(BroadcastReplies { replies, timed_out });
                }
            }
            SocketEvent::Flushed { id, delivered } => {
                if let Some(tx) = self.flushes.borrow_mut().remove(&id) {
                    tx.send(delivered);
                }
            }
            SocketEvent::ProtocolFault { sid, what } => {
                tracing::warn!(%sid, "protocol fault: {what}");
            }
            SocketEvent::Disconnect {
                socket,
                reason,
                nsp,
                kept,
            } => {
                tracing::info!(nsp, %socket, reason = reason.as_str(), "disconnect");
                let Some(s) = self.socket(socket) else { return };
                self.sockets.borrow_mut().remove(&socket);
                let waiting: Vec<AckWaiter> = {
                    let mut acks = self.acks.borrow_mut();
                    let keys: Vec<_> = acks.keys().filter(|(s, _)| *s == socket).copied().collect();
                    keys.into_iter().filter_map(|k| acks.remove(&k)).collect()
                };
                for tx in waiting {
                    tx.send(Err(AckError::Disconnected));
                }
                let f = s.handlers.on_disconnect.borrow().clone();
                if let Some(f) = f {
                    f(&s, reason);
                }
                if kept {
                    // Kept for recovery: so is the socket's data.
                    if let Some(data) = s.handlers.data.borrow_mut().take() {
                        self.stash.borrow_mut().insert(socket, data);
                    }
                }
            }
            _ => {}
        }
    }

    /// One `info` line for a new socket: namespace, id, Engine.IO sid,
    /// transport, and whether it restored a session (never the recovery
    /// secret).
    fn log_connect(&self, socket: SocketId, nsp: &str, recovered: bool) {
        if !tracing::enabled!(tracing::Level::INFO) {
            return;
        }
        let core = self.driver.engine();
        let Some((_, sid, _)) = core.socket_info(socket) else {
            return;
        };
        let transport = core
            .engine()
            .session(sid)
            .map_or("?", |s| s.transport.name());
        tracing::info!(nsp, %socket, %sid, transport, recovered, "connect");
    }

    /// Runs the namespace's connect middleware in order, then accepts or
    /// refuses the pending socket.
    fn run_middleware(self: Rc<Self>, socket: SocketId, nsp: String, auth: Bytes) {
        let chain = self.handlers_for(&nsp).middleware.borrow().clone();
        let (headers, address) = self
            .driver
            .engine()
            .handshake_of(socket)
            .map(|h| (h.headers_owned(), h.address()))
            .unwrap_or_default();
        let req = ConnectRequest {
            nsp,
            auth,
            headers,
            address,
        };
        let shared = self.clone();
        self.driver.spawn(async move {
            let mut verdict = Ok(());
            for mw in chain {
                verdict = mw(req.clone()).await;
                if verdict.is_err() {
                    break;
                }
            }
            shared.driver.with_engine(|c| {
                let _ = match verdict {
                    Ok(()) => c.accept(socket),
                    Err(e) => c.refuse(socket, &e.message, e.data),
                };
            });
        });
    }

    /// The client bundles and which one `path` asks for, if it asks for
    /// one and they are served.
    fn client_file(&self, path: &str) -> Option<(Rc<ClientFiles>, &'static str)> {
        let files = self.client_files.borrow().clone()?;
        let name = client_files::requested(&self.driver.engine().engine().config().path, path)?;
        Some((files, name))
    }
}

impl Endpoint for Shared {
    fn matches(&self, path: &str) -> bool {
        self.driver.engine().engine().matches_path(path)
    }

    fn serve(self: Rc<Self>, req: Request<Incoming>, conn: &ConnInfo) -> ResponseFuture {
        if let Some((files, name)) = self.client_file(req.uri().path()) {
            let tag = req.headers().get(hyper::header::IF_NONE_MATCH);
            let res = files.respond(name, tag.map(|v| v.as_bytes()));
            return Box::pin(std::future::ready(res));
        }
        Box::pin(crate::endpoint::serve(self.driver.clone(), req, conn))
    }

    fn serve_upgrade(
        self: Rc<Self>,
        head: &RawHead<'_, '_>,
        key: &[u8],
        stream: NetStream,
        leftover: Vec<u8>,
        conn: &ConnInfo,
    ) -> ConnFuture {
        self.driver
            .clone()
            .serve_upgrade(head, key, stream, leftover, conn)
    }

    fn serve_plain(
        self: Rc<Self>,
        head: &RawHead<'_, '_>,
        body: Bytes,
        conn: &ConnInfo,
    ) -> Option<PlainFuture> {
        // The client bundles are answered on the hyper path.
        if self.client_file(head.path).is_some() {
            return None;
        }
        self.driver.clone().serve_plain(head, body, conn)
    }

    fn start(self: Rc<Self>, ex: &Rc<LocalExecutor<'static>>) {
        Driver::start(&self.driver, ex);
    }

    fn shutdown(self: Rc<Self>) {
        self.driver.with_engine(|c| c.shutdown());
    }

    fn open_websockets(&self) -> usize {
        self.driver.open_websockets()
    }
}
