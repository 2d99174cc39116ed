//! Whole messages on the Pub/Sub channels: `{type, data, uid, nsp}` in
//! @msgpack/msgpack.

use bytes::Bytes;

use super::data::{Target, data_val, msg_from};
use super::{AdapterEnvelope, AdapterMsg};
use crate::cluster::error::ClusterDecodeError;
use crate::cluster::msgpack::{self, Flavour, put_map, put_str, put_uint, write_value_as};
use crate::cluster::value::Val;

/// The whole message `{type, data, uid, nsp}` (Node's key order; no
/// `data` for types without one) in @msgpack/msgpack, as it is published
/// on `P#nsp#` (requests) or `P#nsp#<requester>#` (responses).
pub fn encode_message(uid: &str, nsp: &str, msg: &AdapterMsg) -> Bytes {
    let data = data_val(msg, Target::Msgpack);
    let mut out = Vec::with_capacity(128);
    put_map(&mut out, 3 + usize::from(data.is_some()));
    put_str(&mut out, "type");
    put_uint(&mut out, msg.kind());
    if let Some(data) = &data {
        put_str(&mut out, "data");
        write_value_as(data, &mut out, &[], Flavour::MsgpackJs);
    }
    put_str(&mut out, "uid");
    put_str(&mut out, uid);
    put_str(&mut out, "nsp");
    put_str(&mut out, nsp);
    Bytes::from(out)
}

/// Decodes a Pub/Sub message. A message without a string `nsp` is an
/// error (Node drops it as foreign); a missing `uid` is `""`.
pub fn decode_message(bytes: &[u8]) -> Result<AdapterEnvelope, ClusterDecodeError> {
    let v = msgpack::decode(bytes)?;
    if !matches!(v, Val::Map(_)) {
        return Err(ClusterDecodeError::Malformed("message is not a map"));
    }
    let nsp = match v.get("nsp") {
        Some(Val::Str(nsp)) => nsp.clone(),
        _ => return Err(ClusterDecodeError::Malformed("nsp")),
    };
    let uid = match v.get("uid") {
        None | Some(Val::Nil) => String::new(),
        Some(Val::Str(uid)) => uid.clone(),
        Some(_) => return Err(ClusterDecodeError::Malformed("uid")),
    };
    let kind = v
        .get("type")
        .and_then(Val::as_u64)
        .ok_or(ClusterDecodeError::Malformed("type"))?;
    Ok(AdapterEnvelope {
        uid,
        nsp,
        msg: msg_from(kind, v.get("data"))?,
    })
}
