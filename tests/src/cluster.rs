//! Node peers for the Redis cluster tests: a controllable cluster member
//! ([`ClusterMember`], `tests/js/cluster-node.mjs`: `socket.io` with
//! `@socket.io/redis-adapter`) and a set of named `socket.io-client` clients
//! ([`ClusterClients`], `tests/js/cluster-clients.mjs`). Both are driven the
//! same way ([`JsonLines`]): one JSON command a line on stdin, answered by a
//! `{"reply":<id>,...}` line on stdout; every other stdout line is an event
//! kept for [`JsonLines::wait_event`]. The protocols are at the top of the
//! two scripts; binary values travel as `{"$bin":"<base64>"}`.
//!
//! ```no_run
//! use std::time::Duration;
//! use serde_json::json;
//! use tests::cluster::{ClusterClients, ClusterMember};
//!
//! # let redis_url = "redis://127.0.0.1:6379";
//! let mut a = ClusterMember::start(redis_url);
//! let mut b = ClusterMember::start(redis_url);
//! let mut clients = ClusterClients::start();
//! clients.connect("b1", &b.url(), "/", "websocket", json!({"rooms": ["r1"]}));
//! a.command(json!({"op": "emit", "to": ["r1"], "event": "hi", "args": [1]}));
//! clients.wait_received("b1", "hi", 1, Duration::from_secs(5));
//! ```

use std::io::Write;
use std::ops::{Deref, DerefMut};
use std::process::{ChildStdin, Command};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::process::Spawned;

/// How long [`JsonLines::command`] waits for its reply.
const REPLY_TIMEOUT: Duration = Duration::from_secs(15);

/// How long a cluster member may take to print `listening <port>`.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// A Node driver talking JSON lines: commands on stdin, replies and events
/// on stdout. Killed (with its process group) when dropped.
pub struct JsonLines {
    process: Spawned,
    stdin: ChildStdin,
    what: String,
    next_id: u64,
    /// The JSON lines that are not replies, in order.
    events: Vec<Value>,
    /// Every stdout line, for error messages.
    lines: Vec<String>,
}

impl JsonLines {
    /// Starts `node <script> <args>` in the drivers' directory (npm
    /// dependencies installed first) with a pipe to its stdin.
    pub fn start(script: &str, args: &[&str]) -> JsonLines {
        crate::ensure_npm();
        let mut cmd = Command::new("node");
        cmd.arg(script).args(args).current_dir(crate::js_dir());
        JsonLines::spawn(cmd, &format!("node {script} {}", args.join(" ")))
    }

    /// Starts `cmd` (any program speaking the same JSON lines) with a pipe
    /// to its stdin.
    pub fn spawn(cmd: Command, what: &str) -> JsonLines {
        let what = what.to_owned();
        let (process, stdin) = Spawned::start_with_stdin(cmd, &what);
        JsonLines {
            process,
            stdin,
            what,
            next_id: 1,
            events: Vec::new(),
            lines: Vec::new(),
        }
    }

    /// Sends `cmd` (an object; its `"id"` is set here) and returns its reply
    /// line (`{"reply":<id>,"ok":..,...}`), waiting up to 15 s. Lines that
    /// come meanwhile are kept as events.
    ///
    /// # Panics
    ///
    /// If the process cannot be written to, or no reply comes in time.
    pub fn command(&mut self, mut cmd: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        cmd["id"] = json!(id);
        let line = format!("{cmd}\n");
        if let Err(e) = self.stdin.write_all(line.as_bytes()) {
            self.fail(&format!("cannot send {cmd}: {e}"));
        }
        let deadline = Instant::now() + REPLY_TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let Some(line) = self
                .process
                .try_line(false, left.min(Duration::from_millis(100)))
            else {
                if left.is_zero() || self.process.exited() {
                    self.fail(&format!("no reply to {cmd} within {REPLY_TIMEOUT:?}"));
                }
                continue;
            };
            if let Some(reply) = self.keep(line)
                && reply["reply"] == json!(id)
            {
                return reply;
            }
        }
    }

    /// [`JsonLines::command`], asserting `"ok": true` in the reply.
    ///
    /// # Panics
    ///
    /// As [`JsonLines::command`], or if the reply is not ok.
    pub fn command_ok(&mut self, cmd: Value) -> Value {
        let reply = self.command(cmd.clone());
        if reply["ok"] != true {
            self.fail(&format!("{cmd} failed: {reply}"));
        }
        reply
    }

    /// The first event (old ones included) that satisfies `want`, waiting up
    /// to `timeout` for it.
    ///
    /// # Panics
    ///
    /// If none comes in time or the process ends first.
    pub fn wait_event(&mut self, timeout: Duration, want: impl Fn(&Value) -> bool) -> Value {
        self.wait_until(timeout, "no such event", |events| {
            events.iter().find(|e| want(e)).cloned()
        })
    }

    /// Waits up to `timeout` until `check` (given every event so far)
    /// returns `Some`, and returns that.
    ///
    /// # Panics
    ///
    /// If it does not in time (`what` says what was awaited) or the process
    /// ends first.
    pub fn wait_until<T>(
        &mut self,
        timeout: Duration,
        what: &str,
        check: impl Fn(&[Value]) -> Option<T>,
    ) -> T {
        match self.try_wait_until(timeout, check) {
            Some(found) => found,
            None => self.fail(&format!("{what} within {timeout:?}")),
        }
    }

    /// [`JsonLines::wait_until`] that returns `None` instead of panicking
    /// when `check` does not succeed in time (or the process ended).
    pub fn try_wait_until<T>(
        &mut self,
        timeout: Duration,
        check: impl Fn(&[Value]) -> Option<T>,
    ) -> Option<T> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(found) = check(&self.events) {
                return Some(found);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() || self.process.exited() {
                return None;
            }
            self.pull(left.min(Duration::from_millis(100)));
        }
    }

    /// Every event seen so far.
    pub fn events(&mut self) -> Vec<Value> {
        self.pull(Duration::ZERO);
        self.events.clone()
    }

    /// Sends `signal` (e.g. `"STOP"`, `"CONT"`) to the process.
    pub fn signal(&self, signal: &str) {
        self.process.signal(signal);
    }

    /// Kills the process (SIGKILL) and waits for it to be gone.
    pub fn kill(&mut self) {
        self.process.signal("KILL");
        if self.process.wait_exit(Duration::from_secs(10)).is_none() {
            self.fail("still running 10 s after SIGKILL");
        }
    }

    /// Waits up to `timeout` for the process to exit on its own (e.g. after
    /// a `close` command), keeping what it printed meanwhile.
    ///
    /// # Panics
    ///
    /// If it is still running after `timeout`.
    pub fn wait_exit(&mut self, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while !self.process.exited() {
            if Instant::now() >= deadline {
                self.fail(&format!(
                    "still running {timeout:?} after it was asked to exit"
                ));
            }
            self.pull(Duration::from_millis(20));
        }
        self.pull(Duration::ZERO);
    }

    /// Reads the stdout lines that arrived, waiting up to `first` for the
    /// first one.
    fn pull(&mut self, first: Duration) {
        let mut wait = first;
        while let Some(line) = self.process.try_line(false, wait) {
            self.keep(line);
            wait = Duration::ZERO;
        }
    }

    /// Records a stdout line: a reply is returned, any other JSON line is
    /// kept as an event.
    fn keep(&mut self, line: String) -> Option<Value> {
        let parsed = serde_json::from_str::<Value>(&line).ok();
        self.lines.push(line);
        let value = parsed?;
        if value.get("reply").is_some() {
            return Some(value);
        }
        self.events.push(value);
        None
    }

    /// Waits for the line `<prefix><rest>` (JSON lines before it are kept as
    /// events) and returns `rest`.
    fn wait_prefixed(&mut self, prefix: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self
                .process
                .try_line(false, left.min(Duration::from_millis(100)))
            {
                Some(line) => {
                    if let Some(rest) = line.strip_prefix(prefix) {
                        return rest.to_owned();
                    }
                    self.keep(line);
                }
                None if left.is_zero() || self.process.exited() => {
                    self.fail(&format!("no `{prefix}` line within {timeout:?}"));
                }
                None => {}
            }
        }
    }

    /// Panics with `why`, the stdout lines read and what is left of both
    /// streams (stderr included).
    fn fail(&mut self, why: &str) -> ! {
        let running = !self.process.exited();
        let rest = self.process.drain();
        panic!(
            "{}: {why} (running: {running})\n--- stdout ---\n{}\n--- not read yet (stdout, then stderr) ---\n{rest}",
            self.what,
            self.lines.join("\n"),
        );
    }
}

/// A member of a Redis cluster of Socket.IO servers, with namespaces `/`
/// and `/chat`, on an ephemeral port of 127.0.0.1: Node's `socket.io`
/// 4.8.4 with `@socket.io/redis-adapter` 8.3.0 (classic Pub/Sub adapter;
/// [`ClusterMember::start`]) or ours on `SocketIo::with_redis`
/// ([`ClusterMember::start_rust`]). Commands and events are described at
/// the top of `tests/js/cluster-node.mjs`; [`JsonLines`]' methods are
/// reachable through `Deref`.
pub struct ClusterMember {
    lines: JsonLines,
    port: u16,
    kind: MemberKind,
}

/// Which implementation a [`ClusterMember`] runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberKind {
    /// Node's `socket.io` with `@socket.io/redis-adapter` (`cluster-node.mjs`).
    Node,
    /// Ours, on `SocketIo::with_redis` (`tests/src/bin/cluster_member.rs`).
    Rust,
}

impl MemberKind {
    /// `"node"` or `"rust"`: what its server-side answers carry as `from`.
    pub fn name(self) -> &'static str {
        match self {
            MemberKind::Node => "node",
            MemberKind::Rust => "rust",
        }
    }
}

impl ClusterMember {
    /// Starts a member on `redis_url` with the adapter's defaults.
    ///
    /// # Panics
    ///
    /// If it does not print `listening <port>` within 30 s.
    pub fn start(redis_url: &str) -> ClusterMember {
        ClusterMember::start_with(redis_url, &[])
    }

    /// Starts a member with options: `--key K`, `--requests-timeout MS`.
    ///
    /// # Panics
    ///
    /// As [`ClusterMember::start`].
    pub fn start_with(redis_url: &str, args: &[&str]) -> ClusterMember {
        let mut all = vec![redis_url];
        all.extend_from_slice(args);
        ClusterMember::listening(JsonLines::start("cluster-node.mjs", &all), MemberKind::Node)
    }

    /// Starts OUR member (`tests/src/bin/cluster_member.rs`: the same
    /// protocol on `SocketIo::with_redis`) on `redis_url`, with the same
    /// options as [`ClusterMember::start_with`].
    ///
    /// # Panics
    ///
    /// As [`ClusterMember::start`], or if it cannot be built.
    pub fn start_rust(redis_url: &str, args: &[&str]) -> ClusterMember {
        let mut cmd = Command::new(crate::process::cluster_member_bin());
        cmd.arg(redis_url).args(args);
        let what = format!("cluster_member {redis_url} {}", args.join(" "));
        ClusterMember::listening(JsonLines::spawn(cmd, &what), MemberKind::Rust)
    }

    /// Starts a member of `kind` (see [`ClusterMember::start_with`] and
    /// [`ClusterMember::start_rust`]).
    pub fn start_kind(kind: MemberKind, redis_url: &str, args: &[&str]) -> ClusterMember {
        match kind {
            MemberKind::Node => ClusterMember::start_with(redis_url, args),
            MemberKind::Rust => ClusterMember::start_rust(redis_url, args),
        }
    }

    /// Which implementation it runs.
    pub fn kind(&self) -> MemberKind {
        self.kind
    }

    /// Waits for the `listening <port>` line of a member just started.
    fn listening(mut lines: JsonLines, kind: MemberKind) -> ClusterMember {
        let port = lines.wait_prefixed("listening ", START_TIMEOUT);
        let port = port
            .trim()
            .parse()
            .unwrap_or_else(|e| lines.fail(&format!("bad port {port:?}: {e}")));
        ClusterMember { lines, port, kind }
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Its address, `127.0.0.1:<port>`.
    pub fn addr(&self) -> std::net::SocketAddr {
        std::net::SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    /// Its base URL, `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Deref for ClusterMember {
    type Target = JsonLines;
    fn deref(&self) -> &JsonLines {
        &self.lines
    }
}

impl DerefMut for ClusterMember {
    fn deref_mut(&mut self) -> &mut JsonLines {
        &mut self.lines
    }
}

/// Named `socket.io-client` 4.8.4 clients in one Node process (each with a
/// connection of its own, reconnection on). Every event a client receives is
/// an event line `{"event":"recv","name","ev","args","acked"}`; a client
/// answers a server's ack request with `{"from":<name>}`. [`JsonLines`]'
/// methods are reachable through `Deref`.
pub struct ClusterClients {
    lines: JsonLines,
}

impl ClusterClients {
    /// Starts the process (no clients yet).
    pub fn start() -> ClusterClients {
        ClusterClients {
            lines: JsonLines::start("cluster-clients.mjs", &[]),
        }
    }

    /// Connects client `name` to `url` + `nsp` over `transport`
    /// (`"websocket"` or `"polling"`) with `auth`; returns its socket id.
    ///
    /// # Panics
    ///
    /// If it does not connect.
    pub fn connect(
        &mut self,
        name: &str,
        url: &str,
        nsp: &str,
        transport: &str,
        auth: Value,
    ) -> String {
        let reply = self.command_ok(json!({
            "op": "connect", "name": name, "url": url, "nsp": nsp,
            "transports": [transport], "auth": auth,
        }));
        reply["sid"]
            .as_str()
            .unwrap_or_else(|| panic!("no sid in {reply}"))
            .to_owned()
    }

    /// Emits `event` with `args` (a JSON array) from client `name`; with
    /// `ack`, waits for the server's ack and returns its arguments (the
    /// reply's `args`), else returns `null`.
    ///
    /// # Panics
    ///
    /// If the command fails (no ack within 5 s).
    pub fn emit(&mut self, name: &str, event: &str, args: Value, ack: bool) -> Value {
        let reply = self.command_ok(json!({
            "op": "emit", "name": name, "event": event, "args": args, "ack": ack,
        }));
        reply.get("args").cloned().unwrap_or(Value::Null)
    }

    /// Disconnects client `name` (and forgets it).
    pub fn close(&mut self, name: &str) {
        self.command_ok(json!({"op": "close", "name": name}));
    }

    /// The `recv` events of client `name` so far.
    pub fn received(&mut self, name: &str) -> Vec<Value> {
        self.events()
            .into_iter()
            .filter(|e| is_recv(e, name, None))
            .collect()
    }

    /// Waits up to `timeout` until client `name` has received event `ev` at
    /// least `count` times, and returns those `recv` events.
    ///
    /// # Panics
    ///
    /// If it has not in time.
    pub fn wait_received(
        &mut self,
        name: &str,
        ev: &str,
        count: usize,
        timeout: Duration,
    ) -> Vec<Value> {
        let what = format!("{name} did not receive {ev:?} {count} time(s)");
        self.wait_until(timeout, &what, |events| {
            let got: Vec<Value> = events
                .iter()
                .filter(|e| is_recv(e, name, Some(ev)))
                .cloned()
                .collect();
            (got.len() >= count).then_some(got)
        })
    }
}

impl ClusterClients {
    /// Waits until every client of `names` received `ev` with exactly
    /// `args` (e.g. a numbered fence).
    ///
    /// # Panics
    ///
    /// If one has not within `timeout`.
    pub fn wait_all_received<'a>(
        &mut self,
        names: impl IntoIterator<Item = &'a str>,
        ev: &str,
        args: &Value,
        timeout: Duration,
    ) {
        for name in names {
            let what = format!("{name} did not get {ev} {args}");
            self.wait_until(timeout, &what, |events| {
                events
                    .iter()
                    .any(|e| is_recv(e, name, Some(ev)) && e["args"] == *args)
                    .then_some(())
            });
        }
    }

    /// The clients that received `ev` so far.
    ///
    /// # Panics
    ///
    /// If a client received it more than once.
    pub fn recipients(&mut self, ev: &str) -> std::collections::BTreeSet<String> {
        let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
        for e in self.events() {
            if e["event"] == "recv" && e["ev"] == ev {
                let name = e["name"].as_str().unwrap_or_default().to_owned();
                *counts.entry(name).or_default() += 1;
            }
        }
        assert!(
            counts.values().all(|&c| c == 1),
            "{ev:?} delivered more than once: {counts:?}"
        );
        counts.into_keys().collect()
    }
}

/// Whether `e` is a `recv` event of client `name` (of event `ev`, if given).
fn is_recv(e: &Value, name: &str, ev: Option<&str>) -> bool {
    e["event"] == "recv" && e["name"] == name && ev.is_none_or(|ev| e["ev"] == ev)
}

impl Deref for ClusterClients {
    type Target = JsonLines;
    fn deref(&self) -> &JsonLines {
        &self.lines
    }
}

impl DerefMut for ClusterClients {
    fn deref_mut(&mut self) -> &mut JsonLines {
        &mut self.lines
    }
}

/// Event arguments from the drivers' wire form, a JSON array in which
/// `{"$bin":"<base64>"}` stands for a binary value: the JSON with
/// placeholders, the binaries as attachments.
///
/// # Panics
///
/// If a `$bin` is not base64 (the tests write them).
pub fn args_from_wire(values: &Value) -> sio_core::socket::Args {
    fn walk(v: &Value, att: &mut Vec<bytes::Bytes>) -> Value {
        match v {
            Value::Object(m) if m.len() == 1 && m.contains_key("$bin") => {
                let text = m["$bin"].as_str().unwrap_or_default();
                let data = sio_core::base64::decode(text.as_bytes())
                    .unwrap_or_else(|| panic!("$bin is not base64: {text}"));
                att.push(data.into());
                sio_core::socket::placeholder(att.len() - 1)
            }
            Value::Object(m) => {
                Value::Object(m.iter().map(|(k, v)| (k.clone(), walk(v, att))).collect())
            }
            Value::Array(a) => Value::Array(a.iter().map(|v| walk(v, att)).collect()),
            v => v.clone(),
        }
    }
    let mut attachments = Vec::new();
    let json = walk(values, &mut attachments);
    sio_core::socket::Args {
        json: serde_json::to_vec(&json).expect("JSON serialises").into(),
        attachments,
    }
}

/// The drivers' wire form of event arguments: attachments as
/// `{"$bin":"<base64>"}` (the inverse of [`args_from_wire`]).
pub fn args_to_wire(args: &sio_core::socket::Args) -> Value {
    fn walk(v: Value, args: &sio_core::socket::Args) -> Value {
        if let Some(n) = sio_core::socket::is_placeholder(&v) {
            let data = args.attachments.get(n).map(|b| sio_core::base64::encode(b));
            return json!({"$bin": data});
        }
        match v {
            Value::Object(map) => {
                Value::Object(map.into_iter().map(|(k, v)| (k, walk(v, args))).collect())
            }
            Value::Array(a) => Value::Array(a.into_iter().map(|v| walk(v, args)).collect()),
            v => v,
        }
    }
    let v: Value = serde_json::from_slice(&args.json).unwrap_or_else(|_| json!([]));
    walk(v, args)
}
