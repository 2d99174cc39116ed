//! The query parameters the engine reads from a request, found in one pass
//! over the query string.

use std::borrow::Cow;

use super::config::Transport;
use crate::Sid;
use crate::http::{percent_decode, query_pairs};

/// `EIO`, `transport`, `sid`, `j` and `b64` of a request (the first of
/// each), values still percent-encoded.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct EngineQuery<'a> {
    eio: Option<&'a str>,
    transport: Option<&'a str>,
    sid: Option<&'a str>,
    jsonp: Option<&'a str>,
    b64: Option<&'a str>,
}

impl<'a> EngineQuery<'a> {
    /// Scans `query` once.
    pub fn parse(query: &'a str) -> EngineQuery<'a> {
        let mut q = EngineQuery::default();
        for (key, value) in query_pairs(query) {
            let slot = match key {
                "EIO" => &mut q.eio,
                "transport" => &mut q.transport,
                "sid" => &mut q.sid,
                "j" => &mut q.jsonp,
                "b64" => &mut q.b64,
                _ => continue,
            };
            slot.get_or_insert(value);
        }
        q
    }

    /// The protocol version, decoded.
    pub fn eio(&self) -> Option<Cow<'a, str>> {
        self.eio.map(percent_decode)
    }

    /// The transport name, decoded.
    #[cfg(test)]
    pub fn transport(&self) -> Option<Cow<'a, str>> {
        self.transport.map(percent_decode)
    }

    /// The session id, decoded.
    #[cfg(test)]
    pub fn sid(&self) -> Option<Cow<'a, str>> {
        self.sid.map(percent_decode)
    }

    /// The transport named, when it is one. A name needs no decoding
    /// unless escaped, so it is first looked up as it is.
    pub fn transport_named(&self) -> Option<Transport> {
        let raw = self.transport?;
        Transport::from_name(raw).or_else(|| Transport::from_name(&percent_decode(raw)))
    }

    /// The session named: `None` without a `sid`, `Some(None)` when it
    /// cannot be one of ours. A sid needs no decoding (its characters are
    /// URL-safe) unless escaped, so it is first parsed as it is.
    pub fn session(&self) -> Option<Option<Sid>> {
        let raw = self.sid?;
        Some(Sid::parse(raw).or_else(|| Sid::parse(&percent_decode(raw))))
    }

    /// An Engine.IO v3 client asked for binary data as base64 (`b64` with
    /// any value but empty, as the reference reads it).
    pub fn b64(&self) -> bool {
        self.b64.is_some_and(|v| !v.is_empty())
    }

    /// The JSONP callback index, decoded.
    pub fn jsonp(&self) -> Option<Cow<'a, str>> {
        self.jsonp.map(percent_decode)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::query_param;

    #[test]
    fn finds_the_engine_parameters() {
        let q = EngineQuery::parse("EIO=4&transport=polling&t=x&sid=ab%2Dc&j=0&sid=other");
        assert_eq!(q.eio().as_deref(), Some("4"));
        assert_eq!(q.transport().as_deref(), Some("polling"));
        assert_eq!(q.sid().as_deref(), Some("ab-c"));
        assert_eq!(q.jsonp().as_deref(), Some("0"));
        assert!(!q.b64());
        assert!(EngineQuery::parse("EIO=3&b64=1").b64());
        assert!(!EngineQuery::parse("EIO=3&b64=").b64());
        let q = EngineQuery::parse("j&transport");
        assert_eq!(q.jsonp().as_deref(), Some(""));
        assert_eq!(q.transport().as_deref(), Some(""));
        assert_eq!(q.sid(), None);
        assert_eq!(q.session(), None);
        assert_eq!(q.transport_named(), None);
        let sid = "AAAAAAAAAAAAAAAAAAAA-_";
        let query = format!("transport=web%73ocket&sid={sid}");
        let q = EngineQuery::parse(&query);
        assert_eq!(q.transport_named(), Some(Transport::WebSocket));
        assert_eq!(q.session(), Some(Sid::parse(sid)));
        let escaped = "AAAAAAAAAAAAAAAAAAAA%2D_";
        let query = format!("sid={escaped}");
        let q = EngineQuery::parse(&query);
        assert_eq!(q.session(), Some(Sid::parse(sid)));
        assert!(Sid::parse(sid).is_some());
        let q = EngineQuery::parse("sid=short&transport=nope");
        assert_eq!((q.session(), q.transport_named()), (Some(None), None));
    }

    proptest::proptest! {
        #[test]
        fn agrees_with_query_param(query in "([a-zA-Z%=&+j]|EIO|sid|transport){0,30}") {
            let q = EngineQuery::parse(&query);
            proptest::prop_assert_eq!(q.eio(), query_param(&query, "EIO"));
            proptest::prop_assert_eq!(q.transport(), query_param(&query, "transport"));
            proptest::prop_assert_eq!(q.sid(), query_param(&query, "sid"));
            proptest::prop_assert_eq!(q.jsonp(), query_param(&query, "j"));
            proptest::prop_assert_eq!(
                q.transport_named(),
                q.transport().and_then(|t| Transport::from_name(&t))
            );
            proptest::prop_assert_eq!(q.session(), q.sid().map(|s| Sid::parse(&s)));
        }
    }
}
