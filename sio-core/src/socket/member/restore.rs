//! Restoring a session kept in Redis (streams adapter): a CONNECT with a
//! `pid` and an `offset` (a stream entry id) takes the session out of its
//! key (`GET` + `DEL` at once: one recovery per disconnection), checks
//! that the offset is still in the stream, then reads the stream after it
//! (`XRANGE`, [`RANGE_COUNT`] entries a call) until the read reaches the
//! entries this member has already taken from the stream: those the new
//! socket would otherwise miss, since it did not exist when they came.
//! The entries the replay covered are then not delivered again (the
//! socket's floor). What the replay keeps is what Node keeps (plain
//! broadcasts of the namespace that reached the session's rooms), less
//! volatile ones, which live delivery skips too.
//!
//! A restore that cannot finish (no session, an offset trimmed away, the
//! bus down, more than [`MAX_RANGE_CALLS`] reads) ends in a fresh session,
//! which the client sees (`recovered` false): never a partial replay.

use super::wire::{
    AdapterMsg, SessionRecord, StreamId, decode_entry, decode_session, encode_session,
};
use crate::bus::{BusCommand, BusFailure, BusQuery, StreamEntry};
use crate::engine::WsFrame;
use crate::sid::Sid;
use crate::socket::event::SocketId;
use crate::socket::recovery::{StoredSession, reaches};
use crate::socket::restore::{RecoveryAuth, Restore};
use crate::socket::server::{PendingConnect, SioServer};
use bytes::Bytes;

/// Entries read per `XRANGE`.
pub(crate) const RANGE_COUNT: usize = 1000;
/// Reads per restore at most (as Node's 100 `XRANGE` calls).
pub(crate) const MAX_RANGE_CALLS: u32 = 100;

/// A restore waiting for the bus.
pub(crate) struct RemoteRestore {
    pid: Sid,
    /// Go through the connect middleware if the restore fails.
    then_middleware: bool,
    key_query: u64,
    check_query: u64,
    range_query: Option<u64>,
    /// The session (`Some(None)`: there was none).
    session: Option<Option<SessionRecord>>,
    /// Whether the offset is in the stream.
    found: Option<bool>,
    /// The last entry read.
    covered: StreamId,
    frames: Vec<WsFrame>,
    calls: u32,
}

/// The `pid` and `offset` of a CONNECT that asks for a restore.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RestoreKey {
    pub pid: Sid,
    pub offset: StreamId,
}

impl SioServer {
    /// The pid and offset of a CONNECT payload, when sessions are kept in
    /// the bus (streams adapter, recovery on) and both are well formed
    /// (the offset a stream id, as Node checks: `^[0-9]+-[0-9]+$`).
    pub(crate) fn remote_restore_key(&self, auth: &Bytes) -> Option<RestoreKey> {
        self.bus_window()?;
        let parsed: RecoveryAuth<'_> = serde_json::from_slice(auth).ok()?;
        Some(RestoreKey {
            pid: Sid::parse(parsed.pid?)?,
            offset: StreamId::parse(parsed.offset?.as_bytes())?,
        })
    }

    /// A CONNECT that may restore a session kept in the bus: waits (as a
    /// pending connect, so that a repeated CONNECT is ignored) for the
    /// restore, before the middleware when recovered sockets skip it,
    /// after it otherwise.
    pub(crate) fn connect_remote(
        &mut self,
        sid: Sid,
        socket: SocketId,
        nsp: String,
        auth: Bytes,
        key: RestoreKey,
    ) {
        self.take_over(key.pid, &nsp, sid);
        let middleware = self.namespaces.get(&nsp).is_some_and(|n| n.middleware);
        let skip = self
            .config
            .recovery
            .as_ref()
            .is_some_and(|r| r.skip_middlewares);
        let first = middleware && !skip;
        let pending = PendingConnect {
            engine: sid,
            nsp,
            auth,
            restore: None,
            remote: first.then_some(key),
        };
        if first {
            self.ask_middleware(socket, pending);
        } else {
            // Waiting as a pending connect (a repeated CONNECT is ignored).
            self.hold_pending(socket, pending);
            self.start_remote_restore(socket, key, middleware);
        }
    }

    /// Asks the bus for the session and whether its offset is still in
    /// the stream.
    pub(crate) fn start_remote_restore(
        &mut self,
        socket: SocketId,
        key: RestoreKey,
        then_middleware: bool,
    ) {
        let Some(member) = self.member.as_deref_mut() else {
            return;
        };
        let (key_query, check_query) = (member.query_id(), member.query_id());
        let Some(st) = member.streams.as_deref_mut() else {
            return;
        };
        st.questions.insert(key_query, socket);
        st.questions.insert(check_query, socket);
        let take = BusCommand::TakeKey {
            query: BusQuery(key_query),
            key: st.session_key(key.pid.as_str()),
        };
        let check = st.range(check_query, key.offset, &key.offset.to_string(), 1);
        st.restores.insert(
            socket,
            RemoteRestore {
                pid: key.pid,
                then_middleware,
                key_query,
                check_query,
                range_query: None,
                session: None,
                found: None,
                covered: key.offset,
                frames: Vec::new(),
                calls: 0,
            },
        );
        member.out.push_back(take);
        member.out.push_back(check);
    }

    /// True while `socket`'s connect waits for a restore from the bus
    /// (the application has not been asked about it).
    pub(crate) fn restoring(&self, socket: SocketId) -> bool {
        self.streams()
            .is_some_and(|st| st.restores.contains_key(&socket))
    }

    /// The restore a bus answer is for (`key`: a [`BusInput::Key`], else
    /// a [`BusInput::Range`]), taken out of the state; `None`, the state
    /// untouched, when the query is none of its questions of that kind (an
    /// adapter's bug must not pass for the answer it is not).
    ///
    /// [`BusInput::Key`]: crate::bus::BusInput::Key
    /// [`BusInput::Range`]: crate::bus::BusInput::Range
    fn restore_for(&mut self, query: u64, key: bool) -> Option<(SocketId, RemoteRestore)> {
        let st = self.streams_mut()?;
        let socket = *st.questions.get(&query)?;
        let r = st.restores.get(&socket)?;
        let fits = if key {
            query == r.key_query
        } else {
            query == r.check_query || r.range_query == Some(query)
        };
        if !fits {
            return None;
        }
        st.questions.remove(&query);
        let restore = st.restores.remove(&socket)?;
        Some((socket, restore))
    }

    pub(crate) fn on_restore_key(&mut self, query: u64, value: Result<Option<Bytes>, BusFailure>) {
        let Some((socket, mut r)) = self.restore_for(query, true) else {
            return;
        };
        let session = match value {
            Ok(Some(text)) => match decode_session(&text) {
                Ok(record) => Some(record),
                Err(e) => {
                    self.cluster_fault(format!("undecodable session: {e}"));
                    None
                }
            },
            Ok(None) | Err(BusFailure) => None,
        };
        r.session = Some(session);
        self.advance_restore(socket, r);
    }

    pub(crate) fn on_restore_range(
        &mut self,
        query: u64,
        entries: Result<Vec<StreamEntry>, BusFailure>,
    ) {
        let Some((socket, mut r)) = self.restore_for(query, false) else {
            return;
        };
        if query == r.check_query {
            r.found = Some(entries.is_ok_and(|e| !e.is_empty()));
            return self.advance_restore(socket, r);
        }
        let Ok(entries) = entries else {
            return self.finish_restore(socket, r, false);
        };
        r.range_query = None;
        let full = entries.len() >= RANGE_COUNT;
        self.replay_entries(socket, &mut r, entries);
        r.calls += 1;
        let position = self.streams().and_then(|st| st.position);
        let caught_up = !full && position.is_none_or(|p| r.covered >= p);
        if caught_up {
            self.finish_restore(socket, r, true);
        } else if r.calls >= MAX_RANGE_CALLS {
            self.cluster_fault("a restore read too many entries: fresh session".to_owned());
            self.finish_restore(socket, r, false);
        } else {
            self.read_range(socket, r);
        }
    }

    /// Keeps the entries of a read that the session missed.
    fn replay_entries(
        &mut self,
        socket: SocketId,
        r: &mut RemoteRestore,
        entries: Vec<StreamEntry>,
    ) {
        let Some(nsp) = self.pending.get(&socket).map(|p| p.nsp.clone()) else {
            return;
        };
        let Some(Some(session)) = &r.session else {
            return;
        };
        let rooms = session.rooms.clone();
        for entry in entries {
            let Some(id) = StreamId::parse(&entry.id) else {
                continue;
            };
            if id <= r.covered {
                continue;
            }
            r.covered = id;
            let Ok(envelope) = decode_entry(&entry.fields) else {
                continue;
            };
            if envelope.nsp != nsp {
                continue;
            }
            if let AdapterMsg::Broadcast {
                event,
                args,
                opts,
                ack_id: None,
            } = envelope.msg
            {
                if !opts.volatile && reaches(&opts.rooms, &opts.except, &rooms) {
                    let frames = self.entry_frames(&nsp, &event, &args, &opts, id);
                    r.frames.extend(frames);
                }
            }
        }
    }

    /// Goes on once both first answers are in.
    fn advance_restore(&mut self, socket: SocketId, r: RemoteRestore) {
        match (&r.session, r.found) {
            (None, _) | (_, None) => self.park_restore(socket, r),
            (Some(None), _) | (_, Some(false)) => self.finish_restore(socket, r, false),
            (Some(Some(_)), Some(true)) => self.read_range(socket, r),
        }
    }

    /// Puts a restore back to wait for more answers.
    fn park_restore(&mut self, socket: SocketId, r: RemoteRestore) {
        if let Some(st) = self.streams_mut() {
            st.restores.insert(socket, r);
        }
    }

    /// Asks for the entries after the last one read.
    fn read_range(&mut self, socket: SocketId, mut r: RemoteRestore) {
        let Some(start) = r.covered.next() else {
            return self.finish_restore(socket, r, false);
        };
        let Some(member) = self.member.as_deref_mut() else {
            return;
        };
        let query = member.query_id();
        let Some(st) = member.streams.as_deref_mut() else {
            return;
        };
        st.questions.insert(query, socket);
        r.range_query = Some(query);
        let command = st.range(query, start, "+", RANGE_COUNT);
        st.restores.insert(socket, r);
        member.out.push_back(command);
    }

    /// Ends a restore: the connect goes on, restored when `ok`; if its
    /// client left meanwhile, a session taken out of the store goes back.
    fn finish_restore(&mut self, socket: SocketId, r: RemoteRestore, ok: bool) {
        if let Some(st) = self.streams_mut() {
            for q in [Some(r.key_query), Some(r.check_query), r.range_query]
                .into_iter()
                .flatten()
            {
                st.questions.remove(&q);
            }
        }
        let session = r.session.flatten();
        let Some(p) = self.take_pending(socket) else {
            if let Some(record) = session {
                self.put_back(&record);
            }
            return;
        };
        let now = self.now;
        let position = self.streams().and_then(|st| st.position);
        let restore = session.filter(|_| ok).and_then(|record| {
            let id = Sid::parse(&record.sid).filter(|id| !self.sockets.contains_key(id))?;
            let disconnected_at = now?;
            let floor = position.map_or(r.covered, |p| p.max(r.covered));
            if let Some(st) = self.streams_mut() {
                st.floors.insert(id, floor);
            }
            Some(Restore {
                pid: r.pid,
                offset: 0,
                session: StoredSession {
                    socket: id,
                    nsp: p.nsp.clone(),
                    rooms: record.rooms,
                    disconnected_at,
                    data: Some(record.data),
                },
                frames: Some(r.frames),
            })
        });
        if restore.is_none() && r.then_middleware {
            return self.ask_middleware(socket, p);
        }
        self.connect_socket(p.engine, socket, p.nsp, p.auth, restore);
    }

    /// Writes a session taken out of the store back (its client left
    /// before the restore ended), for the window.
    fn put_back(&mut self, record: &SessionRecord) {
        let Some(window) = self.bus_window() else {
            return;
        };
        let Some(member) = self.member.as_deref_mut() else {
            return;
        };
        let Some(st) = member.streams.as_deref() else {
            return;
        };
        let command = st.write_session(&record.pid, encode_session(record), window);
        member.out.push_back(command);
    }
}
