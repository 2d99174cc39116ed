//! The "API server" the drivers in `tests/js/sio-api.mjs` expect (see
//! `tests/js/README.md`): the public Socket.IO API of `sio-smol`
//! (listeners, `on_any`, packet middleware, socket lookup, operators,
//! volatile emits, dynamic namespaces) behind events.

use serde_json::{Value, json};
use sio_smol::Mux;
use sio_smol::io::{Namespace, Socket, SocketIo};
use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

/// The router with the API server at `/socket.io/` (the feature server's
/// options: see [`crate::feature_server::config`]).
pub fn mux() -> Mux {
    let io = SocketIo::new(crate::feature_server::config());
    main_namespace(&io);
    dynamic_namespace(&io);
    Mux::new().mount(&io)
}

/// Names seen by a socket's `on_any` / `on_any_outgoing` listeners.
type NameLog = Rc<RefCell<Vec<String>>>;

fn main_namespace(io: &SocketIo) {
    let main = io.of("/");
    let io2 = io.clone();
    main.on_connection(move |socket| {
        let outgoing = NameLog::default();
        let log = outgoing.clone();
        socket.on_any_outgoing(move |_, event, _| log.borrow_mut().push(event.to_owned()));
        let _ = socket.emit("welcome", &json!({ "id": socket.id().to_string() }));
        listeners(&socket);
        any_and_middleware(&socket, outgoing);
        operators(&io2, &socket);
    });
    // A second connection listener: both run, in order.
    main.on_connection(|socket| {
        let _ = socket.emit("second-listener", &true);
    });
}

/// `multi` has two listeners (both emit, the first ack counts), `one-shot`
/// one `once` listener, `off` (event) removes an event's listeners,
/// `message` is answered with `send`.
fn listeners(socket: &Socket) {
    socket.on("multi", |socket, msg| {
        let _ = socket.emit("multi-1", &msg.data::<Value>().unwrap_or_default());
        let _ = msg.ack(&"first");
    });
    socket.on("multi", |socket, msg| {
        let _ = socket.emit("multi-2", &msg.data::<Value>().unwrap_or_default());
        let _ = msg.ack(&"second");
    });
    socket.once("one-shot", |socket, msg| {
        let _ = socket.emit("once-got", &msg.data::<Value>().unwrap_or_default());
    });
    socket.on("off", |socket, msg| {
        if let Ok(event) = msg.data::<String>() {
            socket.off(&event);
        }
        let _ = msg.ack(&true);
    });
    socket.on("message", |socket, msg| {
        let text: String = msg.data().unwrap_or_default();
        let _ = socket.send(&format!("echo: {text}"));
    });
    socket.on("volatile", |socket, _| {
        let _ = socket.volatile().emit("v-socket", &1);
        let io_all = socket.namespace().operator().volatile();
        let _ = io_all.emit("v-all", &2);
        let _ = socket.emit("after", &3);
    });
}

/// `on_any` logs incoming event names (`any-log` acks them),
/// `on_any_outgoing` the outgoing ones (`outgoing-log`); packet middleware
/// refuses events whose name starts with `forbidden`, and the socket's
/// error listener emits `error-seen` with the refusal.
fn any_and_middleware(socket: &Socket, outgoing: NameLog) {
    let incoming = NameLog::default();
    let log = incoming.clone();
    socket.on_any(move |_, msg| log.borrow_mut().push(msg.event().to_owned()));
    socket.on("any-log", move |_, msg| {
        let _ = msg.ack(&*incoming.borrow());
    });
    socket.on("outgoing-log", move |_, msg| {
        let _ = msg.ack(&*outgoing.borrow());
    });
    socket.use_packet(|_, msg| {
        if msg.event().starts_with("forbidden") {
            Err(format!("forbidden: {}", msg.event()))
        } else {
            Ok(())
        }
    });
    socket.on_error(|socket, err| {
        let _ = socket.emit("error-seen", err);
    });
    socket.on("forbidden-event", |_, msg| {
        // Never called: the middleware refuses it.
        let _ = msg.ack(&"passed the middleware");
    });
}

/// `poke` (id, text) finds a socket with `io.socket(id)`; `join`, `leave`,
/// `rooms` as the feature server's;
/// `fetch` (room) acks the ids `io.to(room).fetch_sockets()` finds;
/// `sockets-join` / `sockets-leave` (room, other) and `disconnect-room`
/// (room) act on a room's members.
fn operators(io: &SocketIo, socket: &Socket) {
    let io1 = io.clone();
    socket.on("poke", move |_, msg| {
        let Ok((id, text)) = msg.args::<(String, String)>() else {
            return;
        };
        let found = sio_core::Sid::parse(&id).and_then(|id| io1.socket(id));
        if let Some(target) = &found {
            let _ = target.emit("poked", &text);
        }
        let _ = msg.ack(&found.is_some());
    });
    crate::feature_server::room_events(socket);
    let io2 = io.clone();
    socket.on("fetch", move |_, msg| {
        let room: String = msg.data().unwrap_or_default();
        let op = io2.to(room);
        io2.spawn(async move {
            let found = op.fetch_sockets().await.unwrap_or_default();
            let mut ids: Vec<&str> = found.iter().map(|s| s.id()).collect();
            ids.sort_unstable();
            let _ = msg.ack(&ids);
        });
    });
    let io3 = io.clone();
    socket.on("sockets-join", move |_, msg| {
        if let Ok((room, other)) = msg.args::<(String, String)>() {
            io3.to(room).sockets_join(&other);
        }
        let _ = msg.ack(&true);
    });
    let io4 = io.clone();
    socket.on("sockets-leave", move |_, msg| {
        if let Ok((room, other)) = msg.args::<(String, String)>() {
            io4.to(room).sockets_leave(&other);
        }
        let _ = msg.ack(&true);
    });
    let io5 = io.clone();
    socket.on("disconnect-room", move |_, msg| {
        let room: String = msg.data().unwrap_or_default();
        let _ = msg.ack(&true);
        io5.to(room).disconnect_sockets(false);
    });
}

/// The ids of `sockets`, sorted.
/// `/^\/dyn-\d+$/`: `hello` (the child's name) on connection; the room
/// events;
/// `nsp-emit` (event, data) broadcasts in the socket's own child,
/// `parent-emit` (event, data) in every child, `parent-to` (room, event,
/// data) to a room of every child, `of-emit` (nsp, event, data) through
/// `io.of(nsp)`; `parent-count` and `children` ack the parent's sockets
/// and children; `parent-ask` (ms) asks every socket of every child with
/// an ack; `adopt` (nsp) gives `io.of(nsp)` a connection listener of its
/// own (`adopted`).
fn dynamic_namespace(io: &SocketIo) {
    let parent = io.of_dynamic(|name| {
        name.strip_prefix("/dyn-")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    });
    let (io, p) = (io.clone(), parent.clone());
    parent.on_connection(move |socket| {
        let _ = socket.emit("hello", socket.nsp());
        crate::feature_server::room_events(&socket);
        socket.on("nsp-emit", |socket, msg| {
            if let (Ok((event, _)), Some(data)) = (msg.args::<(String, Value)>(), msg.arg_raw(1)) {
                socket.namespace().operator().emit_raw(&event, &data);
            }
        });
        dynamic_parent_events(&io, &p, &socket);
    });
}

fn dynamic_parent_events(io: &SocketIo, parent: &Namespace, socket: &Socket) {
    let p = parent.clone();
    socket.on("parent-emit", move |_, msg| {
        if let (Ok((event, _)), Some(data)) = (msg.args::<(String, Value)>(), msg.arg_raw(1)) {
            p.operator().emit_raw(&event, &data);
        }
    });
    let p = parent.clone();
    socket.on("parent-to", move |_, msg| {
        if let (Ok((room, event, _)), Some(data)) =
            (msg.args::<(String, String, Value)>(), msg.arg_raw(2))
        {
            p.to(room).emit_raw(&event, &data);
        }
    });
    let io1 = io.clone();
    socket.on("of-emit", move |_, msg| {
        if let (Ok((nsp, event, _)), Some(data)) =
            (msg.args::<(String, String, Value)>(), msg.arg_raw(2))
        {
            io1.of(&nsp).operator().emit_raw(&event, &data);
        }
    });
    let p = parent.clone();
    socket.on("parent-count", move |_, msg| {
        let _ = msg.ack(&p.sockets().len());
    });
    let p = parent.clone();
    socket.on("children", move |_, msg| {
        let _ = msg.ack(&p.children());
    });
    let (p, io2) = (parent.clone(), io.clone());
    socket.on("parent-ask", move |_, msg| {
        let ms: u64 = msg.data().unwrap_or(500);
        let op = p.operator().timeout(Duration::from_millis(ms));
        io2.spawn(async move {
            let out = match op.emit_with_ack("ask", "parent").await {
                Ok(r) => {
                    let mut replies: Vec<String> = r
                        .replies
                        .iter()
                        .filter_map(|(_, args)| sio_smol::io::first_arg(args).ok())
                        .collect();
                    replies.sort();
                    json!({ "timedOut": r.timed_out, "replies": replies })
                }
                Err(e) => json!({ "error": e.to_string() }),
            };
            let _ = msg.ack(&out);
        });
    });
    let io3 = io.clone();
    socket.on("adopt", move |_, msg| {
        let nsp: String = msg.data().unwrap_or_default();
        let name = nsp.clone();
        io3.of(&nsp).on_connection(move |socket| {
            let _ = socket.emit("adopted", &name);
        });
        let _ = msg.ack(&true);
    });
}
