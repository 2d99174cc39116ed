//! One namespace of the client (the official client's `Socket`): its
//! state, ack ids and timers, send and receive buffers, the server's ack
//! requests, and what connection state recovery keeps (`pid`, offset).

use super::retry::Queued;
use crate::socket::Packet;
use bytes::Bytes;
use serde_json::value::RawValue;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::time::{Duration, Instant};

/// The most unanswered ack requests from the server kept per namespace:
/// beyond it the oldest is forgotten (answering it then does nothing, as
/// a second answer does).
pub(crate) const MAX_SERVER_ACKS: usize = 10_000;

/// The deadline of an ack timeout started at `now`: at least 1 ms
/// later, as Node's `setTimeout` clamps its delay (a zero timeout with
/// retries would otherwise be due again as soon as it is sent).
pub(crate) fn ack_deadline(now: Instant, timeout: Option<Duration>) -> Option<Instant> {
    timeout.map(|t| now + t.max(Duration::from_millis(1)))
}

/// A packet waiting in the send buffer.
#[derive(Debug, Clone)]
pub(crate) struct Buffered {
    pub(crate) packet: Packet,
    /// Its ack id, if it asks for one.
    pub(crate) ack: Option<u64>,
}

/// Who waits for an ack the client asked for on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Owner {
    /// The application, with the id its emit returned.
    App(u64),
    /// A try of the retry queue's entry with this sequence number.
    Queue(u64),
}

/// An ack waited for: its deadline and who gets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Wait {
    pub(crate) deadline: Option<Instant>,
    pub(crate) owner: Owner,
}

/// One namespace.
#[derive(Debug)]
pub(crate) struct Namespace {
    pub(crate) name: String,
    /// The CONNECT payload the application gave.
    pub(crate) auth: Option<Bytes>,
    /// The socket id while connected.
    pub(crate) id: Option<String>,
    /// The next ack id on the wire (never reset, as the official `ids`).
    pub(crate) next_ack: u64,
    /// The next id handed to the application for an emit that asks for
    /// an ack. Without retries every such emit takes one wire id too, so
    /// the two are equal; with retries an emit may take several wire ids
    /// (one per try) or none yet (queued).
    pub(crate) next_emit: u64,
    /// Acks waited for, by wire id.
    pub(crate) acks: BTreeMap<u64, Wait>,
    /// The deadlines of `acks`, in order.
    pub(crate) timers: BTreeSet<(Instant, u64)>,
    pub(crate) send_buffer: VecDeque<Buffered>,
    pub(crate) receive_buffer: VecDeque<Packet>,
    /// The server's ack requests not answered yet.
    pub(crate) server_acks: BTreeSet<u64>,
    /// The retry queue (`retries` on): emits sent one at a time until
    /// acknowledged, the head first.
    pub(crate) queue: VecDeque<Queued>,
    /// The next queue entry's sequence number.
    pub(crate) next_seq: u64,
    /// The recovery id from the last CONNECT reply.
    pub(crate) pid: Option<String>,
    /// The last offset seen (the last argument of an event, when a string).
    pub(crate) last_offset: Option<String>,
}

impl Namespace {
    pub(crate) fn new(name: &str, auth: Option<Bytes>) -> Namespace {
        Namespace {
            name: name.to_owned(),
            auth,
            id: None,
            next_ack: 0,
            next_emit: 0,
            acks: BTreeMap::new(),
            timers: BTreeSet::new(),
            send_buffer: VecDeque::new(),
            receive_buffer: VecDeque::new(),
            server_acks: BTreeSet::new(),
            queue: VecDeque::new(),
            next_seq: 0,
            pid: None,
            last_offset: None,
        }
    }

    pub(crate) fn connected(&self) -> bool {
        self.id.is_some()
    }

    /// A new id for an emit of the application that asks for an ack.
    pub(crate) fn new_emit_id(&mut self) -> u64 {
        let id = self.next_emit;
        self.next_emit += 1;
        id
    }

    /// Registers an ack wait on the wire for `owner`; its wire id.
    pub(crate) fn register_ack(&mut self, deadline: Option<Instant>, owner: Owner) -> u64 {
        let id = self.next_ack;
        self.next_ack += 1;
        self.acks.insert(id, Wait { deadline, owner });
        if let Some(d) = deadline {
            self.timers.insert((d, id));
        }
        id
    }

    /// Forgets wire ack `id`; who waited for it, if anyone did.
    pub(crate) fn settle_ack(&mut self, id: u64) -> Option<Owner> {
        let wait = self.acks.remove(&id)?;
        if let Some(d) = wait.deadline {
            self.timers.remove(&(d, id));
        }
        Some(wait.owner)
    }

    /// The acks whose deadline is at or before `now`, forgotten, with their
    /// packets taken out of the send buffer.
    pub(crate) fn expire_acks(&mut self, now: Instant) -> Vec<Owner> {
        let mut expired = Vec::new();
        while let Some(&(d, id)) = self.timers.first() {
            if d > now {
                break;
            }
            self.timers.pop_first();
            if let Some(wait) = self.acks.remove(&id) {
                expired.push(wait.owner);
            }
            self.send_buffer.retain(|b| b.ack != Some(id));
        }
        expired
    }

    /// The acks of packets not in the send buffer (sent, or dropped as
    /// volatile), forgotten: the official `_clearAcks` at a disconnection.
    /// Each with whether it had a deadline (the official error-first
    /// callbacks, which hear of it).
    pub(crate) fn clear_sent_acks(&mut self) -> Vec<Wait> {
        let buffered: BTreeSet<u64> = self.send_buffer.iter().filter_map(|b| b.ack).collect();
        let gone: Vec<u64> = self
            .acks
            .keys()
            .copied()
            .filter(|id| !buffered.contains(id))
            .collect();
        let mut waits = Vec::with_capacity(gone.len());
        for id in gone {
            if let Some(wait) = self.acks.get(&id).copied() {
                self.settle_ack(id);
                waits.push(wait);
            }
        }
        waits
    }

    /// The application's ack ids still waited for (on the wire, or queued
    /// for retries), in order, all forgotten: the namespace is going away.
    pub(crate) fn clear_all_acks(&mut self) -> Vec<u64> {
        self.timers.clear();
        let mut ids: Vec<u64> = std::mem::take(&mut self.acks)
            .into_values()
            .filter_map(|w| match w.owner {
                Owner::App(id) => Some(id),
                Owner::Queue(_) => None,
            })
            .collect();
        ids.extend(self.queue.drain(..).filter_map(|q| q.app_id));
        ids.sort_unstable();
        ids
    }

    /// Notes an ack request from the server.
    pub(crate) fn note_server_ack(&mut self, id: u64) {
        self.server_acks.insert(id);
        if self.server_acks.len() > MAX_SERVER_ACKS {
            self.server_acks.pop_first();
        }
    }

    /// The CONNECT payload: the auth, with `{"pid", "offset"}` first when a
    /// `pid` is known (`Object.assign({pid, offset}, auth)`: the auth's
    /// keys win; no offset seen yet leaves it out).
    pub(crate) fn connect_payload(&self) -> Option<Bytes> {
        let Some(pid) = &self.pid else {
            return self.auth.clone();
        };
        let entries = self
            .auth
            .as_deref()
            .and_then(|a| serde_json::from_slice::<Entries>(a).ok())
            .map(|e| e.0)
            .unwrap_or_default();
        let find = |key: &str| {
            entries
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.get().to_owned())
        };
        let mut out = String::from("{\"pid\":");
        out.push_str(&find("pid").unwrap_or_else(|| json_string(pid)));
        if let Some(offset) =
            find("offset").or_else(|| self.last_offset.as_deref().map(json_string))
        {
            out.push_str(",\"offset\":");
            out.push_str(&offset);
        }
        for (k, v) in &entries {
            if k != "pid" && k != "offset" {
                out.push(',');
                out.push_str(&json_string(k));
                out.push(':');
                out.push_str(v.get());
            }
        }
        out.push('}');
        Some(Bytes::from(out))
    }

    /// After an event is dispatched: its last argument becomes the offset
    /// when it is a string and a `pid` is known (the official `emitEvent`).
    pub(crate) fn track_offset(&mut self, args_json: &[u8]) {
        if self.pid.is_none() {
            return;
        }
        if let Some(offset) = last_string(args_json) {
            self.last_offset = Some(offset);
        }
    }
}

/// `s` as a JSON string.
fn json_string(s: &str) -> String {
    // Serialising a str cannot fail.
    serde_json::to_string(s).expect("a string serialises")
}

/// The last element of a JSON array text, when it is a string.
fn last_string(json: &[u8]) -> Option<String> {
    let items: Vec<&RawValue> = serde_json::from_slice(json).ok()?;
    let last = items.last()?.get();
    if !last.starts_with('"') {
        return None;
    }
    serde_json::from_str(last).ok()
}

/// A JSON object's entries in their order, values raw.
struct Entries(Vec<(String, Box<RawValue>)>);

impl<'de> serde::Deserialize<'de> for Entries {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Entries;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Entries, A::Error> {
                let mut out: Vec<(String, Box<RawValue>)> = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, Box<RawValue>>()? {
                    // A repeated key: the last one wins, as in JavaScript.
                    out.retain(|(old, _)| *old != k);
                    out.push((k, v));
                }
                Ok(Entries(out))
            }
        }
        d.deserialize_map(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payload(ns: &Namespace) -> String {
        String::from_utf8(ns.connect_payload().unwrap_or_default().to_vec()).unwrap()
    }

    #[test]
    fn connect_payload_merges_pid_offset_and_auth() {
        let mut ns = Namespace::new("/", None);
        assert_eq!(ns.connect_payload(), None);
        ns.auth = Some(Bytes::from_static(br#"{"token":"x","n":[1,2]}"#));
        assert_eq!(payload(&ns), r#"{"token":"x","n":[1,2]}"#);
        ns.pid = Some("P1".into());
        assert_eq!(payload(&ns), r#"{"pid":"P1","token":"x","n":[1,2]}"#);
        ns.last_offset = Some("Q80\"gsAh".into());
        assert_eq!(
            payload(&ns),
            r#"{"pid":"P1","offset":"Q80\"gsAh","token":"x","n":[1,2]}"#
        );
        // User keys win, in the place of the client's.
        ns.auth = Some(Bytes::from_static(br#"{"offset":"mine","pid":null}"#));
        assert_eq!(payload(&ns), r#"{"pid":null,"offset":"mine"}"#);
        ns.auth = None;
        assert_eq!(payload(&ns), r#"{"pid":"P1","offset":"Q80\"gsAh"}"#);
    }

    #[test]
    fn offsets_are_the_last_string_argument_once_a_pid_is_known() {
        let mut ns = Namespace::new("/", None);
        ns.track_offset(br#"["a","O1"]"#);
        assert_eq!(ns.last_offset, None, "no pid: no tracking");
        ns.pid = Some("P".into());
        ns.track_offset(br#"["a","O1"]"#);
        assert_eq!(ns.last_offset.as_deref(), Some("O1"));
        for not_a_string in [&br#"["a",1]"#[..], b"[]", b"[{\"x\":\"y\"}]", b"nope"] {
            ns.track_offset(not_a_string);
            assert_eq!(ns.last_offset.as_deref(), Some("O1"));
        }
        ns.track_offset(br#"[ "b" , "O\u00e92" ]"#);
        assert_eq!(ns.last_offset.as_deref(), Some("Oé2"));
    }

    #[test]
    fn acks_expire_in_deadline_order_and_leave_the_buffer() {
        let t = Instant::now();
        let mut ns = Namespace::new("/", None);
        let a = ns.register_ack(Some(t + std::time::Duration::from_secs(2)), Owner::App(0));
        let b = ns.register_ack(Some(t + std::time::Duration::from_secs(1)), Owner::Queue(7));
        let c = ns.register_ack(None, Owner::App(2));
        ns.send_buffer.push_back(Buffered {
            packet: Packet::new(crate::socket::PacketType::Event, "/"),
            ack: Some(a),
        });
        assert_eq!((a, b, c), (0, 1, 2));
        assert_eq!(
            ns.expire_acks(t + std::time::Duration::from_secs(1)),
            vec![Owner::Queue(7)]
        );
        assert_eq!(
            ns.expire_acks(t + std::time::Duration::from_secs(5)),
            vec![Owner::App(0)]
        );
        assert!(ns.send_buffer.is_empty());
        assert_eq!(
            ns.clear_sent_acks(),
            vec![Wait {
                deadline: None,
                owner: Owner::App(2)
            }]
        );
        assert_eq!(ns.settle_ack(c), None);
    }

    #[test]
    fn server_acks_are_bounded() {
        let mut ns = Namespace::new("/", None);
        for id in 0..(MAX_SERVER_ACKS as u64 + 5) {
            ns.note_server_ack(id);
        }
        assert_eq!(ns.server_acks.len(), MAX_SERVER_ACKS);
        assert!(!ns.server_acks.contains(&4) && ns.server_acks.contains(&5));
    }
}
