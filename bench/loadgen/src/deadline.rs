//! Time limits on waits that happen once per message (an ack), checked by
//! one watchdog task a few times a second instead of a reactor timer armed
//! and cancelled for every message. Resolution: [`TICK`].

use futures_lite::future;
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::rc::{Rc, Weak};
use std::task::{Poll, Waker};
use std::time::{Duration, Instant};

/// How often the watchdog looks at the deadlines.
pub const TICK: Duration = Duration::from_millis(50);

/// The deadline of one client's current wait.
#[derive(Default)]
pub struct Deadline {
    at: Cell<Option<Instant>>,
    expired: Cell<bool>,
    waker: Cell<Option<Waker>>,
}

impl Deadline {
    /// Runs `fut` until it completes (`Some`) or `at` passes (`None`).
    pub async fn limit<F: Future>(&self, at: Instant, fut: F) -> Option<F::Output> {
        self.at.set(Some(at));
        self.expired.set(false);
        let out = future::or(async { Some(fut.await) }, self.expiry()).await;
        self.at.set(None);
        out
    }

    /// Ready once the watchdog has found the deadline passed.
    async fn expiry<T>(&self) -> Option<T> {
        future::poll_fn(|cx| {
            if self.expired.get() {
                return Poll::Ready(None);
            }
            let w = match self.waker.take() {
                Some(w) if w.will_wake(cx.waker()) => w,
                _ => cx.waker().clone(),
            };
            self.waker.set(Some(w));
            Poll::Pending
        })
        .await
    }
}

/// The deadlines of a run and the task that enforces them.
#[derive(Default)]
pub struct Watchdog {
    deadlines: RefCell<Vec<Weak<Deadline>>>,
}

impl Watchdog {
    /// A new deadline, watched while it is alive.
    pub fn deadline(&self) -> Rc<Deadline> {
        let d = Rc::new(Deadline::default());
        self.deadlines.borrow_mut().push(Rc::downgrade(&d));
        d
    }

    /// Checks the deadlines every [`TICK`], for ever (run it as a task and
    /// drop that task at the end of the run).
    pub async fn run(&self) {
        loop {
            smol::Timer::after(TICK).await;
            let now = Instant::now();
            self.deadlines.borrow_mut().retain(|d| {
                let Some(d) = d.upgrade() else { return false };
                if d.at.get().is_some_and(|at| now >= at) && !d.expired.get() {
                    d.expired.set(true);
                    if let Some(w) = d.waker.take() {
                        w.wake();
                    }
                }
                true
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_a_wait() {
        let ex = smol::LocalExecutor::new();
        let dog = Rc::new(Watchdog::default());
        let d = dog.deadline();
        smol::block_on(ex.run(async {
            let _watch = ex.spawn({
                let dog = dog.clone();
                async move { dog.run().await }
            });
            let soon = Instant::now() + Duration::from_millis(100);
            assert_eq!(d.limit(soon, async { 5 }).await, Some(5));
            let started = Instant::now();
            let never = future::pending::<()>();
            assert_eq!(d.limit(soon, never).await, None);
            assert!(started.elapsed() < Duration::from_secs(2));
            // Expiry does not stick to the next wait.
            let later = Instant::now() + Duration::from_secs(5);
            assert_eq!(d.limit(later, async { 6 }).await, Some(6));
        }));
    }
}
