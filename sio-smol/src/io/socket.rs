//! [`Socket`]: one client's connection to one namespace.

use super::binary::{ArgsError, args_from_array, args_from_value, first_arg};
use super::namespace::Namespace;
use super::operator::Operator;
use super::state::{EventHandler, Listener, Msg, Socket};
use super::{AckError, DEFAULT_ACK_TIMEOUT};
use bytes::Bytes;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sio_core::socket::{Args, DisconnectReason, SioError, SocketId};
use std::any::Any;
use std::rc::Rc;
use std::time::Duration;

impl Socket {
    /// The socket id (also the name of its own room).
    pub fn id(&self) -> SocketId {
        self.id
    }

    /// The name of the namespace it joined (for a child of a dynamic
    /// namespace, the child's own name, e.g. `/dyn-42`).
    pub fn nsp(&self) -> &str {
        &self.handlers.nsp
    }

    /// A handle on the namespace it joined (for a child of a dynamic
    /// namespace, that child: its broadcasts stay in it).
    pub fn namespace(&self) -> Namespace {
        Namespace::new(self.shared.clone(), self.handlers.nsp.clone())
    }

    /// True when this connection restored a session (connection state
    /// recovery): same id, its rooms and data, and the events it missed
    /// were delivered before anything else.
    pub fn recovered(&self) -> bool {
        self.handlers.recovered
    }

    /// True while connected.
    pub fn connected(&self) -> bool {
        self.shared.driver.engine().is_connected(self.id)
    }

    /// The CONNECT payload as `T` (`{}` when the client sent none).
    pub fn auth<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_slice(&self.handlers.auth)
    }

    /// The CONNECT payload as JSON text.
    pub fn auth_raw(&self) -> Bytes {
        self.handlers.auth.clone()
    }

    /// A header of the Engine.IO handshake (name in lower case).
    pub fn handshake_header(&self, name: &str) -> Option<String> {
        let core = self.shared.driver.engine();
        let (_, sid, _) = core.socket_info(self.id)?;
        let info = core.engine().session(sid)?;
        info.handshake.header(name).map(str::to_owned)
    }

    /// A query parameter of the Engine.IO handshake (`?token=..`),
    /// percent-decoded, as Node's `socket.handshake.query`.
    pub fn handshake_query(&self, key: &str) -> Option<String> {
        let core = self.shared.driver.engine();
        let req = core.handshake_of(self.id)?;
        req.query_param(key).map(|v| v.into_owned())
    }

    /// All headers of the Engine.IO handshake (names in lower case).
    pub fn handshake_headers(&self) -> Vec<(String, String)> {
        let core = self.shared.driver.engine();
        core.handshake_of(self.id)
            .map(|r| r.headers_owned())
            .unwrap_or_default()
    }

    /// Calls `f` with every `event` from the client. Several listeners of
    /// one event are all called, in the order they were added (as Node's
    /// `socket.on`); each gets the message, and only the first ack counts.
    pub fn on(&self, event: &str, f: impl Fn(&Socket, Msg) + 'static) {
        self.add_listener(event, false, Rc::new(f));
    }

    /// Calls `f` with the next `event` only (as Node's `socket.once`).
    pub fn once(&self, event: &str, f: impl Fn(&Socket, Msg) + 'static) {
        self.add_listener(event, true, Rc::new(f));
    }

    /// Removes every listener of `event` (as Node's
    /// `socket.removeAllListeners(event)`; closures cannot be compared,
    /// so there is no removal of one listener by value).
    pub fn off(&self, event: &str) {
        self.handlers
            .events
            .borrow_mut()
            .retain(|l| *l.event != *event);
    }

    fn add_listener(&self, event: &str, once: bool, f: EventHandler) {
        let mut events = self.handlers.events.borrow_mut();
        // Grown one at a time: a socket has a handful of listeners, kept
        // for its whole life.
        events.reserve_exact(1);
        events.push(Listener {
            event: event.into(),
            once,
            f,
        });
    }

    /// Calls `f` with every event from the client, before its own handler.
    pub fn on_any(&self, f: impl Fn(&Socket, &Msg) + 'static) {
        self.handlers.rare_mut().any = Some(Rc::new(f));
    }

    /// Calls `f` with every event this socket emits (not broadcasts).
    pub fn on_any_outgoing(&self, f: impl Fn(&Socket, &str, &Args) + 'static) {
        self.handlers.rare_mut().any_outgoing = Some(Rc::new(f));
    }

    /// Per-packet middleware: runs before the handlers of every event; an
    /// `Err` drops the event and goes to the [`Socket::on_error`] handler.
    pub fn use_packet(&self, f: impl Fn(&Socket, &Msg) -> Result<(), String> + 'static) {
        self.handlers.rare_mut().packet_middleware.push(Rc::new(f));
    }

    /// Calls `f` with errors from per-packet middleware.
    pub fn on_error(&self, f: impl Fn(&Socket, &str) + 'static) {
        self.handlers.rare_mut().on_error = Some(Rc::new(f));
    }

    /// Calls `f` once when the socket disconnects.
    pub fn on_disconnect(&self, f: impl Fn(&Socket, DisconnectReason) + 'static) {
        *self.handlers.on_disconnect.borrow_mut() = Some(Rc::new(f));
    }

    /// Stores per-socket application data (replacing what was there).
    pub fn set_data<T: 'static>(&self, data: T) {
        *self.handlers.data.borrow_mut() = Some(Box::new(data));
    }

    /// Sets the data that [`super::Operator::fetch_sockets`] reports for
    /// this socket, here and on every cluster member (Node's
    /// `socket.data`), as JSON. Apart from the data of
    /// [`Socket::set_data`], which stays on this server and can be of any
    /// type.
    pub fn set_shared_data<T: Serialize + ?Sized>(&self, data: &T) -> Result<(), ArgsError> {
        let json = serde_json::to_vec(data).map_err(ArgsError::from)?;
        let _ = self
            .shared
            .driver
            .with_engine(|c| c.set_socket_data(self.id, Bytes::from(json)));
        Ok(())
    }

    /// Runs `f` on the per-socket data, if there is some of type `T`.
    pub fn with_data<T: 'static, R>(&self, f: impl FnOnce(&mut T) -> R) -> Option<R> {
        let mut data = self.handlers.data.borrow_mut();
        data.as_mut()
            .and_then(|d| (d.as_mut() as &mut dyn Any).downcast_mut::<T>())
            .map(f)
    }

    /// Emits `event` with one argument.
    pub fn emit<T: Serialize + ?Sized>(&self, event: &str, data: &T) -> Result<(), ArgsError> {
        let args = args_from_value(data)?;
        self.emit_raw(event, &args);
        Ok(())
    }

    /// Emits `event` with several arguments (a tuple or `Vec`).
    pub fn emit_args<T: Serialize + ?Sized>(&self, event: &str, args: &T) -> Result<(), ArgsError> {
        let args = args_from_array(args)?;
        self.emit_raw(event, &args);
        Ok(())
    }

    /// Emits a `message` event with one argument (Node's `socket.send`;
    /// the client's `socket.on("message")` gets it).
    pub fn send<T: Serialize + ?Sized>(&self, data: &T) -> Result<(), ArgsError> {
        self.emit("message", data)
    }

    /// Emits that are dropped when the client cannot take them right now
    /// (a polling client between two requests), as Node's
    /// `socket.volatile.emit`; they are not kept for recovery either.
    pub fn volatile(&self) -> VolatileSocket<'_> {
        VolatileSocket { socket: self }
    }

    /// Emits `event` with raw arguments. Does nothing once disconnected.
    pub fn emit_raw(&self, event: &str, args: &Args) {
        self.notify_outgoing(event, args);
        let id = self.id;
        if let Err(e) = self.shared.driver.with_engine(|c| c.emit(id, event, args)) {
            tracing::debug!("emit on {id}: {e}");
        }
    }

    /// Tells the [`Socket::on_any_outgoing`] listener, if any.
    fn notify_outgoing(&self, event: &str, args: &Args) {
        let f = self.handlers.rare(|r| r.any_outgoing.clone()).flatten();
        if let Some(f) = f {
            f(self, event, args);
        }
    }

    /// Emits `event` with one argument and waits for the client's ack
    /// (first argument as `R`), up to [`DEFAULT_ACK_TIMEOUT`].
    pub async fn emit_with_ack<T, R>(&self, event: &str, data: &T) -> Result<R, AckError>
    where
        T: Serialize + ?Sized,
        R: DeserializeOwned,
    {
        self.timeout(DEFAULT_ACK_TIMEOUT)
            .emit_with_ack(event, data)
            .await
    }

    /// Ack options: wait at most `timeout` for the client's answer.
    pub fn timeout(&self, timeout: Duration) -> SocketAck<'_> {
        SocketAck {
            socket: self,
            timeout,
        }
    }

    /// Waits until everything emitted to this socket so far has reached
    /// its transport: written and flushed on a WebSocket, handed to the
    /// long-poll response on polling. `Err` if the socket disconnected
    /// first (what was pending may be lost, or recovered with connection
    /// state recovery).
    pub async fn flushed(&self) -> Result<(), AckError> {
        let id = self.id;
        let mut rx = None;
        // An `Err` (the socket is gone) leaves `rx` empty.
        let _ = self.shared.driver.with_engine_then(
            |c| c.notify_flushed(id),
            |r| {
                // Registered before the drain, which may answer at once.
                if let Ok(flush) = r {
                    rx = Some(self.shared.wait_flush(*flush));
                }
            },
        );
        let Some(rx) = rx else {
            return Err(AckError::Disconnected);
        };
        match rx.await {
            Some(true) if self.connected() => Ok(()),
            _ => Err(AckError::Disconnected),
        }
    }

    /// Joins `room`.
    pub fn join(&self, room: &str) {
        let id = self.id;
        let _ = self.shared.driver.with_engine(|c| c.join(id, room));
    }

    /// Leaves `room`.
    pub fn leave(&self, room: &str) {
        let id = self.id;
        let _ = self.shared.driver.with_engine(|c| c.leave(id, room));
    }

    /// The rooms it is in (its own id first).
    pub fn rooms(&self) -> Vec<String> {
        self.shared
            .driver
            .engine()
            .rooms(self.id)
            .map(<[String]>::to_vec)
            .unwrap_or_default()
    }

    /// An operator for the members of `room` in this namespace, excluding
    /// this socket (as Node's `socket.to(room)`).
    pub fn to(&self, room: impl Into<String>) -> Operator {
        self.broadcast().to(room)
    }

    /// An operator for everyone in the namespace but this socket.
    pub fn broadcast(&self) -> Operator {
        Operator::new(self.shared.clone(), self.nsp().to_owned()).except_socket(self.id)
    }

    /// Disconnects from the namespace (the client gets "io server
    /// disconnect" and does not reconnect by itself).
    pub fn disconnect(&self) {
        let id = self.id;
        let _ = self.shared.driver.with_engine(|c| c.disconnect(id, false));
    }

    /// Disconnects and closes the whole underlying connection.
    pub fn disconnect_and_close(&self) {
        let id = self.id;
        let _ = self.shared.driver.with_engine(|c| c.disconnect(id, true));
    }

    /// Closes the Engine.IO connection under this socket (the client sees
    /// a transport close and reconnects by itself).
    pub fn close_transport(&self) {
        let id = self.id;
        self.shared.driver.with_engine(|c| {
            if let Some((_, sid, _)) = c.socket_info(id) {
                c.close_session(sid);
            }
        });
    }

    pub(crate) fn send_ack(&self, ack: u64, args: &Args) {
        let id = self.id;
        let _ = self.shared.driver.with_engine(|c| c.ack(id, ack, args));
    }

    /// The Engine.IO handshake under this socket, as Node's
    /// `socket.handshake`: headers, query, the client's address, when it
    /// came, TLS, URL. `None` once the connection is gone.
    pub fn handshake(&self) -> Option<crate::Handshake> {
        let core = self.shared.driver.engine();
        core.handshake_of(self.id).map(crate::Handshake::from_core)
    }

    /// The client's address, as Node's `socket.handshake.address`: from
    /// `X-Forwarded-For` when the peer is a trusted proxy
    /// ([`crate::Mux::trusted_proxies`]), else the peer's. `None` once the
    /// connection is gone.
    pub fn handshake_address(&self) -> Option<std::net::IpAddr> {
        let core = self.shared.driver.engine();
        core.handshake_of(self.id)?.address()
    }
}

/// A socket's volatile emits (see [`Socket::volatile`]).
#[derive(Debug)]
pub struct VolatileSocket<'a> {
    socket: &'a Socket,
}

impl VolatileSocket<'_> {
    /// Emits `event` with one argument if the client can take it now;
    /// returns whether it was sent.
    pub fn emit<T: Serialize + ?Sized>(&self, event: &str, data: &T) -> Result<bool, ArgsError> {
        let args = args_from_value(data)?;
        Ok(self.emit_raw(event, &args))
    }

    /// Emits raw arguments if the client can take them now; returns
    /// whether they were sent.
    pub fn emit_raw(&self, event: &str, args: &Args) -> bool {
        let s = self.socket;
        s.notify_outgoing(event, args);
        let id = s.id;
        s.shared
            .driver
            .with_engine(|c| c.emit_volatile(id, event, args))
            .unwrap_or(false)
    }
}

/// An emit that waits for the client's ack.
#[derive(Debug)]
pub struct SocketAck<'a> {
    socket: &'a Socket,
    timeout: Duration,
}

impl SocketAck<'_> {
    /// Emits `event` with one argument; the ack's first argument as `R`.
    pub async fn emit_with_ack<T, R>(self, event: &str, data: &T) -> Result<R, AckError>
    where
        T: Serialize + ?Sized,
        R: DeserializeOwned,
    {
        let args = args_from_value(data).map_err(|e| AckError::Args(e.to_string()))?;
        let reply = self.emit_raw_with_ack(event, &args).await?;
        first_arg(&reply).map_err(|e| AckError::Args(e.to_string()))
    }

    /// Emits raw arguments; the ack's raw arguments.
    pub async fn emit_raw_with_ack(self, event: &str, args: &Args) -> Result<Args, AckError> {
        let s = self.socket;
        let id = s.id;
        let timeout = self.timeout;
        let mut rx = None;
        let ack = s.shared.driver.with_engine_then(
            |c| c.emit_with_ack(id, event, args, timeout),
            |r| {
                if let Ok(ack) = r {
                    rx = Some(s.shared.wait_ack(id, *ack));
                }
            },
        );
        match (ack, rx) {
            (Ok(_), Some(rx)) => rx.await.unwrap_or(Err(AckError::Disconnected)),
            (Err(SioError::TooManyPendingAcks(_)), _) => Err(AckError::TooMany),
            _ => Err(AckError::Disconnected),
        }
    }
}
