//! The `redis-server` harness (`tests::redis`): it starts, answers `PING`
//! over TCP, stops (the port refuses) and restarts on the same port.

use std::net::SocketAddr;
use tests::redis::{RedisServer, ping};

#[test]
fn starts_stops_and_restarts_on_the_same_port() {
    let mut redis = RedisServer::start();
    let port = redis.port();
    assert_eq!(redis.url(), format!("redis://127.0.0.1:{port}"));
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    assert!(ping(addr), "PING answered after start");
    redis.stop();
    assert!(!ping(addr), "nothing answers after stop");
    redis.restart();
    assert_eq!(redis.port(), port, "same port after restart");
    assert!(ping(addr), "PING answered after restart");
}

#[test]
fn two_servers_run_side_by_side() {
    let a = RedisServer::start();
    let b = RedisServer::start();
    assert_ne!(a.port(), b.port());
    for r in [&a, &b] {
        assert!(ping(SocketAddr::from(([127, 0, 0, 1], r.port()))));
    }
}
