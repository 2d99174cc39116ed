//! What the Redis link's tests share (`redis_bus.rs`, `redis_streams.rs`):
//! waiting for the link's next event with a safety net, and a link on a
//! test's `redis-server` that is up.

#![allow(dead_code)] // each test file uses a part

use futures_lite::future;
use sio_smol::cluster::redis_bus::{BusEvent, BusOptions, RedisBus};
use smol::Timer;
use std::time::Duration;
use tests::redis::RedisServer;

/// The link's events.
pub type Events = async_channel::Receiver<BusEvent>;

/// Safety net for every wait: nothing here should take this long.
pub const TIMEOUT: Duration = Duration::from_secs(20);

/// The next event, or a panic after [`TIMEOUT`] naming `what` was awaited.
pub async fn next(events: &Events, what: &str) -> BusEvent {
    let ev = async { events.recv().await.ok() };
    let timeout = async {
        Timer::after(TIMEOUT).await;
        None
    };
    future::or(ev, timeout)
        .await
        .unwrap_or_else(|| panic!("no event within {TIMEOUT:?} while waiting for {what}"))
}

/// Waits for `expected` (`Up` or `Down`), failing on anything else.
pub async fn expect(events: &Events, expected: BusEvent) {
    let ev = next(events, &format!("{expected:?}")).await;
    assert_eq!(ev, expected);
}

/// A link on `redis` subscribed to `channels` and `patterns` and
/// following `streams`, once `Up`.
pub async fn bus(
    redis: &RedisServer,
    channels: &[&str],
    patterns: &[&str],
    streams: &[&str],
) -> (RedisBus, Events) {
    // Subscribed and following before the link's task starts: its first
    // `Up` then confirms these (a later `subscribe` applies without an
    // event).
    let (bus, events, task) =
        RedisBus::new(&redis.url(), BusOptions::default()).expect("a good URL");
    bus.subscribe(
        channels.iter().map(|c| c.to_string()).collect(),
        patterns.iter().map(|p| p.to_string()).collect(),
    );
    for s in streams {
        bus.stream_follow(s.to_string());
    }
    smol::spawn(task).detach();
    expect(&events, BusEvent::Up).await;
    (bus, events)
}
