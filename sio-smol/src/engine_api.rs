//! The raw Engine.IO API: sessions and messages, with no Socket.IO layer.

use crate::driver::Driver;
use crate::mux::Mount;
use sio_core::Sid;
use sio_core::engine::{
    CloseReason, Engine, EngineConfig, EngineError, EngineEvent, Message, Transport,
};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

type ConnectionHandler = Rc<dyn Fn(EngineSocket)>;
type MessageHandler = Rc<dyn Fn(&EngineSocket, Message)>;
type CloseHandler = Rc<dyn Fn(&EngineSocket, CloseReason)>;

#[derive(Default)]
struct SocketHandlers {
    on_message: RefCell<Option<MessageHandler>>,
    on_close: RefCell<Option<CloseHandler>>,
}

#[derive(Default)]
struct Handlers {
    on_connection: RefCell<Option<ConnectionHandler>>,
    sockets: RefCell<HashMap<Sid, Rc<SocketHandlers>>>,
}

/// An Engine.IO server: mount it on a [`crate::Mux`] and handle sessions
/// with callbacks, as with Node's `engine.io`.
///
/// Handles are cheap to clone and belong to the server's thread.
///
/// ```no_run
/// use sio_smol::{EngineServer, Mux};
/// use sio_core::engine::EngineConfig;
///
/// let engine = EngineServer::new(EngineConfig {
///     path: "/engine.io/".into(),
///     ..EngineConfig::default()
/// });
/// engine.on_connection(|socket| {
///     socket.on_message(|socket, msg| {
///         let _ = socket.send(msg); // echo
///     });
/// });
/// let mux = Mux::new().mount(&engine);
/// smol::block_on(mux.serve("127.0.0.1:3000".parse().unwrap())).unwrap();
/// ```
#[derive(Clone)]
pub struct EngineServer {
    driver: Rc<Driver<Engine>>,
    handlers: Rc<Handlers>,
}

impl EngineServer {
    /// A server with `config`, its ids seeded from OS entropy.
    pub fn new(config: EngineConfig) -> EngineServer {
        let engine = Engine::new(config, crate::os_seed());
        let driver = Driver::new(engine);
        let handlers = Rc::new(Handlers::default());
        let h = handlers.clone();
        driver.set_event_handler(Box::new(move |driver, ev| dispatch(driver, &h, ev)));
        EngineServer { driver, handlers }
    }

    /// Calls `f` with every new session.
    pub fn on_connection(&self, f: impl Fn(EngineSocket) + 'static) {
        *self.handlers.on_connection.borrow_mut() = Some(Rc::new(f));
    }

    /// The open session `sid`, if any.
    pub fn socket(&self, sid: Sid) -> Option<EngineSocket> {
        self.handlers
            .sockets
            .borrow()
            .contains_key(&sid)
            .then(|| EngineSocket {
                sid,
                driver: self.driver.clone(),
                handlers: self.handlers.clone(),
            })
    }

    /// Number of open sessions.
    pub fn session_count(&self) -> usize {
        self.driver.engine().session_count()
    }

    /// Closes every session (reason "server shutting down").
    pub fn close_all(&self) {
        self.driver.with_engine(|e| e.shutdown());
    }
}

impl From<&EngineServer> for Mount {
    fn from(s: &EngineServer) -> Mount {
        Mount::new(s.driver.clone())
    }
}

fn dispatch(driver: &Rc<Driver<Engine>>, handlers: &Rc<Handlers>, ev: EngineEvent) {
    let socket = |sid| EngineSocket {
        sid,
        driver: driver.clone(),
        handlers: handlers.clone(),
    };
    match ev {
        EngineEvent::Open { sid, .. } => {
            handlers.sockets.borrow_mut().insert(sid, Rc::default());
            let f = handlers.on_connection.borrow().clone();
            if let Some(f) = f {
                f(socket(sid));
            }
        }
        EngineEvent::Message { sid, msg } => {
            let f = handlers
                .sockets
                .borrow()
                .get(&sid)
                .and_then(|h| h.on_message.borrow().clone());
            if let Some(f) = f {
                f(&socket(sid), msg);
            }
        }
        EngineEvent::Close { sid, reason } => {
            let h = handlers.sockets.borrow_mut().remove(&sid);
            let f = h.and_then(|h| h.on_close.borrow().clone());
            if let Some(f) = f {
                f(&socket(sid), reason);
            }
        }
        EngineEvent::ProtocolFault { sid, what } => {
            tracing::warn!(%sid, "protocol fault: {what}");
        }
        _ => {}
    }
}

/// One Engine.IO session, as the application sees it.
#[derive(Clone)]
pub struct EngineSocket {
    sid: Sid,
    driver: Rc<Driver<Engine>>,
    handlers: Rc<Handlers>,
}

impl EngineSocket {
    /// The session id.
    pub fn id(&self) -> Sid {
        self.sid
    }

    /// Sends a message; `Err` if the session has closed.
    pub fn send(&self, msg: Message) -> Result<(), EngineError> {
        self.driver.with_engine(|e| e.send(self.sid, msg))
    }

    /// Closes the session from the server side.
    pub fn close(&self) {
        let _ = self.driver.with_engine(|e| e.close(self.sid));
    }

    /// The current transport, or `None` once closed.
    pub fn transport(&self) -> Option<Transport> {
        self.driver.engine().session(self.sid).map(|s| s.transport)
    }

    /// A header of the handshake request (name in lower case).
    pub fn handshake_header(&self, name: &str) -> Option<String> {
        let engine = self.driver.engine();
        let info = engine.session(self.sid)?;
        info.handshake.header(name).map(str::to_owned)
    }

    /// The handshake request, as Node's `socket.request` and
    /// `remoteAddress`: headers, query, the client's address, TLS. `None`
    /// once closed.
    pub fn handshake(&self) -> Option<crate::Handshake> {
        let engine = self.driver.engine();
        let info = engine.session(self.sid)?;
        Some(crate::Handshake::from_core(info.handshake))
    }

    /// The client's address (see [`crate::Handshake::address`]); `None`
    /// once closed.
    pub fn remote_address(&self) -> Option<std::net::IpAddr> {
        self.driver.engine().session(self.sid)?.handshake.address()
    }

    /// Calls `f` with every message from the client.
    pub fn on_message(&self, f: impl Fn(&EngineSocket, Message) + 'static) {
        if let Some(h) = self.handlers.sockets.borrow().get(&self.sid) {
            *h.on_message.borrow_mut() = Some(Rc::new(f));
        }
    }

    /// Calls `f` once when the session closes.
    pub fn on_close(&self, f: impl Fn(&EngineSocket, CloseReason) + 'static) {
        if let Some(h) = self.handlers.sockets.borrow().get(&self.sid) {
            *h.on_close.borrow_mut() = Some(Rc::new(f));
        }
    }
}

impl std::fmt::Debug for EngineSocket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineSocket")
            .field("sid", &self.sid)
            .finish()
    }
}
