//! permessage-deflate (RFC 7692) for WebSockets: the option
//! (`EngineConfig::per_message_deflate`, off by default as in Node) and
//! its negotiation from the request's `Sec-WebSocket-Extensions`.
//!
//! The core only negotiates: it answers with the extension in the `101`'s
//! headers and gives the adapter the parameters with
//! [`crate::Output::WsAccept`]; the adapter compresses and inflates the
//! frames. The answer is always `server_no_context_takeover;
//! client_no_context_takeover`: every message is compressed and inflated
//! on its own, so a connection keeps no compression window between
//! messages (about 300 KB for a deflate window pair, kept per connection
//! by Node's `ws`); its memory is that of the one message in flight.

/// permessage-deflate settings (off unless set).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PerMessageDeflate {
    /// Messages shorter than this many bytes are sent uncompressed
    /// (default 1024, Node's).
    pub threshold: usize,
    /// Compression level, 0 to 9 (default 1: see
    /// [`super::HttpCompression::level`]; Node's `ws` uses zlib's 6).
    pub level: u32,
}

impl Default for PerMessageDeflate {
    fn default() -> Self {
        PerMessageDeflate {
            threshold: 1024,
            level: 1,
        }
    }
}

/// The `Sec-WebSocket-Extensions` value of an accepted offer.
pub const ACCEPTED: &str =
    "permessage-deflate; server_no_context_takeover; client_no_context_takeover";

/// Whether the `Sec-WebSocket-Extensions` values `offers` hold a
/// permessage-deflate offer the server can take: known parameters, each
/// at most once, valid values, and no `server_max_window_bits` below 15
/// (the compressor always uses a 32 KiB window).
pub fn accepts_offer<'a>(offers: impl Iterator<Item = &'a str>) -> bool {
    offers.flat_map(|v| v.split(',')).any(acceptable)
}

fn acceptable(ext: &str) -> bool {
    let mut parts = ext.split(';').map(str::trim);
    if !parts
        .next()
        .is_some_and(|n| n.eq_ignore_ascii_case("permessage-deflate"))
    {
        return false;
    }
    let mut seen = [false; 4];
    for p in parts {
        let (name, value) = match p.split_once('=') {
            Some((n, v)) => (n.trim(), Some(v.trim().trim_matches('"'))),
            None => (p, None),
        };
        let (slot, ok) = match name.to_ascii_lowercase().as_str() {
            "server_no_context_takeover" => (0, value.is_none()),
            "client_no_context_takeover" => (1, value.is_none()),
            // Only 15 is a window this server's compressor keeps to.
            "server_max_window_bits" => (2, value.is_some_and(|v| window_bits(v) == Some(15))),
            // Any window: each message is inflated on its own, with room
            // for the largest.
            "client_max_window_bits" => (3, value.is_none_or(|v| window_bits(v).is_some())),
            _ => return false,
        };
        if !ok || std::mem::replace(&mut seen[slot], true) {
            return false;
        }
    }
    true
}

/// A window size parameter: 8 to 15, digits only.
fn window_bits(v: &str) -> Option<u8> {
    if v.is_empty() || v.len() > 2 || !v.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    v.parse().ok().filter(|b| (8..=15).contains(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(h: &str) -> bool {
        accepts_offer(std::iter::once(h))
    }

    #[test]
    fn negotiates_offers() {
        // Node's ws and browsers.
        assert!(ok("permessage-deflate; client_max_window_bits"));
        assert!(ok("permessage-deflate"));
        assert!(ok("x-webkit-deflate-frame, permessage-deflate"));
        assert!(ok(
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover"
        ));
        assert!(ok("permessage-deflate; client_max_window_bits=10"));
        assert!(ok("permessage-deflate; server_max_window_bits=\"15\""));
        // A later offer is taken when the first is not.
        assert!(ok(
            "permessage-deflate; server_max_window_bits=10, permessage-deflate"
        ));
        assert!(accepts_offer(["foo", "permessage-deflate"].into_iter()));
        // Refused: none, smaller windows, unknown or repeated parameters,
        // bad values.
        assert!(!ok(""));
        assert!(!ok("x-webkit-deflate-frame"));
        assert!(!ok("permessage-deflate; server_max_window_bits=10"));
        assert!(!ok("permessage-deflate; server_max_window_bits"));
        assert!(!ok("permessage-deflate; foo"));
        assert!(!ok(
            "permessage-deflate; client_max_window_bits; client_max_window_bits"
        ));
        assert!(!ok("permessage-deflate; client_max_window_bits=16"));
        assert!(!ok("permessage-deflate; client_max_window_bits=+9"));
        assert!(!ok("permessage-deflate; server_no_context_takeover=1"));
    }
}
