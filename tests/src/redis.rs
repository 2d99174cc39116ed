//! A private `redis-server` per test: Debian's `redis-server` package,
//! installed with apt-get when missing (a missing Redis fails the test,
//! never skips it), on an ephemeral port, its data in a temporary
//! directory, killed on drop.
//!
//! ```no_run
//! let mut redis = tests::redis::RedisServer::start();
//! let url = redis.url(); // "redis://127.0.0.1:<port>"
//! redis.stop(); // SIGKILL: clients see the connection break
//! redis.restart(); // same port, empty
//! # drop(url);
//! ```

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread;
use std::time::{Duration, Instant};

/// The server binary, looked up on `PATH`.
const REDIS_SERVER: &str = "redis-server";

/// Lock file serialising the apt-get install across parallel test processes.
const INSTALL_LOCK: &str = "/tmp/sio-tests-redis-install.lock";

/// How long a started server may take to answer `PING`.
const READY_TIMEOUT: Duration = Duration::from_secs(10);

/// How many times `restart` tries when the port is briefly busy.
const RESTART_ATTEMPTS: u32 = 5;

/// A `redis-server` of one test, on `127.0.0.1:<port>`, no persistence.
/// Killed (SIGKILL) and its temporary directory removed on drop.
pub struct RedisServer {
    port: u16,
    dir: PathBuf,
    child: Option<Child>,
}

impl RedisServer {
    /// Installs `redis-server` if needed and starts one on an ephemeral
    /// port; returns once it answers `PING` with `+PONG`.
    ///
    /// # Panics
    ///
    /// If the install fails, or the server does not answer within 10 s
    /// (the message holds the tail of its log).
    pub fn start() -> RedisServer {
        ensure_redis_server();
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "sio-redis-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
        let mut server = RedisServer {
            port: 0,
            dir,
            child: None,
        };
        // Another test process may take the port between `free_port` and
        // the launch: then try another one.
        let mut last = String::new();
        for _ in 0..RESTART_ATTEMPTS {
            server.port = free_port();
            match server.launch() {
                Ok(()) => return server,
                Err(e) => last = e,
            }
        }
        panic!("redis-server did not start: {last}")
    }

    /// The TCP port it listens on (on 127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `redis://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// A plain blocking client of this server, for a test to look or act
    /// beside the code under test.
    ///
    /// # Panics
    ///
    /// If it cannot connect.
    pub fn client(&self) -> RedisClient {
        let addr = SocketAddr::from(([127, 0, 0, 1], self.port));
        let stream = TcpStream::connect(addr).expect("connect to the test's redis-server");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("set a read timeout");
        RedisClient {
            conn: BufReader::new(stream),
        }
    }

    /// Kills the server (SIGKILL) and waits for it to exit: clients see
    /// their connections break, nothing is saved. Does nothing when it is
    /// already stopped.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // It may have died on its own; `wait` reaps it either way.
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same port, empty (no persistence);
    /// stops it first if it is running. Retries a few times if the port is
    /// briefly busy.
    ///
    /// # Panics
    ///
    /// If it does not answer `PING` after the retries (the message holds
    /// the tail of its log).
    pub fn restart(&mut self) {
        self.stop();
        let mut last = String::new();
        for attempt in 0..RESTART_ATTEMPTS {
            match self.launch() {
                Ok(()) => return,
                Err(e) => {
                    last = e;
                    thread::sleep(Duration::from_millis(200 << attempt));
                }
            }
        }
        panic!(
            "redis-server did not restart on port {} after {RESTART_ATTEMPTS} attempts: {last}",
            self.port
        );
    }

    /// Spawns `redis-server` on `self.port` and waits for `+PONG`; on
    /// failure the process is killed and the error holds the log's tail.
    fn launch(&mut self) -> Result<(), String> {
        let log_path = self.dir.join("redis.log");
        let log = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)
            .map_err(|e| format!("cannot open {}: {e}", log_path.display()))?;
        let log_err = log
            .try_clone()
            .map_err(|e| format!("cannot clone the log file handle: {e}"))?;
        let mut cmd = Command::new(REDIS_SERVER);
        cmd.args(["--port", &self.port.to_string()])
            .args(["--bind", "127.0.0.1"])
            .args(["--save", ""])
            .args(["--appendonly", "no"])
            .arg("--dir")
            .arg(&self.dir)
            .args(["--daemonize", "no"])
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err);
        let child = cmd
            .spawn()
            .map_err(|e| format!("cannot run {REDIS_SERVER}: {e}"))?;
        self.child = Some(child);
        let addr = SocketAddr::from(([127, 0, 0, 1], self.port));
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            // The answer must come from our own server, not from another
            // test's that holds the port.
            let ours = self.child.as_ref().map(Child::id);
            if ping(addr) && server_pid(addr) == ours {
                return Ok(());
            }
            // An exited server (port taken, bad option) will never answer.
            let exited = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten());
            if exited.is_some() || Instant::now() >= deadline {
                self.stop();
                let why = match exited {
                    Some(status) => format!("it exited ({status})"),
                    None => format!("no +PONG within {READY_TIMEOUT:?}"),
                };
                return Err(format!(
                    "port {}: {why}\n--- tail of {} ---\n{}",
                    self.port,
                    log_path.display(),
                    tail(&log_path, 30)
                ));
            }
            thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
        // Nothing useful to do if removing the temporary directory fails.
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// A reply, as [`RedisClient`] reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// `+...`
    Simple(String),
    /// `-...`
    Error(String),
    /// `:...`
    Int(i64),
    /// `$n` and its bytes.
    Bulk(Vec<u8>),
    /// `$-1` or `*-1`.
    Nil,
    /// `*n` and its elements.
    Array(Vec<Reply>),
}

/// A blocking RESP2 client of a test's Redis ([`RedisServer::client`]):
/// one command at a time, or written ahead with [`RedisClient::send`] and
/// read back with [`RedisClient::read`]. Reads time out after 10 s.
pub struct RedisClient {
    conn: BufReader<TcpStream>,
}

impl RedisClient {
    /// Sends one command and reads its reply.
    pub fn call(&mut self, args: &[&str]) -> Reply {
        let args: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        self.send(&args);
        self.read()
    }

    /// Writes one command without reading its reply.
    ///
    /// # Panics
    ///
    /// If the write fails.
    pub fn send(&mut self, args: &[&[u8]]) {
        let mut out = format!("*{}\r\n", args.len()).into_bytes();
        for arg in args {
            out.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
            out.extend_from_slice(arg);
            out.extend_from_slice(b"\r\n");
        }
        self.conn.get_mut().write_all(&out).expect("write to redis");
    }

    /// Reads the next reply.
    ///
    /// # Panics
    ///
    /// If the connection breaks or times out, or the reply is malformed.
    pub fn read(&mut self) -> Reply {
        let mut line = Vec::new();
        self.conn
            .read_until(b'\n', &mut line)
            .expect("read a reply line");
        assert!(line.ends_with(b"\r\n"), "a truncated reply: {line:?}");
        let text = String::from_utf8_lossy(&line[1..line.len() - 2]).into_owned();
        let number = || text.parse::<i64>().expect("a number");
        match line[0] {
            b'+' => Reply::Simple(text),
            b'-' => Reply::Error(text),
            b':' => Reply::Int(number()),
            b'$' if number() < 0 => Reply::Nil,
            b'*' if number() < 0 => Reply::Nil,
            b'$' => {
                let mut bytes = vec![0; number() as usize + 2];
                self.conn
                    .read_exact(&mut bytes)
                    .expect("read a bulk string");
                bytes.truncate(bytes.len() - 2);
                Reply::Bulk(bytes)
            }
            b'*' => Reply::Array((0..number()).map(|_| self.read()).collect()),
            other => panic!("unknown reply type {other}"),
        }
    }
}

/// Makes sure `redis-server` is on `PATH`, installing Debian's package
/// when it is not: `apt-get install -y redis-server` (after `apt-get
/// update` if the first try fails), under `flock` on a lock file in /tmp
/// so that parallel test processes install it once. The package's own
/// service (on port 6379, started by its postinst) is harmless and left
/// alone. Panics when it cannot.
pub fn ensure_redis_server() {
    if on_path(REDIS_SERVER) {
        return;
    }
    eprintln!("installing Debian's redis-server (apt-get)...");
    let sudo = if is_root() { "" } else { "sudo -n " };
    // The whole check-then-install runs under the lock, so a process that
    // waited finds the binary installed by the one before it.
    let script = format!(
        "command -v {REDIS_SERVER} >/dev/null && exit 0; \
         {sudo}apt-get install -y -q -o DPkg::Lock::Timeout=300 redis-server \
         || {{ {sudo}apt-get update -q -o DPkg::Lock::Timeout=300 \
         && {sudo}apt-get install -y -q -o DPkg::Lock::Timeout=300 redis-server; }}"
    );
    let out = Command::new("flock")
        .arg(INSTALL_LOCK)
        .args(["sh", "-c", &script])
        .env("DEBIAN_FRONTEND", "noninteractive")
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run `flock` (util-linux) to install redis-server: {e}"));
    assert!(
        out.status.success() && on_path(REDIS_SERVER),
        "installing redis-server with apt-get failed ({}); the Redis tests need it\n\
         --- stdout ---\n{}\n--- stderr ---\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
}

/// Whether `name` is an executable file in one of `PATH`'s directories.
fn on_path(name: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|path| {
        std::env::split_paths(&path).any(|dir| {
            let file = dir.join(name);
            fs::metadata(&file).is_ok_and(|m| {
                use std::os::unix::fs::PermissionsExt;
                m.is_file() && m.permissions().mode() & 0o111 != 0
            })
        })
    })
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0\n"))
        .unwrap_or(false)
}

/// A port that was free a moment ago: bound on 127.0.0.1:0, then released.
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener
        .local_addr()
        .expect("a bound listener has an address")
        .port()
}

/// Whether a Redis answers `PING` with `+PONG` at `addr` (within 1 s).
pub fn ping(addr: SocketAddr) -> bool {
    let Ok(mut s) = TcpStream::connect_timeout(&addr, Duration::from_secs(1)) else {
        return false;
    };
    let timeout = Some(Duration::from_secs(1));
    if s.set_read_timeout(timeout).is_err() || s.write_all(b"PING\r\n").is_err() {
        return false;
    }
    let mut buf = [0u8; 7];
    let mut got = 0;
    while got < buf.len() {
        match s.read(&mut buf[got..]) {
            Ok(0) | Err(_) => break,
            Ok(n) => got += n,
        }
    }
    &buf[..got] == b"+PONG\r\n"
}

/// The `process_id` of the Redis at `addr` (`INFO server`), if it answers.
fn server_pid(addr: SocketAddr) -> Option<u32> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(1)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(1))).ok()?;
    s.write_all(b"INFO server\r\n").ok()?;
    let mut reply = Vec::new();
    let mut buf = [0u8; 4096];
    // A bulk reply: wait for the field, then stop (the connection stays open).
    while !String::from_utf8_lossy(&reply).contains("\r\nrun_id:") {
        let n = s.read(&mut buf).ok().filter(|&n| n > 0)?;
        reply.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&reply);
    let line = text.lines().find_map(|l| l.strip_prefix("process_id:"))?;
    line.trim().parse().ok()
}

/// The last `lines` lines of the file at `path` (or why it cannot be read).
fn tail(path: &Path, lines: usize) -> String {
    match fs::read(path) {
        Ok(bytes) => {
            let text = String::from_utf8_lossy(&bytes);
            let all: Vec<&str> = text.lines().collect();
            all[all.len().saturating_sub(lines)..].join("\n")
        }
        Err(e) => format!("(cannot read it: {e})"),
    }
}
