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
