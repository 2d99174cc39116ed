//! Reference Socket.IO SERVERS other than ours, for testing Socket.IO clients:
//! Node's `socket.io` ([`NodeServer`], `tests/js/sio-server.mjs`) and
//! python-socketio ([`PythonServer`], `tests/py/sio_server.py`). Both have the
//! fixed behaviour described at the top of `sio-server.mjs` and in
//! `tests/js/README.md`, listen on 127.0.0.1, and print one JSON line on
//! stdout per connection, upgrade (Node only) and disconnection, which a test
//! reads to see the server's view.
//!
//! ```no_run
//! use std::time::Duration;
//! use tests::peers::NodeServer;
//!
//! let mut server = NodeServer::start(&[]);
//! let url = server.url(); // "http://127.0.0.1:<port>"
//! // ... a client connects to `url` ...
//! let seen = server.wait_event(Duration::from_secs(5), |e| e["event"] == "connect");
//! assert_eq!(seen["nsp"], "/");
//! server.restart(); // a new process on the same port (recovery state is lost)
//! server.kill(); // the port refuses connections until `restart`
//! ```
//!
//! Dependencies are installed on first use: `npm ci` in `tests/js` ([`crate::ensure_npm`]);
//! a venv in the workspace's `target/py-venv` with `tests/py/requirements.txt` installed
//! ([`ensure_python`]). A missing `node` or `python3`, or a failing install, fails the
//! test: never a skip.

use std::fs;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::process::Spawned;

/// How long a server may take to print `listening <port>`.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// How many times a start is tried when the process exits before listening
/// (e.g. a restart finding its port still taken for a moment).
const START_ATTEMPTS: u32 = 20;

/// File in the venv holding a copy of the `requirements.txt` it was installed from.
const PY_STAMP: &str = ".sio-requirements-stamp";

/// Which reference server: how to start it and what it can do.
pub trait PeerKind {
    /// A short name: `"node"` or `"python"` (the client driver's third argument).
    const NAME: &'static str;
    /// Whether the server has connection state recovery.
    const RECOVERY: bool;
    /// The command that starts the server script (dependencies installed
    /// first), without arguments.
    fn command() -> Command;
}

/// Node's `socket.io` (4.8.4, pinned in `tests/js/package-lock.json`).
pub struct Node;

/// python-socketio on aiohttp (pinned in `tests/py/requirements.txt`).
pub struct Python;

impl PeerKind for Node {
    const NAME: &'static str = "node";
    const RECOVERY: bool = true;

    fn command() -> Command {
        crate::ensure_npm();
        let mut cmd = Command::new("node");
        cmd.arg("sio-server.mjs").current_dir(crate::js_dir());
        cmd
    }
}

impl PeerKind for Python {
    const NAME: &'static str = "python";
    const RECOVERY: bool = false;

    fn command() -> Command {
        let mut cmd = Command::new(ensure_python());
        cmd.arg("sio_server.py")
            .current_dir(py_dir())
            .env("PYTHONUNBUFFERED", "1")
            .env("PYTHONDONTWRITEBYTECODE", "1");
        cmd
    }
}

/// The Node reference server.
pub type NodeServer = PeerServer<Node>;

/// The Python reference server.
pub type PythonServer = PeerServer<Python>;

/// A reference server running (or killed, to be restarted) on a fixed port.
/// The process is killed when this is dropped.
pub struct PeerServer<P: PeerKind> {
    /// The arguments given to `start`, without `--port`.
    args: Vec<String>,
    port: u16,
    tls: bool,
    process: Option<Spawned>,
    /// The current process's stdout lines read so far (after `listening`).
    lines: Vec<String>,
    /// Its stderr lines read so far.
    errors: Vec<String>,
    kind: PhantomData<P>,
}

impl<P: PeerKind> PeerServer<P> {
    /// Starts the server with `args` (see the script's header: `--port N`,
    /// `--cert FILE --key FILE` with absolute paths, `--ping-interval MS`,
    /// `--ping-timeout MS`); on an ephemeral port unless `--port` is given.
    /// Returns once it printed `listening <port>`.
    ///
    /// # Panics
    ///
    /// If its dependencies cannot be installed or it does not start listening
    /// within 30 s.
    pub fn start(args: &[&str]) -> Self {
        let mut port = 0;
        let mut rest = Vec::new();
        let mut it = args.iter();
        while let Some(&arg) = it.next() {
            if arg == "--port" {
                let value = it.next().expect("--port needs a value");
                port = value.parse().expect("--port needs a number");
            } else {
                rest.push(arg.to_owned());
            }
        }
        let tls = rest.iter().any(|a| a == "--cert");
        let mut server = PeerServer {
            args: rest,
            port,
            tls,
            process: None,
            lines: Vec::new(),
            errors: Vec::new(),
            kind: PhantomData,
        };
        server.launch();
        server
    }

    /// The port it listens on (the same after [`PeerServer::restart`]).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Its base URL: `http://127.0.0.1:<port>` (`https` with `--cert`).
    pub fn url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://127.0.0.1:{}", self.port)
    }

    /// Every stdout line the current process printed after `listening`, up to now.
    pub fn lines(&mut self) -> &[String] {
        self.pull(Duration::ZERO);
        &self.lines
    }

    /// The JSON lines among [`PeerServer::lines`] (connections, upgrades, disconnections).
    pub fn events(&mut self) -> Vec<Value> {
        self.pull(Duration::ZERO);
        self.lines
            .iter()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    /// The first JSON line of the current process (old ones included) that
    /// satisfies `want`, waiting up to `timeout` for it.
    ///
    /// # Panics
    ///
    /// If none comes in time or the process ends first (with its output).
    pub fn wait_event(&mut self, timeout: Duration, want: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + timeout;
        let mut checked = 0;
        loop {
            for line in &self.lines[checked..] {
                if let Ok(event) = serde_json::from_str::<Value>(line)
                    && want(&event)
                {
                    return event;
                }
            }
            checked = self.lines.len();
            let left = deadline.saturating_duration_since(Instant::now());
            let running = self.is_running();
            if left.is_zero() || !running {
                let why = if running {
                    format!("no such event within {timeout:?}")
                } else {
                    "the server is not running".to_owned()
                };
                panic!(
                    "{} server: {why}; its lines:\n{}\nstderr:\n{}",
                    P::NAME,
                    self.lines.join("\n"),
                    self.stderr()
                );
            }
            self.pull(left.min(Duration::from_millis(100)));
        }
    }

    /// Kills the process and starts it again on the same port with the same
    /// arguments; the lines start over (so does the server's state: sessions
    /// kept for recovery are lost).
    ///
    /// # Panics
    ///
    /// As [`PeerServer::start`].
    pub fn restart(&mut self) {
        self.kill();
        self.launch();
    }

    /// Kills the process (and its process group); the port is closed until
    /// [`PeerServer::restart`].
    pub fn kill(&mut self) {
        self.process = None;
    }

    /// Whether the process runs.
    pub fn is_running(&mut self) -> bool {
        self.process.as_mut().is_some_and(|p| !p.exited())
    }

    /// What the current process printed on stderr so far (waits briefly for more).
    pub fn stderr(&mut self) -> String {
        if let Some(process) = self.process.as_mut() {
            while let Some(line) = process.try_line(true, Duration::from_millis(50)) {
                self.errors.push(line);
            }
        }
        self.errors.join("\n")
    }

    /// Reads the stdout lines that arrived, waiting up to `first` for the first one.
    fn pull(&mut self, first: Duration) {
        let Some(process) = self.process.as_mut() else {
            return;
        };
        let mut wait = first;
        while let Some(line) = process.try_line(false, wait) {
            self.lines.push(line);
            wait = Duration::ZERO;
        }
    }

    /// Starts the process on `self.port` (0: any) and waits for `listening`.
    fn launch(&mut self) {
        self.lines.clear();
        self.errors.clear();
        let mut failures = Vec::new();
        for attempt in 1..=START_ATTEMPTS {
            let mut cmd = P::command();
            cmd.arg("--port")
                .arg(self.port.to_string())
                .args(&self.args);
            let what = format!("{} sio server {}", P::NAME, self.args.join(" "));
            let mut process = Spawned::start(cmd, &what);
            match wait_listening(&mut process) {
                Ok(port) => {
                    assert!(
                        self.port == 0 || port == self.port,
                        "{what}: asked for port {}, listening on {port}",
                        self.port
                    );
                    self.port = port;
                    self.process = Some(process);
                    return;
                }
                Err(output) => {
                    failures.push(format!("attempt {attempt}:\n{output}"));
                    // Only a fixed port is worth retrying (it may be free in a moment).
                    if self.port == 0 {
                        break;
                    }
                    thread::sleep(Duration::from_millis(250));
                }
            }
        }
        panic!(
            "the {} reference server did not start listening:\n{}",
            P::NAME,
            failures.join("\n")
        );
    }
}

/// Waits for `listening <port>`; `Err` with the output if the process ends
/// first or stays silent past [`START_TIMEOUT`].
fn wait_listening(process: &mut Spawned) -> Result<u16, String> {
    let deadline = Instant::now() + START_TIMEOUT;
    while Instant::now() < deadline {
        if let Some(line) = process.try_line(false, Duration::from_millis(100)) {
            if let Some(port) = line.strip_prefix("listening ") {
                return port
                    .trim()
                    .parse()
                    .map_err(|e| format!("bad port in {line:?}: {e}"));
            }
        } else if process.exited() {
            let rest = process.drain();
            return Err(format!(
                "exited before listening; output:\n{}\n{rest}",
                process.seen().join("\n")
            ));
        }
    }
    Err(format!(
        "not listening after {START_TIMEOUT:?}; output:\n{}",
        process.seen().join("\n")
    ))
}

/// The Python server's directory: `tests/py`.
pub fn py_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("py")
}

/// The venv the Python server runs in: the workspace's `target/py-venv`.
pub fn venv_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/py-venv")
}

/// Makes sure the venv exists with `tests/py/requirements.txt` installed and
/// returns its `python`. Installs (`python3 -m venv`, then `pip install -r`)
/// unless a stamp in the venv says it holds the current requirements, under
/// the cross-process install lock ([`crate::with_install_lock`]) so that
/// parallel tests install once; a venv from other requirements is made anew.
/// Runs once per process.
///
/// # Panics
///
/// If `python3` is missing or the install fails (with pip's output).
pub fn ensure_python() -> PathBuf {
    static READY: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    READY
        .get_or_init(install_venv)
        .clone()
        .unwrap_or_else(|e| panic!("{e}"))
}

fn install_venv() -> Result<PathBuf, String> {
    let requirements = py_dir().join("requirements.txt");
    let want = fs::read(&requirements)
        .map_err(|e| format!("cannot read {}: {e}", requirements.display()))?;
    let venv = venv_dir();
    let python = venv.join("bin").join("python");
    let stamp = venv.join(PY_STAMP);
    let current = || python.exists() && fs::read(&stamp).is_ok_and(|s| s == want);
    if current() {
        return Ok(python);
    }
    crate::with_install_lock("py-venv", || {
        // Another process may have installed while we waited for the lock.
        if current() {
            return Ok(python.clone());
        }
        if venv.exists() {
            fs::remove_dir_all(&venv)
                .map_err(|e| format!("cannot remove the old {}: {e}", venv.display()))?;
        }
        eprintln!(
            "creating {} (pip install -r tests/py/requirements.txt)...",
            venv.display()
        );
        run_quiet(
            Command::new("python3").arg("-m").arg("venv").arg(&venv),
            "python3 -m venv (python3 >= 3.8 with the venv module must be installed)",
        )?;
        run_quiet(
            Command::new(&python)
                .args([
                    "-m",
                    "pip",
                    "install",
                    "--disable-pip-version-check",
                    "--no-input",
                    "-q",
                    "-r",
                ])
                .arg(&requirements),
            "pip install -r tests/py/requirements.txt",
        )?;
        fs::write(&stamp, &want).map_err(|e| format!("cannot write {}: {e}", stamp.display()))?;
        Ok(python.clone())
    })
}

/// Runs `cmd` to the end; `Err` with its output when it cannot start or fails.
fn run_quiet(cmd: &mut Command, what: &str) -> Result<(), String> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {what}: {e}"))?;
    if out.status.success() {
        return Ok(());
    }
    Err(format!(
        "{what} failed ({})\n--- stdout ---\n{}\n--- stderr ---\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    ))
}
