//! Session ids: 128 random bits from a CSPRNG seeded by the adapter,
//! written as 22 characters of URL-safe base64.

use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};
use std::fmt;

const URL_SAFE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Length of a session id in characters.
pub const SID_LEN: usize = 22;

/// Length of Node's ids (`base64id`: 15 random bytes in base64).
const NODE_ID_LEN: usize = 20;

/// The bytes a sid is made of: those of [`URL_SAFE`], as a lookup table.
static SID_CHARS: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < URL_SAFE.len() {
        table[URL_SAFE[i] as usize] = true;
        i += 1;
    }
    table
};

/// An Engine.IO (or Socket.IO) session id: 22 URL-safe characters (ours)
/// or 20 (Node's, met in sessions restored from a cluster).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Sid([u8; SID_LEN]);

impl std::hash::Hash for Sid {
    /// Hashes the first 16 characters as two words: ids are random (96
    /// bits there), and the server hashes a sid several times per message
    /// (sessions, sockets, clients), so this stays inline and short.
    #[inline]
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        let (a, b) = self.0.split_at(8);
        state.write_u64(u64::from_le_bytes(a.try_into().expect("8 bytes")));
        state.write_u64(u64::from_le_bytes(b[..8].try_into().expect("8 bytes")));
    }
}

impl Sid {
    /// Parses a sid as it appears in a query string; `None` if it cannot be
    /// one of ours (so it is unknown without a lookup). Node's ids (its
    /// socket ids and recovery pids, from `base64id`: 20 characters) parse
    /// too, so that a session a Node server kept restores here.
    pub fn parse(s: &str) -> Option<Sid> {
        let b = s.as_bytes();
        let mut bytes = [0u8; SID_LEN];
        match b.len() {
            SID_LEN | NODE_ID_LEN => bytes[..b.len()].copy_from_slice(b),
            _ => return None,
        }
        // A table lookup per byte: every request on a session parses its
        // sid (twice, with the adapter's look for delivery notification).
        b.iter()
            .all(|&c| SID_CHARS[usize::from(c)])
            .then_some(Sid(bytes))
    }

    /// The sid as text.
    pub fn as_str(&self) -> &str {
        // A Node id is padded with zeros, which no id character is.
        let len = if self.0[NODE_ID_LEN] == 0 {
            NODE_ID_LEN
        } else {
            SID_LEN
        };
        // Built only from URL_SAFE characters (ASCII), so always UTF-8.
        std::str::from_utf8(&self.0[..len]).expect("sid is ASCII")
    }
}

impl fmt::Display for Sid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Sid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sid({})", self.as_str())
    }
}

/// A seeded CSPRNG (ChaCha20) for ids; the adapter gives it 32 bytes of OS
/// entropy, tests a fixed seed.
pub struct IdGenerator {
    rng: ChaCha20Rng,
}

impl IdGenerator {
    /// A generator seeded with `seed`.
    pub fn new(seed: [u8; 32]) -> IdGenerator {
        IdGenerator {
            rng: ChaCha20Rng::from_seed(seed),
        }
    }

    /// 32 fresh random bytes, to seed another generator.
    pub fn seed(&mut self) -> [u8; 32] {
        let mut seed = [0u8; 32];
        self.rng.fill_bytes(&mut seed);
        seed
    }

    /// A fresh random sid (128 bits).
    pub fn sid(&mut self) -> Sid {
        let mut raw = [0u8; 16];
        self.rng.fill_bytes(&mut raw);
        let mut out = [0u8; SID_LEN];
        let mut bits: u32 = 0;
        let mut nbits = 0;
        let mut i = 0;
        for byte in raw {
            bits = bits << 8 | u32::from(byte);
            nbits += 8;
            while nbits >= 6 {
                nbits -= 6;
                out[i] = URL_SAFE[(bits >> nbits) as usize & 63];
                i += 1;
            }
        }
        // 128 bits = 21 full characters + 2 bits left over.
        out[i] = URL_SAFE[(bits << (6 - nbits)) as usize & 63];
        Sid(out)
    }
}

impl fmt::Debug for IdGenerator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("IdGenerator")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_accepts_exactly_url_safe_bytes() {
        for b in 0..=255u8 {
            let ok = b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
            let mut s = vec![b'a'; SID_LEN];
            s[SID_LEN / 2] = b;
            let parsed = std::str::from_utf8(&s).ok().and_then(Sid::parse);
            assert_eq!(parsed.is_some(), ok, "byte {b}");
        }
    }

    #[test]
    fn sids_are_distinct_and_parse_back() {
        let mut ids = IdGenerator::new([7; 32]);
        let a = ids.sid();
        let b = ids.sid();
        assert_ne!(a, b);
        assert_eq!(a.as_str().len(), SID_LEN);
        assert_eq!(Sid::parse(a.as_str()), Some(a));
        assert_eq!(Sid::parse("short"), None);
        let node = Sid::parse("Bm9-_ZQSO3DmIyfxAAAB").expect("a Node id");
        assert_eq!(node.as_str(), "Bm9-_ZQSO3DmIyfxAAAB");
        assert_eq!(Sid::parse("Bm9-_ZQSO3DmIyfxAAABx"), None, "21 characters");
        assert_eq!(Sid::parse("!!!!!!!!!!!!!!!!!!!!!!"), None);
    }
}
