//! What the shared state does (the type is in `state.rs`): it registers
//! with the driver for the core's events, finds handlers by namespace and
//! sockets by id, and keeps what awaits the core's answers (acks,
//! broadcast acks, delivery notifications).

use super::AckError;
use super::oneshot;
use super::state::{BroadcastReplies, ClusterAnswer, NsHandlers, NsKey, Shared, Socket};
use crate::driver::Driver;
use sio_core::FlushId;
use sio_core::socket::{Args, BroadcastAckId, ClusterRequestId, SioServer, SocketId};
use std::cell::RefCell;
use std::rc::Rc;

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
            cluster_waiters: RefCell::default(),
            server_side: RefCell::default(),
            link_handlers: RefCell::default(),
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
    pub(crate) fn handlers_for(&self, nsp: &str) -> Rc<NsHandlers> {
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

    pub(crate) fn wait_cluster(&self, id: ClusterRequestId) -> oneshot::Receiver<ClusterAnswer> {
        let (tx, rx) = oneshot::channel();
        self.cluster_waiters.borrow_mut().insert(id, tx);
        rx
    }

    /// Starts a cluster request on the core with `f` and returns what
    /// waits for its answer, registered before the drain that may answer
    /// it (`None` when the core refused the request).
    pub(crate) fn start_cluster_call(
        &self,
        f: impl FnOnce(&mut SioServer) -> Result<ClusterRequestId, sio_core::socket::SioError>,
    ) -> Option<oneshot::Receiver<ClusterAnswer>> {
        let mut rx = None;
        let _ = self.driver.with_engine_then(f, |r| {
            if let Ok(id) = r {
                rx = Some(self.wait_cluster(*id));
            }
        });
        rx
    }

    pub(crate) fn wait_flush(&self, id: FlushId) -> oneshot::Receiver<bool> {
        let (tx, rx) = oneshot::channel();
        self.flushes.borrow_mut().insert(id, tx);
        rx
    }
}
