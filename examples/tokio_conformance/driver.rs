//! The run loop of one core (the Engine.IO echo or the Socket.IO server):
//! feeds it inputs with the time, carries out every output, and sleeps
//! until its next deadline on a task of its own.

use crate::ws::WsQueue;
use sio_core::http::HttpResponse;
use sio_core::{ConnId, Input, Output, Protocol};
use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;
use std::time::Instant;
use tokio::sync::{Notify, mpsc};

/// What the core asks of one HTTP exchange, sent to the task serving it.
pub enum Step {
    /// Read the body, up to this many bytes.
    ReadBody(usize),
    /// Answer with this response.
    Respond(HttpResponse),
    /// Complete the WebSocket upgrade with these extra headers; read
    /// messages up to `max_message` bytes; frames for it go to `queue`.
    Accept {
        headers: Vec<(&'static str, Cow<'static, str>)>,
        max_message: usize,
        queue: Rc<WsQueue>,
    },
}

/// Where the outputs for one connection id go.
enum Sink {
    /// An HTTP exchange waiting for the core.
    Http(mpsc::UnboundedSender<Step>),
    /// An accepted WebSocket.
    Ws(Rc<WsQueue>),
}

/// One core, the connections it knows, and its timer.
pub struct Driver<P: Protocol> {
    core: RefCell<P>,
    /// The application: called with each event, and the core to act on.
    on_event: fn(&mut P, P::Event),
    sinks: RefCell<HashMap<ConnId, Sink>>,
    next_conn: Cell<u64>,
    /// The deadline the timer task sleeps until.
    armed: Cell<Option<Instant>>,
    /// Wakes the timer task when a deadline came earlier.
    rearm: Notify,
}

impl<P: Protocol + 'static> Driver<P> {
    /// Drives `core`, handing its events to `on_event`; starts its timer
    /// task (on the current `LocalSet`).
    pub fn start(core: P, on_event: fn(&mut P, P::Event)) -> Rc<Driver<P>> {
        let driver = Rc::new(Driver {
            core: RefCell::new(core),
            on_event,
            sinks: RefCell::default(),
            next_conn: Cell::new(0),
            armed: Cell::new(None),
            rearm: Notify::new(),
        });
        tokio::task::spawn_local(timer(driver.clone()));
        driver
    }

    /// True when a request for `path` is this core's.
    pub fn matches_path(&self, path: &str) -> bool {
        self.core.borrow().matches_path(path)
    }

    /// A new exchange: its id (never reused) and where its steps arrive.
    pub fn open(&self) -> (ConnId, mpsc::UnboundedReceiver<Step>) {
        let conn = ConnId(self.next_conn.get() + 1);
        self.next_conn.set(conn.0);
        let (tx, rx) = mpsc::unbounded_channel();
        self.sinks.borrow_mut().insert(conn, Sink::Http(tx));
        (conn, rx)
    }

    /// Tells the core that `conn` ended, unless the core ended it (and
    /// forgot it) already.
    pub fn closed(&self, conn: ConnId) {
        if self.sinks.borrow_mut().remove(&conn).is_some() {
            self.handle(Input::ConnClosed { conn });
        }
    }

    /// Feeds one input at the current time and carries out the outputs.
    pub fn handle(&self, input: Input) {
        self.core.borrow_mut().handle(Instant::now(), input);
        self.drain();
    }

    /// Carries out every output, in order; then moves the timer if the
    /// next deadline came earlier.
    fn drain(&self) {
        let mut core = self.core.borrow_mut();
        while let Some(out) = core.poll_output() {
            match out {
                Output::HttpResponse { conn, res } => {
                    if let Some(Sink::Http(tx)) = self.sinks.borrow_mut().remove(&conn) {
                        // The exchange's task may be gone: nobody to answer.
                        let _ = tx.send(Step::Respond(res));
                    }
                }
                Output::ReadBody { conn, limit } => {
                    if let Some(Sink::Http(tx)) = self.sinks.borrow().get(&conn) {
                        let _ = tx.send(Step::ReadBody(limit));
                    }
                }
                Output::WsAccept {
                    conn,
                    headers,
                    max_message,
                    max_queued_bytes,
                    // permessage-deflate is not implemented by this
                    // adapter: its config leaves `per_message_deflate`
                    // off (the default), so this is always `None`.
                    deflate: _,
                } => {
                    let mut sinks = self.sinks.borrow_mut();
                    if let Some(Sink::Http(tx)) = sinks.remove(&conn) {
                        let queue = WsQueue::new(max_queued_bytes);
                        sinks.insert(conn, Sink::Ws(queue.clone()));
                        let _ = tx.send(Step::Accept {
                            headers,
                            max_message,
                            queue,
                        });
                    }
                }
                Output::WsFlushMark { conn, mark } => {
                    let written = match self.sinks.borrow().get(&conn) {
                        Some(Sink::Ws(queue)) => queue.mark(mark),
                        _ => false, // gone: the core answers at its close
                    };
                    if written {
                        core.handle(Instant::now(), Input::WsFlushed { conn, mark });
                    }
                }
                Output::WsSend { conn, frame } => {
                    if let Some(msg) = crate::ws::message(frame) {
                        self.push(&mut core, conn, msg);
                    }
                }
                Output::WsSendMany { conns, frame } => {
                    if let Some(msg) = crate::ws::message(frame) {
                        for conn in conns {
                            self.push(&mut core, conn, msg.clone());
                        }
                    }
                }
                Output::WsClose { conn, code } => {
                    if let Some(Sink::Ws(queue)) = self.sinks.borrow_mut().remove(&conn) {
                        queue.close(code);
                    }
                }
                // This adapter serves one process: its cores are never
                // configured as cluster members, so no bus work comes.
                Output::Bus(command) => {
                    eprintln!("tokio adapter: no cluster bus for {command:?}");
                }
                Output::Event(event) => (self.on_event)(&mut core, event),
            }
        }
        let next = core.poll_timeout();
        if next.is_some_and(|n| self.armed.get().is_none_or(|a| n < a)) {
            self.armed.set(next);
            self.rearm.notify_one();
        }
    }

    /// Queues `msg` on WebSocket `conn`; over the queue's bound the peer
    /// does not read: the connection is dropped and the core told.
    fn push(&self, core: &mut P, conn: ConnId, msg: tokio_tungstenite::tungstenite::Message) {
        let mut sinks = self.sinks.borrow_mut();
        let Some(Sink::Ws(queue)) = sinks.get(&conn) else {
            return;
        };
        if !queue.push(msg) {
            queue.abort();
            sinks.remove(&conn);
            drop(sinks);
            core.handle(Instant::now(), Input::SendQueueFull { conn });
        }
    }

    /// Runs the core's timers.
    fn timeout(&self) {
        self.core.borrow_mut().handle_timeout(Instant::now());
        self.drain();
    }
}

/// Sleeps until the core's next deadline and runs its timers; starts over
/// when an input made the deadline earlier.
async fn timer<P: Protocol + 'static>(driver: Rc<Driver<P>>) {
    loop {
        let deadline = driver.core.borrow().poll_timeout();
        driver.armed.set(deadline);
        let rearmed = driver.rearm.notified();
        match deadline {
            Some(at) => tokio::select! {
                () = tokio::time::sleep_until(at.into()) => driver.timeout(),
                () = rearmed => {}
            },
            None => rearmed.await,
        }
    }
}
