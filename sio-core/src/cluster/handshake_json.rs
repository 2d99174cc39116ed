//! The `handshake` object of a socket in a fetch answer, as Node's
//! `socket.handshake` serialises.

use bytes::Bytes;

use super::date::js_date_string;
use super::value::json_str;
use crate::handshake::Handshake;
use crate::http::{percent_decode, push_decimal, query_pairs};

/// `(name, values)` pairs in order of first appearance.
fn group(pairs: impl Iterator<Item = (String, String)>) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for (k, v) in pairs {
        match out.iter_mut().find(|(n, _)| *n == k) {
            Some((_, vs)) => vs.push(v),
            None => out.push((k, vec![v])),
        }
    }
    out
}

/// The `handshake` object of a fetch answer (spec section 5): headers
/// (object of lower-case names), time (JS `Date#toString()` form of
/// `issued` in UTC, e.g. "Mon Jan 01 2024 00:00:00 GMT+0000 (Coordinated
/// Universal Time)"), address (string; "" when unknown), xdomain (bool: an
/// `origin` header is present), secure, issued (ms since the epoch, 0 if
/// unknown), url (path + "?" + query), query (object of the query's
/// parameters, decoded), auth (the raw CONNECT payload JSON object). Keys
/// in that order.
///
/// As Node: a header sent more than once is one value joined with `", "`;
/// a query parameter given more than once is an array of its values; the
/// url has no `?` when the query is empty. `auth` that is not a JSON
/// object (or is empty) is written as `{}`.
pub fn handshake_json(handshake: &Handshake, auth: &[u8]) -> Bytes {
    let mut out = Vec::with_capacity(256);
    out.extend_from_slice(b"{\"headers\":{");
    let headers = group(
        handshake
            .headers()
            .map(|(n, v)| (n.to_ascii_lowercase(), v.to_owned())),
    );
    for (i, (name, values)) in headers.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        json_str(&mut out, name);
        out.push(b':');
        json_str(&mut out, &values.join(", "));
    }
    let issued = handshake
        .issued()
        .and_then(|t| t.duration_since(std::time::SystemTime::UNIX_EPOCH).ok())
        .and_then(|d| u64::try_from(d.as_millis()).ok())
        .unwrap_or(0);
    out.extend_from_slice(b"},\"time\":");
    json_str(&mut out, &js_date_string(issued));
    out.extend_from_slice(b",\"address\":");
    let address = handshake
        .address()
        .map(|a| a.to_string())
        .unwrap_or_default();
    json_str(&mut out, &address);
    out.extend_from_slice(b",\"xdomain\":");
    let xdomain = handshake.header("origin").is_some();
    out.extend_from_slice(if xdomain { b"true" } else { b"false" });
    out.extend_from_slice(b",\"secure\":");
    out.extend_from_slice(if handshake.secure() {
        b"true"
    } else {
        b"false"
    });
    out.extend_from_slice(b",\"issued\":");
    push_decimal(&mut out, issued);
    out.extend_from_slice(b",\"url\":");
    let query = handshake.query();
    let url = if query.is_empty() {
        handshake.path().to_owned()
    } else {
        format!("{}?{query}", handshake.path())
    };
    json_str(&mut out, &url);
    out.extend_from_slice(b",\"query\":{");
    let params = group(
        query_pairs(query)
            .filter(|(k, v)| !(k.is_empty() && v.is_empty()))
            .map(|(k, v)| {
                (
                    percent_decode(k).into_owned(),
                    percent_decode(v).into_owned(),
                )
            }),
    );
    for (i, (key, values)) in params.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        json_str(&mut out, key);
        out.push(b':');
        match values.as_slice() {
            [one] => json_str(&mut out, one),
            many => {
                out.push(b'[');
                for (j, v) in many.iter().enumerate() {
                    if j > 0 {
                        out.push(b',');
                    }
                    json_str(&mut out, v);
                }
                out.push(b']');
            }
        }
    }
    out.extend_from_slice(b"},\"auth\":");
    let auth = std::str::from_utf8(auth).map(str::trim).unwrap_or("");
    let is_object =
        auth.starts_with('{') && serde_json::from_str::<&serde_json::value::RawValue>(auth).is_ok();
    out.extend_from_slice(if is_object { auth.as_bytes() } else { b"{}" });
    out.push(b'}');
    Bytes::from(out)
}
