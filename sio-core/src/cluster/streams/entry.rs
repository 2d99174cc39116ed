//! Stream entries: the fields `uid, nsp, type, data` of what Node writes
//! with `XADD` (its `RedisStreamsAdapter#encode` and static `decode`).

use bytes::Bytes;

use super::data::{Target, data_val, msg_from};
use super::{AdapterEnvelope, AdapterMsg};
use crate::base64;
use crate::cluster::error::ClusterDecodeError;
use crate::cluster::msgpack::{self, Flavour, write_value_as};
use crate::cluster::value::{BinJson, Val, has_binary, write_json};

/// The fields of a stream entry, in Node's order: `uid`, `nsp`, `type`
/// (decimal text) and, for types that have one, `data`: the JSON text of
/// the data object, or base64 of its @msgpack/msgpack encoding when it
/// holds binary.
pub fn encode_entry(uid: &str, nsp: &str, msg: &AdapterMsg) -> Vec<(Bytes, Bytes)> {
    let mut fields = vec![
        (
            Bytes::from_static(b"uid"),
            Bytes::copy_from_slice(uid.as_bytes()),
        ),
        (
            Bytes::from_static(b"nsp"),
            Bytes::copy_from_slice(nsp.as_bytes()),
        ),
        (
            Bytes::from_static(b"type"),
            Bytes::from(msg.kind().to_string()),
        ),
    ];
    if let Some(data) = data_val(msg, Target::Json) {
        let mut out = Vec::with_capacity(128);
        // Node looks for binary only in types that may carry it; the
        // others never hold any.
        if has_binary(&data) {
            write_value_as(&data, &mut out, &[], Flavour::MsgpackJs);
            out = base64::encode(&out).into_bytes();
        } else {
            write_json(&data, &mut out, &mut BinJson::Raw);
        }
        fields.push((Bytes::from_static(b"data"), Bytes::from(out)));
    }
    fields
}

/// The value of the last field named `name` (Node builds an object from
/// the pairs: a later one wins).
fn field<'a>(fields: &'a [(Bytes, Bytes)], name: &str) -> Option<&'a [u8]> {
    fields
        .iter()
        .rev()
        .find(|(k, _)| k.as_ref() == name.as_bytes())
        .map(|(_, v)| v.as_ref())
}

fn utf8(bytes: &[u8]) -> Result<String, ClusterDecodeError> {
    std::str::from_utf8(bytes)
        .map(str::to_owned)
        .map_err(|_| ClusterDecodeError::InvalidUtf8)
}

/// `parseInt(text, 10)` for the non-negative values a type can have:
/// leading white space and `+` skipped, then the digits up to the first
/// other character.
fn parse_int(text: &[u8]) -> Option<u64> {
    let text = text.trim_ascii_start();
    let text = text.strip_prefix(b"+").unwrap_or(text);
    let end = text
        .iter()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(text.len());
    std::str::from_utf8(&text[..end]).ok()?.parse().ok()
}

/// Decodes the fields of a stream entry. As Node: an entry without a
/// (non-empty) `nsp` is an error (readers skip it), `data` starting with
/// `{` is JSON and anything else base64 of msgpack, a missing `uid` is
/// `""`.
pub fn decode_entry(fields: &[(Bytes, Bytes)]) -> Result<AdapterEnvelope, ClusterDecodeError> {
    let nsp = match field(fields, "nsp") {
        Some(nsp) if !nsp.is_empty() => utf8(nsp)?,
        _ => return Err(ClusterDecodeError::Malformed("nsp")),
    };
    let uid = field(fields, "uid").map_or(Ok(String::new()), utf8)?;
    let kind = field(fields, "type")
        .and_then(parse_int)
        .ok_or(ClusterDecodeError::Malformed("type"))?;
    let data = match field(fields, "data") {
        None | Some([]) => None,
        Some(text @ [b'{', ..]) => Some(Val::from_json(text)?),
        Some(text) => {
            let bytes = base64::decode(text).ok_or(ClusterDecodeError::Malformed("data"))?;
            Some(msgpack::decode(&bytes)?)
        }
    };
    Ok(AdapterEnvelope {
        uid,
        nsp,
        msg: msg_from(kind, data.as_ref())?,
    })
}
