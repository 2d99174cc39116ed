//! The streams flavour of `cluster_member`: members speaking the streams
//! adapter (recovery on) over a fake stream and keys. The stream hands
//! its entries to each follower in order, each once, late or never (a
//! gap, as after trimming); range reads and key takes are answered when
//! the input says, correctly (from the stream and keys as they are then),
//! with a failure, with lies, or with an answer of the other kind; the
//! link goes down and up.
//!
//! What must hold besides the classic flavour's invariants:
//! - what a member appends, publishes and stores decodes with the codec,
//!   with its uid; nothing but session writes on clock jumps;
//! - a socket never gets one stream entry twice, and gets the entries in
//!   stream order (replayed ones first);
//! - bounded state: every restore has a question out, the member asked no
//!   question it forgot, a floor belongs to a connected socket and is not
//!   below the position (floors do not outlive it);
//! - once every question is answered, no restore is left, every restore
//!   attempt ended (a grant, an error, the middleware) or its client left,
//!   and a session taken for a client that left mid-restore was written
//!   back.

use crate::Bytes8;
use crate::clients::pick;
use crate::cluster_craft::Known;
use crate::cluster_member::{Cause, World};
use crate::streams_craft::{
    RESTORE_NSPS, SESSION_PREFIX, adapter_message, connect_answer, entry_fields, event_offset,
    offset, range_entries, restore_connect, session,
};
use bytes::Bytes;
use sio_core::bus::{BusCommand, BusFailure, BusInput, BusQuery, StreamEntry};
use sio_core::cluster::streams::{
    AdapterMsg, StreamId, decode_entry, decode_message, decode_session,
};
use sio_core::engine::WsFrame;
use sio_core::socket::SocketEvent;
use sio_core::{ConnId, Input, Output};
use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

/// Offsets clients got, kept for crafting auths.
const SEEN: usize = 32;

/// A question a member asked the bus.
enum Question {
    Range {
        query: BusQuery,
        start: String,
        end: String,
        count: usize,
    },
    Take {
        query: BusQuery,
        key: String,
    },
}

/// A client's restore: from its CONNECT (which asked for the session) to
/// its end.
struct Attempt {
    member: usize,
    conn: ConnId,
    nsp: &'static str,
    pid: String,
    auth: Bytes,
    key_query: BusQuery,
    /// When the take answered with a session (a write counter value).
    took: Option<u64>,
    left: bool,
    ended: bool,
}

/// One member's side of the stream.
#[derive(Default)]
struct Follower {
    following: bool,
    /// The index of the next entry to hand it.
    next: usize,
    up: bool,
}

/// One client connection of a member, as its frames show it.
#[derive(Default)]
struct View {
    open: bool,
    /// Per namespace: the last stream id its socket got.
    last: HashMap<String, StreamId>,
}

/// The fake stream and keys, and what the input knows of the restores.
pub(crate) struct Streams {
    t0: Instant,
    /// Every entry ever appended (the first `trimmed` are gone).
    entries: Vec<StreamEntry>,
    ids: Vec<StreamId>,
    trimmed: usize,
    followers: Vec<Follower>,
    keys: BTreeMap<String, Bytes>,
    questions: Vec<(usize, Question)>,
    attempts: Vec<Attempt>,
    /// The restore CONNECT being sent: (conn, nsp, pid, auth).
    starting: Option<(ConnId, &'static str, String, Bytes)>,
    views: Vec<HashMap<ConnId, View>>,
    /// Session writes: (member, key, counter).
    writes: Vec<(usize, String, u64)>,
    counter: u64,
    seen: Vec<StreamId>,
    pub(crate) request_ids: Vec<String>,
}

impl Streams {
    pub(crate) fn new(n: usize, t0: Instant) -> Streams {
        Streams {
            t0,
            entries: Vec::new(),
            ids: Vec::new(),
            trimmed: 0,
            followers: (0..n).map(|_| Follower::default()).collect(),
            keys: BTreeMap::new(),
            questions: Vec::new(),
            attempts: Vec::new(),
            starting: None,
            views: (0..n).map(|_| HashMap::new()).collect(),
            writes: Vec::new(),
            counter: 0,
            seen: Vec::new(),
            request_ids: Vec::new(),
        }
    }

    /// Whether member `i`'s connection `conn` is open.
    pub(crate) fn is_open(&self, i: usize, conn: ConnId) -> bool {
        self.views[i].get(&conn).is_some_and(|v| v.open)
    }

    /// Whether member `i`'s link is up.
    pub(crate) fn is_up(&self, i: usize) -> bool {
        self.followers[i].up
    }

    /// Appends an entry with the next id (milliseconds from the clock).
    fn append(&mut self, now: Instant, fields: Vec<(Bytes, Bytes)>) {
        let ms = 1000 + now.duration_since(self.t0).as_millis() as u64;
        let id = match self.ids.last() {
            Some(last) if last.ms >= ms => StreamId {
                ms: last.ms,
                seq: last.seq + 1,
            },
            _ => StreamId { ms, seq: 0 },
        };
        self.ids.push(id);
        self.entries.push(StreamEntry {
            id: Bytes::from(id.to_string()),
            fields,
        });
    }

    /// `XRANGE start end COUNT count` on what is left of the stream.
    fn range(&self, start: &str, end: &str, count: usize) -> Vec<StreamEntry> {
        let bound = |s: &str, dflt: StreamId| match s {
            "-" | "+" => Some(dflt),
            s => StreamId::parse(s.as_bytes()),
        };
        let max = StreamId {
            ms: u64::MAX,
            seq: u64::MAX,
        };
        let (Some(from), Some(to)) = (bound(start, StreamId { ms: 0, seq: 0 }), bound(end, max))
        else {
            return Vec::new();
        };
        (self.trimmed..self.entries.len())
            .filter(|&j| self.ids[j] >= from && self.ids[j] <= to)
            .take(count)
            .map(|j| self.entries[j].clone())
            .collect()
    }

    fn write(&mut self, i: usize, key: &str) {
        self.counter += 1;
        self.writes.push((i, key.to_owned(), self.counter));
    }

    /// Updates the views from one output of member `i`, checking the
    /// offsets its sockets get.
    pub(crate) fn observe(&mut self, i: usize, out: &Output<SocketEvent>) {
        match out {
            Output::WsAccept { conn, .. } => {
                self.leave(i, *conn);
                self.views[i].insert(
                    *conn,
                    View {
                        open: true,
                        ..View::default()
                    },
                );
            }
            Output::WsClose { conn, .. } => self.leave(i, *conn),
            Output::WsSend {
                conn,
                frame: WsFrame::Text(t),
            } => self.frame(i, *conn, t),
            Output::Event(SocketEvent::ConnectRequest { nsp, auth, .. }) => {
                // A restore that failed goes through the middleware.
                if let Some(a) = self.attempts.iter_mut().find(|a| {
                    a.member == i && !a.ended && !a.left && a.nsp == nsp && a.auth == *auth
                }) {
                    a.ended = true;
                }
            }
            _ => {}
        }
    }

    fn frame(&mut self, i: usize, conn: ConnId, text: &[u8]) {
        if let Some((nsp, id)) = event_offset(text) {
            let view = self.views[i].entry(conn).or_default();
            if let Some(last) = view.last.get(&nsp) {
                assert!(id > *last, "{nsp} on {conn:?}: {id} after {last}");
            }
            view.last.insert(nsp, id);
            if self.seen.len() < SEEN {
                self.seen.push(id);
            }
        } else if let Some((nsp, _)) = connect_answer(text) {
            // A new socket: its offsets start over.
            if let Some(view) = self.views[i].get_mut(&conn) {
                view.last.remove(&nsp);
            }
            if let Some(a) = self
                .attempts
                .iter_mut()
                .find(|a| a.member == i && a.conn == conn && !a.ended && !a.left && a.nsp == nsp)
            {
                a.ended = true;
            }
        }
    }

    /// The client of member `i`'s connection `conn` is gone.
    pub(crate) fn leave(&mut self, i: usize, conn: ConnId) {
        if let Some(v) = self.views[i].get_mut(&conn) {
            v.open = false;
        }
        for a in &mut self.attempts {
            if a.member == i && a.conn == conn && !a.ended {
                a.left = true;
            }
        }
    }
}

impl World {
    /// One streams operation (`k` 16–23) on member `i`.
    pub(crate) fn stream_step(&mut self, r: &mut Bytes8, k: u8, i: usize) {
        match k {
            16 | 17 => self.hand_entries(r, i),
            18 | 19 => self.answer(r, i),
            20 => {
                let fields = self.crafted(i, |k| entry_fields(r, k));
                let now = self.now;
                self.st().append(now, fields);
            }
            21 => {
                let up = r.u8().is_multiple_of(2);
                self.st().followers[i].up = up;
                self.members[i]
                    .io
                    .handle(self.now, Input::Bus(BusInput::Link { up }));
                self.drain(i, Cause::Stream);
            }
            22 => self.keys_op(r, i),
            _ => self.trim(r),
        }
    }

    fn st(&mut self) -> &mut Streams {
        self.streams.as_deref_mut().expect("the streams flavour")
    }

    fn others(&self, i: usize) -> Vec<String> {
        let me = &self.members[i].uid;
        self.members
            .iter()
            .filter(|m| m.uid != *me)
            .map(|m| m.uid.clone())
            .collect()
    }

    /// What `craft` makes for member `i` from what the input knows.
    fn crafted<T>(&self, i: usize, craft: impl FnOnce(&Known) -> T) -> T {
        let others = self.others(i);
        let m = &self.members[i];
        let st = self.streams.as_deref().expect("streams");
        craft(&Known {
            me: &m.uid,
            others: &others,
            request_ids: &st.request_ids,
            sockets: &m.clients.sockets,
        })
    }

    /// A crafted streams adapter message on one of member `i`'s channels.
    pub(crate) fn adapter_message(&mut self, r: &mut Bytes8, i: usize) {
        let (channel, payload) = self.crafted(i, |k| adapter_message(r, k));
        self.deliver(i, channel, payload, false);
    }

    /// Hands member `i` the next entries of the stream (or skips them:
    /// lost to it).
    fn hand_entries(&mut self, r: &mut Bytes8, i: usize) {
        let choice = r.u8();
        let st = self.st();
        let f = &st.followers[i];
        if !f.following || !f.up {
            return;
        }
        let from = f.next.max(st.trimmed);
        let to = (from + 1 + usize::from(choice % 4)).min(st.entries.len());
        st.followers[i].next = to;
        if choice >= 240 || from >= to {
            return; // never handed: a gap
        }
        let entries = st.entries[from..to].to_vec();
        let input = BusInput::StreamEntries {
            stream: Bytes::from_static(b"socket.io"),
            entries,
        };
        self.members[i].io.handle(self.now, Input::Bus(input));
        self.drain(i, Cause::Stream);
    }

    /// Answers one of member `i`'s questions (or a bogus one): correctly,
    /// with a failure, or with a lie.
    fn answer(&mut self, r: &mut Bytes8, i: usize) {
        let choice = r.u8();
        let how = r.u8();
        let mine: Vec<usize> = (self.st().questions.iter().enumerate())
            .filter(|(_, (m, _))| *m == i)
            .map(|(j, _)| j)
            .collect();
        if choice >= 224 || mine.is_empty() {
            let query = BusQuery(u64::from(choice % 32));
            let input = if how.is_multiple_of(2) {
                BusInput::Range {
                    query,
                    entries: Ok(Vec::new()),
                }
            } else {
                BusInput::Key {
                    query,
                    value: Ok(None),
                }
            };
            self.members[i].io.handle(self.now, Input::Bus(input));
            self.drain(i, Cause::Stream);
            return;
        }
        let j = mine[usize::from(choice) % mine.len()];
        if how % 8 == 4 {
            // An answer of the other kind with the question's id (an
            // adapter's bug): the question stays open.
            let input = match &self.st().questions[j].1 {
                Question::Range { query, .. } => BusInput::Key {
                    query: *query,
                    value: Ok(None),
                },
                Question::Take { query, .. } => BusInput::Range {
                    query: *query,
                    entries: Ok(Vec::new()),
                },
            };
            self.members[i].io.handle(self.now, Input::Bus(input));
            self.drain(i, Cause::Stream);
            return;
        }
        let (_, question) = self.st().questions.remove(j);
        let input = match how % 8 {
            0..=3 => self.answer_of(i, question),
            5 => match question {
                Question::Range { query, .. } => BusInput::Range {
                    query,
                    entries: Err(BusFailure),
                },
                Question::Take { query, .. } => BusInput::Key {
                    query,
                    value: Err(BusFailure),
                },
            },
            _ => self.crafted(i, |k| match question {
                Question::Range { query, start, .. } => BusInput::Range {
                    query,
                    entries: Ok(range_entries(r, k, &start)),
                },
                Question::Take { query, .. } => BusInput::Key {
                    query,
                    value: Ok(r.u8().is_multiple_of(2).then(|| session(r, k).1)),
                },
            }),
        };
        self.members[i].io.handle(self.now, Input::Bus(input));
        self.drain(i, Cause::Stream);
    }

    /// The true answer to `question` of member `i` (a failure while its
    /// link is down); a take takes the key.
    fn answer_of(&mut self, i: usize, question: Question) -> BusInput {
        let st = self.st();
        let up = st.followers[i].up;
        match question {
            Question::Range {
                query,
                start,
                end,
                count,
            } => BusInput::Range {
                query,
                entries: if up {
                    Ok(st.range(&start, &end, count))
                } else {
                    Err(BusFailure)
                },
            },
            Question::Take { query, key } => {
                if !up {
                    return BusInput::Key {
                        query,
                        value: Err(BusFailure),
                    };
                }
                let value = st.keys.remove(&key);
                if value.as_deref().is_some_and(|v| decode_session(v).is_ok()) {
                    st.counter += 1;
                    let at = st.counter;
                    if let Some(a) = st
                        .attempts
                        .iter_mut()
                        .find(|a| a.member == i && a.key_query == query)
                    {
                        a.took = Some(at);
                    }
                }
                BusInput::Key {
                    query,
                    value: Ok(value),
                }
            }
        }
    }

    /// A session planted (as Node writes it, or garbage) or a key expired.
    fn keys_op(&mut self, r: &mut Bytes8, i: usize) {
        if r.u8().is_multiple_of(4) {
            let st = self.st();
            let keys: Vec<String> = st.keys.keys().cloned().collect();
            if let Some(key) = pick(r, &keys) {
                st.keys.remove(key);
            }
            return;
        }
        let (pid, value) = self.crafted(i, |k| session(r, k));
        self.st()
            .keys
            .insert(format!("{SESSION_PREFIX}{pid}"), value);
    }

    /// The store trims the oldest entries (as `MAXLEN ~`).
    fn trim(&mut self, r: &mut Bytes8) {
        let n = usize::from(r.u8() % 4);
        let st = self.st();
        st.trimmed = (st.trimmed + n).min(st.entries.len());
    }

    /// A client of member `i` sends CONNECT with a `{"pid","offset"}` auth
    /// on connection `conn`: a pid granted or kept in the keys, or an
    /// unknown one; an offset in the stream, or out of it.
    pub(crate) fn restore_connect(&mut self, r: &mut Bytes8, i: usize, conn: ConnId) {
        let nsp = RESTORE_NSPS[usize::from(r.u8()) % RESTORE_NSPS.len()];
        let st = self.streams.as_deref().expect("streams");
        let mut pids: Vec<String> = st
            .keys
            .keys()
            .filter_map(|k| k.strip_prefix(SESSION_PREFIX).map(str::to_owned))
            .collect();
        pids.extend(self.members[i].clients.pids.iter().cloned());
        pids.push("AAAAAAAAAAAAAAAAAAAA".to_owned());
        let pid = pick(r, &pids).cloned().unwrap_or_default();
        let offset = offset(r, &st.ids, &st.seen);
        let (auth, text) = restore_connect(nsp, &pid, &offset);
        self.st().starting = Some((conn, nsp, pid, auth));
        let frame = WsFrame::Text(Bytes::from(text));
        self.members[i]
            .io
            .handle(self.now, Input::WsFrame { conn, frame });
        self.drain(i, Cause::Client);
        self.st().starting = None;
    }

    /// Checks one bus command of member `i` (streams flavour) and carries
    /// it out on the fake bus.
    pub(crate) fn streams_command(&mut self, i: usize, cause: Cause, command: &BusCommand) {
        let uid = self.members[i].uid.clone();
        let now = self.now;
        let st = self.st();
        let up = st.followers[i].up;
        if cause == Cause::Clock {
            assert!(
                matches!(
                    command,
                    BusCommand::SetKey { .. } | BusCommand::DeleteKey { .. }
                ),
                "a clock jump: {command:?}"
            );
        }
        assert!(
            cause != (Cause::Message { echo: true }),
            "an echo answered: {command:?}"
        );
        match command {
            BusCommand::Subscribe { .. } => assert_eq!(cause, Cause::Setup),
            BusCommand::StreamFollow { .. } => {
                assert_eq!(cause, Cause::Setup);
                st.followers[i].following = true;
                st.followers[i].next = st.entries.len();
            }
            BusCommand::StreamAppend { fields, .. } => {
                let e = decode_entry(fields).expect("our entries decode");
                assert_eq!(e.uid, uid);
                assert!(e.msg.in_stream(), "{:?} appended", e.msg);
                if up {
                    st.append(now, fields.clone());
                }
            }
            BusCommand::StreamRange {
                query,
                start,
                end,
                count,
                ..
            } => st.questions.push((
                i,
                Question::Range {
                    query: *query,
                    start: start.clone(),
                    end: end.clone(),
                    count: *count,
                },
            )),
            BusCommand::TakeKey { query, key } => {
                st.questions.push((
                    i,
                    Question::Take {
                        query: *query,
                        key: key.clone(),
                    },
                ));
                if let Some((conn, nsp, pid, auth)) = st.starting.take() {
                    assert_eq!(*key, format!("{SESSION_PREFIX}{pid}"));
                    st.attempts.push(Attempt {
                        member: i,
                        conn,
                        nsp,
                        pid,
                        auth,
                        key_query: *query,
                        took: None,
                        left: false,
                        ended: false,
                    });
                }
            }
            BusCommand::SetKey { key, value, ttl } => {
                let record = decode_session(value).expect("our sessions decode");
                assert_eq!(*key, format!("{SESSION_PREFIX}{}", record.pid));
                assert!(!ttl.is_zero());
                st.write(i, key);
                if up {
                    st.keys.insert(key.clone(), value.clone());
                }
            }
            BusCommand::DeleteKey { key } if up => {
                st.keys.remove(key);
            }
            BusCommand::CountSubscribers { query, channel } => {
                assert!(channel.starts_with("socket.io#") && channel.ends_with('#'));
                self.members[i].queries.push(*query);
            }
            BusCommand::Publish { channel, payload } => {
                assert!(
                    !matches!(cause, Cause::Setup | Cause::Clock | Cause::Local),
                    "{cause:?}: {channel}"
                );
                let e = decode_message(payload).expect("our messages decode");
                assert_eq!(e.uid, uid);
                let public = format!("socket.io#{}#", e.nsp);
                match &e.msg {
                    AdapterMsg::Request(_) => {
                        assert!(!matches!(cause, Cause::Message { .. }), "{cause:?}");
                        assert_eq!(*channel, public, "requests on the namespace's channel");
                    }
                    AdapterMsg::Response(_) => assert!(
                        channel.starts_with(&public) && channel.len() > public.len(),
                        "responses on the requester's channel: {channel}"
                    ),
                    other => panic!("{other:?} published"),
                }
                if let AdapterMsg::Request(req) = &e.msg
                    && let Some(id) = crate::cluster_member::request_id(req)
                {
                    st.request_ids.push(id);
                    if st.request_ids.len() > 32 {
                        st.request_ids.remove(0);
                    }
                }
                self.published.push((i, channel.clone(), payload.clone()));
                if self.published.len() > 32 {
                    self.published.remove(0);
                }
            }
            _ => {}
        }
    }

    /// The streams state of member `i` belongs to what is outstanding.
    pub(crate) fn check_streams(&self, i: usize) {
        let m = &self.members[i];
        let s = m.io.streams_stats().expect("a streams member");
        let st = self.streams.as_deref().expect("streams");
        let asked = st.questions.iter().filter(|(m, _)| *m == i).count();
        assert!(s.questions <= asked, "{s:?}: questions the bus has not");
        assert!(
            s.restores <= s.questions,
            "{s:?}: a restore waits for nothing"
        );
        for (socket, floor) in &s.floors {
            assert!(
                m.clients.sockets.contains(socket),
                "{s:?}: a floor of nobody"
            );
            if let Some(p) = s.position {
                assert!(*floor >= p, "{s:?}: a floor outlived the position");
            }
        }
    }

    /// Answers every question truly (the links up), until none is left;
    /// then no restore is left, each attempt ended or its client left, and
    /// sessions taken for clients that left were written back.
    pub(crate) fn settle_streams(&mut self) {
        for i in 0..self.members.len() {
            self.st().followers[i].up = true;
            self.members[i]
                .io
                .handle(self.now, Input::Bus(BusInput::Link { up: true }));
            self.drain(i, Cause::Stream);
        }
        // Each restore reads at most 100 ranges.
        for _ in 0..100_000 {
            let Some((i, question)) = self.st().questions.pop() else {
                break;
            };
            let input = self.answer_of(i, question);
            self.members[i].io.handle(self.now, Input::Bus(input));
            self.drain(i, Cause::Stream);
        }
        let st = self.streams.as_deref().expect("streams");
        assert!(st.questions.is_empty(), "the members keep asking");
        for (i, m) in self.members.iter().enumerate() {
            let s = m.io.streams_stats().expect("a streams member");
            assert_eq!((s.restores, s.questions), (0, 0), "{i}: {s:?}");
        }
        for a in &st.attempts {
            assert!(a.ended || a.left, "a restore never ended: {}", a.pid);
            if let (Some(at), true) = (a.took, a.left) {
                let key = format!("{SESSION_PREFIX}{}", a.pid);
                assert!(
                    st.writes
                        .iter()
                        .any(|(m, k, n)| *m == a.member && *k == key && *n > at),
                    "{}: taken for a client that left, not written back",
                    a.pid
                );
            }
        }
    }
}
