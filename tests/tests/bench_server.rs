//! The bench server example (`examples/bench_server.rs`) keeps the contract
//! `../shared/bench` relies on: `echo` acknowledged with its argument,
//! `broadcast` re-emitted to every socket of `/`, the sender included,
//! checked with the npm `socket.io-client` over WebSocket and polling; and,
//! as members of a Redis cluster (`REDIS_URL`, what `bench/cluster.sh`
//! runs), `broadcast` reaches the other member's sockets, checked with the
//! bench's load generator (`fanout --sender-addr`).

use std::net::SocketAddr;
use std::time::Duration;

#[test]
fn bench_server_echoes_and_broadcasts() {
    let addr = SocketAddr::from(([127, 0, 0, 1], 0));
    let server = sio_smol::spawn_thread(addr, examples::bench_server::mux).expect("server starts");
    let out = tests::assert_node_ok(
        "bench-server.mjs",
        &[&server.url()],
        Duration::from_secs(60),
    );
    assert!(out.contains("ok bench-server "), "unexpected output: {out}");
    server.stop().expect("server stops cleanly");
}

#[test]
fn bench_servers_broadcast_across_a_redis_cluster() {
    let redis = tests::redis::RedisServer::start();
    let any_port = SocketAddr::from(([127, 0, 0, 1], 0));
    let member = |url: String| {
        sio_smol::spawn_thread(any_port, move || {
            examples::bench_server::cluster_mux(&url).expect("a Redis URL")
        })
        .expect("server starts")
    };
    let sending = member(redis.url());
    let receiving = member(redis.url());
    // Both members subscribed: what they publish from now on reaches the other.
    let (bus, _events) =
        sio_smol::cluster::redis_bus::RedisBus::start(&redis.url(), Default::default())
            .expect("a Redis URL");
    smol::block_on(async {
        for _ in 0..200 {
            let n = bus
                .count_subscribers("socket.io-request#/#".to_owned())
                .await;
            if n == Some(2) {
                return;
            }
            smol::Timer::after(Duration::from_millis(50)).await;
        }
        panic!("the two members did not subscribe");
    });
    bus.close();

    let args = format!(
        "--addr {} --sender-addr {} --clients 20 --msgs 30 --warmup-msgs 2",
        receiving.addr(),
        sending.addr()
    );
    let words: Vec<String> = args.split_whitespace().map(String::from).collect();
    let opts = sio_loadgen::Opts::parse("fanout", &words).expect("options");
    let s = sio_loadgen::run("fanout", &opts).expect("fanout runs");
    assert_eq!(
        (s["errors"].as_u64(), s["lost"].as_u64()),
        (Some(0), Some(0)),
        "{s}"
    );
    assert_eq!(s["deliveries"].as_u64(), Some(600), "{s}");
    sending.stop().expect("server stops cleanly");
    receiving.stop().expect("server stops cleanly");
}
