//! Who got what in a cluster test: the "fence" technique ([`Fence`]) and
//! the little JSON helpers the cluster tests compare with.
//!
//! After the message under test, the same member broadcasts a numbered
//! fence to everyone and the check waits until every connected client got
//! it. Redis delivers one publisher's messages to one subscriber in order,
//! and a server writes to one socket in order, so a client that got the
//! fence without the message will never get it: the recipients can then be
//! named exactly.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::cluster::{ClusterClients, JsonLines};

/// How long a fence waits for each client.
const WAIT: Duration = Duration::from_secs(10);

/// The fences of one test: which clients must get them, on which
/// namespaces they are broadcast, how many were raised.
pub struct Fence {
    /// The clients still connected, by name (each fence waits for these).
    pub live: BTreeSet<String>,
    nsps: Vec<String>,
    raised: u64,
}

impl Fence {
    /// Fences for the clients `live`, broadcast on each of `nsps`.
    pub fn new<'a>(live: impl IntoIterator<Item = &'a str>, nsps: &[&str]) -> Fence {
        Fence {
            live: live.into_iter().map(str::to_owned).collect(),
            nsps: nsps.iter().map(|n| (*n).to_owned()).collect(),
            raised: 0,
        }
    }

    /// Member `from` broadcasts the next numbered `fence` event on every
    /// namespace; waits until every live client got it.
    ///
    /// # Panics
    ///
    /// If the broadcast fails or a client does not get it within 10 s.
    pub fn raise(&mut self, from: &mut JsonLines, clients: &mut ClusterClients) {
        self.raised += 1;
        let n = self.raised;
        for nsp in &self.nsps {
            from.command_ok(json!({"op": "emit", "nsp": nsp, "event": "fence", "args": [n]}));
        }
        clients.wait_all_received(
            self.live.iter().map(String::as_str),
            "fence",
            &json!([n]),
            WAIT,
        );
    }

    /// Runs `cmd` (a broadcast of event `cmd["event"]`) on member `from`,
    /// raises a fence, and asserts that exactly `expected` received it.
    ///
    /// # Panics
    ///
    /// If the command fails, a fence does not arrive, or the recipients
    /// differ.
    pub fn expect_recipients(
        &mut self,
        from: &mut JsonLines,
        clients: &mut ClusterClients,
        cmd: Value,
        expected: &[&str],
    ) {
        let ev = cmd["event"]
            .as_str()
            .expect("the command has an event")
            .to_owned();
        from.command_ok(cmd.clone());
        self.raise(from, clients);
        assert_eq!(
            clients.recipients(&ev),
            names(expected),
            "recipients of {cmd}"
        );
    }
}

/// `list` as a set of owned strings.
pub fn names(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

/// The `id`s of a `fetchSockets` reply's `sockets`.
///
/// # Panics
///
/// If `sockets` is not a list of objects with an `id`.
pub fn ids_of(sockets: &Value) -> BTreeSet<String> {
    sockets
        .as_array()
        .unwrap_or_else(|| panic!("not a socket list: {sockets}"))
        .iter()
        .map(|s| s["id"].as_str().expect("an id").to_owned())
        .collect()
}

/// The elements of a JSON array, sorted by their text.
///
/// # Panics
///
/// If `list` is not an array.
pub fn sorted(list: &Value) -> Vec<Value> {
    let mut items = list
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {list}"))
        .clone();
    items.sort_by_key(Value::to_string);
    items
}

/// The acks `{"from": name}` the clients of `cluster-clients.mjs` answer,
/// of `names`, sorted as [`sorted`] sorts.
pub fn acks_from(names: &[&str]) -> Vec<Value> {
    sorted(&json!(
        names.iter().map(|n| json!({"from": n})).collect::<Vec<_>>()
    ))
}

/// The ids `fetchSockets` on `member` returns for the rooms `to` of `nsp`.
///
/// # Panics
///
/// If the command fails.
pub fn fetch_ids(member: &mut JsonLines, nsp: &str, to: &[&str]) -> BTreeSet<String> {
    let reply = member.command_ok(json!({"op": "fetchSockets", "nsp": nsp, "to": to}));
    ids_of(&reply["sockets"])
}

/// Polls `fetchSockets` on `member` (for the rooms `to` of `nsp`) until it
/// returns exactly the ids `want` (room changes apply when Redis echoes
/// the request, after the command's reply).
///
/// # Panics
///
/// If it does not within 10 s.
pub fn wait_fetch(member: &mut JsonLines, nsp: &str, to: &[&str], want: &BTreeSet<String>) {
    let deadline = Instant::now() + WAIT;
    loop {
        let got = fetch_ids(member, nsp, to);
        if got == *want {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "fetchSockets {nsp} {to:?}: {got:?}, want {want:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Polls `serverCount` of `nsp` on `member` until it is `want`; returns
/// how long it took.
///
/// # Panics
///
/// If it is not within 10 s.
pub fn wait_server_count(member: &mut JsonLines, nsp: &str, want: u64) -> Duration {
    let started = Instant::now();
    loop {
        let count = member.command_ok(json!({"op": "serverCount", "nsp": nsp}))["count"].clone();
        if count == want {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < WAIT,
            "serverCount of {nsp} stays {count}, want {want}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
