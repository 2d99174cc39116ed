//! The server (the binary's default): an Engine.IO echo endpoint plus
//! static files, configured from flags, over HTTP or HTTPS, stopping
//! gracefully on Ctrl-C or SIGTERM.

use crate::server_flags::{ServerFlags, endpoint_path};
use sio_smol::{EngineServer, Mux};

/// The echo server's flags.
#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    #[command(flatten)]
    server: ServerFlags,
    /// Path of the Engine.IO endpoint (with a trailing slash).
    #[arg(long, default_value = "/engine.io/")]
    path: String,
}

/// Runs the server until Ctrl-C or SIGTERM.
pub fn run(args: ServeArgs) -> std::io::Result<()> {
    sio_smol::init_logging("info");
    let path = endpoint_path(&args.path);
    let engine = EngineServer::new(args.server.engine_config(&path));
    engine.on_connection(|socket| {
        tracing::info!(sid = %socket.id(), "session open");
        tracing::debug!(
            sid = %socket.id(),
            address = ?socket.remote_address(),
            "client"
        );
        socket.on_message(|socket, msg| {
            let _ = socket.send(msg);
        });
        socket.on_close(|socket, reason| {
            tracing::info!(sid = %socket.id(), reason = reason.as_str(), "session closed");
        });
    });
    args.server.serve(Mux::new().mount(&engine), &path)
}
