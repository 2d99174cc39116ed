//! [`ClientSocket`]: one namespace of a client (the official client's
//! `Socket`), and [`Emitter`], an emit with one-shot flags (`volatile`,
//! `timeout`).

use super::error::{AckError, ConnectFailure, EmitError, ReadyError};
use super::msg::ClientMsg;
use super::oneshot;
use super::state::{Inner, NspState};
use crate::io::{args_from_array, args_from_value, first_arg};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sio_core::client::{ClientDisconnectReason, ClientError, EmitOptions};
use sio_core::socket::Args;
use std::sync::Arc;
use std::time::Duration;

/// A namespace of a [`super::Client`]: emit to the server, listen to its
/// events, wait until connected. Cheap to clone, `Send + Sync`: usable
/// from any thread or runtime (cheapest on the client runtime's thread:
/// see the [module docs](super)). Handlers run on the runtime thread.
#[derive(Clone)]
pub struct ClientSocket {
    pub(crate) inner: Arc<Inner>,
    nsp: Arc<str>,
}

impl std::fmt::Debug for ClientSocket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientSocket")
            .field("nsp", &self.nsp)
            .finish_non_exhaustive()
    }
}

impl ClientSocket {
    pub(crate) fn new(inner: Arc<Inner>, nsp: &str) -> ClientSocket {
        ClientSocket {
            inner,
            nsp: Arc::from(nsp),
        }
    }

    /// The namespace, e.g. `/` or `/admin`.
    pub fn nsp(&self) -> &str {
        &self.nsp
    }

    /// The socket id the server gave at the last connect (`socket.id`);
    /// `None` while not connected.
    pub fn id(&self) -> Option<String> {
        self.inner
            .lock()
            .core
            .socket_id(&self.nsp)
            .map(str::to_owned)
    }

    /// True while the namespace is connected (`socket.connected`).
    pub fn connected(&self) -> bool {
        self.inner.lock().core.is_connected(&self.nsp)
    }

    /// True while the namespace is open: connected, or waiting for a
    /// (re)connection (`socket.active`). False once it is left, refused,
    /// or disconnected by the server.
    pub fn active(&self) -> bool {
        self.inner.lock().core.is_active(&self.nsp)
    }

    /// True when the last connect restored the previous session
    /// (`socket.recovered`: connection state recovery, the server's missed
    /// events following as ordinary events).
    pub fn recovered(&self) -> bool {
        self.inner
            .lock()
            .nsps
            .get(&*self.nsp)
            .is_some_and(|ns| ns.recovered)
    }

    /// Resolves once the namespace is connected (at once if it is): the Go
    /// client's `Ready`. Fails when `timeout` passes first, on the next
    /// `connect_error` (at once if the server refused the namespace), or
    /// when the client is closed.
    pub async fn ready(&self, timeout: Duration) -> Result<(), ReadyError> {
        let rx = {
            let mut state = self.inner.lock();
            if state.closed {
                return Err(ReadyError::Closed);
            }
            if state.core.is_connected(&self.nsp) {
                return Ok(());
            }
            let ns = state.nsps.entry(self.nsp.to_string()).or_default();
            if let Some(refused) = &ns.refused {
                return Err(ReadyError::Connect(refused.clone()));
            }
            let (tx, rx) = async_channel::bounded(1);
            ns.ready.push(tx);
            rx
        };
        let outcome = async { rx.recv().await.unwrap_or(Err(ReadyError::Closed)) };
        let timer = async {
            smol::Timer::after(timeout).await;
            Err(ReadyError::Timeout)
        };
        futures_lite::future::or(outcome, timer).await
    }

    /// Emits `event` with one argument (`socket.emit(event, data)`);
    /// [`crate::io::Binary`] values anywhere in it go as attachments. Sent
    /// now when connected, else kept in the namespace's send buffer and
    /// sent at the next connect, before `on_connect` handlers run. The
    /// buffer holds at most [`super::ClientOptions::max_buffered_packets`]
    /// packets: an emit beyond that fails (`SendBufferFull`).
    pub fn emit<T: Serialize + ?Sized>(&self, event: &str, data: &T) -> Result<(), EmitError> {
        self.emitter().emit(event, data)
    }

    /// Emits `event` with several arguments (a tuple or `Vec`).
    pub fn emit_args<T: Serialize + ?Sized>(&self, event: &str, args: &T) -> Result<(), EmitError> {
        self.emitter().emit_args(event, args)
    }

    /// Emits `event` with raw arguments (a JSON array and its attachments).
    pub fn emit_raw(&self, event: &str, args: Args) -> Result<(), EmitError> {
        self.emitter().emit_raw(event, args)
    }

    /// Emits `event` with one argument and waits for the server's ack,
    /// read as `R` from its first argument (`emitWithAck`). Waits with
    /// [`super::ClientOptions::ack_timeout`] when set, else until the ack
    /// comes or the connection drops after the packet was sent.
    pub async fn emit_with_ack<T: Serialize + ?Sized, R: DeserializeOwned>(
        &self,
        event: &str,
        data: &T,
    ) -> Result<R, AckError> {
        self.emitter().emit_with_ack(event, data).await
    }

    /// [`ClientSocket::emit_with_ack`] with raw arguments, answered with
    /// the ack's raw arguments.
    pub async fn emit_raw_with_ack(&self, event: &str, args: Args) -> Result<Args, AckError> {
        self.emitter().emit_raw_with_ack(event, args).await
    }

    /// An emit dropped unless the transport can take it now
    /// (`socket.volatile.emit`).
    pub fn volatile(&self) -> Emitter {
        self.emitter().volatile()
    }

    /// An emit whose ack is awaited at most `timeout`
    /// (`socket.timeout(ms).emitWithAck`).
    pub fn timeout(&self, timeout: Duration) -> Emitter {
        self.emitter().timeout(timeout)
    }

    /// Listens to `event` from the server. Handlers of one event run in
    /// the order they were added, on the client runtime's thread, after the
    /// `on_any` handlers. Register them right after opening the namespace:
    /// an event that arrives before its handler exists is not kept.
    pub fn on(&self, event: &str, f: impl Fn(ClientSocket, ClientMsg) + Send + Sync + 'static) {
        self.listen(event, Arc::new(f), false);
    }

    /// Listens to the next `event` from the server only.
    pub fn once(&self, event: &str, f: impl Fn(ClientSocket, ClientMsg) + Send + Sync + 'static) {
        self.listen(event, Arc::new(f), true);
    }

    /// Removes every listener of `event`.
    pub fn off(&self, event: &str) {
        self.with_nsp(|ns| {
            ns.events.remove(event);
        });
    }

    /// Listens to every event from the server (`onAny`).
    pub fn on_any(&self, f: impl Fn(ClientSocket, ClientMsg) + Send + Sync + 'static) {
        self.with_nsp(|ns| ns.any.push(Arc::new(f)));
    }

    /// Removes every `on_any` listener (`offAny()`).
    pub fn off_any(&self) {
        self.with_nsp(|ns| ns.any.clear());
    }

    fn listen(&self, event: &str, f: super::state::EventHandler, once: bool) {
        self.with_nsp(|ns| {
            ns.events
                .entry(event.to_owned())
                .or_default()
                .push((f, once))
        });
    }

    /// Called at every connect of the namespace, reconnections included
    /// (`connect`), after the buffered emits went out.
    pub fn on_connect(&self, f: impl Fn(ClientSocket) + Send + Sync + 'static) {
        self.with_nsp(|ns| ns.connect.push(Arc::new(f)));
    }

    /// Called when the namespace could not connect (`connect_error`): the
    /// server refused it ([`ConnectFailure::refused`]; no retry), or the
    /// connection failed to open (retried when reconnection is on).
    pub fn on_connect_error(
        &self,
        f: impl Fn(ClientSocket, &ConnectFailure) + Send + Sync + 'static,
    ) {
        self.with_nsp(|ns| ns.connect_error.push(Arc::new(f)));
    }

    /// Called when the namespace disconnects (`disconnect`), with the
    /// official reason (`reason.as_str()`, e.g. `"io server disconnect"`).
    pub fn on_disconnect(
        &self,
        f: impl Fn(ClientSocket, ClientDisconnectReason) + Send + Sync + 'static,
    ) {
        self.with_nsp(|ns| ns.disconnect.push(Arc::new(f)));
    }

    /// Opens the namespace (`socket.connect()`): the first time with
    /// [`super::ClientOptions::auto_connect`] off, or again after
    /// [`ClientSocket::disconnect`] or a server-side disconnect, with its
    /// last auth. Does nothing while it is open.
    pub fn connect(&self) {
        self.inner.with_core(|state, now| {
            if state.closed {
                return;
            }
            if state.core.is_active(&self.nsp) {
                return;
            }
            let ns = state.nsps.entry(self.nsp.to_string()).or_default();
            ns.refused = None;
            let auth = ns.auth.clone();
            state.core.connect(now, &self.nsp, auth);
        });
    }

    /// Leaves the namespace (`socket.disconnect()`): the server is told,
    /// `on_disconnect` handlers get `"io client disconnect"`, and there is
    /// no reconnection. The connection closes when no namespace is left.
    pub fn disconnect(&self) {
        self.inner.with_core(|state, now| {
            let _ = state.core.disconnect(now, &self.nsp);
        });
    }

    fn emitter(&self) -> Emitter {
        Emitter {
            socket: self.clone(),
            options: EmitOptions::default(),
        }
    }

    fn with_nsp(&self, f: impl FnOnce(&mut NspState)) {
        let mut state = self.inner.lock();
        f(state.nsps.entry(self.nsp.to_string()).or_default());
    }

    /// Answers the server's ack request `id`.
    pub(crate) fn send_ack(&self, id: u64, args: Args) {
        self.inner.with_core(|state, now| {
            if let Err(e) = state.core.ack(now, &self.nsp, id, args) {
                tracing::debug!("ack {id} on {}: {e}", self.nsp);
            }
        });
    }

    /// Emits through the core; with `options.ack`, registers where the
    /// answer goes before the driver can see it.
    fn emit_core(
        &self,
        event: &str,
        args: Args,
        options: EmitOptions,
    ) -> Result<Option<oneshot::Receiver<AckOutcome>>, EmitError> {
        self.inner.with_core(|state, now| {
            if state.closed {
                return Err(EmitError::Client(ClientError::Closed));
            }
            let id = state.core.emit(now, &self.nsp, event, args, options)?;
            Ok(id.map(|id| {
                let (tx, rx) = oneshot::channel();
                let ns = match state.nsps.get_mut(&*self.nsp) {
                    Some(ns) => ns,
                    None => state.nsps.entry(self.nsp.to_string()).or_default(),
                };
                ns.acks.insert(id, tx);
                rx
            }))
        })
    }
}

/// What the driver sends an awaited ack.
type AckOutcome = Result<Args, sio_core::client::AckError>;

/// An emit with one-shot flags, from [`ClientSocket::volatile`] or
/// [`ClientSocket::timeout`]; the flags combine
/// (`socket.volatile().timeout(d).emit_with_ack(..)`).
#[derive(Debug, Clone)]
#[must_use = "an Emitter does nothing until one of its emit methods is called"]
pub struct Emitter {
    socket: ClientSocket,
    options: EmitOptions,
}

impl Emitter {
    /// Drops the packet unless the transport can take it now.
    pub fn volatile(mut self) -> Emitter {
        self.options.volatile = true;
        self
    }

    /// Waits for the ack at most `timeout` (from the emit, even when the
    /// packet waits in the send buffer; a packet still buffered when the
    /// time is up is not sent).
    pub fn timeout(mut self, timeout: Duration) -> Emitter {
        self.options.timeout = Some(timeout);
        self
    }

    /// Emits `event` with one argument.
    pub fn emit<T: Serialize + ?Sized>(self, event: &str, data: &T) -> Result<(), EmitError> {
        self.emit_raw(event, args_from_value(data)?)
    }

    /// Emits `event` with several arguments (a tuple or `Vec`).
    pub fn emit_args<T: Serialize + ?Sized>(self, event: &str, args: &T) -> Result<(), EmitError> {
        self.emit_raw(event, args_from_array(args)?)
    }

    /// Emits `event` with raw arguments.
    pub fn emit_raw(self, event: &str, args: Args) -> Result<(), EmitError> {
        self.socket.emit_core(event, args, self.options).map(drop)
    }

    /// Emits `event` with one argument and waits for the ack, read as `R`
    /// from its first argument.
    pub async fn emit_with_ack<T: Serialize + ?Sized, R: DeserializeOwned>(
        self,
        event: &str,
        data: &T,
    ) -> Result<R, AckError> {
        let args = args_from_value(data).map_err(EmitError::from)?;
        let answer = self.emit_raw_with_ack(event, args).await?;
        first_arg(&answer).map_err(AckError::Args)
    }

    /// Emits `event` with several arguments (a tuple or `Vec`) and waits
    /// for the ack, read as `R` from its first argument.
    pub async fn emit_args_with_ack<T: Serialize + ?Sized, R: DeserializeOwned>(
        self,
        event: &str,
        args: &T,
    ) -> Result<R, AckError> {
        let args = args_from_array(args).map_err(EmitError::from)?;
        let answer = self.emit_raw_with_ack(event, args).await?;
        first_arg(&answer).map_err(AckError::Args)
    }

    /// Emits `event` with raw arguments and waits for the ack's raw
    /// arguments.
    pub async fn emit_raw_with_ack(mut self, event: &str, args: Args) -> Result<Args, AckError> {
        self.options.ack = true;
        let rx = self.socket.emit_core(event, args, self.options)?;
        let Some(rx) = rx else {
            // The core gives an id to every emit that asks for an ack.
            return Err(AckError::Disconnected);
        };
        match rx.await {
            Some(Ok(args)) => Ok(args),
            Some(Err(sio_core::client::AckError::Timeout)) => Err(AckError::Timeout),
            // Disconnected, or the client closed (the waiter dropped).
            Some(Err(_)) | None => Err(AckError::Disconnected),
        }
    }
}
