//! The server as a cluster member: the state of the cluster protocol
//! (`@socket.io/redis-adapter`'s, whose codec is [`crate::cluster`]) kept
//! beside the local adapter (namespaces and rooms). What the application
//! asks of the cluster is in `outgoing.rs`, what other members send in
//! `incoming.rs`; both speak to the bus through [`BusCommand`]s and
//! [`crate::bus::BusInput`]s.
//!
//! Requests that wait for answers (fetching sockets, server-side emits
//! with acks, broadcasts with acks) first count the members (`PUBSUB
//! NUMSUB` of the namespace's request channel, this member included), as
//! Node does, then publish, then collect one answer per other member until
//! `requests_timeout` (broadcasts: their own timeout).

mod incoming;
mod outgoing;
mod restore;
mod sessions;
mod streams;
mod wire;

pub(crate) use restore::RestoreKey;
pub(crate) use streams::StreamsState;
pub use streams::StreamsStats;

use super::config::ClusterConfig;
use super::event::{Args, ClusterRequestId, SocketInfo};
use crate::bus::{BusCommand, BusQuery};
use crate::cluster::{Channels, Request, Response};
use crate::fast_hash::FastMap;
use std::collections::{HashMap, VecDeque};
use std::time::Duration;

/// Characters of Node's `uid2` ids.
const UID_CHARS: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// A cluster member's protocol state.
pub(crate) struct Member {
    pub key: String,
    pub requests_timeout: Duration,
    /// This member's id on the bus (6 characters, as Node's `uid2(6)`).
    pub uid: String,
    /// Channel names by namespace (every namespace this server has).
    pub channels: HashMap<String, Channels>,
    /// Requests waiting for answers, by sequence number.
    pub requests: FastMap<u64, Pending>,
    /// Wire request id → sequence number.
    pub wire_ids: HashMap<String, u64>,
    pub next_seq: u64,
    /// Member counts asked for → the request that waits for it.
    pub queries: FastMap<u64, u64>,
    pub next_query: u64,
    /// Acked broadcasts of other members: local key → where the acks go.
    pub remote_acks: FastMap<u64, RemoteAck>,
    /// Server-side events of other members waiting for the application's
    /// answer.
    pub server_side_acks: FastMap<u64, RemoteAck>,
    pub next_remote: u64,
    /// Work for the bus, drained by `poll_output`.
    pub out: VecDeque<BusCommand>,
    /// The streams adapter's state, when the member speaks its protocol
    /// (else the classic adapter's).
    pub streams: Option<Box<StreamsState>>,
}

/// Where answers for another member's request go.
#[derive(Debug, Clone)]
pub(crate) struct RemoteAck {
    /// The response channel.
    pub channel: String,
    /// Its wire request id.
    pub request_id: String,
    /// The namespace (the streams adapter's answers name it).
    pub nsp: String,
}

/// How much cluster state a member holds: for tests and fuzzing, which
/// check that nothing outlives its timeout.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClusterStats {
    /// Requests of this member waiting for answers.
    pub requests: usize,
    /// Their wire ids.
    pub wire_ids: usize,
    /// Member counts asked for and not answered.
    pub queries: usize,
    /// Other members' acked broadcasts whose acks are forwarded.
    pub remote_acks: usize,
    /// Other members' server-side events waiting for the application.
    pub server_side_acks: usize,
}

/// A request of this member waiting for the others' answers.
pub(crate) struct Pending {
    pub request_id: String,
    /// The member count it asked for, until answered.
    pub query: Option<u64>,
    /// Answers expected from other members (`None` until counted).
    pub expected: Option<usize>,
    /// Answers received (malformed ones too: they never complete it).
    pub received: usize,
    /// Published once the member count is known (`None` when published).
    pub publish: Option<(String, bytes::Bytes)>,
    pub kind: PendingKind,
}

/// What a pending request collects.
pub(crate) enum PendingKind {
    Fetch {
        id: ClusterRequestId,
        sockets: Vec<SocketInfo>,
    },
    ServerSide {
        id: ClusterRequestId,
        replies: Vec<Args>,
    },
    /// An acked broadcast: its state is in the server's broadcast acks.
    Broadcast { bid: u64 },
    /// The member count alone.
    Count { id: ClusterRequestId },
    /// Every member's rooms.
    Rooms {
        id: ClusterRequestId,
        rooms: std::collections::BTreeSet<String>,
    },
}

impl Member {
    /// A member with `config`; `random` gives the uid's characters.
    pub fn new(config: &ClusterConfig, random: [u8; 32]) -> Member {
        let mut out = VecDeque::new();
        let streams = config.streams.clone().map(|streams| {
            out.push_back(BusCommand::StreamFollow {
                stream: streams.stream_name.clone(),
            });
            Box::new(StreamsState::new(streams))
        });
        Member {
            key: config.key.clone(),
            requests_timeout: config.requests_timeout,
            uid: token(&random[..6]),
            channels: HashMap::new(),
            requests: FastMap::default(),
            wire_ids: HashMap::new(),
            next_seq: 0,
            queries: FastMap::default(),
            next_query: 0,
            remote_acks: FastMap::default(),
            server_side_acks: FastMap::default(),
            next_remote: 0,
            out,
            streams,
        }
    }

    /// Subscribes to the channels of a namespace new to this server.
    pub fn add_namespace(&mut self, nsp: &str) {
        if self.channels.contains_key(nsp) {
            return;
        }
        let ch = if self.streams.is_some() {
            let ch = Channels::streams(&self.key, nsp, &self.uid);
            self.out.push_back(BusCommand::Subscribe {
                channels: vec![ch.request().to_owned(), ch.own_response().to_owned()],
                patterns: Vec::new(),
            });
            ch
        } else {
            let ch = Channels::new(&self.key, nsp, &self.uid);
            self.out.push_back(BusCommand::Subscribe {
                channels: vec![
                    ch.request().to_owned(),
                    ch.response().to_owned(),
                    ch.own_response().to_owned(),
                ],
                patterns: vec![ch.pattern().to_owned()],
            });
            ch
        };
        self.channels.insert(nsp.to_owned(), ch);
    }

    /// Registers a request (with a fresh wire id) and asks for the member
    /// count it waits on; returns its sequence number.
    pub fn start_request(
        &mut self,
        count_channel: String,
        request_id: String,
        publish: Option<(String, bytes::Bytes)>,
        kind: PendingKind,
    ) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        let query = self.query_id();
        self.queries.insert(query, seq);
        self.wire_ids.insert(request_id.clone(), seq);
        self.requests.insert(
            seq,
            Pending {
                request_id,
                query: Some(query),
                expected: None,
                received: 0,
                publish,
                kind,
            },
        );
        self.out.push_back(BusCommand::CountSubscribers {
            query: BusQuery(query),
            channel: count_channel,
        });
        seq
    }

    /// Forgets a request (and its count question, if unanswered: a late
    /// answer finds nothing); returns it.
    pub fn finish(&mut self, seq: u64) -> Option<Pending> {
        let p = self.requests.remove(&seq)?;
        self.wire_ids.remove(&p.request_id);
        if let Some(query) = p.query {
            self.queries.remove(&query);
        }
        Some(p)
    }

    /// The sizes of its state.
    pub fn stats(&self) -> ClusterStats {
        ClusterStats {
            requests: self.requests.len(),
            wire_ids: self.wire_ids.len(),
            queries: self.queries.len(),
            remote_acks: self.remote_acks.len(),
            server_side_acks: self.server_side_acks.len(),
        }
    }

    /// A fresh id for a question to the bus.
    pub fn query_id(&mut self) -> u64 {
        let query = self.next_query;
        self.next_query += 1;
        query
    }

    /// Queues a publish.
    pub fn publish(&mut self, channel: String, payload: bytes::Bytes) {
        self.out.push_back(BusCommand::Publish { channel, payload });
    }

    /// `request` as this member's adapter writes it for the others of
    /// `nsp`; `None` when its protocol has no such request (the streams
    /// adapter has no `allRooms` nor the legacy forms).
    pub fn encode_request(&self, nsp: &str, request: &Request) -> Option<bytes::Bytes> {
        if self.streams.is_none() {
            return Some(crate::cluster::encode_request(&self.uid, nsp, request));
        }
        // Type 0: not one of the streams adapter's.
        let msg = wire::AdapterMsg::Request(request.clone());
        (msg.kind() != 0).then(|| wire::encode_message(&self.uid, nsp, &msg))
    }

    /// `response` as this member's adapter writes it.
    pub fn encode_response(&self, nsp: &str, response: &Response) -> bytes::Bytes {
        match self.streams {
            None => crate::cluster::encode_response(response),
            Some(_) => wire::encode_message(
                &self.uid,
                nsp,
                &wire::AdapterMsg::Response(response.clone()),
            ),
        }
    }

    /// Sends a request that needs no answer (room changes,
    /// disconnections) to the others of `nsp`: published on the request
    /// channel (classic) or appended to the stream (streams adapter).
    pub fn send_request(&mut self, nsp: &str, request: Request) {
        let Some(ch) = self.channels.get(nsp) else {
            return;
        };
        match &self.streams {
            None => {
                let channel = ch.request().to_owned();
                let payload = crate::cluster::encode_request(&self.uid, nsp, &request);
                self.publish(channel, payload);
            }
            // Room changes and disconnections go through the stream (so
            // they keep their place among the broadcasts), the rest
            // through Pub/Sub, as Node's streams adapter sends them.
            Some(st) => {
                let msg = wire::AdapterMsg::Request(request);
                if msg.in_stream() {
                    let command = st.append(wire::encode_entry(&self.uid, nsp, &msg));
                    self.out.push_back(command);
                } else {
                    let channel = ch.request().to_owned();
                    let payload = wire::encode_message(&self.uid, nsp, &msg);
                    self.publish(channel, payload);
                }
            }
        }
    }
}

/// A `uid2`-style id: one character of [`UID_CHARS`] per random byte.
pub(crate) fn token(random: &[u8]) -> String {
    random
        .iter()
        .map(|b| char::from(UID_CHARS[usize::from(b & 63)]))
        .collect()
}

/// The first of `args` alone (`[]` when there is none): what the cluster
/// protocol carries of an answer. Attachments stay (the placeholders of
/// the first argument still point into them).
pub(crate) fn first_arg(args: &Args) -> Args {
    let first = serde_json::from_slice::<Vec<&serde_json::value::RawValue>>(&args.json)
        .ok()
        .and_then(|v| v.first().map(|r| r.get().to_owned()));
    match first {
        Some(raw) => Args {
            json: bytes::Bytes::from(format!("[{raw}]")),
            attachments: args.attachments.clone(),
        },
        None => Args::empty(),
    }
}
