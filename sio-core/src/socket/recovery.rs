//! Connection state recovery: a client that lost its connection comes back
//! with its private session id (`pid`) and the offset of the last event it
//! got, and finds its socket id, its rooms and every event it missed.
//!
//! Events that qualify (EVENT without ack, not volatile) carry an offset as
//! their last argument and are kept in a per-namespace log; the sessions of
//! sockets that left for a recoverable reason are kept for
//! `max_disconnection_duration`. Both are bounded:
//! - the log keeps at most `max_log_packets` entries and `max_log_bytes`
//!   bytes per namespace, and nothing older than the window; what falls out
//!   can no longer be replayed, so a client whose offset fell out gets a
//!   fresh session (`recovered` false), never a partial replay;
//! - at most `max_sessions` sessions are kept; beyond, the oldest is
//!   dropped (that client gets a fresh session).
//!
//! Unlike the reference, a restored session is removed from the store, so
//! a pid recovers at most once.

use super::event::SocketId;
use crate::engine::WsFrame;
use crate::fast_hash::FastMap;
use crate::sid::Sid;
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Recovery options (off unless set in [`super::ServerConfig::recovery`]).
#[derive(Debug, Clone)]
pub struct RecoveryConfig {
    /// How long a disconnected session can be recovered (default 2 min).
    pub max_disconnection_duration: Duration,
    /// Recovered sockets skip connect middleware (default true).
    pub skip_middlewares: bool,
    /// Most sessions kept at once (default 100 000); the oldest go first.
    pub max_sessions: usize,
    /// Most events kept per namespace log (default 100 000).
    pub max_log_packets: usize,
    /// Most bytes of events kept per namespace log (default 64 MiB).
    pub max_log_bytes: usize,
}

impl Default for RecoveryConfig {
    fn default() -> Self {
        RecoveryConfig {
            max_disconnection_duration: Duration::from_secs(120),
            skip_middlewares: true,
            max_sessions: 100_000,
            max_log_packets: 100_000,
            max_log_bytes: 64 << 20,
        }
    }
}

/// A disconnected socket that may come back.
#[derive(Debug, Clone)]
pub struct StoredSession {
    /// The socket id it had (and gets back).
    pub socket: SocketId,
    /// Its namespace.
    pub nsp: String,
    /// Its rooms at disconnect (own id included).
    pub rooms: Vec<String>,
    /// When it disconnected.
    pub disconnected_at: Instant,
    /// Its data (Node's `socket.data`, JSON), when set.
    pub data: Option<bytes::Bytes>,
}

/// Where recoverable sessions are kept. The in-memory [`MemoryStore`] is
/// the default; a cluster adapter can keep them elsewhere.
pub trait RecoveryStore {
    /// Keeps `session` under `pid`.
    fn persist(&mut self, pid: Sid, session: StoredSession);
    /// Takes the session of `pid` out of the store, if any.
    fn take(&mut self, pid: Sid) -> Option<StoredSession>;
    /// Removes sessions that disconnected at or before `cutoff`; returns
    /// their socket ids.
    fn expire(&mut self, cutoff: Instant) -> Vec<SocketId>;
    /// Number of sessions kept.
    fn len(&self) -> usize;
    /// True when no session is kept.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Sessions in memory, bounded by count (oldest out first).
#[derive(Debug)]
pub struct MemoryStore {
    sessions: FastMap<Sid, StoredSession>,
    /// (pid, disconnected_at) in persist order, for expiry and eviction;
    /// entries whose session is gone are skipped.
    order: VecDeque<(Sid, Instant)>,
    max: usize,
}

impl MemoryStore {
    /// A store keeping at most `max` sessions.
    pub fn new(max: usize) -> MemoryStore {
        MemoryStore {
            sessions: FastMap::default(),
            order: VecDeque::new(),
            max,
        }
    }

    fn is_current(&self, pid: &Sid, at: Instant) -> bool {
        self.sessions
            .get(pid)
            .is_some_and(|s| s.disconnected_at == at)
    }
}

impl RecoveryStore for MemoryStore {
    fn persist(&mut self, pid: Sid, session: StoredSession) {
        self.order.push_back((pid, session.disconnected_at));
        self.sessions.insert(pid, session);
        while self.sessions.len() > self.max {
            let Some((old, at)) = self.order.pop_front() else {
                break;
            };
            if self.is_current(&old, at) {
                self.sessions.remove(&old);
            }
        }
    }

    fn take(&mut self, pid: Sid) -> Option<StoredSession> {
        self.sessions.remove(&pid)
    }

    fn expire(&mut self, cutoff: Instant) -> Vec<SocketId> {
        let mut gone = Vec::new();
        while let Some(&(pid, at)) = self.order.front() {
            if at > cutoff {
                break;
            }
            self.order.pop_front();
            if self.is_current(&pid, at) {
                if let Some(s) = self.sessions.remove(&pid) {
                    gone.push(s.socket);
                }
            }
        }
        gone
    }

    fn len(&self) -> usize {
        self.sessions.len()
    }
}

/// One logged event.
#[derive(Debug, Clone)]
pub(crate) struct LogEntry {
    pub offset: u64,
    /// Only members of these rooms got it (everyone if empty).
    pub rooms: Vec<String>,
    /// Members of these rooms did not get it.
    pub except: Vec<String>,
    /// The encoded packet, offset included.
    pub frames: Vec<WsFrame>,
    pub size: usize,
    pub at: Instant,
}

impl LogEntry {
    /// True when a socket in `rooms` was (or would have been) a recipient.
    pub fn reaches(&self, rooms: &[String]) -> bool {
        reaches(&self.rooms, &self.except, rooms)
    }
}

/// True when a socket in `rooms` is a recipient of an event sent to
/// `to` (everyone if empty) less `except`.
pub(crate) fn reaches(to: &[String], except: &[String], rooms: &[String]) -> bool {
    (to.is_empty() || to.iter().any(|r| rooms.contains(r)))
        && !except.iter().any(|r| rooms.contains(r))
}

/// The events of one namespace, oldest first, bounded.
#[derive(Debug, Default)]
pub(crate) struct PacketLog {
    entries: VecDeque<LogEntry>,
    bytes: usize,
}

impl PacketLog {
    /// Appends an entry, then drops the oldest beyond the bounds.
    pub fn push(&mut self, entry: LogEntry, config: &RecoveryConfig) {
        self.bytes += entry.size;
        self.entries.push_back(entry);
        while self.entries.len() > config.max_log_packets || self.bytes > config.max_log_bytes {
            self.pop_front();
        }
    }

    fn pop_front(&mut self) {
        if let Some(e) = self.entries.pop_front() {
            self.bytes -= e.size;
        }
    }

    /// Drops entries from `cutoff` or before.
    pub fn expire(&mut self, cutoff: Instant) {
        while self.entries.front().is_some_and(|e| e.at <= cutoff) {
            self.pop_front();
        }
    }

    /// The entries after `offset`, or `None` if `offset` is not in the log
    /// (pruned or bogus: what was missed is unknown).
    pub fn after(&self, offset: u64) -> Option<impl Iterator<Item = &LogEntry>> {
        // Offsets grow along the log.
        let i = self
            .entries
            .binary_search_by_key(&offset, |e| e.offset)
            .ok()?;
        Some(self.entries.iter().skip(i + 1))
    }

    /// Number of entries (for tests and bounds checks).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Bytes of entries.
    pub fn bytes(&self) -> usize {
        self.bytes
    }
}

/// Appends the offset `"<offset>"` as the last element of a JSON array text.
pub(crate) fn with_offset(json: &[u8], offset: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(json.len() + 24);
    let body = json.strip_suffix(b"]").unwrap_or(json);
    out.extend_from_slice(body);
    if body.iter().rev().find(|b| !b.is_ascii_whitespace()) != Some(&b'[') {
        out.push(b',');
    }
    out.push(b'"');
    out.extend_from_slice(offset.as_bytes());
    out.extend_from_slice(b"\"]");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_go_last() {
        assert_eq!(with_offset(b"[]", "7"), br#"["7"]"#);
        assert_eq!(with_offset(b"[1,\"a\"]", "12"), br#"[1,"a","12"]"#);
        assert_eq!(with_offset(b"[ ]", "1-0"), br#"[ "1-0"]"#);
    }

    #[test]
    fn memory_store_bounds_and_expiry() {
        let t0 = Instant::now();
        let mut ids = crate::sid::IdGenerator::new([1; 32]);
        let mut store = MemoryStore::new(2);
        let session = |at| StoredSession {
            socket: SocketId::parse("AAAAAAAAAAAAAAAAAAAAAA").unwrap(),
            nsp: "/".into(),
            rooms: vec![],
            disconnected_at: at,
            data: None,
        };
        let (a, b, c) = (ids.sid(), ids.sid(), ids.sid());
        store.persist(a, session(t0));
        store.persist(b, session(t0 + Duration::from_secs(1)));
        store.persist(c, session(t0 + Duration::from_secs(2)));
        assert_eq!(store.len(), 2, "the oldest went out");
        assert!(store.take(a).is_none());
        assert_eq!(store.expire(t0 + Duration::from_secs(1)).len(), 1);
        assert!(store.take(b).is_none());
        assert!(store.take(c).is_some());
        assert!(store.is_empty());
    }

    #[test]
    fn log_bounds_and_lookup() {
        let t0 = Instant::now();
        let config = RecoveryConfig {
            max_log_packets: 3,
            ..RecoveryConfig::default()
        };
        let mut log = PacketLog::default();
        for offset in 1..=5 {
            log.push(
                LogEntry {
                    offset,
                    rooms: vec![],
                    except: vec![],
                    frames: vec![],
                    size: 10,
                    at: t0 + Duration::from_secs(offset),
                },
                &config,
            );
        }
        assert_eq!((log.len(), log.bytes()), (3, 30));
        assert!(log.after(2).is_none(), "pruned offsets are unknown");
        assert_eq!(
            log.after(3).unwrap().map(|e| e.offset).collect::<Vec<_>>(),
            [4, 5]
        );
        assert_eq!(log.after(5).unwrap().count(), 0);
        log.expire(t0 + Duration::from_millis(4500));
        assert_eq!(log.len(), 1);
    }
}
