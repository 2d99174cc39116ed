//! The server's side of connection state recovery: tagging and logging
//! events, persisting sessions, restoring them on CONNECT. The data
//! structures and their bounds are in `recovery.rs`.

use super::event::{Args, SocketEvent, SocketId};
use super::recovery::{LogEntry, StoredSession, with_offset};
use super::server::{SioServer, Timer, event_packet};
use crate::engine::{CloseReason, WsFrame};
use crate::sid::Sid;
use bytes::Bytes;
use std::cmp::Reverse;
use std::time::Instant;

/// A session a CONNECT asked to restore, taken out of the store.
#[derive(Debug)]
pub(crate) struct Restore {
    pub pid: Sid,
    pub offset: u64,
    pub session: StoredSession,
    /// The events to replay when they are already known (a session kept
    /// in the bus); `None`: from this server's log, after `offset`.
    pub frames: Option<Vec<WsFrame>>,
}

/// The recovery fields of a CONNECT payload.
#[derive(serde::Deserialize)]
pub(crate) struct RecoveryAuth<'a> {
    #[serde(borrow)]
    pub pid: Option<&'a str>,
    #[serde(borrow)]
    pub offset: Option<&'a str>,
}

impl SioServer {
    /// The session a CONNECT payload (`{"pid":..,"offset":..}`) on engine
    /// session `current` may restore in `nsp`: known pid, same namespace,
    /// within the window. It is taken out of the store either way (a pid
    /// recovers at most once).
    pub(crate) fn restorable(&mut self, current: Sid, nsp: &str, auth: &Bytes) -> Option<Restore> {
        let window = self.config.recovery.as_ref()?.max_disconnection_duration;
        let parsed: RecoveryAuth<'_> = serde_json::from_slice(auth).ok()?;
        let pid = Sid::parse(parsed.pid?)?;
        let offset: u64 = parsed.offset?.parse().ok()?;
        self.take_over(pid, nsp, current);
        let session = self.store.take(pid)?;
        let now = self.now?;
        let fresh = session.nsp == nsp && session.disconnected_at + window > now;
        let free = !self.sockets.contains_key(&session.socket);
        (fresh && free).then_some(Restore {
            pid,
            offset,
            session,
            frames: None,
        })
    }

    /// A CONNECT with the pid of a socket that is still connected: its
    /// client came back on a new connection, so the old one is dead even if
    /// the server has not noticed yet (a long-poll cut mid-wait, a half-open
    /// TCP connection). The old session is closed as a transport close,
    /// which keeps it for recovery; the caller then restores it. Nothing
    /// happens for a pid of another namespace or of this same connection.
    pub(crate) fn take_over(&mut self, pid: Sid, nsp: &str, current: Sid) {
        let Some(&old) = self.live_pids.get(&pid) else {
            return;
        };
        let Some(state) = self.sockets.get(&old) else {
            return;
        };
        if state.nsp != nsp {
            return;
        }
        let old_session = state.engine;
        if old_session == current {
            return;
        }
        self.engine
            .close_with(old_session, CloseReason::TransportClose);
        // Handle the close now (its engine event comes later and finds
        // nothing left to do), so the session is in the store.
        self.on_engine_close(old_session, CloseReason::TransportClose);
    }

    /// The frames to replay for `restore`, or `None` when its offset is no
    /// longer (or never was) in the namespace's log: what it missed is then
    /// unknown, so it gets a fresh session rather than a partial replay.
    pub(crate) fn replay(&self, nsp: &str, restore: Restore) -> Option<(Restore, Vec<WsFrame>)> {
        let log = &self.namespaces.get(nsp)?.log;
        let frames = log
            .after(restore.offset)?
            .filter(|e| e.reaches(&restore.session.rooms))
            .flat_map(|e| e.frames.iter().cloned())
            .collect();
        Some((restore, frames))
    }

    /// Encodes an EVENT for `rooms` (all if empty) less `except`; with
    /// recovery on, tags it with the next offset (its last argument) and
    /// logs it in the namespace.
    pub(crate) fn logged_event(
        &mut self,
        nsp: &str,
        event: &str,
        args: &Args,
        rooms: Vec<String>,
        except: Vec<String>,
    ) -> Vec<WsFrame> {
        // Before any input there is no time and no socket: nothing to log.
        // With the streams adapter offsets are stream ids: an event that
        // did not go through the stream (the bus down, or `local`) has none.
        let log = self.streams().is_none();
        let (Some(config), Some(now), true) = (self.config.recovery.clone(), self.now, log) else {
            return self.encode(&event_packet(nsp, event, args, None));
        };
        let offset = self.next_offset;
        self.next_offset += 1;
        let tagged = Args {
            json: Bytes::from(with_offset(&args.json, &offset.to_string())),
            attachments: args.attachments.clone(),
        };
        let frames = self.encode(&event_packet(nsp, event, &tagged, None));
        let size = frames.iter().map(frame_len).sum::<usize>() + 64;
        let cutoff = now.checked_sub(config.max_disconnection_duration);
        if let Some(ns) = self.namespaces.get_mut(nsp) {
            if let Some(cutoff) = cutoff {
                ns.log.expire(cutoff);
            }
            ns.log.push(
                LogEntry {
                    offset,
                    rooms,
                    except,
                    frames: frames.clone(),
                    size,
                    at: now,
                },
                &config,
            );
        }
        frames
    }

    /// Keeps a departing socket's session for recovery; false when
    /// recovery is off.
    pub(crate) fn persist(
        &mut self,
        socket: SocketId,
        pid: Sid,
        nsp: &str,
        rooms: Vec<String>,
        data: Option<Bytes>,
    ) -> bool {
        let (Some(config), Some(now)) = (&self.config.recovery, self.now) else {
            return false;
        };
        let at = now + config.max_disconnection_duration;
        self.store.persist(
            pid,
            StoredSession {
                socket,
                nsp: nsp.to_owned(),
                rooms,
                disconnected_at: now,
                data,
            },
        );
        self.timers.push(Reverse((at, Timer::Recovery)));
        true
    }

    /// Drops sessions and log entries older than the window.
    pub(crate) fn expire_recovery(&mut self, now: Instant) {
        let Some(config) = &self.config.recovery else {
            return;
        };
        let Some(cutoff) = now.checked_sub(config.max_disconnection_duration) else {
            return;
        };
        for socket in self.store.expire(cutoff) {
            self.events
                .push_back(SocketEvent::SessionExpired { socket });
        }
        for ns in self.namespaces.values_mut() {
            ns.log.expire(cutoff);
        }
    }

    /// Replaces the in-memory recovery store (e.g. with a shared one).
    pub fn set_recovery_store(&mut self, store: Box<dyn super::RecoveryStore>) {
        self.store = store;
    }

    /// Sessions kept for recovery.
    pub fn stored_sessions(&self) -> usize {
        self.store.len()
    }

    /// Events kept in `nsp`'s recovery log.
    pub fn logged_events(&self, nsp: &str) -> usize {
        self.namespaces.get(nsp).map_or(0, |n| n.log.len())
    }

    /// Bytes of events kept in `nsp`'s recovery log (approximate).
    pub fn logged_bytes(&self, nsp: &str) -> usize {
        self.namespaces.get(nsp).map_or(0, |n| n.log.bytes())
    }
}

fn frame_len(f: &WsFrame) -> usize {
    match f {
        WsFrame::Text(b) | WsFrame::Binary(b) => b.len(),
    }
}
