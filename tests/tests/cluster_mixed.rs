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
    use serde_json::json;
    use std::collections::BTreeMap;
    use tests::cluster::{ClusterClients, ClusterMember};
    use tests::cluster_check::{Fence, fetch_ids, wait_fetch};
    use tests::redis::RedisServer;

    let redis = RedisServer::start();
    let kinds = [Node, Rust, Node, Rust];
    let mut members: Vec<ClusterMember> = kinds
        .iter()
        .map(|&k| ClusterMember::start_kind(k, &redis.url(), &[]))
        .collect();
    let mut clients = ClusterClients::start();
    // Client `m<i><t>`: member i, transport t (w or p); rooms: its member's
    // parity, and "p" for the polling ones; data: its member.
    let mut sids = BTreeMap::new();
    for (i, member) in members.iter().enumerate() {
        for (t, transport) in [("w", "websocket"), ("p", "polling")] {
            let name = format!("m{i}{t}");
            let mut rooms = vec![if i % 2 == 0 { "even" } else { "odd" }];
            if t == "p" {
                rooms.push("p");
            }
            let auth = json!({"name": name, "rooms": rooms, "data": {"member": i}});
            let sid = clients.connect(&name, &member.url(), "/", transport, auth);
            sids.insert(name, sid);
        }
    }
    let all: Vec<&str> = sids.keys().map(String::as_str).collect();
    let mut fence = Fence::new(all.iter().copied(), &["/"]);
    for from in 0..members.len() {
        let tag = format!("{}{from}", kinds[from].name());
        let member = &mut members[from];
        // Broadcasts: everyone, a room, a room less another, one socket id
        // (of the next member's polling client).
        let next_p = format!("m{}p", (from + 1) % 4);
        let cases = [
            (json!({}), all.clone()),
            (json!({"to": ["odd"]}), vec!["m1w", "m1p", "m3w", "m3p"]),
            (json!({"to": ["p"], "except": ["even"]}), vec!["m1p", "m3p"]),
            (json!({"to": [sids[&next_p]]}), vec![next_p.as_str()]),
        ];
        for (n, (mut cmd, want)) in cases.into_iter().enumerate() {
            cmd["op"] = json!("emit");
            cmd["event"] = json!(format!("{tag}-case{n}"));
            fence.expect_recipients(member, &mut clients, cmd, &want);
        }
        // An acked broadcast counts the answers of every member's clients.
        let reply = member.command_ok(
            json!({"op": "emitWithAck", "to": ["p"], "event": format!("{tag}-ask"), "timeout": 5000}),
        );
        let mut from_names: Vec<&str> = reply["responses"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["from"].as_str().unwrap())
            .collect();
        from_names.sort_unstable();
        assert_eq!(from_names, ["m0p", "m1p", "m2p", "m3p"], "{tag}");
        // fetchSockets: all eight, with their data.
        let reply = member.command_ok(json!({"op": "fetchSockets"}));
        for s in reply["sockets"].as_array().unwrap() {
            let name = sids
                .iter()
                .find(|(_, id)| **id == s["id"])
                .expect("known")
                .0;
            assert_eq!(
                s["data"],
                json!({"member": name[1..2].parse::<u64>().unwrap()}),
                "{tag}"
            );
        }
        assert_eq!(
            fetch_ids(member, "/", &[]),
            sids.values().cloned().collect(),
            "{tag}"
        );
        assert_eq!(
            member.command_ok(json!({"op": "serverCount"}))["count"],
            4,
            "{tag}"
        );
        // serverSideEmit: the three others answer, each in its own words.
        let reply = member.command_ok(
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
        // socketsJoin from here, a broadcast to the new room from the next
        // member, then socketsLeave.
        let room = format!("joined-by-{tag}");
        members[from].command_ok(json!({"op": "socketsJoin", "to": ["even"], "rooms": [room]}));
        let evens = ["m0w", "m0p", "m2w", "m2p"];
        let next = &mut members[(from + 1) % 4];
        let want_ids = evens.iter().map(|n| sids[*n].clone()).collect();
        wait_fetch(next, "/", &[&room], &want_ids);
        let cmd = json!({"op": "emit", "to": [room], "event": format!("{tag}-to-joined")});
        fence.expect_recipients(next, &mut clients, cmd, &evens);
        members[from].command_ok(json!({"op": "socketsLeave", "to": [room], "rooms": [room]}));
    }
    // disconnectSockets from a Node member of a client of ours, and from
    // ours of a client of a Node member.
    for (from, victim) in [(0, "m1w"), (3, "m2w")] {
        let sid = sids[victim].clone();
        members[from].command_ok(json!({"op": "disconnectSockets", "to": [sid], "close": false}));
        let gone = clients.wait_event(std::time::Duration::from_secs(10), |e| {
            e["event"] == "disconnect" && e["name"] == victim
        });
        assert_eq!(gone["reason"], "io server disconnect");
        fence.live.remove(victim);
    }
    let left = ["m0w", "m0p", "m1p", "m2p", "m3w", "m3p"];
    let cmd = json!({"op": "emit", "event": "after-disconnects"});
    fence.expect_recipients(&mut members[1], &mut clients, cmd, &left);
}
