//! Socket.IO protocol v4, spoken by Engine.IO v3 clients
//! (`socket.io-client` 2.x, see `EngineConfig::allow_eio3`). Events, acks
//! and binary attachments are as in v5; what differs is the connect:
//!
//! - the main namespace is connected without the client's CONNECT: the
//!   server runs `/`'s middleware and sends `40` as soon as the session opens;
//! - a CONNECT for another namespace carries its auth as a query string in
//!   the namespace (`0/admin?token=abc,`): the namespace is the path, the
//!   auth the query as a JSON object of strings, as the reference reads it;
//! - the CONNECT reply carries no `{"sid"}` payload, and a refusal is an
//!   ERROR packet (type 4) whose data is the refusal's `data`, or else its
//!   message as a JSON string;
//! - the socket id on `/` is the Engine.IO session id, as the reference
//!   server gives it (a v2 client reads `socket.id` from its engine); on any
//!   other namespace it is a fresh id (the reference's `/nsp#<sid>` is not
//!   an id of ours);
//! - no connection state recovery (a v4 CONNECT reply has no `pid`).

use super::packet::{Packet, PacketType};
use super::server::SioServer;
use crate::http::query_pairs;
use crate::sid::Sid;
use bytes::Bytes;

/// The namespace and auth of a v4 CONNECT's namespace field
/// (`/admin?token=abc`): the path, and the query as a JSON object
/// (percent-decoded strings; the first value of a repeated key).
pub(crate) fn connect_target(nsp: &str) -> (String, Bytes) {
    let Some((path, query)) = nsp.split_once('?') else {
        return (nsp.to_owned(), Bytes::from_static(b"{}"));
    };
    let mut auth = serde_json::Map::new();
    for (key, value) in query_pairs(query) {
        let key = crate::http::percent_decode(key).into_owned();
        let value = crate::http::percent_decode(value).into_owned();
        auth.entry(key).or_insert(serde_json::Value::String(value));
    }
    let path = if path.is_empty() { "/" } else { path };
    // A map of strings always serialises.
    let json = serde_json::to_vec(&auth).expect("a JSON object");
    (path.to_owned(), Bytes::from(json))
}

/// The data of a v4 refusal: `data` when given, else the message as a
/// JSON string (the reference's `err.data || err.message`).
pub(crate) fn refusal_data(message: &str, data: Option<serde_json::Value>) -> Bytes {
    let value = data.unwrap_or_else(|| serde_json::Value::from(message));
    Bytes::from(value.to_string())
}

impl SioServer {
    /// A v3 session opened: connects it to `/` at once (through `/`'s
    /// middleware, if any), as the reference server does.
    pub(crate) fn connect_main_v3(&mut self, sid: Sid) {
        self.on_connect(sid, Packet::new(PacketType::Connect, "/"));
    }

    /// True when the session `sid` is an Engine.IO v3 client's.
    pub(crate) fn is_eio3(&self, sid: Sid) -> bool {
        self.engine.session(sid).is_some_and(|s| s.protocol == 3)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_target_splits_the_query() {
        let (nsp, auth) = connect_target("/admin?token=a%20b&x=1&x=2&flag");
        assert_eq!(nsp, "/admin");
        assert_eq!(&auth[..], br#"{"flag":"","token":"a b","x":"1"}"#);
        assert_eq!(
            connect_target("/chat"),
            ("/chat".into(), Bytes::from_static(b"{}"))
        );
        assert_eq!(connect_target("?a=1").0, "/");
    }

    #[test]
    fn refusal_data_prefers_data() {
        assert_eq!(&refusal_data("no", None)[..], br#""no""#);
        let data = serde_json::json!({"code": 7});
        assert_eq!(&refusal_data("no", Some(data))[..], br#"{"code":7}"#);
    }
}
