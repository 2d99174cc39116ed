//! Requests on `K-request#nsp#`: JSON for types 0–6, a msgpack map for
//! type 7 (an acked broadcast).

use bytes::Bytes;

use super::Opts;
use super::broadcast::{put_opts, put_packet};
use super::error::ClusterDecodeError;
use super::msgpack::{self, put_map, put_str, put_uint};
use super::value::{
    BinJson, Val, args_values, event_and_args, json_str, opts, rooms, string, write_json,
};
use crate::socket::Args;

/// A request on `K-request#nsp#`.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestMsg {
    /// The requester; None from the redis emitter (it sends no uid).
    pub uid: Option<String>,
    /// What is asked.
    pub request: Request,
}

/// What a request asks, by wire `type`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Request {
    /// type 0 (old nodes): socket ids in rooms.
    Sockets {
        /// Copied into the answer.
        request_id: String,
        /// The rooms whose sockets are listed (empty: all).
        rooms: Vec<String>,
    },
    /// type 1
    AllRooms {
        /// Copied into the answer.
        request_id: String,
    },
    /// type 2: opts + rooms to join (no requestId)
    Join {
        /// The sockets that join.
        opts: Opts,
        /// The rooms they join.
        rooms: Vec<String>,
    },
    /// type 3
    Leave {
        /// The sockets that leave.
        opts: Opts,
        /// The rooms they leave.
        rooms: Vec<String>,
    },
    /// type 4
    Disconnect {
        /// The sockets to disconnect.
        opts: Opts,
        /// Close the underlying connection too.
        close: bool,
    },
    /// type 2/3/4 legacy form `{requestId, sid, room}` (join=type2,
    /// leave=type3; for 4 room is ""). `kind` is 2, 3 or 4.
    LegacySocket {
        /// The wire type: 2, 3 or 4.
        kind: u8,
        /// Copied into the answer.
        request_id: String,
        /// The socket.
        sid: String,
        /// The room to join or leave.
        room: String,
    },
    /// type 5
    Fetch {
        /// Copied into the answer.
        request_id: String,
        /// The sockets to describe.
        opts: Opts,
    },
    /// type 6: `data: [event, ...args]`; request_id iff an ack is wanted
    ServerSideEmit {
        /// Present when the requester wants the listener's answer.
        request_id: Option<String>,
        /// The event name.
        event: String,
        /// Its arguments.
        args: Args,
    },
    /// type 7 (msgpack map): an acked broadcast
    Broadcast {
        /// Copied into the count and ack answers.
        request_id: String,
        /// The event name.
        event: String,
        /// Its arguments.
        args: Args,
        /// Rooms, except and flags (with `timeout`).
        opts: Opts,
    },
}

/// A JSON object written key by key.
struct JsonObj {
    out: Vec<u8>,
}

impl JsonObj {
    fn new() -> JsonObj {
        let mut out = Vec::with_capacity(96);
        out.push(b'{');
        JsonObj { out }
    }
    fn key(&mut self, k: &str) -> &mut Vec<u8> {
        if self.out.len() > 1 {
            self.out.push(b',');
        }
        json_str(&mut self.out, k);
        self.out.push(b':');
        &mut self.out
    }
    fn str(&mut self, k: &str, v: &str) {
        json_str(self.key(k), v);
    }
    fn uint(&mut self, k: &str, v: u64) {
        crate::http::push_decimal(self.key(k), v);
    }
    fn strs(&mut self, k: &str, items: &[String]) {
        json_strs(self.key(k), items);
    }
    /// `{"rooms":[..],"except":[..]}`: Node sends no flags with types 2–5.
    fn opts(&mut self, k: &str, opts: &Opts) {
        let mut o = JsonObj::new();
        o.strs("rooms", &opts.rooms);
        o.strs("except", &opts.except);
        let inner = o.finish();
        self.key(k).extend_from_slice(&inner);
    }
    /// `[event, ...args]`, binary as Node's JSON of a `Buffer`.
    fn event(&mut self, k: &str, event: &str, args: &Args) {
        let values = args_values(args);
        let out = self.key(k);
        out.push(b'[');
        json_str(out, event);
        let mut bin = BinJson::Buffers(&args.attachments);
        for v in &values {
            out.push(b',');
            write_json(v, out, &mut bin);
        }
        out.push(b']');
    }
    fn finish(mut self) -> Vec<u8> {
        self.out.push(b'}');
        self.out
    }
}

/// JSON text for types 0–6 (key order as Node writes them: uid,
/// requestId, type, ...; see spec section 8 examples), msgpack map `{uid,
/// requestId, type:7, packet:{type:2,data,nsp}, opts}` for type 7. `nsp`
/// is needed for type 7's packet.nsp.
///
/// Types 2–5 carry only `rooms` and `except` of their opts (as Node);
/// binary arguments of a JSON request are written as Node writes a
/// `Buffer`.
pub fn encode_request(uid: &str, nsp: &str, request: &Request) -> Bytes {
    if let Request::Broadcast {
        request_id,
        event,
        args,
        opts,
    } = request
    {
        let mut out = Vec::with_capacity(128 + args.json.len());
        put_map(&mut out, 5);
        put_str(&mut out, "uid");
        put_str(&mut out, uid);
        put_str(&mut out, "requestId");
        put_str(&mut out, request_id);
        put_str(&mut out, "type");
        put_uint(&mut out, 7);
        put_str(&mut out, "packet");
        put_packet(&mut out, nsp, event, args);
        put_str(&mut out, "opts");
        put_opts(&mut out, opts);
        return Bytes::from(out);
    }
    let mut o = JsonObj::new();
    o.str("uid", uid);
    match request {
        Request::Sockets { request_id, rooms } => {
            o.str("requestId", request_id);
            o.uint("type", 0);
            o.strs("rooms", rooms);
        }
        Request::AllRooms { request_id } => {
            o.str("requestId", request_id);
            o.uint("type", 1);
        }
        Request::Join { opts, rooms } | Request::Leave { opts, rooms } => {
            let kind = if matches!(request, Request::Join { .. }) {
                2
            } else {
                3
            };
            o.uint("type", kind);
            o.opts("opts", opts);
            o.strs("rooms", rooms);
        }
        Request::Disconnect { opts, close } => {
            o.uint("type", 4);
            o.opts("opts", opts);
            o.key("close")
                .extend_from_slice(if *close { b"true" } else { b"false" });
        }
        Request::LegacySocket {
            kind,
            request_id,
            sid,
            room,
        } => {
            o.str("requestId", request_id);
            o.uint("type", u64::from(*kind));
            o.str("sid", sid);
            if *kind != 4 || !room.is_empty() {
                o.str("room", room);
            }
        }
        Request::Fetch { request_id, opts } => {
            o.str("requestId", request_id);
            o.uint("type", 5);
            o.opts("opts", opts);
        }
        Request::ServerSideEmit {
            request_id,
            event,
            args,
        } => {
            if let Some(id) = request_id {
                o.str("requestId", id);
            }
            o.uint("type", 6);
            o.event("data", event, args);
        }
        // Handled above.
        Request::Broadcast { .. } => {}
    }
    Bytes::from(o.finish())
}

/// A JSON body when the first byte is `{`, else msgpack (Node's rule for
/// requests and responses).
pub(crate) fn decode_body(bytes: &[u8]) -> Result<Val, ClusterDecodeError> {
    if bytes.first() == Some(&b'{') {
        Val::from_json(bytes)
    } else {
        msgpack::decode(bytes)
    }
}

/// First byte `{` → JSON, else msgpack (both accepted for every type).
/// Unknown type → error.
pub fn decode_request(bytes: &[u8]) -> Result<RequestMsg, ClusterDecodeError> {
    let v = decode_body(bytes)?;
    if !matches!(v, Val::Map(_)) {
        return Err(ClusterDecodeError::Malformed("request is not an object"));
    }
    let uid = match v.get("uid") {
        None | Some(Val::Nil) => None,
        Some(Val::Str(s)) => Some(s.clone()),
        Some(_) => return Err(ClusterDecodeError::Malformed("uid")),
    };
    let kind = v
        .get("type")
        .and_then(Val::as_u64)
        .ok_or(ClusterDecodeError::Malformed("type"))?;
    let legacy = |kind: u8| -> Result<Request, ClusterDecodeError> {
        Ok(Request::LegacySocket {
            kind,
            request_id: string(&v, "requestId")?,
            sid: string(&v, "sid")?,
            room: v.get("room").and_then(Val::as_str).unwrap_or("").to_owned(),
        })
    };
    let request = match kind {
        0 => Request::Sockets {
            request_id: string(&v, "requestId")?,
            rooms: rooms(v.get("rooms"))?,
        },
        1 => Request::AllRooms {
            request_id: string(&v, "requestId")?,
        },
        2 | 3 if v.get("opts").is_some() => {
            let opts = opts(v.get("opts"))?;
            let rooms = rooms(v.get("rooms"))?;
            if kind == 2 {
                Request::Join { opts, rooms }
            } else {
                Request::Leave { opts, rooms }
            }
        }
        4 if v.get("opts").is_some() => Request::Disconnect {
            opts: opts(v.get("opts"))?,
            close: v.get("close") == Some(&Val::Bool(true)),
        },
        2..=4 => legacy(kind as u8)?,
        5 => Request::Fetch {
            request_id: string(&v, "requestId")?,
            opts: opts(v.get("opts"))?,
        },
        6 => {
            let request_id = match v.get("requestId") {
                None | Some(Val::Nil) => None,
                Some(Val::Str(s)) => Some(s.clone()),
                Some(_) => return Err(ClusterDecodeError::Malformed("requestId")),
            };
            let (event, args) = event_and_args(v.get("data"))?;
            Request::ServerSideEmit {
                request_id,
                event,
                args,
            }
        }
        7 => {
            let packet = v
                .get("packet")
                .ok_or(ClusterDecodeError::Malformed("packet"))?;
            let (event, args) = event_and_args(packet.get("data"))?;
            Request::Broadcast {
                request_id: string(&v, "requestId")?,
                event,
                args,
                opts: opts(v.get("opts"))?,
            }
        }
        other => return Err(ClusterDecodeError::UnknownType(other)),
    };
    Ok(RequestMsg { uid, request })
}

/// Writes `items` as a JSON array of strings.
pub(crate) fn json_strs(out: &mut Vec<u8>, items: &[String]) {
    out.push(b'[');
    for (i, s) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        json_str(out, s);
    }
    out.push(b']');
}
