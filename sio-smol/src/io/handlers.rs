//! How the registered handlers are kept (their types are in `state.rs`):
//! a dynamic child's copy of its parent's, a new socket's empty set, the
//! listeners one event goes to (`once` ones removed), and the rarely set
//! ones made on first use.

use super::state::{EventHandler, NsHandlers, RareHandlers, SocketHandlers};
use bytes::Bytes;
use std::any::Any;
use std::cell::RefCell;

impl NsHandlers {
    /// A copy: the same handlers, added to separately from now on.
    pub(crate) fn copy(&self) -> NsHandlers {
        NsHandlers {
            on_connection: RefCell::new(self.on_connection.borrow().clone()),
            middleware: RefCell::new(self.middleware.borrow().clone()),
        }
    }
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
