//! Responses on `K-response#nsp#` or `K-response#nsp#<uid>#`: JSON,
//! except a client's ack to an acked broadcast (type 9, msgpack).

use bytes::Bytes;

use super::error::ClusterDecodeError;
use super::msgpack::{put_map, put_str, put_uint, write_value};
use super::request::{decode_body, json_strs};
use super::value::{
    BinJson, Val, args_from, args_values, json_str, raw_json, rooms, string, write_json,
};
use crate::socket::Args;

/// A response on `K-response#nsp#` or `K-response#nsp#<uid>#`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Response {
    /// `{requestId, sockets:[{id, handshake, rooms, data}]}` (answer to 5).
    /// An empty `sockets` array decodes as this (8.3.0 never sends type 0).
    Fetch {
        /// The request answered.
        request_id: String,
        /// The matching sockets of the answering node.
        sockets: Vec<RemoteSocket>,
    },
    /// `{requestId, sockets:["sid", ...]}` (answer to 0)
    SocketIds {
        /// The request answered.
        request_id: String,
        /// Socket ids.
        sockets: Vec<String>,
    },
    /// `{requestId, rooms:[...]}` (answer to 1)
    Rooms {
        /// The request answered.
        request_id: String,
        /// Every room of the answering node.
        rooms: Vec<String>,
    },
    /// `{type:6, requestId, data}`: data is the first argument of the
    /// listener's callback, carried as a one-element Args (`[data]`); `[]`
    /// when data is absent/undefined.
    ServerSideEmit {
        /// The request answered.
        request_id: String,
        /// `[data]` or `[]`.
        data: Args,
    },
    /// `{type:8, requestId, clientCount}` (JSON)
    ClientCount {
        /// The acked broadcast answered.
        request_id: String,
        /// How many clients the answering node sent it to.
        count: u64,
    },
    /// `{type:9, requestId, packet}` (msgpack map): the first argument of
    /// one client's ack, as a one-element Args.
    BroadcastAck {
        /// The acked broadcast answered.
        request_id: String,
        /// `[first ack argument]`, or `[]` when there was none.
        data: Args,
    },
    /// Anything else carrying a requestId (legacy `{requestId}`, a
    /// malformed body): the requester counts it but it never completes a
    /// request (spec section 6).
    Other {
        /// The request answered.
        request_id: String,
    },
}

/// One socket in a fetch answer. `handshake` and `data` are raw JSON texts
/// (objects/values).
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteSocket {
    /// The socket id.
    pub id: String,
    /// The handshake object (see [`handshake_json`](super::handshake_json)).
    pub handshake: Bytes,
    /// Its rooms, its own id's room included.
    pub rooms: Vec<String>,
    /// `socket.data`, as JSON.
    pub data: Bytes,
}

/// Appends raw JSON text, `null` when empty.
fn json_raw(out: &mut Vec<u8>, raw: &[u8]) {
    if raw.is_empty() {
        out.extend_from_slice(b"null");
    } else {
        out.extend_from_slice(raw);
    }
}

/// The first value of `data`, if any.
fn first_value(data: &Args) -> Option<Val> {
    args_values(data).into_iter().next()
}

/// JSON for everything but BroadcastAck (msgpack map `{type:9, requestId,
/// packet}`), key order as in spec section 7c.
///
/// Only the first value of `data` is sent (none for `[]`: the key is left
/// out, as Node leaves out `undefined`); binary in a JSON answer is
/// written as Node writes a `Buffer`. Empty raw JSON texts of a
/// [`RemoteSocket`] are written as `null`.
pub fn encode_response(response: &Response) -> Bytes {
    let mut out = Vec::with_capacity(64);
    let start = |out: &mut Vec<u8>, kind: Option<u8>, request_id: &str| {
        out.push(b'{');
        if let Some(k) = kind {
            out.extend_from_slice(b"\"type\":");
            crate::http::push_decimal(out, u64::from(k));
            out.push(b',');
        }
        out.extend_from_slice(b"\"requestId\":");
        json_str(out, request_id);
    };
    match response {
        Response::Fetch {
            request_id,
            sockets,
        } => {
            start(&mut out, None, request_id);
            out.extend_from_slice(b",\"sockets\":[");
            for (i, s) in sockets.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                out.extend_from_slice(b"{\"id\":");
                json_str(&mut out, &s.id);
                out.extend_from_slice(b",\"handshake\":");
                json_raw(&mut out, &s.handshake);
                out.extend_from_slice(b",\"rooms\":");
                json_strs(&mut out, &s.rooms);
                out.extend_from_slice(b",\"data\":");
                json_raw(&mut out, &s.data);
                out.push(b'}');
            }
            out.push(b']');
        }
        Response::SocketIds {
            request_id,
            sockets,
        } => {
            start(&mut out, None, request_id);
            out.extend_from_slice(b",\"sockets\":");
            json_strs(&mut out, sockets);
        }
        Response::Rooms { request_id, rooms } => {
            start(&mut out, None, request_id);
            out.extend_from_slice(b",\"rooms\":");
            json_strs(&mut out, rooms);
        }
        Response::ServerSideEmit { request_id, data } => {
            start(&mut out, Some(6), request_id);
            if let Some(v) = first_value(data) {
                out.extend_from_slice(b",\"data\":");
                write_json(&v, &mut out, &mut BinJson::Buffers(&data.attachments));
            }
        }
        Response::ClientCount { request_id, count } => {
            start(&mut out, Some(8), request_id);
            out.extend_from_slice(b",\"clientCount\":");
            crate::http::push_decimal(&mut out, *count);
        }
        Response::BroadcastAck { request_id, data } => {
            let first = first_value(data);
            put_map(&mut out, 2 + usize::from(first.is_some()));
            put_str(&mut out, "type");
            put_uint(&mut out, 9);
            put_str(&mut out, "requestId");
            put_str(&mut out, request_id);
            if let Some(v) = first {
                put_str(&mut out, "packet");
                write_value(&v, &mut out, &data.attachments);
            }
            return Bytes::from(out);
        }
        Response::Other { request_id } => start(&mut out, None, request_id),
    }
    out.push(b'}');
    Bytes::from(out)
}

/// `[v]`, or `[]` when absent; `None` when `v` holds an object that reads
/// as a binary placeholder.
pub(crate) fn one_arg(v: Option<&Val>) -> Option<Args> {
    match v {
        Some(v) => args_from(std::slice::from_ref(v)).ok(),
        None => Some(Args::empty()),
    }
}

pub(crate) fn remote_socket(v: &Val) -> Option<RemoteSocket> {
    Some(RemoteSocket {
        id: v.get("id")?.as_str()?.to_owned(),
        handshake: v
            .get("handshake")
            .map_or(Bytes::from_static(b"{}"), raw_json),
        rooms: rooms(v.get("rooms")).ok()?,
        data: v.get("data").map_or(Bytes::from_static(b"null"), raw_json),
    })
}

/// First byte `{` → JSON, else msgpack. A body without a string
/// `requestId` is an error (nothing to count it for); a body of an
/// unexpected shape with one is [`Response::Other`] (so is an answer whose
/// data holds an object that reads as a binary placeholder).
pub fn decode_response(bytes: &[u8]) -> Result<Response, ClusterDecodeError> {
    let v = decode_body(bytes)?;
    let request_id = string(&v, "requestId")?;
    let other = |request_id| Ok(Response::Other { request_id });
    match v.get("type").and_then(Val::as_u64) {
        Some(6) => {
            return match one_arg(v.get("data")) {
                Some(data) => Ok(Response::ServerSideEmit { request_id, data }),
                None => other(request_id),
            };
        }
        Some(8) => {
            return match v.get("clientCount").and_then(Val::as_u64) {
                Some(count) => Ok(Response::ClientCount { request_id, count }),
                None => other(request_id),
            };
        }
        Some(9) => {
            return match one_arg(v.get("packet")) {
                Some(data) => Ok(Response::BroadcastAck { request_id, data }),
                None => other(request_id),
            };
        }
        _ => {}
    }
    if let Some(Val::Arr(items)) = v.get("sockets") {
        if !items.is_empty() && items.iter().all(|i| matches!(i, Val::Str(_))) {
            let sockets = items.iter().filter_map(|i| i.as_str().map(str::to_owned));
            return Ok(Response::SocketIds {
                request_id,
                sockets: sockets.collect(),
            });
        }
        return match items.iter().map(remote_socket).collect() {
            Some(sockets) => Ok(Response::Fetch {
                request_id,
                sockets,
            }),
            None => other(request_id),
        };
    }
    if let Some(Val::Arr(_)) = v.get("rooms") {
        if let Ok(rooms) = rooms(v.get("rooms")) {
            return Ok(Response::Rooms { request_id, rooms });
        }
    }
    other(request_id)
}
