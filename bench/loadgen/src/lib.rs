//! `sio-loadgen`: a load generator for Socket.IO servers.
//!
//! It speaks Engine.IO v4 and Socket.IO v5 itself (WebSocket through
//! async-tungstenite, long-polling through a small HTTP/1.1 client of its
//! own), runs one scenario per call on one thread (a smol `LocalExecutor`),
//! stops by itself and sums the run up as one JSON object. The scenarios,
//! their options and the fields of the summary are described in
//! `bench/README.md`; [`USAGE`] lists the options.

mod check;
mod conn;
mod conns;
mod deadline;
mod echo;
mod fanout;
mod http;
mod metrics;
mod msgpack;
mod opts;
mod polling;
mod ws;

pub use opts::Opts;

use std::rc::Rc;

/// Any failure; the message ends up in the summary.
pub type Error = Box<dyn std::error::Error>;
/// `Result` with [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
/// The executor every task of a run is spawned on.
type Executor = smol::LocalExecutor<'static>;

/// The command line's help.
pub const USAGE: &str = "\
usage: sio-loadgen <scenario> [--addr HOST:PORT] [--server-pid PID] [options]

scenarios and their options (defaults shown):
  echo    --clients 50 --secs 10 --size 64 --warmup-secs 1
  fanout  --clients 1000 --msgs 200 --warmup-msgs 5 [--sender-addr HOST:PORT]
          [--sender-pid PID]
  conns   --clients 5000 --hold 10 --inflight 100
  polling --clients 20 --secs 10 --size 64 --warmup-secs 1

echo, fanout and conns also take --parser json|msgpack (default json):
msgpack speaks socket.io-msgpack-parser's wire format.

--addr defaults to 127.0.0.1:3000. With --server-pid the summary also has
the server's CPU use (and, for conns, its RSS), read from /proc. Prints one
JSON line. fanout's --sender-addr connects the sender to another server than
the receivers (a broadcast across a cluster: --server-pid is then the
receiving server); --sender-pid reports that server's CPU use apart
(sender_cpu, sender_us_per_op) and leaves it out of other_cpu.";

/// The scenarios, by name.
pub const SCENARIOS: [&str; 4] = ["echo", "fanout", "conns", "polling"];

/// Runs `scenario` against the server in `opts` on the calling thread and
/// returns its summary (a JSON object with `scenario` set).
pub fn run(scenario: &str, opts: &Opts) -> Result<serde_json::Value> {
    msgpack::set_msgpack(opts.parser_msgpack()?);
    let ex = Rc::new(Executor::new());
    let summary = smol::block_on(ex.run(async {
        match scenario {
            "echo" => echo::run(&ex, opts).await,
            "fanout" => fanout::run(&ex, opts).await,
            "conns" => conns::run(&ex, opts).await,
            "polling" => polling::run(&ex, opts).await,
            other => Err(format!("unknown scenario {other}").into()),
        }
    }));
    let mut summary = summary?;
    summary["scenario"] = scenario.into();
    Ok(summary)
}

/// Raises this process's open-files limit to its hard limit (every
/// connection is a file descriptor) and returns the limit now in force.
pub fn raise_nofile_limit() -> u64 {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let mut lim = getrlimit(Resource::Nofile);
    lim.current = lim.maximum;
    // Failing to raise it is not fatal: the limit reported says what we have.
    let _ = setrlimit(Resource::Nofile, lim);
    getrlimit(Resource::Nofile).current.unwrap_or(u64::MAX)
}
