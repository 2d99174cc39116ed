//! Our server in a Redis cluster with Node's: the scenarios of
//! `cluster_common` (the same ones two Node members pass in
//! `cluster_node.rs`) with our member (`SocketIo::with_redis`,
//! `tests/src/bin/cluster_member.rs`) as A and Node's as B, the other way
//! round, and ours on both sides. Every operation is so issued from each
//! kind of member and observed on the clients of both.

mod cluster_common;

use tests::cluster::MemberKind::{Node, Rust};

#[test]
fn broadcasts_reach_exactly_their_targets_from_either_member_rust_to_node() {
    cluster_common::broadcasts_reach_exactly_their_targets_from_either_member([Rust, Node]);
}

#[test]
fn broadcasts_reach_exactly_their_targets_from_either_member_node_to_rust() {
    cluster_common::broadcasts_reach_exactly_their_targets_from_either_member([Node, Rust]);
}

#[test]
fn broadcasts_reach_exactly_their_targets_from_either_member_rust_only() {
    cluster_common::broadcasts_reach_exactly_their_targets_from_either_member([Rust, Rust]);
}

#[test]
fn acks_room_operations_and_fetch_sockets_across_members_rust_to_node() {
    cluster_common::acks_room_operations_and_fetch_sockets_across_members([Rust, Node]);
}

#[test]
fn acks_room_operations_and_fetch_sockets_across_members_node_to_rust() {
    cluster_common::acks_room_operations_and_fetch_sockets_across_members([Node, Rust]);
}

#[test]
fn acks_room_operations_and_fetch_sockets_across_members_rust_only() {
    cluster_common::acks_room_operations_and_fetch_sockets_across_members([Rust, Rust]);
}

#[test]
fn server_side_emit_server_count_and_a_member_that_does_not_answer_rust_to_node() {
    cluster_common::server_side_emit_server_count_and_a_member_that_does_not_answer([Rust, Node]);
}

#[test]
fn server_side_emit_server_count_and_a_member_that_does_not_answer_node_to_rust() {
    cluster_common::server_side_emit_server_count_and_a_member_that_does_not_answer([Node, Rust]);
}

#[test]
fn server_side_emit_server_count_and_a_member_that_does_not_answer_rust_only() {
    cluster_common::server_side_emit_server_count_and_a_member_that_does_not_answer([Rust, Rust]);
}

#[test]
fn broadcasts_across_members_resume_after_redis_restarts_rust_to_node() {
    cluster_common::broadcasts_across_members_resume_after_redis_restarts([Rust, Node]);
}

#[test]
fn broadcasts_across_members_resume_after_redis_restarts_node_to_rust() {
    cluster_common::broadcasts_across_members_resume_after_redis_restarts([Node, Rust]);
}

#[test]
fn broadcasts_across_members_resume_after_redis_restarts_rust_only() {
    cluster_common::broadcasts_across_members_resume_after_redis_restarts([Rust, Rust]);
}

/// Two Node members and two of ours on one Redis, a WebSocket and a polling
/// client on each: every operation issued from each of the four reaches
/// exactly its targets on all four.
#[test]
fn four_members_two_of_each() {
    use serde_json::{Value, json};
    use std::collections::BTreeSet;
    use std::time::Duration;
    use tests::cluster::{ClusterClients, ClusterMember};
    use tests::redis::RedisServer;

    const WAIT: Duration = Duration::from_secs(10);
    let redis = RedisServer::start();
    let kinds = [Node, Rust, Node, Rust];
    let mut members: Vec<ClusterMember> = kinds
        .iter()
        .map(|&k| ClusterMember::start_kind(k, &redis.url(), &[]))
        .collect();
    let mut clients = ClusterClients::start();
    // Client `m<i><t>`: member i, transport t (w or p); rooms: its member's
    // parity, and "p" for the polling ones.
    let mut all = Vec::new();
    let mut sids = std::collections::BTreeMap::new();
    for (i, member) in members.iter().enumerate() {
        for (t, transport) in [("w", "websocket"), ("p", "polling")] {
            let name = format!("m{i}{t}");
            let parity = if i % 2 == 0 { "even" } else { "odd" };
            let mut rooms = vec![parity];
            if t == "p" {
                rooms.push("p");
            }
            let auth = json!({"name": name, "rooms": rooms, "data": {"member": i}});
            let sid = clients.connect(&name, &member.url(), "/", transport, auth);
            sids.insert(name.clone(), sid);
            all.push(name);
        }
    }
    let set =
        |names: &[&str]| -> BTreeSet<String> { names.iter().map(|n| n.to_string()).collect() };
    let everyone: BTreeSet<String> = all.iter().cloned().collect();
    let mut fences = 0;
    for from in 0..members.len() {
        let tag = format!("{}{from}", kinds[from].name());
        // Broadcasts: everyone, a room, a room less another, one socket id.
        let target = sids[&format!("m{}p", (from + 1) % 4)].clone();
        let cases: [(Value, BTreeSet<String>); 4] = [
            (json!({}), everyone.clone()),
            (json!({"to": ["odd"]}), set(&["m1w", "m1p", "m3w", "m3p"])),
            (
                json!({"to": ["p"], "except": ["even"]}),
                set(&["m1p", "m3p"]),
            ),
            (
                json!({"to": [target]}),
                set(&[&format!("m{}p", (from + 1) % 4)]),
            ),
        ];
        for (n, (mut cmd, want)) in cases.into_iter().enumerate() {
            let ev = format!("{tag}-case{n}");
            cmd["op"] = json!("emit");
            cmd["event"] = json!(ev);
            members[from].command_ok(cmd.clone());
            fences += 1;
            members[from].command_ok(json!({"op": "emit", "event": "fence", "args": [fences]}));
            clients.wait_all_received(
                all.iter().map(String::as_str),
                "fence",
                &json!([fences]),
                WAIT,
            );
            assert_eq!(clients.recipients(&ev), want, "{cmd} from {tag}");
        }
        // An acked broadcast counts the answers of every member's clients.
        let reply = members[from].command_ok(
            json!({"op": "emitWithAck", "to": ["p"], "event": format!("{tag}-ask"), "timeout": 5000}),
        );
        let mut got: Vec<String> = reply["responses"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["from"].as_str().unwrap().to_owned())
            .collect();
        got.sort();
        assert_eq!(got, ["m0p", "m1p", "m2p", "m3p"], "{tag}");
        // fetchSockets: all eight, with their data.
        let reply = members[from].command_ok(json!({"op": "fetchSockets"}));
        let sockets = reply["sockets"].as_array().unwrap();
        let ids: BTreeSet<String> = sockets
            .iter()
            .map(|s| s["id"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(
            ids,
            sids.values().cloned().collect::<BTreeSet<_>>(),
            "{tag}"
        );
        for s in sockets {
            let name = sids.iter().find(|(_, id)| **id == s["id"]).unwrap().0;
            let member: usize = name[1..2].parse().unwrap();
            assert_eq!(s["data"], json!({"member": member}), "{tag}: {s}");
        }
        // serverSideEmit: the three others answer, each in its own words.
        let reply = members[from].command_ok(
            json!({"op": "serverSideEmit", "event": format!("{tag}-ss"), "args": [from], "ack": true}),
        );
        let mut got: Vec<(String, u64)> = reply["responses"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["from"].as_str().unwrap().to_owned(),
                    r["port"].as_u64().unwrap(),
                )
            })
            .collect();
        got.sort();
        let mut want: Vec<(String, u64)> = (0..4)
            .filter(|&i| i != from)
            .map(|i| (kinds[i].name().to_owned(), u64::from(members[i].port())))
            .collect();
        want.sort();
        assert_eq!(got, want, "{tag}");
        // serverCount: four.
        assert_eq!(
            members[from].command_ok(json!({"op": "serverCount"}))["count"],
            4,
            "{tag}"
        );
        // socketsJoin from here, then a broadcast to the new room from the
        // next member, then socketsLeave.
        let room = format!("joined-by-{tag}");
        members[from].command_ok(json!({"op": "socketsJoin", "to": ["even"], "rooms": [room]}));
        let next = (from + 1) % 4;
        let want = set(&["m0w", "m0p", "m2w", "m2p"]);
        let deadline = std::time::Instant::now() + WAIT;
        loop {
            let reply = members[next].command_ok(json!({"op": "fetchSockets", "to": [room]}));
            if reply["sockets"].as_array().unwrap().len() == 4 {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "{room}: {reply}");
            std::thread::sleep(Duration::from_millis(50));
        }
        let ev = format!("{tag}-to-joined");
        members[next].command_ok(json!({"op": "emit", "to": [room], "event": ev}));
        fences += 1;
        members[next].command_ok(json!({"op": "emit", "event": "fence", "args": [fences]}));
        clients.wait_all_received(
            all.iter().map(String::as_str),
            "fence",
            &json!([fences]),
            WAIT,
        );
        assert_eq!(clients.recipients(&ev), want, "{tag}");
        members[from].command_ok(json!({"op": "socketsLeave", "to": [room], "rooms": [room]}));
    }
    // disconnectSockets from a Node member of a client of ours, and from
    // ours of a client of a Node member.
    for (from, victim) in [(0, "m1w"), (3, "m2w")] {
        let sid = sids[victim].clone();
        members[from].command_ok(json!({"op": "disconnectSockets", "to": [sid], "close": false}));
        let gone = clients.wait_event(WAIT, |e| e["event"] == "disconnect" && e["name"] == victim);
        assert_eq!(gone["reason"], "io server disconnect");
    }
    let left: Vec<&str> = ["m0w", "m0p", "m1p", "m2p", "m3w", "m3p"].to_vec();
    members[1].command_ok(json!({"op": "emit", "event": "after-disconnects"}));
    fences += 1;
    members[1].command_ok(json!({"op": "emit", "event": "fence", "args": [fences]}));
    clients.wait_all_received(left.iter().copied(), "fence", &json!([fences]), WAIT);
    assert_eq!(clients.recipients("after-disconnects"), set(&left));
}
