//! The "feature server" the Socket.IO drivers in `tests/js/sio.mjs` expect
//! (see `tests/js/README.md`): every server feature behind an event.

use serde_json::{Value, json};
use sio_core::engine::{CorsConfig, EngineConfig};
use sio_core::socket::{Args, ServerConfig};
use sio_smol::Mux;
use sio_smol::io::{ConnectError, Namespace, Socket, SocketIo};
use std::time::Duration;

/// The server's options: pings every 300 ms (so heartbeats run during every
/// scenario) with a lenient 5 s ping timeout (tests run many clients at once
/// on 2 cores, and a busy Node event loop must not read as a dead peer),
/// connect timeout 1 s, 1 MB payloads, CORS for any origin.
pub fn config() -> ServerConfig {
    ServerConfig {
        engine: EngineConfig {
            ping_interval: Duration::from_millis(300),
            ping_timeout: Duration::from_millis(5000),
            max_payload: 1_000_000,
            cors: Some(CorsConfig::any()),
            ..EngineConfig::default()
        },
        connect_timeout: Duration::from_millis(1000),
        ..ServerConfig::default()
    }
}

/// The router with the feature server at `/socket.io/`.
pub fn mux() -> Mux {
    mux_with(config())
}

/// [`mux`] with other options (e.g. [`config`] with `allow_eio3`, or
/// with another parser).
pub fn mux_with(config: ServerConfig) -> Mux {
    let io = SocketIo::new(config);
    main_namespace(&io);
    let custom = io.of("/custom");
    custom.on_connection(|socket| {
        let _ = socket.emit("hello", socket.nsp());
        socket.on("echo", |_, msg| msg.ack_raw(msg.raw().clone()));
    });
    let admin = io.of("/admin");
    require_token(&admin);
    admin.on_connection(|socket| {
        let _ = socket.emit("hello", "/admin");
    });
    let dynamic = io.of_dynamic(|name| {
        name.strip_prefix("/dyn-")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    });
    dynamic.on_connection(|socket| {
        let _ = socket.emit("hello", socket.nsp());
    });
    Mux::new().mount(&io)
}

fn main_namespace(io: &SocketIo) {
    let io2 = io.clone();
    io.on_connection(move |socket| {
        let auth: Value = socket.auth().unwrap_or(json!({}));
        let _ = socket.emit(
            "welcome",
            &json!({ "id": socket.id().to_string(), "auth": auth }),
        );
        socket.on("handshake", |socket, msg| {
            let _ = msg.ack(&json!({
                "query": socket.handshake_query("tag"),
                "ua": socket.handshake_header("user-agent"),
            }));
        });
        socket.on("echo", |_, msg| msg.ack_raw(msg.raw().clone()));
        socket.on("echo-event", |socket, msg| {
            socket.emit_raw("echo-event", msg.raw())
        });
        room_events(&socket);
        let io = io2.clone();
        socket.on("to-room", move |_, msg| {
            if let (Ok((room, event, _)), Some(data)) =
                (msg.args::<(String, String, Value)>(), msg.arg_raw(2))
            {
                io.to(room).emit_raw(&event, &data);
            }
        });
        let io = io2.clone();
        socket.on("to-room-except", move |_, msg| {
            if let (Ok((room, except, event, _)), Some(data)) = (
                msg.args::<(String, String, String, Value)>(),
                msg.arg_raw(3),
            ) {
                io.to(room).except(except).emit_raw(&event, &data);
            }
        });
        socket.on("broadcast", |socket, msg| {
            if let (Ok((event, _)), Some(data)) = (msg.args::<(String, Value)>(), msg.arg_raw(1)) {
                socket.broadcast().emit_raw(&event, &data);
            }
        });
        let io = io2.clone();
        socket.on("ask-me", move |socket, msg| ask_me(&io, socket, msg));
        let io = io2.clone();
        socket.on("ask-room", move |_, msg| {
            let Ok((room, ms)) = msg.args::<(String, u64)>() else {
                return;
            };
            let op = io.to(room).timeout(Duration::from_millis(ms));
            io.spawn(async move {
                let out = match op.emit_with_ack("ask", "room").await {
                    Ok(r) => {
                        let mut replies: Vec<Value> = r
                            .replies
                            .iter()
                            .filter_map(|(_, args)| sio_smol::io::first_arg(args).ok())
                            .collect();
                        replies.sort_by_key(|v| v.to_string());
                        json!({ "timedOut": r.timed_out, "replies": replies })
                    }
                    Err(e) => json!({ "error": e.to_string() }),
                };
                let _ = msg.ack(&out);
            });
        });
        socket.on("disconnect-me", |socket, _| socket.disconnect());
        socket.on("drop-transport", |socket, _| socket.close_transport());
        let io = io2.clone();
        socket.on("count", move |_, msg| {
            let _ = msg.ack(&io.sockets().len());
        });
    });
}

/// `join` / `leave` (room) join or leave it and ack `true`; `rooms` acks
/// the socket's rooms, sorted (its own id included).
pub fn room_events(socket: &Socket) {
    socket.on("join", |socket, msg| {
        if let Ok(room) = msg.data::<String>() {
            socket.join(&room);
        }
        let _ = msg.ack(&true);
    });
    socket.on("leave", |socket, msg| {
        if let Ok(room) = msg.data::<String>() {
            socket.leave(&room);
        }
        let _ = msg.ack(&true);
    });
    socket.on("rooms", |socket, msg| {
        let mut rooms = socket.rooms();
        rooms.sort();
        let _ = msg.ack(&rooms);
    });
}

/// `ask-me` (data, timeoutMs): asks the client back with an ack and
/// reports its answer, or `{error: "timeout"}`.
fn ask_me(io: &SocketIo, socket: &Socket, msg: sio_smol::io::Msg) {
    let (Ok((_, ms)), Some(data)) = (msg.args::<(Value, u64)>(), msg.arg_raw(0)) else {
        return;
    };
    let socket = socket.clone();
    io.spawn(async move {
        let answer = socket
            .timeout(Duration::from_millis(ms))
            .emit_raw_with_ack("ask", &data)
            .await;
        match answer {
            // `{"reply": <first answer argument>}`, binary included.
            Ok(reply) => {
                let list: Vec<&serde_json::value::RawValue> =
                    serde_json::from_slice(&reply.json).unwrap_or_default();
                let first = list.first().map_or("null", |r| r.get());
                msg.ack_raw(Args {
                    json: format!(r#"[{{"reply":{first}}}]"#).into(),
                    attachments: reply.attachments.clone(),
                });
            }
            Err(_) => {
                let _ = msg.ack(&json!({ "error": "timeout" }));
            }
        }
    });
}

/// Connect middleware that lets in only a CONNECT whose auth has
/// `"token":"secret"`, refusing the others with `unauthorized` and the
/// data `{"reason":"bad token"}` (the tests' `/admin`).
pub fn require_token(nsp: &Namespace) {
    nsp.use_middleware(|req| async move {
        let auth: Value = req.auth().unwrap_or(Value::Null);
        if auth["token"] == "secret" {
            Ok(())
        } else {
            Err(ConnectError::new("unauthorized").with_data(json!({ "reason": "bad token" })))
        }
    });
}
