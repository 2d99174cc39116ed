//! The `sio-smol` binary as a connection node of a Node application:
//! `sio-smol serve --redis URL --nsp / --nsp /chat` and a Node member
//! (`socket.io` + `@socket.io/redis-adapter`, `tests/js/cluster-node.mjs`)
//! on one private redis-server, `socket.io-client` clients on both
//! (WebSocket and polling, `/` and `/chat`). The binary has no application:
//! Node issues every operation, and the clients of both servers are checked
//! for exactly who got what (fences, `tests::cluster_check`). The binary
//! does not join rooms from the handshake as Node's member does: Node puts
//! its clients in their rooms with `socketsJoin` on their socket ids.
//! Also: `sio-smol serve` without `--redis` (a plain Socket.IO server) and
//! its `--help`.

use std::collections::BTreeMap;
use std::process::Command;
use std::time::Duration;

use serde_json::{Value, json};
use tests::cluster::{ClusterClients, ClusterMember, MemberKind};
use tests::cluster_check::{
    Fence, acks_from, fetch_ids, ids_of, sorted, wait_fetch, wait_server_count,
};
use tests::process::{SioSmolBin, sio_smol_bin};
use tests::redis::RedisServer;

const WAIT: Duration = Duration::from_secs(10);

/// Which server a client is on.
#[derive(Clone, Copy, PartialEq, Eq)]
enum On {
    /// Our binary.
    Bin,
    /// The Node member.
    Node,
}

/// A client: name, server, namespace, transport, rooms.
type ClientSpec = (
    &'static str,
    On,
    &'static str,
    &'static str,
    &'static [&'static str],
);

const CLIENTS: [ClientSpec; 7] = [
    ("x1", On::Bin, "/", "websocket", &["r1"]),
    ("x2", On::Bin, "/", "polling", &["r2"]),
    ("x3", On::Bin, "/", "websocket", &["r1", "r3"]),
    ("n1", On::Node, "/", "websocket", &["r1"]),
    ("n2", On::Node, "/", "polling", &["r2", "r3"]),
    ("xc", On::Bin, "/chat", "polling", &["r1"]),
    ("nc", On::Node, "/chat", "websocket", &["r1"]),
];

/// The clients of `/`.
const ROOT: [&str; 5] = ["x1", "x2", "x3", "n1", "n2"];

#[test]
fn node_member_drives_the_clients_of_the_binary() {
    let redis = RedisServer::start();
    let mut node = ClusterMember::start_kind(MemberKind::Node, &redis.url(), &[]);
    let url = redis.url();
    let mut bin = SioSmolBin::start(&["serve", "--redis", &url, "--nsp", "/", "--nsp", "/chat"]);
    // The binary subscribed on both namespaces: Node counts two servers.
    for nsp in ["/", "/chat"] {
        let took = wait_server_count(&mut node, nsp, 2);
        eprintln!("Node counted the binary on {nsp} {took:?} after asking");
    }

    let mut clients = ClusterClients::start();
    let mut sids: BTreeMap<&str, String> = BTreeMap::new();
    for (name, on, nsp, transport, rooms) in CLIENTS {
        let server = if on == On::Bin { &bin.url } else { &node.url() };
        let auth = json!({"name": name, "rooms": rooms});
        sids.insert(name, clients.connect(name, server, nsp, transport, auth));
    }
    let ids = |list: &[&str]| list.iter().map(|n| sids[n].clone()).collect();
    for (name, on, ..) in CLIENTS {
        if on == On::Node {
            let sid = sids[name].as_str();
            node.wait_event(WAIT, |e| e["event"] == "connect" && e["id"] == sid);
        }
    }
    // Node puts the binary's clients in their rooms.
    for (name, on, nsp, _, rooms) in CLIENTS {
        if on == On::Bin {
            node.command_ok(
                json!({"op": "socketsJoin", "nsp": nsp, "to": [sids[name]], "rooms": rooms}),
            );
        }
    }
    wait_fetch(&mut node, "/", &["r1"], &ids(&["x1", "x3", "n1"]));
    wait_fetch(&mut node, "/", &["r3"], &ids(&["x3", "n2"]));
    wait_fetch(&mut node, "/chat", &["r1"], &ids(&["xc", "nc"]));

    let mut fence = Fence::new(CLIENTS.iter().map(|c| c.0), &["/", "/chat"]);
    // Broadcasts: rooms, except, a socket id, namespaces, binary.
    let c = &mut clients;
    fence.expect_recipients(
        &mut node,
        c,
        json!({"op": "emit", "event": "all", "args": [1, "x"]}),
        &ROOT,
    );
    for name in ROOT {
        let got = c.wait_received(name, "all", 1, WAIT);
        assert_eq!(got[0]["args"], json!([1, "x"]), "{name}");
    }
    fence.expect_recipients(
        &mut node,
        c,
        json!({"op": "emit", "to": ["r1"], "event": "r1"}),
        &["x1", "x3", "n1"],
    );
    fence.expect_recipients(
        &mut node,
        c,
        json!({"op": "emit", "to": ["r2", "r3"], "event": "r2r3"}),
        &["x2", "x3", "n2"],
    );
    fence.expect_recipients(
        &mut node,
        c,
        json!({"op": "emit", "to": ["r1"], "except": ["r3"], "event": "r1-not-r3"}),
        &["x1", "n1"],
    );
    fence.expect_recipients(
        &mut node,
        c,
        json!({"op": "emit", "except": ["r2"], "event": "all-not-r2"}),
        &["x1", "x3", "n1"],
    );
    fence.expect_recipients(
        &mut node,
        c,
        json!({"op": "emit", "to": [sids["x2"]], "event": "one-sid"}),
        &["x2"],
    );
    fence.expect_recipients(
        &mut node,
        c,
        json!({"op": "emit", "nsp": "/chat", "event": "chat"}),
        &["xc", "nc"],
    );
    fence.expect_recipients(
        &mut node,
        c,
        json!({"op": "emit", "nsp": "/chat", "to": ["r2"], "event": "chat-r2"}),
        &[],
    );
    let args = json!([{"$bin": "AAEC/w=="}, {"nested": {"$bin": "aGk="}, "n": 1.5}]);
    fence.expect_recipients(
        &mut node,
        c,
        json!({"op": "emit", "to": ["r3"], "event": "binary", "args": args}),
        &["x3", "n2"],
    );
    for name in ["x3", "n2"] {
        assert_eq!(
            c.wait_received(name, "binary", 1, WAIT)[0]["args"],
            args,
            "{name}"
        );
    }

    // Acked broadcasts: the binary's clients answer too.
    for (to, expected) in [
        (json!([]), ROOT.to_vec()),
        (json!(["r1"]), vec!["x1", "x3", "n1"]),
        (json!(["r2"]), vec!["x2", "n2"]),
    ] {
        let reply = node
            .command_ok(json!({"op": "emitWithAck", "to": to, "event": "ask", "timeout": 5000}));
        assert_eq!(sorted(&reply["responses"]), acks_from(&expected), "{reply}");
    }
    let reply = node.command_ok(
        json!({"op": "emitWithAck", "nsp": "/chat", "event": "chat-ask", "timeout": 5000}),
    );
    assert_eq!(sorted(&reply["responses"]), acks_from(&["xc", "nc"]));

    // fetchSockets lists the binary's sockets with their rooms and handshake.
    let reply = node.command_ok(json!({"op": "fetchSockets", "to": ["r1"]}));
    assert_eq!(ids_of(&reply["sockets"]), ids(&["x1", "x3", "n1"]));
    for socket in reply["sockets"].as_array().unwrap() {
        let (name, ..) = CLIENTS
            .iter()
            .find(|s| sids[s.0] == socket["id"])
            .expect("a known socket");
        check_fetched(socket, name, &CLIENTS, &sids);
    }
    assert_eq!(fetch_ids(&mut node, "/", &[]), ids(&ROOT));
    assert_eq!(fetch_ids(&mut node, "/chat", &[]), ids(&["xc", "nc"]));

    // socketsJoin and socketsLeave reach the binary's sockets.
    node.command_ok(json!({"op": "socketsJoin", "to": ["r2"], "rooms": ["r9"]}));
    wait_fetch(&mut node, "/", &["r9"], &ids(&["x2", "n2"]));
    fence.expect_recipients(
        &mut node,
        c,
        json!({"op": "emit", "to": ["r9"], "event": "to-r9"}),
        &["x2", "n2"],
    );
    node.command_ok(json!({"op": "socketsLeave", "to": ["r9"], "except": ["r3"], "rooms": ["r9"]}));
    wait_fetch(&mut node, "/", &["r9"], &ids(&["n2"]));
    fence.expect_recipients(
        &mut node,
        c,
        json!({"op": "emit", "to": ["r9"], "event": "to-r9-after-leave"}),
        &["n2"],
    );

    // disconnectSockets of one of the binary's sockets.
    node.command_ok(json!({"op": "disconnectSockets", "to": [sids["x3"]], "close": false}));
    let gone = c.wait_event(WAIT, |e| e["event"] == "disconnect" && e["name"] == "x3");
    assert_eq!(gone["reason"], "io server disconnect");
    fence.live.remove("x3");
    wait_fetch(&mut node, "/", &[], &ids(&["x1", "x2", "n1", "n2"]));
    fence.expect_recipients(
        &mut node,
        c,
        json!({"op": "emit", "event": "after-disconnect"}),
        &["x1", "x2", "n1", "n2"],
    );
    assert!(
        c.events()
            .iter()
            .all(|e| e["event"] != "disconnect" || e["name"] == "x3"),
        "only x3 was disconnected"
    );

    // SIGTERM: the binary closes its sessions and exits 0.
    bin.process.signal("TERM");
    let status = bin.process.wait_exit(WAIT).expect("the binary exits");
    assert!(status.success(), "{status:?}");
    // A WebSocket is closed; a polling client gets the close packet if a
    // GET was held at that moment, else its next request finds the server
    // gone ("transport error"), as with Node's `io.close()`.
    for (name, reasons) in [
        ("x1", &["transport close"][..]),
        ("x2", &["transport close", "transport error"][..]),
        ("xc", &["transport close", "transport error"][..]),
    ] {
        let gone = c.wait_event(WAIT, |e| e["event"] == "disconnect" && e["name"] == name);
        assert!(
            reasons.iter().any(|r| gone["reason"] == *r),
            "{name}: {gone}"
        );
    }
    wait_server_count(&mut node, "/", 1);
}

/// Checks one socket of a `fetchSockets` reply: its rooms (its own id
/// included) and its handshake (the client's auth, its Host header).
fn check_fetched(socket: &Value, name: &str, specs: &[ClientSpec], sids: &BTreeMap<&str, String>) {
    let (_, _, _, _, rooms) = specs.iter().find(|s| s.0 == name).expect("a client");
    let mut want: Vec<String> = rooms.iter().map(|r| (*r).to_owned()).collect();
    want.push(sids[name].clone());
    want.sort();
    assert_eq!(socket["rooms"], json!(want), "{name}: {socket}");
    assert_eq!(socket["handshake"]["auth"]["name"], name, "{socket}");
    assert!(
        socket["handshake"]["headers"]["host"].is_string(),
        "{socket}"
    );
}

#[test]
fn serve_without_redis_is_a_plain_socket_io_server() {
    let bin = SioSmolBin::start(&["serve", "--nsp", "/chat"]);
    let mut clients = ClusterClients::start();
    clients.connect("c", &bin.url, "/chat", "websocket", json!({}));
    clients.connect("p", &bin.url, "/chat", "polling", json!({}));
    // "/" is always served (as by Node's server), other namespaces only when asked for.
    clients.connect("root", &bin.url, "/", "polling", json!({}));
    let reply = clients.command(json!({
        "op": "connect", "name": "other", "url": bin.url, "nsp": "/other",
        "transports": ["websocket"], "auth": {},
    }));
    assert_eq!(reply["ok"], false, "{reply}");
    assert_eq!(reply["error"], "Invalid namespace", "{reply}");
}

#[test]
fn serve_help_documents_the_cluster_flags() {
    let out = Command::new(sio_smol_bin())
        .args(["serve", "--help"])
        .output()
        .expect("sio-smol serve --help runs");
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--redis",
        "--nsp",
        "--key",
        "--requests-timeout",
        "--adapter",
        "--recovery-window",
        "--tls-cert",
        "/socket.io/",
    ] {
        assert!(help.contains(flag), "{flag} missing from:\n{help}");
    }
    let out = Command::new(sio_smol_bin())
        .arg("--help")
        .output()
        .expect("sio-smol --help runs");
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("serve") && help.contains("Redis"), "{help}");
}

/// `sio-smol serve --redis URL --adapter streams`: recovery is on (the
/// 120 s default window) and the binary keeps its sessions in Redis while
/// they live. Node's member (streams adapter too) puts every socket in room
/// `ticks` and ticks to it; the binary is killed with SIGKILL; its clients
/// come back through the sticky proxy to Node's member, which restores
/// their sessions (kept by the binary) with every tick they missed.
#[test]
fn the_binary_on_the_streams_adapter_keeps_sessions_through_its_crash() {
    use std::net::SocketAddr;
    use tests::sticky_proxy::StickyProxy;
    use tests::tick_clients::TickClients;

    let redis = RedisServer::start();
    let url = redis.url();
    let args = ["--adapter", "streams", "--recovery-window", "120000"];
    let mut node = ClusterMember::start_kind(MemberKind::Node, &url, &args);
    let mut bin = SioSmolBin::start(&["serve", "--redis", &url, "--adapter", "streams"]);
    bin.process
        .wait_line(true, WAIT, |l| l.contains("Redis link up"));
    let bin_addr: SocketAddr = bin.url.trim_start_matches("http://").parse().unwrap();
    let proxy = StickyProxy::start(&[Some(bin_addr), None]);
    let mut clients = TickClients::start(&proxy.url(), 10);
    node.command_ok(json!({"op": "socketsJoin", "to": [], "rooms": ["ticks"]}));
    node.command_ok(json!({"op": "ticker", "to": ["ticks"], "event": "tick", "every": 20}));
    let report = clients.wait_report(25, WAIT);
    assert!(
        report
            .clients
            .iter()
            .all(|c| c["last"].as_u64() >= Some(25))
    );

    proxy.set_backend(0, None);
    bin.process.signal("KILL");
    proxy.set_backend(1, Some(([127, 0, 0, 1], node.port()).into()));
    clients.wait_report(100, Duration::from_secs(30));
    let report = clients.stop_and_report(&mut node, WAIT);
    eprintln!("{}", report.summary());
    // Node's restore may lose or double a tick at the recovery (its own
    // race); a failed recovery is not allowed.
    let problems = report.problems_allowing_restore_races(50);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert_eq!(report.total("reconnections"), 10);
    assert_eq!(report.total("recoveries"), 10);
}
