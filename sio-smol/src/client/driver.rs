//! A client's driver, on the client runtime's thread: the driver loop (feed the
//! core the IO tasks' inputs and the time, run its timer, carry out its
//! outputs, call the handlers) and the IO tasks (HTTP requests,
//! WebSockets).

use super::dial::Dialer;
use super::error::{ConnectFailure, ReadyError};
use super::http::HttpPool;
use super::msg::ClientMsg;
use super::runtime;
use super::socket::ClientSocket;
use super::state::{FastHash, Inner};
use super::ws;
use futures_lite::FutureExt;
use sio_core::ConnId;
use sio_core::client::{ClientEvent, ClientInput, ClientOutput, ClientProtocol};
use smol::Task;
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

/// Inputs queued from the IO tasks to the driver before they wait.
const INPUT_QUEUE: usize = 1024;

/// How long a closed client keeps its driver to write its goodbyes (the
/// close packet, WebSocket close frames).
const CLOSE_GRACE: Duration = Duration::from_secs(2);

/// The longest an aborted long-poll outlives the requests sent before
/// its abort (see [`Aborting`]).
const ABORT_GRACE: Duration = Duration::from_secs(1);

/// How often a closing client checks whether its last tasks ended.
const CLOSE_POLL: Duration = Duration::from_millis(20);

/// Starts the client's driver on the client runtime's thread.
pub(crate) fn start(inner: Arc<Inner>, dialer: Dialer, max_body: usize) -> std::io::Result<()> {
    runtime::run_on(Box::new(move |ex| {
        let driver = Rc::new_cyclic(|me| {
            RefCell::new(Driver {
                me: me.clone(),
                inner,
                pool: Rc::new(HttpPool::new(dialer.clone(), *ex, max_body)),
                ex: *ex,
                dialer,
                max_message: max_body,
                inputs: Inputs::default(),
                http: HashMap::default(),
                aborting: Vec::new(),
                ws: HashMap::default(),
                closing: Vec::new(),
                local: VecDeque::new(),
                outs: Vec::new(),
                closed_at: None,
                armed: None,
            })
        });
        ex.spawn(async move {
            if AssertUnwindSafe(Driver::run(driver))
                .catch_unwind()
                .await
                .is_err()
            {
                tracing::error!("a client's driver panicked");
            }
        })
        .detach();
    }))
}

/// The IO tasks' inputs to their driver (all on the runtime thread): a
/// bounded queue, without atomics.
#[derive(Clone, Default)]
pub(crate) struct Inputs(Rc<InputsInner>);

#[derive(Default)]
struct InputsInner {
    queue: RefCell<VecDeque<ClientInput>>,
    /// The driver's waker while it waits.
    driver: RefCell<Option<Waker>>,
    /// Senders waiting for room.
    senders: RefCell<Vec<Waker>>,
    /// The driver has work beside the queue (see [`deliver`]).
    kicked: Cell<bool>,
    /// The driver ended: nothing is taken any more.
    closed: Cell<bool>,
}

impl Inputs {
    /// Queues `input` for the driver, waiting while the queue is full;
    /// fails once the driver ended.
    pub async fn send(&self, input: ClientInput) -> Result<(), ()> {
        let mut input = Some(input);
        std::future::poll_fn(|cx| {
            let inner = &self.0;
            if inner.closed.get() {
                return Poll::Ready(Err(()));
            }
            let mut queue = inner.queue.borrow_mut();
            if queue.len() >= INPUT_QUEUE {
                inner.senders.borrow_mut().push(cx.waker().clone());
                return Poll::Pending;
            }
            if let Some(input) = input.take() {
                queue.push_back(input);
            }
            drop(queue);
            if let Some(w) = inner.driver.borrow_mut().take() {
                w.wake();
            }
            Poll::Ready(Ok(()))
        })
        .await
    }

    /// The next input, for the driver.
    fn pop(&self) -> Option<ClientInput> {
        let input = self.0.queue.borrow_mut().pop_front();
        if input.is_none() {
            for w in self.0.senders.borrow_mut().drain(..) {
                w.wake();
            }
        }
        input
    }

    /// True when an input is queued (or the driver was kicked); else the
    /// driver's waker is kept.
    fn poll_ready(&self, cx: &Context<'_>) -> bool {
        if self.0.kicked.replace(false) || !self.0.queue.borrow().is_empty() {
            return true;
        }
        let mut driver = self.0.driver.borrow_mut();
        if !driver.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
            *driver = Some(cx.waker().clone());
        }
        false
    }

    /// Wakes the driver for a turn of its loop.
    fn kick(&self) {
        self.0.kicked.set(true);
        if let Some(w) = self.0.driver.borrow_mut().take() {
            w.wake();
        }
    }

    /// The driver ended: senders fail from now on.
    fn close(&self) {
        self.0.closed.set(true);
        self.0.queue.borrow_mut().clear();
        for w in self.0.senders.borrow_mut().drain(..) {
            w.wake();
        }
    }
}

/// A WebSocket's task and its command queue.
struct WsEntry {
    cmds: ws::WsSender,
    task: Task<()>,
    /// `WsOpened` was fed: a close is a close frame, not a give-up.
    opened: bool,
}

/// An HTTP request the core aborted, kept until the requests asked for
/// before the abort are answered: the core closes with a last POST (a
/// close packet, a DISCONNECT) and then aborts the held long-poll, and a
/// server that saw the long-poll's connection drop first would close the
/// session before reading the POST. Its input, if any, is not fed.
struct Aborting {
    /// Held only to be dropped (which cancels it).
    _task: Task<()>,
    /// The requests in flight at the abort.
    after: Vec<ConnId>,
    /// Dropped by then in any case.
    until: Instant,
}

/// The driver's own state (on the runtime thread only), shared with the
/// WebSocket tasks, which feed it the frames they read (see [`deliver`]).
pub(crate) struct Driver {
    /// Itself, for the tasks it starts.
    me: Weak<RefCell<Driver>>,
    inner: Arc<Inner>,
    ex: runtime::Local,
    dialer: Dialer,
    /// The largest WebSocket message accepted from the server.
    max_message: usize,
    pool: Rc<HttpPool>,
    /// What the IO tasks report.
    inputs: Inputs,
    /// HTTP requests in flight.
    http: HashMap<ConnId, Task<()>, FastHash>,
    /// Aborted requests waiting for the ones before them.
    aborting: Vec<Aborting>,
    /// WebSockets opening or open.
    ws: HashMap<ConnId, WsEntry, FastHash>,
    /// WebSockets writing their close frame.
    closing: Vec<Task<()>>,
    /// Inputs the driver itself owes the core (a WebSocket it gave up).
    local: VecDeque<ClientInput>,
    /// The core's outputs being carried out (kept for its capacity).
    outs: Vec<ClientOutput<ClientEvent>>,
    /// When the client was closed.
    closed_at: Option<Instant>,
    /// The armed timer's deadline.
    armed: Option<Instant>,
}

/// What the driver loop does after a turn.
enum Turn {
    /// Wait for an input, a wake or the timer; re-arm the timer first
    /// when given.
    Wait(Option<Instant>),
    /// Done: the client is closed and its goodbyes written.
    Done,
}

/// How a WebSocket task reaches its driver.
pub(crate) struct ToDriver {
    /// The queue, for what must wait its turn.
    pub inputs: Inputs,
    /// The driver, to feed frames at once (see [`deliver`]).
    pub driver: Weak<RefCell<Driver>>,
}

/// Hands `input` (a frame a WebSocket task read) to its driver: fed to the
/// core at once, its outputs carried out, when nothing is queued before it
/// (so that order holds); else queued. The driver's loop is woken only
/// when it has more to do (inputs it owes, a closed client, a deadline
/// earlier than its timer's).
pub(crate) async fn deliver(
    driver: &Weak<RefCell<Driver>>,
    inputs: &Inputs,
    input: ClientInput,
) -> Result<(), ()> {
    if inputs.0.queue.borrow().is_empty()
        && !inputs.0.closed.get()
        && let Some(driver) = driver.upgrade()
        && let Ok(mut d) = driver.try_borrow_mut()
    {
        if d.owns(&input) {
            d.feed(input);
        }
        let busy = !d.local.is_empty() || {
            let state = d.inner.lock();
            state.closed
                || state
                    .core
                    .poll_timeout()
                    .is_some_and(|t| d.armed.is_none_or(|a| t < a))
        };
        if busy {
            inputs.kick();
        }
        return Ok(());
    }
    inputs.send(input).await
}

impl Driver {
    async fn run(this: Rc<RefCell<Driver>>) {
        let (inputs, inner) = {
            let d = this.borrow();
            (d.inputs.clone(), d.inner.clone())
        };
        // One timer, re-armed only when the core's deadline comes before
        // the armed one (a later one is re-armed when it fires).
        let mut timer = smol::Timer::never();
        loop {
            let turn = this.borrow_mut().turn();
            match turn {
                Turn::Done => break,
                Turn::Wait(Some(d)) => timer.set_at(d),
                Turn::Wait(None) => {}
            }
            std::future::poll_fn(|cx| {
                if inputs.poll_ready(cx) || inner.wake.poll_take(cx) {
                    return Poll::Ready(());
                }
                if Pin::new(&mut timer).poll(cx).is_ready() {
                    this.borrow_mut().armed = None;
                    return Poll::Ready(());
                }
                Poll::Pending
            })
            .await;
        }
        this.borrow_mut().finish();
    }

    /// One turn of the driver loop: feeds the queued inputs and the time,
    /// carries out the outputs; says when to wake next.
    fn turn(&mut self) -> Turn {
        loop {
            // One input at a time, its outputs carried out before the next
            // (an input for an exchange the core just ended is not fed).
            while let Some(input) = self.inputs.pop() {
                if self.owns(&input) {
                    self.feed(input);
                }
            }
            while let Some(input) = self.local.pop_front() {
                self.feed(input);
            }
            let now = Instant::now();
            let (closed, deadline) = {
                let Driver { inner, outs, .. } = &mut *self;
                let mut state = inner.lock();
                if state.core.poll_timeout().is_some_and(|d| d <= now) {
                    state.core.handle_timeout(now);
                }
                while let Some(o) = state.core.poll_output() {
                    outs.push(o);
                }
                (state.closed, state.core.poll_timeout())
            };
            if !self.outs.is_empty() {
                self.carry_out_all();
                // Carrying out may have queued inputs or changed the core.
                continue;
            }
            let mut deadline = deadline;
            if !self.aborting.is_empty() {
                let http = &self.http;
                self.aborting
                    .retain(|a| now < a.until && a.after.iter().any(|c| http.contains_key(c)));
                if let Some(until) = self.aborting.iter().map(|a| a.until).min() {
                    deadline = Some(deadline.map_or(until, |d| d.min(until)));
                }
            }
            if closed {
                let since = *self.closed_at.get_or_insert(now);
                self.closing.retain(|t| !t.is_finished());
                let idle = self.http.is_empty()
                    && self.aborting.is_empty()
                    && self.ws.is_empty()
                    && self.closing.is_empty();
                if idle || now >= since + CLOSE_GRACE {
                    return Turn::Done;
                }
                deadline = Some(deadline.map_or(now + CLOSE_POLL, |d| d.min(now + CLOSE_POLL)));
            }
            return match deadline {
                Some(d) if self.armed.is_none_or(|a| d < a) => {
                    self.armed = Some(d);
                    Turn::Wait(Some(d))
                }
                _ => Turn::Wait(None),
            };
        }
    }

    /// The client ended: fails its waiters, drops its handlers.
    fn finish(&mut self) {
        self.inputs.close();
        // Nobody waits on a closed client any more, and its handlers go:
        // one that holds a handle would keep the shared state alive.
        let mut state = self.inner.lock();
        state.handlers = Default::default();
        for ns in state.nsps.values_mut() {
            ns.acks.clear();
            for w in ns.ready.drain(..) {
                let _ = w.try_send(Err(ReadyError::Closed));
            }
            ns.events.clear();
            ns.any.clear();
            ns.connect.clear();
            ns.connect_error.clear();
            ns.disconnect.clear();
        }
    }

    /// Feeds `input` to the core and carries out what follows.
    fn feed(&mut self, input: ClientInput) {
        tracing::trace!("client input {input:?}");
        {
            let Driver { inner, outs, .. } = self;
            let mut state = inner.lock();
            state.core.handle(Instant::now(), input);
            while let Some(o) = state.core.poll_output() {
                outs.push(o);
            }
        }
        self.carry_out_all();
    }

    /// Carries out the core's outputs taken so far, in order.
    fn carry_out_all(&mut self) {
        let mut outs = std::mem::take(&mut self.outs);
        for out in outs.drain(..) {
            tracing::trace!("client output {out:?}");
            self.carry_out(out);
        }
        if self.outs.is_empty() {
            self.outs = outs;
        }
    }

    /// True when `input` is about an exchange the driver still has (an
    /// input queued before the core aborted or closed it is dropped);
    /// forgets finished exchanges.
    fn owns(&mut self, input: &ClientInput) -> bool {
        match input {
            ClientInput::HttpResponse { conn, .. } | ClientInput::HttpFailed { conn, .. } => {
                self.http.remove(conn).is_some()
            }
            ClientInput::WsOpened { conn } => match self.ws.get_mut(conn) {
                Some(e) => {
                    e.opened = true;
                    true
                }
                None => false,
            },
            ClientInput::WsFrame { conn, .. } => self.ws.contains_key(conn),
            ClientInput::WsClosed { conn, .. } => self.ws.remove(conn).is_some(),
            _ => true,
        }
    }

    /// Does what the core asked, as the contract's docs say.
    fn carry_out(&mut self, out: ClientOutput<ClientEvent>) {
        match out {
            ClientOutput::HttpRequest { conn, req } => {
                let pool = self.pool.clone();
                let tx = self.inputs.clone();
                let task = self.ex.spawn(async move {
                    let input = match pool.send(req).await {
                        Ok((status, body)) => ClientInput::HttpResponse { conn, status, body },
                        Err(error) => ClientInput::HttpFailed { conn, error },
                    };
                    let _ = tx.send(input).await;
                });
                self.http.insert(conn, task);
            }
            ClientOutput::HttpAbort { conn } => {
                // Dropping the task drops its connection: once the
                // requests before it are answered.
                if let Some(task) = self.http.remove(&conn) {
                    let after: Vec<ConnId> = self.http.keys().copied().collect();
                    if !after.is_empty() {
                        self.aborting.push(Aborting {
                            _task: task,
                            after,
                            until: Instant::now() + ABORT_GRACE,
                        });
                    }
                }
            }
            ClientOutput::WsOpen {
                conn,
                path_and_query,
                headers,
            } => {
                let (cmds, queue) = ws::queue();
                let task = self.ex.spawn(ws::run(
                    self.dialer.clone(),
                    self.max_message,
                    conn,
                    path_and_query,
                    headers,
                    queue,
                    ToDriver {
                        inputs: self.inputs.clone(),
                        driver: self.me.clone(),
                    },
                ));
                self.ws.insert(
                    conn,
                    WsEntry {
                        cmds,
                        task,
                        opened: false,
                    },
                );
            }
            ClientOutput::WsSend { conn, frame } => {
                if let Some(e) = self.ws.get(&conn)
                    && !e.cmds.send(frame)
                {
                    // The server stopped reading: give the WebSocket up.
                    self.ws.remove(&conn);
                    self.local.push_back(ClientInput::WsClosed {
                        conn,
                        error: "websocket send queue full: the server is not reading".into(),
                    });
                }
            }
            ClientOutput::WsClose { conn, code } => {
                if let Some(e) = self.ws.remove(&conn) {
                    // One still opening is given up (its task dropped).
                    if e.opened {
                        e.cmds.close(code);
                        self.closing.retain(|t| !t.is_finished());
                        self.closing.push(e.task);
                    }
                }
            }
            ClientOutput::Event(event) => self.dispatch(event),
        }
    }

    /// Hands a core event to the application's handlers and waiters. The
    /// lock is held only to find them: handlers may call the client.
    fn dispatch(&mut self, event: ClientEvent) {
        let inner = &self.inner;
        let socket = |nsp: &str| ClientSocket::new(inner.clone(), nsp);
        match event {
            ClientEvent::Connect { nsp, id, recovered } => {
                tracing::debug!(nsp, id, recovered, "client connected");
                let handlers = {
                    let mut state = inner.lock();
                    let ns = state.nsps.entry(nsp.clone()).or_default();
                    ns.refused = None;
                    ns.recovered = recovered;
                    for w in ns.ready.drain(..) {
                        let _ = w.try_send(Ok(()));
                    }
                    ns.connect.clone()
                };
                for h in handlers {
                    guarded(|| h(socket(&nsp)));
                }
            }
            ClientEvent::ConnectError {
                nsp,
                message,
                data,
                refused,
            } => {
                let data = data.map(|d| {
                    serde_json::from_slice(&d)
                        .unwrap_or_else(|_| String::from_utf8_lossy(&d).into_owned().into())
                });
                let handlers = {
                    let mut state = inner.lock();
                    let failure = ConnectFailure {
                        message,
                        data,
                        refused,
                    };
                    tracing::debug!(nsp, "client connect error: {failure}");
                    let ns = state.nsps.entry(nsp.clone()).or_default();
                    for w in ns.ready.drain(..) {
                        let _ = w.try_send(Err(ReadyError::Connect(failure.clone())));
                    }
                    if failure.refused() {
                        ns.refused = Some(failure.clone());
                    }
                    (ns.connect_error.clone(), failure)
                };
                let (handlers, failure) = handlers;
                for h in handlers {
                    guarded(|| h(socket(&nsp), &failure));
                }
            }
            ClientEvent::Disconnect { nsp, reason } => {
                tracing::debug!(nsp, reason = reason.as_str(), "client disconnected");
                let handlers = {
                    let mut state = inner.lock();
                    state
                        .nsps
                        .entry(nsp.clone())
                        .or_default()
                        .disconnect
                        .clone()
                };
                for h in handlers {
                    guarded(|| h(socket(&nsp), reason));
                }
            }
            ClientEvent::Event {
                nsp,
                event,
                args,
                ack,
            } => {
                let handlers = {
                    let mut state = inner.lock();
                    match state.nsps.get_mut(&nsp) {
                        Some(ns) => {
                            let mut list = ns.any.clone();
                            if let Some(hs) = ns.events.get_mut(&event) {
                                list.extend(hs.iter().map(|(h, _)| h.clone()));
                                // `once` listeners go with this event.
                                hs.retain(|(_, once)| !once);
                            }
                            list
                        }
                        None => Vec::new(),
                    }
                };
                let msg = ClientMsg::new(socket(&nsp), event, args, ack);
                for h in handlers {
                    guarded(|| h(socket(&nsp), msg.clone()));
                }
            }
            ClientEvent::Ack { nsp, id, args } => settle_ack(inner, &nsp, id, Ok(args)),
            ClientEvent::AckError { nsp, id, error } => settle_ack(inner, &nsp, id, Err(error)),
            ClientEvent::ReconnectAttempt(n) => {
                tracing::debug!(n, "client reconnect attempt");
                let handlers = inner.lock().handlers.reconnect_attempt.clone();
                for h in handlers {
                    guarded(|| h(n));
                }
            }
            ClientEvent::Reconnect(n) => {
                tracing::debug!(n, "client reconnected");
                let handlers = inner.lock().handlers.reconnect.clone();
                for h in handlers {
                    guarded(|| h(n));
                }
            }
            ClientEvent::ReconnectFailed => {
                tracing::debug!("client gave up reconnecting");
                let handlers = {
                    let mut state = inner.lock();
                    state.closed = true;
                    state.handlers.reconnect_failed.clone()
                };
                for h in handlers {
                    guarded(|| h());
                }
            }
            ClientEvent::Upgrade => {
                tracing::debug!("client upgraded to websocket");
                let handlers = inner.lock().handlers.upgrade.clone();
                for h in handlers {
                    guarded(|| h());
                }
            }
            ClientEvent::ReconnectError(e) => tracing::debug!("client reconnect error: {e}"),
            ClientEvent::Close { reason } => {
                tracing::debug!(reason = reason.as_str(), "client connection closed")
            }
            other => tracing::trace!("client event {other:?}"),
        }
    }
}

/// Runs a handler; a panic in it is logged, not the end of the client.
fn guarded(f: impl FnOnce()) {
    if catch_unwind(AssertUnwindSafe(f)).is_err() {
        tracing::error!("a client handler panicked");
    }
}

/// Hands an emit's ack (or why none will come) to whoever awaits it.
fn settle_ack(
    inner: &Inner,
    nsp: &str,
    id: sio_core::client::AckId,
    outcome: Result<sio_core::socket::Args, sio_core::client::AckError>,
) {
    let waiter = inner
        .lock()
        .nsps
        .get_mut(nsp)
        .and_then(|ns| ns.acks.remove(&id));
    if let Some(waiter) = waiter {
        waiter.send(outcome);
    }
}
