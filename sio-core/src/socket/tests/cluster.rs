//! Servers joined by a fake bus: the cluster protocol of
//! `@socket.io/redis-adapter` between our own members, with a fake clock.
//! The bus is Redis Pub/Sub in miniature: exact channels and `prefix*`
//! patterns, every publication delivered to every subscriber (the
//! publisher too) in order, `PUBSUB NUMSUB` from the same table. For the
//! streams adapter it also keeps one stream (appends delivered to its
//! followers in order, ranges read from it) and keys.

use super::*;
use crate::bus::{BusCommand, BusFailure, BusInput, StreamEntry};
use crate::socket::{ClusterConfig, ClusterError, SocketInfo};
use std::collections::HashMap;

/// Members of one cluster on one fake bus.
pub(super) struct Cluster {
    nodes: Vec<TestServer>,
    /// Per node: exact channels and patterns subscribed.
    subs: Vec<(Vec<String>, Vec<String>)>,
    /// Nodes that stay subscribed but never process anything (a process
    /// stopped with SIGSTOP): counted, silent.
    pub(super) frozen: Vec<bool>,
    /// The bus is down: publishes are lost and counts fail.
    pub(super) down: bool,
    /// Every publication: (publisher, channel, payload).
    pub(super) published: Vec<(usize, String, Bytes)>,
    /// The stream, oldest first.
    pub(super) stream: Vec<StreamEntry>,
    /// Per node: it follows the stream.
    followers: Vec<bool>,
    /// Keys: value and life.
    pub(super) keys: HashMap<String, (Bytes, Duration)>,
    /// Every key written: (writer, key).
    pub(super) key_writes: Vec<(usize, String)>,
    /// Range answers held back (computed when asked, delivered by
    /// [`Cluster::release_ranges`]): Redis ran the command, its reply is
    /// late.
    pub(super) hold_ranges: bool,
    held: Vec<(usize, BusInput)>,
}

pub(super) fn cluster_config() -> ServerConfig {
    ServerConfig {
        cluster: Some(ClusterConfig {
            key: "socket.io".to_owned(),
            requests_timeout: secs(5),
            streams: None,
        }),
        ..config()
    }
}

impl Cluster {
    /// `n` members, subscribed (namespaces `/` and `/chat`).
    pub(super) fn new(n: usize) -> Cluster {
        let t0 = Instant::now();
        let nodes = (0..n)
            .map(|i| {
                let mut t = TestServer::seeded(cluster_config(), t0, [i as u8 + 1; 32]);
                t.io.add_namespace("/chat");
                t
            })
            .collect();
        Cluster::of(nodes)
    }

    fn of(nodes: Vec<TestServer>) -> Cluster {
        let n = nodes.len();
        let mut c = Cluster {
            nodes,
            subs: vec![(Vec::new(), Vec::new()); n],
            frozen: vec![false; n],
            down: false,
            published: Vec::new(),
            stream: Vec::new(),
            followers: vec![false; n],
            keys: HashMap::new(),
            key_writes: Vec::new(),
            hold_ranges: false,
            held: Vec::new(),
        };
        c.settle();
        c
    }

    /// `n` members speaking the streams adapter, with recovery (window
    /// 60 s), the bus up.
    pub(super) fn streams(n: usize) -> Cluster {
        let t0 = Instant::now();
        let nodes = (0..n)
            .map(|i| {
                let mut config = cluster_config();
                if let Some(c) = config.cluster.as_mut() {
                    c.streams = Some(crate::socket::StreamsConfig::default());
                }
                config.recovery = Some(crate::socket::RecoveryConfig {
                    max_disconnection_duration: secs(60),
                    ..Default::default()
                });
                let mut t = TestServer::seeded(config, t0, [i as u8 + 1; 32]);
                t.io.add_namespace("/chat");
                t.input(Input::Bus(BusInput::Link { up: true }));
                t
            })
            .collect();
        Cluster::of(nodes)
    }

    /// Delivers the range answers held back.
    pub(super) fn release_ranges(&mut self) {
        for (to, input) in std::mem::take(&mut self.held) {
            self.nodes[to].input(Input::Bus(input));
        }
        self.settle();
    }

    fn append_entry(&mut self, fields: Vec<(Bytes, Bytes)>) {
        let id = Bytes::from(format!("1000-{}", self.stream.len()));
        let entry = StreamEntry { id, fields };
        self.stream.push(entry.clone());
        for to in 0..self.nodes.len() {
            if self.followers[to] && !self.frozen[to] {
                self.nodes[to].input(Input::Bus(BusInput::StreamEntries {
                    stream: Bytes::from_static(b"socket.io"),
                    entries: vec![entry.clone()],
                }));
            }
        }
    }

    /// The entries from `start` to `end` (ids `1000-<n>`, `-`, `+`).
    fn range(&self, start: &str, end: &str, count: usize) -> Vec<StreamEntry> {
        let n = |id: &str, dflt: usize| match id {
            "-" | "+" => dflt,
            id => id
                .strip_prefix("1000-")
                .and_then(|s| s.parse().ok())
                .unwrap_or(usize::MAX),
        };
        let (from, to) = (n(start, 0), n(end, usize::MAX - 1));
        self.stream
            .iter()
            .enumerate()
            .filter(|(i, _)| *i >= from && *i <= to)
            .map(|(_, e)| e.clone())
            .take(count)
            .collect()
    }

    fn subscribed(&self, node: usize, channel: &str) -> bool {
        let (channels, patterns) = &self.subs[node];
        channels.iter().any(|c| c == channel)
            || patterns.iter().any(|p| {
                let prefix = p.strip_suffix('*').expect("prefix patterns only");
                channel.starts_with(prefix)
            })
    }

    /// Carries out every member's bus work until none is left.
    pub(super) fn settle(&mut self) {
        for _ in 0..10_000 {
            let mut work = Vec::new();
            for (i, node) in self.nodes.iter_mut().enumerate() {
                node.pump();
                let (bus, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut node.pending)
                    .into_iter()
                    .partition(|o| matches!(o, Output::Bus(_)));
                node.pending = rest;
                work.extend(bus.into_iter().map(|o| match o {
                    Output::Bus(c) => (i, c),
                    _ => unreachable!(),
                }));
            }
            if work.is_empty() {
                return;
            }
            for (from, command) in work {
                self.carry_out(from, command);
            }
        }
        panic!("the cluster keeps talking");
    }

    fn carry_out(&mut self, from: usize, command: BusCommand) {
        match command {
            BusCommand::Subscribe { channels, patterns } => {
                self.subs[from].0.extend(channels);
                self.subs[from].1.extend(patterns);
            }
            BusCommand::Publish { channel, payload } => {
                if self.down {
                    return;
                }
                self.published
                    .push((from, channel.clone(), payload.clone()));
                for to in 0..self.nodes.len() {
                    if self.subscribed(to, &channel) && !self.frozen[to] {
                        self.nodes[to].input(Input::Bus(BusInput::Message {
                            channel: Bytes::from(channel.clone()),
                            payload: payload.clone(),
                        }));
                    }
                }
            }
            BusCommand::CountSubscribers { query, channel } => {
                let count = (!self.down).then(|| {
                    (0..self.nodes.len())
                        .filter(|&n| self.subscribed(n, &channel))
                        .count()
                });
                self.nodes[from].input(Input::Bus(BusInput::Count { query, count }));
            }
            BusCommand::StreamFollow { .. } => self.followers[from] = true,
            BusCommand::StreamAppend { fields, .. } => {
                if !self.down {
                    self.append_entry(fields);
                }
            }
            BusCommand::StreamRange {
                query,
                start,
                end,
                count,
                ..
            } => {
                let entries = if self.down {
                    Err(BusFailure)
                } else {
                    Ok(self.range(&start, &end, count))
                };
                if self.hold_ranges {
                    self.held.push((from, BusInput::Range { query, entries }));
                } else {
                    self.nodes[from].input(Input::Bus(BusInput::Range { query, entries }));
                }
            }
            BusCommand::SetKey { key, value, ttl } => {
                if !self.down {
                    self.key_writes.push((from, key.clone()));
                    self.keys.insert(key, (value, ttl));
                }
            }
            BusCommand::DeleteKey { key } => {
                if !self.down {
                    self.keys.remove(&key);
                }
            }
            BusCommand::TakeKey { query, key } => {
                let value = if self.down {
                    Err(BusFailure)
                } else {
                    Ok(self.keys.remove(&key).map(|(v, _)| v))
                };
                self.nodes[from].input(Input::Bus(BusInput::Key { query, value }));
            }
        }
    }

    /// Moves every member's clock by `d`, then settles.
    pub(super) fn advance(&mut self, d: Duration) {
        for node in &mut self.nodes {
            node.advance(d);
        }
        self.settle();
    }

    pub(super) fn node(&mut self, i: usize) -> &mut TestServer {
        &mut self.nodes[i]
    }

    /// Runs `f` on member `i`'s core, then settles the bus.
    pub(super) fn act<R>(&mut self, i: usize, f: impl FnOnce(&mut SioServer, Instant) -> R) -> R {
        let node = &mut self.nodes[i];
        let r = f(&mut node.io, node.now);
        self.settle();
        r
    }

    /// A message from the bus (a peer's, or the Redis emitter's) for
    /// member `i`, then the bus settles.
    pub(super) fn deliver(&mut self, i: usize, channel: &str, payload: impl Into<Bytes>) {
        self.nodes[i].input(Input::Bus(BusInput::Message {
            channel: Bytes::copy_from_slice(channel.as_bytes()),
            payload: payload.into(),
        }));
        self.settle();
    }

    /// The last publication on a channel starting with `prefix`.
    pub(super) fn last_on(&self, prefix: &str) -> (String, Bytes) {
        let (_, channel, payload) = self
            .published
            .iter()
            .rev()
            .find(|(_, c, _)| c.starts_with(prefix))
            .expect("a publication there");
        (channel.clone(), payload.clone())
    }

    /// Payloads published on channels starting with `prefix`.
    pub(super) fn published_on(&self, prefix: &str) -> usize {
        self.published
            .iter()
            .filter(|(_, c, _)| c.starts_with(prefix))
            .count()
    }
}

pub(super) fn op() -> BroadcastOp {
    BroadcastOp::all()
}

/// The one event of a drain.
#[track_caller]
pub(super) fn only_event(out: &Outs) -> SocketEvent {
    let events = out.events();
    assert_eq!(events.len(), 1, "{out:#?}");
    events[0].clone()
}

#[test]
fn broadcasts_reach_every_members_sockets_once() {
    let mut c = Cluster::new(3);
    let (a, _) = c.node(0).client("/");
    let (b, _) = c.node(1).client("/");
    let (x, _) = c.node(2).client("/chat");
    let n = c.act(0, |io, _| {
        io.broadcast("/", &op(), "news", &args(r#"[1,"two"]"#))
    });
    assert_eq!(n, Ok(1), "local recipients only are counted");
    assert_eq!(
        c.node(0).drain().texts(a.conn),
        vec![r#"42["news",1,"two"]"#]
    );
    assert_eq!(
        c.node(1).drain().texts(b.conn),
        vec![r#"42["news",1,"two"]"#]
    );
    assert!(
        c.node(2).drain().texts(x.conn).is_empty(),
        "/chat is another namespace"
    );
    assert_eq!(c.published_on("socket.io#/#"), 1);
}

#[test]
fn rooms_and_except_select_across_members() {
    let mut c = Cluster::new(2);
    let (a1, s_a1) = c.node(0).client("/");
    let (b1, s_b1) = c.node(1).client("/");
    let (b2, s_b2) = c.node(1).client("/");
    c.node(0).io.join(s_a1, "r").unwrap();
    c.node(1).io.join(s_b1, "r").unwrap();
    c.node(1).io.join(s_b2, "r").unwrap();
    c.node(1).io.join(s_b2, "vip").unwrap();
    c.settle();

    // One room: published on the room's channel.
    c.act(0, |io, _| {
        io.broadcast("/", &op().to("r").except("vip"), "e", &args("[]"))
    })
    .unwrap();
    assert_eq!(c.published_on("socket.io#/#r#"), 1);
    assert_eq!(c.node(0).drain().texts(a1.conn), vec![r#"42["e"]"#]);
    let out = c.node(1).drain();
    assert_eq!(out.texts(b1.conn), vec![r#"42["e"]"#]);
    assert!(out.texts(b2.conn).is_empty(), "excepted by room");

    // The sender's socket excepted (socket.broadcast), from member 1.
    let mut o = op();
    o.except_socket = Some(s_b1);
    c.act(1, |io, _| io.broadcast("/", &o, "f", &args("[]")))
        .unwrap();
    assert_eq!(c.node(0).drain().texts(a1.conn), vec![r#"42["f"]"#]);
    let out = c.node(1).drain();
    assert!(out.texts(b1.conn).is_empty());
    assert_eq!(out.texts(b2.conn), vec![r#"42["f"]"#]);

    // A socket id as the room (`io.to(id)`), reaching the other member.
    c.act(0, |io, _| {
        io.broadcast("/", &op().to(s_b2.as_str()), "g", &args("[]"))
    })
    .unwrap();
    assert_eq!(c.node(1).drain().texts(b2.conn), vec![r#"42["g"]"#]);
    assert!(c.node(1).drain().texts(b1.conn).is_empty());

    // A local broadcast stays here.
    let mut local = op();
    local.local = true;
    let before = c.published.len();
    c.act(0, |io, _| io.broadcast("/", &local, "h", &args("[]")))
        .unwrap();
    assert_eq!(c.published.len(), before);
    assert_eq!(c.node(0).drain().texts(a1.conn), vec![r#"42["h"]"#]);
    c.node(1).assert_idle();
}

#[test]
fn binary_broadcasts_cross_members() {
    let mut c = Cluster::new(2);
    let (b, _) = c.node(1).client("/");
    let blob = Bytes::from_static(&[0, 1, 255]);
    let a = bin_args(&format!("[{}]", ph(0)), &[&blob]);
    c.act(0, |io, _| io.broadcast("/", &op(), "bin", &a))
        .unwrap();
    let out = c.node(1).drain();
    let frames = out.frames(b.conn);
    assert_eq!(frames.len(), 2, "{out:#?}");
    assert_eq!(
        frames[0],
        &WsFrame::Text(Bytes::from(format!(r#"451-["bin",{}]"#, ph(0))))
    );
    assert_eq!(frames[1], &WsFrame::Binary(blob));
}

#[test]
fn sockets_join_leave_and_disconnect_apply_on_every_member() {
    let mut c = Cluster::new(2);
    let (a, s_a) = c.node(0).client("/");
    let (b, s_b) = c.node(1).client("/");
    c.act(0, |io, _| io.sockets_join("/", &op(), &["all".to_owned()]))
        .unwrap();
    assert_eq!(c.node(0).io.rooms(s_a).unwrap(), [s_a.as_str(), "all"]);
    assert_eq!(c.node(1).io.rooms(s_b).unwrap(), [s_b.as_str(), "all"]);

    c.act(1, |io, _| {
        io.sockets_leave("/", &op().to(s_a.as_str()), &["all".to_owned()])
    })
    .unwrap();
    assert_eq!(c.node(0).io.rooms(s_a).unwrap(), [s_a.as_str()]);
    assert_eq!(c.node(1).io.rooms(s_b).unwrap(), [s_b.as_str(), "all"]);

    c.act(0, |io, _| {
        io.disconnect_sockets("/", &op().to("all"), false)
    })
    .unwrap();
    assert!(c.node(0).drain().texts(a.conn).is_empty());
    let out = c.node(1).drain();
    assert_eq!(out.texts(b.conn), vec!["41"]);
    assert!(matches!(
        only_event(&out),
        SocketEvent::Disconnect { socket, .. } if socket == s_b
    ));
    assert!(c.node(0).io.is_connected(s_a));
}

#[test]
fn fetch_sockets_gathers_every_member() {
    let mut c = Cluster::new(3);
    let (_, s_a) = c.node(0).client("/");
    let (_, s_b) = c.node(1).client("/");
    let (_, s_c) = c.node(2).client("/");
    c.node(1).io.join(s_b, "r").unwrap();
    c.node(1)
        .io
        .set_socket_data(s_b, Bytes::from_static(br#"{"name":"bee"}"#))
        .unwrap();
    c.node(2).io.join(s_c, "r").unwrap();

    let id = c
        .act(0, |io, now| io.fetch_sockets(now, "/", &op()))
        .unwrap();
    let SocketEvent::FetchedSockets {
        id: got,
        sockets,
        error,
    } = only_event(&c.node(0).drain())
    else {
        panic!("not a fetch answer");
    };
    assert_eq!((got, error), (id, None));
    let mut ids: Vec<(&str, bool)> = sockets.iter().map(|s| (s.id.as_str(), s.local)).collect();
    ids.sort_unstable();
    let mut want = vec![
        (s_a.as_str(), true),
        (s_b.as_str(), false),
        (s_c.as_str(), false),
    ];
    want.sort_unstable();
    assert_eq!(ids, want);
    let bee: &SocketInfo = sockets.iter().find(|s| s.id == s_b.as_str()).unwrap();
    assert_eq!(bee.rooms, vec![s_b.as_str().to_owned(), "r".to_owned()]);
    assert_eq!(&bee.data[..], br#"{"name":"bee"}"#);
    let hs: serde_json::Value = serde_json::from_slice(&bee.handshake).unwrap();
    assert_eq!(hs["url"], "/socket.io/?EIO=4&transport=websocket");
    assert_eq!(hs["auth"], serde_json::json!({}));

    // In a room, and local only.
    let id = c
        .act(0, |io, now| io.fetch_sockets(now, "/", &op().to("r")))
        .unwrap();
    let SocketEvent::FetchedSockets { sockets, .. } = only_event(&c.node(0).drain()) else {
        panic!()
    };
    assert_eq!(sockets.len(), 2, "{id:?}");
    let mut local = op();
    local.local = true;
    c.act(0, |io, now| io.fetch_sockets(now, "/", &local))
        .unwrap();
    let SocketEvent::FetchedSockets { sockets, .. } = only_event(&c.node(0).drain()) else {
        panic!()
    };
    assert_eq!(sockets.len(), 1);
}

#[test]
fn a_silent_member_times_requests_out_and_a_dead_bus_fails_them() {
    let mut c = Cluster::new(3);
    let (_, s_a) = c.node(0).client("/");
    c.node(1).client("/");
    c.frozen[2] = true;
    c.act(0, |io, now| io.fetch_sockets(now, "/", &op()))
        .unwrap();
    c.node(0).assert_idle();
    c.advance(ms(4_999));
    c.node(0).assert_idle();
    c.advance(ms(1));
    let SocketEvent::FetchedSockets { sockets, error, .. } = only_event(&c.node(0).drain()) else {
        panic!()
    };
    assert_eq!(
        error,
        Some(ClusterError::Timeout {
            received: 1,
            expected: 2
        })
    );
    assert_eq!(sockets.len(), 2, "what came: {sockets:?}");
    assert!(sockets.iter().any(|s| s.id == s_a.as_str()));

    c.down = true;
    c.act(0, |io, now| io.fetch_sockets(now, "/", &op()))
        .unwrap();
    let SocketEvent::FetchedSockets { sockets, error, .. } = only_event(&c.node(0).drain()) else {
        panic!()
    };
    assert_eq!(error, Some(ClusterError::BusUnavailable));
    assert_eq!(sockets.len(), 1, "the local ones");
}

#[test]
fn server_side_emits_reach_the_others_and_collect_answers() {
    let mut c = Cluster::new(3);
    c.act(0, |io, _| io.server_side_emit("/", "hello", &args("[1]")))
        .unwrap();
    c.node(0).assert_idle();
    for i in [1, 2] {
        assert_eq!(
            only_event(&c.node(i).drain()),
            SocketEvent::ServerSideEvent {
                nsp: "/".to_owned(),
                event: "hello".to_owned(),
                args: args("[1]"),
                ack: None,
            }
        );
    }

    let id = c
        .act(0, |io, now| {
            io.server_side_emit_with_ack(now, "/", "ping", &args("[]"))
        })
        .unwrap();
    let mut acks = Vec::new();
    for i in [1, 2] {
        let SocketEvent::ServerSideEvent { event, ack, .. } = only_event(&c.node(i).drain()) else {
            panic!()
        };
        assert_eq!(event, "ping");
        acks.push(ack.expect("an answer is awaited"));
    }
    c.act(1, |io, _| {
        io.server_side_ack(acks[0], &args(r#"["pong 1","ignored"]"#))
    })
    .unwrap();
    c.node(0).assert_idle();
    c.act(2, |io, _| {
        io.server_side_ack(acks[1], &args(r#"[{"n":2}]"#))
    })
    .unwrap();
    assert_eq!(
        only_event(&c.node(0).drain()),
        SocketEvent::ServerSideAcks {
            id,
            replies: vec![args(r#"["pong 1"]"#), args(r#"[{"n":2}]"#)],
            error: None,
        }
    );

    // Alone in the cluster: answered at once, empty.
    let mut solo = Cluster::new(1);
    let id = solo
        .act(0, |io, now| {
            io.server_side_emit_with_ack(now, "/", "x", &args("[]"))
        })
        .unwrap();
    assert_eq!(
        only_event(&solo.node(0).drain()),
        SocketEvent::ServerSideAcks {
            id,
            replies: Vec::new(),
            error: None
        }
    );
}

#[test]
fn acked_broadcasts_count_every_members_clients() {
    let mut c = Cluster::new(3);
    let (a, s_a) = c.node(0).client("/");
    let (b1, _) = c.node(1).client("/");
    let (b2, _) = c.node(1).client("/");
    // Member 2 has no client: it answers a count of 0.
    let id = c
        .act(0, |io, now| {
            io.broadcast_with_ack(now, "/", &op(), "q", &args("[]"), secs(2))
        })
        .unwrap();
    assert_eq!(c.node(0).drain().texts(a.conn), vec![r#"420["q"]"#]);
    let out = c.node(1).drain();
    assert_eq!(out.texts(b1.conn), vec![r#"420["q"]"#]);
    assert_eq!(
        out.texts(b2.conn),
        vec![r#"420["q"]"#],
        "ack ids are per socket"
    );

    c.node(1).text(b1, r#"430["b1",1]"#);
    c.settle();
    c.node(0).text(a, r#"430["a"]"#);
    c.settle();
    c.node(0).assert_idle();
    c.node(1).text(b2, r#"430[{"b":2}]"#);
    c.settle();
    assert_eq!(
        only_event(&c.node(0).drain()),
        SocketEvent::BroadcastAck {
            id,
            replies: vec![(s_a, args(r#"["a"]"#))],
            remote: vec![args(r#"["b1"]"#), args(r#"[{"b":2}]"#)],
            timed_out: false,
        }
    );

    // A silent client: the deadline reports what came.
    let id = c
        .act(1, |io, now| {
            io.broadcast_with_ack(now, "/", &op(), "r", &args("[]"), secs(2))
        })
        .unwrap();
    c.node(0).drain();
    c.node(1).drain();
    c.node(0).text(a, r#"431["late a"]"#);
    c.settle();
    c.advance(secs(2));
    let SocketEvent::BroadcastAck {
        id: got,
        replies,
        remote,
        timed_out,
    } = only_event(&c.node(1).drain())
    else {
        panic!()
    };
    assert_eq!((got, replies, timed_out), (id, Vec::new(), true));
    assert_eq!(remote, vec![args(r#"["late a"]"#)]);
}

#[test]
fn room_channels_for_absent_rooms_are_dropped_unread_and_garbage_is_reported() {
    let mut c = Cluster::new(2);
    let (b, _) = c.node(1).client("/");
    // Garbage on a room channel of a room member 1 lacks: not even decoded.
    c.node(1).input(Input::Bus(BusInput::Message {
        channel: Bytes::from_static(b"socket.io#/#nobody#"),
        payload: Bytes::from_static(b"\xc1garbage"),
    }));
    c.node(1).assert_idle();
    // On the base channel it is decoded, refused and reported; the
    // session goes on.
    c.node(1).input(Input::Bus(BusInput::Message {
        channel: Bytes::from_static(b"socket.io#/#"),
        payload: Bytes::from_static(b"\xc1garbage"),
    }));
    assert!(matches!(
        only_event(&c.node(1).drain()),
        SocketEvent::ClusterFault { .. }
    ));
    for channel in ["socket.io-request#/#", "socket.io-response#/#"] {
        c.node(1).input(Input::Bus(BusInput::Message {
            channel: Bytes::from(channel),
            payload: Bytes::from_static(b"{\"type\":"),
        }));
        assert!(matches!(
            only_event(&c.node(1).drain()),
            SocketEvent::ClusterFault { .. }
        ));
    }
    c.act(0, |io, _| io.broadcast("/", &op(), "still", &args("[]")))
        .unwrap();
    assert_eq!(c.node(1).drain().texts(b.conn), vec![r#"42["still"]"#]);
}

#[test]
fn members_subscribe_to_their_namespaces_channels() {
    let mut c = Cluster::new(1);
    let uid = c.node(0).io.cluster_uid().unwrap().to_owned();
    assert_eq!(uid.len(), 6);
    for ch in [
        "socket.io-request#/#".to_owned(),
        "socket.io-response#/#".to_owned(),
        format!("socket.io-response#/#{uid}#"),
        "socket.io-request#/chat#".to_owned(),
    ] {
        assert!(c.subs[0].0.contains(&ch), "{ch} in {:?}", c.subs[0]);
    }
    assert!(c.subs[0].1.contains(&"socket.io#/#*".to_owned()));
    // A dynamic namespace subscribes when it is created.
    c.node(0)
        .io
        .add_dynamic_namespace(Box::new(|n| n.starts_with("/dyn")));
    let ws = c.node(0).open_ws();
    c.node(0).text(ws, "40/dyn-1,");
    c.settle();
    assert!(
        c.subs[0]
            .0
            .contains(&"socket.io-request#/dyn-1#".to_owned())
    );
}

// Findings of the `cluster_member` fuzz target.

#[test]
fn a_count_answered_after_its_request_ended_finds_nothing() {
    // Fuzz finding: the count question of a request that timed out stayed
    // in the member's state for ever.
    let mut t = TestServer::seeded(cluster_config(), Instant::now(), [1; 32]);
    t.drain();
    let id = t.io.fetch_sockets(t.now, "/", &op()).unwrap();
    let out = t.drain();
    let [Output::Bus(BusCommand::CountSubscribers { query, .. })] = out.0.as_slice() else {
        panic!("{out:#?}")
    };
    let query = *query;
    t.advance(secs(5));
    assert_eq!(
        only_event(&t.drain()),
        SocketEvent::FetchedSockets {
            id,
            sockets: Vec::new(),
            error: Some(ClusterError::Timeout {
                received: 0,
                expected: 0
            }),
        }
    );
    assert_eq!(t.io.cluster_stats(), Some(Default::default()));
    t.input(Input::Bus(BusInput::Count {
        query,
        count: Some(3),
    }));
    t.assert_idle();
}

#[test]
fn server_side_events_waiting_for_an_answer_expire_with_the_request() {
    // Fuzz finding: a server-side event whose answer the application never
    // gave was kept for ever.
    let mut c = Cluster::new(2);
    let id = c
        .act(0, |io, now| {
            io.server_side_emit_with_ack(now, "/", "ping", &args("[]"))
        })
        .unwrap();
    let SocketEvent::ServerSideEvent { ack: Some(ack), .. } = only_event(&c.node(1).drain()) else {
        panic!()
    };
    assert_eq!(c.node(1).io.cluster_stats().unwrap().server_side_acks, 1);
    c.advance(secs(5));
    let SocketEvent::ServerSideAcks { id: got, error, .. } = only_event(&c.node(0).drain()) else {
        panic!()
    };
    assert_eq!((got, error.is_some()), (id, true));
    assert_eq!(c.node(1).io.cluster_stats(), Some(Default::default()));
    // A late answer is dropped: the requester stopped waiting.
    let before = c.published.len();
    c.act(1, |io, _| io.server_side_ack(ack, &args("[1]")))
        .unwrap();
    assert_eq!(c.published.len(), before);
}

#[test]
fn a_peers_endless_acked_broadcast_is_forwarded_for_an_hour_at_most() {
    // Fuzz finding: a peer's acked broadcast with a timeout of u64::MAX ms
    // kept its state for ever.
    let mut c = Cluster::new(1);
    let (a, _) = c.node(0).client("/");
    let request = crate::cluster::Request::Broadcast {
        request_id: "B1".into(),
        event: "q".into(),
        args: args("[]"),
        opts: crate::cluster::Opts {
            timeout: Some(u64::MAX),
            ..Default::default()
        },
    };
    let payload = crate::cluster::encode_request("AAAAAA", "/", &request);
    c.deliver(0, "socket.io-request#/#", payload);
    assert_eq!(c.node(0).drain().texts(a.conn), vec![r#"420["q"]"#]);
    assert_eq!(c.node(0).io.cluster_stats().unwrap().remote_acks, 1);
    c.advance(secs(3600));
    assert_eq!(c.node(0).io.cluster_stats(), Some(Default::default()));
    let before = c.published.len();
    c.node(0).text(a, "430[1]");
    c.settle();
    assert_eq!(c.published.len(), before, "a late ack is not forwarded");
}

#[test]
fn a_timeout_beyond_the_clock_does_not_overflow() {
    let mut t = TestServer::new();
    let (_, s) = t.client("/");
    t.io.emit_with_ack(s, "q", &args("[]"), Duration::MAX)
        .unwrap();
    assert_eq!(t.io.pending_acks(s), Some(1));
    assert!(t.io.poll_timeout().is_some());
}
