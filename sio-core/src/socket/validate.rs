//! Payload validation without building a JSON tree.
//!
//! A payload is checked in a few cheap passes: UTF-8, then one byte scan
//! ([`super::json_check`]) checks the syntax without decoding strings (it
//! accepts lone surrogate escapes such as `"\ud800"`, as `JSON.parse` does)
//! and refuses nesting deeper than serde_json's own recursion limit (so
//! anything accepted here can later be parsed by the application, and
//! nothing recurses deeply), and the top-level shape is read from the first
//! bytes. For binary packets one more pass, through a visitor,
//! checks every placeholder; that visitor decodes strings, so a binary
//! packet with a lone surrogate escape is refused.

use super::error::DecodeError;
use super::json_check::{JsonError, check_json};
use super::packet::PacketType;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// Deepest nesting of arrays and objects accepted: what serde_json
/// accepts with its default recursion limit (128).
pub(crate) const MAX_DEPTH: usize = 127;

/// Checks that `data` is the payload packet type `kind` carries (as the
/// reference parser's `isPayloadValid`, minus its reserved event names):
///
/// | type | payload |
/// |---|---|
/// | CONNECT | absent or an object |
/// | DISCONNECT | absent |
/// | EVENT, BINARY_EVENT | an array whose first element is a string |
/// | ACK, BINARY_ACK | an array |
/// | CONNECT_ERROR | an object or a string |
///
/// For binary types (`attachments` is then their count), every object with
/// `"_placeholder": true` must have a `num` below `attachments`.
pub(crate) fn validate(
    kind: PacketType,
    data: Option<&[u8]>,
    attachments: usize,
) -> Result<(), DecodeError> {
    let Some(data) = data else {
        return match kind {
            PacketType::Connect | PacketType::Disconnect => Ok(()),
            _ => Err(DecodeError::InvalidPayload(kind)),
        };
    };
    if kind == PacketType::Disconnect {
        return Err(DecodeError::InvalidPayload(kind));
    }
    // The JSON check skips strings without checking their UTF-8.
    if std::str::from_utf8(data).is_err() {
        return Err(DecodeError::InvalidJson("invalid UTF-8".to_owned()));
    }
    check_json(data).map_err(|e| match e {
        JsonError::TooDeep => {
            DecodeError::InvalidJson(format!("nesting deeper than {MAX_DEPTH} levels"))
        }
        JsonError::Syntax(at) => DecodeError::InvalidJson(format!("not JSON at byte {at}")),
    })?;
    let shape = if kind.is_binary() {
        walk(data, attachments)?
    } else {
        shape_of(data)
    };
    let valid = match kind {
        PacketType::Connect => shape == Shape::Object,
        PacketType::ConnectError => matches!(shape, Shape::Object | Shape::Str),
        PacketType::Event | PacketType::BinaryEvent => shape == Shape::Array(Head::Str),
        PacketType::Ack | PacketType::BinaryAck => matches!(shape, Shape::Array(_)),
        PacketType::Disconnect => false,
    };
    if valid {
        Ok(())
    } else {
        Err(DecodeError::InvalidPayload(kind))
    }
}

/// The shape of valid JSON text, read from its first bytes. Only the kinds
/// the rules tell apart are exact; other values are `Null`.
fn shape_of(data: &[u8]) -> Shape {
    let mut rest = data.trim_ascii_start().iter();
    match rest.next() {
        Some(b'{') => Shape::Object,
        Some(b'"') => Shape::Str,
        Some(b'[') => Shape::Array(match rest.as_slice().trim_ascii_start().first() {
            Some(b']') => Head::Empty,
            Some(b'"') => Head::Str,
            _ => Head::Other,
        }),
        _ => Shape::Null,
    }
}

/// Parses `data` as one JSON value and returns its shape; a placeholder
/// whose index is not below `attachments` fails with
/// [`DecodeError::BadPlaceholder`].
fn walk(data: &[u8], attachments: usize) -> Result<Shape, DecodeError> {
    let mut ctx = Ctx {
        attachments,
        bad_placeholder: false,
    };
    let mut de = serde_json::Deserializer::from_slice(data);
    let result = Walk { ctx: &mut ctx }
        .deserialize(&mut de)
        .and_then(|shape| de.end().map(|()| shape));
    result.map_err(|e| {
        if ctx.bad_placeholder {
            DecodeError::BadPlaceholder
        } else {
            DecodeError::InvalidJson(e.to_string())
        }
    })
}

/// What the rules need to know about a JSON value.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Shape {
    Null,
    Bool(bool),
    /// A number; its value when it is a non-negative integer.
    Number(Option<u64>),
    Str,
    Array(Head),
    Object,
}

/// An array's first element.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Head {
    Empty,
    Str,
    Other,
}

/// The walk's state, shared by every level.
struct Ctx {
    /// The attachment count: placeholders must index below it.
    attachments: usize,
    /// Set when the walk fails because of a placeholder.
    bad_placeholder: bool,
}

/// Visits one JSON value and everything inside it.
struct Walk<'c> {
    ctx: &'c mut Ctx,
}

impl<'de> DeserializeSeed<'de> for Walk<'_> {
    type Value = Shape;

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<Shape, D::Error> {
        de.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Walk<'_> {
    type Value = Shape;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E>(self) -> Result<Shape, E> {
        Ok(Shape::Null)
    }

    fn visit_bool<E>(self, v: bool) -> Result<Shape, E> {
        Ok(Shape::Bool(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Shape, E> {
        Ok(Shape::Number(Some(v)))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Shape, E> {
        Ok(Shape::Number(u64::try_from(v).ok()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Shape, E> {
        Ok(Shape::Number(integral_f64(v)))
    }

    fn visit_str<E>(self, _: &str) -> Result<Shape, E> {
        Ok(Shape::Str)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Shape, A::Error> {
        let head = match seq.next_element_seed(Walk {
            ctx: &mut *self.ctx,
        })? {
            None => return Ok(Shape::Array(Head::Empty)),
            Some(Shape::Str) => Head::Str,
            Some(_) => Head::Other,
        };
        while seq
            .next_element_seed(Walk {
                ctx: &mut *self.ctx,
            })?
            .is_some()
        {}
        Ok(Shape::Array(head))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Shape, A::Error> {
        // Later duplicates win, as with JSON.parse.
        let mut flag = None;
        let mut num = None;
        while let Some(key) = map.next_key_seed(KeySeed)? {
            let value = map.next_value_seed(Walk {
                ctx: &mut *self.ctx,
            })?;
            match key {
                Key::Placeholder => flag = Some(value),
                Key::Num => num = Some(value),
                Key::Other => {}
            }
        }
        if flag == Some(Shape::Bool(true)) {
            let count = self.ctx.attachments as u64;
            if !matches!(num, Some(Shape::Number(Some(n))) if n < count) {
                self.ctx.bad_placeholder = true;
                return Err(de::Error::custom("illegal attachment placeholder"));
            }
        }
        Ok(Shape::Object)
    }
}

/// `v` as an index, when it is a non-negative integer (JSON.parse reads
/// `0.0` and `1e0` as integers too).
pub(crate) fn integral_f64(v: f64) -> Option<u64> {
    // 2^64 as f64; the cast below saturates anyway, the bound keeps it exact.
    const LIMIT: f64 = 18_446_744_073_709_551_616.0;
    (v >= 0.0 && v.fract() == 0.0 && v < LIMIT).then_some(v as u64)
}

/// The object keys placeholders are made of.
enum Key {
    Placeholder,
    Num,
    Other,
}

/// Reads an object key without allocating.
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Key;

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<Key, D::Error> {
        de.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_str<E>(self, v: &str) -> Result<Key, E> {
        Ok(match v {
            "_placeholder" => Key::Placeholder,
            "num" => Key::Num,
            _ => Key::Other,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PacketType::*;

    fn ok(kind: PacketType, data: &str) -> bool {
        validate(kind, Some(data.as_bytes()), 0).is_ok()
    }

    #[test]
    fn payload_rules() {
        assert!(validate(Connect, None, 0).is_ok());
        assert!(ok(Connect, r#"{"token":"123"}"#));
        assert!(!ok(Connect, "[]"));
        assert!(!ok(Connect, r#""x""#));
        assert!(validate(Disconnect, None, 0).is_ok());
        assert!(!ok(Disconnect, "{}"));
        assert!(ok(Event, r#"["a",1]"#));
        assert!(!ok(Event, "[]"));
        assert!(!ok(Event, "[1]"));
        assert!(!ok(Event, "{}"));
        assert!(validate(Event, None, 0).is_err());
        assert!(ok(Ack, "[]"));
        assert!(ok(Ack, r#"[1,"a"]"#));
        assert!(!ok(Ack, "{}"));
        assert!(validate(Ack, None, 0).is_err());
        assert!(ok(ConnectError, r#"{"message":"no"}"#));
        assert!(ok(ConnectError, r#""no""#));
        assert!(!ok(ConnectError, "1"));
        assert!(validate(ConnectError, None, 0).is_err());
    }

    #[test]
    fn whitespace_around_json_is_allowed() {
        assert!(ok(Event, " [ \"a\" , 1 ] \n"));
        assert!(matches!(
            validate(Event, Some(b"[\"a\"] x"), 0),
            Err(DecodeError::InvalidJson(_))
        ));
    }

    #[test]
    fn placeholders_checked_only_for_binary_types() {
        let p = br#"["a",{"_placeholder":true,"num":1}]"#;
        assert!(validate(Event, Some(p), 0).is_ok());
        assert_eq!(
            validate(BinaryEvent, Some(p), 1),
            Err(DecodeError::BadPlaceholder)
        );
        assert!(validate(BinaryEvent, Some(p), 2).is_ok());
        // Nested, float index, missing or bad num, not-true flag.
        assert!(
            validate(
                BinaryAck,
                Some(br#"[{"a":[{"_placeholder":true,"num":0.0}]}]"#),
                1
            )
            .is_ok()
        );
        for bad in [
            r#"[{"_placeholder":true}]"#,
            r#"[{"_placeholder":true,"num":-1}]"#,
            r#"[{"_placeholder":true,"num":0.5}]"#,
            r#"[{"_placeholder":true,"num":"0"}]"#,
            r#"[{"num":0,"_placeholder":true,"num":7}]"#,
        ] {
            assert_eq!(
                validate(BinaryAck, Some(bad.as_bytes()), 1),
                Err(DecodeError::BadPlaceholder),
                "{bad}"
            );
        }
        assert!(validate(BinaryAck, Some(br#"[{"_placeholder":1,"num":9}]"#), 1).is_ok());
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(matches!(
            validate(Ack, Some(deep.as_bytes()), 0),
            Err(DecodeError::InvalidJson(_))
        ));
        let deep = format!("{}1{}", r#"{"a":"#.repeat(10_000), "}".repeat(10_000));
        assert!(matches!(
            validate(Connect, Some(deep.as_bytes()), 0),
            Err(DecodeError::InvalidJson(_))
        ));
        // 100 levels are fine.
        let ok_deep = format!(r#"["a",{}{}]"#, "[".repeat(100), "]".repeat(100));
        assert!(ok(Event, &ok_deep));
    }

    #[test]
    fn depth_limit_matches_serde_json() {
        let nest = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert!(ok(Ack, &nest(MAX_DEPTH)));
        assert!(serde_json::from_str::<serde_json::Value>(&nest(MAX_DEPTH)).is_ok());
        assert!(!ok(Ack, &nest(MAX_DEPTH + 1)));
        assert!(serde_json::from_str::<serde_json::Value>(&nest(MAX_DEPTH + 1)).is_err());
        // The binary path's own walk agrees.
        assert!(validate(BinaryAck, Some(nest(MAX_DEPTH).as_bytes()), 1).is_ok());
        assert!(walk(nest(MAX_DEPTH + 1).as_bytes(), 1).is_err());
        // Brackets in strings, escaped quotes, do not count.
        let s = format!(r#"["a\"{}"]"#, "[".repeat(1000));
        assert!(ok(Event, &s));
    }

    #[test]
    fn lone_surrogates() {
        // Accepted as JSON.parse does (serde_json refuses them only when it
        // must decode the string)...
        assert!(ok(Event, r#"["a","\ud800"]"#));
        assert!(ok(Event, r#"["\udc00"]"#));
        // ...but the binary path decodes strings and refuses them.
        assert!(matches!(
            validate(BinaryEvent, Some(br#"["\ud800"]"#), 1),
            Err(DecodeError::InvalidJson(_))
        ));
    }

    #[test]
    fn shapes_from_first_bytes() {
        assert_eq!(shape_of(b" {}"), Shape::Object);
        assert_eq!(shape_of(b"\"x\""), Shape::Str);
        assert_eq!(shape_of(b"[ ]"), Shape::Array(Head::Empty));
        assert_eq!(shape_of(b"[\n\"a\"]"), Shape::Array(Head::Str));
        assert_eq!(shape_of(b"[1]"), Shape::Array(Head::Other));
        assert_eq!(shape_of(b"[[]]"), Shape::Array(Head::Other));
        assert_eq!(shape_of(b"1"), Shape::Null);
        assert_eq!(shape_of(b""), Shape::Null);
    }

    #[test]
    fn integral_f64_edges() {
        assert_eq!(integral_f64(0.0), Some(0));
        assert_eq!(integral_f64(3.0), Some(3));
        assert_eq!(integral_f64(-1.0), None);
        assert_eq!(integral_f64(0.5), None);
        assert_eq!(integral_f64(f64::NAN), None);
        assert_eq!(integral_f64(f64::INFINITY), None);
        assert_eq!(integral_f64(1e30), None);
    }
}
