//! The streams and keys commands of the Redis link
//! (`sio_smol::cluster::redis_bus`) against a real `redis-server`
//! (`tests::redis`): following a stream (10 000 entries once each, in
//! order; resuming from the last id after the link's connections are
//! killed; several streams), appends in order with publishes, ranges,
//! keys (set, take once, expiry, delete), and questions while Redis is
//! stopped.

mod redis_common;

use bytes::Bytes;
use futures_lite::future;
use redis_common::{Events, TIMEOUT, next};
use sio_smol::cluster::redis_bus::{BusEvent, BusFailure, BusOptions, RedisBus, StreamEntry};
use smol::Timer;
use std::time::{Duration, Instant};
use tests::redis::{RedisServer, Reply};

/// A bus on `redis` following `streams` and subscribed to `channels`, once `Up`.
async fn bus(redis: &RedisServer, streams: &[&str], channels: &[&str]) -> (RedisBus, Events) {
    redis_common::bus(redis, channels, &[], streams).await
}

/// One field `i` holding `i`, and a binary one.
fn fields(i: usize) -> Vec<(Bytes, Bytes)> {
    vec![
        (Bytes::from_static(b"i"), Bytes::from(i.to_string())),
        (
            Bytes::from_static(b"bin"),
            Bytes::from_static(b"\x00\r\n\xff"),
        ),
    ]
}

/// The `i` field of an entry.
fn index(entry: &StreamEntry) -> usize {
    let (name, value) = &entry.fields[0];
    assert_eq!(name, &b"i"[..]);
    std::str::from_utf8(value).unwrap().parse().unwrap()
}

/// Entries from `events` until `n` of them arrived: (stream, entry), in
/// order of arrival; the other events seen meanwhile are returned too.
async fn entries(events: &Events, n: usize) -> (Vec<(Bytes, StreamEntry)>, Vec<BusEvent>) {
    let mut got = Vec::new();
    let mut others = Vec::new();
    while got.len() < n {
        let last = got.last().map(|(_, e): &(Bytes, StreamEntry)| e.id.clone());
        let what = format!("entry {} of {n} (last {last:?})", got.len());
        match next(events, &what).await {
            BusEvent::StreamEntries { stream, entries } => {
                assert!(!entries.is_empty(), "no empty batches");
                got.extend(entries.into_iter().map(|e| (stream.clone(), e)));
            }
            other => others.push(other),
        }
    }
    assert_eq!(got.len(), n, "no more than asked for");
    (got, others)
}

/// Redis ids `<ms>-<seq>` as numbers, to compare.
fn id(entry: &StreamEntry) -> (u64, u64) {
    let text = std::str::from_utf8(&entry.id).unwrap();
    let (ms, seq) = text.split_once('-').unwrap();
    (ms.parse().unwrap(), seq.parse().unwrap())
}

#[test]
fn ten_thousand_appends_are_followed_once_each_in_order() {
    const N: usize = 10_000;
    let redis = RedisServer::start();
    smol::block_on(async {
        let (a, a_events) = bus(&redis, &["s"], &[]).await;
        let (b, _b_events) = bus(&redis, &[], &[]).await;
        let started = Instant::now();
        for i in 0..N {
            b.stream_append("s".into(), 100_000, fields(i));
        }
        let (got, others) = entries(&a_events, N).await;
        let took = started.elapsed();
        eprintln!(
            "{N} entries appended and followed in {took:?} ({:.0} entries/s)",
            N as f64 / took.as_secs_f64()
        );
        assert!(others.is_empty(), "{others:?}");
        for (i, (stream, entry)) in got.iter().enumerate() {
            assert_eq!(stream, &b"s"[..]);
            assert_eq!(index(entry), i, "entry {i} in order");
            assert_eq!(entry.fields, fields(i));
        }
        assert!(got.windows(2).all(|w| id(&w[0].1) < id(&w[1].1)));
        assert_eq!(b.stats().appended, N as u64);
        assert_eq!(a.stats().entries, N as u64);
        assert_eq!(a.stats().dropped + b.stats().dropped, 0);
        // The member's own appends come back too.
        a.stream_append("s".into(), 100_000, fields(N));
        let (got, _) = entries(&a_events, 1).await;
        assert_eq!(index(&got[0].1), N);
        assert!(a_events.try_recv().is_err(), "nothing else arrived");
    });
}

#[test]
fn publishes_appends_and_key_writes_leave_in_call_order() {
    const N: usize = 400;
    let redis = RedisServer::start();
    // MONITOR shows the commands in the order Redis runs them.
    let mut monitor = redis.client();
    assert_eq!(monitor.call(&["MONITOR"]), Reply::Simple("OK".into()));
    smol::block_on(async {
        let (b, _b_events) = bus(&redis, &[], &[]).await;
        let mut sent = Vec::new();
        for i in 0..N {
            let ((), name) = match i % 4 {
                0 => (b.publish("c".into(), Bytes::from(i.to_string())), "PUBLISH"),
                1 => (b.stream_append("s".into(), 1000, fields(i)), "XADD"),
                2 => (
                    b.set_key(format!("k{i}"), Bytes::from_static(b"v"), TIMEOUT),
                    "SET",
                ),
                _ => (b.delete_key(format!("k{}", i - 1)), "DEL"),
            };
            sent.push(name);
        }
        let mut seen = Vec::new();
        while seen.len() < N {
            let Reply::Simple(line) = monitor.read() else {
                panic!("MONITOR lines are simple strings")
            };
            for name in ["PUBLISH", "XADD", "SET", "DEL"] {
                if line.contains(&format!("] \"{name}\"")) {
                    seen.push(name);
                }
            }
        }
        assert_eq!(seen, sent);
        assert_eq!(b.stats().published, (N / 4) as u64);
        assert_eq!(b.stats().appended, (N / 4) as u64);
    });
}

#[test]
fn ranges_honour_their_bounds_and_count() {
    let redis = RedisServer::start();
    smol::block_on(async {
        let (b, _events) = bus(&redis, &[], &[]).await;
        for i in 0..10 {
            b.stream_append("s".into(), 1000, fields(i));
        }
        // Behind the appends on the same connection: it sees them all.
        let all = b
            .stream_range("s".into(), "-".into(), "+".into(), 100)
            .await;
        let all = all.expect("a range");
        assert_eq!(
            all.iter().map(index).collect::<Vec<_>>(),
            (0..10).collect::<Vec<_>>()
        );
        assert_eq!(all[3].fields, fields(3));
        let first = b.stream_range("s".into(), "-".into(), "+".into(), 3).await;
        assert_eq!(first.unwrap(), all[..3]);
        let id = |i: usize| String::from_utf8(all[i].id.to_vec()).unwrap();
        let middle = b.stream_range("s".into(), id(2), id(5), 100).await;
        assert_eq!(middle.unwrap(), all[2..=5], "both ends included");
        let one = b.stream_range("s".into(), id(7), id(7), 100).await;
        assert_eq!(one.unwrap(), all[7..8]);
        let after = b
            .stream_range("s".into(), format!("({}", id(8)), "+".into(), 100)
            .await;
        assert_eq!(after.unwrap(), all[9..], "an exclusive start");
        let none = b
            .stream_range("missing".into(), "-".into(), "+".into(), 10)
            .await;
        assert_eq!(none, Ok(vec![]));
        // A key of another type: Redis refuses, the answer is a failure.
        b.set_key("str".into(), Bytes::from_static(b"x"), TIMEOUT);
        let wrong = b
            .stream_range("str".into(), "-".into(), "+".into(), 10)
            .await;
        assert_eq!(wrong, Err(BusFailure));
        let bad = b
            .stream_range("s".into(), "nonsense".into(), "+".into(), 10)
            .await;
        assert_eq!(bad, Err(BusFailure));
        // The link is still fine.
        let again = b.stream_range("s".into(), "-".into(), "+".into(), 1).await;
        assert_eq!(again.unwrap(), all[..1]);
    });
}

#[test]
fn a_key_is_taken_once_then_gone_and_delete_deletes() {
    let redis = RedisServer::start();
    smol::block_on(async {
        let (a, _a_events) = bus(&redis, &[], &[]).await;
        let (b, _b_events) = bus(&redis, &[], &[]).await;
        let value = Bytes::from_static(b"\x00session\r\n\xff");
        a.set_key("sio:session:p1".into(), value.clone(), TIMEOUT);
        assert_eq!(
            a.take_key("sio:session:p1".into()).await,
            Ok(Some(value.clone()))
        );
        assert_eq!(
            a.take_key("sio:session:p1".into()).await,
            Ok(None),
            "a second take"
        );
        assert_eq!(b.take_key("sio:session:p1".into()).await, Ok(None));

        // Two members take the same key at once: one gets it.
        a.set_key("k".into(), value.clone(), TIMEOUT);
        assert!(
            a.stream_range("x".into(), "-".into(), "+".into(), 1)
                .await
                .is_ok()
        );
        let (x, y) = future::zip(a.take_key("k".into()), b.take_key("k".into())).await;
        let mut got = [x.unwrap(), y.unwrap()];
        got.sort();
        assert_eq!(got, [None, Some(value.clone())]);

        a.set_key("gone".into(), value.clone(), TIMEOUT);
        a.delete_key("gone".into());
        assert_eq!(a.take_key("gone".into()).await, Ok(None));
        // Replacing a value.
        a.set_key("r".into(), Bytes::from_static(b"1"), TIMEOUT);
        a.set_key("r".into(), Bytes::from_static(b"2"), TIMEOUT);
        assert_eq!(
            a.take_key("r".into()).await,
            Ok(Some(Bytes::from_static(b"2")))
        );
        assert_eq!(a.stats().dropped, 0);
    });
}

#[test]
fn a_key_expires_after_its_ttl() {
    let redis = RedisServer::start();
    let mut raw = redis.client();
    smol::block_on(async {
        let (a, _events) = bus(&redis, &[], &[]).await;
        let ttl = Duration::from_millis(300);
        a.set_key("short".into(), Bytes::from_static(b"v"), ttl);
        a.set_key("long".into(), Bytes::from_static(b"v"), TIMEOUT);
        // A question behind the writes: they are done when it is answered.
        assert_eq!(a.take_key("none".into()).await, Ok(None));
        let Reply::Int(pttl) = raw.call(&["PTTL", "short"]) else {
            panic!("PTTL answers a number")
        };
        assert!(pttl > 0 && pttl <= 300, "PX 300, left {pttl}");
        // Expiry is the passage of time itself: nothing to await but it.
        let deadline = Instant::now() + TIMEOUT;
        while raw.call(&["EXISTS", "short"]) != Reply::Int(0) {
            assert!(Instant::now() < deadline, "never expired");
            Timer::after(Duration::from_millis(20)).await;
        }
        assert_eq!(a.take_key("short".into()).await, Ok(None));
        assert_eq!(
            a.take_key("long".into()).await,
            Ok(Some(Bytes::from_static(b"v")))
        );
    });
}

#[test]
fn following_resumes_from_the_last_id_after_the_connections_are_killed() {
    let redis = RedisServer::start();
    let mut raw = redis.client();
    let append = |raw: &mut tests::redis::RedisClient, i: usize| {
        let i = i.to_string();
        raw.send(&[
            b"XADD",
            b"s",
            b"*",
            b"i",
            i.as_bytes(),
            b"bin",
            b"\x00\r\n\xff",
        ]);
    };
    smol::block_on(async {
        let (a, a_events) = bus(&redis, &["s"], &["c"]).await;
        for i in 0..100 {
            append(&mut raw, i);
            assert!(matches!(raw.read(), Reply::Bulk(_)));
        }
        let (before, _) = entries(&a_events, 100).await;

        // Kill every normal connection (the link's publisher and follower;
        // not this one) and append meanwhile, in the same write: the link
        // cannot be back before these are in the stream.
        raw.send(&[b"CLIENT", b"KILL", b"TYPE", b"normal"]);
        for i in 100..200 {
            append(&mut raw, i);
        }
        let Reply::Int(killed) = raw.read() else {
            panic!("CLIENT KILL answers a number")
        };
        assert!(killed >= 2, "the publisher and the follower: {killed}");
        for _ in 100..200 {
            assert!(matches!(raw.read(), Reply::Bulk(_)));
        }
        let (during, others) = entries(&a_events, 100).await;
        assert_eq!(
            others,
            [BusEvent::Down, BusEvent::Up],
            "{:?}",
            during.iter().map(|(_, e)| index(e)).collect::<Vec<_>>()
        );
        for i in 200..300 {
            append(&mut raw, i);
            assert!(matches!(raw.read(), Reply::Bulk(_)));
        }
        let (after, _) = entries(&a_events, 100).await;

        let all: Vec<usize> = [before, during, after]
            .iter()
            .flatten()
            .map(|(_, e)| index(e))
            .collect();
        assert_eq!(all, (0..300).collect::<Vec<_>>(), "none lost, none twice");
        assert_eq!(a.stats().reconnects, 1);
        assert_eq!(a.stats().entries, 300);
        assert!(a_events.try_recv().is_err(), "nothing else arrived");
    });
}

#[test]
fn several_streams_are_followed_including_one_added_while_up() {
    let redis = RedisServer::start();
    smol::block_on(async {
        let (a, a_events) = bus(&redis, &["s1"], &[]).await;
        a.stream_append("s1".into(), 1000, fields(0));
        let (got, _) = entries(&a_events, 1).await;
        assert_eq!(got[0].0, &b"s1"[..]);
        // A read on s1 alone is blocked now; following s2 wakes it up
        // (much sooner than its 5 s block), and the append made right
        // after the follow is part of what is followed.
        let started = Instant::now();
        a.stream_follow("s2".into());
        a.stream_follow("s1".into());
        a.stream_append("s2".into(), 1000, fields(1));
        let (got, _) = entries(&a_events, 1).await;
        assert_eq!((got[0].0.as_ref(), index(&got[0].1)), (&b"s2"[..], 1));
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "woken up, not timed out: {:?}",
            started.elapsed()
        );
        a.stream_append("s1".into(), 1000, fields(2));
        a.stream_append("s2".into(), 1000, fields(3));
        let (got, _) = entries(&a_events, 2).await;
        let mut got: Vec<(Bytes, usize)> = got.into_iter().map(|(s, e)| (s, index(&e))).collect();
        got.sort();
        assert_eq!(
            got,
            [
                (Bytes::from_static(b"s1"), 2),
                (Bytes::from_static(b"s2"), 3)
            ]
        );
        assert!(a_events.try_recv().is_err(), "each entry once");
    });
}

#[test]
fn questions_answer_failures_promptly_while_redis_is_stopped() {
    let mut redis = RedisServer::start();
    smol::block_on(async {
        let (a, a_events) = bus(&redis, &["s"], &[]).await;
        a.stream_append("s".into(), 1000, fields(0));
        entries(&a_events, 1).await;
        redis.stop();
        assert_eq!(next(&a_events, "Down").await, BusEvent::Down);
        let started = Instant::now();
        a.stream_append("s".into(), 1000, fields(1));
        a.set_key("k".into(), Bytes::from_static(b"v"), TIMEOUT);
        a.delete_key("k".into());
        let range = a.stream_range("s".into(), "-".into(), "+".into(), 10).await;
        assert_eq!(range, Err(BusFailure));
        assert_eq!(a.take_key("k".into()).await, Err(BusFailure));
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "answered at once, not after the request timeout: {:?}",
            started.elapsed()
        );
        assert_eq!(a.stats().dropped, 3, "fire and forget: dropped, counted");

        // An empty Redis comes back: following goes on (new ids are later
        // than the last one reported).
        redis.restart();
        assert_eq!(next(&a_events, "Up").await, BusEvent::Up);
        a.stream_append("s".into(), 1000, fields(2));
        let (got, _) = entries(&a_events, 1).await;
        assert_eq!(index(&got[0].1), 2);
    });
}

#[test]
fn a_slow_application_holds_the_follower_back_and_loses_nothing() {
    const N: usize = 3_000;
    let redis = RedisServer::start();
    smol::block_on(async {
        let options = BusOptions {
            event_queue: 2,
            ..BusOptions::default()
        };
        let (a, a_events, task) = RedisBus::new(&redis.url(), options).unwrap();
        a.stream_follow("s".into());
        smol::spawn(task).detach();
        assert_eq!(next(&a_events, "Up").await, BusEvent::Up);
        let (b, _b_events) = bus(&redis, &[], &[]).await;
        for i in 0..N {
            b.stream_append("s".into(), 100_000, fields(i));
        }
        // Every append is in Redis before anything is read here.
        let len = b.stream_range("s".into(), "-".into(), "+".into(), N).await;
        assert_eq!(len.unwrap().len(), N);
        // The queue holds 2 events of at most 100 entries each.
        assert!(
            a.stats().entries <= 300,
            "read ahead: {}",
            a.stats().entries
        );
        let (got, _) = entries(&a_events, N).await;
        let got: Vec<usize> = got.iter().map(|(_, e)| index(e)).collect();
        assert_eq!(got, (0..N).collect::<Vec<_>>());
    });
}
