//! Logging set-up for binaries and examples: `tracing` to stderr, filtered
//! by `RUST_LOG`.
//!
//! The library itself only emits `tracing` events; an application that has
//! its own subscriber needs none of this. Targets worth knowing:
//!
//! - `sio_smol::io`: one `info` line per Socket.IO connection and
//!   disconnection (namespace, socket id, transport, reason), `warn` for a
//!   client's protocol fault (what, and which session);
//! - `sio_smol`: the accept loop, connections, the binary;
//! - `debug` and `trace` levels: per-request and per-frame detail.
//!
//! Nothing is logged per message at `info`, and never a session's
//! recovery secret (`pid`).

use std::io::IsTerminal;

/// Installs a subscriber that writes to stderr, filtered by `RUST_LOG`
/// (`default` when unset, e.g. `"info"`), with colours only when stderr is
/// a terminal. Does nothing if a subscriber is already installed.
pub fn init_logging(default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}
