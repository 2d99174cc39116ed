//! Sessions for connection state recovery, as Node's `persistSession`
//! stores them: `base64(msgpack {sid, pid, rooms, data})`.

use bytes::Bytes;

use crate::base64;
use crate::cluster::error::ClusterDecodeError;
use crate::cluster::msgpack::{self, Flavour, put_map, put_str, put_strs, write_value_as};
use crate::cluster::value::{Val, raw_json, rooms, string};

/// A disconnected socket's session, kept under
/// [`session_key`](super::session_key) until it is restored or its TTL
/// (the recovery window) runs out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// The socket id, reused by the restored socket.
    pub sid: String,
    /// The private session id the client presents (a bearer secret).
    pub pid: String,
    /// The socket's rooms, its own id's room included.
    pub rooms: Vec<String>,
    /// `socket.data` as JSON text; `null` when there is none (Node's
    /// default is `{}`). Binary in Node's data reads as Node's JSON of a
    /// `Buffer`.
    pub data: Bytes,
}

/// The base64 text Node stores for `record` (its `data` written as the
/// JSON value it holds; `null` when it is not JSON).
pub fn encode_session(record: &SessionRecord) -> Bytes {
    let mut out = Vec::with_capacity(64 + record.data.len());
    put_map(&mut out, 4);
    put_str(&mut out, "sid");
    put_str(&mut out, &record.sid);
    put_str(&mut out, "pid");
    put_str(&mut out, &record.pid);
    put_str(&mut out, "rooms");
    put_strs(&mut out, &record.rooms);
    put_str(&mut out, "data");
    let data = Val::from_json(&record.data).unwrap_or(Val::Nil);
    write_value_as(&data, &mut out, &[], Flavour::MsgpackJs);
    Bytes::from(base64::encode(&out))
}

/// Decodes a stored session; `sid` and `pid` must be strings, `rooms` a
/// list (numbers become their text), a missing `data` is `null`.
pub fn decode_session(text: &[u8]) -> Result<SessionRecord, ClusterDecodeError> {
    let bytes = base64::decode(text).ok_or(ClusterDecodeError::Malformed("session base64"))?;
    let v = msgpack::decode(&bytes)?;
    Ok(SessionRecord {
        sid: string(&v, "sid")?,
        pid: string(&v, "pid")?,
        rooms: rooms(v.get("rooms"))?,
        data: v.get("data").map_or(Bytes::from_static(b"null"), raw_json),
    })
}
