//! The conformance server again, on a second adapter: `sio-core` driven
//! directly on tokio, hyper 1 and tokio-tungstenite, without `sio-smol`.
//! It serves exactly what `examples/conformance.rs` serves, and a plain
//! route of its own, as a hyper user's server would:
//!
//! - `/engine.io/`: a bare Engine.IO server ([`Engine`]) that echoes every
//!   message (text or binary) back to its sender;
//! - `/socket.io/`: a Socket.IO server ([`SioServer`]): on `/` and
//!   `/custom` every new socket gets `auth` with its CONNECT payload; on
//!   `/`, `message` is echoed as `message-back` (binary included) and
//!   `message-with-ack` is acknowledged with its own arguments; connect
//!   timeout 1000 ms;
//! - `GET /hello`: `200 text/plain "hello"`, the application's own route.
//!
//! Both engines with ping interval 300 ms, ping timeout 200 ms, max payload
//! 1 000 000 and CORS allowing any origin. The end-to-end suites run the
//! npm clients against this server and against `conformance` alike
//! (`tests::adapter`).
//!
//! Run: `cargo run --release --example tokio_conformance`. Environment:
//! `PORT` (default 3000; 0 picks a free one), `HOST` (default 0.0.0.0),
//! and, for test clients that do not answer pings, `PING_INTERVAL_MS`,
//! `PING_TIMEOUT_MS` and `HEADER_TIMEOUT_MS` (hyper's header read timeout,
//! default 30 000); `ALLOW_EIO3=1` accepts Engine.IO v3 clients on both
//! engines and `PARSER=msgpack` runs the Socket.IO engine with the msgpack
//! parser, as `conformance` does. It prints `listening on http://ADDR/` on
//! stderr.
//!
//! The files: `main.rs` the server and its handlers, `driver.rs` the run
//! loop (one per core: inputs, outputs, the timer), `http.rs` one HTTP
//! exchange, `ws.rs` one WebSocket.
//!
//! What this adapter had to know beyond the contract's docs (`sio-core`'s
//! `lib.rs`, `contract.rs`, `http.rs`): nothing, now. Writing it first
//! found five gaps, each closed in the contract since: the close codes for
//! frames the WebSocket library refuses (now `Input::WsFault`, and the core
//! picks the code); the WebSocket send-queue bound (now given with
//! `Output::WsAccept`, with what it counts and how to close at it); that
//! `ConnClosed` is not owed for a connection the core ended; that a body
//! over the limit may be refused from its declared length; and that a
//! refused upgrade closes the connection (all in the contract's docs).

mod driver;
mod http;
mod ws;

use bytes::Bytes;
use driver::Driver;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use sio_core::engine::{CorsConfig, Engine, EngineConfig, EngineEvent};
use sio_core::socket::{Args, ServerConfig, SioServer, SocketEvent};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Duration;
use tokio::net::TcpListener;

fn main() -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    // One thread: the cores live in `Rc<RefCell<_>>` and every task is local.
    tokio::task::LocalSet::new().block_on(&runtime, serve())
}

/// A number of milliseconds from the environment variable `name`.
fn env_ms(name: &str, default: u64) -> Duration {
    let ms = std::env::var(name).ok().and_then(|v| v.parse().ok());
    Duration::from_millis(ms.unwrap_or(default))
}

/// Binds, starts both cores, and serves every connection with hyper.
async fn serve() -> std::io::Result<()> {
    let host = std::env::var("HOST").unwrap_or_else(|_| "0.0.0.0".into());
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(3000);
    let listener = TcpListener::bind((host.as_str(), port)).await?;
    eprintln!(
        "tokio_conformance: listening on http://{}/ (/engine.io/, /socket.io/, /hello)",
        listener.local_addr()?
    );
    let echo = Driver::start(Engine::new(engine_config("/engine.io/"), seed()), echo);
    let mut io = SioServer::new(
        ServerConfig {
            engine: engine_config("/socket.io/"),
            connect_timeout: Duration::from_millis(1000),
            parser: examples::parser_from_env().map_err(std::io::Error::other)?,
            ..ServerConfig::default()
        },
        seed(),
    );
    io.add_namespace("/custom");
    let io = Driver::start(io, socket_io);
    let header_timeout = env_ms("HEADER_TIMEOUT_MS", 30_000);
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of file descriptors, most likely: wait rather than spin.
                eprintln!("tokio_conformance: accept: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let (echo, io) = (echo.clone(), io.clone());
        let service = service_fn(move |req| route(echo.clone(), io.clone(), req, peer));
        tokio::task::spawn_local(async move {
            // A connection error (a peer gone, a bad request) ends only it.
            let _ = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout)
                .serve_connection(TokioIo::new(stream), service)
                .with_upgrades()
                .await;
        });
    }
}

/// Sends a request to the core whose path it is, or to the application.
async fn route(
    echo: Rc<Driver<Engine>>,
    io: Rc<Driver<SioServer>>,
    req: Request<Incoming>,
    peer: SocketAddr,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let path = req.uri().path();
    Ok(if echo.matches_path(path) {
        http::exchange(echo, req, peer).await
    } else if io.matches_path(path) {
        http::exchange(io, req, peer).await
    } else if path == "/hello" && req.method() == Method::GET {
        let mut res = Response::new(Full::new(Bytes::from_static(b"hello")));
        res.headers_mut().insert(
            hyper::header::CONTENT_TYPE,
            hyper::header::HeaderValue::from_static("text/plain"),
        );
        res
    } else {
        let mut res = Response::new(Full::new(Bytes::from_static(b"not found")));
        *res.status_mut() = StatusCode::NOT_FOUND;
        res
    })
}

/// 32 bytes of OS entropy for a core's ids.
fn seed() -> [u8; 32] {
    let mut seed = [0u8; 32];
    // The OS entropy source never fails on the platforms tokio runs on;
    // without it no session id would be safe to hand out.
    getrandom::fill(&mut seed).expect("OS entropy is available");
    seed
}

/// The engine options of the conformance server at `path` (see the
/// module's doc).
fn engine_config(path: &str) -> EngineConfig {
    EngineConfig {
        path: path.into(),
        ping_interval: env_ms("PING_INTERVAL_MS", 300),
        ping_timeout: env_ms("PING_TIMEOUT_MS", 200),
        max_payload: 1_000_000,
        cors: Some(CorsConfig::any()),
        allow_eio3: std::env::var("ALLOW_EIO3").is_ok_and(|v| v == "1"),
        ..EngineConfig::default()
    }
}

/// The Engine.IO application: every message goes back to its sender.
fn echo(engine: &mut Engine, event: EngineEvent) {
    if let EngineEvent::Message { sid, msg } = event {
        // An error only means the session is closing: nothing to do.
        let _ = engine.send(sid, msg);
    }
}

/// The Socket.IO application (see the module's doc). Errors from `emit`
/// and `ack` only mean the socket left meanwhile: nothing to do.
fn socket_io(io: &mut SioServer, event: SocketEvent) {
    match event {
        SocketEvent::Connect { socket, auth, .. } => {
            // `[<auth>]`: the CONNECT payload (raw JSON) as one argument.
            let mut json = Vec::with_capacity(auth.len() + 2);
            json.push(b'[');
            json.extend_from_slice(&auth);
            json.push(b']');
            let _ = io.emit(socket, "auth", &Args::from_json(json));
        }
        SocketEvent::Event {
            socket,
            event,
            args,
            ack,
        } if io.socket_info(socket).is_some_and(|(nsp, ..)| nsp == "/") => {
            match (event.as_str(), ack) {
                ("message", _) => {
                    let _ = io.emit(socket, "message-back", &args);
                }
                ("message-with-ack", Some(id)) => {
                    let _ = io.ack(socket, id, &args);
                }
                _ => {}
            }
        }
        _ => {}
    }
}
