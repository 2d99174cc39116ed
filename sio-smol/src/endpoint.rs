//! Serving one HTTP request for a mounted engine: convert the head, let the
//! core decide, read the body when asked, complete WebSocket upgrades.

use crate::driver::{Core, Driver, Sink};
use crate::exchange::{Exchange, ExchangeState};
use crate::net::raw_http::{self, RawHead, RawMethod};
use crate::net::{self, Body, BodyError, NetStream, WsLimits};
use crate::proxy::ConnInfo;
use crate::ws_queue::WsConn;
use async_tungstenite::WebSocketStream;
use async_tungstenite::tungstenite::protocol::Role;
use bytes::Bytes;
use futures_lite::AsyncWriteExt;
use hyper::body::Incoming;
use hyper::header::{HeaderName, HeaderValue};
use hyper::{Request, Response, StatusCode};
use sio_core::http::{HttpRequest, HttpResponse, Method};
use sio_core::{ConnId, Input};
use std::borrow::Cow;
use std::future::Future;
use std::rc::Rc;

/// Converts a hyper request head into the core's vocabulary (the core
/// decides which headers it keeps; `conn` stamps what is known of the
/// client).
pub(crate) fn core_request<B>(req: &Request<B>, websocket: bool, conn: &ConnInfo) -> HttpRequest {
    let method = Method::from_name(req.method().as_str());
    let (path, query) = (req.uri().path(), req.uri().query().unwrap_or(""));
    let headers = || {
        req.headers()
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_bytes()))
    };
    HttpRequest::from_parts(method, path, query, headers, websocket, |head| {
        conn.stamp(head, headers)
    })
}

/// Serves a WebSocket upgrade request read and parsed without hyper (see
/// [`crate::net::raw_http`]): answers it on `stream` and, once accepted,
/// runs the WebSocket on its own task. `key` is the request's
/// `Sec-WebSocket-Key`, `leftover` what the client sent after the head.
pub(crate) fn serve_upgrade<C: Core>(
    driver: Rc<Driver<C>>,
    head: &RawHead<'_, '_>,
    key: &[u8],
    stream: NetStream,
    leftover: Vec<u8>,
    conn: &ConnInfo,
) -> impl Future<Output = ()> + use<C> {
    let req = raw_request(head, true, conn);
    let key = key.to_vec();
    async move {
        let mut stream = stream;
        match answer(&driver, req, RequestBody::Empty).await {
            Answer::Response(res) => {
                let headers = res.headers.iter().map(|(n, v)| (*n, v.as_ref()));
                let bytes = raw_http::response(res.status, headers, &res.body, true);
                // The connection closes either way.
                let _ = stream.write_all(&bytes).await;
                let _ = stream.flush().await;
            }
            Answer::Upgrade {
                conn,
                headers,
                max_message,
                ws,
            } => {
                let accept = raw_http::switching_protocols(
                    &key,
                    headers.iter().map(|(n, v)| (*n, v.as_ref())),
                );
                let limits = WsLimits {
                    max_message_size: max_message,
                };
                let upgrading = Box::pin(async move {
                    stream.write_all(&accept).await?;
                    // TLS may hold the bytes back until a flush.
                    stream.flush().await?;
                    Ok(WebSocketStream::from_partially_read(
                        stream,
                        leftover,
                        Role::Server,
                        Some(limits.into()),
                    )
                    .await)
                });
                let d = driver.clone();
                driver.spawn(crate::ws_task::run(d, conn, ws, upgrading));
            }
        }
    }
}

/// Serves a `GET` or `POST` read and parsed without hyper (see
/// [`crate::net::raw_http`]), its whole `body` read: yields the response
/// for the caller to write.
pub(crate) fn serve_plain<C: Core>(
    driver: Rc<Driver<C>>,
    head: &RawHead<'_, '_>,
    body: Bytes,
    conn: &ConnInfo,
) -> impl Future<Output = HttpResponse> + use<C> {
    let req = raw_request(head, false, conn);
    async move {
        match answer(&driver, req, RequestBody::Bytes(body)).await {
            Answer::Response(res) => res,
            // The core accepts only requests marked `websocket`.
            Answer::Upgrade { .. } => HttpResponse::empty(500),
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

/// Converts a core response into a hyper one.
pub(crate) fn hyper_response(res: HttpResponse) -> Response<Body> {
    let mut out = Response::new(Body::new(res.body));
    *out.status_mut() =
        StatusCode::from_u16(res.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    add_headers(&mut out, res.headers);
    out
}

/// Adds the core's headers to `res`, without copying their values: a
/// constant is used in place, an owned string is moved (invalid values are
/// left out).
fn add_headers(res: &mut Response<Body>, headers: Vec<(&'static str, Cow<'static, str>)>) {
    for (name, value) in headers {
        let bytes = match value {
            Cow::Borrowed(s) => Bytes::from_static(s.as_bytes()),
            Cow::Owned(s) => Bytes::from(s),
        };
        if let Ok(v) = HeaderValue::from_maybe_shared(bytes) {
            res.headers_mut().append(header_name(name), v);
        }
    }
}

/// The header name `name` (lower case, as the core writes them): a
/// constant for the ones every polling response carries, which
/// `HeaderName::from_static` would look up byte by byte.
fn header_name(name: &'static str) -> HeaderName {
    use hyper::header;
    match name {
        "content-type" => header::CONTENT_TYPE,
        "cache-control" => header::CACHE_CONTROL,
        "content-length" => header::CONTENT_LENGTH,
        "vary" => header::VARY,
        "access-control-allow-origin" => header::ACCESS_CONTROL_ALLOW_ORIGIN,
        "access-control-allow-credentials" => header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
        "set-cookie" => header::SET_COOKIE,
        other => HeaderName::from_static(other),
    }
}

/// Reports an exchange dropped before its response (the client went away)
/// to the engine.
struct ExchangeGuard<C: Core> {
    driver: Rc<Driver<C>>,
    conn: ConnId,
    done: bool,
}

impl<C: Core> Drop for ExchangeGuard<C> {
    fn drop(&mut self) {
        if !self.done && self.driver.unregister(self.conn) {
            self.driver.handle(Input::ConnClosed { conn: self.conn });
        }
    }
}

/// Serves one request on the engine's path.
///
/// The head is converted and dropped before this returns, not when the
/// future first runs: hyper reads on right after handing a request over,
/// and while the head lives, its bytes pin hyper's read buffer, so hyper
/// would allocate a new one (8 KiB) for every request.
pub(crate) fn serve<C: Core>(
    driver: Rc<Driver<C>>,
    mut req: Request<Incoming>,
    conn: &ConnInfo,
) -> impl std::future::Future<Output = Response<Body>> + use<C> {
    let websocket = net::is_upgrade_request(&req);
    let upgrade = websocket.then(|| {
        let accept = net::accept_response(&req);
        (hyper::upgrade::on(&mut req), accept)
    });
    let head = core_request(&req, websocket, conn);
    // Drop the head now: a held long-poll should not keep hyper's header
    // buffers alive.
    let body = req.into_body();
    exchange(driver, head, body, upgrade)
}

/// The rest of [`serve`]: hands the request to the core and waits for its
/// answer.
async fn exchange<C: Core>(
    driver: Rc<Driver<C>>,
    head: HttpRequest,
    body: Incoming,
    upgrade: Option<(hyper::upgrade::OnUpgrade, Response<Body>)>,
) -> Response<Body> {
    match answer(&driver, head, RequestBody::Hyper(body)).await {
        Answer::Response(res) => hyper_response(res),
        Answer::Upgrade {
            conn,
            headers,
            max_message,
            ws,
        } => {
            let Some((on_upgrade, mut accept)) = upgrade else {
                // The core only accepts requests marked `websocket`.
                return hyper_response(HttpResponse::empty(500));
            };
            add_headers(&mut accept, headers);
            let limits = WsLimits {
                max_message_size: max_message,
            };
            let upgrading = Box::pin(net::upgraded_stream(on_upgrade, limits));
            let d = driver.clone();
            driver.spawn(crate::ws_task::run(d, conn, ws, upgrading));
            accept
        }
    }
}

/// What the core made of a request.
enum Answer {
    /// This response.
    Response(HttpResponse),
    /// A WebSocket accepted as connection `conn`, with extra headers for the
    /// `101` response, the largest message to read, and its send queue.
    Upgrade {
        conn: ConnId,
        headers: Vec<(&'static str, Cow<'static, str>)>,
        max_message: usize,
        ws: Rc<WsConn>,
    },
}

/// A request's body, as the core may ask for it.
enum RequestBody {
    /// None (a WebSocket upgrade).
    Empty,
    /// Still to be read from hyper.
    Hyper(Incoming),
    /// Read already.
    Bytes(Bytes),
}

/// Hands a request to the core and waits for its answer, handing it the
/// body when it asks for it.
async fn answer<C: Core>(driver: &Rc<Driver<C>>, head: HttpRequest, body: RequestBody) -> Answer {
    let conn = driver.new_conn();
    let exchange = Rc::new(Exchange::new());
    driver.register(conn, Sink::Http(exchange.clone()));
    let mut guard = ExchangeGuard {
        driver: driver.clone(),
        conn,
        done: false,
    };
    driver.handle(Input::HttpRequest { conn, req: head });
    let mut body = Some(body);
    loop {
        match exchange.next().await {
            ExchangeState::Waiting => {}
            ExchangeState::ReadBody(limit) => {
                // Asked once; a second request for it finds nothing.
                let Some(b) = body.take() else { continue };
                let input = match b {
                    RequestBody::Empty => Input::HttpBody {
                        conn,
                        body: Bytes::new(),
                    },
                    RequestBody::Bytes(b) if b.len() > limit => Input::HttpBodyTooLarge { conn },
                    RequestBody::Bytes(b) => Input::HttpBody { conn, body: b },
                    RequestBody::Hyper(b) => match net::read_body_limited(b, limit).await {
                        Ok(body) => Input::HttpBody { conn, body },
                        Err(BodyError::TooLarge) => Input::HttpBodyTooLarge { conn },
                        Err(BodyError::Io(_)) => {
                            guard.done = true;
                            driver.unregister(conn);
                            driver.handle(Input::ConnClosed { conn });
                            return Answer::Response(HttpResponse::empty(400));
                        }
                    },
                };
                driver.handle(input);
            }
            ExchangeState::Response(res) => {
                guard.done = true;
                return Answer::Response(res);
            }
            ExchangeState::WsAccept {
                headers,
                max_message,
                ws,
            } => {
                guard.done = true;
                return Answer::Upgrade {
                    conn,
                    headers,
                    max_message,
                    ws,
                };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::header_name;

    #[test]
    fn header_names_are_the_names_given() {
        for name in [
            "content-type",
            "cache-control",
            "content-length",
            "vary",
            "access-control-allow-origin",
            "access-control-allow-credentials",
            "set-cookie",
            "access-control-max-age",
        ] {
            assert_eq!(header_name(name).as_str(), name);
        }
    }
}
