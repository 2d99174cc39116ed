//! The `sio-smol` binary: a server (the default: an Engine.IO echo endpoint
//! plus static files) and `sio-smol connect URL`, a command-line Socket.IO
//! client that prints what happens as JSON lines and acts on JSON lines
//! from stdin. See `sio-smol --help` and `sio-smol connect --help`.

mod connect;
mod json_args;
mod serve;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// An Engine.IO echo server at /engine.io/ plus static files, or (`sio-smol
/// connect URL`) a command-line Socket.IO client.
///
/// Without a subcommand it serves: every message an Engine.IO client (npm
/// `engine.io-client`, protocol v4) sends is echoed back to it; other paths
/// are served from --static-dir. Serves HTTP, or HTTPS and WSS with
/// --tls-cert and --tls-key. On Ctrl-C or SIGTERM it stops accepting,
/// closes every session, waits for queued messages to go out (a few
/// seconds at most) and exits with status 0. Logs go to stderr; set
/// RUST_LOG (e.g. RUST_LOG=debug) for more.
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
    Connect(connect::ConnectArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Connect(args)) => connect::run(args),
        None => match serve::run(cli.serve) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("sio-smol: {e}");
                ExitCode::FAILURE
            }
        },
    }
}
