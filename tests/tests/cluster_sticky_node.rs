//! The harness of the crash-surviving recovery test, proven with Node
//! alone: Node members (`cluster-node.mjs --adapter streams`, connection
//! state recovery on) on one `redis-server`, behind the sticky proxy
//! (`tests::sticky_proxy`), with tick clients (`tests::tick_clients`) half
//! WebSocket-only, half polling-only. Member A ticks to room `ticks`; the
//! others restart gracefully one after the other (Node's `io.close()`
//! persists the sessions, which restore on whichever member the proxy
//! picks next). Every client must get every tick, in order, and every
//! reconnection must recover; a tick may be lost or come twice only around
//! a recovery (Node's restore race, counted in the test's output).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use serde_json::json;
use tests::cluster::ClusterMember;
use tests::redis::RedisServer;
use tests::sticky_proxy::StickyProxy;
use tests::tick_clients::TickClients;

/// Node's streams adapter with recovery on (a 2 min window).
const MEMBER_ARGS: &[&str] = &["--adapter", "streams", "--recovery-window", "120000"];

/// How many seqs around a recovered reconnection a lost or doubled tick is
/// blamed on Node's restore race (1 s of ticks).
const RESTORE_WINDOW: u64 = 50;

/// How long the clients may take to catch up after a disturbance.
const CATCH_UP: Duration = Duration::from_secs(20);

/// How many sockets connected to `member` so far.
fn connects(member: &mut ClusterMember) -> usize {
    let events = member.events();
    events.iter().filter(|e| e["event"] == "connect").count()
}

/// Restarts `members[index]` gracefully (`close`: io.close() persists its
/// sessions) while the proxy sends nothing to it, then gives the proxy its
/// new address; returns how many sockets it had.
fn restart(
    members: &mut [ClusterMember],
    index: usize,
    proxy: &StickyProxy,
    redis_url: &str,
) -> usize {
    let had = connects(&mut members[index]);
    proxy.set_backend(index, None);
    members[index].command_ok(json!({"op": "close"}));
    members[index].wait_exit(Duration::from_secs(10));
    members[index] = ClusterMember::start_with(redis_url, MEMBER_ARGS);
    proxy.set_backend(index, Some(members[index].addr()));
    had
}

/// Three Node members on the streams adapter, behind a sticky proxy.
fn node_members_behind_a_proxy(url: &str) -> (Vec<ClusterMember>, StickyProxy) {
    let members: Vec<ClusterMember> = (0..3)
        .map(|_| ClusterMember::start_with(url, MEMBER_ARGS))
        .collect();
    let backends: Vec<Option<SocketAddr>> = members.iter().map(|m| Some(m.addr())).collect();
    (members, StickyProxy::start(&backends))
}

#[test]
fn ticks_reach_every_client_once_in_order_across_graceful_restarts() {
    let started = Instant::now();
    let redis = RedisServer::start();
    let url = redis.url();
    let (mut members, proxy) = node_members_behind_a_proxy(&url);
    let mut clients = TickClients::start(&proxy.url(), 20);
    let spread: Vec<usize> = members.iter_mut().map(connects).collect();
    assert!(spread.iter().all(|&n| n >= 4), "round robin: {spread:?}");

    members[0].command_ok(json!({"op": "ticker", "to": ["ticks"], "event": "tick", "every": 20}));
    clients.wait_all_ticking(10, CATCH_UP);
    // B's sessions restore on A or C, then C's (its own and B's) on A or
    // the new B: restores on the ticking member and on the others.
    let moved_b = restart(&mut members, 1, &proxy, &url);
    clients.wait_all_ticking(25, CATCH_UP);
    let moved_c = restart(&mut members, 2, &proxy, &url);
    clients.wait_all_ticking(25, CATCH_UP);

    let report = clients.stop_and_report(&mut members[0], CATCH_UP);
    let stats = proxy.stats();
    eprintln!(
        "{}\nsockets on B before its restart {moved_b}, on C before its restart {moved_c}; \
         proxy {stats:?}; {:?}",
        report.summary(),
        started.elapsed()
    );
    // Node's restore races its own stream reader: a tick around a recovery
    // can be lost or come twice (seen: 1 in 3 runs, 2 lost and 6 doubled of
    // 4540). Allowed there only and printed above; a failed recovery, a
    // tick out of order or a loss elsewhere is not.
    let problems = report.problems_allowing_restore_races(RESTORE_WINDOW);
    assert!(
        problems.is_empty(),
        "{}\n{}",
        report.summary(),
        problems.join("\n")
    );
    assert!(
        report.clients.iter().all(|c| c["first"] == 1),
        "a client missed the first ticks"
    );
    let reconnections = report.total("reconnections");
    assert!(
        reconnections as usize >= moved_b,
        "every socket of B reconnected"
    );
    assert_eq!(report.total("recoveries"), reconnections);
    assert!(stats.upgrades >= 10 && stats.handshakes >= 10, "{stats:?}");
    let events = members[0].events();
    assert!(
        events
            .iter()
            .any(|e| e["event"] == "connect" && e["recovered"] == true),
        "A printed no recovered connect"
    );
}

/// Our member's side of the harness (`ticker`, `stopTicker`, the
/// `recovered` flag) with the classic adapter, which it already speaks:
/// ours ticks, Node's relays, clients on both behind the proxy.
#[test]
fn our_member_ticks_to_clients_on_both_kinds_of_member_behind_the_proxy() {
    let redis = RedisServer::start();
    let url = redis.url();
    let args = ["--recovery-window", "120000"];
    let mut ours = ClusterMember::start_rust(&url, &args);
    let mut node = ClusterMember::start_with(&url, &args);
    let proxy = StickyProxy::start(&[Some(ours.addr()), Some(node.addr())]);
    let mut clients = TickClients::start(&proxy.url(), 10);
    for member in [&mut ours, &mut node] {
        let events = member.events();
        let connects: Vec<_> = events.iter().filter(|e| e["event"] == "connect").collect();
        assert!(connects.len() >= 3, "round robin: {connects:?}");
        assert!(
            connects.iter().all(|e| e["recovered"] == false),
            "{connects:?}"
        );
    }
    let tick = json!({"op": "ticker", "to": ["ticks"], "event": "tick", "every": 20});
    ours.command_ok(tick.clone());
    assert_eq!(ours.command(tick)["ok"], false, "one ticker at a time");
    clients.wait_all_ticking(25, CATCH_UP);
    let report = clients.stop_and_report(&mut ours, CATCH_UP);
    eprintln!("{}", report.summary());
    report.assert_perfect();
    assert!(report.clients.iter().all(|c| c["first"] == 1));
}

/// The control: Node's streams adapter persists a session only when its
/// own member closes it, so a member killed with SIGKILL loses its
/// sessions (socketio/socket.io-redis-streams-adapter#27). The harness must
/// see that: the killed member's clients reconnect through the proxy (their
/// relays end, their polling requests get 502) to fresh sessions and miss
/// ticks, and the report says so.
#[test]
fn the_harness_sees_the_sessions_a_killed_node_member_loses() {
    let redis = RedisServer::start();
    let url = redis.url();
    let (mut members, proxy) = node_members_behind_a_proxy(&url);
    let mut clients = TickClients::start(&proxy.url(), 12);
    members[0].command_ok(json!({"op": "ticker", "to": ["ticks"], "event": "tick", "every": 20}));
    clients.wait_all_ticking(10, CATCH_UP);

    let on_b = connects(&mut members[1]);
    proxy.set_backend(1, None);
    members[1].kill();
    members[1] = ClusterMember::start_with(&url, MEMBER_ARGS);
    proxy.set_backend(1, Some(members[1].addr()));
    clients.wait_all_ticking(25, CATCH_UP);

    let report = clients.stop_and_report(&mut members[0], CATCH_UP);
    eprintln!(
        "{}\nsockets on B when killed {on_b}; proxy {:?}",
        report.summary(),
        proxy.stats()
    );
    assert!(on_b >= 2, "round robin gave B {on_b} sockets");
    assert_eq!(report.total("notRecoveredCount"), on_b as u64, "{report:?}");
    assert_eq!(report.problems().len(), on_b, "{report:?}");
}
