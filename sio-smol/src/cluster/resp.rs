//! The little RESP2 the Redis bus speaks: commands out (arrays of bulk
//! strings), replies in (scalars, and flat arrays of up to four scalars:
//! `subscribe`/`psubscribe` confirmations, `message`/`pmessage` pushes,
//! `PUBSUB NUMSUB` answers). Pure functions on byte slices; the parser
//! borrows (byte ranges into the buffer), so reading a message allocates
//! nothing.

use std::ops::Range;

/// Longest bulk string accepted: Redis's own `proto-max-bulk-len` default.
pub(crate) const MAX_BULK: usize = 512 * 1024 * 1024;

/// Longest line (`+OK`, `-ERR ...`, `:42`, `$12`) accepted.
const MAX_LINE: usize = 64 * 1024;

/// Most elements in an array reply the bus understands (`pmessage` has 4).
pub(crate) const MAX_ELEMS: usize = 4;

/// One scalar of a reply, as a range into the parsed buffer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Elem {
    /// `+...`
    Simple(Range<usize>),
    /// `-...`
    Error(Range<usize>),
    /// `:...`
    Int(i64),
    /// `$n` and its bytes.
    Bulk(Range<usize>),
    /// `$-1` or `*-1`.
    Nil,
}

/// One reply: a scalar, or an array of at most [`MAX_ELEMS`] scalars.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Frame {
    /// A reply that is not an array.
    Scalar(Elem),
    /// A flat array; `len` of `elems` are set.
    Array {
        /// The elements (only the first `len` are meaningful).
        elems: [Elem; MAX_ELEMS],
        /// How many elements the array has.
        len: usize,
    },
}

/// The peer sent something this parser does not accept.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct ProtocolError(pub &'static str);

impl std::fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Redis protocol error: {}", self.0)
    }
}

/// Parses one reply at the start of `buf`: `Ok(None)` when it is not all
/// there yet, else the frame and how many bytes it took.
pub(crate) fn parse(buf: &[u8]) -> Result<Option<(Frame, usize)>, ProtocolError> {
    let Some(&first) = buf.first() else {
        return Ok(None);
    };
    if first != b'*' {
        return Ok(parse_elem(buf, 0)?.map(|(e, end)| (Frame::Scalar(e), end)));
    }
    let Some((n, mut at)) = line_int(buf, 1)? else {
        return Ok(None);
    };
    if n < 0 {
        return Ok(Some((Frame::Scalar(Elem::Nil), at)));
    }
    let len = usize::try_from(n).map_err(|_| ProtocolError("array length"))?;
    if len > MAX_ELEMS {
        return Err(ProtocolError("unexpected array reply (too long)"));
    }
    let mut elems = [Elem::Nil, Elem::Nil, Elem::Nil, Elem::Nil];
    for slot in elems.iter_mut().take(len) {
        if buf.get(at) == Some(&b'*') {
            return Err(ProtocolError("unexpected nested array"));
        }
        match parse_elem(buf, at)? {
            None => return Ok(None),
            Some((e, end)) => {
                *slot = e;
                at = end;
            }
        }
    }
    Ok(Some((Frame::Array { elems, len }, at)))
}

/// Parses the scalar starting at `buf[at]`; returns it and where it ends.
fn parse_elem(buf: &[u8], at: usize) -> Result<Option<(Elem, usize)>, ProtocolError> {
    let Some(&kind) = buf.get(at) else {
        return Ok(None);
    };
    match kind {
        b'+' | b'-' => Ok(line(buf, at + 1)?.map(|(r, end)| {
            let e = if kind == b'+' {
                Elem::Simple(r)
            } else {
                Elem::Error(r)
            };
            (e, end)
        })),
        b':' => Ok(line_int(buf, at + 1)?.map(|(n, end)| (Elem::Int(n), end))),
        b'$' => {
            let Some((n, start)) = line_int(buf, at + 1)? else {
                return Ok(None);
            };
            if n < 0 {
                return Ok(Some((Elem::Nil, start)));
            }
            let n = usize::try_from(n).map_err(|_| ProtocolError("bulk length"))?;
            if n > MAX_BULK {
                return Err(ProtocolError("bulk string too long"));
            }
            let end = start + n;
            if buf.len() < end + 2 {
                return Ok(None);
            }
            if &buf[end..end + 2] != b"\r\n" {
                return Err(ProtocolError("bulk string not followed by CRLF"));
            }
            Ok(Some((Elem::Bulk(start..end), end + 2)))
        }
        _ => Err(ProtocolError("unknown reply type")),
    }
}

/// The line starting at `buf[at]` (without its CRLF) and where the next
/// one starts.
fn line(buf: &[u8], at: usize) -> Result<Option<(Range<usize>, usize)>, ProtocolError> {
    let rest = buf.get(at..).unwrap_or_default();
    match rest.iter().position(|&b| b == b'\r') {
        Some(i) if i > MAX_LINE => Err(ProtocolError("line too long")),
        Some(i) => match rest.get(i + 1) {
            None => Ok(None),
            Some(b'\n') => Ok(Some((at..at + i, at + i + 2))),
            Some(_) => Err(ProtocolError("CR without LF")),
        },
        None if rest.len() > MAX_LINE => Err(ProtocolError("line too long")),
        None => Ok(None),
    }
}

/// A line holding a decimal integer.
fn line_int(buf: &[u8], at: usize) -> Result<Option<(i64, usize)>, ProtocolError> {
    let Some((r, end)) = line(buf, at)? else {
        return Ok(None);
    };
    let n = std::str::from_utf8(&buf[r])
        .ok()
        .and_then(|s| s.parse::<i64>().ok())
        .ok_or(ProtocolError("bad integer"))?;
    Ok(Some((n, end)))
}

/// Appends a command (an array of bulk strings) to `out`.
pub(crate) fn command(out: &mut Vec<u8>, args: &[&[u8]]) {
    header(out, b'*', args.len());
    for arg in args {
        bulk(out, arg);
    }
}

/// Appends `PUBLISH channel payload` to `out` (the payload copied once).
pub(crate) fn publish(out: &mut Vec<u8>, channel: &[u8], payload: &[u8]) {
    command(out, &[b"PUBLISH", channel, payload]);
}

/// Appends `name arg...` for a list of owned arguments (SUBSCRIBE, PSUBSCRIBE).
pub(crate) fn command_with<S: AsRef<[u8]>>(out: &mut Vec<u8>, name: &[u8], args: &[S]) {
    header(out, b'*', args.len() + 1);
    bulk(out, name);
    for arg in args {
        bulk(out, arg.as_ref());
    }
}

fn bulk(out: &mut Vec<u8>, bytes: &[u8]) {
    header(out, b'$', bytes.len());
    out.extend_from_slice(bytes);
    out.extend_from_slice(b"\r\n");
}

fn header(out: &mut Vec<u8>, kind: u8, n: usize) {
    out.push(kind);
    // No allocation: the same writer as the HTTP and packet codecs.
    sio_core::http::push_decimal(out, n as u64);
    out.extend_from_slice(b"\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full(buf: &[u8]) -> Frame {
        let (f, n) = parse(buf).expect("valid").expect("complete");
        assert_eq!(n, buf.len());
        f
    }

    #[test]
    fn commands_are_arrays_of_bulk_strings() {
        let mut out = Vec::new();
        publish(&mut out, b"ch", b"\x00\xff");
        assert_eq!(
            out,
            b"*3\r\n$7\r\nPUBLISH\r\n$2\r\nch\r\n$2\r\n\x00\xff\r\n"
        );
        out.clear();
        command_with(&mut out, b"SUBSCRIBE", &["a", "bc"]);
        assert_eq!(out, b"*3\r\n$9\r\nSUBSCRIBE\r\n$1\r\na\r\n$2\r\nbc\r\n");
        out.clear();
        command(&mut out, &[b"X", &[7u8; 1234][..]]);
        assert!(out.starts_with(b"*2\r\n$1\r\nX\r\n$1234\r\n"));
    }

    #[test]
    fn scalars() {
        assert_eq!(full(b":42\r\n"), Frame::Scalar(Elem::Int(42)));
        assert_eq!(full(b"+OK\r\n"), Frame::Scalar(Elem::Simple(1..3)));
        assert_eq!(full(b"-ERR x\r\n"), Frame::Scalar(Elem::Error(1..6)));
        assert_eq!(full(b"$-1\r\n"), Frame::Scalar(Elem::Nil));
        assert_eq!(full(b"$3\r\na\r\n\r\n"), Frame::Scalar(Elem::Bulk(4..7)));
    }

    #[test]
    fn a_pmessage_with_binary_payload() {
        let buf = b"*4\r\n$8\r\npmessage\r\n$2\r\np*\r\n$2\r\npq\r\n$3\r\n\x00\r\xff\r\n:1\r\n";
        let (f, n) = parse(buf).unwrap().unwrap();
        assert_eq!(&buf[n..], b":1\r\n");
        let Frame::Array { elems, len } = f else {
            panic!("{f:?}")
        };
        assert_eq!(len, 4);
        let Elem::Bulk(p) = &elems[3] else { panic!() };
        assert_eq!(&buf[p.clone()], b"\x00\r\xff");
    }

    #[test]
    fn every_prefix_is_incomplete() {
        let buf = b"*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$4\r\n\r\n\r\n\r\n";
        for i in 0..buf.len() {
            assert_eq!(parse(&buf[..i]), Ok(None), "prefix of {i}");
        }
        assert!(matches!(parse(buf), Ok(Some((_, n))) if n == buf.len()));
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(parse(b"?\r\n").is_err());
        assert!(parse(b":x\r\n").is_err());
        assert!(parse(b"$2\r\nabcd").is_err());
        assert!(parse(b"*5\r\n").is_err());
        assert!(parse(b"*1\r\n*0\r\n").is_err());
        assert!(parse(b"+a\rb").is_err());
    }
}
