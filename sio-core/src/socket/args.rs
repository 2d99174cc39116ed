//! Event and ack payloads on the hot path: the arguments stay raw JSON
//! text, never parsed into a tree and serialised again.

use bytes::Bytes;
use std::borrow::Cow;

/// Splits a decoded EVENT payload `["name", a, b]` into the event name and
/// the raw arguments as a JSON array text `[a, b]`.
///
/// The name borrows from `data` unless it contains escapes. The arguments
/// cost one allocation and a copy of their bytes (`[` followed by `data`
/// after the comma that ends the name), or none when there are no
/// arguments. `None` when `data` does not start with a string element (a
/// payload the [`Decoder`](super::Decoder) accepted as an EVENT always
/// does, unless the string has a lone surrogate escape).
pub fn event_name(data: &Bytes) -> Option<(Cow<'_, str>, Bytes)> {
    let b = &data[..];
    let mut i = skip_ws(b, 0);
    if b.get(i) != Some(&b'[') {
        return None;
    }
    i = skip_ws(b, i + 1);
    if b.get(i) != Some(&b'"') {
        return None;
    }
    let open = i;
    let mut escaped = false;
    i += 1;
    loop {
        match *b.get(i)? {
            b'"' => break,
            b'\\' => {
                escaped = true;
                i += 2;
            }
            _ => i += 1,
        }
    }
    let close = i;
    let name = if escaped {
        Cow::Owned(serde_json::from_slice::<String>(&b[open..=close]).ok()?)
    } else {
        Cow::Borrowed(std::str::from_utf8(&b[open + 1..close]).ok()?)
    };
    i = skip_ws(b, close + 1);
    let args = match *b.get(i)? {
        b']' => Bytes::from_static(b"[]"),
        b',' => {
            let rest = &b[i + 1..];
            let mut args = Vec::with_capacity(rest.len() + 1);
            args.push(b'[');
            args.extend_from_slice(rest);
            Bytes::from(args)
        }
        _ => return None,
    };
    Some((name, args))
}

/// Builds an EVENT payload `["name", ...args]` from the raw arguments as a
/// JSON array text `[...]` (`[]` gives `["name"]`). `args_json_array` must
/// be valid JSON; a value that is not an array is sent as the only
/// argument, and empty input as none.
pub fn event_payload(name: &str, args_json_array: &[u8]) -> Bytes {
    let args = args_json_array.trim_ascii();
    let inner = match args {
        [b'[', inner @ .., b']'] => inner.trim_ascii(),
        other => other,
    };
    let mut out = Vec::with_capacity(name.len() + inner.len() + 8);
    out.push(b'[');
    // Serialising a str into a Vec cannot fail.
    serde_json::to_writer(&mut out, name).expect("a string serialises");
    if !inner.is_empty() {
        out.push(b',');
        out.extend_from_slice(inner);
    }
    out.push(b']');
    Bytes::from(out)
}

/// Builds an ACK payload from the raw arguments as a JSON array text: the
/// payload is that array itself.
pub fn ack_payload(args_json_array: Bytes) -> Bytes {
    args_json_array
}

/// The index of the first non-whitespace byte at or after `i`.
fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while b
        .get(i)
        .is_some_and(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r'))
    {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::{Value, json};

    fn split(data: &str) -> Option<(String, String)> {
        let data = Bytes::copy_from_slice(data.as_bytes());
        event_name(&data).map(|(n, a)| (n.into_owned(), String::from_utf8(a.to_vec()).unwrap()))
    }

    #[test]
    fn splits_name_and_args() {
        assert_eq!(split(r#"["foo"]"#), Some(("foo".into(), "[]".into())));
        assert_eq!(
            split(r#"["hey","Jude"]"#),
            Some(("hey".into(), r#"["Jude"]"#.into()))
        );
        assert_eq!(
            split(r#"["a",1,{"b":[2]},"c"]"#),
            Some(("a".into(), r#"[1,{"b":[2]},"c"]"#.into()))
        );
        assert_eq!(
            split(" [ \"a\" , 1 ,\n2 ] "),
            Some(("a".into(), "[ 1 ,\n2 ] ".into()))
        );
        assert_eq!(split(r#"["a\"b",1]"#), Some(("a\"b".into(), "[1]".into())));
        assert_eq!(split(r#"["a\\",1]"#), Some(("a\\".into(), "[1]".into())));
        assert_eq!(
            split(r#"["\u00e9t\u00e9"]"#),
            Some(("été".into(), "[]".into()))
        );
        assert_eq!(
            split(r#"["😀ñ",true]"#),
            Some(("😀ñ".into(), "[true]".into()))
        );
        assert_eq!(split(r#"[""]"#), Some(("".into(), "[]".into())));
    }

    #[test]
    fn name_borrows_without_escapes() {
        let data = Bytes::from_static(br#"["plain",1]"#);
        assert!(matches!(
            event_name(&data),
            Some((Cow::Borrowed("plain"), _))
        ));
        let data = Bytes::from_static(br#"["esc\n",1]"#);
        assert!(matches!(event_name(&data), Some((Cow::Owned(_), _))));
    }

    #[test]
    fn not_an_event_payload() {
        for bad in [
            "",
            "[",
            "[]",
            "[1]",
            "{}",
            r#"["a"#,
            r#"["a\"#,
            r#"["a""#,
            r#"["a" x]"#,
            r#""a""#,
        ] {
            assert_eq!(split(bad), None, "{bad:?}");
        }
        // A lone surrogate escape is not a Rust string.
        assert_eq!(split(r#"["\ud800"]"#), None);
    }

    #[test]
    fn builds_event_payloads() {
        let p = |name, args: &str| {
            String::from_utf8(event_payload(name, args.as_bytes()).to_vec()).unwrap()
        };
        assert_eq!(p("foo", "[]"), r#"["foo"]"#);
        assert_eq!(p("foo", " [ ] "), r#"["foo"]"#);
        assert_eq!(p("foo", ""), r#"["foo"]"#);
        assert_eq!(p("hey", r#"["Jude"]"#), r#"["hey","Jude"]"#);
        assert_eq!(p("a\"b", "[1,2]"), r#"["a\"b",1,2]"#);
        assert_eq!(p("x", r#"{"a":1}"#), r#"["x",{"a":1}]"#);
        assert_eq!(p("x", "[[1],[2]]"), r#"["x",[1],[2]]"#);
    }

    #[test]
    fn ack_payload_is_identity() {
        let a = Bytes::from_static(b"[1]");
        assert_eq!(ack_payload(a.clone()), a);
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i32>().prop_map(Value::from),
            "\\PC{0,6}".prop_map(Value::from),
        ];
        leaf.prop_recursive(3, 16, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
                prop::collection::btree_map("\\PC{0,4}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn build_then_split(name in "\\PC{0,12}", args in prop::collection::vec(json_value(), 0..4), pretty: bool) {
            let args_text = if pretty {
                serde_json::to_string_pretty(&args).unwrap()
            } else {
                serde_json::to_string(&args).unwrap()
            };
            let payload = event_payload(&name, args_text.as_bytes());
            let mut expected = vec![Value::from(name.clone())];
            expected.extend(args.iter().cloned());
            prop_assert_eq!(serde_json::from_slice::<Value>(&payload).unwrap(), Value::from(expected));

            let (n, a) = event_name(&payload).unwrap();
            prop_assert_eq!(&*n, &*name);
            prop_assert_eq!(serde_json::from_slice::<Value>(&a).unwrap(), json!(args));
        }

        #[test]
        fn split_never_panics(s in "\\PC{0,40}") {
            let _ = event_name(&Bytes::from(s));
        }
    }
}
