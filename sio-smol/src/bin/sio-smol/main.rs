//! The `sio-smol` binary: an Engine.IO echo server plus static files (the
//! default), `sio-smol serve`, a Socket.IO server that can join a Redis
//! cluster of Socket.IO servers, and `sio-smol connect URL`, a
//! command-line Socket.IO client that prints what happens as JSON lines
//! and acts on JSON lines from stdin. See `sio-smol --help`,
//! `sio-smol serve --help` and `sio-smol connect --help`.

mod connect;
mod json_args;
mod serve;
mod serve_socketio;
mod server_flags;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// An Engine.IO echo server (the default), a Socket.IO server that can join
/// a Redis cluster (`sio-smol serve`), or a Socket.IO client (`sio-smol
/// connect URL`).
///
/// Without a subcommand it serves Engine.IO at /engine.io/: every message an
/// Engine.IO client (npm `engine.io-client`, protocol v4) sends is echoed
/// back to it; other paths are served from --static-dir.
///
/// `sio-smol serve` serves Socket.IO at /socket.io/ instead, for "/" and
/// the namespaces given with --nsp, and with --redis URL joins the cluster of
/// Socket.IO servers on that Redis (Node's `@socket.io/redis-adapter`
/// protocol): the other members' broadcasts, acked broadcasts, room changes,
/// fetchSockets and disconnects reach its clients. See `sio-smol serve
/// --help`; the TLS, CORS, ping and payload flags below apply to it too.
///
/// Both serve HTTP, or HTTPS and WSS with --tls-cert and --tls-key. On
/// Ctrl-C or SIGTERM they stop accepting, close every session, wait for
/// queued messages to go out (a few seconds at most) and exit with status
/// 0. Logs go to stderr; set RUST_LOG (e.g. RUST_LOG=debug) for more.
#[derive(Parser, Debug)]
#[command(
    name = "sio-smol",
    version,
    about,
    long_about,
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    serve: serve::ServeArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
    // Boxed: its flags (cluster, admin, compression, ...) make it far
    // larger than `connect`'s.
    Serve(Box<serve_socketio::SocketIoArgs>),
    Connect(connect::ConnectArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let served = match cli.command {
        Some(Command::Connect(args)) => return connect::run(args),
        Some(Command::Serve(args)) => serve_socketio::run(*args),
        None => serve::run(cli.serve),
    };
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sio-smol: {e}");
            ExitCode::FAILURE
        }
    }
}
