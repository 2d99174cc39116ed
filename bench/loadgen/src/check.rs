//! The `echo` event of the echo and polling scenarios: what is sent and how
//! the acknowledgement is checked.

use serde_json::Value;
use std::fmt::Write;

/// Writes the packet `42<id>["echo","<data>"]` into `out` (cleared first),
/// where `<data>` is [`payload`]; returns the range of `<data>` in `out`.
pub fn echo_packet(
    out: &mut String,
    client: usize,
    id: u64,
    size: usize,
) -> std::ops::Range<usize> {
    out.clear();
    // Writing to a String cannot fail.
    let _ = write!(out, "42{id}[\"echo\",\"");
    let start = out.len();
    payload(out, client, id, size);
    let end = out.len();
    out.push_str("\"]");
    start..end
}

/// Appends exactly `size` ASCII bytes unique to (client, id), so that an
/// ack given to the wrong client or message is caught: `c<client>s<id>-`
/// cut to `size`, padded with `x`.
pub fn payload(out: &mut String, client: usize, id: u64, size: usize) {
    let start = out.len();
    // Writing to a String cannot fail.
    let _ = write!(out, "c{client}s{id}-");
    out.truncate(start + size.min(out.len() - start));
    let short = size - (out.len() - start);
    out.extend(std::iter::repeat_n('x', short));
}

/// Whether `got` acknowledges message `id` with `[data]`. The usual
/// `43<id>["<data>"]` is recognised without parsing; anything else is
/// compared as JSON, so a server may format it differently.
pub fn ack_matches(got: &str, id: u64, data: &str) -> bool {
    let Some(rest) = got.strip_prefix("43") else {
        return false;
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if rest[..digits].parse() != Ok(id) {
        return false;
    }
    let args = &rest[digits..];
    if let Some(inner) = args.strip_prefix("[\"").and_then(|a| a.strip_suffix("\"]")) {
        if inner == data {
            return true;
        }
    }
    match serde_json::from_str::<Value>(args) {
        Ok(Value::Array(a)) => a.len() == 1 && a[0].as_str() == Some(data),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_size_and_uniqueness() {
        let mut s = String::new();
        payload(&mut s, 3, 7, 64);
        assert_eq!(s.len(), 64);
        assert!(s.starts_with("c3s7-xx"));
        s.clear();
        payload(&mut s, 3, 7, 2);
        assert_eq!(s, "c3");
        s.clear();
        payload(&mut s, 12, 345, 0);
        assert_eq!(s, "");
    }

    #[test]
    fn packet_layout() {
        let mut p = String::from("old");
        let data = echo_packet(&mut p, 1, 42, 8);
        assert_eq!(p, r#"4242["echo","c1s42-xx"]"#);
        assert_eq!(&p[data], "c1s42-xx");
    }

    #[test]
    fn ack_checks() {
        assert!(ack_matches(r#"435["abc"]"#, 5, "abc"));
        assert!(ack_matches(r#"435[ "abc" ]"#, 5, "abc"));
        assert!(ack_matches(r#"435["a\u0062c"]"#, 5, "abc"));
        assert!(!ack_matches(r#"436["abc"]"#, 5, "abc"));
        assert!(!ack_matches(r#"435["abd"]"#, 5, "abc"));
        assert!(!ack_matches(r#"435["abc",1]"#, 5, "abc"));
        assert!(!ack_matches(r#"42["abc"]"#, 5, "abc"));
        assert!(!ack_matches("43", 5, "abc"));
        assert!(!ack_matches("435", 5, "abc"));
        assert!(!ack_matches("43é", 5, "abc"));
    }
}
