//! The handshake request as a session keeps it: path, query and headers
//! packed into one string, for the application to read for the session's
//! whole life.
//!
//! A [`HttpRequest`] owns two strings per header plus a vector; kept for
//! every idle connection that was most of a session's memory. Here they
//! cost two allocations in all.

use std::borrow::Cow;

use crate::http::{HttpRequest, query_param};

/// The path, query and headers of the request that opened a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handshake {
    /// Path, query, then every header name and value, back to back.
    text: Box<str>,
    /// Where each piece of `text` ends: the path, the query, then a name and
    /// a value per header.
    ends: Box<[u32]>,
}

impl Handshake {
    /// Packs `req`'s path, query and headers. Pieces past 4 GiB in all (no
    /// request the adapter accepts comes near) are cut off.
    pub fn new(req: &HttpRequest) -> Handshake {
        let pieces = [req.path.as_str(), req.query.as_str()].into_iter().chain(
            req.headers
                .iter()
                .flat_map(|(n, v)| [n.as_str(), v.as_str()]),
        );
        let len: usize = pieces.clone().map(str::len).sum();
        let mut text = String::with_capacity(len.min(u32::MAX as usize));
        let mut ends = Vec::with_capacity(2 + 2 * req.headers.len());
        for piece in pieces {
            if text.len() + piece.len() > u32::MAX as usize {
                break;
            }
            text.push_str(piece);
            ends.push(text.len() as u32);
        }
        // An odd count means a header name lost its value to the cut.
        if ends.len() > 2 && ends.len() % 2 == 1 {
            ends.pop();
        }
        Handshake {
            text: text.into_boxed_str(),
            ends: ends.into_boxed_slice(),
        }
    }

    /// Piece `i` of the text.
    fn piece(&self, i: usize) -> &str {
        let end = self.ends.get(i).map_or(0, |e| *e as usize);
        let start = match i {
            0 => 0,
            _ => self.ends.get(i - 1).map_or(end, |e| *e as usize),
        };
        self.text.get(start..end).unwrap_or("")
    }

    /// Path without the query string, e.g. `/socket.io/`.
    pub fn path(&self) -> &str {
        self.piece(0)
    }

    /// Raw query string without the leading `?` (still percent-encoded).
    pub fn query(&self) -> &str {
        self.piece(1)
    }

    /// The first value of query parameter `key`, percent-decoded.
    pub fn query_param(&self, key: &str) -> Option<Cow<'_, str>> {
        query_param(self.query(), key)
    }

    /// Every header as (name in lower case, value), in the order sent.
    pub fn headers(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        let count = self.ends.len().saturating_sub(2) / 2;
        (0..count).map(|h| (self.piece(2 + 2 * h), self.piece(3 + 2 * h)))
    }

    /// Every header as owned (name, value) pairs, as [`HttpRequest`] keeps them.
    pub fn headers_owned(&self) -> Vec<(String, String)> {
        self.headers()
            .map(|(n, v)| (n.to_owned(), v.to_owned()))
            .collect()
    }

    /// The first value of header `name` (give it in lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers().find(|(n, _)| *n == name).map(|(_, v)| v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_path_query_and_headers() {
        let req = HttpRequest::get("/socket.io/?EIO=4&transport=polling&tag=a%20b")
            .with_header("Origin", "http://x")
            .with_header("user-agent", "")
            .with_header("x-two", "1")
            .with_header("x-two", "2");
        let h = Handshake::new(&req);
        assert_eq!(h.path(), "/socket.io/");
        assert_eq!(h.query(), "EIO=4&transport=polling&tag=a%20b");
        assert_eq!(h.query_param("tag").as_deref(), Some("a b"));
        assert_eq!(h.header("origin"), Some("http://x"));
        assert_eq!(h.header("user-agent"), Some(""));
        assert_eq!(h.header("x-two"), Some("1"));
        assert_eq!(h.header("missing"), None);
        let all: Vec<_> = h.headers().collect();
        assert_eq!(
            all,
            [
                ("origin", "http://x"),
                ("user-agent", ""),
                ("x-two", "1"),
                ("x-two", "2")
            ]
        );
    }

    #[test]
    fn empty_request() {
        let h = Handshake::new(&HttpRequest::get(""));
        assert_eq!((h.path(), h.query()), ("", ""));
        assert_eq!(h.headers().count(), 0);
    }

    proptest::proptest! {
        #[test]
        fn round_trips_any_request(
            path in ".{0,20}",
            query in ".{0,40}",
            headers in proptest::collection::vec(("[a-z-]{1,12}", ".{0,30}"), 0..8),
        ) {
            let mut req = HttpRequest::get("");
            req.path = path.clone();
            req.query = query.clone();
            req.headers = headers.clone();
            let h = Handshake::new(&req);
            proptest::prop_assert_eq!(h.path(), path.as_str());
            proptest::prop_assert_eq!(h.query(), query.as_str());
            proptest::prop_assert_eq!(h.headers_owned(), headers);
        }
    }
}
