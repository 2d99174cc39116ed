//! Timers: server pings, pong deadlines and upgrade timeouts.
//!
//! Timers sit in a min-heap and are checked lazily: an entry whose session
//! has since moved its deadline is skipped when it comes due.

use super::event::CloseReason;
use super::packet::WsFrame;
use super::server::{Engine, TimerKind};
use bytes::Bytes;
use std::cmp::Reverse;
use std::time::Instant;

impl Engine {
    /// When the engine next needs [`Engine::handle_timeout`], if ever.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.timers.peek().map(|Reverse((at, _, _))| *at)
    }

    /// Runs every timer due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        let now = self.tick(now);
        while let Some(Reverse((at, kind, sid))) = self.timers.peek().copied() {
            if at > now {
                break;
            }
            self.timers.pop();
            match kind {
                TimerKind::Heartbeat => self.heartbeat_due(now, at, sid),
                TimerKind::Upgrade => self.upgrade_timeout(now, sid),
            }
        }
        if self.timers.capacity() > 64 && self.timers.capacity() > 4 * self.timers.len() {
            self.timers.shrink_to(self.timers.len() * 2);
        }
    }

    fn heartbeat_due(&mut self, now: Instant, at: Instant, sid: crate::sid::Sid) {
        let Some(session) = self.sessions.get_mut(&sid) else {
            return;
        };
        if session.heartbeat.deadline != at {
            return; // stale entry: the deadline moved since
        }
        if session.heartbeat.awaiting_pong {
            return self.close_session(sid, CloseReason::PingTimeout);
        }
        let deadline = now + self.config.ping_timeout;
        session.heartbeat.awaiting_pong = true;
        session.heartbeat.deadline = deadline;
        self.timers
            .push(Reverse((deadline, TimerKind::Heartbeat, sid)));
        self.send_frame_unchecked(sid, WsFrame::Text(Bytes::from_static(b"2")));
    }
}
