//! What the client's handles share with its driver: the core behind a
//! mutex, the handlers, the waiters, and the means to wake the driver.

use super::error::{ConnectFailure, ReadyError};
use super::msg::ClientMsg;
use super::socket::ClientSocket;
use atomic_waker::AtomicWaker;
use sio_core::client::{AckId, ClientDisconnectReason, SioClient};
use sio_core::socket::Args;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

/// An event handler: `socket.on(..)`, `socket.on_any(..)`.
pub(crate) type EventHandler = Arc<dyn Fn(ClientSocket, ClientMsg) + Send + Sync>;
/// `socket.on_connect(..)`.
pub(crate) type ConnectHandler = Arc<dyn Fn(ClientSocket) + Send + Sync>;
/// `socket.on_connect_error(..)`.
pub(crate) type ConnectErrorHandler = Arc<dyn Fn(ClientSocket, &ConnectFailure) + Send + Sync>;
/// `socket.on_disconnect(..)`.
pub(crate) type DisconnectHandler = Arc<dyn Fn(ClientSocket, ClientDisconnectReason) + Send + Sync>;
/// `client.on_reconnect_attempt(..)`, `client.on_reconnect(..)`.
pub(crate) type NumberHandler = Arc<dyn Fn(u32) + Send + Sync>;
/// `client.on_reconnect_failed(..)`.
pub(crate) type PlainHandler = Arc<dyn Fn() + Send + Sync>;
/// Where an awaited ack's outcome goes.
pub(crate) type AckWaiter = super::oneshot::Sender<Result<Args, sio_core::client::AckError>>;

/// One namespace's handlers and waiters.
#[derive(Default)]
pub(crate) struct NspState {
    /// The last connect restored the session (`socket.recovered`).
    pub recovered: bool,
    /// Its CONNECT payload.
    pub auth: Option<bytes::Bytes>,
    /// Listeners by event; `true` for a `once` listener.
    pub events: HashMap<String, Vec<(EventHandler, bool)>>,
    pub any: Vec<EventHandler>,
    pub connect: Vec<ConnectHandler>,
    pub connect_error: Vec<ConnectErrorHandler>,
    pub disconnect: Vec<DisconnectHandler>,
    /// `ready()` calls waiting for the next connect or connect error.
    pub ready: Vec<async_channel::Sender<Result<(), ReadyError>>>,
    /// Emits waiting for their ack.
    pub acks: HashMap<AckId, AckWaiter, FastHash>,
    /// The server refused the namespace (no retry): `ready()` fails at once.
    pub refused: Option<ConnectFailure>,
}

/// The client-wide handlers.
#[derive(Default)]
pub(crate) struct ClientHandlers {
    pub reconnect_attempt: Vec<NumberHandler>,
    pub reconnect: Vec<NumberHandler>,
    pub reconnect_failed: Vec<PlainHandler>,
    pub upgrade: Vec<PlainHandler>,
}

/// Everything behind the client's mutex.
pub(crate) struct State {
    /// The protocol.
    pub core: SioClient,
    /// `close()` was called, or the reconnection attempts ran out.
    pub closed: bool,
    pub nsps: HashMap<String, NspState, FastHash>,
    pub handlers: ClientHandlers,
}

/// A cheap hasher for the client's own maps (ids, namespace names: keys
/// the application or the core chose, not the network), in place of the
/// default SipHash (a few percent of an ack's instructions).
#[derive(Default, Clone, Copy)]
pub(crate) struct FastHash;

impl std::hash::BuildHasher for FastHash {
    type Hasher = Fx;

    fn build_hasher(&self) -> Fx {
        Fx(0)
    }
}

/// The Fx hash (as rustc's): rotate, xor, multiply, a word at a time.
pub(crate) struct Fx(u64);

impl Fx {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl std::hash::Hasher for Fx {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(c);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
}

/// What the handles and the driver share.
pub(crate) struct Inner {
    state: Mutex<State>,
    /// Wakes the driver to drain the core's outputs (wakes coalesce).
    pub wake: Wake,
    /// The URL's namespace (`client.socket()`).
    pub url_nsp: String,
    /// The CONNECT payload of namespaces opened without their own.
    pub default_auth: Option<bytes::Bytes>,
    /// `of()` opens the namespace (else `connect()` does).
    pub auto_connect: bool,
}

impl Inner {
    /// Shares `state`.
    pub fn new(
        state: State,
        url_nsp: String,
        default_auth: Option<bytes::Bytes>,
        auto_connect: bool,
    ) -> Inner {
        Inner {
            state: Mutex::new(state),
            wake: Wake::default(),
            url_nsp,
            default_auth,
            auto_connect,
        }
    }

    /// Locks the state. A handler that panicked while holding the lock
    /// does not make the client unusable: the core's own state is
    /// consistent between calls.
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `f` on the core (with the time), then wakes the driver to
    /// carry out what the core wants done.
    pub fn with_core<R>(&self, f: impl FnOnce(&mut State, Instant) -> R) -> R {
        let r = {
            let mut state = self.lock();
            f(&mut state, Instant::now())
        };
        self.wake();
        r
    }

    /// Wakes the driver.
    pub fn wake(&self) {
        self.wake.wake();
    }
}

/// A flag and the driver's waker: raising a raised flag costs an atomic
/// swap; on the runtime thread, waking only schedules the driver's task.
#[derive(Default)]
pub(crate) struct Wake {
    raised: AtomicBool,
    waker: AtomicWaker,
}

impl Wake {
    /// Raises the flag and wakes the driver if it was down.
    pub fn wake(&self) {
        if !self.raised.swap(true, Ordering::AcqRel) {
            self.waker.wake();
        }
    }

    /// Registers the driver's waker, then takes the flag: true when it
    /// was raised.
    pub fn poll_take(&self, cx: &std::task::Context<'_>) -> bool {
        self.waker.register(cx.waker());
        self.raised.swap(false, Ordering::AcqRel)
    }
}
