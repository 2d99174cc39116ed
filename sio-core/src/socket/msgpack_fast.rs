//! The common msgpack packet decoded without the value tree: an EVENT or
//! ACK whose envelope has each known key once and whose arguments hold
//! only plain values (no extensions, no map keys other than strings, no
//! `_placeholder` key). Arguments are written as JSON while they are read,
//! binary becoming placeholders and attachments, with the same text as the
//! tree path ([`decode_msgpack`](super::msgpack_decoder::decode_msgpack))
//! writes. Anything else answers `None`, and the tree path decides: it
//! holds every rule and every error message, this only the shortcut.

use super::packet::{MAX_ACK_ID, Packet, PacketType, namespace_name};
use crate::cluster::MAX_DEPTH;
use crate::cluster::msgpack::Reader;
use crate::cluster::value::{json_f64, json_str};
use crate::http::push_decimal;
use bytes::Bytes;

/// Decodes `bytes` if it is the common case (see the module's doc).
pub(super) fn decode_fast(bytes: &[u8]) -> Option<Packet> {
    let mut r = Reader { buf: bytes, pos: 0 };
    let fields = match r.byte()? {
        m @ 0x80..=0x8f => m & 0x0f,
        _ => return None,
    };
    let (mut kind, mut nsp, mut id, mut data) = (None, None, None, None);
    for _ in 0..fields {
        let key = r.text()?;
        let slot_taken = match key {
            "type" => kind.replace(r.uint()?).is_some(),
            "nsp" => nsp.replace(r.text()?).is_some(),
            "id" => id.replace(r.uint()?).is_some(),
            "data" => {
                let mut args = Args::default();
                args.array(&mut r)?;
                data.replace(args).is_some()
            }
            // `options` (the official client's) and other keys are not
            // read by the tree path either.
            _ => {
                r.skip(MAX_DEPTH - 1)?;
                false
            }
        };
        if slot_taken {
            return None;
        }
    }
    if r.pos != bytes.len() || id.is_some_and(|n| n > MAX_ACK_ID) {
        return None;
    }
    let data = data?;
    let kind = match (kind?, data.event) {
        (2, true) if data.attachments.is_empty() => PacketType::Event,
        (2, true) => PacketType::BinaryEvent,
        (3, _) if data.attachments.is_empty() => PacketType::Ack,
        (3, _) => PacketType::BinaryAck,
        _ => return None,
    };
    Some(Packet {
        kind,
        nsp: namespace_name(nsp?),
        id,
        data: Some(Bytes::from(data.json)),
        attachments: data.attachments,
    })
}

/// The arguments as they are read: JSON text and attachments.
#[derive(Default)]
struct Args {
    json: Vec<u8>,
    attachments: Vec<Bytes>,
    /// The first argument is a string (an EVENT's name).
    event: bool,
}

impl Args {
    /// Reads the `data` array.
    fn array(&mut self, r: &mut Reader<'_>) -> Option<()> {
        let len = r.array_len()?;
        self.event = len > 0 && matches!(r.peek()?, 0xa0..=0xbf | 0xd9..=0xdb);
        // The envelope and `data` count as two levels, as in the tree.
        self.items(r, len, MAX_DEPTH - 1)
    }

    fn items(&mut self, r: &mut Reader<'_>, len: usize, depth: usize) -> Option<()> {
        if len > r.remaining() {
            return None;
        }
        self.json.push(b'[');
        for i in 0..len {
            if i > 0 {
                self.json.push(b',');
            }
            self.value(r, depth - 1)?;
        }
        self.json.push(b']');
        Some(())
    }

    fn entries(&mut self, r: &mut Reader<'_>, len: usize, depth: usize) -> Option<()> {
        if len > r.remaining() / 2 {
            return None;
        }
        self.json.push(b'{');
        for i in 0..len {
            if i > 0 {
                self.json.push(b',');
            }
            let key = r.text()?;
            if key == "_placeholder" {
                return None;
            }
            json_str(&mut self.json, key);
            self.json.push(b':');
            self.value(r, depth - 1)?;
        }
        self.json.push(b'}');
        Some(())
    }

    fn value(&mut self, r: &mut Reader<'_>, depth: usize) -> Option<()> {
        if depth == 0 {
            return None;
        }
        let out = &mut self.json;
        match r.peek()? {
            0x00..=0x7f | 0xcc..=0xcf => push_decimal(out, r.uint()?),
            0xe0..=0xff | 0xd0..=0xd3 => out.extend_from_slice(r.int()?.to_string().as_bytes()),
            0xc0 => {
                r.pos += 1;
                out.extend_from_slice(b"null");
            }
            0xc2 | 0xc3 => {
                let t = r.byte()? == 0xc3;
                out.extend_from_slice(if t { b"true" } else { b"false" });
            }
            0xca => {
                r.pos += 1;
                json_f64(out, f64::from(f32::from_be_bytes(r.array().ok()?)));
            }
            0xcb => {
                r.pos += 1;
                json_f64(out, f64::from_be_bytes(r.array().ok()?));
            }
            0xa0..=0xbf | 0xd9..=0xdb => json_str(out, r.text()?),
            0xc4..=0xc6 => {
                let bin = r.bin()?;
                out.extend_from_slice(br#"{"_placeholder":true,"num":"#);
                push_decimal(out, self.attachments.len() as u64);
                out.push(b'}');
                self.attachments.push(Bytes::copy_from_slice(bin));
            }
            0x90..=0x9f | 0xdc | 0xdd => {
                let len = r.array_len()?;
                self.items(r, len, depth)?;
            }
            0x80..=0x8f | 0xde | 0xdf => {
                let len = r.map_len()?;
                self.entries(r, len, depth)?;
            }
            // Extensions, 0xc1: the tree path.
            _ => return None,
        }
        Some(())
    }
}

/// The shortcut's reads, on the cluster codec's cursor: every read fails
/// (`None`) past the end or on a marker it does not take.
impl<'a> Reader<'a> {
    fn peek(&self) -> Option<u8> {
        self.buf.get(self.pos).copied()
    }

    fn byte(&mut self) -> Option<u8> {
        self.u8().ok()
    }

    fn uint(&mut self) -> Option<u64> {
        Some(match self.byte()? {
            m @ 0x00..=0x7f => u64::from(m),
            0xcc => u64::from(self.byte()?),
            0xcd => self.u16().ok()? as u64,
            0xce => self.u32().ok()? as u64,
            0xcf => u64::from_be_bytes(self.array().ok()?),
            _ => return None,
        })
    }

    fn int(&mut self) -> Option<i64> {
        Some(match self.byte()? {
            m @ 0xe0..=0xff => i64::from(m as i8),
            0xd0 => i64::from(self.byte()? as i8),
            0xd1 => i64::from(i16::from_be_bytes(self.array().ok()?)),
            0xd2 => i64::from(i32::from_be_bytes(self.array().ok()?)),
            0xd3 => i64::from_be_bytes(self.array().ok()?),
            _ => return None,
        })
    }

    fn text(&mut self) -> Option<&'a str> {
        let len = match self.byte()? {
            m @ 0xa0..=0xbf => usize::from(m & 0x1f),
            0xd9 => usize::from(self.byte()?),
            0xda => self.u16().ok()?,
            0xdb => self.u32().ok()?,
            _ => return None,
        };
        std::str::from_utf8(self.take(len).ok()?).ok()
    }

    fn bin(&mut self) -> Option<&'a [u8]> {
        let len = match self.byte()? {
            0xc4 => usize::from(self.byte()?),
            0xc5 => self.u16().ok()?,
            0xc6 => self.u32().ok()?,
            _ => return None,
        };
        self.take(len).ok()
    }

    fn array_len(&mut self) -> Option<usize> {
        match self.byte()? {
            m @ 0x90..=0x9f => Some(usize::from(m & 0x0f)),
            0xdc => self.u16().ok(),
            0xdd => self.u32().ok(),
            _ => None,
        }
    }

    fn map_len(&mut self) -> Option<usize> {
        match self.byte()? {
            m @ 0x80..=0x8f => Some(usize::from(m & 0x0f)),
            0xde => self.u16().ok(),
            0xdf => self.u32().ok(),
            _ => None,
        }
    }

    /// Steps over one value (any kind the tree path reads), `depth`
    /// levels at most.
    fn skip(&mut self, depth: usize) -> Option<()> {
        if depth == 0 {
            return None;
        }
        let m = self.peek()?;
        let (len, items) = match m {
            0x80..=0x8f | 0xde | 0xdf => {
                let n = self.map_len()?;
                (0, n.checked_mul(2)?)
            }
            0x90..=0x9f | 0xdc | 0xdd => (0, self.array_len()?),
            0xa0..=0xbf | 0xd9..=0xdb => return self.text().map(drop),
            0xc4..=0xc6 => return self.bin().map(drop),
            0x00..=0x7f | 0xc0 | 0xc2 | 0xc3 | 0xe0..=0xff => (1, 0),
            0xcc | 0xd0 => (2, 0),
            0xcd | 0xd1 => (3, 0),
            0xca | 0xce | 0xd2 => (5, 0),
            0xcb | 0xcf | 0xd3 => (9, 0),
            // Extensions, 0xc1: the tree path.
            _ => return None,
        };
        if items == 0 {
            if len > 0 {
                self.take(len).ok()?;
            }
            return Some(());
        }
        if items > self.remaining() {
            return None;
        }
        for _ in 0..items {
            self.skip(depth - 1)?;
        }
        Some(())
    }
}
