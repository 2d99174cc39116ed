//! The client runtime: one thread per process, started with the first
//! [`super::Client`], running an executor of its own (smol's `block_on`
//! drives the reactor) for every client: their drivers, their
//! connections, and the application futures handed to it with [`spawn`]
//! or [`block_on`].
//!
//! Work reaches the thread as `Send` closures through a shared queue; on
//! the thread itself they run at once (no hop). The executor is a local
//! queue of `async_task` runnables: a task woken on the runtime thread is
//! queued without atomics or locks; one woken elsewhere goes through the
//! shared queue and wakes the thread.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll, Waker};

use async_task::Runnable;
use atomic_waker::AtomicWaker;
use futures_lite::{FutureExt, StreamExt};

/// Work for the runtime thread: given the means to spawn there, it
/// spawns tasks.
pub(crate) type Job = Box<dyn FnOnce(&Local) + Send>;

/// Spawns tasks on the runtime thread (only there).
#[derive(Clone, Copy)]
pub(crate) struct Local {
    _not_send: std::marker::PhantomData<*const ()>,
}

impl Local {
    /// Spawns `fut` on the runtime thread's executor.
    pub fn spawn<F>(&self, fut: F) -> smol::Task<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let (runnable, task) = async_task::spawn_local(fut, schedule);
        runnable.schedule();
        task
    }
}

/// What other threads hand the runtime thread: jobs, and tasks woken there.
struct Remote {
    queue: Mutex<Vec<Remotely>>,
    /// The runtime thread's waker.
    waker: AtomicWaker,
}

enum Remotely {
    Job(Job),
    Run(Runnable),
}

/// The runtime thread's queue for other threads, or why it could not start.
static RUNTIME: OnceLock<Result<Arc<Remote>, std::io::ErrorKind>> = OnceLock::new();

thread_local! {
    /// True on the runtime thread.
    static ON_RUNTIME: Cell<bool> = const { Cell::new(false) };
    /// Tasks ready to run, woken on the runtime thread (no atomics).
    static READY: RefCell<VecDeque<Runnable>> = const { RefCell::new(VecDeque::new()) };
    /// The runtime loop's waker, while it waits.
    static LOOP_WAKER: RefCell<Option<Waker>> = const { RefCell::new(None) };
}

/// Schedules a woken task: in the local queue on the runtime thread, else
/// through the shared queue (waking the runtime thread).
///
/// While the runtime thread ends, its queue is being destroyed, and
/// dropping the tasks left in it can wake others: those are dropped too
/// (`try_with`), not scheduled (a panic there would abort the process).
fn schedule(runnable: Runnable) {
    if ON_RUNTIME.with(Cell::get) {
        let mut runnable = Some(runnable);
        let was_empty = READY.try_with(|r| {
            let mut r = r.borrow_mut();
            let was_empty = r.is_empty();
            r.extend(runnable.take());
            was_empty
        });
        drop(runnable);
        if was_empty == Ok(true)
            && let Ok(Some(w)) = LOOP_WAKER.try_with(|w| w.borrow_mut().take())
        {
            w.wake();
        }
    } else if let Some(Ok(remote)) = RUNTIME.get() {
        remote
            .queue
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(Remotely::Run(runnable));
        remote.waker.wake();
    }
}

/// The runtime thread's loop: runs ready tasks and the jobs handed over,
/// then lets smol's `block_on` drive the reactor until something is woken.
fn run_loop(remote: &Remote) -> std::future::PollFn<impl FnMut(&mut Context<'_>) -> Poll<()>> {
    let local = Local {
        _not_send: std::marker::PhantomData,
    };
    let mut taken: Vec<Remotely> = Vec::new();
    std::future::poll_fn(move |cx| {
        remote.waker.register(cx.waker());
        LOOP_WAKER.with(|w| {
            let mut w = w.borrow_mut();
            if !w.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                *w = Some(cx.waker().clone());
            }
        });
        {
            let mut queue = remote.queue.lock().unwrap_or_else(|e| e.into_inner());
            std::mem::swap(&mut *queue, &mut taken);
        }
        for r in taken.drain(..) {
            match r {
                Remotely::Job(job) => job(&local),
                Remotely::Run(runnable) => READY.with(|q| q.borrow_mut().push_back(runnable)),
            }
        }
        // A batch, then a look at the reactor (smol's block_on polls it
        // without blocking when this future woke itself).
        for _ in 0..256 {
            let Some(runnable) = READY.with(|q| q.borrow_mut().pop_front()) else {
                return Poll::Pending;
            };
            runnable.run();
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    })
}

/// True on the client runtime's thread (where handlers and the futures
/// given to [`spawn`] run).
pub fn on_runtime_thread() -> bool {
    ON_RUNTIME.with(Cell::get)
}

/// Runs `job` on the runtime thread: at once when called there, else
/// through its queue (starting the thread the first time).
pub(crate) fn run_on(job: Job) -> std::io::Result<()> {
    if on_runtime_thread() {
        job(&Local {
            _not_send: std::marker::PhantomData,
        });
        return Ok(());
    }
    let remote = RUNTIME.get_or_init(|| {
        let remote = Arc::new(Remote {
            queue: Mutex::new(Vec::new()),
            waker: AtomicWaker::new(),
        });
        let shared = remote.clone();
        std::thread::Builder::new()
            .name("sio-client".into())
            .spawn(move || {
                ON_RUNTIME.with(|r| r.set(true));
                // smol's block_on: this thread also drives the reactor
                // while it has nothing else to do.
                smol::block_on(run_loop(&shared));
            })
            .map(|_| remote)
            .map_err(|e| e.kind())
    });
    match remote {
        Ok(remote) => {
            remote
                .queue
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(Remotely::Job(job));
            remote.waker.wake();
            Ok(())
        }
        Err(kind) => Err(std::io::Error::new(
            *kind,
            "the client runtime thread could not start",
        )),
    }
}

/// The outcome of a future run by [`spawn`]: a future resolving to its
/// output. Dropping it does not cancel the task (it runs to its end).
/// A panic in the task is resumed where this is awaited.
#[must_use = "a ClientTask resolves to the task's output when awaited"]
pub struct ClientTask<T> {
    rx: Pin<Box<async_channel::Receiver<std::thread::Result<T>>>>,
}

impl<T> std::fmt::Debug for ClientTask<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientTask").finish_non_exhaustive()
    }
}

impl<T> Future for ClientTask<T> {
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        match self.rx.as_mut().poll_next(cx) {
            Poll::Ready(Some(Ok(v))) => Poll::Ready(v),
            Poll::Ready(Some(Err(panic))) => std::panic::resume_unwind(panic),
            Poll::Ready(None) => panic!("the client runtime dropped a spawned task"),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// Runs the future made by `make` on the client runtime's thread (the
/// thread that runs every client's IO and handlers), starting the thread
/// if needed. The future need not be `Send`: it is made there. There,
/// the client's calls cost no thread hop: an emit wakes the client's
/// driver on the same thread, and an ack resolves a waiter on the same
/// thread. Keep such futures non-blocking: a blocking call stalls every
/// client of the process.
///
/// Panics if the runtime thread cannot be started.
pub fn spawn<F, Fut>(make: F) -> ClientTask<Fut::Output>
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future + 'static,
    Fut::Output: Send + 'static,
{
    let (tx, rx) = async_channel::bounded(1);
    run_on(Box::new(move |ex| {
        let fut = AssertUnwindSafe(make()).catch_unwind();
        ex.spawn(async move {
            let _ = tx.try_send(fut.await);
        })
        .detach();
    }))
    .expect("the client runtime thread starts");
    ClientTask { rx: Box::pin(rx) }
}

/// Runs the future made by `make` on the client runtime's thread (see
/// [`spawn`]) and blocks the calling thread until it ends, returning its
/// output: the way for an application (a `main`) to run its client code
/// with no thread hop per message.
///
/// Panics when called on the runtime thread itself (it would wait for
/// itself), or if the runtime thread cannot be started.
pub fn block_on<F, Fut>(make: F) -> Fut::Output
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future + 'static,
    Fut::Output: Send + 'static,
{
    assert!(
        !on_runtime_thread(),
        "sio_smol::client::block_on called on the client runtime thread"
    );
    // A plain parker, not smol's block_on: that one would take the
    // reactor from the runtime thread while this thread waits.
    futures_lite::future::block_on(spawn(make))
}

/// Spawns `fut` on the client runtime's executor, from the runtime thread
/// itself (a handler, or a future run by [`spawn`] or [`block_on`]): the
/// future need not be `Send`, and no thread is crossed. The task is
/// cancelled when the returned [`smol::Task`] is dropped (see
/// `Task::detach`).
///
/// Panics when called on any other thread.
pub fn spawn_local<F>(fut: F) -> smol::Task<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    assert!(
        on_runtime_thread(),
        "sio_smol::client::spawn_local called off the client runtime thread"
    );
    Local {
        _not_send: std::marker::PhantomData,
    }
    .spawn(fut)
}
