//! The driver: owns a sans-IO core (the bare `Engine` or the Socket.IO
//! `SioServer`: any [`Protocol`]) on the local thread, feeds it inputs and the time, and
//! dispatches its outputs to the HTTP exchanges and WebSocket tasks waiting
//! for them, and its events to the application.

use crate::exchange::{Exchange, ExchangeState};
use crate::ws_queue::{FrameConverter, WsConn};
use async_tungstenite::tungstenite::Message;
use sio_core::fast_hash::FastMap;
use sio_core::{ConnId, Input, Output, Protocol};
use smol::{LocalExecutor, Timer};
use std::cell::{Cell, RefCell};
use std::future::poll_fn;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Poll, Waker};
use std::time::Instant;

/// Where outputs for a connection id go.
pub(crate) enum Sink {
    /// An HTTP exchange waiting for its response (or a body request).
    Http(Rc<Exchange>),
    /// An accepted WebSocket.
    Ws(Rc<WsConn>),
}

/// What the driver needs of a sans-IO core: the contract's [`Protocol`],
/// owned by the driver for the program's life.
pub(crate) trait Core: Protocol + 'static {}

impl<T: Protocol + 'static> Core for T {}

/// Receives the core's application events.
pub(crate) type EventHandler<C> = Box<dyn Fn(&Rc<Driver<C>>, <C as Protocol>::Event)>;

/// Shared state of one mounted core.
pub(crate) struct Driver<C: Core> {
    engine: RefCell<C>,
    sinks: RefCell<FastMap<ConnId, Sink>>,
    next_conn: Cell<u64>,
    driving: Cell<bool>,
    /// The deadline the timer task sleeps until.
    timer_target: Cell<Option<Instant>>,
    timer_reset: Cell<bool>,
    timer_waker: Cell<Option<Waker>>,
    on_event: RefCell<Option<EventHandler<C>>>,
    executor: RefCell<Option<Rc<LocalExecutor<'static>>>>,
    /// Tasks spawned before the server started, run when it does.
    early_tasks: RefCell<Vec<std::pin::Pin<Box<dyn std::future::Future<Output = ()>>>>>,
    /// Validates text frames once per broadcast.
    frames: FrameConverter,
    /// WebSocket tasks running (a shutdown waits for them).
    open_websockets: Rc<Cell<usize>>,
    /// Where the core's cluster work goes (a cluster member only).
    bus: RefCell<Option<BusSink>>,
}

/// Carries out the core's cluster work ([`Output::Bus`]).
pub(crate) type BusSink = Box<dyn Fn(sio_core::bus::BusCommand)>;

impl<C: Core> Driver<C> {
    /// A driver for `engine`.
    pub(crate) fn new(engine: C) -> Rc<Driver<C>> {
        Rc::new(Driver {
            engine: RefCell::new(engine),
            sinks: RefCell::new(FastMap::default()),
            next_conn: Cell::new(0),
            driving: Cell::new(false),
            timer_target: Cell::new(None),
            timer_reset: Cell::new(false),
            timer_waker: Cell::new(None),
            on_event: RefCell::new(None),
            executor: RefCell::new(None),
            early_tasks: RefCell::new(Vec::new()),
            frames: FrameConverter::default(),
            open_websockets: Rc::default(),
            bus: RefCell::new(None),
        })
    }

    /// Sets where the core's cluster work goes.
    pub(crate) fn set_bus(&self, sink: BusSink) {
        *self.bus.borrow_mut() = Some(sink);
    }

    /// Sets the application's event handler.
    pub(crate) fn set_event_handler(&self, handler: EventHandler<C>) {
        *self.on_event.borrow_mut() = Some(handler);
    }

    /// Runs `f` on the engine, then drains its outputs.
    pub(crate) fn with_engine<R>(self: &Rc<Self>, f: impl FnOnce(&mut C) -> R) -> R {
        let r = f(&mut self.engine.borrow_mut());
        self.drive();
        r
    }

    /// Runs `f` on the engine, then `then` with its result (e.g. to register
    /// a waiter for an event the drain may produce), then drains.
    pub(crate) fn with_engine_then<R>(
        self: &Rc<Self>,
        f: impl FnOnce(&mut C) -> R,
        then: impl FnOnce(&R),
    ) -> R {
        let r = f(&mut self.engine.borrow_mut());
        then(&r);
        self.drive();
        r
    }

    /// Reads the engine without changing it.
    pub(crate) fn engine(&self) -> std::cell::Ref<'_, C> {
        self.engine.borrow()
    }

    /// Feeds one input at the current time and drains the outputs.
    pub(crate) fn handle(self: &Rc<Self>, input: Input) {
        self.with_engine(|e| e.handle(Instant::now(), input));
    }

    /// A fresh connection id.
    pub(crate) fn new_conn(&self) -> ConnId {
        let id = self.next_conn.get() + 1;
        self.next_conn.set(id);
        ConnId(id)
    }

    /// Registers where outputs for `conn` go.
    pub(crate) fn register(&self, conn: ConnId, sink: Sink) {
        self.sinks.borrow_mut().insert(conn, sink);
    }

    /// Forgets `conn`; true if it was registered.
    pub(crate) fn unregister(&self, conn: ConnId) -> bool {
        self.sinks.borrow_mut().remove(&conn).is_some()
    }

    /// Drains the engine's outputs; re-entrant calls return at once (the
    /// outer call drains what they added).
    pub(crate) fn drive(self: &Rc<Self>) {
        if self.driving.replace(true) {
            return;
        }
        loop {
            let out = self.engine.borrow_mut().poll_output();
            match out {
                None => break,
                Some(Output::Event(ev)) => {
                    let handler = self.on_event.borrow_mut().take();
                    if let Some(h) = handler {
                        h(self, ev);
                        let mut slot = self.on_event.borrow_mut();
                        if slot.is_none() {
                            *slot = Some(h);
                        }
                    }
                }
                Some(out) => self.dispatch(out),
            }
        }
        self.driving.set(false);
        self.rearm_timer();
    }

    /// Carries out one transport output (events go to the handler).
    fn dispatch(self: &Rc<Self>, out: Output<C::Event>) {
        match out {
            Output::HttpResponse { conn, res } => {
                let sink = self.sinks.borrow_mut().remove(&conn);
                if let Some(Sink::Http(ex)) = sink {
                    ex.set(ExchangeState::Response(res));
                }
            }
            Output::ReadBody { conn, limit } => {
                if let Some(Sink::Http(ex)) = self.sinks.borrow().get(&conn) {
                    ex.set(ExchangeState::ReadBody(limit));
                }
            }
            Output::WsAccept {
                conn,
                headers,
                max_message,
                max_queued_bytes,
                deflate,
            } => {
                let mut sinks = self.sinks.borrow_mut();
                if let Some(Sink::Http(ex)) = sinks.get(&conn) {
                    let ws = Rc::new(WsConn::new(max_queued_bytes, deflate));
                    ex.set(ExchangeState::WsAccept {
                        headers,
                        max_message,
                        ws: ws.clone(),
                    });
                    sinks.insert(conn, Sink::Ws(ws));
                }
            }
            Output::WsFlushMark { conn, mark } => {
                let now = match self.sinks.borrow().get(&conn) {
                    Some(Sink::Ws(ws)) => ws.mark(mark),
                    _ => false, // gone: the core answers at its close
                };
                if now {
                    self.engine
                        .borrow_mut()
                        .handle(Instant::now(), Input::WsFlushed { conn, mark });
                }
            }
            Output::WsSend { conn, frame } => {
                if let Some(msg) = self.frames.convert(frame) {
                    self.push_ws(conn, msg);
                }
            }
            Output::WsSendMany { conns, frame } => {
                // Converted (and its UTF-8 checked) once for all recipients.
                if let Some(msg) = self.frames.convert(frame) {
                    for conn in conns {
                        self.push_ws(conn, msg.clone());
                    }
                }
            }
            Output::WsClose { conn, code } => {
                if let Some(Sink::Ws(ws)) = self.sinks.borrow_mut().remove(&conn) {
                    ws.close(code);
                }
            }
            Output::Bus(command) => {
                let bus = self.bus.borrow();
                match bus.as_ref() {
                    Some(bus) => bus(command),
                    // A cluster member's core without a bus: a setup bug.
                    None => tracing::error!(?command, "cluster output without a bus"),
                }
            }
            // Taken by `drive` before it gets here.
            Output::Event(_) => {}
        }
    }

    /// Queues `msg` on WebSocket `conn`. When its queue is full the peer does
    /// not read fast enough: the connection is dropped rather than buffer
    /// without bound (the session closes).
    fn push_ws(&self, conn: ConnId, msg: Message) {
        let overflow = match self.sinks.borrow().get(&conn) {
            Some(Sink::Ws(ws)) => !ws.push(msg),
            _ => false,
        };
        if overflow {
            tracing::debug!(?conn, "websocket send queue full, closing");
            if let Some(Sink::Ws(ws)) = self.sinks.borrow_mut().remove(&conn) {
                ws.abort(1008);
            }
            self.engine
                .borrow_mut()
                .handle(Instant::now(), Input::SendQueueFull { conn });
        }
    }

    /// Wakes the timer task if the engine's next deadline moved earlier.
    fn rearm_timer(&self) {
        let next = self.engine.borrow().poll_timeout();
        let earlier = match (next, self.timer_target.get()) {
            (Some(n), Some(t)) => n < t,
            (Some(_), None) => true,
            _ => false,
        };
        if earlier {
            self.timer_target.set(next);
            self.timer_reset.set(true);
            if let Some(w) = self.timer_waker.take() {
                w.wake();
            }
        }
    }

    /// WebSocket tasks still running.
    pub(crate) fn open_websockets(&self) -> usize {
        self.open_websockets.get()
    }

    /// Counts a WebSocket task while the returned value lives.
    pub(crate) fn websocket_task(&self) -> WsTask {
        let count = self.open_websockets.clone();
        count.set(count.get() + 1);
        WsTask(count)
    }

    /// Starts the driver's background work (the timer) on `ex`.
    pub(crate) fn start(self: &Rc<Self>, ex: &Rc<LocalExecutor<'static>>)
    where
        C: Core,
    {
        *self.executor.borrow_mut() = Some(ex.clone());
        ex.spawn(timer_loop(self.clone())).detach();
        for task in self.early_tasks.take() {
            ex.spawn(task).detach();
        }
    }

    /// Spawns a task on the executor the driver was started on (or, before
    /// the server starts, when it does).
    pub(crate) fn spawn(&self, fut: impl std::future::Future<Output = ()> + 'static) {
        match self.executor.borrow().as_ref() {
            Some(ex) => ex.spawn(fut).detach(),
            None => self.early_tasks.borrow_mut().push(Box::pin(fut)),
        }
    }
}

/// One running WebSocket task, counted by its driver while this lives.
pub(crate) struct WsTask(Rc<Cell<usize>>);

impl Drop for WsTask {
    fn drop(&mut self) {
        self.0.set(self.0.get().saturating_sub(1));
    }
}

/// Sleeps until the engine's next deadline, runs its timers, repeats.
async fn timer_loop<C: Core>(driver: Rc<Driver<C>>) {
    let mut timer = Timer::never();
    loop {
        let target = driver.engine.borrow().poll_timeout();
        driver.timer_target.set(target);
        match target {
            Some(t) => timer.set_at(t),
            None => timer = Timer::never(),
        }
        let fired = poll_fn(|cx| {
            if driver.timer_reset.replace(false) {
                return Poll::Ready(false);
            }
            driver.timer_waker.set(Some(cx.waker().clone()));
            match Pin::new(&mut timer).poll(cx) {
                Poll::Ready(_) => Poll::Ready(true),
                Poll::Pending => Poll::Pending,
            }
        })
        .await;
        if fired {
            driver.with_engine(|e| e.handle_timeout(Instant::now()));
        }
    }
}

use std::future::Future as _;
