//! The query parameters the engine reads from a request, found in one pass
//! over the query string.

use std::borrow::Cow;

use crate::http::{percent_decode, query_pairs};

/// `EIO`, `transport`, `sid` and `j` of a request (the first of each),
/// values still percent-encoded.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct EngineQuery<'a> {
    eio: Option<&'a str>,
    transport: Option<&'a str>,
    sid: Option<&'a str>,
    jsonp: Option<&'a str>,
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
    pub fn transport(&self) -> Option<Cow<'a, str>> {
        self.transport.map(percent_decode)
    }

    /// The session id, decoded.
    pub fn sid(&self) -> Option<Cow<'a, str>> {
        self.sid.map(percent_decode)
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
        let q = EngineQuery::parse("j&transport");
        assert_eq!(q.jsonp().as_deref(), Some(""));
        assert_eq!(q.transport().as_deref(), Some(""));
        assert_eq!(q.sid(), None);
    }

    proptest::proptest! {
        #[test]
        fn agrees_with_query_param(query in "([a-zA-Z%=&+j]|EIO|sid|transport){0,30}") {
            let q = EngineQuery::parse(&query);
            proptest::prop_assert_eq!(q.eio(), query_param(&query, "EIO"));
            proptest::prop_assert_eq!(q.transport(), query_param(&query, "transport"));
            proptest::prop_assert_eq!(q.sid(), query_param(&query, "sid"));
            proptest::prop_assert_eq!(q.jsonp(), query_param(&query, "j"));
        }
    }
}
