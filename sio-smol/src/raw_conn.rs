//! A connection's requests served without hyper while they are the
//! engine's plainest (see [`crate::net::raw_http`]): WebSocket upgrades
//! and small long-polling `GET`s and `POST`s on a mounted engine's path.
//! At the first request that is anything else, the connection and the
//! bytes read so far go to hyper.

use crate::endpoint::{Endpoint, EngineRequest, RequestBody, ServeFuture, Served, Upgrade};
use crate::net::raw_http::{self, MAX_HEADERS, Parsed, RawHead, RawKind, RawMethod};
use crate::net::{NetStream, SmolIo};
use crate::proxy::ConnInfo;
use bytes::Bytes;
use sio_core::http::{HttpRequest, HttpResponse, Method};
use std::rc::Rc;

/// Most bytes read for a request head, and most bytes of the next request
/// read while one is being answered; a longer head goes to hyper.
pub(crate) const READ_AHEAD: usize = 4096;

/// The stream of a connection being served.
type Io = SmolIo<NetStream>;

/// What to do with the bytes read so far.
enum Next {
    /// Read until `len` bytes are in: a head, or a body, is incomplete.
    Read { len: usize },
    /// The WebSocket upgrade is under way on its own; nothing is left.
    Upgraded(ServeFuture),
    /// Wait for this answer, write it and go on with the bytes after the
    /// first `used`; close after it when `close`.
    Answer {
        answer: ServeFuture,
        used: usize,
        close: bool,
    },
    /// Hand the connection to hyper.
    Hyper,
}

/// Serves the requests of a connection while they are the plainest kind;
/// returns the stream and the bytes read but not served for hyper to go on
/// with, or `None` when the connection is done (closed, failed, timed out,
/// upgraded). `conn` describes the connection.
pub(crate) async fn serve(
    mounts: &[Rc<dyn Endpoint>],
    io: Io,
    conn: &ConnInfo,
) -> Option<(Io, Vec<u8>)> {
    let mut io = Some(io);
    let mut read = Vec::new();
    loop {
        let next = if read.is_empty() {
            Next::Read { len: READ_AHEAD }
        } else {
            next(mounts, &read, &mut io, conn)
        };
        match next {
            Next::Read { len } => {
                let stream = io.as_mut()?;
                if read.len() >= len {
                    // A head longer than READ_AHEAD.
                    break;
                }
                let want = len - read.len();
                match stream.read_append(&mut read, want).await {
                    Ok(0) | Err(_) => return None,
                    Ok(_) => {}
                }
            }
            Next::Upgraded(upgrade) => {
                upgrade.await;
                return None;
            }
            Next::Answer {
                answer,
                used,
                close,
            } => {
                read.drain(..used);
                if read.is_empty() && read.capacity() > READ_AHEAD {
                    // A large body's room is not kept for an idle connection.
                    read = Vec::new();
                }
                let stream = io.as_mut()?;
                // The client may go away while a long-poll waits: then the
                // answer is dropped, which tells the engine.
                let served = futures_lite::future::or(async { Some(answer.await) }, async {
                    until_closed(stream, &mut read).await;
                    None
                })
                .await?;
                let res = match served {
                    Served::Response(res) => res,
                    // A plain request is not an upgrade: cannot happen.
                    _ => HttpResponse::empty(500),
                };
                let headers = res.headers.iter().map(|(n, v)| (*n, v.as_ref()));
                let bytes = raw_http::response(res.status, headers, &res.body, close);
                let stream = io.as_mut()?;
                if stream.write_all(&bytes).await.is_err() || close {
                    return None;
                }
            }
            Next::Hyper => break,
        }
    }
    Some((io?, read))
}

/// Decides what the bytes at the start of `read` call for. An upgrade
/// takes the stream out of `io`.
fn next(mounts: &[Rc<dyn Endpoint>], read: &[u8], io: &mut Option<Io>, conn: &ConnInfo) -> Next {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let head = match RawHead::parse(read, &mut headers) {
        Parsed::Head(head) => head,
        Parsed::Partial => return Next::Read { len: READ_AHEAD },
        Parsed::Other => return Next::Hyper,
    };
    let Some(endpoint) = mounts.iter().find(|d| d.matches(head.path)) else {
        return Next::Hyper;
    };
    match head.kind {
        RawKind::Upgrade { key } => {
            let Some(stream) = io.take() else {
                return Next::Hyper;
            };
            if let Some(clock) = stream.clock() {
                clock.disarm();
            }
            let req = EngineRequest {
                head: raw_request(&head, true, conn),
                body: RequestBody::Empty,
                upgrade: Some(Upgrade::Raw {
                    stream: stream.into_inner(),
                    key: key.to_vec(),
                    leftover: read[head.len..].to_vec(),
                }),
            };
            Next::Upgraded(endpoint.clone().serve(req))
        }
        RawKind::Plain {
            content_length,
            close,
        } => {
            let used = head.len + content_length;
            if read.len() < used {
                return Next::Read { len: used };
            }
            let req = EngineRequest {
                head: raw_request(&head, false, conn),
                body: RequestBody::Bytes(Bytes::copy_from_slice(&read[head.len..used])),
                upgrade: None,
            };
            let answer = endpoint.clone().serve(req);
            if let Some(clock) = io.as_ref().and_then(|s| s.clock()) {
                clock.disarm();
            }
            Next::Answer {
                answer,
                used,
                close,
            }
        }
    }
}

/// Returns once the client closed the connection (or it failed). What the
/// client sends meanwhile (its next request, pipelined) is kept in `read`,
/// up to [`READ_AHEAD`] bytes; past that, this only waits.
async fn until_closed(stream: &mut Io, read: &mut Vec<u8>) {
    loop {
        if read.len() >= READ_AHEAD {
            return std::future::pending().await;
        }
        let want = READ_AHEAD - read.len();
        match stream.read_append(read, want).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
    }
}

/// The core's request for a head parsed without hyper.
fn raw_request(head: &RawHead<'_, '_>, websocket: bool, conn: &ConnInfo) -> HttpRequest {
    let method = match head.method {
        RawMethod::Get => Method::Get,
        RawMethod::Post => Method::Post,
    };
    let headers = || head.headers.iter().map(|h| (h.name, h.value));
    HttpRequest::from_parts(method, head.path, head.query, headers, websocket, |h| {
        conn.stamp(h, headers)
    })
}
