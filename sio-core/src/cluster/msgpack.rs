//! msgpack as notepack.io 3.0.1 writes and reads it: a writer that picks
//! the same (smallest) forms, and a bounded reader for the whole msgpack
//! family that never panics and never allocates more than the input
//! could fill.

use bytes::Bytes;

use super::MAX_DEPTH;
use super::date::iso_string;
use super::error::ClusterDecodeError;
use super::value::{MAX_SAFE, Num, Val, integral};

// Writing into a `Vec` cannot fail: the results of the `rmp` writers below
// are ignored for that reason.

/// Appends a string (fixstr / str8 / str16 / str32).
pub(crate) fn put_str(out: &mut Vec<u8>, s: &str) {
    let _ = rmp::encode::write_str(out, s);
}

/// Appends a map header.
pub(crate) fn put_map(out: &mut Vec<u8>, len: usize) {
    let _ = rmp::encode::write_map_len(out, len as u32);
}

/// Appends an array header.
pub(crate) fn put_array(out: &mut Vec<u8>, len: usize) {
    let _ = rmp::encode::write_array_len(out, len as u32);
}

/// Appends a non-negative integer in its smallest form.
pub(crate) fn put_uint(out: &mut Vec<u8>, n: u64) {
    let _ = rmp::encode::write_uint(out, n);
}

/// Appends an array of strings.
pub(crate) fn put_strs(out: &mut Vec<u8>, items: &[String]) {
    put_array(out, items.len());
    for s in items {
        put_str(out, s);
    }
}

/// Which JavaScript msgpack writer to match byte for byte. They differ
/// only in how they write a number that is an integer beyond 2^53 − 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavour {
    /// notepack.io 3.0.1 (the classic Redis adapter): every integral
    /// number that fits 64 bits as an int.
    Notepack,
    /// @msgpack/msgpack 2.8.0 (the Redis Streams adapter): only safe
    /// integers (|n| ≤ 2^53 − 1) as ints, other numbers as float64 (a
    /// JavaScript number holds no larger integer exactly).
    MsgpackJs,
}

/// Appends `v` as notepack.io writes it; placeholder objects become bin
/// values of `attachments` (`nil` when their index is out of range: the
/// caller's arguments were inconsistent).
pub(crate) fn write_value(v: &Val, out: &mut Vec<u8>, attachments: &[Bytes]) {
    write_value_as(v, out, attachments, Flavour::Notepack);
}

/// [`write_value`] for the writer `flavour`.
///
/// With [`Flavour::MsgpackJs`] an integer beyond ±(2^53 − 1) is written
/// as the float64 nearest to it, as a JavaScript node holding the same
/// value (a double) writes it: every Node peer reads the same number
/// either way, and a Node message relayed by us stays byte-identical.
pub(crate) fn write_value_as(v: &Val, out: &mut Vec<u8>, attachments: &[Bytes], flavour: Flavour) {
    match v {
        Val::Nil => out.push(0xc0),
        Val::Bool(b) => out.push(if *b { 0xc3 } else { 0xc2 }),
        Val::Int(n) if flavour == Flavour::MsgpackJs && (*n as f64) < -MAX_SAFE => {
            let _ = rmp::encode::write_f64(out, *n as f64);
        }
        Val::UInt(n) if flavour == Flavour::MsgpackJs && (*n as f64) > MAX_SAFE => {
            let _ = rmp::encode::write_f64(out, *n as f64);
        }
        Val::Int(n) => {
            let _ = rmp::encode::write_sint(out, *n);
        }
        Val::UInt(n) => put_uint(out, *n),
        Val::F64(f) => match integral(*f) {
            Some(_) if flavour == Flavour::MsgpackJs && f.abs() > MAX_SAFE => {
                let _ = rmp::encode::write_f64(out, *f);
            }
            Some(Num::U(n)) => put_uint(out, n),
            Some(Num::I(n)) => {
                let _ = rmp::encode::write_sint(out, n);
            }
            None => {
                let _ = rmp::encode::write_f64(out, *f);
            }
        },
        Val::Str(s) => put_str(out, s),
        Val::Bin(b) => {
            let _ = rmp::encode::write_bin(out, b);
        }
        Val::Arr(items) => {
            put_array(out, items.len());
            for item in items {
                write_value_as(item, out, attachments, flavour);
            }
        }
        Val::Map(entries) => {
            if let Some(n) = v.placeholder() {
                match attachments.get(n) {
                    Some(b) => {
                        let _ = rmp::encode::write_bin(out, b);
                    }
                    None => out.push(0xc0),
                }
                return;
            }
            put_map(out, entries.len());
            for (k, item) in entries {
                put_str(out, k);
                write_value_as(item, out, attachments, flavour);
            }
        }
    }
}

/// Decodes one msgpack value that fills `bytes` exactly.
pub(crate) fn decode(bytes: &[u8]) -> Result<Val, ClusterDecodeError> {
    let mut r = Reader { buf: bytes, pos: 0 };
    let v = r.value(MAX_DEPTH)?;
    match bytes.len() - r.pos {
        0 => Ok(v),
        n => Err(ClusterDecodeError::TrailingBytes(n)),
    }
}

/// A cursor over one msgpack message; its byte-level reads are shared with
/// the msgpack parser's shortcut (`socket/msgpack_fast.rs`).
pub(crate) struct Reader<'a> {
    pub(crate) buf: &'a [u8],
    pub(crate) pos: usize,
}

/// Elements allocated up front at most; the rest grow as they are read.
const PREALLOC: usize = 1024;

impl<'a> Reader<'a> {
    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], ClusterDecodeError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|e| *e <= self.buf.len())
            .ok_or(ClusterDecodeError::Truncated)?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N], ClusterDecodeError> {
        let s = self.take(N)?;
        let mut a = [0; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    pub(crate) fn u8(&mut self) -> Result<u8, ClusterDecodeError> {
        Ok(self.array::<1>()?[0])
    }
    pub(crate) fn u16(&mut self) -> Result<usize, ClusterDecodeError> {
        Ok(u16::from_be_bytes(self.array()?) as usize)
    }
    pub(crate) fn u32(&mut self) -> Result<usize, ClusterDecodeError> {
        Ok(u32::from_be_bytes(self.array()?) as usize)
    }

    pub(crate) fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    fn str(&mut self, len: usize) -> Result<String, ClusterDecodeError> {
        let s = self.take(len)?;
        std::str::from_utf8(s)
            .map(str::to_owned)
            .map_err(|_| ClusterDecodeError::InvalidUtf8)
    }

    fn items(&mut self, len: usize, depth: usize) -> Result<Val, ClusterDecodeError> {
        // Every element takes at least one byte.
        if len > self.remaining() {
            return Err(ClusterDecodeError::Truncated);
        }
        let mut items = Vec::with_capacity(len.min(PREALLOC));
        for _ in 0..len {
            items.push(self.value(depth - 1)?);
        }
        Ok(Val::Arr(items))
    }

    fn entries(&mut self, len: usize, depth: usize) -> Result<Val, ClusterDecodeError> {
        if len > self.remaining() / 2 {
            return Err(ClusterDecodeError::Truncated);
        }
        let mut entries = Vec::with_capacity(len.min(PREALLOC));
        for _ in 0..len {
            let key = self.value(depth - 1)?;
            let value = self.value(depth - 1)?;
            // Keys as JS turns them into property names: numbers as their
            // text; other kinds are left out.
            let key = match key {
                Val::Str(s) => s,
                Val::UInt(n) => n.to_string(),
                Val::Int(n) => n.to_string(),
                Val::F64(f) if f.is_finite() => {
                    let mut t = Vec::new();
                    super::value::json_f64(&mut t, f);
                    String::from_utf8_lossy(&t).into_owned()
                }
                _ => continue,
            };
            entries.push((key, value));
        }
        Ok(Val::Map(entries))
    }

    fn ext(&mut self, marker: u8, len: usize) -> Result<Val, ClusterDecodeError> {
        let kind = self.u8()? as i8;
        let data = self.take(len)?;
        Ok(match kind {
            // notepack 2.x wrote `undefined` as fixext1 type 0, data 0.
            0 if marker == 0xd4 && data == [0] => Val::Nil,
            // Old writers: ArrayBuffer.
            0 => Val::Bin(Bytes::copy_from_slice(data)),
            -1 => timestamp(data).map_or(Val::Nil, Val::Str),
            _ => Val::Nil,
        })
    }

    fn value(&mut self, depth: usize) -> Result<Val, ClusterDecodeError> {
        if depth == 0 {
            return Err(ClusterDecodeError::TooDeep);
        }
        let m = self.u8()?;
        Ok(match m {
            0x00..=0x7f => Val::UInt(u64::from(m)),
            0x80..=0x8f => self.entries(usize::from(m & 0x0f), depth)?,
            0x90..=0x9f => self.items(usize::from(m & 0x0f), depth)?,
            0xa0..=0xbf => Val::Str(self.str(usize::from(m & 0x1f))?),
            0xc0 => Val::Nil,
            0xc1 => return Err(ClusterDecodeError::InvalidMarker(m)),
            0xc2 => Val::Bool(false),
            0xc3 => Val::Bool(true),
            0xc4..=0xc6 => {
                let len = match m {
                    0xc4 => usize::from(self.u8()?),
                    0xc5 => self.u16()?,
                    _ => self.u32()?,
                };
                Val::Bin(Bytes::copy_from_slice(self.take(len)?))
            }
            0xc7..=0xc9 => {
                let len = match m {
                    0xc7 => usize::from(self.u8()?),
                    0xc8 => self.u16()?,
                    _ => self.u32()?,
                };
                self.ext(m, len)?
            }
            0xca => Val::F64(f64::from(f32::from_be_bytes(self.array()?))),
            0xcb => Val::F64(f64::from_be_bytes(self.array()?)),
            0xcc => Val::UInt(u64::from(self.u8()?)),
            0xcd => Val::UInt(self.u16()? as u64),
            0xce => Val::UInt(self.u32()? as u64),
            0xcf => Val::UInt(u64::from_be_bytes(self.array()?)),
            0xd0 => Val::Int(i64::from(self.u8()? as i8)),
            0xd1 => Val::Int(i64::from(i16::from_be_bytes(self.array()?))),
            0xd2 => Val::Int(i64::from(i32::from_be_bytes(self.array()?))),
            0xd3 => Val::Int(i64::from_be_bytes(self.array()?)),
            0xd4..=0xd8 => self.ext(m, 1 << (m - 0xd4))?,
            0xd9 => {
                let len = usize::from(self.u8()?);
                Val::Str(self.str(len)?)
            }
            0xda => {
                let len = self.u16()?;
                Val::Str(self.str(len)?)
            }
            0xdb => {
                let len = self.u32()?;
                Val::Str(self.str(len)?)
            }
            0xdc => {
                let len = self.u16()?;
                self.items(len, depth)?
            }
            0xdd => {
                let len = self.u32()?;
                self.items(len, depth)?
            }
            0xde => {
                let len = self.u16()?;
                self.entries(len, depth)?
            }
            0xdf => {
                let len = self.u32()?;
                self.entries(len, depth)?
            }
            0xe0..=0xff => Val::Int(i64::from(m as i8)),
        })
    }
}

/// A msgpack timestamp (ext −1, 32/64/96-bit) as Node re-serialises the
/// `Date` it decodes to: an ISO string; `None` for other lengths or dates
/// out of a JS `Date`'s range.
fn timestamp(data: &[u8]) -> Option<String> {
    let (sec, nsec): (i64, u32) = match data.len() {
        4 => (i64::from(u32::from_be_bytes(data.try_into().ok()?)), 0),
        8 => {
            let x = u64::from_be_bytes(data.try_into().ok()?);
            ((x & 0x3_ffff_ffff) as i64, (x >> 34) as u32)
        }
        12 => (
            i64::from_be_bytes(data[4..].try_into().ok()?),
            u32::from_be_bytes(data[..4].try_into().ok()?),
        ),
        _ => return None,
    };
    let ns = i128::from(sec) * 1_000_000_000 + i128::from(nsec);
    // `new Date(ms)` drops the fraction toward zero.
    let ms = i64::try_from(ns / 1_000_000).ok()?;
    iso_string(ms)
}
