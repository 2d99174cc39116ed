//! The value tree both wire encodings decode into, and its JSON side:
//! parsing JSON with object keys kept in text order, and writing JSON text
//! (binary as Socket.IO placeholders, or as Node's `Buffer#toJSON`).
//!
//! Key order only matters for byte-exact output (Node writes objects in
//! insertion order); `serde_json::Value` sorts keys unless its
//! `preserve_order` feature is on workspace-wide, so this module parses
//! into its own tree instead.

use bytes::Bytes;
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use super::error::ClusterDecodeError;
use crate::socket::Args;

/// A decoded JSON or msgpack value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Val {
    /// `null`, `undefined`, unknown msgpack extensions.
    Nil,
    /// `true` / `false`.
    Bool(bool),
    /// A negative integer (or any msgpack signed int).
    Int(i64),
    /// A non-negative integer.
    UInt(u64),
    /// Any other number.
    F64(f64),
    /// A string.
    Str(String),
    /// msgpack binary (bin, ext type 0).
    Bin(Bytes),
    /// An array.
    Arr(Vec<Val>),
    /// An object, keys in the order written.
    Map(Vec<(String, Val)>),
}

impl Val {
    /// Parses a JSON text, keeping object keys in order. serde_json bounds
    /// the nesting (128 levels).
    pub(crate) fn from_json(text: &[u8]) -> Result<Val, ClusterDecodeError> {
        serde_json::from_slice(text).map_err(|e| ClusterDecodeError::Json(e.to_string()))
    }

    /// The value of `key` when `self` is an object (the first such key).
    pub(crate) fn get(&self, key: &str) -> Option<&Val> {
        match self {
            Val::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The string, if `self` is one.
    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Val::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The number as a non-negative integer, if it is one (integral
    /// floats included: JS has one number type).
    pub(crate) fn as_u64(&self) -> Option<u64> {
        match *self {
            Val::UInt(n) => Some(n),
            Val::Int(n) => u64::try_from(n).ok(),
            Val::F64(f) => match integral(f)? {
                Num::U(n) => Some(n),
                Num::I(_) => None,
            },
            _ => None,
        }
    }

    /// The attachment index when `self` is a Socket.IO placeholder
    /// `{"_placeholder":true,"num":N}` (as `socket::is_placeholder`).
    pub(crate) fn placeholder(&self) -> Option<usize> {
        if self.get("_placeholder")? != &Val::Bool(true) {
            return None;
        }
        usize::try_from(self.get("num")?.as_u64()?).ok()
    }
}

/// An integral number that fits a msgpack int.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Num {
    /// Negative.
    I(i64),
    /// Zero or positive.
    U(u64),
}

/// `f` as an integer when it has no fraction and fits i64/u64 (`-0.0` is
/// 0, as notepack.io writes it).
pub(crate) fn integral(f: f64) -> Option<Num> {
    if !f.is_finite() || f.fract() != 0.0 {
        return None;
    }
    // 2^63 and 2^64 are exact in f64; the casts below are in range.
    if (0.0..18_446_744_073_709_551_616.0).contains(&f) {
        Some(Num::U(f as u64))
    } else if (-9_223_372_036_854_775_808.0..0.0).contains(&f) {
        Some(Num::I(f as i64))
    } else {
        None
    }
}

impl<'de> Deserialize<'de> for Val {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Val, D::Error> {
        d.deserialize_any(ValVisitor)
    }
}

struct ValVisitor;

impl<'de> Visitor<'de> for ValVisitor {
    type Value = Val;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Val, E> {
        Ok(Val::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Val, E> {
        Ok(if v >= 0 {
            Val::UInt(v as u64)
        } else {
            Val::Int(v)
        })
    }
    fn visit_u64<E>(self, v: u64) -> Result<Val, E> {
        Ok(Val::UInt(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Val, E> {
        Ok(Val::F64(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Val, E> {
        Ok(Val::Str(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Val, E> {
        Ok(Val::Str(v))
    }
    fn visit_unit<E>(self) -> Result<Val, E> {
        Ok(Val::Nil)
    }
    fn visit_none<E>(self) -> Result<Val, E> {
        Ok(Val::Nil)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Val, A::Error> {
        let mut items = Vec::new();
        while let Some(v) = seq.next_element()? {
            items.push(v);
        }
        Ok(Val::Arr(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Val, A::Error> {
        let mut entries = Vec::new();
        while let Some((k, v)) = map.next_entry::<String, Val>()? {
            entries.push((k, v));
        }
        Ok(Val::Map(entries))
    }
}

/// What JSON text is written for binary.
pub(crate) enum BinJson<'a> {
    /// Socket.IO: a placeholder, the bytes appended to the attachments.
    Placeholders(&'a mut Vec<Bytes>),
    /// Node's `JSON.stringify` of a `Buffer`: `{"type":"Buffer","data":[..]}`;
    /// placeholder objects stand for these attachments (null when out of
    /// range).
    Buffers(&'a [Bytes]),
    /// Binary as Node's JSON of a `Buffer`; objects as they are.
    Raw,
}

/// Appends `s` as a JSON string.
pub(crate) fn json_str(out: &mut Vec<u8>, s: &str) {
    // Writing a str into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, s);
}

/// Appends a number as JSON text the way JavaScript writes it
/// (`JSON.stringify`, `String(n)`): integers below 2^53 in full, other
/// values with the shortest digits that read back to the same number, in
/// plain notation from 1e-7 to 1e21 and as `1.5e+21` / `1e-7` outside;
/// non-finite as `null`.
pub(crate) fn json_f64(out: &mut Vec<u8>, f: f64) {
    if !f.is_finite() {
        out.extend_from_slice(b"null");
        return;
    }
    if f == 0.0 {
        // `-0` too.
        out.push(b'0');
        return;
    }
    if f.fract() == 0.0 && f.abs() <= MAX_SAFE {
        // In range of i64: |f| < 2^53.
        out.extend_from_slice((f as i64).to_string().as_bytes());
        return;
    }
    if f < 0.0 {
        out.push(b'-');
    }
    // Rust's `{:e}` is the shortest round-trip form: `d[.ddd]e<exp>`.
    let sci = format!("{:e}", f.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let digits: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).collect();
    let k = digits.len() as i64;
    // The decimal point sits after `n` digits (ECMAScript Number::toString).
    let n = exp.parse::<i64>().unwrap_or(0) + 1;
    if k <= n && n <= 21 {
        out.extend_from_slice(&digits);
        out.resize(out.len() + (n - k) as usize, b'0');
    } else if 0 < n && n <= 21 {
        out.extend_from_slice(&digits[..n as usize]);
        out.push(b'.');
        out.extend_from_slice(&digits[n as usize..]);
    } else if -6 < n && n <= 0 {
        out.extend_from_slice(b"0.");
        out.resize(out.len() + (-n) as usize, b'0');
        out.extend_from_slice(&digits);
    } else {
        out.push(digits[0]);
        if k > 1 {
            out.push(b'.');
            out.extend_from_slice(&digits[1..]);
        }
        out.push(b'e');
        out.push(if n > 0 { b'+' } else { b'-' });
        out.extend_from_slice((n - 1).unsigned_abs().to_string().as_bytes());
    }
}

/// `Number.MAX_SAFE_INTEGER` (2^53 − 1): JavaScript's integers are exact
/// up to here.
pub(crate) const MAX_SAFE: f64 = 9_007_199_254_740_991.0;

fn json_buffer(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(br#"{"type":"Buffer","data":["#);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        crate::http::push_decimal(out, u64::from(*b));
    }
    out.extend_from_slice(b"]}");
}

/// Appends `v` as JSON text.
pub(crate) fn write_json(v: &Val, out: &mut Vec<u8>, bin: &mut BinJson<'_>) {
    match v {
        Val::Nil => out.extend_from_slice(b"null"),
        Val::Bool(true) => out.extend_from_slice(b"true"),
        Val::Bool(false) => out.extend_from_slice(b"false"),
        Val::Int(n) => out.extend_from_slice(n.to_string().as_bytes()),
        Val::UInt(n) => crate::http::push_decimal(out, *n),
        Val::F64(f) => json_f64(out, *f),
        Val::Str(s) => json_str(out, s),
        Val::Bin(b) => match bin {
            BinJson::Placeholders(atts) => {
                out.extend_from_slice(br#"{"_placeholder":true,"num":"#);
                crate::http::push_decimal(out, atts.len() as u64);
                out.push(b'}');
                atts.push(b.clone());
            }
            BinJson::Buffers(_) | BinJson::Raw => json_buffer(out, b),
        },
        Val::Arr(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_json(item, out, bin);
            }
            out.push(b']');
        }
        Val::Map(entries) => {
            if let BinJson::Buffers(atts) = bin {
                if let Some(n) = v.placeholder() {
                    match atts.get(n) {
                        Some(a) => json_buffer(out, a),
                        None => out.extend_from_slice(b"null"),
                    }
                    return;
                }
            }
            out.push(b'{');
            for (i, (k, item)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                json_str(out, k);
                out.push(b':');
                write_json(item, out, bin);
            }
            out.push(b'}');
        }
    }
}

/// True when `v` holds an object that reads as a Socket.IO placeholder.
pub(crate) fn has_placeholder(v: &Val) -> bool {
    match v {
        Val::Arr(items) => items.iter().any(has_placeholder),
        Val::Map(entries) => {
            v.placeholder().is_some() || entries.iter().any(|(_, v)| has_placeholder(v))
        }
        _ => false,
    }
}

/// Socket.IO arguments from decoded values: binary becomes placeholders
/// and attachments, in order of appearance.
///
/// A peer's object that reads as a placeholder (`{"_placeholder":true,
/// "num":N}`) is refused: in [`Args`] it would stand for an attachment.
pub(crate) fn args_from(items: &[Val]) -> Result<Args, ClusterDecodeError> {
    if items.iter().any(has_placeholder) {
        return Err(ClusterDecodeError::Malformed(
            "an object reads as a binary placeholder",
        ));
    }
    let mut json = Vec::with_capacity(64);
    let mut attachments = Vec::new();
    let mut sink = BinJson::Placeholders(&mut attachments);
    json.push(b'[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            json.push(b',');
        }
        write_json(item, &mut json, &mut sink);
    }
    json.push(b']');
    Ok(Args {
        json: Bytes::from(json),
        attachments,
    })
}

/// The values of `args` (a JSON array). Arguments that are not a JSON
/// array (caller misuse: [`Args`] promises one) count as none.
pub(crate) fn args_values(args: &Args) -> Vec<Val> {
    match Val::from_json(&args.json) {
        Ok(Val::Arr(items)) => items,
        _ => Vec::new(),
    }
}

/// The values of `args` with every placeholder replaced by its
/// attachment as [`Val::Bin`] (`nil` when out of range: the caller's
/// arguments were inconsistent).
pub(crate) fn args_with_binary(args: &Args) -> Vec<Val> {
    fn resolve(v: Val, attachments: &[Bytes]) -> Val {
        if let Some(n) = v.placeholder() {
            return attachments.get(n).cloned().map_or(Val::Nil, Val::Bin);
        }
        match v {
            Val::Arr(items) => {
                Val::Arr(items.into_iter().map(|v| resolve(v, attachments)).collect())
            }
            Val::Map(entries) => Val::Map(
                entries
                    .into_iter()
                    .map(|(k, v)| (k, resolve(v, attachments)))
                    .collect(),
            ),
            v => v,
        }
    }
    args_values(args)
        .into_iter()
        .map(|v| resolve(v, &args.attachments))
        .collect()
}

/// True when `v` holds binary (Node's `hasBinary`).
pub(crate) fn has_binary(v: &Val) -> bool {
    match v {
        Val::Bin(_) => true,
        Val::Arr(items) => items.iter().any(has_binary),
        Val::Map(entries) => entries.iter().any(|(_, v)| has_binary(v)),
        _ => false,
    }
}

/// A JSON text of `v` for a field kept raw (a fetched socket's handshake
/// and data); binary as Node's `JSON.stringify` writes a `Buffer`.
pub(crate) fn raw_json(v: &Val) -> Bytes {
    let mut out = Vec::new();
    write_json(v, &mut out, &mut BinJson::Raw);
    Bytes::from(out)
}

/// `[event, ...args]` of an event packet's `data`.
pub(crate) fn event_and_args(data: Option<&Val>) -> Result<(String, Args), ClusterDecodeError> {
    let Some(Val::Arr(items)) = data else {
        return Err(ClusterDecodeError::Malformed("data is not an array"));
    };
    match items.split_first() {
        Some((Val::Str(event), rest)) => Ok((event.clone(), args_from(rest)?)),
        _ => Err(ClusterDecodeError::Malformed(
            "data does not start with an event name",
        )),
    }
}

/// A room name: a string, or a number (JS apps may use numeric rooms) as
/// its decimal text.
fn room_name(v: &Val) -> Result<String, ClusterDecodeError> {
    match v {
        Val::Str(s) => Ok(s.clone()),
        Val::UInt(n) => Ok(n.to_string()),
        Val::Int(n) => Ok(n.to_string()),
        Val::F64(f) if f.is_finite() => {
            let mut out = Vec::new();
            json_f64(&mut out, *f);
            // JSON number text is ASCII.
            Ok(String::from_utf8_lossy(&out).into_owned())
        }
        _ => Err(ClusterDecodeError::Malformed(
            "a room is not a string or number",
        )),
    }
}

/// A list of room names; absent or `null` is empty.
pub(crate) fn rooms(v: Option<&Val>) -> Result<Vec<String>, ClusterDecodeError> {
    match v {
        None | Some(Val::Nil) => Ok(Vec::new()),
        Some(Val::Arr(items)) => items.iter().map(room_name).collect(),
        Some(_) => Err(ClusterDecodeError::Malformed("rooms is not an array")),
    }
}

/// A required string field.
pub(crate) fn string(v: &Val, key: &'static str) -> Result<String, ClusterDecodeError> {
    match v.get(key) {
        Some(Val::Str(s)) => Ok(s.clone()),
        _ => Err(ClusterDecodeError::Malformed(key)),
    }
}

/// The wire `opts` (`{rooms, except, flags}`); unknown flags are ignored.
pub(crate) fn opts(v: Option<&Val>) -> Result<super::Opts, ClusterDecodeError> {
    let Some(v @ Val::Map(_)) = v else {
        return Err(ClusterDecodeError::Malformed("opts"));
    };
    let flags = v.get("flags");
    Ok(super::Opts {
        rooms: rooms(v.get("rooms"))?,
        except: rooms(v.get("except"))?,
        volatile: flags.and_then(|f| f.get("volatile")) == Some(&Val::Bool(true)),
        timeout: flags.and_then(|f| f.get("timeout")).and_then(Val::as_u64),
    })
}
