//! HTTP compression of polling responses, as Node's engine.io does
//! (`httpCompression`): a response body of at least `threshold` bytes is
//! compressed with gzip or deflate, whichever the request's
//! `Accept-Encoding` prefers (chosen as the `accepts` / `negotiator` npm
//! packages do), and marked with `Content-Encoding`.
//!
//! Bounded: the bodies are polling payloads, which the engine bounds
//! already (`max_queued_bytes`); the compressed copy is at most a few bytes
//! larger, and a body that does not shrink is still sent compressed (as
//! Node does). A compression failure (it cannot happen on memory buffers)
//! sends the body as it is.

use crate::http::HttpResponse;
use bytes::Bytes;
use flate2::{Compress, Compression, Crc, FlushCompress, Status};
use std::cell::RefCell;

/// Compression of polling responses (`EngineConfig::http_compression`,
/// on by default as in Node).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpCompression {
    /// Bodies shorter than this many bytes are sent as they are (default
    /// 1024, Node's).
    pub threshold: usize,
    /// Compression level, 0 (none) to 9 (smallest); default 1. Node uses
    /// zlib's default, 6, but with miniz_oxide level 6 costs 2 to 8 times
    /// the CPU of level 1 on messages of 4 to 16 KB for 5 to 9 points of
    /// ratio (BENCHMARKS.md, "Compression").
    pub level: u32,
}

impl Default for HttpCompression {
    fn default() -> Self {
        HttpCompression {
            threshold: 1024,
            level: 1,
        }
    }
}

/// A `Content-Encoding` the engine can produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentEncoding {
    /// `gzip` (RFC 1952).
    Gzip,
    /// `deflate`: the zlib format (RFC 1950), as HTTP means it.
    Deflate,
}

impl ContentEncoding {
    /// The encodings offered, in the order of preference on ties (Node's
    /// `["gzip", "deflate"]`).
    const OFFERED: [ContentEncoding; 2] = [ContentEncoding::Gzip, ContentEncoding::Deflate];

    /// The header value.
    pub fn name(self) -> &'static str {
        match self {
            ContentEncoding::Gzip => "gzip",
            ContentEncoding::Deflate => "deflate",
        }
    }

    /// The encoding an `Accept-Encoding` header value asks for, if any:
    /// the highest `q` wins, then an exact name over `*`, then the earlier
    /// entry in the header, then gzip. `q=0` refuses; no header (or only
    /// `identity`) means no compression.
    pub fn choose(accept_encoding: &str) -> Option<ContentEncoding> {
        let specs = || {
            accept_encoding
                .split(',')
                .enumerate()
                .filter_map(|(i, part)| Spec::parse(part.trim(), i))
        };
        let mut best: Option<(Priority, ContentEncoding)> = None;
        for (index, enc) in Self::OFFERED.into_iter().enumerate() {
            let p = priority(enc.name(), specs(), index);
            if p.q.is_nan() || p.q <= 0.0 {
                continue; // refused (q=0, or NaN as JS's parseFloat gives)
            }
            if best.as_ref().is_none_or(|(b, _)| p.before(b)) {
                best = Some((p, enc));
            }
        }
        best.map(|(_, enc)| enc)
    }

    /// `body` compressed, or `None` if the encoder failed.
    pub fn encode(self, body: &[u8], level: u32) -> Option<Vec<u8>> {
        match self {
            ContentEncoding::Gzip => {
                let mut out = Vec::with_capacity(body.len() / 3 + 64);
                out.extend_from_slice(&GZIP_HEADER);
                deflate(body, level, false, FlushCompress::Finish, &mut out)?;
                let mut crc = Crc::new();
                crc.update(body);
                out.extend_from_slice(&crc.sum().to_le_bytes());
                out.extend_from_slice(&(body.len() as u32).to_le_bytes());
                Some(out)
            }
            ContentEncoding::Deflate => {
                let mut out = Vec::with_capacity(body.len() / 3 + 64);
                deflate(body, level, true, FlushCompress::Finish, &mut out)?;
                Some(out)
            }
        }
    }
}

/// A gzip member's header: deflate, no flags, no time, unknown OS.
const GZIP_HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];

/// Compressors kept per thread, by (level, zlib header): making one
/// allocates and clears about 300 KB of tables, which would cost more than
/// compressing a message.
const KEPT: usize = 4;

thread_local! {
    static COMPRESSORS: RefCell<Vec<(u32, bool, Compress)>> = const { RefCell::new(Vec::new()) };
}

/// `data` deflated on its own and flushed, without the empty stored
/// block's `00 00 ff ff` that ends a sync flush: a permessage-deflate
/// message (RFC 7692), for adapters. `None` if the compressor failed.
pub fn deflate_message(data: &[u8], level: u32) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(data.len() / 2 + 64);
    deflate(data, level, false, FlushCompress::Sync, &mut out)?;
    out.strip_suffix(&[0, 0, 0xff, 0xff])?;
    out.truncate(out.len() - 4);
    Some(out)
}

/// Appends `data` deflated (with a zlib header and trailer if `zlib`) to
/// `out`, ending with `flush` (`Finish` or `Sync`), with a compressor of
/// this thread reset for it.
fn deflate(
    data: &[u8],
    level: u32,
    zlib: bool,
    flush: FlushCompress,
    out: &mut Vec<u8>,
) -> Option<()> {
    let level = level.min(9);
    let mut c = COMPRESSORS
        .with(|k| {
            let mut k = k.borrow_mut();
            let i = k.iter().position(|(l, z, _)| *l == level && *z == zlib)?;
            Some(k.swap_remove(i).2)
        })
        .unwrap_or_else(|| Compress::new(Compression::new(level), zlib));
    let done = run(&mut c, data, flush, out);
    c.reset();
    COMPRESSORS.with(|k| {
        let mut k = k.borrow_mut();
        if k.len() < KEPT {
            k.push((level, zlib, c));
        }
    });
    done
}

/// Feeds all of `data` to `c` and flushes, growing `out` as needed.
fn run(c: &mut Compress, mut data: &[u8], flush: FlushCompress, out: &mut Vec<u8>) -> Option<()> {
    loop {
        if out.len() == out.capacity() {
            out.reserve(out.capacity().max(64));
        }
        let (in0, out0) = (c.total_in(), c.total_out());
        let status = c.compress_vec(data, out, flush).ok()?;
        data = &data[(c.total_in() - in0) as usize..];
        let progress = c.total_in() > in0 || c.total_out() > out0;
        let room = out.len() < out.capacity();
        match (status, flush) {
            (Status::StreamEnd, _) => return Some(()),
            (_, FlushCompress::Sync) if data.is_empty() && room => return Some(()),
            _ if !progress && room => return None, // stuck: should not happen
            _ => {}
        }
    }
}

/// Compresses `res`'s body with `encoding` if it has at least `threshold`
/// bytes, and says so in `Content-Encoding`.
pub(crate) fn compress(res: &mut HttpResponse, encoding: ContentEncoding, c: &HttpCompression) {
    if res.body.len() < c.threshold {
        return;
    }
    if let Some(body) = encoding.encode(&res.body, c.level) {
        res.body = Bytes::from(body);
        res.headers
            .push(("content-encoding", encoding.name().into()));
    }
}

/// One entry of an `Accept-Encoding` header.
struct Spec<'a> {
    name: &'a str,
    q: f64,
    /// Its position in the header.
    index: usize,
}

impl<'a> Spec<'a> {
    /// `name[ ;params]`, as negotiator's `^\s*([^\s;]+)\s*(?:;(.*))?$`
    /// reads it; `q` from the first `q=` parameter.
    fn parse(part: &'a str, index: usize) -> Option<Spec<'a>> {
        let end = part
            .find(|c: char| c.is_whitespace() || c == ';')
            .unwrap_or(part.len());
        let (name, rest) = part.split_at(end);
        if name.is_empty() {
            return None;
        }
        let rest = rest.trim_start();
        let mut q = 1.0;
        if !rest.is_empty() {
            let params = rest.strip_prefix(';')?;
            for p in params.split(';') {
                let mut kv = p.trim().split('=');
                if kv.next() == Some("q") {
                    q = parse_float(kv.next().unwrap_or(""));
                    break;
                }
            }
        }
        Some(Spec { name, q, index })
    }
}

/// How well an offered encoding matches the header (negotiator's
/// priority): `q`, specificity (1 exact, 0 `*`), position of the matching
/// entry, and position in the offer.
#[derive(Debug, Clone, Copy)]
struct Priority {
    q: f64,
    s: u8,
    o: i64,
    i: usize,
}

impl Priority {
    /// True when `self` sorts before `other` (negotiator's `compareSpecs`).
    fn before(&self, other: &Priority) -> bool {
        let by = js_or(
            js_or(other.q - self.q, f64::from(other.s) - f64::from(self.s)),
            (self.o - other.o) as f64,
        );
        let by = js_or(by, self.i as f64 - other.i as f64);
        by < 0.0
    }
}

/// JavaScript's `a || b` on numbers: `b` when `a` is 0 or NaN.
fn js_or(a: f64, b: f64) -> f64 {
    if a == 0.0 || a.is_nan() { b } else { a }
}

/// The best entry of `specs` for `name`; `*` matches any name.
fn priority<'a>(name: &str, specs: impl Iterator<Item = Spec<'a>>, index: usize) -> Priority {
    let mut best = Priority {
        q: 0.0,
        s: 0,
        o: -1,
        i: index,
    };
    for spec in specs {
        let s = if spec.name.eq_ignore_ascii_case(name) {
            1
        } else if spec.name == "*" {
            0
        } else {
            continue;
        };
        let cand = Priority {
            q: spec.q,
            s,
            o: spec.index as i64,
            i: index,
        };
        let by = js_or(
            js_or(f64::from(best.s) - f64::from(cand.s), best.q - cand.q),
            (best.o - cand.o) as f64,
        );
        if by < 0.0 {
            best = cand;
        }
    }
    best
}

/// JavaScript's `parseFloat`: the longest leading decimal number, NaN if
/// there is none.
fn parse_float(s: &str) -> f64 {
    let s = s.trim_start();
    let len = s
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '+' | '-' | 'e' | 'E')))
        .unwrap_or(s.len());
    (1..=len)
        .rev()
        .find_map(|n| s[..n].parse::<f64>().ok())
        .unwrap_or(f64::NAN)
}

#[cfg(test)]
mod tests {
    use super::ContentEncoding::{self, Deflate, Gzip};
    use super::*;
    use std::io::Read;

    fn choose(h: &str) -> Option<ContentEncoding> {
        ContentEncoding::choose(h)
    }

    #[test]
    fn chooses_as_negotiator_does() {
        assert_eq!(choose(""), None);
        assert_eq!(choose("identity"), None);
        assert_eq!(choose("br"), None);
        assert_eq!(choose("gzip"), Some(Gzip));
        assert_eq!(choose("deflate"), Some(Deflate));
        assert_eq!(choose("GZip"), Some(Gzip));
        // Ties go to the header's order, then to gzip.
        assert_eq!(choose("gzip, deflate, br"), Some(Gzip));
        assert_eq!(choose("deflate, gzip"), Some(Deflate));
        assert_eq!(choose("*"), Some(Gzip));
        // q-values.
        assert_eq!(choose("gzip;q=0.5, deflate"), Some(Deflate));
        assert_eq!(choose("gzip;q=0.9, deflate;q=0.8"), Some(Gzip));
        assert_eq!(choose("gzip;q=0, deflate;q=0"), None);
        assert_eq!(choose("gzip;q=0"), None);
        // An exact entry beats `*`, even to refuse.
        assert_eq!(choose("gzip;q=0, *"), Some(Deflate));
        assert_eq!(choose("*;q=0"), None);
        assert_eq!(choose("*;q=0.1, deflate;q=0.2"), Some(Deflate));
        assert_eq!(choose("identity, *;q=0"), None);
        // Malformed entries are skipped; a bad q refuses.
        assert_eq!(choose("gzip deflate"), None);
        assert_eq!(choose(" , ;q=1, deflate"), Some(Deflate));
        assert_eq!(choose("gzip;q=x, deflate;q=0.1"), Some(Deflate));
        assert_eq!(choose("gzip;q=0.5x"), Some(Gzip));
    }

    #[test]
    fn compresses_from_the_threshold() {
        let c = HttpCompression::default();
        let small = HttpResponse::new(200, "text/plain", vec![b'a'; 1023]);
        let mut res = small.clone();
        compress(&mut res, Gzip, &c);
        assert_eq!(res, small, "below the threshold: as it is");
        for enc in [Gzip, Deflate] {
            let body = vec![b'a'; 1024];
            let mut res = HttpResponse::new(200, "text/plain", body.clone());
            compress(&mut res, enc, &c);
            assert_eq!(res.header("content-encoding"), Some(enc.name()));
            assert!(res.body.len() < 100);
            let mut back = Vec::new();
            match enc {
                Gzip => flate2::read::GzDecoder::new(&res.body[..]).read_to_end(&mut back),
                Deflate => flate2::read::ZlibDecoder::new(&res.body[..]).read_to_end(&mut back),
            }
            .expect("valid stream");
            assert_eq!(back, body);
        }
    }

    #[test]
    fn parses_floats_as_js() {
        assert_eq!(parse_float("0.5"), 0.5);
        assert_eq!(parse_float(" 1"), 1.0);
        assert_eq!(parse_float("0.5x"), 0.5);
        assert!(parse_float("").is_nan());
        assert!(parse_float("x").is_nan());
    }
}
