//! A fast, non-cryptographic hasher (the Fx hash of rustc) for maps keyed
//! by ids the server makes itself: session and socket ids (random), ack and
//! connection ids (counters). Peers cannot choose these keys, so there is
//! no flooding risk; maps keyed by names (rooms, namespaces) keep the
//! standard SipHash.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, BuildHasherDefault, Hash, Hasher};

/// The Fx hasher: a multiply and a rotate per word.
#[derive(Debug, Default, Clone, Copy)]
pub struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            // chunks_exact yields exactly 8 bytes.
            self.add(u64::from_le_bytes(c.try_into().expect("8 bytes")));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut buf = [0u8; 8];
            buf[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(buf));
        }
    }

    #[inline]
    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

/// A `HashMap` with [`FxHasher`].
pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// A `HashSet` with [`FxHasher`].
pub type FastSet<K> = HashSet<K, BuildHasherDefault<FxHasher>>;

/// Gives memory back when a table is mostly empty (after a wave of
/// sessions ended), so the server returns close to its baseline; the
/// threshold (a quarter full) keeps this rare.
pub trait ShrinkIfSparse {
    /// Shrinks to twice the length when capacity exceeds four times it.
    fn shrink_if_sparse(&mut self);
}

impl<K: Eq + Hash, V, S: BuildHasher> ShrinkIfSparse for HashMap<K, V, S> {
    fn shrink_if_sparse(&mut self) {
        if self.capacity() > 64 && self.capacity() > 4 * self.len() {
            self.shrink_to(self.len() * 2);
        }
    }
}

impl<K: Eq + Hash, S: BuildHasher> ShrinkIfSparse for HashSet<K, S> {
    fn shrink_if_sparse(&mut self) {
        if self.capacity() > 64 && self.capacity() > 4 * self.len() {
            self.shrink_to(self.len() * 2);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sid::IdGenerator;

    #[test]
    fn maps_work_with_sids() {
        let mut ids = IdGenerator::new([3; 32]);
        let mut map: FastMap<crate::Sid, usize> = FastMap::default();
        let sids: Vec<_> = (0..1000).map(|_| ids.sid()).collect();
        for (i, s) in sids.iter().enumerate() {
            map.insert(*s, i);
        }
        assert_eq!(map.len(), 1000);
        assert!(sids.iter().enumerate().all(|(i, s)| map[s] == i));
    }
}
