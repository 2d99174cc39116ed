//! The Node side of the mixed-cluster tests proven among itself: two
//! `cluster-node.mjs` members (`socket.io` 4.8.4 + `@socket.io/redis-adapter`
//! 8.3.0 on node-redis 4.7.1) run the scenarios of `cluster_common`, so that
//! a failure of `cluster_mixed.rs` is ours.

mod cluster_common;

use tests::cluster::MemberKind::Node;

#[test]
fn broadcasts_reach_exactly_their_targets_from_either_member() {
    cluster_common::broadcasts_reach_exactly_their_targets_from_either_member([Node, Node]);
}

#[test]
fn acks_room_operations_and_fetch_sockets_across_members() {
    cluster_common::acks_room_operations_and_fetch_sockets_across_members([Node, Node]);
}

#[test]
fn server_side_emit_server_count_and_a_member_that_does_not_answer() {
    cluster_common::server_side_emit_server_count_and_a_member_that_does_not_answer([Node, Node]);
}

#[test]
fn broadcasts_across_members_resume_after_redis_restarts() {
    cluster_common::broadcasts_across_members_resume_after_redis_restarts([Node, Node]);
}
