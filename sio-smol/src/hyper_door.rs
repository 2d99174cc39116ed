//! The hyper side of the front door: a hyper request for a mounted engine
//! as an [`EngineRequest`], and how it was served as hyper's response.

use crate::endpoint::{Endpoint, EngineRequest, RequestBody, Served, Upgrade};
use crate::net::{self, Body};
use crate::proxy::ConnInfo;
use crate::route::ResponseFuture;
use bytes::Bytes;
use hyper::body::Incoming;
use hyper::header::{HeaderName, HeaderValue};
use hyper::{Request, Response, StatusCode};
use sio_core::http::{HttpRequest, HttpResponse, Method};
use std::borrow::Cow;
use std::rc::Rc;

/// Serves one hyper request on `endpoint`.
///
/// The head is converted and dropped before this returns, not when the
/// future first runs: hyper reads on right after handing a request over,
/// and while the head lives, its bytes pin hyper's read buffer, so hyper
/// would allocate a new one (8 KiB) for every request.
pub(crate) fn serve(
    endpoint: Rc<dyn Endpoint>,
    mut req: Request<Incoming>,
    conn: &ConnInfo,
) -> ResponseFuture {
    let websocket = net::is_upgrade_request(&req);
    let accept = websocket.then(|| net::accept_response(&req));
    let upgrade = websocket.then(|| Upgrade::Hyper(hyper::upgrade::on(&mut req)));
    let head = core_request(&req, websocket, conn);
    let body = RequestBody::Hyper(req.into_body());
    let served = endpoint.serve(EngineRequest {
        head,
        body,
        upgrade,
    });
    Box::pin(async move {
        match (served.await, accept) {
            (Served::Response(res), _) => hyper_response(res),
            (Served::Switching(headers), Some(mut accept)) => {
                add_headers(&mut accept, headers);
                accept
            }
            // A hyper request is never taken whole, and switches only
            // when it asked to.
            _ => hyper_response(HttpResponse::empty(500)),
        }
    })
}

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
