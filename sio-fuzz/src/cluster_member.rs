//! The cluster member target: one or two [`SioServer`]s with
//! `ServerConfig::cluster` set (recovery on in some), driven by the input:
//! client inputs (as `socket_server`), bus inputs (messages on the
//! members' real channels, crafted by `cluster_craft` or replayed from
//! what a member published, and answers to the member counts they asked
//! for, bogus ones too), application calls (broadcasts with and without
//! acks, local or not, fetch_sockets, server-side emits and their acks,
//! sockets_join/leave, disconnect_sockets, server_count, all_rooms,
//! set_socket_data) and clock jumps.
//!
//! Flag bit 4 of the first byte picks the streams adapter (recovery on):
//! its fake stream and keys, crafted entries, restores and their
//! invariants are in `cluster_streams`.
//!
//! What must hold:
//! - no panic;
//! - every [`ClusterRequestId`] and [`BroadcastAckId`] the application got
//!   is answered exactly once, by its timeout (checked after every clock
//!   jump, and at the end after time has run on);
//! - an operation with `local` puts nothing on the bus (and a local fetch
//!   is answered at once);
//! - what a member publishes decodes, with its own uid, on the channel its
//!   kind belongs on; an answer to a bus message is a response, the member
//!   count only releases the request it counted for (nothing when it says
//!   the member is alone, nothing for a bogus or stale query), its own
//!   publications coming back make it publish nothing, clock jumps
//!   and shutting down publish nothing, and subscriptions happen only for
//!   new namespaces;
//! - bounded state: the member's pending requests belong to outstanding
//!   application requests, its count queries to pending requests, and when
//!   every timeout has passed no request, query, remote ack or server-side
//!   ack is left.

use crate::Bytes8;
use crate::clients::{Clients, pick};
use crate::cluster_craft::{KEY, Known, args, event, message};
use crate::cluster_streams::Streams;
use crate::socket_server::{BOUNDS, server};
use bytes::Bytes;
use sio_core::bus::{BusCommand, BusInput, BusQuery};
use sio_core::cluster::{decode_broadcast, decode_request, decode_response};
use sio_core::socket::{
    BroadcastAckId, BroadcastOp, ClusterConfig, ClusterRequestId, ClusterStats, ServerSideAckId,
    SioServer, SocketEvent, StreamsConfig,
};
use sio_core::{ConnId, Input, Output};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// The members' `requests_timeout`.
const REQUESTS_TIMEOUT: Duration = Duration::from_millis(1000);
/// The rooms `sockets_join` and `sockets_leave` name.
const ROOMS: [&str; 2] = ["r", "s"];
/// Publications kept for replay.
const KEEP: usize = 32;

/// Why a drain happens: what the outputs may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cause {
    Setup,
    Client,
    Clock,
    /// A bus message; `echo` when it is the member's own publication.
    Message {
        echo: bool,
    },
    /// The answer to a count; `alone` when it says no other member exists.
    Count {
        live: bool,
        alone: bool,
    },
    /// An application call with `local` set.
    Local,
    App,
    /// A report of the streams family (entries, answers, the link).
    Stream,
}

/// One member and the input's view of it.
pub(crate) struct Member {
    pub(crate) io: SioServer,
    pub(crate) clients: Clients,
    pub(crate) uid: String,
    /// Cluster requests the application made → their deadline.
    requests: HashMap<ClusterRequestId, Instant>,
    /// Acked broadcasts → their deadline.
    broadcasts: HashMap<BroadcastAckId, Instant>,
    /// Member counts asked for and not answered.
    pub(crate) queries: Vec<BusQuery>,
    /// Other members' server-side events waiting for an answer.
    server_side: Vec<ServerSideAckId>,
}

/// The members and the bus between them.
pub(crate) struct World {
    pub(crate) members: Vec<Member>,
    pub(crate) now: Instant,
    /// Recent publications: (publisher, channel, payload).
    pub(crate) published: Vec<(usize, String, Bytes)>,
    /// Wire request ids seen in publications.
    request_ids: Vec<String>,
    /// The fake stream and keys, in the streams flavour.
    pub(crate) streams: Option<Box<Streams>>,
}

/// Runs one input sequence.
pub fn run(data: &[u8]) {
    let mut r = Bytes8(data);
    let flags = r.u8();
    let n = 1 + usize::from(flags & 1);
    // Bit 4: the streams adapter, recovery on.
    let streams = flags & 16 != 0;
    let cluster = ClusterConfig {
        key: KEY.to_owned(),
        requests_timeout: REQUESTS_TIMEOUT,
        streams: streams.then(StreamsConfig::default),
    };
    let members = (0..n)
        .map(|i| {
            let recovery = streams || flags & (2 << i) != 0;
            let io = server([10 + i as u8; 32], recovery, Some(cluster.clone()));
            let uid = io.cluster_uid().expect("a cluster member").to_owned();
            Member {
                io,
                clients: Clients::default(),
                uid,
                requests: HashMap::new(),
                broadcasts: HashMap::new(),
                queries: Vec::new(),
                server_side: Vec::new(),
            }
        })
        .collect();
    let now = Instant::now();
    let mut w = World {
        members,
        now,
        published: Vec::new(),
        request_ids: Vec::new(),
        streams: streams.then(|| Box::new(Streams::new(n, now))),
    };
    for i in 0..n {
        w.drain(i, Cause::Setup);
    }
    if streams {
        // The links come up.
        for i in 0..n {
            w.stream_step(&mut Bytes8(&[0]), 21, i);
        }
    }
    let mut steps = 0;
    while !r.is_empty() && steps < 256 {
        steps += 1;
        let op = r.u8();
        let i = usize::from(r.u8()) % n;
        match op % 24 {
            k @ 16.. if streams => w.stream_step(&mut r, k, i),
            k if streams => w.step(&mut r, k, i),
            _ => w.step(&mut r, op, i),
        }
        for i in 0..n {
            let m = &w.members[i];
            m.clients.check(&m.io, &BOUNDS);
            w.check_state(i);
            if streams {
                w.check_streams(i);
            }
        }
    }
    if streams {
        w.settle_streams();
    }
    // Time runs on past every timeout (remote acks' included).
    w.now += Duration::from_secs(7200);
    for i in 0..n {
        w.members[i].io.handle_timeout(w.now);
        w.drain(i, Cause::Clock);
    }
    for (i, m) in w.members.iter().enumerate() {
        assert!(m.requests.is_empty(), "{i}: unanswered {:?}", m.requests);
        assert!(
            m.broadcasts.is_empty(),
            "{i}: unanswered {:?}",
            m.broadcasts
        );
        let stats = m.io.cluster_stats().expect("a cluster member");
        assert_eq!(stats, ClusterStats::default(), "{i}: state left");
        if let Some(s) = m.io.streams_stats() {
            assert_eq!((s.restores, s.questions), (0, 0), "{i}: {s:?}");
        }
    }
    for i in 0..n {
        // Shutting down tells the bus nothing.
        w.members[i].io.shutdown();
        w.drain(i, Cause::Clock);
        let m = &w.members[i];
        assert_eq!(m.io.socket_count(), 0, "shutdown disconnects every socket");
        if let Some(s) = m.io.streams_stats() {
            assert!(
                s.floors.is_empty(),
                "{i}: floors outlive their sockets: {s:?}"
            );
        }
    }
}

impl World {
    fn step(&mut self, r: &mut Bytes8, op: u8, i: usize) {
        let now = self.now;
        match op % 16 {
            k @ 0..=5 => {
                let conn = ConnId(u64::from(r.u8() % 8));
                if let Some(st) = self.streams.as_deref_mut() {
                    match k {
                        // A connection id names one connection at a time.
                        0 if st.is_open(i, conn) => return,
                        4 => st.leave(i, conn),
                        5 => return self.restore_connect(r, i, conn),
                        _ => {}
                    }
                }
                let m = &mut self.members[i];
                m.clients.input(&mut m.io, r, now, conn, k);
                self.drain(i, Cause::Client);
            }
            6 => {
                let m = &mut self.members[i];
                m.clients.decide(&mut m.io, r);
                self.drain(i, Cause::Client);
            }
            7 | 8 => self.clock(Duration::from_millis(u64::from(r.u8()) * 8)),
            9 | 10 => {
                // A publication delivered (again) to a member.
                if let Some((from, channel, payload)) = pick(r, &self.published).cloned() {
                    self.deliver(i, channel, payload, from == i);
                }
            }
            11 | 12 if self.streams.is_some() => self.adapter_message(r, i),
            11 | 12 => {
                let others: Vec<String> = self
                    .members
                    .iter()
                    .filter(|m| m.uid != self.members[i].uid)
                    .map(|m| m.uid.clone())
                    .collect();
                let m = &self.members[i];
                let known = Known {
                    me: &m.uid,
                    others: &others,
                    request_ids: &self.request_ids,
                    sockets: &m.clients.sockets,
                };
                let (channel, payload) = message(r, &known);
                self.deliver(i, channel, payload, false);
            }
            13 => self.count(r, i),
            _ => self.app(r, i),
        }
    }

    pub(crate) fn deliver(&mut self, i: usize, channel: String, payload: Bytes, echo: bool) {
        let input = Input::Bus(BusInput::Message {
            channel: Bytes::from(channel),
            payload,
        });
        self.members[i].io.handle(self.now, input);
        self.drain(i, Cause::Message { echo });
    }

    /// Answers a member count the member asked for (or a bogus one).
    fn count(&mut self, r: &mut Bytes8, i: usize) {
        let m = &mut self.members[i];
        let choice = usize::from(r.u8());
        let query = match choice {
            0..200 if !m.queries.is_empty() => m.queries.remove(choice % m.queries.len()),
            // Answered already, not asked yet, or pending.
            200..232 => BusQuery(choice as u64 - 200),
            _ => BusQuery(1000 + choice as u64),
        };
        let count = match r.u8() % 6 {
            0 => None,
            c => Some(usize::from(c) - 1),
        };
        let live = query.0 < 1000;
        m.io.handle(self.now, Input::Bus(BusInput::Count { query, count }));
        let alone = count.is_some_and(|c| c <= 1);
        self.drain(i, Cause::Count { live, alone });
    }

    fn clock(&mut self, d: Duration) {
        self.now += d;
        for i in 0..self.members.len() {
            self.members[i].io.handle_timeout(self.now);
            self.drain(i, Cause::Clock);
            let m = &self.members[i];
            for (id, at) in &m.requests {
                assert!(*at > self.now, "{id:?} outlived its timeout");
            }
            for (id, at) in &m.broadcasts {
                assert!(*at > self.now, "{id:?} outlived its timeout");
            }
        }
    }

    /// An application call on member `i`.
    fn app(&mut self, r: &mut Bytes8, i: usize) {
        let now = self.now;
        let which = r.u8() % 12;
        let nsp = ["/", "/a", "/x"][usize::from(r.u8() % 3)];
        let m = &mut self.members[i];
        let mut op = BroadcastOp::all();
        let bits = r.u8();
        if bits & 1 != 0 {
            op = op.to(["r", "s", "5"][usize::from(bits >> 6) % 3]);
        }
        if bits & 2 != 0 {
            op = op.except("s");
        }
        op.volatile = bits & 4 != 0;
        op.local = bits & 8 != 0;
        if bits & 16 != 0 {
            op.except_socket = m.clients.socket(r);
        }
        // The calls that take `op` honour its `local` flag.
        let takes_op = matches!(which, 0 | 1 | 4 | 5 | 6);
        let cause = if op.local && takes_op {
            Cause::Local
        } else {
            Cause::App
        };
        let io = &mut m.io;
        let mut asked = None;
        let mut publishes = None;
        match which {
            0 => {
                let (event, args) = (event(r), args(r));
                if bits & 32 == 0 {
                    let ok = io.broadcast(nsp, &op, event, &args).is_ok();
                    publishes = Some(usize::from(ok && !op.local));
                } else {
                    let t = Duration::from_millis(u64::from(r.u8()) * 8);
                    if let Ok(id) = io.broadcast_with_ack(now, nsp, &op, event, &args, t) {
                        m.broadcasts.insert(id, now + t);
                    }
                }
            }
            1 => asked = io.fetch_sockets(now, nsp, &op).ok(),
            2 => {
                let (event, args) = (event(r), args(r));
                if bits & 32 == 0 {
                    let ok = io.server_side_emit(nsp, event, &args).is_ok();
                    publishes = Some(usize::from(ok));
                } else {
                    asked = io.server_side_emit_with_ack(now, nsp, event, &args).ok();
                }
            }
            3 => {
                let ack = match pick(r, &m.server_side) {
                    Some(a) if bits & 32 == 0 => *a,
                    _ => ServerSideAckId(u64::from(r.u8())),
                };
                m.server_side.retain(|a| *a != ack);
                let _ = m.io.server_side_ack(ack, &args(r));
            }
            4 => {
                let _ = io.sockets_join(nsp, &op, &ROOMS.map(str::to_owned));
            }
            5 => {
                let _ = io.sockets_leave(nsp, &op, &ROOMS.map(str::to_owned));
            }
            6 => {
                let _ = io.disconnect_sockets(nsp, &op, bits & 32 != 0);
            }
            7 => asked = io.server_count(now, nsp).ok(),
            8 => asked = io.all_rooms(now, nsp).ok(),
            9 => {
                if let Some(s) = m.clients.socket(r) {
                    let json =
                        [r#"{"n":1}"#, "null", r#"[1,{"b":"\u00e9"}]"#][usize::from(bits >> 6) % 3];
                    let _ = m.io.set_socket_data(s, Bytes::from(json));
                }
            }
            10 => {
                if let Some(s) = m.clients.socket(r) {
                    let t = Duration::from_millis(u64::from(r.u8()) * 8);
                    let _ = m.io.emit_with_ack(s, "q", &args(r), t);
                }
            }
            _ => {
                if let Some(s) = m.clients.socket(r) {
                    let room = ["r", "s", "5"][usize::from(bits >> 6) % 3];
                    let _ = if bits & 32 == 0 {
                        m.io.join(s, room)
                    } else {
                        m.io.leave(s, room)
                    };
                }
            }
        }
        if let Some(id) = asked {
            assert!(
                m.requests.insert(id, now + REQUESTS_TIMEOUT).is_none(),
                "a fresh request id"
            );
        }
        let bus = self.drain(i, cause);
        // Streams: broadcasts are appended to the stream (delivered here
        // only when the link is down).
        let up = self.streams.as_deref().is_none_or(|st| st.is_up(i));
        let publications = bus
            .iter()
            .filter(|c| {
                matches!(
                    c,
                    BusCommand::Publish { .. } | BusCommand::StreamAppend { .. }
                )
            })
            .count();
        let publishes = publishes.map(|n| if which == 0 && !up { 0 } else { n });
        if let Some(n) = publishes {
            assert_eq!(publications, n, "one publication per broadcast or emit");
        }
        if let (Some(id), true) = (asked, op.local && which == 1) {
            assert!(
                !self.members[i].requests.contains_key(&id),
                "a local fetch is answered at once"
            );
        }
    }

    /// Drains member `i`'s outputs, checking them against `cause`; returns
    /// its bus commands.
    pub(crate) fn drain(&mut self, i: usize, cause: Cause) -> Vec<BusCommand> {
        let mut bus = Vec::new();
        while let Some(out) = self.members[i].io.poll_output() {
            let m = &mut self.members[i];
            m.clients.observe(&out);
            if let Some(st) = self.streams.as_deref_mut() {
                st.observe(i, &out);
            }
            match out {
                Output::Event(ev) => self.event(i, cause, ev),
                Output::Bus(command) if self.streams.is_some() => {
                    self.streams_command(i, cause, &command);
                    bus.push(command);
                }
                Output::Bus(command) => {
                    self.command(i, cause, &command);
                    bus.push(command);
                }
                _ => {}
            }
        }
        bus
    }

    fn event(&mut self, i: usize, cause: Cause, ev: SocketEvent) {
        let m = &mut self.members[i];
        match ev {
            SocketEvent::FetchedSockets { id, .. }
            | SocketEvent::ServerSideAcks { id, .. }
            | SocketEvent::ServerCount { id, .. }
            | SocketEvent::AllRooms { id, .. } => {
                assert!(
                    m.requests.remove(&id).is_some(),
                    "{id:?} answered once, and only if asked"
                );
            }
            SocketEvent::BroadcastAck { id, .. } => {
                assert!(
                    m.broadcasts.remove(&id).is_some(),
                    "{id:?} answered once, and only if asked"
                );
            }
            SocketEvent::ServerSideEvent { ack, .. } => {
                assert!(matches!(cause, Cause::Message { .. }), "{cause:?}");
                if let Some(ack) = ack {
                    assert!(!m.server_side.contains(&ack), "a fresh ack id");
                    m.server_side.push(ack);
                }
            }
            SocketEvent::ClusterFault { .. } => {
                assert!(
                    matches!(cause, Cause::Message { .. } | Cause::Stream),
                    "{cause:?}"
                );
            }
            _ => {}
        }
    }

    /// Checks one bus command of member `i` against `cause`.
    fn command(&mut self, i: usize, cause: Cause, command: &BusCommand) {
        let uid = self.members[i].uid.clone();
        match command {
            BusCommand::Subscribe { .. } => assert_eq!(cause, Cause::Setup),
            BusCommand::CountSubscribers { query, channel } => {
                assert_eq!(cause, Cause::App);
                assert!(channel.starts_with(&format!("{KEY}-request#")));
                self.members[i].queries.push(*query);
            }
            BusCommand::Publish { channel, payload } => {
                let request = channel.starts_with(&format!("{KEY}-request#"));
                let response = channel.starts_with(&format!("{KEY}-response#"));
                match cause {
                    Cause::Setup | Cause::Clock | Cause::Local | Cause::Stream => {
                        panic!("{cause:?}: {channel}")
                    }
                    Cause::Message { echo: true } => panic!("an echo answered: {channel}"),
                    Cause::Message { .. } | Cause::Client => assert!(response, "{channel}"),
                    Cause::Count { live, alone } => {
                        assert!(live && !alone && request, "{cause:?}: {channel}")
                    }
                    Cause::App => {}
                }
                if request {
                    let msg = decode_request(payload).expect("our requests decode");
                    assert_eq!(msg.uid.as_deref(), Some(uid.as_str()));
                    if let Some(id) = request_id(&msg.request) {
                        self.request_ids.push(id);
                    }
                } else if response {
                    decode_response(payload).expect("our responses decode");
                } else {
                    let msg = decode_broadcast(payload).expect("our broadcasts decode");
                    assert_eq!(msg.uid, uid);
                    assert!(channel.starts_with(&format!("{KEY}#{}#", msg.nsp)));
                }
                self.published.push((i, channel.clone(), payload.clone()));
                if self.published.len() > KEEP {
                    self.published.remove(0);
                }
                if self.request_ids.len() > KEEP {
                    self.request_ids.remove(0);
                }
            }
            _ => {}
        }
    }

    /// The member's state belongs to what is outstanding.
    fn check_state(&self, i: usize) {
        let m = &self.members[i];
        let s = m.io.cluster_stats().expect("a cluster member");
        assert_eq!(s.requests, s.wire_ids, "{s:?}");
        assert!(s.queries <= s.requests, "{s:?}");
        assert!(
            s.requests <= m.requests.len() + m.broadcasts.len(),
            "{s:?}: requests nobody waits for"
        );
        assert!(s.queries <= m.queries.len(), "{s:?}");
    }
}

/// The wire id of a request that has one.
pub(crate) fn request_id(request: &sio_core::cluster::Request) -> Option<String> {
    use sio_core::cluster::Request as R;
    match request {
        R::Sockets { request_id, .. }
        | R::AllRooms { request_id }
        | R::LegacySocket { request_id, .. }
        | R::Fetch { request_id, .. }
        | R::Broadcast { request_id, .. } => Some(request_id.clone()),
        R::ServerSideEmit { request_id, .. } => request_id.clone(),
        _ => None,
    }
}
