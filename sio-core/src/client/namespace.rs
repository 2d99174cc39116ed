//! One namespace of the client (the official client's `Socket`): its
//! state, ack ids and timers, send and receive buffers, the server's ack
//! requests, and what connection state recovery keeps (`pid`, offset).

use crate::socket::Packet;
use bytes::Bytes;
use serde_json::value::RawValue;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::time::Instant;

/// The most unanswered ack requests from the server kept per namespace:
/// beyond it the oldest is forgotten (answering it then does nothing, as
/// a second answer does).
pub(crate) const MAX_SERVER_ACKS: usize = 10_000;

/// A packet waiting in the send buffer.
#[derive(Debug, Clone)]
pub(crate) struct Buffered {
    pub(crate) packet: Packet,
    /// Its ack id, if it asks for one.
    pub(crate) ack: Option<u64>,
}

/// One namespace.
#[derive(Debug)]
pub(crate) struct Namespace {
    pub(crate) name: String,
    /// The CONNECT payload the application gave.
    pub(crate) auth: Option<Bytes>,
    /// The socket id while connected.
    pub(crate) id: Option<String>,
    /// The next ack id (never reset, as the official `ids`).
    pub(crate) next_ack: u64,
    /// Acks waited for, with their deadline.
    pub(crate) acks: BTreeMap<u64, Option<Instant>>,
    /// The deadlines of `acks`, in order.
    pub(crate) timers: BTreeSet<(Instant, u64)>,
    pub(crate) send_buffer: VecDeque<Buffered>,
    pub(crate) receive_buffer: VecDeque<Packet>,
    /// The server's ack requests not answered yet.
    pub(crate) server_acks: BTreeSet<u64>,
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
            acks: BTreeMap::new(),
            timers: BTreeSet::new(),
            send_buffer: VecDeque::new(),
            receive_buffer: VecDeque::new(),
            server_acks: BTreeSet::new(),
            pid: None,
            last_offset: None,
        }
    }

    pub(crate) fn connected(&self) -> bool {
        self.id.is_some()
    }

    /// Registers an ack wait; its id.
    pub(crate) fn register_ack(&mut self, deadline: Option<Instant>) -> u64 {
        let id = self.next_ack;
        self.next_ack += 1;
        self.acks.insert(id, deadline);
        if let Some(d) = deadline {
            self.timers.insert((d, id));
        }
        id
    }

    /// Forgets ack `id`; true if it was waited for.
    pub(crate) fn settle_ack(&mut self, id: u64) -> bool {
        match self.acks.remove(&id) {
            Some(deadline) => {
                if let Some(d) = deadline {
                    self.timers.remove(&(d, id));
                }
                true
            }
            None => false,
        }
    }

    /// The acks whose deadline is at or before `now`, forgotten, with their
    /// packets taken out of the send buffer.
    pub(crate) fn expire_acks(&mut self, now: Instant) -> Vec<u64> {
        let mut expired = Vec::new();
        while let Some(&(d, id)) = self.timers.first() {
            if d > now {
                break;
            }
            self.timers.pop_first();
            self.acks.remove(&id);
            self.send_buffer.retain(|b| b.ack != Some(id));
            expired.push(id);
        }
        expired
    }

    /// The acks of packets not in the send buffer (sent, or dropped as
    /// volatile), forgotten: the official `_clearAcks` at a disconnection.
    pub(crate) fn clear_sent_acks(&mut self) -> Vec<u64> {
        let buffered: BTreeSet<u64> = self.send_buffer.iter().filter_map(|b| b.ack).collect();
        let gone: Vec<u64> = self
            .acks
            .keys()
            .copied()
            .filter(|id| !buffered.contains(id))
            .collect();
        for id in &gone {
            self.settle_ack(*id);
        }
        gone
    }

    /// Every ack waited for, forgotten (the namespace is going away).
    pub(crate) fn clear_all_acks(&mut self) -> Vec<u64> {
        self.timers.clear();
        std::mem::take(&mut self.acks).into_keys().collect()
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
        let a = ns.register_ack(Some(t + std::time::Duration::from_secs(2)));
        let b = ns.register_ack(Some(t + std::time::Duration::from_secs(1)));
        let c = ns.register_ack(None);
        ns.send_buffer.push_back(Buffered {
            packet: Packet::new(crate::socket::PacketType::Event, "/"),
            ack: Some(a),
        });
        assert_eq!((a, b, c), (0, 1, 2));
        assert_eq!(
            ns.expire_acks(t + std::time::Duration::from_secs(1)),
            vec![b]
        );
        assert_eq!(
            ns.expire_acks(t + std::time::Duration::from_secs(5)),
            vec![a]
        );
        assert!(ns.send_buffer.is_empty());
        assert_eq!(ns.clear_sent_acks(), vec![c]);
        assert!(!ns.settle_ack(c));
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
