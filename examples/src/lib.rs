//! Shared pieces of the examples, so tests can start the very same servers
//! on an ephemeral port.

use sio_core::engine::{CorsConfig, EngineConfig};
use sio_smol::{EngineServer, Mux};
use std::time::Duration;

/// The TCP port from the `PORT` environment variable, or `default`.
pub fn port_from_env(default: u16) -> u16 {
    std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(default)
}

/// Logs to stderr, filtered by `RUST_LOG` (default: warnings).
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
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

/// The conformance server's router: `/engine.io/` echoes (the Socket.IO
/// endpoint joins it with the Socket.IO layer).
pub fn conformance_mux() -> Mux {
    Mux::new().mount(&echo_engine(conformance_config("/engine.io/")))
}
