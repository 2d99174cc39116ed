//! The request-head timeout of HTTP connections, kept on one coarse timer
//! for all of them.
//!
//! hyper's own `header_read_timeout` arms a timer for every request (an
//! allocation, a timer-queue insert and removal in the reactor). Here a
//! connection gets a [`ConnClock`]: armed when the connection opens and at
//! each write (a response going out), disarmed when a request head is
//! complete. One ticker
//! per server walks the clocks a few times per timeout and fails the
//! connections whose deadline passed (their next read or write returns
//! `TimedOut`, and hyper closes them). The deadline is thus met to within
//! a quarter of the timeout (and at most a second).

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Weak};
use std::task::Waker;
use std::time::Duration;

use atomic_waker::AtomicWaker;

/// Ticks per timeout: the precision of the deadline.
const TICKS_PER_TIMEOUT: u32 = 4;

/// Longest tick: long timeouts are checked once per second.
const MAX_TICK: Duration = Duration::from_secs(1);

/// Shortest tick.
const MIN_TICK: Duration = Duration::from_millis(10);

/// The request-head timeout of every connection of one server.
///
/// Cloning gives another handle to the same set. Run [`HeadTimeouts::run`]
/// on the executor that serves the connections.
#[derive(Clone)]
pub struct HeadTimeouts(Rc<Watch>);

struct Watch {
    /// Time between two checks.
    tick: Duration,
    /// Ticks a connection may take to send a request head.
    timeout_ticks: u64,
    /// Ticks so far, and whether the server is closing.
    now: Arc<Ticks>,
    /// Every connection's clock (dead ones are dropped at the next check).
    clocks: RefCell<Vec<Weak<ConnClock>>>,
}

/// No deadline.
const DISARMED: u64 = u64::MAX;

/// The time, in ticks, shared by a server's clocks.
#[derive(Debug, Default)]
struct Ticks {
    /// Ticks so far.
    now: AtomicU64,
    /// The server is shutting down: a connection may wait for its next
    /// request one tick at most.
    closing: AtomicBool,
}

/// One connection's deadline for its next request head.
///
/// Atomics, though one thread uses it: hyper wants the connection's IO,
/// which holds the clock, to be `Send`.
#[derive(Debug)]
pub struct ConnClock {
    /// The watch's tick count.
    now: Arc<Ticks>,
    /// Ticks a connection may take to send a request head.
    timeout_ticks: u64,
    /// Tick at which the connection times out, or [`DISARMED`].
    deadline: AtomicU64,
    /// The deadline passed: the connection must fail.
    expired: AtomicBool,
    /// The connection's task, woken when the deadline passes.
    waker: AtomicWaker,
}

impl HeadTimeouts {
    /// Connections get `timeout` to send each request head (and to send the
    /// next one after a response: it is also the keep-alive idle timeout).
    pub fn new(timeout: Duration) -> HeadTimeouts {
        let tick = (timeout / TICKS_PER_TIMEOUT).clamp(MIN_TICK, MAX_TICK);
        let timeout_ticks = (timeout.as_nanos() / tick.as_nanos().max(1)).max(1) as u64;
        HeadTimeouts(Rc::new(Watch {
            tick,
            timeout_ticks,
            now: Arc::default(),
            clocks: RefCell::default(),
        }))
    }

    /// A clock for a new connection, armed.
    pub fn clock(&self) -> Arc<ConnClock> {
        let clock = Arc::new(ConnClock {
            now: self.0.now.clone(),
            timeout_ticks: self.0.timeout_ticks,
            deadline: AtomicU64::new(DISARMED),
            expired: AtomicBool::new(false),
            waker: AtomicWaker::new(),
        });
        clock.arm();
        self.0.clocks.borrow_mut().push(Arc::downgrade(&clock));
        clock
    }

    /// The server is shutting down: connections waiting for a request head
    /// (idle keep-alive ones, new ones) time out at the next ticks, and
    /// from now on a connection that answers a request waits for the next
    /// one a tick at most. Drive the ticks faster with
    /// [`HeadTimeouts::tick_now`].
    pub fn close_idle(&self) {
        let ticks = &self.0.now;
        ticks.closing.store(true, Relaxed);
        let soon = ticks.now.load(Relaxed) + 1;
        for clock in self.0.clocks.borrow().iter().filter_map(Weak::upgrade) {
            let d = clock.deadline.load(Relaxed);
            if d != DISARMED && d > soon {
                clock.deadline.store(soon, Relaxed);
            }
        }
    }

    /// Advances the time by a tick now (on top of [`HeadTimeouts::run`]'s
    /// ticks): during a shutdown, to close idle connections sooner.
    pub fn tick_now(&self) {
        self.check();
    }

    /// Checks the deadlines every tick, forever.
    pub async fn run(self) {
        let mut ticker = smol::Timer::interval(self.0.tick);
        loop {
            futures_lite::StreamExt::next(&mut ticker).await;
            self.check();
        }
    }

    /// Advances the time by a tick and fails the connections past their
    /// deadline.
    fn check(&self) {
        let now = self.0.now.now.fetch_add(1, Relaxed) + 1;
        self.0.clocks.borrow_mut().retain(|weak| {
            let Some(clock) = weak.upgrade() else {
                return false;
            };
            if clock.deadline.load(Relaxed) <= now {
                clock.expired.store(true, Relaxed);
                clock.deadline.store(DISARMED, Relaxed);
                clock.waker.wake();
            }
            true
        });
    }
}

impl ConnClock {
    /// Starts the time the client has to send its next request head.
    pub fn arm(&self) {
        let ticks = match self.now.closing.load(Relaxed) {
            true => 1,
            false => self.timeout_ticks,
        };
        // One tick more: the current tick is partly over.
        let deadline = self.now.now.load(Relaxed) + ticks + 1;
        self.deadline.store(deadline, Relaxed);
    }

    /// A request head is complete: no deadline until its response is written.
    pub fn disarm(&self) {
        self.deadline.store(DISARMED, Relaxed);
    }

    /// The deadline passed.
    pub fn expired(&self) -> bool {
        self.expired.load(Relaxed)
    }

    /// Remembers the connection's task, to wake it if the deadline passes.
    pub fn set_waker(&self, waker: &Waker) {
        self.waker.register(waker);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expires_after_the_timeout_unless_disarmed() {
        let t = HeadTimeouts::new(Duration::from_secs(2));
        assert_eq!(t.0.tick, Duration::from_millis(500));
        let idle = t.clock();
        let busy = t.clock();
        busy.disarm();
        for _ in 0..4 {
            t.check();
            assert!(!idle.expired());
        }
        t.check();
        assert!(idle.expired());
        assert!(!busy.expired());
        // Armed again after a response: a full timeout from now.
        busy.arm();
        for _ in 0..4 {
            t.check();
        }
        assert!(!busy.expired());
        t.check();
        assert!(busy.expired());
    }

    #[test]
    fn forgets_dropped_connections() {
        let t = HeadTimeouts::new(Duration::from_secs(30));
        assert_eq!(t.0.tick, MAX_TICK);
        let kept = t.clock();
        drop(t.clock());
        t.check();
        assert_eq!(t.0.clocks.borrow().len(), 1);
        drop(kept);
        t.check();
        assert!(t.0.clocks.borrow().is_empty());
    }

    #[test]
    fn closing_times_out_idle_connections_at_once() {
        let t = HeadTimeouts::new(Duration::from_secs(30));
        let idle = t.clock();
        let busy = t.clock();
        busy.disarm();
        t.close_idle();
        t.tick_now();
        assert!(idle.expired());
        assert!(!busy.expired(), "a request in progress is not cut");
        // Its response written: a tick for the next request (and the
        // current, partly over one).
        busy.arm();
        t.tick_now();
        assert!(!busy.expired());
        t.tick_now();
        assert!(busy.expired());
    }
}
