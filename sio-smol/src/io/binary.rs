//! Binary values in serde-typed arguments.
//!
//! [`Binary`] serialises as a Socket.IO placeholder
//! (`{"_placeholder":true,"num":N}`) while arguments are being built, the
//! bytes going to the packet's attachments, and deserialises from a
//! placeholder by taking the matching attachment. Anywhere in a value: at the
//! top, nested in structs, in vectors.

use bytes::Bytes;
use serde::de::{self, DeserializeOwned, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use sio_core::socket::Args;
use std::cell::RefCell;
use std::fmt;

thread_local! {
    /// Attachments collected while serialising arguments.
    static OUTGOING: RefCell<Option<Vec<Bytes>>> = const { RefCell::new(None) };
    /// Attachments available while deserialising arguments.
    static INCOMING: RefCell<Option<Vec<Bytes>>> = const { RefCell::new(None) };
}

/// Binary data in event arguments (a `Buffer` / `Uint8Array` on the JS side).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Binary(pub Bytes);

impl From<Bytes> for Binary {
    fn from(b: Bytes) -> Binary {
        Binary(b)
    }
}

impl From<Vec<u8>> for Binary {
    fn from(v: Vec<u8>) -> Binary {
        Binary(Bytes::from(v))
    }
}

impl Serialize for Binary {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let num = OUTGOING.with(|o| {
            o.borrow_mut().as_mut().map(|list| {
                list.push(self.0.clone());
                list.len() - 1
            })
        });
        match num {
            Some(num) => {
                let mut map = s.serialize_map(Some(2))?;
                map.serialize_entry("_placeholder", &true)?;
                map.serialize_entry("num", &num)?;
                map.end()
            }
            // Outside of argument building (e.g. plain serde_json): bytes.
            None => s.serialize_bytes(&self.0),
        }
    }
}

impl<'de> Deserialize<'de> for Binary {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Binary, D::Error> {
        d.deserialize_any(BinaryVisitor)
    }
}

struct BinaryVisitor;

impl<'de> Visitor<'de> for BinaryVisitor {
    type Value = Binary;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a binary placeholder or a byte array")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Binary, A::Error> {
        let mut num = None;
        let mut placeholder = false;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "_placeholder" => placeholder = map.next_value()?,
                "num" => num = Some(map.next_value::<usize>()?),
                _ => {
                    map.next_value::<de::IgnoredAny>()?;
                }
            }
        }
        let (true, Some(num)) = (placeholder, num) else {
            return Err(de::Error::custom("not a binary placeholder"));
        };
        INCOMING
            .with(|i| i.borrow().as_ref().and_then(|l| l.get(num).cloned()))
            .map(Binary)
            .ok_or_else(|| de::Error::custom("placeholder without attachment"))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Binary, A::Error> {
        let mut out = Vec::new();
        while let Some(b) = seq.next_element::<u8>()? {
            out.push(b);
        }
        Ok(Binary(Bytes::from(out)))
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Binary, E> {
        Ok(Binary(Bytes::copy_from_slice(v)))
    }
}

/// Why arguments could not be read or written.
#[derive(Debug, thiserror::Error)]
#[error("arguments: {0}")]
pub struct ArgsError(#[from] serde_json::Error);

/// Builds arguments from a value that serialises as a JSON array (a tuple,
/// a `Vec`, an array), collecting [`Binary`] values as attachments.
pub fn args_from_array<T: Serialize + ?Sized>(values: &T) -> Result<Args, ArgsError> {
    let prev = OUTGOING.with(|o| o.replace(Some(Vec::new())));
    let json = serde_json::to_vec(values);
    let attachments = OUTGOING.with(|o| o.replace(prev)).unwrap_or_default();
    let json = json?;
    if json.first() != Some(&b'[') {
        return Err(ArgsError(de::Error::custom(
            "arguments must serialise as an array",
        )));
    }
    Ok(Args {
        json: Bytes::from(json),
        attachments,
    })
}

/// Builds a one-argument list from `value`.
pub fn args_from_value<T: Serialize + ?Sized>(value: &T) -> Result<Args, ArgsError> {
    args_from_array(&[value])
}

/// Reads all arguments as `T` (a tuple, a `Vec`, ...), resolving binary
/// placeholders to [`Binary`] values.
pub fn args_as<T: DeserializeOwned>(args: &Args) -> Result<T, ArgsError> {
    let prev = INCOMING.with(|i| i.replace(Some(args.attachments.clone())));
    let out = serde_json::from_slice(&args.json);
    INCOMING.with(|i| i.replace(prev));
    Ok(out?)
}

/// Reads the first argument as `T` (`()` reads a missing one as unit).
pub fn first_arg<T: DeserializeOwned>(args: &Args) -> Result<T, ArgsError> {
    let prev = INCOMING.with(|i| i.replace(Some(args.attachments.clone())));
    let out = (|| {
        let list: Vec<&serde_json::value::RawValue> = serde_json::from_slice(&args.json)?;
        match list.first() {
            Some(raw) => serde_json::from_str(raw.get()),
            None => serde_json::from_str("null"),
        }
    })();
    INCOMING.with(|i| i.replace(prev));
    Ok(out?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct File {
        name: String,
        data: Binary,
    }

    #[test]
    fn placeholders_both_ways() {
        let file = File {
            name: "a".into(),
            data: Binary(Bytes::from_static(&[1, 2, 3])),
        };
        let args = args_from_array(&("x", &file, Binary(Bytes::from_static(b"z")))).unwrap();
        assert_eq!(
            &args.json[..],
            br#"["x",{"name":"a","data":{"_placeholder":true,"num":0}},{"_placeholder":true,"num":1}]"#
        );
        assert_eq!(args.attachments.len(), 2);
        let (s, f, z): (String, File, Binary) = args_as(&args).unwrap();
        assert_eq!((s.as_str(), f, z.0.as_ref()), ("x", file, &b"z"[..]));
        let first: String = first_arg(&args).unwrap();
        assert_eq!(first, "x");
    }

    #[test]
    fn errors_are_reported() {
        let args = Args::from_json(r#"[{"_placeholder":true,"num":5}]"#);
        assert!(first_arg::<Binary>(&args).is_err());
        assert!(args_from_array(&5).is_err());
    }
}
