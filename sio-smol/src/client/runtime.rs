//! The client runtime: one thread per process, started with the first
//! [`super::Client`], running a smol `LocalExecutor` (and the reactor) for
//! every client: their drivers, their connections, and the application
//! futures handed to it with [`spawn`] or [`block_on`].
//!
//! Work reaches the thread as `Send` closures through a channel; on the
//! thread itself they run at once (no hop).

use std::cell::RefCell;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::OnceLock;
use std::task::{Context, Poll};

use futures_lite::{FutureExt, StreamExt};
use smol::LocalExecutor;

/// Work for the runtime thread: given its executor, it spawns tasks.
pub(crate) type Job = Box<dyn FnOnce(&Rc<LocalExecutor<'static>>) + Send>;

/// The runtime thread's queue, or why it could not start.
static RUNTIME: OnceLock<Result<async_channel::Sender<Job>, std::io::ErrorKind>> = OnceLock::new();

thread_local! {
    /// The executor, on the runtime thread only.
    static LOCAL: RefCell<Option<Rc<LocalExecutor<'static>>>> = const { RefCell::new(None) };
}

/// The executor when called on the runtime thread.
fn local() -> Option<Rc<LocalExecutor<'static>>> {
    LOCAL.with(|l| l.borrow().clone())
}

/// True on the client runtime's thread (where handlers and the futures
/// given to [`spawn`] run).
pub fn on_runtime_thread() -> bool {
    LOCAL.with(|l| l.borrow().is_some())
}

/// Runs `job` on the runtime thread: at once when called there, else
/// through its queue (starting the thread the first time).
pub(crate) fn run_on(job: Job) -> std::io::Result<()> {
    if let Some(ex) = local() {
        job(&ex);
        return Ok(());
    }
    let queue = RUNTIME.get_or_init(|| {
        let (tx, rx) = async_channel::unbounded::<Job>();
        std::thread::Builder::new()
            .name("sio-client".into())
            .spawn(move || {
                let ex = Rc::new(LocalExecutor::new());
                LOCAL.with(|l| *l.borrow_mut() = Some(ex.clone()));
                // smol's block_on: this thread also drives the reactor
                // while it has nothing else to do.
                smol::block_on(ex.run(async {
                    while let Ok(job) = rx.recv().await {
                        job(&ex);
                    }
                }));
            })
            .map(|_| tx)
            .map_err(|e| e.kind())
    });
    match queue {
        Ok(tx) => tx
            .try_send(job)
            .map_err(|_| std::io::Error::other("the client runtime thread ended")),
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
    let ex = local().expect("sio_smol::client::spawn_local called off the client runtime thread");
    ex.spawn(fut)
}
