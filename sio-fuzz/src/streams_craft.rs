//! What the input crafts for the streams flavour of `cluster_member`:
//! stream entries and Pub/Sub messages of the streams adapter (built with
//! the codec's encoders, from a foreign uid or the member's own, or
//! garbage), answers to range reads that lie, sessions as Node stores them
//! (or garbage under a session key), and the `{"pid","offset"}` auth of a
//! client asking for a restore.

use crate::Bytes8;
use crate::clients::pick;
use crate::cluster_craft::{KEY, Known, args, event, nsp, opts, request, response, uid};
use bytes::Bytes;
use sio_core::bus::StreamEntry;
use sio_core::cluster::streams::{
    AdapterMsg, SessionRecord, StreamId, encode_entry, encode_message, encode_session,
    private_channel, public_channel,
};

/// The prefix of the session keys (the default).
pub(crate) const SESSION_PREFIX: &str = "sio:session:";

/// The namespaces a restoring client may connect to (`/b` has a connect
/// middleware, which a failed restore goes through).
pub(crate) const RESTORE_NSPS: [&str; 3] = ["/", "/a", "/b"];

/// An adapter message of any type, from any uid.
fn adapter_msg(r: &mut Bytes8, k: &Known) -> AdapterMsg {
    match r.u8() % 5 {
        0 => AdapterMsg::Request(request(r, k)),
        1 => AdapterMsg::Response(response(r, k)),
        2 | 3 => AdapterMsg::Broadcast {
            event: event(r).to_owned(),
            args: args(r),
            opts: opts(r, k),
            ack_id: r.u8().is_multiple_of(4).then_some(7),
        },
        _ => AdapterMsg::Other(u64::from(r.u8() % 16)),
    }
}

/// The fields of a stream entry: an encoded message (mostly plain
/// broadcasts and room changes), or garbage.
pub(crate) fn entry_fields(r: &mut Bytes8, k: &Known) -> Vec<(Bytes, Bytes)> {
    let choice = r.u8();
    if choice % 8 == 7 {
        let len = usize::from(r.u8() % 32);
        let names: [&[u8]; 5] = [b"uid", b"nsp", b"type", b"data", b"x"];
        return (0..r.u8() % 5)
            .map(|_| {
                let name = names[usize::from(r.u8()) % names.len()];
                (
                    Bytes::from_static(name),
                    Bytes::copy_from_slice(r.take(len)),
                )
            })
            .collect();
    }
    let (uid, nsp) = (uid(r, k), nsp(r));
    let msg = adapter_msg(r, k);
    encode_entry(&uid, nsp, &msg)
}

/// A message on one of `k.me`'s streams channels (or another member's):
/// (channel, payload).
pub(crate) fn adapter_message(r: &mut Bytes8, k: &Known) -> (String, Bytes) {
    let nsp = nsp(r);
    let channel = match r.u8() % 3 {
        0 => public_channel(KEY, nsp),
        1 => private_channel(KEY, nsp, k.me),
        _ => private_channel(KEY, nsp, "AAAAAA"),
    };
    if r.u8() % 8 == 7 {
        let len = usize::from(r.u8() % 64);
        return (channel, Bytes::copy_from_slice(r.take(len)));
    }
    let uid = uid(r, k);
    // The message may name another namespace than the channel.
    let inner = if r.u8().is_multiple_of(8) { "/a" } else { nsp };
    let msg = adapter_msg(r, k);
    (channel, encode_message(&uid, inner, &msg))
}

/// Entries a lying bus answers a range read starting at `start` with:
/// ids below, at and after it, or malformed, out of order too.
pub(crate) fn range_entries(r: &mut Bytes8, k: &Known, start: &str) -> Vec<StreamEntry> {
    let base = StreamId::parse(start.as_bytes()).unwrap_or(StreamId { ms: 1000, seq: 0 });
    (0..r.u8() % 4)
        .map(|_| {
            let id = match r.u8() % 5 {
                0 => base.to_string(),
                1 => StreamId {
                    ms: base.ms.saturating_sub(1),
                    seq: 0,
                }
                .to_string(),
                2 => StreamId {
                    ms: base.ms.saturating_add(u64::from(r.u8() % 4)),
                    seq: u64::from(r.u8() % 4),
                }
                .to_string(),
                3 => "18446744073709551615-18446744073709551615".to_owned(),
                _ => "x-1".to_owned(),
            };
            StreamEntry {
                id: Bytes::from(id),
                fields: entry_fields(r, k),
            }
        })
        .collect()
}

/// A session as Node stores it (a fresh one, or one whose socket id is
/// live here), or garbage; with its pid.
pub(crate) fn session(r: &mut Bytes8, k: &Known) -> (String, Bytes) {
    let n = r.u8();
    let pid = format!("CCCCCCCCCCCCCCCCCCC{}", char::from(b'A' + n % 8));
    let sid = match r.u8() % 4 {
        0 => pick(r, k.sockets)
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default(),
        1 => "not a socket id".to_owned(),
        _ => format!("BBBBBBBBBBBBBBBBBBB{}", char::from(b'A' + n % 8)),
    };
    if n % 16 == 15 {
        return (pid, Bytes::from_static(b"garbage!"));
    }
    let mut rooms = vec![sid.clone()];
    if n & 16 != 0 {
        rooms.push("r".into());
    }
    let data = [r#"{"n":1}"#, "null", "[1,2]"][usize::from(r.u8() % 3)];
    let record = SessionRecord {
        sid,
        pid: pid.clone(),
        rooms,
        data: Bytes::from_static(data.as_bytes()),
    };
    (pid, encode_session(&record))
}

/// The CONNECT text of a client asking to restore `pid` at `offset` in
/// `nsp`.
pub(crate) fn restore_connect(nsp: &str, pid: &str, offset: &str) -> (Bytes, String) {
    let auth = serde_json::json!({ "pid": pid, "offset": offset }).to_string();
    let text = if nsp == "/" {
        format!("40{auth}")
    } else {
        format!("40{nsp},{auth}")
    };
    (Bytes::from(auth), text)
}

/// An offset for a restore: an id the stream has (or had), one a client
/// got, one before or after the stream, the largest id, or no id at all.
pub(crate) fn offset(r: &mut Bytes8, ids: &[StreamId], seen: &[StreamId]) -> String {
    match r.u8() % 8 {
        0..=2 => pick(r, ids).map_or("0-0".to_owned(), ToString::to_string),
        3 | 4 => pick(r, seen).map_or("1000-0".to_owned(), ToString::to_string),
        5 => ids
            .last()
            .and_then(|id| id.next())
            .map_or("999-0".to_owned(), |id| id.to_string()),
        6 => "18446744073709551615-18446744073709551615".to_owned(),
        _ => ["0-0", "5", "1-x", ""][usize::from(r.u8() % 4)].to_owned(),
    }
}

/// The Socket.IO namespace and stream offset of an event frame (`42..`
/// or `45..`) whose last argument is a stream id.
pub(crate) fn event_offset(text: &[u8]) -> Option<(String, StreamId)> {
    let t = text.strip_prefix(b"4")?;
    let (kind, mut rest) = t.split_first()?;
    match kind {
        b'2' => {}
        b'5' => {
            let dash = rest.iter().position(|b| *b == b'-')?;
            rest = &rest[dash + 1..];
        }
        _ => return None,
    }
    let nsp = namespace(&mut rest);
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    let args: Vec<serde_json::Value> = serde_json::from_slice(&rest[digits..]).ok()?;
    let id = StreamId::parse(args.last()?.as_str()?.as_bytes())?;
    Some((nsp, id))
}

/// The namespace of a packet whose type is read (`/b,` or the main one),
/// skipped.
fn namespace(rest: &mut &[u8]) -> String {
    if rest.first() == Some(&b'/')
        && let Some(comma) = rest.iter().position(|b| *b == b',')
    {
        let nsp = String::from_utf8_lossy(&rest[..comma]).into_owned();
        *rest = &rest[comma + 1..];
        return nsp;
    }
    "/".to_owned()
}

/// A CONNECT answer (`40..` grant, `44..` error): its namespace, and the
/// pid of a grant.
pub(crate) fn connect_answer(text: &[u8]) -> Option<(String, Option<String>)> {
    let t = text.strip_prefix(b"4")?;
    let (kind, mut rest) = t.split_first()?;
    if !matches!(kind, b'0' | b'4') {
        return None;
    }
    let nsp = namespace(&mut rest);
    let pid = (*kind == b'0')
        .then(|| serde_json::from_slice::<serde_json::Value>(rest).ok())
        .flatten()
        .and_then(|v| v["pid"].as_str().map(str::to_owned));
    Some((nsp, pid))
}
