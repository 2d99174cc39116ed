//! The Redis Pub/Sub link of a cluster member (`sio_smol::cluster::redis_bus`)
//! against a real `redis-server` (`tests::redis`): binary payloads in
//! order, pattern subscriptions, `PUBSUB NUMSUB`, a Redis restart, and a
//! burst of 10 000 messages.

mod redis_common;

use bytes::Bytes;
use futures_lite::future;
use redis_common::{Events, TIMEOUT, expect, next};
use sio_smol::cluster::redis_bus::{BusEvent, BusOptions, RedisBus};
use smol::Timer;
use std::time::{Duration, Instant};
use tests::redis::RedisServer;

/// A bus on `redis` subscribed to `channels` and `patterns`, once `Up`.
async fn bus(redis: &RedisServer, channels: &[&str], patterns: &[&str]) -> (RedisBus, Events) {
    redis_common::bus(redis, channels, patterns, &[]).await
}

/// The next event, which must be a message: (channel, payload).
async fn message(events: &Events) -> (Bytes, Bytes) {
    match next(events, "a message").await {
        BusEvent::Message { channel, payload } => (channel, payload),
        other => panic!("expected a message, got {other:?}"),
    }
}

#[test]
fn binary_messages_on_channels_and_patterns_arrive_in_order() {
    let redis = RedisServer::start();
    smol::block_on(async {
        let (a, a_events) = bus(&redis, &["plain"], &["pat:*"]).await;
        let (b, _b_events) = bus(&redis, &[], &[]).await;
        let all_bytes: Vec<u8> = (0..=255u8).cycle().take(1 << 20).collect();
        let sent: Vec<(&str, Bytes)> = vec![
            ("plain", Bytes::from_static(b"\x00\xff\x00")),
            ("pat:one", Bytes::from_static(b"\xff\r\n$3\r\n\x00")),
            ("elsewhere", Bytes::from_static(b"not subscribed")),
            ("pat:two", Bytes::new()),
            ("plain", Bytes::from(all_bytes)),
            ("pat:one", Bytes::from_static(b"\x00")),
        ];
        for (channel, payload) in &sent {
            b.publish(channel.to_string(), payload.clone());
        }
        for (channel, payload) in sent.iter().filter(|(c, _)| *c != "elsewhere") {
            let (got_channel, got_payload) = message(&a_events).await;
            assert_eq!(got_channel, channel.as_bytes(), "concrete channel names");
            assert!(got_payload == payload, "exact bytes on {channel}");
        }
        assert_eq!(b.stats().published, 6);
        assert_eq!(a.stats().received, 5);
        assert_eq!(a.stats().dropped + b.stats().dropped, 0);
        assert!(a_events.try_recv().is_err(), "nothing else arrived");
    });
}

#[test]
fn count_subscribers_counts_members_and_answers_none_while_redis_is_down() {
    let mut redis = RedisServer::start();
    smol::block_on(async {
        let (a, a_events) = bus(&redis, &["socket.io-request#/#"], &[]).await;
        let count = |bus: &RedisBus| bus.count_subscribers("socket.io-request#/#".to_owned());
        assert_eq!(count(&a).await, Some(1));
        assert_eq!(a.count_subscribers("nobody".to_owned()).await, Some(0));
        let (b, _b_events) = bus(&redis, &["socket.io-request#/#"], &["x*"]).await;
        assert_eq!(count(&a).await, Some(2));
        assert_eq!(count(&b).await, Some(2));
        redis.stop();
        expect(&a_events, BusEvent::Down).await;
        assert_eq!(count(&a).await, None);
    });
}

#[test]
fn a_restart_replays_subscriptions_and_drops_what_is_published_while_down() {
    let mut redis = RedisServer::start();
    smol::block_on(async {
        let (a, a_events) = bus(&redis, &["c"], &["p*"]).await;
        let (b, b_events) = bus(&redis, &[], &[]).await;
        b.publish("c".into(), Bytes::from_static(b"before"));
        assert_eq!(message(&a_events).await.1, &b"before"[..]);

        redis.stop();
        expect(&a_events, BusEvent::Down).await;
        expect(&b_events, BusEvent::Down).await;
        for i in 0..3u8 {
            b.publish("c".into(), Bytes::from(vec![i]));
        }
        // Queued behind the three publishes: answered (None) once they
        // have been dropped.
        assert_eq!(b.count_subscribers("c".into()).await, None);
        assert_eq!(b.stats().dropped, 3);
        assert_eq!(b.stats().published, 1);

        redis.restart();
        expect(&a_events, BusEvent::Up).await;
        expect(&b_events, BusEvent::Up).await;
        assert_eq!(a.stats().reconnects, 1);
        assert_eq!(b.stats().reconnects, 1);
        // Subscribed again: on the channel and through the pattern.
        assert_eq!(b.count_subscribers("c".into()).await, Some(1));
        b.publish("c".into(), Bytes::from_static(b"after"));
        b.publish("p1".into(), Bytes::from_static(b"\x00after"));
        assert_eq!(
            message(&a_events).await,
            (Bytes::from_static(b"c"), Bytes::from_static(b"after"))
        );
        assert_eq!(
            message(&a_events).await,
            (Bytes::from_static(b"p1"), Bytes::from_static(b"\x00after"))
        );
        assert_eq!(a.stats().received, 3);
    });
}

#[test]
fn a_bus_started_while_redis_is_down_comes_up_with_it() {
    let mut redis = RedisServer::start();
    redis.stop();
    smol::block_on(async {
        let (a, a_events) = RedisBus::start(&redis.url(), BusOptions::default()).unwrap();
        a.subscribe(vec!["c".into()], vec![]);
        a.publish("c".into(), Bytes::from_static(b"lost"));
        // Behind the publish in the queue: None once it was dropped.
        assert_eq!(a.count_subscribers("c".into()).await, None);
        assert_eq!(a.stats().dropped, 1);
        redis.restart();
        expect(&a_events, BusEvent::Up).await;
        assert_eq!(
            a.stats().reconnects,
            0,
            "a first connection, not a reconnect"
        );
        assert_eq!(a.count_subscribers("c".into()).await, Some(1));
        a.publish("c".into(), Bytes::from_static(b"\xffkept"));
        assert_eq!(message(&a_events).await.1, &b"\xffkept"[..]);
    });
}

#[test]
fn ten_thousand_messages_back_to_back_arrive_in_order() {
    const N: u32 = 10_000;
    let redis = RedisServer::start();
    smol::block_on(async {
        let (a, a_events) = bus(&redis, &["bulk"], &[]).await;
        let (b, _b_events) = bus(&redis, &[], &[]).await;
        let started = Instant::now();
        for i in 0..N {
            let mut payload = i.to_be_bytes().to_vec();
            payload.extend_from_slice(&[0xa5; 96]);
            b.publish("bulk".into(), Bytes::from(payload));
        }
        for i in 0..N {
            let (channel, payload) = message(&a_events).await;
            assert_eq!(channel, &b"bulk"[..]);
            assert_eq!(payload[..4], i.to_be_bytes(), "message {i} in order");
            assert_eq!(payload.len(), 100);
        }
        let took = started.elapsed();
        eprintln!(
            "{N} messages of 100 bytes published and received in {took:?} ({:.0} messages/s)",
            f64::from(N) / took.as_secs_f64()
        );
        assert_eq!(b.stats().published, u64::from(N));
        assert_eq!(b.stats().dropped, 0);
        assert_eq!(a.stats().received, u64::from(N));
    });
}

#[test]
fn close_ends_the_events_and_drops_later_publishes() {
    let redis = RedisServer::start();
    smol::block_on(async {
        let (a, a_events) = bus(&redis, &["c"], &[]).await;
        let (b, _b_events) = bus(&redis, &[], &[]).await;
        a.close();
        let closed = async { a_events.recv().await.is_err() };
        let timeout = async {
            Timer::after(TIMEOUT).await;
            false
        };
        assert!(future::or(closed, timeout).await, "events end after close");
        // Redis sees the closed connection on its own schedule: no event
        // to await, so ask until it counts nobody.
        let deadline = Instant::now() + TIMEOUT;
        while b.count_subscribers("c".into()).await != Some(0) {
            assert!(Instant::now() < deadline, "still counted after close");
            Timer::after(Duration::from_millis(10)).await;
        }
        a.publish("c".into(), Bytes::from_static(b"late"));
        assert_eq!(a.stats().dropped, 1);
    });
}

#[test]
fn a_bad_url_is_refused_at_once() {
    for url in ["http://127.0.0.1:6379", "rediss://h", "redis://h:port"] {
        assert!(
            RedisBus::start(url, BusOptions::default()).is_err(),
            "{url}"
        );
    }
}
