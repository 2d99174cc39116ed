//! What the admin instrument keeps: its options, the login sessions it
//! handed out, and the events aggregated between two stats.

use super::{AdminConfig, AdminMode, MAX_AGGREGATES, MAX_SESSIONS};
use std::collections::VecDeque;
use std::time::Instant;

/// One aggregated count: `(second in ms, type, sub-type, count)`.
type Aggregate = (u64, &'static str, Option<&'static str>, u64);

/// The instrument's state, kept by the server while it is on.
#[derive(Debug)]
pub(crate) struct AdminState {
    pub config: AdminConfig,
    /// The `config` event's payload, built once.
    pub features_json: String,
    /// Login sessions handed out, oldest first (at most [`MAX_SESSIONS`]).
    sessions: VecDeque<String>,
    /// Counts since the last stats.
    aggregates: Vec<Aggregate>,
    /// The time the wall clock of [`AdminConfig::started_unix_ms`] maps
    /// to; `None` until the server first sees the time.
    pub start: Option<Instant>,
}

impl AdminState {
    pub fn new(config: AdminConfig) -> AdminState {
        let mut features: Vec<&str> = if config.readonly {
            Vec::new()
        } else {
            vec![
                "EMIT",
                "JOIN",
                "LEAVE",
                "DISCONNECT",
                "MJOIN",
                "MLEAVE",
                "MDISCONNECT",
            ]
        };
        features.push("AGGREGATED_EVENTS");
        if config.mode == AdminMode::Development {
            features.push("ALL_EVENTS");
        }
        let features_json = serde_json::json!([{ "supportedFeatures": features }]).to_string();
        AdminState {
            config,
            features_json,
            sessions: VecDeque::new(),
            aggregates: Vec::new(),
            start: None,
        }
    }

    /// Development mode: lists and live updates.
    pub fn verbose(&self) -> bool {
        self.config.mode == AdminMode::Development
    }

    /// The wall clock at `now`, in ms since the Unix epoch.
    pub fn wall_ms(&self, now: Instant) -> u64 {
        let since = self
            .start
            .map_or(0, |s| now.saturating_duration_since(s).as_millis());
        self.config
            .started_unix_ms
            .saturating_add(u64::try_from(since).unwrap_or(u64::MAX))
    }

    /// Remembers a new login session (forgetting the oldest past the bound).
    pub fn add_session(&mut self, id: String) {
        if self.sessions.len() == MAX_SESSIONS {
            self.sessions.pop_front();
        }
        self.sessions.push_back(id);
    }

    /// Whether `id` is a session handed out (and not yet forgotten).
    pub fn has_session(&self, id: &str) -> bool {
        !id.is_empty() && self.sessions.iter().any(|s| s == id)
    }

    /// Adds `count` to the aggregate of `kind`/`sub` in the second of `ms`.
    pub fn count(&mut self, ms: u64, kind: &'static str, sub: Option<&'static str>, count: u64) {
        let second = ms - ms % 1000;
        let full = self.aggregates.len() >= MAX_AGGREGATES;
        let found = self
            .aggregates
            .iter_mut()
            .find(|(t, k, s, _)| *t == second && *k == kind && *s == sub);
        match found {
            Some(a) => a.3 += count,
            None if !full => self.aggregates.push((second, kind, sub, count)),
            None => {} // bounded: dropped until the next stats
        }
    }

    /// Forgets the aggregates (nobody heard them).
    pub fn clear_aggregates(&mut self) {
        self.aggregates.clear();
    }

    /// The aggregates as Node's `aggregatedEvents`, and cleared.
    pub fn take_aggregates(&mut self) -> Vec<serde_json::Value> {
        self.aggregates
            .drain(..)
            .map(|(timestamp, kind, sub, count)| match sub {
                Some(sub) => serde_json::json!({
                    "timestamp": timestamp, "type": kind, "subType": sub, "count": count
                }),
                None => serde_json::json!({ "timestamp": timestamp, "type": kind, "count": count }),
            })
            .collect()
    }
}
