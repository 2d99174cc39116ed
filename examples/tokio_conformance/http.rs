//! One HTTP exchange on a core's path: the head goes to the core, then the
//! task does what the core asks (read the body, answer, or upgrade).

use crate::driver::{Driver, Step};
use bytes::Bytes;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::{Body, Incoming};
use hyper::header::{HeaderName, HeaderValue};
use hyper::{Request, Response, StatusCode};
use sio_core::http::{HttpRequest, Method};
use sio_core::{ConnId, Input, Protocol};
use std::borrow::Cow;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::SystemTime;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;

/// Serves `req` with the core of `driver`: yields the response to write
/// (a `101` when the core accepted a WebSocket, whose task then runs on).
pub async fn exchange<P: Protocol + 'static>(
    driver: Rc<Driver<P>>,
    mut req: Request<Incoming>,
    peer: SocketAddr,
) -> Response<Full<Bytes>> {
    let websocket = is_websocket(&req);
    let upgrade = websocket.then(|| hyper::upgrade::on(&mut req));
    let head = core_request(&req, websocket, peer);
    let key = req.headers().get("sec-websocket-key").cloned();
    let mut body = Some(req.into_body());
    let (conn, mut steps) = driver.open();
    // Tells the core if the client leaves before the answer: hyper then
    // drops this future.
    let guard = Guard(&driver, conn);
    driver.handle(Input::HttpRequest { conn, req: head });
    while let Some(step) = steps.recv().await {
        match step {
            Step::ReadBody(limit) => {
                let input = match read_body(body.take(), limit).await {
                    Ok(body) => Input::HttpBody { conn, body },
                    Err(BodyError::TooLarge) => Input::HttpBodyTooLarge { conn },
                    // The client left mid-body: the guard reports it.
                    Err(BodyError::Gone) => return status(StatusCode::BAD_REQUEST),
                };
                driver.handle(input);
            }
            Step::Respond(res) => {
                std::mem::forget(guard); // answered: nothing to report
                let mut res = response(res.status, res.headers, res.body);
                if websocket {
                    // A refused upgrade: hyper closes the connection; say so.
                    let close = HeaderValue::from_static("close");
                    res.headers_mut().insert("connection", close);
                }
                return res;
            }
            Step::Accept {
                headers,
                max_message,
                queue,
            } => {
                std::mem::forget(guard);
                // `websocket` (so `upgrade` and `key`) is true of every
                // request the core accepts.
                let (Some(upgrade), Some(key)) = (upgrade, key) else {
                    driver.closed(conn);
                    return status(StatusCode::INTERNAL_SERVER_ERROR);
                };
                let ws = crate::ws::run(driver, conn, upgrade, max_message, queue);
                tokio::task::spawn_local(ws);
                let mut res = response(101, headers, Bytes::new());
                let h = res.headers_mut();
                h.insert("connection", HeaderValue::from_static("Upgrade"));
                h.insert("upgrade", HeaderValue::from_static("websocket"));
                // A base64 string is always a valid header value.
                if let Ok(v) = HeaderValue::from_str(&derive_accept_key(key.as_bytes())) {
                    h.insert("sec-websocket-accept", v);
                }
                return res;
            }
        }
    }
    // The driver dropped the exchange without an answer: cannot happen,
    // every output that forgets an exchange answers it.
    status(StatusCode::INTERNAL_SERVER_ERROR)
}

/// Reports `ConnClosed` for an exchange dropped before its answer.
struct Guard<'a, P: Protocol + 'static>(&'a Driver<P>, ConnId);

impl<P: Protocol + 'static> Drop for Guard<'_, P> {
    fn drop(&mut self) {
        self.0.closed(self.1);
    }
}

/// The core's request for a hyper head: every header, and what is known of
/// the connection (the peer, the time).
fn core_request<B>(req: &Request<B>, websocket: bool, peer: SocketAddr) -> HttpRequest {
    let headers = || {
        req.headers()
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_bytes()))
    };
    HttpRequest::from_parts(
        Method::from_name(req.method().as_str()),
        req.uri().path(),
        req.uri().query().unwrap_or(""),
        headers,
        websocket,
        |head| {
            head.peer(peer).issued(SystemTime::now());
        },
    )
}

/// A valid WebSocket upgrade request (RFC 6455): `GET`, `Connection:
/// upgrade`, `Upgrade: websocket`, version 13 and a key.
fn is_websocket<B>(req: &Request<B>) -> bool {
    let has = |name: &str, token: &str| {
        req.headers().get_all(name).iter().any(|v| {
            v.as_bytes()
                .split(|&b| b == b',')
                .any(|t| t.trim_ascii().eq_ignore_ascii_case(token.as_bytes()))
        })
    };
    req.method() == hyper::Method::GET
        && has("connection", "upgrade")
        && has("upgrade", "websocket")
        && has("sec-websocket-version", "13")
        && req.headers().contains_key("sec-websocket-key")
}

/// Why a body was not read.
enum BodyError {
    /// Longer than the limit.
    TooLarge,
    /// The client left, or sent a broken body.
    Gone,
}

/// Reads the whole body, up to `limit` bytes. A `Content-Length` over the
/// limit is refused before anything is read.
async fn read_body(body: Option<Incoming>, limit: usize) -> Result<Bytes, BodyError> {
    let Some(body) = body else {
        return Err(BodyError::Gone); // asked twice: the core never does
    };
    if usize::try_from(body.size_hint().lower()).map_or(true, |n| n > limit) {
        return Err(BodyError::TooLarge);
    }
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.is::<LengthLimitError>() => Err(BodyError::TooLarge),
        Err(_) => Err(BodyError::Gone),
    }
}

/// A hyper response from the core's parts (invalid header values, which
/// the core does not make, are left out).
fn response(
    status: u16,
    headers: Vec<(&'static str, Cow<'static, str>)>,
    body: Bytes,
) -> Response<Full<Bytes>> {
    let mut res = Response::new(Full::new(body));
    *res.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in headers {
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            res.headers_mut().append(n, v);
        }
    }
    res
}

/// An empty response with `status`.
fn status(status: StatusCode) -> Response<Full<Bytes>> {
    let mut res = Response::new(Full::default());
    *res.status_mut() = status;
    res
}
