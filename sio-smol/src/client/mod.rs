//! A Socket.IO client, shaped like `socket.io-client` 4.8 and like this
//! crate's server API: [`Client::connect`] (the official `io(url)`), one
//! [`ClientSocket`] per namespace ([`Client::of`]), events both ways, acks
//! both ways ([`ClientMsg::ack`], [`ClientSocket::emit_with_ack`]), binary
//! values ([`crate::io::Binary`]) anywhere in the arguments, reconnection
//! with the official backoff, and connection state recovery when the
//! server offers it.
//!
//! ```no_run
//! use sio_smol::client::{Client, ClientOptions};
//! use std::time::Duration;
//!
//! let client = Client::connect("http://127.0.0.1:3000", ClientOptions::default())
//!     .expect("a valid URL");
//! let socket = client.socket();
//! socket.on("news", |_socket, msg| {
//!     let text: String = msg.data().unwrap_or_default();
//!     println!("news: {text}");
//! });
//! smol::block_on(async {
//!     socket.ready(Duration::from_secs(5)).await.expect("connected");
//!     let answer: String = socket.emit_with_ack("ping", &"hello").await.expect("acked");
//!     println!("the server said {answer}");
//! });
//! client.close();
//! ```
//!
//! # Threads
//!
//! Every [`Client`] of the process runs on one thread, the client
//! runtime (started with the first client, named `sio-client`): an
//! executor of its own under smol's `block_on` (which drives the
//! reactor), running each client's driver
//! (feeding the sans-IO core [`sio_core::client::SioClient`] its inputs
//! and the time, one timer, carrying out its outputs) and its
//! connections (HTTP/1.1 long-polling with hyper, WebSocket with
//! async-tungstenite, TLS with rustls). Handlers run there too, one at a
//! time, in the order events arrived: keep them short, or hand the work
//! to another thread. A handler must not block (on anything, and above
//! all on a client's futures: `ready`, `emit_with_ack`): it would stall
//! every client of the process, and the thread that would resolve the
//! future is the one blocked. Register handlers right after opening a
//! namespace, or open it only once they are in place
//! ([`ClientOptions::auto_connect`] off, then [`ClientSocket::connect`]).
//!
//! The handles ([`Client`], [`ClientSocket`]) are `Clone + Send + Sync`
//! and their futures need no particular runtime: usable from any thread.
//! What a call costs depends on where it is made:
//!
//! | call | on the runtime thread | on another thread |
//! | --- | --- | --- |
//! | `emit`, `emit_with_ack` (sending) | a lock, the core, a flag: the driver runs next on this thread | the same, plus waking the runtime thread (a syscall when it sleeps) |
//! | awaiting an ack or `ready` | resolved on this thread | resolved there, then this thread is woken (a syscall, a context switch) |
//! | handlers | run there | — |
//!
//! So an application that sends many messages runs its client code on
//! the runtime thread: [`block_on`] (from `main`: runs a future there and
//! waits for its output), [`spawn`] (from anywhere: a future made there,
//! not necessarily `Send`), [`spawn_local`] (from the runtime thread: a
//! handler or such a future). The load generator of the client bench
//! (`bench/clients/ours`) runs this way.
//!
//! ```no_run
//! use sio_smol::client::{Client, ClientOptions};
//! use std::time::Duration;
//!
//! let answers = sio_smol::client::block_on(|| async {
//!     let client = Client::connect("http://127.0.0.1:3000", ClientOptions::default())
//!         .expect("a valid URL");
//!     let socket = client.socket();
//!     socket.ready(Duration::from_secs(5)).await.expect("connected");
//!     let mut answers = Vec::new();
//!     for i in 0..1000 {
//!         // No thread is crossed: the emit, the driver, the WebSocket
//!         // and this future all run on the runtime thread.
//!         let answer: String = socket.emit_with_ack("ping", &i).await.expect("acked");
//!         answers.push(answer);
//!     }
//!     client.close();
//!     answers
//! });
//! println!("{} answers", answers.len());
//! ```
//!
//! Every buffer has a bound:
//! - emits while the namespace is not connected are kept and sent at the
//!   next connect (the official `sendBuffer`), at most
//!   [`ClientOptions::max_buffered_packets`] per namespace: an emit beyond
//!   that fails with [`EmitError::Client`] (`SendBufferFull`);
//! - a long-poll response body or a WebSocket message from the server is
//!   at most [`ClientOptions::max_response_bytes`]: a longer one is a
//!   transport error (then a reconnection);
//! - what waits to be written on a WebSocket is at most 16 MiB: past that
//!   the server is not reading, and the WebSocket is given up (a transport
//!   error);
//! - at most two HTTP connections are kept alive for polling (a long-poll
//!   beside a POST).

mod dial;
mod driver;
mod error;
mod http;
mod msg;
mod oneshot;
mod options;
mod runtime;
mod socket;
mod state;
mod url;
mod ws;

pub use error::{AckError, ConnectFailure, EmitError, ReadyError, SetupError};
pub use msg::ClientMsg;
pub use options::{ClientOptions, DEFAULT_MAX_RESPONSE_BYTES};
pub use runtime::{ClientTask, block_on, on_runtime_thread, spawn, spawn_local};
pub use sio_core::client::{ClientDisconnectReason, ClientParser, ClientTransports};
pub use socket::{ClientSocket, Emitter};

use sio_core::client::SioClient;
use state::{ClientHandlers, Inner, State};
use std::sync::Arc;

/// A Socket.IO client: one connection to a server (the official client's
/// `Manager`), with its namespaces. Cheap to clone, `Send + Sync`. The
/// client closes when [`Client::close`] is called or the last `Client`
/// clone is dropped ([`ClientSocket`]s do not keep it open; a handler that
/// holds a `Client` does, until `close`). Once closed, its handlers are
/// dropped.
#[derive(Clone)]
pub struct Client {
    guard: Arc<Guard>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("nsp", &self.guard.inner.url_nsp)
            .finish_non_exhaustive()
    }
}

/// Closes the client when the last [`Client`] goes.
struct Guard {
    inner: Arc<Inner>,
}

impl Drop for Guard {
    fn drop(&mut self) {
        close(&self.inner);
    }
}

impl Client {
    /// Starts a client for `url`, `http[s]://host[:port][/nsp][?query]`
    /// (`ws[s]://` too), as `io(url, options)` does: the connection opens
    /// in the background and the URL's namespace (`/` when the URL has no
    /// path) is opened with the options' auth; the URL's query goes with
    /// every Engine.IO request. Does not wait: see [`ClientSocket::ready`].
    /// With [`ClientOptions::auto_connect`] off, nothing is sent until
    /// [`ClientSocket::connect`].
    pub fn connect(url: &str, options: ClientOptions) -> Result<Client, SetupError> {
        let client = Client::manager(url, options)?;
        let url_nsp = client.guard.inner.url_nsp.clone();
        client.open(&url_nsp, None);
        Ok(client)
    }

    /// Starts a client for `url` without opening any namespace (the
    /// official `new Manager(url, options)`): the connection opens with
    /// the first namespace opened ([`Client::of`]). The URL's path only
    /// names [`Client::socket`]'s namespace; its query is kept.
    pub fn manager(url: &str, options: ClientOptions) -> Result<Client, SetupError> {
        let url = url::ServerUrl::parse(url).map_err(SetupError::Url)?;
        let config = options.core_config(&url.query);
        let url_nsp = url.nsp.clone();
        let dialer = dial::Dialer::new(url, options.webpki_roots, &options.root_certs_pem)
            .map_err(SetupError::Tls)?;
        let default_auth = options
            .auth
            .as_ref()
            .map(|a| bytes::Bytes::from(a.to_string()));
        let mut seed = [0u8; 8];
        // Without OS entropy every client would retry in step.
        getrandom::fill(&mut seed).expect("OS entropy is available");
        let state = State {
            core: SioClient::new(config, u64::from_le_bytes(seed)),
            closed: false,
            nsps: Default::default(),
            handlers: ClientHandlers::default(),
        };
        let inner = Arc::new(Inner::new(
            state,
            url_nsp,
            default_auth,
            options.auto_connect,
        ));
        driver::start(inner.clone(), dialer, options.max_response_bytes)?;
        Ok(Client {
            guard: Arc::new(Guard { inner }),
        })
    }

    /// The URL's namespace (`/` when the URL has no path): what `io(url)`
    /// returns.
    pub fn socket(&self) -> ClientSocket {
        let nsp = self.guard.inner.url_nsp.clone();
        self.of(&nsp)
    }

    /// The namespace `nsp` (`/admin`; the leading `/` may be left out),
    /// opened with the options' auth when it is not open yet
    /// (`manager.socket(nsp)`): a CONNECT goes to the server over the same
    /// connection. With [`ClientOptions::auto_connect`] off, it is opened
    /// by [`ClientSocket::connect`] instead.
    pub fn of(&self, nsp: &str) -> ClientSocket {
        self.open(nsp, None)
    }

    /// [`Client::of`] with this namespace's own CONNECT payload (a JSON
    /// object). For a namespace open already, the auth is changed for its
    /// next reconnection.
    pub fn of_with_auth(&self, nsp: &str, auth: serde_json::Value) -> ClientSocket {
        self.open(nsp, Some(bytes::Bytes::from(auth.to_string())))
    }

    fn open(&self, nsp: &str, auth: Option<bytes::Bytes>) -> ClientSocket {
        let nsp = if nsp.starts_with('/') {
            nsp.to_owned()
        } else {
            format!("/{nsp}")
        };
        let inner = &self.guard.inner;
        inner.with_core(|state, now| {
            if state.closed {
                return;
            }
            let active = state.core.is_active(&nsp);
            let ns = state.nsps.entry(nsp.clone()).or_default();
            let changed = auth.is_some();
            if let Some(a) = auth {
                ns.auth = Some(a);
            } else if !active && ns.auth.is_none() {
                ns.auth = inner.default_auth.clone();
            }
            let auth = ns.auth.clone();
            if active {
                if changed {
                    // For the next reconnection.
                    let _ = state.core.set_auth(&nsp, auth);
                }
            } else if inner.auto_connect {
                ns.refused = None;
                state.core.connect(now, &nsp, auth);
            }
        });
        ClientSocket::new(inner.clone(), &nsp)
    }

    /// Called when a reconnection attempt starts, with its number from 1
    /// (`reconnect_attempt`).
    pub fn on_reconnect_attempt(&self, f: impl Fn(u32) + Send + Sync + 'static) {
        self.guard
            .inner
            .lock()
            .handlers
            .reconnect_attempt
            .push(Arc::new(f));
    }

    /// Called when a reconnection attempt succeeded, with its number
    /// (`reconnect`).
    pub fn on_reconnect(&self, f: impl Fn(u32) + Send + Sync + 'static) {
        self.guard.inner.lock().handlers.reconnect.push(Arc::new(f));
    }

    /// Called when the reconnection attempts are used up
    /// ([`ClientOptions::reconnection_attempts`]): the client stops
    /// (`reconnect_failed`).
    pub fn on_reconnect_failed(&self, f: impl Fn() + Send + Sync + 'static) {
        self.guard
            .inner
            .lock()
            .handlers
            .reconnect_failed
            .push(Arc::new(f));
    }

    /// Called when the connection moved from polling to WebSocket (the
    /// engine's `upgrade`), after every reconnection too.
    pub fn on_upgrade(&self, f: impl Fn() + Send + Sync + 'static) {
        self.guard.inner.lock().handlers.upgrade.push(Arc::new(f));
    }

    /// Leaves every namespace and closes the connection for good; the
    /// client's driver ends once its goodbyes are written (at most a
    /// couple of seconds; the runtime thread stays for other clients). Awaited acks fail with
    /// [`AckError::Disconnected`] and `ready` with [`ReadyError::Closed`].
    pub fn close(&self) {
        close(&self.guard.inner);
    }

    /// True once the client is closed ([`Client::close`], or the
    /// reconnection attempts ran out).
    pub fn is_closed(&self) -> bool {
        self.guard.inner.lock().closed
    }
}

/// Closes the core once; fails every waiter.
fn close(inner: &Inner) {
    inner.with_core(|state, now| {
        if state.closed {
            return;
        }
        state.closed = true;
        state.core.close(now);
        for ns in state.nsps.values_mut() {
            ns.acks.clear();
            for w in ns.ready.drain(..) {
                let _ = w.try_send(Err(ReadyError::Closed));
            }
        }
    });
}
