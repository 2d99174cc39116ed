//! The little RESP2 the Redis bus speaks: commands out (arrays of bulk
//! strings), replies in. Pure functions on byte slices.
//!
//! Replies may nest (`XREAD`: `[[stream, [[id, [field, value, ...]], ...]]]`,
//! `XRANGE`: `[[id, [field, value, ...]], ...]`, `EXEC`: `[bulk, int]`), so
//! reading one has two steps:
//!
//! 1. [`Scanner::scan`] checks that a whole, well-formed reply is in the
//!    buffer and says how long it is. It allocates nothing (its stack of
//!    open arrays is a fixed array) and is resumable: a reply that arrives
//!    in many reads is scanned once, not from its start at every read.
//! 2. [`Value`] reads the checked bytes in place: scalars are slices of
//!    the buffer, an array is an iterator over its elements.
//!
//! # Bounds (a reply beyond them is a [`ProtocolError`], never a panic)
//!
//! - Nesting: [`MAX_DEPTH`] arrays (an `XREAD` reply needs 5).
//! - Elements: [`MAX_ELEMS`] in one reply, all levels counted (an `XRANGE`
//!   of 10 000 entries of 4 fields is 110 000).
//! - A bulk string: [`MAX_BULK`] (Redis's own `proto-max-bulk-len`); a
//!   line (`+OK`, `-ERR ...`, `:42`, `$12`): 64 KiB.

use std::ops::Range;

/// Longest bulk string accepted: Redis's own `proto-max-bulk-len` default.
pub(crate) const MAX_BULK: usize = 512 * 1024 * 1024;

/// Longest line (`+OK`, `-ERR ...`, `:42`, `$12`) accepted.
const MAX_LINE: usize = 64 * 1024;

/// Deepest nesting of arrays accepted (`XREAD`: streams, a stream, its
/// entries, an entry, its fields).
pub(crate) const MAX_DEPTH: usize = 5;

/// Most elements in one reply, every level counted.
pub(crate) const MAX_ELEMS: usize = 1 << 20;

/// The peer sent something this parser does not accept.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct ProtocolError(pub &'static str);

impl std::fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Redis protocol error: {}", self.0)
    }
}

/// What starts at a position: a scalar, or the header of an array of `n`.
enum Head {
    Scalar(Scalar),
    Array(usize),
}

/// A scalar, as a range into the buffer.
enum Scalar {
    Simple(Range<usize>),
    Error(Range<usize>),
    Int(i64),
    Bulk(Range<usize>),
    Nil,
}

/// Finds where complete replies end, resumably: keep one per connection,
/// call [`Scanner::scan`] with the unparsed bytes (from the same start)
/// after every read.
#[derive(Debug, Default)]
pub(crate) struct Scanner {
    /// Where the next element starts.
    at: usize,
    /// Elements still expected by each open array, outermost first.
    open: [usize; MAX_DEPTH],
    depth: usize,
    /// Elements seen in this reply.
    elems: usize,
}

impl Scanner {
    /// `Ok(Some(len))` when `buf` starts with a complete reply of `len`
    /// bytes (the scanner is then ready for the next one), `Ok(None)` when
    /// more bytes are needed (call again with `buf` grown, same start).
    pub(crate) fn scan(&mut self, buf: &[u8]) -> Result<Option<usize>, ProtocolError> {
        loop {
            let Some((head, end)) = head(buf, self.at)? else {
                return Ok(None);
            };
            self.at = end;
            if self.depth > 0 {
                self.elems += 1;
                if self.elems > MAX_ELEMS {
                    return Err(ProtocolError("too many elements in one reply"));
                }
                self.open[self.depth - 1] -= 1;
            }
            if let Head::Array(n) = head {
                if n > 0 {
                    if self.depth == MAX_DEPTH {
                        return Err(ProtocolError("arrays nested too deep"));
                    }
                    self.open[self.depth] = n;
                    self.depth += 1;
                    continue;
                }
            }
            // An element is complete: close the arrays it completes.
            while self.depth > 0 && self.open[self.depth - 1] == 0 {
                self.depth -= 1;
            }
            if self.depth == 0 {
                let len = self.at;
                *self = Scanner::default();
                return Ok(Some(len));
            }
        }
    }
}

#[cfg(test)]
/// Parses one reply at the start of `buf` from scratch: `Ok(None)` when it
/// is not all there yet, else the reply and how many bytes it took.
pub(crate) fn parse(buf: &[u8]) -> Result<Option<(Value<'_>, usize)>, ProtocolError> {
    Ok(Scanner::default()
        .scan(buf)?
        .map(|len| (Value::read(&buf[..len]), len)))
}

/// One reply (or element of one), read in place from bytes that
/// [`Scanner::scan`] accepted.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Value<'a> {
    /// `+...` (its text is read by the tests and `Debug` only).
    Simple(#[allow(dead_code)] &'a [u8]),
    /// `-...`
    Error(&'a [u8]),
    /// `:...`
    Int(i64),
    /// `$n` and its bytes.
    Bulk(&'a [u8]),
    /// `$-1` or `*-1`.
    Nil,
    /// `*n` and its elements.
    Array(Items<'a>),
}

/// The elements of an array, in order.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Items<'a> {
    buf: &'a [u8],
    at: usize,
    left: usize,
}

impl<'a> Value<'a> {
    /// The reply that fills `buf` (a complete reply, as scanned).
    pub(crate) fn read(buf: &'a [u8]) -> Value<'a> {
        value_at(buf, 0).0
    }

    /// The bytes of a bulk string.
    pub(crate) fn bulk(self) -> Option<&'a [u8]> {
        match self {
            Value::Bulk(b) => Some(b),
            _ => None,
        }
    }

    /// The elements of an array.
    pub(crate) fn items(self) -> Option<Items<'a>> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }
}

impl Items<'_> {
    /// How many elements are left.
    pub(crate) fn len(&self) -> usize {
        self.left
    }
}

impl<'a> Iterator for Items<'a> {
    type Item = Value<'a>;

    fn next(&mut self) -> Option<Value<'a>> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let (value, end) = value_at(self.buf, self.at);
        self.at = end;
        Some(value)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for Items<'_> {}

/// The value starting at `buf[at]` and where it ends. `buf` was accepted
/// by the scanner, so it cannot be malformed or short; if it were anyway,
/// the value reads as `Nil` ending at the end of `buf` (no panic).
fn value_at(buf: &[u8], at: usize) -> (Value<'_>, usize) {
    let Ok(Some((head, end))) = head(buf, at) else {
        return (Value::Nil, buf.len());
    };
    let value = match head {
        Head::Scalar(Scalar::Simple(r)) => Value::Simple(&buf[r]),
        Head::Scalar(Scalar::Error(r)) => Value::Error(&buf[r]),
        Head::Scalar(Scalar::Int(n)) => Value::Int(n),
        Head::Scalar(Scalar::Bulk(r)) => Value::Bulk(&buf[r]),
        Head::Scalar(Scalar::Nil) => Value::Nil,
        Head::Array(n) => {
            let items = Items {
                buf,
                at: end,
                left: n,
            };
            // Skip the elements to find where the array ends.
            let mut skip = items;
            while skip.next().is_some() {}
            return (Value::Array(items), skip.at);
        }
    };
    (value, end)
}

/// What starts at `buf[at]` and where it ends (for an array, where its
/// first element starts).
fn head(buf: &[u8], at: usize) -> Result<Option<(Head, usize)>, ProtocolError> {
    let Some(&kind) = buf.get(at) else {
        return Ok(None);
    };
    let scalar = |s, end| Some((Head::Scalar(s), end));
    match kind {
        b'+' => Ok(line(buf, at + 1)?.and_then(|(r, end)| scalar(Scalar::Simple(r), end))),
        b'-' => Ok(line(buf, at + 1)?.and_then(|(r, end)| scalar(Scalar::Error(r), end))),
        b':' => Ok(line_int(buf, at + 1)?.and_then(|(n, end)| scalar(Scalar::Int(n), end))),
        b'*' => Ok(
            length(buf, at + 1, MAX_ELEMS, "array length")?.map(|(n, end)| match n {
                None => (Head::Scalar(Scalar::Nil), end),
                Some(n) => (Head::Array(n), end),
            }),
        ),
        b'$' => {
            let Some((n, start)) = length(buf, at + 1, MAX_BULK, "bulk string length")? else {
                return Ok(None);
            };
            let Some(n) = n else {
                return Ok(scalar(Scalar::Nil, start));
            };
            let end = start + n;
            if buf.len() < end + 2 {
                return Ok(None);
            }
            if &buf[end..end + 2] != b"\r\n" {
                return Err(ProtocolError("bulk string not followed by CRLF"));
            }
            Ok(scalar(Scalar::Bulk(start..end), end + 2))
        }
        _ => Err(ProtocolError("unknown reply type")),
    }
}

/// The length line of `*n` or `$n` (from after the `*` or `$`) and where
/// the next line starts: `None` for a negative length (nil), an error
/// beyond `max`.
fn length(
    buf: &[u8],
    at: usize,
    max: usize,
    what: &'static str,
) -> Result<Option<(Option<usize>, usize)>, ProtocolError> {
    let Some((n, end)) = line_int(buf, at)? else {
        return Ok(None);
    };
    if n < 0 {
        return Ok(Some((None, end)));
    }
    let n = usize::try_from(n).ok().filter(|&n| n <= max);
    Ok(Some((Some(n.ok_or(ProtocolError(what))?), end)))
}

/// The line starting at `buf[at]` (without its CRLF) and where the next
/// one starts.
fn line(buf: &[u8], at: usize) -> Result<Option<(Range<usize>, usize)>, ProtocolError> {
    let rest = buf.get(at..).unwrap_or_default();
    // Looks no further than a line may be long.
    let window = &rest[..rest.len().min(MAX_LINE + 2)];
    match window.iter().position(|&b| b == b'\r') {
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

/// Appends one argument of a command begun with [`args`].
pub(crate) fn bulk(out: &mut Vec<u8>, bytes: &[u8]) {
    header(out, b'$', bytes.len());
    out.extend_from_slice(bytes);
    out.extend_from_slice(b"\r\n");
}

/// Begins a command of `n` arguments (the name included), to be followed
/// by `n` calls of [`bulk`].
pub(crate) fn args(out: &mut Vec<u8>, n: usize) {
    header(out, b'*', n);
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

    /// A complete reply that fills `buf`.
    fn full(buf: &[u8]) -> Value<'_> {
        let (v, n) = parse(buf).expect("valid").expect("complete");
        assert_eq!(n, buf.len());
        v
    }

    /// A compact rendering for assertions: bulks as text, arrays in [].
    fn show(v: Value<'_>) -> String {
        match v {
            Value::Simple(s) => format!("+{}", String::from_utf8_lossy(s)),
            Value::Error(s) => format!("-{}", String::from_utf8_lossy(s)),
            Value::Int(n) => format!(":{n}"),
            Value::Bulk(b) => String::from_utf8_lossy(b).into_owned(),
            Value::Nil => "nil".to_owned(),
            Value::Array(items) => {
                let inner: Vec<String> = items.map(show).collect();
                format!("[{}]", inner.join(","))
            }
        }
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
        out.clear();
        args(&mut out, 2);
        bulk(&mut out, b"GET");
        bulk(&mut out, b"k");
        assert_eq!(out, b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
    }

    #[test]
    fn scalars() {
        assert_eq!(show(full(b":42\r\n")), ":42");
        assert_eq!(show(full(b"+OK\r\n")), "+OK");
        assert_eq!(show(full(b"-ERR x\r\n")), "-ERR x");
        assert_eq!(show(full(b"$-1\r\n")), "nil");
        assert_eq!(show(full(b"*-1\r\n")), "nil");
        assert_eq!(show(full(b"*0\r\n")), "[]");
        assert_eq!(full(b"$3\r\na\r\n\r\n").bulk(), Some(&b"a\r\n"[..]));
    }

    #[test]
    fn a_pmessage_with_binary_payload() {
        let buf = b"*4\r\n$8\r\npmessage\r\n$2\r\np*\r\n$2\r\npq\r\n$3\r\n\x00\r\xff\r\n:1\r\n";
        let (v, n) = parse(buf).unwrap().unwrap();
        assert_eq!(&buf[n..], b":1\r\n");
        let items = v.items().expect("an array");
        assert_eq!(items.len(), 4);
        assert_eq!(items.last().and_then(Value::bulk), Some(&b"\x00\r\xff"[..]));
    }

    /// An `XREAD` reply: two streams, entries with fields.
    const XREAD: &[u8] = b"*2\r\n\
        *2\r\n$1\r\ns\r\n*2\r\n\
          *2\r\n$3\r\n1-0\r\n*4\r\n$3\r\nuid\r\n$1\r\na\r\n$3\r\nnsp\r\n$1\r\n/\r\n\
          *2\r\n$3\r\n1-1\r\n*0\r\n\
        *2\r\n$1\r\nt\r\n*1\r\n\
          *2\r\n$3\r\n2-0\r\n*2\r\n$1\r\nf\r\n$0\r\n\r\n";

    #[test]
    fn nested_replies_read_in_place() {
        assert_eq!(
            show(full(XREAD)),
            "[[s,[[1-0,[uid,a,nsp,/]],[1-1,[]]]],[t,[[2-0,[f,]]]]]"
        );
        // EXEC of GET + DEL, with and without the key.
        assert_eq!(show(full(b"*2\r\n$2\r\nv1\r\n:1\r\n")), "[v1,:1]");
        assert_eq!(show(full(b"*2\r\n$-1\r\n:0\r\n")), "[nil,:0]");
        // An empty XRANGE, and an error inside an array.
        assert_eq!(show(full(b"*1\r\n-ERR no\r\n")), "[-ERR no]");
    }

    #[test]
    fn every_prefix_is_incomplete_and_scanning_resumes() {
        for buf in [
            &b"*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$4\r\n\r\n\r\n\r\n"[..],
            XREAD,
        ] {
            for i in 0..buf.len() {
                assert!(matches!(parse(&buf[..i]), Ok(None)), "prefix of {i}");
            }
            // Byte by byte through one scanner: complete exactly at the end.
            let mut scanner = Scanner::default();
            for i in 0..buf.len() {
                assert_eq!(scanner.scan(&buf[..i]), Ok(None), "resumed at {i}");
            }
            assert_eq!(scanner.scan(buf), Ok(Some(buf.len())));
            // Ready for the next reply.
            let mut two = buf.to_vec();
            two.extend_from_slice(b":7\r\n");
            assert_eq!(scanner.scan(&two), Ok(Some(buf.len())));
            assert_eq!(scanner.scan(&two[buf.len()..]), Ok(Some(4)));
        }
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(parse(b"?\r\n").is_err());
        assert!(parse(b":x\r\n").is_err());
        assert!(parse(b"$2\r\nabcd").is_err());
        assert!(parse(b"+a\rb").is_err());
        assert!(parse(b"*1\r\n*1\r\n?\r\n").is_err());
        assert!(parse(b"*-2x\r\n").is_err());
    }

    #[test]
    fn huge_or_deep_replies_are_errors_not_panics() {
        // Too deep: six nested arrays.
        assert!(parse(b"*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n").is_err());
        // Five is what XREAD needs.
        assert!(
            parse(b"*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n")
                .unwrap()
                .is_some()
        );
        // Announced sizes beyond the bounds fail before any data arrives.
        assert!(parse(format!("*{}\r\n", MAX_ELEMS + 1).as_bytes()).is_err());
        assert!(parse(format!("${}\r\n", MAX_BULK + 1).as_bytes()).is_err());
        assert!(parse(b"*9223372036854775807\r\n").is_err());
        assert!(parse(b"$99999999999999999999999\r\n").is_err());
        // Too many elements in total, though each array is allowed.
        let mut many = b"*2\r\n".to_vec();
        for _ in 0..2 {
            many.extend_from_slice(format!("*{}\r\n", MAX_ELEMS / 2 + 1).as_bytes());
            for _ in 0..=MAX_ELEMS / 2 {
                many.extend_from_slice(b":1\r\n");
            }
        }
        assert!(parse(&many).is_err());
        // A line without its end, longer than a line may be.
        let mut long = b"+".to_vec();
        long.resize(MAX_LINE + 10, b'a');
        assert!(parse(&long).is_err());
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        // A cheap deterministic fuzz: every truncation and single-byte
        // mutation of a nested reply parses, waits or fails; never panics.
        for i in 0..XREAD.len() {
            for b in [b'*', b'$', b'-', b'1', b'9', b'\r', b'\n', 0] {
                let mut m = XREAD.to_vec();
                m[i] = b;
                if let Ok(Some((v, _))) = parse(&m) {
                    show(v);
                }
                let _ = parse(&m[..i]);
            }
        }
    }
}
