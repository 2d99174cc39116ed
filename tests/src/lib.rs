//! Harness for end-to-end tests: npm install, Node drivers, servers on ephemeral ports.
//!
//! The Node drivers live in `tests/js/` (see [`js_dir`]); their npm dependencies are pinned
//! in `tests/js/package-lock.json` and installed on first use by [`ensure_npm`]. Tests run a
//! driver with [`run_node`] or [`assert_node_ok`]:
//!
//! ```no_run
//! use std::time::Duration;
//! // `base` is the URL of a server under test, e.g. "http://127.0.0.1:40123".
//! # let base = "http://127.0.0.1:40123";
//! let stdout = tests::assert_node_ok("eio.mjs", &["polling", base], Duration::from_secs(30));
//! assert!(stdout.starts_with("ok polling "));
//! ```
//!
//! A missing `node` or a failing `npm ci` is a test failure, never a skip.
//!
//! For testing Socket.IO clients the other way round, [`peers`] starts reference servers
//! (Node's `socket.io`, python-socketio) with a fixed behaviour.

pub mod adapter;
pub mod api_server;
pub mod browser;
pub mod cluster;
pub mod cluster_check;
pub mod codec_cases;
pub mod counting_proxy;
pub mod feature_server;
pub mod peers;
pub mod process;
pub mod proxy;
pub mod raw;
pub mod redis;
pub mod sticky_proxy;
pub mod tick_clients;

use std::fs;
use std::io::{ErrorKind, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant, SystemTime};

/// Oldest Node.js major version the drivers support (they need the global `fetch`).
const MIN_NODE_MAJOR: u32 = 18;

/// How long a lock directory may exist before it is considered abandoned and removed.
const STALE_LOCK: Duration = Duration::from_secs(5 * 60);

/// How often a waiting process checks the lock directory again.
const LOCK_POLL: Duration = Duration::from_millis(200);

/// File in `node_modules` holding a copy of the `package-lock.json` it was installed from.
const STAMP: &str = ".sio-npm-ci-stamp";

/// Name of the lock directory in [`js_dir`] (ignored by `tests/js/.gitignore`).
const LOCK_DIR: &str = ".npm-ci.lock";

/// The directory of the Node drivers: `tests/js` in this crate's manifest directory.
pub fn js_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("js")
}

/// Makes sure `node` runs and the drivers' npm dependencies are installed.
///
/// Checks `node --version` (at least v18), then runs `npm ci` in [`js_dir`] unless
/// `node_modules` already holds an install of the current `package-lock.json`. The install
/// is guarded by a lock directory (created with [`fs::create_dir`], removed afterwards) so
/// that parallel test processes do not run npm at the same time; a lock older than ~5
/// minutes is treated as abandoned. Runs once per process; later calls return at once.
///
/// # Panics
///
/// If `node` is missing or too old, or if `npm ci` fails (with npm's output in the message).
pub fn ensure_npm() {
    static READY: OnceLock<Result<(), String>> = OnceLock::new();
    if let Err(message) =
        READY.get_or_init(|| check_node().and_then(|()| install_npm_deps(&js_dir())))
    {
        panic!("{message}");
    }
}

/// Runs `node --version` and checks the major version.
fn check_node() -> Result<(), String> {
    let out = Command::new("node")
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run `node --version` ({e}): Node.js >= {MIN_NODE_MAJOR} must be on PATH for the end-to-end tests"))?;
    let version = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let major = version
        .strip_prefix('v')
        .and_then(|v| v.split('.').next())
        .and_then(|m| m.parse::<u32>().ok());
    match major {
        Some(major) if out.status.success() && major >= MIN_NODE_MAJOR => Ok(()),
        _ => Err(format!(
            "`node --version` printed {version:?} (status {}): Node.js >= {MIN_NODE_MAJOR} is required",
            out.status
        )),
    }
}

/// Whether `node_modules` in `dir` was installed from the current `package-lock.json`.
fn npm_deps_current(dir: &Path) -> Result<bool, String> {
    let lock_path = dir.join("package-lock.json");
    let lock =
        fs::read(&lock_path).map_err(|e| format!("cannot read {}: {e}", lock_path.display()))?;
    Ok(fs::read(dir.join("node_modules").join(STAMP)).is_ok_and(|stamp| stamp == lock))
}

/// Runs `npm ci` in `dir` under the cross-process lock, unless the install is current.
fn install_npm_deps(dir: &Path) -> Result<(), String> {
    if npm_deps_current(dir)? {
        return Ok(());
    }
    let _lock = DirLock::acquire(&dir.join(LOCK_DIR))?;
    // Another process may have installed while we waited for the lock.
    if npm_deps_current(dir)? {
        return Ok(());
    }
    let out = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| {
            format!(
                "cannot run `npm ci` in {} ({e}): npm must be on PATH",
                dir.display()
            )
        })?;
    if !out.status.success() {
        return Err(format!(
            "`npm ci` failed in {} ({})\n--- stdout ---\n{}\n--- stderr ---\n{}",
            dir.display(),
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        ));
    }
    let lock = fs::read(dir.join("package-lock.json"))
        .map_err(|e| format!("cannot read package-lock.json: {e}"))?;
    fs::write(dir.join("node_modules").join(STAMP), lock)
        .map_err(|e| format!("cannot write the npm stamp: {e}"))
}

/// A cross-process mutex: a directory that exists while the lock is held.
struct DirLock {
    path: PathBuf,
}

impl DirLock {
    /// Creates the lock directory, waiting while another process holds it; a directory
    /// older than [`STALE_LOCK`] is removed as abandoned.
    fn acquire(path: &Path) -> Result<Self, String> {
        loop {
            match fs::create_dir(path) {
                Ok(()) => {
                    return Ok(Self {
                        path: path.to_owned(),
                    });
                }
                Err(e) if e.kind() == ErrorKind::AlreadyExists => {
                    let age = fs::metadata(path)
                        .and_then(|m| m.modified())
                        .ok()
                        .and_then(|t| SystemTime::now().duration_since(t).ok());
                    if age.is_some_and(|age| age > STALE_LOCK) {
                        // Abandoned by a killed process; losing a race here is harmless.
                        let _ = fs::remove_dir(path);
                    } else {
                        thread::sleep(LOCK_POLL);
                    }
                }
                Err(e) => {
                    return Err(format!(
                        "cannot create the lock directory {}: {e}",
                        path.display()
                    ));
                }
            }
        }
    }
}

impl Drop for DirLock {
    fn drop(&mut self) {
        // Nothing useful to do if it is already gone.
        let _ = fs::remove_dir(&self.path);
    }
}

/// What a Node process did: its output and how it ended.
#[derive(Debug)]
pub struct NodeOutput {
    /// Everything the process wrote to stdout (lossy UTF-8).
    pub stdout: String,
    /// Everything the process wrote to stderr (lossy UTF-8).
    pub stderr: String,
    /// How the process ended (killed by a signal if it timed out).
    pub status: ExitStatus,
    /// Whether the harness killed the process because it ran past its timeout.
    pub timed_out: bool,
}

impl NodeOutput {
    /// Whether the process exited with status 0 before its timeout.
    pub fn success(&self) -> bool {
        !self.timed_out && self.status.success()
    }
}

/// Runs `node <script> <args>...` in [`js_dir`] and collects its output.
///
/// `script` is a path relative to [`js_dir`] (or absolute), or a Node flag such as `-e`
/// followed by its argument in `args`. Calls [`ensure_npm`] first. The process (and its
/// process group, on Unix) is killed if it runs longer than `timeout`.
///
/// # Panics
///
/// If `node` cannot be started (see also [`ensure_npm`]).
pub fn run_node(script: &str, args: &[&str], timeout: Duration) -> NodeOutput {
    ensure_npm();
    let mut cmd = Command::new("node");
    cmd.arg(script).args(args).current_dir(js_dir());
    let mut child = spawn_piped(cmd, &format!("`node {script}`"));
    // Read both pipes on their own threads so a chatty process cannot block on a full pipe.
    let stdout = read_on_thread(child.stdout.take());
    let stderr = read_on_thread(child.stderr.take());
    let (status, timed_out) = wait_or_kill(&mut child, timeout);
    NodeOutput {
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
        status,
        timed_out,
    }
}

/// Starts `cmd` with stdin closed, stdout and stderr piped, in a process
/// group of its own on Unix (so that killing the group takes any
/// grandchildren down too).
///
/// # Panics
///
/// If the process cannot be started (`what` names it in the message).
pub fn spawn_piped(mut cmd: Command, what: &str) -> Child {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    cmd.spawn()
        .unwrap_or_else(|e| panic!("cannot start {what}: {e}"))
}

/// Runs a Node driver like [`run_node`] and returns its stdout.
///
/// # Panics
///
/// If the process times out or exits with a non-zero status; the message holds the
/// command, the status, stdout and stderr.
pub fn assert_node_ok(script: &str, args: &[&str], timeout: Duration) -> String {
    let out = run_node(script, args, timeout);
    if !out.success() {
        let how = if out.timed_out {
            format!("timed out after {timeout:?} and was killed")
        } else {
            format!("failed ({})", out.status)
        };
        panic!(
            "`node {script} {}` {how}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            args.join(" "),
            out.stdout,
            out.stderr
        );
    }
    out.stdout
}

/// Starts the server `mux` makes on an ephemeral port, runs the Node
/// driver `script` with scenario `name` against it (60 s at most), checks
/// it printed `ok <name> ...`, stops the server and returns the output.
///
/// # Panics
///
/// If the server does not start or stop cleanly, or the scenario fails.
pub fn run_scenario(script: &str, name: &str, mux: fn() -> sio_smol::Mux) -> String {
    let addr: std::net::SocketAddr = "127.0.0.1:0".parse().expect("a literal address");
    let server = sio_smol::spawn_thread(addr, mux).expect("server starts");
    let out = assert_node_ok(script, &[name, &server.url()], Duration::from_secs(60));
    assert!(
        out.contains(&format!("ok {name} ")),
        "unexpected output: {out}"
    );
    server.stop().expect("server stops cleanly");
    out
}

/// Reads a child's pipe to the end on a new thread.
fn read_on_thread<R: Read + Send + 'static>(pipe: Option<R>) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            // A read error just ends the capture; what was read so far is kept.
            let _ = pipe.read_to_end(&mut bytes);
        }
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// Waits for `child` up to `timeout`, then kills it (and its process group on Unix).
fn wait_or_kill(child: &mut Child, timeout: Duration) -> (ExitStatus, bool) {
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return (status, false),
            Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(10)),
            _ => break,
        }
    }
    #[cfg(unix)]
    {
        // The child leads its own process group (see `run_node`): take down any
        // grandchildren (e.g. a browser) with it. Failure is fine: `kill` below still runs.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", child.id())])
            .stderr(Stdio::null())
            .status();
    }
    // It may have exited on its own meanwhile; `wait` below reports either way.
    let _ = child.kill();
    let status = child
        .wait()
        .unwrap_or_else(|e| panic!("cannot wait for node (pid {}): {e}", child.id()));
    (status, true)
}

/// Runs `f` while holding the cross-process install lock named `name`
/// (a directory under the system temp dir), so parallel test processes
/// install a dependency once.
pub fn with_install_lock<R>(name: &str, f: impl FnOnce() -> R) -> R {
    let path = std::env::temp_dir().join(format!("sio-tests-{name}.lock"));
    let _lock = DirLock::acquire(&path).unwrap_or_else(|e| panic!("{e}"));
    f()
}

/// A directory for a test's output files (screenshots, logs) under the
/// workspace's `target/test-output/`.
pub fn output_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/test-output");
    fs::create_dir_all(&dir).expect("create target/test-output");
    dir
}

#[cfg(test)]
mod harness_tests {
    use super::*;

    #[test]
    fn node_runs_and_reports_output() {
        let out = run_node(
            "-e",
            &["console.log(6 * 7); console.error('to stderr')"],
            Duration::from_secs(30),
        );
        assert!(out.success(), "{out:?}");
        assert_eq!(out.stdout.trim(), "42");
        assert_eq!(out.stderr.trim(), "to stderr");
    }

    #[test]
    fn npm_dependencies_are_installed() {
        let stdout = assert_node_ok(
            "--input-type=module",
            &[
                "-e",
                "const { Socket } = await import('engine.io-client'); \
                 const ws = await import('ws'); \
                 console.log(typeof Socket, typeof ws.WebSocket)",
            ],
            Duration::from_secs(30),
        );
        assert_eq!(stdout.trim(), "function function");
        assert!(npm_deps_current(&js_dir()).expect("package-lock.json is readable"));
    }

    #[test]
    fn failing_script_is_reported() {
        let out = run_node(
            "-e",
            &["process.stdout.write('partial'); process.exit(3)"],
            Duration::from_secs(30),
        );
        assert!(!out.success());
        assert!(!out.timed_out);
        assert_eq!(out.status.code(), Some(3));
        assert_eq!(out.stdout, "partial");
    }

    #[test]
    #[should_panic(expected = "failed")]
    fn assert_node_ok_panics_on_failure() {
        assert_node_ok("-e", &["process.exit(1)"], Duration::from_secs(30));
    }

    #[test]
    fn hung_script_is_killed_at_the_timeout() {
        let started = Instant::now();
        let out = run_node(
            "-e",
            &["console.log('started'); setInterval(() => {}, 1000)"],
            Duration::from_millis(1500),
        );
        assert!(out.timed_out, "{out:?}");
        assert!(!out.success());
        assert_eq!(out.stdout.trim(), "started");
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "took {:?}",
            started.elapsed()
        );
    }

    #[test]
    fn lock_directory_excludes_and_is_removed() {
        let dir = std::env::temp_dir().join(format!("sio-tests-lock-{}", std::process::id()));
        let lock = DirLock::acquire(&dir).expect("first acquire");
        assert!(dir.is_dir());
        let (tx, rx) = std::sync::mpsc::channel();
        let waiter = {
            let dir = dir.clone();
            thread::spawn(move || {
                let second = DirLock::acquire(&dir).expect("second acquire");
                tx.send(()).expect("receiver alive");
                drop(second);
            })
        };
        assert!(
            rx.recv_timeout(Duration::from_millis(600)).is_err(),
            "second holder got in while locked"
        );
        drop(lock);
        rx.recv_timeout(Duration::from_secs(5))
            .expect("second holder acquires after release");
        waiter.join().expect("waiter thread");
        assert!(!dir.exists(), "lock directory removed after release");
    }
}
