//! The streams adapter's side of the member (Node's
//! `@socket.io/redis-streams-adapter` 0.3.1): broadcasts, room changes and
//! disconnections go through one Redis stream that every member follows;
//! requests and answers go through Pub/Sub as whole msgpack messages.
//!
//! A broadcast is appended to the stream and delivered here only when it
//! comes back from the stream, like everyone else's: every member delivers
//! the stream's entries in stream order, so a client's events are a
//! subsequence of the stream, and the id of the last one it got (its
//! recovery offset) says exactly what it missed. While the bus is down,
//! broadcasts are delivered here at once, without an offset, and reach no
//! other member (as Node's adapter when `XADD` fails).

use super::outgoing::{op_of, opts_of};
use super::wire::{AdapterMsg, StreamId, decode_entry, decode_message, encode_entry};
use crate::bus::{BusCommand, BusInput, StreamEntry};
use crate::cluster::{Opts, Request};
use crate::engine::WsFrame;
use crate::fast_hash::{FastMap, FastSet};
use crate::socket::StreamsConfig;
use crate::socket::event::{Args, SocketId};
use crate::socket::namespace::BroadcastOp;
use crate::socket::recovery::with_offset;
use crate::socket::server::{SioServer, event_packet};
use bytes::Bytes;

/// The streams adapter's state of a member.
pub(crate) struct StreamsState {
    pub config: StreamsConfig,
    /// The bus is up (as last reported; down until it says so).
    pub up: bool,
    /// The id of the last entry taken from the followed stream.
    pub position: Option<StreamId>,
    /// Restores waiting for the bus, by the socket id of their connect.
    pub restores: FastMap<SocketId, super::restore::RemoteRestore>,
    /// Bus questions of restores → the restore.
    pub questions: FastMap<u64, SocketId>,
    /// Restored sockets → the last entry their replay covered: the
    /// stream's entries up to it are not delivered to them again.
    pub floors: FastMap<SocketId, StreamId>,
    /// Sockets whose session must be written, in order of change.
    pub dirty: Vec<SocketId>,
    pub dirty_set: FastSet<SocketId>,
    /// The session refresh timer is set.
    pub refresh_armed: bool,
}

/// The streams adapter's state of a member, for tests and fuzzing, which
/// check that restores end and floors do not outlive the position.
#[doc(hidden)]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamsStats {
    /// The id of the last entry taken from the followed stream.
    pub position: Option<StreamId>,
    /// Restores waiting for the bus.
    pub restores: usize,
    /// Their questions to the bus not answered yet.
    pub questions: usize,
    /// Restored sockets and the last entry their replay covered.
    pub floors: Vec<(SocketId, StreamId)>,
}

impl StreamsState {
    pub fn new(config: StreamsConfig) -> StreamsState {
        StreamsState {
            config,
            up: false,
            position: None,
            restores: FastMap::default(),
            questions: FastMap::default(),
            floors: FastMap::default(),
            dirty: Vec::new(),
            dirty_set: FastSet::default(),
            refresh_armed: false,
        }
    }

    /// The command appending `fields` to the stream.
    pub fn append(&self, fields: Vec<(Bytes, Bytes)>) -> BusCommand {
        BusCommand::StreamAppend {
            stream: self.config.stream_name.clone(),
            max_len: self.config.max_len,
            fields,
        }
    }

    /// The key of `pid`'s session.
    pub fn session_key(&self, pid: &str) -> String {
        crate::cluster::streams::session_key(&self.config.session_key_prefix, pid)
    }

    /// The command writing `pid`'s encoded session for `ttl`.
    pub fn write_session(&self, pid: &str, value: Bytes, ttl: std::time::Duration) -> BusCommand {
        BusCommand::SetKey {
            key: self.session_key(pid),
            value,
            ttl,
        }
    }

    /// The command reading the stream from `start` to `end` (both
    /// included), at most `count` entries, answered under `query`.
    pub fn range(&self, query: u64, start: StreamId, end: &str, count: usize) -> BusCommand {
        BusCommand::StreamRange {
            query: crate::bus::BusQuery(query),
            stream: self.config.stream_name.clone(),
            start: start.to_string(),
            end: end.to_owned(),
            count,
        }
    }
}

impl SioServer {
    /// The streams adapter's state, if this server speaks it.
    pub(crate) fn streams(&self) -> Option<&StreamsState> {
        self.member.as_deref()?.streams.as_deref()
    }

    /// The sizes of the streams adapter's state (`None` when this server
    /// speaks no streams): for tests and fuzzing.
    #[doc(hidden)]
    pub fn streams_stats(&self) -> Option<StreamsStats> {
        let st = self.streams()?;
        Some(StreamsStats {
            position: st.position,
            restores: st.restores.len(),
            questions: st.questions.len(),
            floors: st.floors.iter().map(|(s, f)| (*s, *f)).collect(),
        })
    }

    /// Mutable [`SioServer::streams`].
    pub(crate) fn streams_mut(&mut self) -> Option<&mut StreamsState> {
        self.member.as_deref_mut()?.streams.as_deref_mut()
    }

    /// Takes a report of the streams family of the bus.
    pub(crate) fn on_streams_bus(&mut self, input: BusInput) {
        match input {
            BusInput::StreamEntries { entries, .. } => self.on_stream_entries(entries),
            BusInput::Range { query, entries } => self.on_restore_range(query.0, entries),
            BusInput::Key { query, value } => self.on_restore_key(query.0, value),
            BusInput::Link { up } => {
                let was = self
                    .streams_mut()
                    .map(|st| std::mem::replace(&mut st.up, up));
                if up && was == Some(false) {
                    // What was written while the bus was down was lost
                    // (and a restarted Redis may have lost everything).
                    self.refresh_sessions();
                }
            }
            // Handled by the caller.
            BusInput::Message { .. } | BusInput::Count { .. } => {}
        }
    }

    /// Appends a broadcast to the stream, unless `op` is local, this
    /// server speaks no streams, or the bus is down: then `false`, and the
    /// caller delivers it here.
    pub(crate) fn append_broadcast(
        &mut self,
        nsp: &str,
        op: &BroadcastOp,
        event: &str,
        args: &Args,
    ) -> bool {
        let Some(member) = self.member_for(op) else {
            return false;
        };
        let Some(st) = member.streams.as_deref() else {
            return false;
        };
        if !st.up || !member.channels.contains_key(nsp) {
            return false;
        }
        let msg = AdapterMsg::Broadcast {
            event: event.to_owned(),
            args: args.clone(),
            opts: opts_of(op),
            ack_id: None,
        };
        let command = st.append(encode_entry(&member.uid, nsp, &msg));
        member.out.push_back(command);
        true
    }

    /// A streams adapter's Pub/Sub message: a request or an answer.
    pub(crate) fn on_adapter_message(&mut self, nsp: &str, payload: &[u8]) {
        let envelope = match decode_message(payload) {
            Ok(e) => e,
            Err(e) => return self.cluster_fault(format!("undecodable message on {nsp}: {e}")),
        };
        if self.cluster_uid() == Some(envelope.uid.as_str()) || envelope.nsp != nsp {
            return;
        }
        match envelope.msg {
            AdapterMsg::Request(r) => self.on_request(nsp, Some(envelope.uid), r),
            AdapterMsg::Response(r) => self.on_response(r),
            // Plain broadcasts travel in the stream; heartbeats are old.
            AdapterMsg::Broadcast { .. } | AdapterMsg::Other(_) => {}
        }
    }

    /// Entries of the followed stream, in order.
    fn on_stream_entries(&mut self, entries: Vec<StreamEntry>) {
        for entry in entries {
            let Some(id) = StreamId::parse(&entry.id) else {
                self.cluster_fault("stream entry with a malformed id".to_owned());
                continue;
            };
            if let Some(st) = self.streams_mut() {
                st.position = Some(st.position.map_or(id, |p| p.max(id)));
            }
            let envelope = match decode_entry(&entry.fields) {
                Ok(e) => e,
                Err(e) => {
                    self.cluster_fault(format!("undecodable stream entry {id}: {e}"));
                    continue;
                }
            };
            if !self.namespaces.contains_key(&envelope.nsp) {
                continue;
            }
            match envelope.msg {
                // An emit with an ack (Node's `socket.emit(.., cb)` with
                // recovery on) is its sender's to deliver: the ack waits
                // there.
                AdapterMsg::Broadcast {
                    event,
                    args,
                    opts,
                    ack_id: None,
                } => self.deliver_entry(&envelope.nsp, &event, &args, &opts, id),
                // This member's own were applied here already: `on_request`
                // skips them.
                AdapterMsg::Request(
                    r @ (Request::Join { .. } | Request::Leave { .. } | Request::Disconnect { .. }),
                ) => self.on_request(&envelope.nsp, Some(envelope.uid), r),
                _ => {}
            }
        }
        if let Some(st) = self.streams_mut() {
            if let Some(position) = st.position {
                st.floors.retain(|_, floor| *floor > position);
            }
        }
    }

    /// Delivers a broadcast of the stream to the sockets here it selects
    /// (restored sockets whose replay covered it excepted), tagged with
    /// its offset when it may be recovered.
    fn deliver_entry(&mut self, nsp: &str, event: &str, args: &Args, opts: &Opts, id: StreamId) {
        let op = op_of(opts);
        let mut recipients = match self.recipients(nsp, &op, event) {
            Ok(r) => r,
            Err(e) => return self.cluster_fault(format!("stream broadcast {id} refused: {e}")),
        };
        if let Some(st) = self.streams() {
            if !st.floors.is_empty() {
                recipients.retain(|s| st.floors.get(s).is_none_or(|floor| id > *floor));
            }
        }
        if recipients.is_empty() {
            return;
        }
        let frames = self.entry_frames(nsp, event, args, opts, id);
        self.send_to_sockets(&recipients, &frames);
    }

    /// The frames of a stream broadcast: the offset goes last in its
    /// arguments when recovery is on and it is not volatile.
    pub(crate) fn entry_frames(
        &self,
        nsp: &str,
        event: &str,
        args: &Args,
        opts: &Opts,
        id: StreamId,
    ) -> Vec<WsFrame> {
        if self.config.recovery.is_none() || opts.volatile {
            return self.encode(&event_packet(nsp, event, args, None));
        }
        let tagged = Args {
            json: Bytes::from(with_offset(&args.json, &id.to_string())),
            attachments: args.attachments.clone(),
        };
        self.encode(&event_packet(nsp, event, &tagged, None))
    }
}
