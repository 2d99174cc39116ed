//! The client's request paths: the configured path, the user's query
//! (percent-encoded here), then `EIO`, `transport`, `t` and `sid`, in the
//! official client's order.

use super::config::EngineClientConfig;

/// The transport a request is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A polling GET or POST.
    Polling,
    /// A WebSocket handshake.
    WebSocket,
}

/// `path?query` for a request: `stamp` is the `t` value (polling with
/// `timestamp_requests` only), `sid` the session once known.
pub(crate) fn path_and_query(
    config: &EngineClientConfig,
    kind: Kind,
    stamp: Option<&str>,
    sid: Option<&str>,
) -> String {
    let mut out = String::with_capacity(config.path.len() + 64);
    out.push_str(&config.path);
    out.push('?');
    for (k, v) in &config.query {
        encode_component(k, &mut out);
        out.push('=');
        encode_component(v, &mut out);
        out.push('&');
    }
    out.push_str("EIO=4&transport=");
    out.push_str(match kind {
        Kind::Polling => "polling",
        Kind::WebSocket => "websocket",
    });
    if let Some(t) = stamp {
        out.push_str("&t=");
        out.push_str(t);
    }
    if let Some(sid) = sid {
        out.push_str("&sid=");
        encode_component(sid, &mut out);
    }
    out
}

/// Percent-encodes `s` as JavaScript's `encodeURIComponent` does (every
/// byte but `A-Z a-z 0-9 - _ . ! ~ * ' ( )`).
pub(crate) fn encode_component(s: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
}

/// The opaque cache-busting `t` value for request number `n`: `n` in the
/// alphabet of `yeast` (the official client's, which uses the time; the
/// core has no clock, and a counter is as unique).
pub(crate) fn stamp(mut n: u64) -> String {
    const ALPHABET: &[u8; 64] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_";
    let mut digits = Vec::with_capacity(11);
    loop {
        digits.push(ALPHABET[(n % 64) as usize]);
        n /= 64;
        if n == 0 {
            break;
        }
    }
    digits.reverse();
    // The alphabet is ASCII.
    String::from_utf8(digits).expect("ASCII")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::ClientConfig;

    #[test]
    fn official_order_and_encoding() {
        let mut config = ClientConfig::default().engine;
        config.query = vec![("token".into(), "a b&c=é".into())];
        assert_eq!(
            path_and_query(&config, Kind::Polling, Some("5"), Some("E1")),
            "/socket.io/?token=a%20b%26c%3D%C3%A9&EIO=4&transport=polling&t=5&sid=E1"
        );
        config.query.clear();
        assert_eq!(
            path_and_query(&config, Kind::WebSocket, None, None),
            "/socket.io/?EIO=4&transport=websocket"
        );
    }

    #[test]
    fn stamps_are_distinct_and_url_safe() {
        let all: std::collections::BTreeSet<String> = (0..5000).map(stamp).collect();
        assert_eq!(all.len(), 5000);
        assert!(all.iter().all(|s| {
            s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        }));
        assert_eq!(stamp(0), "0");
        assert_eq!(stamp(64), "10");
    }
}
