//! Processes a test talks to while they run: the `sio-smol` binary
//! ([`SioSmolBin`]), the `tokio_conformance` example
//! ([`tokio_conformance_bin`], run by [`crate::adapter`]), and Node
//! drivers whose output is read line by line ([`Spawned`]) to know when to
//! act (e.g. to send a signal once clients are connected).

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::thread;
use std::time::{Duration, Instant};

/// The `sio-smol` binary, built (or found up to date) by `cargo build -p
/// sio-smol --bin sio-smol` once per test process, in the profile the tests
/// were built in. The tests crate depends on `sio-smol` as a library, which
/// does not build its binary; asking cargo also keeps the binary from
/// being stale.
///
/// # Panics
///
/// If cargo fails or names no such executable.
pub fn sio_smol_bin() -> PathBuf {
    static BIN: Built = OnceLock::new();
    built(&BIN, &["-p", "sio-smol", "--bin", "sio-smol"], "sio-smol")
}

/// The tests' own cluster member (`tests/src/bin/cluster_member.rs`),
/// built like [`sio_smol_bin`].
///
/// # Panics
///
/// If cargo fails or names no such executable.
pub fn cluster_member_bin() -> PathBuf {
    static BIN: Built = OnceLock::new();
    built(
        &BIN,
        &["-p", "tests", "--bin", "cluster_member"],
        "cluster_member",
    )
}

/// The `tokio_conformance` example (the second adapter), built like
/// [`sio_smol_bin`]: an example's dependencies (tokio, ...) are the
/// examples crate's dev-dependencies, which no library here links.
///
/// # Panics
///
/// If cargo fails or names no such executable.
pub fn tokio_conformance_bin() -> PathBuf {
    static BIN: Built = OnceLock::new();
    built(
        &BIN,
        &["-p", "examples", "--example", "tokio_conformance"],
        "tokio_conformance",
    )
}

/// The `conformance` example (on `sio-smol`), built like
/// [`sio_smol_bin`], for the tests that set its environment (`PARSER`,
/// `ALLOW_EIO3`), which a server inside the test process cannot.
///
/// # Panics
///
/// If cargo fails or names no such executable.
pub fn conformance_bin() -> PathBuf {
    static BIN: Built = OnceLock::new();
    built(
        &BIN,
        &["-p", "examples", "--example", "conformance"],
        "conformance",
    )
}

/// One executable's build, made once per test process.
type Built = OnceLock<Result<PathBuf, String>>;

/// The executable `name` that `cargo build <what>` makes, built on the
/// first call for `bin` (see [`cargo_build`]).
///
/// # Panics
///
/// If cargo fails or names no such executable.
fn built(bin: &'static Built, what: &[&str], name: &str) -> PathBuf {
    bin.get_or_init(|| cargo_build(what, name))
        .clone()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Runs `cargo build <what>` in the profile and target directory of this
/// test executable, and returns the path of the executable `name` it made.
fn cargo_build(what: &[&str], name: &str) -> Result<PathBuf, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.arg("build")
        .args(what)
        .arg("--message-format=json-render-diagnostics")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::null())
        .stderr(Stdio::inherit());
    // What cargo sets for this test process describes the tests crate; build
    // scripts watch some of it (ring's: CARGO_PKG_NAME, CARGO_MANIFEST_DIR),
    // so passing it on would rebuild them here and again in the next
    // `cargo test`.
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        let set_by_cargo_for_tests = name.starts_with("CARGO_PKG_")
            || name.starts_with("CARGO_MANIFEST_")
            || [
                "CARGO_CRATE_NAME",
                "CARGO_BIN_NAME",
                "CARGO_PRIMARY_PACKAGE",
                "CARGO_TARGET_TMPDIR",
                "CARGO_RUSTC_CURRENT_DIR",
                "OUT_DIR",
            ]
            .contains(&&*name);
        if set_by_cargo_for_tests {
            cmd.env_remove(&*name);
        }
    }
    // The profile directory of this test executable: target/<profile>/deps/..
    let exe = std::env::current_exe().map_err(|e| format!("current_exe: {e}"))?;
    let profile_dir = exe.parent().and_then(|deps| deps.parent());
    if let Some(dir) = profile_dir {
        if dir.file_name().is_some_and(|n| n == "release") {
            cmd.arg("--release");
        }
        if let Some(target) = dir.parent() {
            cmd.arg("--target-dir").arg(target);
        }
    }
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run cargo to build {name}: {e}"))?;
    if !out.status.success() {
        return Err(format!("building {name} failed ({})", out.status));
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == name)
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
        .ok_or_else(|| format!("cargo built no {name} executable"))
}

/// A child process whose stdout and stderr are read line by line on threads
/// of their own; killed (with its process group) when dropped.
pub struct Spawned {
    child: Child,
    what: String,
    stdout: Receiver<String>,
    stderr: Receiver<String>,
    /// Lines read so far, both streams, for error messages.
    seen: Vec<String>,
}

impl Spawned {
    /// Starts `cmd` with piped output, in a process group of its own.
    ///
    /// # Panics
    ///
    /// If the process cannot be started.
    pub fn start(cmd: Command, what: &str) -> Spawned {
        let mut child = crate::spawn_piped(cmd, what);
        let stdout = lines_on_thread(child.stdout.take());
        let stderr = lines_on_thread(child.stderr.take());
        Spawned {
            child,
            what: what.to_owned(),
            stdout,
            stderr,
            seen: Vec::new(),
        }
    }

    /// [`Spawned::start`] with a pipe to the process's stdin, returned
    /// beside it (dropping it closes the process's stdin).
    ///
    /// # Panics
    ///
    /// If the process cannot be started.
    pub fn start_with_stdin(mut cmd: Command, what: &str) -> (Spawned, std::process::ChildStdin) {
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {what}: {e}"));
        let stdin = child.stdin.take().expect("stdin is piped");
        let stdout = lines_on_thread(child.stdout.take());
        let stderr = lines_on_thread(child.stderr.take());
        let spawned = Spawned {
            child,
            what: what.to_owned(),
            stdout,
            stderr,
            seen: Vec::new(),
        };
        (spawned, stdin)
    }

    /// Starts `node <script> <args>` in the drivers' directory (npm
    /// dependencies installed first).
    pub fn node(script: &str, args: &[&str]) -> Spawned {
        crate::ensure_npm();
        let mut cmd = Command::new("node");
        cmd.arg(script).args(args).current_dir(crate::js_dir());
        Spawned::start(cmd, &format!("node {script} {}", args.join(" ")))
    }

    /// The process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Waits for a line of stdout (`stderr == false`) or stderr that
    /// satisfies `want`, and returns it.
    ///
    /// # Panics
    ///
    /// If none comes within `timeout` or the stream ends first.
    pub fn wait_line(
        &mut self,
        stderr: bool,
        timeout: Duration,
        want: impl Fn(&str) -> bool,
    ) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let rx = if stderr { &self.stderr } else { &self.stdout };
            match rx.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if want(&line) {
                        return line;
                    }
                }
                Err(RecvTimeoutError::Timeout) => panic!(
                    "{}: no such line within {timeout:?}; output so far:\n{}",
                    self.what,
                    self.seen.join("\n")
                ),
                Err(RecvTimeoutError::Disconnected) => {
                    let rest = self.drain();
                    panic!(
                        "{}: the stream ended first ({:?}); output:\n{}\n{rest}",
                        self.what,
                        self.child.try_wait(),
                        self.seen.join("\n")
                    )
                }
            }
        }
    }

    /// The next line of stdout (`stderr == false`) or stderr, waiting up to
    /// `timeout`; `None` if none came in time or the stream ended (never
    /// panics: [`Spawned::wait_line`] is the asserting form).
    pub fn try_line(&mut self, stderr: bool, timeout: Duration) -> Option<String> {
        let rx = if stderr { &self.stderr } else { &self.stdout };
        let line = rx.recv_timeout(timeout).ok()?;
        self.seen.push(line.clone());
        Some(line)
    }

    /// Whether the process has exited (reaping it if so).
    pub fn exited(&mut self) -> bool {
        !matches!(self.child.try_wait(), Ok(None))
    }

    /// Sends `signal` (e.g. `"TERM"`) to the process.
    ///
    /// # Panics
    ///
    /// If `kill` cannot be run or fails.
    pub fn signal(&self, signal: &str) {
        let ok = Command::new("kill")
            .args([&format!("-{signal}"), &self.child.id().to_string()])
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "kill -{signal} {} failed", self.child.id());
    }

    /// Waits up to `timeout` for the process to exit; `None` if it did not.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => return Some(status),
                Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(10)),
                _ => return None,
            }
        }
    }

    /// Everything not read yet from both streams (after the process ended,
    /// all of it), as text.
    pub fn drain(&mut self) -> String {
        let mut out = String::new();
        for rx in [&self.stdout, &self.stderr] {
            while let Ok(line) = rx.recv_timeout(Duration::from_millis(200)) {
                out.push_str(&line);
                out.push('\n');
            }
        }
        out
    }

    /// What the process printed so far (lines already read).
    pub fn seen(&self) -> &[String] {
        &self.seen
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        #[cfg(unix)]
        {
            // The whole group: a driver's children go too. Failure is fine:
            // `kill` below still runs.
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", self.child.id())])
                .stderr(Stdio::null())
                .status();
        }
        // It may have exited already.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends the lines of `pipe` to the returned channel, from a new thread.
fn lines_on_thread<R: Read + Send + 'static>(pipe: Option<R>) -> Receiver<String> {
    let (tx, rx) = channel();
    thread::spawn(move || {
        let Some(pipe) = pipe else { return };
        for line in BufReader::new(pipe).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// The `sio-smol` binary running on an ephemeral port of 127.0.0.1.
pub struct SioSmolBin {
    /// The process (its log lines are on stderr).
    pub process: Spawned,
    /// Its base URL, `http://127.0.0.1:<port>` (`https` with TLS flags).
    pub url: String,
}

impl SioSmolBin {
    /// Starts the binary with `args` and then `--host 127.0.0.1 --port 0`
    /// (so `args` may start with the subcommand: `["serve", ...]`), and
    /// waits until it logs the address it listens on.
    ///
    /// # Panics
    ///
    /// If it does not start listening within 20 s.
    pub fn start(args: &[&str]) -> SioSmolBin {
        let mut cmd = Command::new(sio_smol_bin());
        cmd.args(args)
            .args(["--host", "127.0.0.1", "--port", "0"])
            .env("RUST_LOG", "info");
        let mut process = Spawned::start(cmd, &format!("sio-smol {}", args.join(" ")));
        let line = process.wait_line(true, Duration::from_secs(20), |l| {
            l.contains("listening on ")
        });
        let url = listening_url(&line).unwrap_or_else(|| panic!("no address in {line:?}"));
        SioSmolBin { process, url }
    }
}

/// The base URL in a server's log line `... listening on
/// http://127.0.0.1:PORT/...`: `http://127.0.0.1:PORT`.
pub fn listening_url(line: &str) -> Option<String> {
    let u = line.split("listening on ").nth(1)?;
    let scheme_end = u.find("://")? + 3;
    let host_end = u[scheme_end..].find('/')? + scheme_end;
    Some(u[..host_end].to_owned())
}
