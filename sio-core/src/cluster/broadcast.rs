//! Broadcasts: the msgpack array `[uid, packet, opts]` published on the
//! namespace's broadcast channels.

use bytes::Bytes;

use super::Opts;
use super::error::ClusterDecodeError;
use super::msgpack::{self, put_array, put_map, put_str, put_strs, put_uint, write_value};
use super::value::{Val, args_values, event_and_args, opts};
use crate::socket::Args;

/// A broadcast as it travels: `[uid, {type:2, data:[event, ...args], nsp},
/// {rooms, except, flags}]`.
#[derive(Debug, Clone, PartialEq)]
pub struct BroadcastMsg {
    /// The sender's adapter uid (`"emitter"` from the Redis emitter).
    pub uid: String,
    /// packet.nsp ("/" when missing, as old emitters)
    pub nsp: String,
    /// The event name (`data[0]`).
    pub event: String,
    /// the arguments after the event name; msgpack bin values become
    /// attachments
    pub args: Args,
    /// Rooms, except and flags.
    pub opts: Opts,
}

/// Appends the event packet `{type:2, data:[event, ...args], nsp}`.
pub(crate) fn put_packet(out: &mut Vec<u8>, nsp: &str, event: &str, args: &Args) {
    let values = args_values(args);
    put_map(out, 3);
    put_str(out, "type");
    put_uint(out, 2);
    put_str(out, "data");
    put_array(out, 1 + values.len());
    put_str(out, event);
    for v in &values {
        write_value(v, out, &args.attachments);
    }
    put_str(out, "nsp");
    put_str(out, nsp);
}

/// Appends `{rooms, except, flags}`; flags `{}`, or with `volatile: true`
/// and `timeout` when set.
pub(crate) fn put_opts(out: &mut Vec<u8>, opts: &Opts) {
    put_map(out, 3);
    put_str(out, "rooms");
    put_strs(out, &opts.rooms);
    put_str(out, "except");
    put_strs(out, &opts.except);
    put_str(out, "flags");
    put_map(
        out,
        usize::from(opts.volatile) + usize::from(opts.timeout.is_some()),
    );
    if opts.volatile {
        put_str(out, "volatile");
        out.push(0xc3);
    }
    if let Some(t) = opts.timeout {
        put_str(out, "timeout");
        put_uint(out, t);
    }
}

/// Encodes the msgpack 3-array exactly as notepack.io 3.0.1 does
/// (byte-exact for the worked example of spec section 8: 63 bytes).
/// flags: `{}` or `{volatile:true}` (and `timeout` when Some).
///
/// Arguments that are not a JSON array count as none, and a placeholder
/// without its attachment is written as `nil` (both are caller misuse).
pub fn encode_broadcast(uid: &str, nsp: &str, event: &str, args: &Args, opts: &Opts) -> Bytes {
    let mut out = Vec::with_capacity(64 + args.json.len());
    put_array(&mut out, 3);
    put_str(&mut out, uid);
    put_packet(&mut out, nsp, event, args);
    put_opts(&mut out, opts);
    Bytes::from(out)
}

/// Decodes a broadcast. Unknown packet keys and flags are ignored; a
/// missing `nsp` is `/`; numeric rooms become their decimal text.
pub fn decode_broadcast(bytes: &[u8]) -> Result<BroadcastMsg, ClusterDecodeError> {
    let Val::Arr(items) = msgpack::decode(bytes)? else {
        return Err(ClusterDecodeError::Malformed("broadcast is not an array"));
    };
    let [uid, packet, wire_opts, ..] = items.as_slice() else {
        return Err(ClusterDecodeError::Malformed(
            "broadcast has fewer than 3 elements",
        ));
    };
    let Val::Str(uid) = uid else {
        return Err(ClusterDecodeError::Malformed("uid"));
    };
    let nsp = match packet.get("nsp") {
        None => "/".to_owned(),
        Some(Val::Str(nsp)) => nsp.clone(),
        Some(_) => return Err(ClusterDecodeError::Malformed("nsp")),
    };
    let (event, args) = event_and_args(packet.get("data"))?;
    Ok(BroadcastMsg {
        uid: uid.clone(),
        nsp,
        event,
        args,
        opts: opts(Some(wire_opts))?,
    })
}
