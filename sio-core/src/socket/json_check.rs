//! A one-pass check that bytes are one JSON text (RFC 8259), nested at
//! most [`MAX_DEPTH`] deep, without building or decoding anything.
//!
//! It accepts exactly what serde_json accepts when it skips a value
//! (`IgnoredAny`): the grammar, strings without raw control characters,
//! escapes `\" \\ \/ \b \f \n \r \t \uXXXX` (a lone surrogate escape such
//! as `"\ud800"` included, as `JSON.parse` does), numbers of any size.
//! UTF-8 is the caller's to check. It replaces serde_json plus a separate
//! depth scan on the path every incoming event takes; the property test
//! below holds it to the same answers.

use super::validate::MAX_DEPTH;

/// Why the bytes are not one JSON text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JsonError {
    /// Not JSON at this byte offset.
    Syntax(usize),
    /// Arrays and objects nested deeper than [`MAX_DEPTH`].
    TooDeep,
}

/// Checks that `d` is one JSON value, with optional whitespace around it.
pub(crate) fn check_json(d: &[u8]) -> Result<(), JsonError> {
    // One bit per open container: set for an object, clear for an array.
    let mut kinds: u128 = 0;
    let mut depth = 0usize;
    let mut i = skip_ws(d, 0);
    'value: loop {
        // A value starts at `i`.
        match d.get(i) {
            Some(b'{') | Some(b'[') => {
                let object = d[i] == b'{';
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(JsonError::TooDeep);
                }
                let bit = 1u128 << (depth - 1);
                if object {
                    kinds |= bit;
                } else {
                    kinds &= !bit;
                }
                i = skip_ws(d, i + 1);
                let close = if object { b'}' } else { b']' };
                if d.get(i) == Some(&close) {
                    i += 1;
                    depth -= 1;
                } else {
                    if object {
                        i = member_key(d, i)?;
                    }
                    continue 'value;
                }
            }
            Some(b'"') => i = string(d, i)?,
            Some(b't') => i = literal(d, i, b"true")?,
            Some(b'f') => i = literal(d, i, b"false")?,
            Some(b'n') => i = literal(d, i, b"null")?,
            Some(b'-' | b'0'..=b'9') => i = number(d, i)?,
            _ => return Err(JsonError::Syntax(i)),
        }
        // After a value: close containers, or go on to the next element.
        loop {
            i = skip_ws(d, i);
            if depth == 0 {
                return if i == d.len() {
                    Ok(())
                } else {
                    Err(JsonError::Syntax(i))
                };
            }
            let object = kinds & (1u128 << (depth - 1)) != 0;
            match d.get(i) {
                Some(b',') => {
                    i = skip_ws(d, i + 1);
                    if object {
                        i = member_key(d, i)?;
                    }
                    continue 'value;
                }
                Some(b'}') if object => {
                    i += 1;
                    depth -= 1;
                }
                Some(b']') if !object => {
                    i += 1;
                    depth -= 1;
                }
                _ => return Err(JsonError::Syntax(i)),
            }
        }
    }
}

/// The first byte at or after `i` that is not JSON whitespace.
fn skip_ws(d: &[u8], mut i: usize) -> usize {
    while let Some(b' ' | b'\t' | b'\n' | b'\r') = d.get(i) {
        i += 1;
    }
    i
}

/// An object member's `"key" :` at `i`; returns where its value starts.
fn member_key(d: &[u8], i: usize) -> Result<usize, JsonError> {
    if d.get(i) != Some(&b'"') {
        return Err(JsonError::Syntax(i));
    }
    let i = skip_ws(d, string(d, i)?);
    if d.get(i) != Some(&b':') {
        return Err(JsonError::Syntax(i));
    }
    Ok(skip_ws(d, i + 1))
}

/// The string starting with the quote at `i`; returns the offset after it.
fn string(d: &[u8], i: usize) -> Result<usize, JsonError> {
    let mut i = i + 1;
    loop {
        i = plain_run_end(d, i);
        match d.get(i) {
            Some(b'"') => return Ok(i + 1),
            Some(b'\\') => {
                i += 1;
                match d.get(i) {
                    Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => i += 1,
                    Some(b'u') => {
                        let hex = d.get(i + 1..i + 5).ok_or(JsonError::Syntax(d.len()))?;
                        if let Some(bad) = hex.iter().position(|h| !h.is_ascii_hexdigit()) {
                            return Err(JsonError::Syntax(i + 1 + bad));
                        }
                        i += 5;
                    }
                    _ => return Err(JsonError::Syntax(i)),
                }
            }
            Some(c) if *c < 0x20 => return Err(JsonError::Syntax(i)),
            Some(_) => i += 1,
            None => return Err(JsonError::Syntax(i)),
        }
    }
}

/// Bytes with each of the eight lanes set to `b`.
const fn lanes(b: u8) -> u64 {
    0x0101_0101_0101_0101 * b as u64
}

/// The first byte at or after `i` that ends a run of plain string bytes (a
/// quote, a backslash or a control character), or `d.len()`.
///
/// Eight bytes at a time: a lane is flagged when it is zero after xor with
/// `"` or `\`, or below 0x20 (the classic "has zero byte" / "has byte less
/// than" word tricks; exact about whether a word has such a byte). The
/// flagged word is then scanned byte by byte.
fn plain_run_end(d: &[u8], mut i: usize) -> usize {
    const ONES: u64 = lanes(1);
    const HIGH: u64 = lanes(0x80);
    let tail = d.get(i..).unwrap_or_default();
    for word in tail.chunks_exact(8) {
        let mut w = [0u8; 8];
        w.copy_from_slice(word);
        let x = u64::from_le_bytes(w);
        let quote = x ^ lanes(b'"');
        let backslash = x ^ lanes(b'\\');
        let hits = (quote.wrapping_sub(ONES) & !quote)
            | (backslash.wrapping_sub(ONES) & !backslash)
            | (x.wrapping_sub(lanes(0x20)) & !x);
        if hits & HIGH != 0 {
            break;
        }
        i += 8;
    }
    while let Some(&c) = d.get(i) {
        if c == b'"' || c == b'\\' || c < 0x20 {
            break;
        }
        i += 1;
    }
    i
}

/// `word` (`true`, `false` or `null`) at `i`.
fn literal(d: &[u8], i: usize, word: &[u8]) -> Result<usize, JsonError> {
    match d.get(i..i + word.len()) {
        Some(w) if w == word => Ok(i + word.len()),
        _ => Err(JsonError::Syntax(i)),
    }
}

/// The number at `i`: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
fn number(d: &[u8], mut i: usize) -> Result<usize, JsonError> {
    if d.get(i) == Some(&b'-') {
        i += 1;
    }
    match d.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => i = digits(d, i),
        _ => return Err(JsonError::Syntax(i)),
    }
    if d.get(i) == Some(&b'.') {
        i += 1;
        if !d.get(i).is_some_and(u8::is_ascii_digit) {
            return Err(JsonError::Syntax(i));
        }
        i = digits(d, i);
    }
    if let Some(b'e' | b'E') = d.get(i) {
        i += 1;
        if let Some(b'+' | b'-') = d.get(i) {
            i += 1;
        }
        if !d.get(i).is_some_and(u8::is_ascii_digit) {
            return Err(JsonError::Syntax(i));
        }
        i = digits(d, i);
    }
    Ok(i)
}

/// The first byte at or after `i` that is not a digit.
fn digits(d: &[u8], mut i: usize) -> usize {
    while d.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde::de::IgnoredAny;

    /// The reference: what validation did before this module, a byte scan
    /// for the depth, then serde_json skipping one value.
    fn reference(d: &[u8]) -> bool {
        let mut depth = 0usize;
        let (mut in_string, mut escaped) = (false, false);
        for &c in d {
            if in_string {
                if escaped {
                    escaped = false;
                } else if c == b'\\' {
                    escaped = true;
                } else if c == b'"' {
                    in_string = false;
                }
                continue;
            }
            match c {
                b'"' => in_string = true,
                b'[' | b'{' => {
                    depth += 1;
                    if depth > MAX_DEPTH {
                        return false;
                    }
                }
                b']' | b'}' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        serde_json::from_slice::<IgnoredAny>(d).is_ok()
    }

    fn agree(d: &[u8]) {
        assert_eq!(
            check_json(d).is_ok(),
            reference(d),
            "{:?}",
            String::from_utf8_lossy(d)
        );
    }

    #[test]
    fn known_texts() {
        for ok in [
            "0",
            "-0",
            "-12.5e+3",
            "1E400",
            "\"\"",
            " [ ] ",
            "{}",
            r#"["echo","x\"y\\z\/\b\f\n\r\t\u00e9\ud800"]"#,
            r#"{"a":[1,{"b":null}],"c":true,"d":false}"#,
            "[1,[2,[3]]]\n",
        ] {
            assert_eq!(check_json(ok.as_bytes()), Ok(()), "{ok}");
            agree(ok.as_bytes());
        }
        for bad in [
            "",
            " ",
            "01",
            "1.",
            ".5",
            "-",
            "1e",
            "+1",
            "[1,]",
            "[,1]",
            "{\"a\"}",
            "{\"a\":}",
            "{a:1}",
            "{\"a\":1,}",
            "[1 2]",
            "\"\\x\"",
            "\"\\u12g4\"",
            "\"\\u12\"",
            "\"a\u{1}b\"",
            "\"open",
            "[1]]",
            "[1}",
            "{\"a\":1]",
            "tru",
            "nul",
            "[] []",
            "NaN",
        ] {
            assert!(check_json(bad.as_bytes()).is_err(), "{bad:?} accepted");
            agree(bad.as_bytes());
        }
    }

    #[test]
    fn depth_limit() {
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert_eq!(check_json(ok.as_bytes()), Ok(()));
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert_eq!(check_json(deep.as_bytes()), Err(JsonError::TooDeep));
        let objects = format!("{}1{}", "{\"a\":".repeat(MAX_DEPTH), "}".repeat(MAX_DEPTH));
        assert_eq!(check_json(objects.as_bytes()), Ok(()));
        agree(objects.as_bytes());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1500))]
        /// Random texts made of JSON's own pieces agree with serde_json.
        #[test]
        fn agrees_with_serde_json(
            pieces in proptest::collection::vec(
                prop_oneof![
                    Just("["), Just("]"), Just("{"), Just("}"), Just(","), Just(":"),
                    Just("\""), Just("\\"), Just("u"), Just("0"), Just("1"), Just("-"),
                    Just("."), Just("e"), Just("+"), Just(" "), Just("true"), Just("null"),
                    Just("\"a\""), Just("\"\\u00e9\""), Just("\n"), Just("x"), Just("\u{1}"),
                ],
                0..24,
            )
        ) {
            agree(pieces.concat().as_bytes());
        }

        /// The word-at-a-time scan stops where a byte-by-byte scan does.
        #[test]
        fn plain_runs_end_where_a_byte_scan_says(
            d in proptest::collection::vec(
                prop_oneof![Just(b'"'), Just(b'\\'), 0u8..0x20, 0x20u8..=0xff, Just(b'a')],
                0..40,
            ),
            from in 0usize..45,
        ) {
            let naive = (from..d.len())
                .find(|&i| d[i] == b'"' || d[i] == b'\\' || d[i] < 0x20)
                .unwrap_or(d.len().max(from));
            prop_assert_eq!(plain_run_end(&d, from), naive);
        }

        /// Any serialized JSON value is accepted.
        #[test]
        fn accepts_what_serde_json_writes(v in arb_json()) {
            let text = serde_json::to_string(&v).unwrap();
            prop_assert_eq!(check_json(text.as_bytes()), Ok(()));
            let pretty = serde_json::to_string_pretty(&v).unwrap();
            prop_assert_eq!(check_json(pretty.as_bytes()), Ok(()));
        }
    }

    fn arb_json() -> impl Strategy<Value = serde_json::Value> {
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::from),
            any::<i64>().prop_map(serde_json::Value::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(serde_json::Value::from),
            ".*".prop_map(serde_json::Value::from),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::from),
                proptest::collection::btree_map(".*", inner, 0..6)
                    .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }
}
