//! The `data` object of each message type, as `ClusterAdapter` builds it
//! (keys in its order), and back.

use bytes::Bytes;

use super::AdapterMsg;
use crate::cluster::error::ClusterDecodeError;
use crate::cluster::response::{one_arg, remote_socket};
use crate::cluster::value::{Val, args_with_binary, event_and_args, opts, rooms, string};
use crate::cluster::{Opts, RemoteSocket, Request, Response};
use crate::socket::Args;

fn map(entries: Vec<(&str, Val)>) -> Val {
    Val::Map(
        entries
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect(),
    )
}

fn strs(items: &[String]) -> Val {
    Val::Arr(items.iter().cloned().map(Val::Str).collect())
}

fn text(s: &str) -> Val {
    Val::Str(s.to_owned())
}

/// `{rooms, except, flags}`; flags `{}`, `volatile: true` and `timeout`
/// when set (Node writes the flags object of the broadcast operator).
fn opts_val(opts: &Opts) -> Val {
    let mut flags = Vec::new();
    if opts.volatile {
        flags.push(("volatile", Val::Bool(true)));
    }
    if let Some(t) = opts.timeout {
        flags.push(("timeout", Val::UInt(t)));
    }
    map(vec![
        ("rooms", strs(&opts.rooms)),
        ("except", strs(&opts.except)),
        ("flags", map(flags)),
    ])
}

/// `[event, ...args]`, binary as [`Val::Bin`].
fn event_val(event: &str, args: &Args) -> Val {
    let mut items = vec![text(event)];
    items.extend(args_with_binary(args));
    Val::Arr(items)
}

/// `{type:2, data:[event, ...args][, id]}`: the packet as the adapter
/// publishes it, before the local send adds `nsp`.
fn packet_val(event: &str, args: &Args, ack_id: Option<u64>) -> Val {
    let mut packet = vec![("type", Val::UInt(2)), ("data", event_val(event, args))];
    if let Some(id) = ack_id {
        packet.push(("id", Val::UInt(id)));
    }
    map(packet)
}

/// A raw JSON text as a value (`null` when empty or not JSON).
fn raw(json: &Bytes) -> Val {
    Val::from_json(json).unwrap_or(Val::Nil)
}

fn socket_val(s: &RemoteSocket) -> Val {
    map(vec![
        ("id", text(&s.id)),
        ("handshake", raw(&s.handshake)),
        ("rooms", strs(&s.rooms)),
        ("data", raw(&s.data)),
    ])
}

/// Which writer a `data` object is built for: they differ in what a
/// JavaScript `undefined` becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Target {
    /// `JSON.stringify` leaves the key out.
    Json,
    /// @msgpack/msgpack writes nil.
    Msgpack,
}

/// `requestId` and `packet`: the first value of a one-element [`Args`].
/// When there is none (Node's callback called without an argument, so
/// `undefined`), JSON has no `packet` and msgpack a nil.
fn answer(request_id: &str, data: &Args, target: Target) -> Val {
    let mut entries = vec![("requestId", text(request_id))];
    match args_with_binary(data).into_iter().next() {
        Some(v) => entries.push(("packet", v)),
        None if target == Target::Msgpack => entries.push(("packet", Val::Nil)),
        None => {}
    }
    map(entries)
}

/// The `data` object of `msg` for `target`; `None` for types without one.
pub(super) fn data_val(msg: &AdapterMsg, target: Target) -> Option<Val> {
    let rid = |id: &str| ("requestId", text(id));
    Some(match msg {
        AdapterMsg::Broadcast {
            event,
            args,
            opts,
            ack_id,
        } => map(vec![
            ("packet", packet_val(event, args, *ack_id)),
            ("opts", opts_val(opts)),
        ]),
        AdapterMsg::Request(request) => match request {
            Request::Broadcast {
                request_id,
                event,
                args,
                opts,
            } => map(vec![
                ("packet", packet_val(event, args, None)),
                rid(request_id),
                ("opts", opts_val(opts)),
            ]),
            Request::Join { opts, rooms } | Request::Leave { opts, rooms } => {
                map(vec![("opts", opts_val(opts)), ("rooms", strs(rooms))])
            }
            Request::Disconnect { opts, close } => {
                map(vec![("opts", opts_val(opts)), ("close", Val::Bool(*close))])
            }
            Request::Fetch { request_id, opts } => {
                map(vec![("opts", opts_val(opts)), rid(request_id)])
            }
            Request::ServerSideEmit {
                request_id,
                event,
                args,
            } => {
                let mut data = Vec::new();
                if let Some(id) = request_id {
                    data.push(rid(id));
                }
                data.push(("packet", event_val(event, args)));
                map(data)
            }
            _ => return None,
        },
        AdapterMsg::Response(response) => match response {
            Response::Fetch {
                request_id,
                sockets,
            } => map(vec![
                rid(request_id),
                (
                    "sockets",
                    Val::Arr(sockets.iter().map(socket_val).collect()),
                ),
            ]),
            Response::ServerSideEmit { request_id, data }
            | Response::BroadcastAck { request_id, data } => answer(request_id, data, target),
            Response::ClientCount { request_id, count } => {
                map(vec![rid(request_id), ("clientCount", Val::UInt(*count))])
            }
            _ => return None,
        },
        AdapterMsg::Other(_) => return None,
    })
}

/// A `requestId` that may be absent (Node tests `!== undefined`).
fn optional_id(data: &Val) -> Result<Option<String>, ClusterDecodeError> {
    match data.get("requestId") {
        None => Ok(None),
        Some(Val::Str(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ClusterDecodeError::Malformed("requestId")),
    }
}

/// The message of type `kind` with `data`. Types 1, 2, 13 and unknown
/// types are [`AdapterMsg::Other`] whatever their data.
pub(super) fn msg_from(kind: u64, data: Option<&Val>) -> Result<AdapterMsg, ClusterDecodeError> {
    if !matches!(kind, 3..=12) {
        return Ok(AdapterMsg::Other(kind));
    }
    let Some(data @ Val::Map(_)) = data else {
        return Err(ClusterDecodeError::Malformed("data"));
    };
    let request = |r| Ok(AdapterMsg::Request(r));
    let response = |r| Ok(AdapterMsg::Response(r));
    let malformed = ClusterDecodeError::Malformed;
    match kind {
        3 => {
            let packet = data.get("packet").ok_or(malformed("packet"))?;
            let (event, args) = event_and_args(packet.get("data"))?;
            let opts = opts(data.get("opts"))?;
            match optional_id(data)? {
                Some(request_id) => request(Request::Broadcast {
                    request_id,
                    event,
                    args,
                    opts,
                }),
                None => Ok(AdapterMsg::Broadcast {
                    event,
                    args,
                    opts,
                    ack_id: packet.get("id").and_then(Val::as_u64),
                }),
            }
        }
        4 | 5 => {
            let opts = opts(data.get("opts"))?;
            let rooms = rooms(data.get("rooms"))?;
            request(if kind == 4 {
                Request::Join { opts, rooms }
            } else {
                Request::Leave { opts, rooms }
            })
        }
        6 => request(Request::Disconnect {
            opts: opts(data.get("opts"))?,
            close: data.get("close") == Some(&Val::Bool(true)),
        }),
        7 => request(Request::Fetch {
            request_id: string(data, "requestId")?,
            opts: opts(data.get("opts"))?,
        }),
        9 => {
            let (event, args) = event_and_args(data.get("packet"))?;
            request(Request::ServerSideEmit {
                request_id: optional_id(data)?,
                event,
                args,
            })
        }
        8 => {
            let request_id = string(data, "requestId")?;
            let Some(Val::Arr(items)) = data.get("sockets") else {
                return Err(malformed("sockets"));
            };
            let sockets = items.iter().map(remote_socket).collect::<Option<_>>();
            response(Response::Fetch {
                request_id,
                sockets: sockets.ok_or(malformed("a fetched socket"))?,
            })
        }
        10 | 12 => {
            let request_id = string(data, "requestId")?;
            let data = one_arg(data.get("packet"))
                .ok_or(malformed("an object reads as a binary placeholder"))?;
            response(if kind == 10 {
                Response::ServerSideEmit { request_id, data }
            } else {
                Response::BroadcastAck { request_id, data }
            })
        }
        _ => response(Response::ClientCount {
            request_id: string(data, "requestId")?,
            count: data
                .get("clientCount")
                .and_then(Val::as_u64)
                .ok_or(malformed("clientCount"))?,
        }),
    }
}
