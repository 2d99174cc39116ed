//! Bus messages for the `cluster_member` target: valid broadcasts,
//! requests and responses built with the codec's encoders from fields the
//! input chooses (uids including the member's own, request ids including
//! the ones it has pending, every request and response type, rooms,
//! arguments with binary), or arbitrary bytes, on the member's real
//! channels.

use crate::Bytes8;
use crate::clients::pick;
use bytes::Bytes;
use sio_core::cluster::{
    Channels, Opts, RemoteSocket, Request, Response, encode_broadcast, encode_request,
    encode_response,
};
use sio_core::socket::{Args, SocketId};

/// The channels' prefix of every member.
pub(crate) const KEY: &str = "socket.io";

/// The namespaces a message may name (`/x` exists nowhere, `/b` has no
/// channels of its own on the bus until a client asks for it).
const NSPS: &[&str] = &["/", "/a", "/b", "/x"];

/// Event names (`connect` is reserved).
const EVENTS: &[&str] = &["ev", "b", "connect", "x y"];

/// What the input knows when it crafts a message.
pub(crate) struct Known<'a> {
    /// The receiving member's uid.
    pub me: &'a str,
    /// The other members' uids.
    pub others: &'a [String],
    /// Wire request ids seen on the bus (the members' pending ones among them).
    pub request_ids: &'a [String],
    /// The receiving member's sockets.
    pub sockets: &'a [SocketId],
}

/// A uid: the receiver's own, another member's, a stranger's or the Redis
/// emitter's.
pub(crate) fn uid(r: &mut Bytes8, k: &Known) -> String {
    match r.u8() % 4 {
        0 => k.me.to_owned(),
        1 => k.others.first().cloned().unwrap_or_else(|| "QQQQQQ".into()),
        2 => "AAAAAA".to_owned(),
        _ => "emitter".to_owned(),
    }
}

pub(crate) fn nsp(r: &mut Bytes8) -> &'static str {
    NSPS[r.u8() as usize % NSPS.len()]
}

/// Rooms chosen by the bits of one byte (numeric and socket-id rooms too).
fn rooms(r: &mut Bytes8, k: &Known) -> Vec<String> {
    let bits = r.u8();
    let mut out = Vec::new();
    for (i, name) in ["r", "s", "5"].iter().enumerate() {
        if bits & (1 << i) != 0 {
            out.push((*name).to_owned());
        }
    }
    if bits & 8 != 0
        && let Some(s) = pick(r, k.sockets)
    {
        out.push(s.as_str().to_owned());
    }
    out
}

/// Arguments, some with a binary attachment.
pub(crate) fn args(r: &mut Bytes8) -> Args {
    match r.u8() % 5 {
        0 => Args::empty(),
        1 => Args::from_json(r#"[1,"x"]"#),
        2 => Args {
            json: Bytes::from_static(br#"[{"_placeholder":true,"num":0},7]"#),
            attachments: vec![Bytes::from_static(&[0, 1, 255])],
        },
        3 => Args::from_json(r#"[{"a":[null,true]},2.5]"#),
        _ => Args::from_json("[\"\u{e9}\"]"),
    }
}

pub(crate) fn event(r: &mut Bytes8) -> &'static str {
    EVENTS[r.u8() as usize % EVENTS.len()]
}

pub(crate) fn opts(r: &mut Bytes8, k: &Known) -> Opts {
    let rooms = rooms(r, k);
    let except = rooms_or_none(r, k);
    let flags = r.u8();
    let timeout = [
        None,
        Some(0),
        Some(50),
        Some(1000),
        Some(100_000),
        Some(u64::MAX),
    ][usize::from(flags >> 1) % 6];
    Opts {
        rooms,
        except,
        volatile: flags & 1 != 0,
        timeout,
    }
}

fn rooms_or_none(r: &mut Bytes8, k: &Known) -> Vec<String> {
    if r.u8().is_multiple_of(2) {
        Vec::new()
    } else {
        rooms(r, k)
    }
}

/// A request id: one seen on the bus, or a fresh one.
fn request_id(r: &mut Bytes8, k: &Known) -> String {
    let i = r.u8();
    match k
        .request_ids
        .get(usize::from(i) % (k.request_ids.len() + 1))
    {
        Some(id) => id.clone(),
        None => format!("rq{i}"),
    }
}

/// A channel of namespace `nsp` as member `me` sees it: broadcast (base or
/// a room's), request, shared response, own response, another's response.
fn channel(r: &mut Bytes8, k: &Known, nsp: &str) -> String {
    let ch = Channels::new(KEY, nsp, k.me);
    match r.u8() % 7 {
        0 => ch.broadcast(&[]),
        1 => ch.broadcast(&rooms(r, k)),
        2 => ch.request().to_owned(),
        3 => ch.response().to_owned(),
        4 => ch.own_response().to_owned(),
        5 => ch.response_to("AAAAAA"),
        _ => format!("other#{nsp}#"),
    }
}

/// A message on one of `k.me`'s channels: (channel, payload).
pub(crate) fn message(r: &mut Bytes8, k: &Known) -> (String, Bytes) {
    let nsp = nsp(r);
    let ch = Channels::new(KEY, nsp, k.me);
    match r.u8() % 4 {
        0 => {
            let uid = uid(r, k);
            // The packet may name another namespace than the channel.
            let inner = if r.u8().is_multiple_of(8) { "/a" } else { nsp };
            let (event, args, opts) = (event(r), args(r), opts(r, k));
            let channel = if r.u8().is_multiple_of(4) {
                ch.broadcast(&[])
            } else {
                ch.broadcast(&opts.rooms)
            };
            let payload = encode_broadcast(&uid, inner, event, &args, &opts);
            (channel, payload)
        }
        1 => {
            let uid = uid(r, k);
            let request = request(r, k);
            let mut payload = encode_request(&uid, nsp, &request).to_vec();
            // The Redis emitter sends no uid.
            let emitter = br#"{"uid":"emitter","#;
            if payload.starts_with(emitter) {
                payload.splice(..emitter.len(), *b"{");
            }
            (ch.request().to_owned(), Bytes::from(payload))
        }
        2 => {
            let response = response(r, k);
            let channel = match r.u8() % 3 {
                0 => ch.response().to_owned(),
                1 => ch.own_response().to_owned(),
                _ => ch.response_to("AAAAAA"),
            };
            (channel, encode_response(&response))
        }
        _ => {
            let channel = channel(r, k, nsp);
            let len = r.u8() as usize % 64;
            (channel, Bytes::copy_from_slice(r.take(len)))
        }
    }
}

/// A request of any wire type (0–7, and the legacy forms of 2–4).
pub(crate) fn request(r: &mut Bytes8, k: &Known) -> Request {
    match r.u8() % 9 {
        0 => Request::Sockets {
            request_id: request_id(r, k),
            rooms: rooms(r, k),
        },
        1 => Request::AllRooms {
            request_id: request_id(r, k),
        },
        2 => Request::Join {
            opts: opts(r, k),
            rooms: rooms(r, k),
        },
        3 => Request::Leave {
            opts: opts(r, k),
            rooms: rooms(r, k),
        },
        4 => Request::Disconnect {
            opts: opts(r, k),
            close: r.u8().is_multiple_of(2),
        },
        5 => Request::LegacySocket {
            kind: 2 + r.u8() % 3,
            request_id: request_id(r, k),
            sid: pick(r, k.sockets)
                .map(|s| s.as_str().to_owned())
                .unwrap_or_else(|| "nobody".into()),
            room: rooms(r, k).pop().unwrap_or_default(),
        },
        6 => Request::Fetch {
            request_id: request_id(r, k),
            opts: opts(r, k),
        },
        7 => Request::ServerSideEmit {
            request_id: r.u8().is_multiple_of(2).then(|| request_id(r, k)),
            event: event(r).to_owned(),
            args: args(r),
        },
        _ => Request::Broadcast {
            request_id: request_id(r, k),
            event: event(r).to_owned(),
            args: args(r),
            opts: opts(r, k),
        },
    }
}

/// A response of any kind, to a request id seen on the bus or a fresh one.
pub(crate) fn response(r: &mut Bytes8, k: &Known) -> Response {
    let request_id = request_id(r, k);
    match r.u8() % 7 {
        0 => Response::Fetch {
            request_id,
            sockets: (0..r.u8() % 3)
                .map(|i| RemoteSocket {
                    id: format!("remote{i}"),
                    handshake: Bytes::from_static(b"{}"),
                    rooms: vec![format!("remote{i}"), "r".into()],
                    data: Bytes::from_static(br#"{"n":1}"#),
                })
                .collect(),
        },
        1 => Response::SocketIds {
            request_id,
            sockets: vec!["s1".into()],
        },
        2 => Response::Rooms {
            request_id,
            rooms: rooms(r, k),
        },
        3 => Response::ServerSideEmit {
            request_id,
            data: args(r),
        },
        4 => Response::ClientCount {
            request_id,
            count: [0, 1, 2, u64::MAX][usize::from(r.u8() % 4)],
        },
        5 => Response::BroadcastAck {
            request_id,
            data: args(r),
        },
        _ => Response::Other { request_id },
    }
}
