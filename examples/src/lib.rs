//! Shared pieces of the examples, so tests can start the very same servers
//! on an ephemeral port.

use sio_core::engine::{CorsConfig, EngineConfig};
use sio_core::socket::{Args, ServerConfig};
use sio_smol::io::{Socket, SocketIo};
use sio_smol::{EngineServer, Mux};
use std::time::Duration;

/// The TCP port from the `PORT` environment variable, or `default`.
pub fn port_from_env(default: u16) -> u16 {
    std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(default)
}

/// Logs to stderr, filtered by `RUST_LOG` (default: `info`: one line per
/// connection and disconnection, nothing per message).
pub fn init_logging() {
    sio_smol::init_logging("info");
}

/// The engine options of the conformance server at `path`: ping interval
/// 300 ms, ping timeout 200 ms, max payload 1 000 000, CORS for any origin.
pub fn conformance_config(path: &str) -> EngineConfig {
    EngineConfig {
        path: path.into(),
        ping_interval: Duration::from_millis(300),
        ping_timeout: Duration::from_millis(200),
        max_payload: 1_000_000,
        cors: Some(CorsConfig::any()),
        ..EngineConfig::default()
    }
}

/// An Engine.IO server at `config.path` that echoes every message back.
pub fn echo_engine(config: EngineConfig) -> EngineServer {
    let engine = EngineServer::new(config);
    engine.on_connection(|socket| {
        socket.on_message(|socket, msg| {
            let _ = socket.send(msg);
        });
    });
    engine
}

/// The arguments `[<auth>]`: the socket's CONNECT payload as one argument.
pub fn auth_args(socket: &Socket) -> Args {
    let auth = socket.auth_raw();
    let mut json = Vec::with_capacity(auth.len() + 2);
    json.push(b'[');
    json.extend_from_slice(&auth);
    json.push(b']');
    Args::from_json(json)
}

/// The conformance Socket.IO server at `/socket.io/`: on `/` and `/custom`
/// every new socket gets `auth` with its CONNECT payload; on `/`,
/// `message` is echoed as `message-back` (binary included) and
/// `message-with-ack` is acknowledged with its own arguments. Connect
/// timeout 1000 ms.
pub fn conformance_io() -> SocketIo {
    let io = SocketIo::new(ServerConfig {
        engine: conformance_config("/socket.io/"),
        connect_timeout: Duration::from_millis(1000),
        ..ServerConfig::default()
    });
    io.of("/").on_connection(|socket| {
        socket.emit_raw("auth", &auth_args(&socket));
        socket.on("message", |socket, msg| {
            socket.emit_raw("message-back", msg.raw())
        });
        socket.on("message-with-ack", |_, msg| msg.ack_raw(msg.raw().clone()));
    });
    io.of("/custom").on_connection(|socket| {
        socket.emit_raw("auth", &auth_args(&socket));
    });
    io
}

/// The conformance server's router: `/engine.io/` echoes every message;
/// `/socket.io/` is [`conformance_io`].
pub fn conformance_mux() -> Mux {
    Mux::new()
        .mount(&echo_engine(conformance_config("/engine.io/")))
        .mount(&conformance_io())
}

/// The bench server (`bench/README.md`'s contract): Socket.IO at
/// `/socket.io/` with default options; on `/`, `echo` is acknowledged with
/// its argument and `broadcast` is re-emitted to every socket, the sender
/// included.
pub fn bench_mux() -> Mux {
    let io = SocketIo::new(ServerConfig::default());
    // Shared by every socket's handler: one Rc each rather than a copy of
    // the operator per socket.
    let everyone = std::rc::Rc::new(io.of("/").operator());
    io.on_connection(move |socket| {
        socket.on("echo", |_, msg| msg.ack_raw(msg.raw().clone()));
        let everyone = everyone.clone();
        socket.on("broadcast", move |_, msg| {
            everyone.emit_raw("broadcast", msg.raw());
        });
    });
    Mux::new().mount(&io)
}

/// The chat demo's directory (`examples/chat`).
pub fn chat_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("chat")
}

/// The official browser client bundle, installed from npm into
/// `examples/chat/node_modules` (`npm ci` there on first use).
pub fn client_bundle() -> std::io::Result<std::path::PathBuf> {
    let dir = chat_dir();
    let bundle = dir.join("node_modules/socket.io-client/dist/socket.io.min.js");
    if !bundle.exists() {
        eprintln!(
            "chat: installing socket.io-client from npm (npm ci in {})",
            dir.display()
        );
        let status = std::process::Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&dir)
            .status()?;
        if !status.success() || !bundle.exists() {
            return Err(std::io::Error::other(
                "npm ci failed: the socket.io-client bundle is missing",
            ));
        }
    }
    Ok(bundle)
}

/// The chat server: announces joins and leaves to the others and relays
/// each `chat message` to everyone else, with the page from
/// `examples/chat/public` and the client bundle at `/socket.io/socket.io.js`.
pub fn chat_mux() -> std::io::Result<Mux> {
    let io = SocketIo::new(ServerConfig::default());
    io.serve_client(client_bundle()?);
    io.on_connection(|socket| {
        let id = socket.id().to_string();
        let _ = socket
            .broadcast()
            .emit("user connected", &serde_json::json!({ "id": id }));
        socket.on("chat message", |socket, msg| {
            let Ok(text) = msg.data::<String>() else {
                return;
            };
            let _ = socket.broadcast().emit(
                "chat message",
                &serde_json::json!({ "id": socket.id().to_string(), "text": text }),
            );
        });
        socket.on_disconnect(|socket, _| {
            let _ = socket.broadcast().emit(
                "user disconnected",
                &serde_json::json!({ "id": socket.id().to_string() }),
            );
        });
    });
    Ok(Mux::new().mount(&io).static_dir(chat_dir().join("public")))
}

/// The recovery demo: connection state recovery on (60 s window); every
/// socket joins room `all` when it first connects (not when recovered);
/// `tick` with `{"seq":N}` goes to room `all` every 20 ms, `N` counting up
/// from 1; `burst` with `n` emits `n` `item` events `{"i":k}` (k = 1..n) to
/// the sender; `echo` is acknowledged with its arguments.
pub fn recovery_mux() -> Mux {
    recovery_mux_with_window(Duration::from_secs(60))
}

/// [`recovery_mux`] with another recovery window (tests of its expiry).
pub fn recovery_mux_with_window(window: Duration) -> Mux {
    recovery_mux_with(
        ServerConfig {
            recovery: Some(sio_core::socket::RecoveryConfig {
                max_disconnection_duration: window,
                ..Default::default()
            }),
            ..ServerConfig::default()
        },
        false,
    )
}

/// The recovery demo with `config` (which should turn recovery on); with
/// `test_hooks`, `drop-me` also makes the server close the socket's
/// transport (a server-side cut), `set-data` stores its argument as the
/// socket's data and `get-data` acknowledges with it (for tests).
pub fn recovery_mux_with(config: ServerConfig, test_hooks: bool) -> Mux {
    let io = SocketIo::new(config);
    io.on_connection(move |socket| {
        if test_hooks {
            socket.on("drop-me", |socket, _| socket.close_transport());
            socket.on("set-data", |socket, msg| {
                socket.set_data(msg.data::<serde_json::Value>().unwrap_or_default());
            });
            socket.on("get-data", |socket, msg| {
                let data = socket.with_data(|d: &mut serde_json::Value| d.clone());
                let _ = msg.ack(&data);
            });
        }
        if !socket.recovered() {
            socket.join("all");
        }
        socket.on("burst", |socket, msg| {
            let n: u64 = msg.data().unwrap_or(0);
            for k in 1..=n {
                let _ = socket.emit("item", &serde_json::json!({ "i": k }));
            }
        });
        socket.on("echo", |_, msg| msg.ack_raw(msg.raw().clone()));
    });
    let all = io.of("/").to("all");
    io.spawn(async move {
        let mut seq = 0u64;
        let mut timer = smol::Timer::interval(Duration::from_millis(20));
        loop {
            futures_lite::StreamExt::next(&mut timer).await;
            seq += 1;
            let _ = all.emit("tick", &serde_json::json!({ "seq": seq }));
        }
    });
    Mux::new().mount(&io)
}
