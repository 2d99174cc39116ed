//! Sessions kept in the bus while they live (streams adapter, recovery
//! on), so that a member's crash loses nothing a restore needs: a socket's
//! session (`sid`, `pid`, rooms, data, in Node's format) is written when it
//! connects and whenever its rooms or data change, at most once per drain
//! of the outputs however many changes it had (one pipelined `SET` per
//! changed socket), and rewritten every quarter of the recovery window so
//! that it outlives a crash by at least the window: a live session's key
//! lives `window + window / 4`. On a disconnection it is written once more
//! with the window as its life (a recoverable reason, as Node persists it)
//! or deleted (the others: that client gets a fresh session, as with
//! Node).

use super::wire::{SessionRecord, encode_session};
use crate::bus::BusCommand;
use crate::sid::Sid;
use crate::socket::event::SocketId;
use crate::socket::server::{SioServer, Timer};
use bytes::Bytes;
use std::cmp::Reverse;
use std::time::Duration;

/// The shortest interval between two rewrites of the live sessions.
const MIN_REFRESH: Duration = Duration::from_secs(1);

impl SioServer {
    /// The recovery window, when sessions are kept in the bus.
    pub(crate) fn bus_window(&self) -> Option<Duration> {
        self.streams()?;
        Some(self.config.recovery.as_ref()?.max_disconnection_duration)
    }

    /// Notes that `socket`'s session changed (connect, rooms, data).
    pub(crate) fn session_changed(&mut self, socket: SocketId) {
        if self.bus_window().is_none() {
            return;
        }
        if let Some(st) = self.streams_mut() {
            if st.dirty_set.insert(socket) {
                st.dirty.push(socket);
            }
        }
    }

    /// True when sessions wait to be written.
    pub(crate) fn sessions_dirty(&self) -> bool {
        self.streams().is_some_and(|st| !st.dirty.is_empty())
    }

    /// Writes the changed sessions (one `SET` each), and arms the refresh.
    pub(crate) fn flush_sessions(&mut self) {
        let Some(window) = self.bus_window() else {
            return;
        };
        let refresh = (window / 4).max(MIN_REFRESH);
        let Some(st) = self.streams_mut() else {
            return;
        };
        let dirty = std::mem::take(&mut st.dirty);
        st.dirty_set.clear();
        let mut commands = Vec::with_capacity(dirty.len());
        for socket in dirty {
            if let Some((pid, value)) = self.session_value(socket) {
                commands.push((pid, value));
            }
        }
        let now = self.now;
        let Some(member) = self.member.as_deref_mut() else {
            return;
        };
        let Some(st) = member.streams.as_deref_mut() else {
            return;
        };
        for (pid, value) in commands {
            let command = st.write_session(pid.as_str(), value, window + refresh);
            member.out.push_back(command);
        }
        if !st.refresh_armed {
            if let Some(now) = now {
                st.refresh_armed = true;
                self.timers
                    .push(Reverse((now + refresh, Timer::SessionRefresh)));
            }
        }
    }

    /// Rewrites every live session (their keys would expire otherwise).
    pub(crate) fn refresh_sessions(&mut self) {
        let live: Vec<SocketId> = self
            .sockets
            .iter()
            .filter(|(_, s)| s.pid.is_some())
            .map(|(id, _)| *id)
            .collect();
        if let Some(st) = self.streams_mut() {
            st.refresh_armed = false;
        }
        for socket in live {
            self.session_changed(socket);
        }
    }

    /// A departing socket's session: kept for the window when the reason
    /// is recoverable, deleted otherwise. `None` when sessions are not
    /// kept in the bus; else whether it was kept.
    pub(crate) fn bus_session_end(&mut self, socket: SocketId, recoverable: bool) -> Option<bool> {
        let window = self.bus_window()?;
        let pid = self.sockets.get(&socket)?.pid?;
        // Encoded only when it is kept.
        let value = if recoverable {
            Some(self.session_value(socket)?.1)
        } else {
            None
        };
        let member = self.member.as_deref_mut()?;
        let st = member.streams.as_deref_mut()?;
        st.floors.remove(&socket);
        member.out.push_back(match value {
            Some(value) => st.write_session(pid.as_str(), value, window),
            None => BusCommand::DeleteKey {
                key: st.session_key(pid.as_str()),
            },
        });
        Some(recoverable)
    }

    /// A connected socket's pid and encoded session.
    fn session_value(&self, socket: SocketId) -> Option<(Sid, Bytes)> {
        let state = self.sockets.get(&socket)?;
        let pid = state.pid?;
        let record = SessionRecord {
            sid: socket.as_str().to_owned(),
            pid: pid.as_str().to_owned(),
            rooms: state.rooms.clone(),
            data: state.data_json(),
        };
        Some((pid, encode_session(&record)))
    }
}
