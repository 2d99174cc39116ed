//! A server as a member of a Redis cluster of Socket.IO servers, Node's
//! included: [`SocketIo::with_redis`] and what it links. The protocol (what
//! goes on which channel, who answers, how long to wait) is the core's;
//! here the core's bus work ([`BusCommand`]) goes to the Redis link, and
//! what the link receives goes back to the core.
//!
//! # While Redis is away
//!
//! As with Node's `@socket.io/redis-adapter`, Pub/Sub keeps nothing: a
//! broadcast published while a member is cut off never reaches that
//! member's clients, and this member's own publications are dropped (and
//! counted) until the link is back. Local delivery goes on; cluster
//! requests (`fetch_sockets`, `server_side_emit_with_ack`) fail with
//! [`sio_core::socket::ClusterError::BusUnavailable`] or time out. The
//! link reconnects with backoff and subscribes again to every channel; no
//! message is replayed.
//!
//! With the streams adapter ([`RedisOptions::streams`]) the core also
//! appends to and follows a stream and keeps sessions under keys; the
//! link carries those commands too (see [`crate::cluster::redis_bus`] for
//! what survives an outage: a followed stream resumes from the last entry
//! read). The core is told when the link goes up or down
//! ([`BusInput::Link`]), besides the handlers of
//! [`SocketIo::on_cluster_link`].

use super::SocketIo;
use super::state::Shared;
use crate::cluster::redis_bus::{BusError, BusEvent, BusOptions, RedisBus};
use crate::driver::Driver;
use sio_core::Input;
use sio_core::bus::{BusCommand, BusInput};
use sio_core::socket::{ClusterConfig, ServerConfig, SioServer, StreamsConfig};
use std::future::Future;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::time::Duration;

/// Options of the Redis adapter, as Node's `createAdapter(pub, sub, opts)`.
#[derive(Debug, Clone)]
pub struct RedisOptions {
    /// The channels' prefix (Node's `key`, default `socket.io`): the same
    /// on every member.
    pub key: String,
    /// How long a cluster request waits for the other members (Node's
    /// `requestsTimeout`, default 5 s).
    pub requests_timeout: Duration,
    /// The Redis link: reconnect backoff, queue bounds, timeouts.
    pub bus: BusOptions,
    /// `Some` for Node's `@socket.io/redis-streams-adapter` protocol
    /// (sessions recover on any member; needs `config.recovery`), `None`
    /// (the default) for the classic `@socket.io/redis-adapter`.
    pub streams: Option<StreamsConfig>,
}

impl Default for RedisOptions {
    fn default() -> Self {
        RedisOptions {
            key: "socket.io".to_owned(),
            requests_timeout: Duration::from_secs(5),
            bus: BusOptions::default(),
            streams: None,
        }
    }
}

impl SocketIo {
    /// A server that joins the cluster of Socket.IO servers sharing the
    /// Redis at `url` (`redis://[[user]:password@]host[:port][/db]`) with
    /// `@socket.io/redis-adapter`'s protocol, so Node servers using that
    /// adapter and this one form one cluster: broadcasts, room changes,
    /// disconnections, `fetch_sockets` and server-side events reach every
    /// member. Connects in the background and keeps reconnecting; see the
    /// module docs for what is lost while Redis is away.
    pub fn with_redis(
        mut config: ServerConfig,
        url: &str,
        options: RedisOptions,
    ) -> Result<SocketIo, BusError> {
        let (bus, events, task) = RedisBus::new(url, options.bus)?;
        config.cluster = Some(ClusterConfig {
            key: options.key,
            requests_timeout: options.requests_timeout,
            streams: options.streams,
        });
        let core = SioServer::new(config, crate::os_seed());
        let driver = Driver::new(core);
        let shared = Shared::new(driver.clone());
        // The link's task runs on the server's thread, beside the core: a
        // message goes from the socket to the core without a thread hop.
        driver.spawn(task);
        link(&driver, &shared, bus, events);
        Ok(SocketIo { shared })
    }

    /// Calls `f` with `true` each time the Redis link comes up (and is
    /// subscribed to every channel) and `false` each time it breaks.
    pub fn on_cluster_link(&self, f: impl Fn(bool) + 'static) {
        self.shared.link_handlers.borrow_mut().push(Rc::new(f));
    }

    /// This server's id in its cluster (`None` when it is in none).
    pub fn cluster_uid(&self) -> Option<String> {
        self.shared.driver.engine().cluster_uid().map(str::to_owned)
    }
}

/// Links the core's bus work to `bus`, and what `bus` receives to the core.
fn link(
    driver: &Rc<Driver<SioServer>>,
    shared: &Rc<Shared>,
    bus: RedisBus,
    events: async_channel::Receiver<BusEvent>,
) {
    // The driver keeps the sink: weak links avoid a cycle.
    let weak: Weak<Driver<SioServer>> = Rc::downgrade(driver);
    let sink_bus = bus.clone();
    // A question's answer, when it comes, goes to the core.
    let answer = move |question: Pin<Box<dyn Future<Output = BusInput>>>| {
        let Some(driver) = weak.upgrade() else { return };
        let weak = weak.clone();
        driver.spawn(async move {
            let input = question.await;
            if let Some(driver) = weak.upgrade() {
                driver.handle(Input::Bus(input));
            }
        });
    };
    driver.set_bus(Box::new(move |command| match command {
        BusCommand::Subscribe { channels, patterns } => sink_bus.subscribe(channels, patterns),
        BusCommand::Publish { channel, payload } => sink_bus.publish(channel, payload),
        BusCommand::CountSubscribers { query, channel } => {
            let count = sink_bus.count_subscribers(channel);
            answer(Box::pin(async move {
                let count = count.await;
                BusInput::Count { query, count }
            }));
        }
        BusCommand::StreamAppend {
            stream,
            max_len,
            fields,
        } => sink_bus.stream_append(stream, max_len, fields),
        BusCommand::StreamFollow { stream } => sink_bus.stream_follow(stream),
        BusCommand::StreamRange {
            query,
            stream,
            start,
            end,
            count,
        } => {
            let entries = sink_bus.stream_range(stream, start, end, count);
            answer(Box::pin(async move {
                let entries = entries.await;
                BusInput::Range { query, entries }
            }));
        }
        BusCommand::SetKey { key, value, ttl } => sink_bus.set_key(key, value, ttl),
        BusCommand::DeleteKey { key } => sink_bus.delete_key(key),
        BusCommand::TakeKey { query, key } => {
            let value = sink_bus.take_key(key);
            answer(Box::pin(async move {
                let value = value.await;
                BusInput::Key { query, value }
            }));
        }
        other => tracing::error!(?other, "bus command not understood"),
    }));
    let weak = Rc::downgrade(driver);
    let weak_shared = Rc::downgrade(shared);
    driver.spawn(async move {
        while let Ok(event) = events.recv().await {
            let Some(driver) = weak.upgrade() else { break };
            let up = match event {
                BusEvent::Message { channel, payload } => {
                    driver.handle(Input::Bus(BusInput::Message { channel, payload }));
                    continue;
                }
                BusEvent::StreamEntries { stream, entries } => {
                    driver.handle(Input::Bus(BusInput::StreamEntries { stream, entries }));
                    continue;
                }
                BusEvent::Up => {
                    tracing::info!("cluster: Redis link up");
                    true
                }
                BusEvent::Down => {
                    tracing::warn!(
                        "cluster: Redis link down, reconnecting (messages published meanwhile are lost)"
                    );
                    false
                }
            };
            driver.handle(Input::Bus(BusInput::Link { up }));
            if let Some(shared) = weak_shared.upgrade() {
                let handlers = shared.link_handlers.borrow().clone();
                for f in handlers {
                    f(up);
                }
            }
        }
        bus.close();
    });
}
