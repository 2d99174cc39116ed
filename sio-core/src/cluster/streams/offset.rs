//! Stream entry ids, which are the recovery offsets clients hold.

use std::fmt;

/// A stream entry id `<ms>-<seq>`, ordered as Redis orders them (ms, then
/// seq).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StreamId {
    /// Milliseconds part.
    pub ms: u64,
    /// Sequence part.
    pub seq: u64,
}

impl StreamId {
    /// Parses `<digits>-<digits>` (each part fitting 64 bits); anything
    /// else is `None`.
    pub fn parse(text: &[u8]) -> Option<StreamId> {
        if !is_offset(text) {
            return None;
        }
        let text = std::str::from_utf8(text).ok()?;
        let (ms, seq) = text.split_once('-')?;
        Some(StreamId {
            ms: ms.parse().ok()?,
            seq: seq.parse().ok()?,
        })
    }

    /// The smallest id after this one (`5-3` → `5-4`; after the last
    /// sequence number of a millisecond, `6-0`); `None` after the largest
    /// id.
    pub fn next(self) -> Option<StreamId> {
        match self.seq.checked_add(1) {
            Some(seq) => Some(StreamId { ms: self.ms, seq }),
            None => Some(StreamId {
                ms: self.ms.checked_add(1)?,
                seq: 0,
            }),
        }
    }
}

impl fmt::Display for StreamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.ms, self.seq)
    }
}

/// Node's offset check `^[0-9]+-[0-9]+$` (a restore with anything else is
/// refused before Redis is asked).
pub fn is_offset(text: &[u8]) -> bool {
    let digits = |s: &[u8]| !s.is_empty() && s.iter().all(u8::is_ascii_digit);
    match text.iter().position(|b| *b == b'-') {
        Some(dash) => digits(&text[..dash]) && digits(&text[dash + 1..]),
        None => false,
    }
}

/// The first id after `offset`, for an `XRANGE` that starts after it
/// (exclusive ranges need Redis 6.2): `next_offset(b"5-3")` is `"5-4"`.
/// `None` when `offset` is not an id.
pub fn next_offset(offset: &[u8]) -> Option<String> {
    StreamId::parse(offset)?.next().map(|id| id.to_string())
}
