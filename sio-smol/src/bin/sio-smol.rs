//! The `sio-smol` server binary: an Engine.IO echo endpoint plus static
//! files, configured from flags. See `sio-smol --help`.

use clap::Parser;
use sio_core::engine::{CorsConfig, CorsOrigin, EngineConfig};
use sio_smol::{EngineServer, Mux};
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

/// Runs an Engine.IO server on smol: every message a client sends is echoed
/// back to it; other paths are served from --static-dir.
#[derive(Parser, Debug)]
#[command(name = "sio-smol", version, about)]
struct Args {
    /// TCP port to listen on.
    #[arg(long, short, default_value_t = 3000, env = "PORT")]
    port: u16,
    /// Address to bind.
    #[arg(long, default_value = "0.0.0.0")]
    host: IpAddr,
    /// Path of the Engine.IO endpoint (with a trailing slash).
    #[arg(long, default_value = "/engine.io/")]
    path: String,
    /// Directory of static files served on other paths.
    #[arg(long)]
    static_dir: Option<PathBuf>,
    /// Milliseconds between server pings.
    #[arg(long, default_value_t = 25_000)]
    ping_interval: u64,
    /// Milliseconds to wait for a pong before closing the session.
    #[arg(long, default_value_t = 20_000)]
    ping_timeout: u64,
    /// Largest POST body or WebSocket message, in bytes.
    #[arg(long, default_value_t = 1_000_000)]
    max_payload: usize,
    /// Allow cross-origin requests from this origin (repeatable; `*` for any).
    #[arg(long = "cors-origin")]
    cors_origins: Vec<String>,
    /// Polling only: do not offer or accept WebSocket.
    #[arg(long)]
    no_websocket: bool,
    /// Most sessions open at once; handshakes beyond get HTTP 503.
    #[arg(long, default_value_t = 1_000_000)]
    max_sessions: usize,
}

fn main() -> std::io::Result<()> {
    let args = Args::parse();
    sio_smol::init_logging("info");

    let mut path = args.path.clone();
    if !path.ends_with('/') {
        path.push('/');
    }
    let cors = match args.cors_origins.as_slice() {
        [] => None,
        list if list.iter().any(|o| o == "*") => Some(CorsConfig::any()),
        list => Some(CorsConfig {
            origin: CorsOrigin::List(list.to_vec()),
            ..CorsConfig::any()
        }),
    };
    let mut config = EngineConfig {
        path: path.clone(),
        ping_interval: Duration::from_millis(args.ping_interval),
        ping_timeout: Duration::from_millis(args.ping_timeout),
        max_payload: args.max_payload,
        max_sessions: args.max_sessions,
        cors,
        ..EngineConfig::default()
    };
    if args.no_websocket {
        config.transports = vec![sio_core::engine::Transport::Polling];
    }
    let engine = EngineServer::new(config);
    engine.on_connection(|socket| {
        tracing::info!(sid = %socket.id(), "session open");
        socket.on_message(|socket, msg| {
            let _ = socket.send(msg);
        });
        socket.on_close(|socket, reason| {
            tracing::info!(sid = %socket.id(), reason = reason.as_str(), "session closed");
        });
    });
    let mut mux = Mux::new().mount(&engine);
    if let Some(dir) = &args.static_dir {
        mux = mux.static_dir(dir);
    }
    let addr = SocketAddr::new(args.host, args.port);
    tracing::info!("sio-smol listening on http://{addr}{path}");
    smol::block_on(mux.serve(addr))
}
