//! The conformance contract on both adapters: the same end-to-end tests run
//! against `examples/conformance.rs` on `sio-smol` and against
//! `examples/tokio_conformance` (`sio-core` driven directly on tokio).
//!
//! A test is a function of an [`Adapter`]; [`crate::for_each_adapter!`]
//! makes a `#[test]` per adapter of it (`on_smol::NAME`, `on_tokio::NAME`):
//!
//! ```no_run
//! use tests::adapter::Adapter;
//!
//! fn says_hello(adapter: Adapter) {
//!     let server = adapter.conformance();
//!     // ... talk to server.url() ...
//!     server.stop();
//! }
//!
//! tests::for_each_adapter!(says_hello);
//! ```
//!
//! The smol server runs on a thread of the test process
//! ([`sio_smol::spawn_thread`]). The tokio server is the example's own
//! binary, built by cargo on first use
//! ([`crate::process::tokio_conformance_bin`]) and started as a child
//! process on an ephemeral port (`PORT=0`; it prints the address it bound):
//! so tokio stays a dev-dependency of the examples crate, out of every
//! library, this one included, and the tests run the very program the
//! README tells people to run.

use crate::process::{Spawned, conformance_bin, listening_url, tokio_conformance_bin};
use std::net::SocketAddr;
use std::process::Command;
use std::time::Duration;

/// Which adapter serves the conformance contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Adapter {
    /// `sio-smol`, serving `examples::conformance::mux`.
    Smol,
    /// The `tokio_conformance` example.
    Tokio,
}

/// The header read timeout of [`Adapter::raw_echo`]: a client that sends
/// half a head, or nothing, is dropped after it.
pub const RAW_HEADER_TIMEOUT: Duration = Duration::from_millis(500);

impl Adapter {
    /// The conformance server (`/engine.io/` echo, `/socket.io/`) on an
    /// ephemeral port of 127.0.0.1.
    ///
    /// # Panics
    ///
    /// If it does not start.
    pub fn conformance(self) -> Server {
        match self {
            Adapter::Smol => smol(examples::conformance::mux),
            Adapter::Tokio => tokio(&[]),
        }
    }

    /// The conformance example's own binary (`conformance` on smol,
    /// `tokio_conformance` on tokio) with `env` (`ALLOW_EIO3=1`,
    /// `PARSER=msgpack`: the example's contract), as a child process: a
    /// server in this process cannot be given its own environment.
    ///
    /// # Panics
    ///
    /// If it does not start.
    pub fn conformance_with_env(self, env: &[(&str, &str)]) -> Server {
        match self {
            Adapter::Smol => child(conformance_bin(), "conformance", env),
            Adapter::Tokio => tokio(env),
        }
    }

    /// The conformance `/engine.io/` echo with the default heartbeat
    /// (pings every 25 s, 20 s to answer), so that raw clients, which do
    /// not answer pings, keep their sessions through a test; and a header
    /// read timeout of [`RAW_HEADER_TIMEOUT`].
    ///
    /// # Panics
    ///
    /// If it does not start.
    pub fn raw_echo(self) -> Server {
        match self {
            Adapter::Smol => {
                smol(|| crate::raw::echo_mux().header_read_timeout(RAW_HEADER_TIMEOUT))
            }
            Adapter::Tokio => tokio(&[
                ("PING_INTERVAL_MS", "25000"),
                ("PING_TIMEOUT_MS", "20000"),
                ("HEADER_TIMEOUT_MS", "500"),
            ]),
        }
    }
}

/// Starts `make`'s server on a thread.
fn smol(make: impl FnOnce() -> sio_smol::Mux + Send + 'static) -> Server {
    let addr: SocketAddr = "127.0.0.1:0".parse().expect("a literal address");
    let server = sio_smol::spawn_thread(addr, make).expect("server starts");
    Server {
        addr: server.addr(),
        running: Running::Smol(server),
    }
}

/// Starts the tokio example with `env`, and waits until it listens.
fn tokio(env: &[(&str, &str)]) -> Server {
    child(tokio_conformance_bin(), "tokio_conformance", env)
}

/// Starts the example binary `bin` (called `name` in messages) with `env`
/// on an ephemeral port of 127.0.0.1, and waits until it listens.
fn child(bin: std::path::PathBuf, name: &str, env: &[(&str, &str)]) -> Server {
    let mut cmd = Command::new(bin);
    cmd.env("HOST", "127.0.0.1").env("PORT", "0");
    for (name, value) in env {
        cmd.env(name, value);
    }
    let mut process = Spawned::start(cmd, name);
    let line = process.wait_line(true, Duration::from_secs(20), |l| {
        l.contains("listening on ")
    });
    let addr = listening_url(&line)
        .and_then(|url| url.strip_prefix("http://")?.parse().ok())
        .unwrap_or_else(|| panic!("no address in {line:?}"));
    Server {
        addr,
        running: Running::Child(process),
    }
}

/// A conformance server running for a test.
pub struct Server {
    addr: SocketAddr,
    running: Running,
}

enum Running {
    Smol(sio_smol::RunningServer),
    /// An example's binary.
    Child(Spawned),
}

impl Server {
    /// The address it listens on (127.0.0.1).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Its base URL, `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops it, checking it was still serving: the smol server stops
    /// cleanly; a child process had not exited, and printed no panic.
    ///
    /// # Panics
    ///
    /// If it did not stop cleanly, had exited, or panicked.
    pub fn stop(self) {
        match self.running {
            Running::Smol(server) => server.stop().expect("server stops cleanly"),
            Running::Child(mut process) => {
                let early = process.wait_exit(Duration::ZERO);
                process.signal("KILL");
                process.wait_exit(Duration::from_secs(5));
                let output = process.drain();
                assert!(
                    early.is_none() && !output.contains("panicked"),
                    "the example exited early ({early:?}) or panicked:\n{output}"
                );
            }
        }
    }
}

/// Makes one `#[test]` per adapter of each named function of an
/// [`Adapter`]: `on_smol::NAME` and `on_tokio::NAME`.
#[macro_export]
macro_rules! for_each_adapter {
    ($($test:ident),+ $(,)?) => {
        /// The tests against `sio-smol` (`examples/conformance.rs`).
        mod on_smol {
            $(
                #[test]
                fn $test() {
                    super::$test($crate::adapter::Adapter::Smol)
                }
            )+
        }
        /// The tests against `examples/tokio_conformance`.
        mod on_tokio {
            $(
                #[test]
                fn $test() {
                    super::$test($crate::adapter::Adapter::Tokio)
                }
            )+
        }
    };
}
