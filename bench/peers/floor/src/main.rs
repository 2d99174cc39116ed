//! `sio-floor`: the bench's reference peer. It does the least work a
//! server on our stack (smol 2, async-tungstenite, httparse) can do per
//! operation while still satisfying the load generator, so its figures are
//! the practical limit of the machine for each scenario on that stack. It is
//! not a Socket.IO server: packets are told apart by their first bytes and
//! answered by slicing strings (no JSON), and there are no heartbeats,
//! namespaces, rooms, timeouts, upgrades or session clean-up. See
//! `bench/README.md`.
//!
//! One thread: a `LocalExecutor` under `smol::block_on`, one task per
//! connection, shared state in `Rc`/`RefCell`/`Cell`.

mod http;
mod packets;
mod ws;

use async_tungstenite::tungstenite::Utf8Bytes;
use smol::{Async, LocalExecutor, Timer};
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::net::TcpListener;
use std::rc::Rc;
use std::task::Waker;
use std::time::Duration;

/// A WebSocket connection as broadcasts see it: frames to write and the
/// task to wake for them.
#[derive(Default)]
pub struct Outbox {
    queue: RefCell<VecDeque<Utf8Bytes>>,
    waker: Cell<Option<Waker>>,
    /// Its place in [`Hub::outboxes`].
    slot: Cell<usize>,
}

/// A long-polling session: packets for the next GET, already joined by
/// `\x1e`, and the GET waiting for them.
#[derive(Default)]
pub struct Session {
    sio_sid: u64,
    pending: RefCell<Vec<u8>>,
    waiter: Cell<Option<Waker>>,
}

/// The process's state.
pub struct Hub {
    ex: LocalExecutor<'static>,
    last_id: Cell<u64>,
    /// Open WebSockets, dense for broadcasts (removal swaps the last in).
    outboxes: RefCell<Vec<Rc<Outbox>>>,
    sessions: RefCell<HashMap<u64, Rc<Session>>>,
}

impl Outbox {
    /// Keeps `w` as the task to wake, cloning it only when it changed.
    fn set_waker(&self, w: &Waker) {
        match self.waker.take() {
            Some(old) if old.will_wake(w) => self.waker.set(Some(old)),
            _ => self.waker.set(Some(w.clone())),
        }
    }
}

impl Hub {
    /// A new id for an Engine.IO or Socket.IO sid (sent in hex).
    fn new_id(&self) -> u64 {
        self.last_id.set(self.last_id.get() + 1);
        self.last_id.get()
    }

    /// Registers a WebSocket for broadcasts.
    fn join(&self) -> Rc<Outbox> {
        let mut all = self.outboxes.borrow_mut();
        let me = Rc::new(Outbox::default());
        me.slot.set(all.len());
        all.push(me.clone());
        me
    }

    /// Unregisters a WebSocket.
    fn leave(&self, me: &Outbox) {
        let mut all = self.outboxes.borrow_mut();
        let slot = me.slot.get();
        all.swap_remove(slot);
        if let Some(moved) = all.get(slot) {
            moved.slot.set(slot);
        }
    }

    /// Queues `frame` for every open WebSocket, the sender included; the
    /// frame's bytes are shared, not copied.
    fn broadcast(&self, frame: &Utf8Bytes) {
        for o in self.outboxes.borrow().iter() {
            let mut q = o.queue.borrow_mut();
            q.push_back(frame.clone());
            if q.len() == 1 {
                // It was empty, so its task has not been woken for it yet.
                // The waker stays: the task keeps it until it changes.
                if let Some(w) = o.waker.take() {
                    w.wake_by_ref();
                    o.waker.set(Some(w));
                }
            }
        }
    }

    /// Opens a polling session; returns its Engine.IO sid.
    fn open_session(&self) -> u64 {
        let sid = self.new_id();
        let s = Session {
            sio_sid: self.new_id(),
            ..Session::default()
        };
        self.sessions.borrow_mut().insert(sid, Rc::new(s));
        sid
    }

    fn session(&self, sid: u64) -> Option<Rc<Session>> {
        self.sessions.borrow().get(&sid).cloned()
    }
}

fn main() -> std::io::Result<()> {
    let port = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(3000u16);
    // Lives as long as the process; tasks borrow it for 'static.
    let hub: &'static Hub = Box::leak(Box::new(Hub {
        ex: LocalExecutor::new(),
        last_id: Cell::new(0),
        outboxes: RefCell::new(Vec::new()),
        sessions: RefCell::new(HashMap::new()),
    }));
    let listener = Async::<TcpListener>::bind(([127, 0, 0, 1], port))?;
    eprintln!("sio-floor listening on 127.0.0.1:{port}");
    smol::block_on(hub.ex.run(async {
        loop {
            match listener.accept().await {
                Ok((tcp, _)) => {
                    tcp.get_ref().set_nodelay(true).ok();
                    hub.ex.spawn(http::serve(tcp, hub)).detach();
                }
                Err(e) => {
                    // Out of file descriptors, say: back off rather than spin.
                    eprintln!("accept: {e}");
                    Timer::after(Duration::from_millis(10)).await;
                }
            }
        }
    }))
}
