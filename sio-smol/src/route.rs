//! The application's own HTTP routes, next to its engines: a health check,
//! a small API, a page. A handler is an async function of a [`Request`]
//! returning a [`Response`]; no HTTP crate needed.
//!
//! ```no_run
//! use sio_smol::{Mux, Request, Response};
//!
//! let mux = Mux::new()
//!     .route("/health", |_req| async { Response::text("ok") })
//!     .route("/hello", |req: Request| async move {
//!         let name = req.query_param("name").unwrap_or_else(|| "world".into());
//!         Response::json(&serde_json::json!({ "hello": name }))
//!     })
//!     .route("/echo", |req: Request| async move {
//!         match req.body(64 * 1024).await {
//!             Ok(body) => Response::bytes("application/octet-stream", body),
//!             Err(_) => Response::text("too large").with_status(413),
//!         }
//!     })
//!     .default_route(|req: Request| async move {
//!         Response::text(format!("nothing at {}", req.path())).with_status(404)
//!     });
//! smol::block_on(mux.serve_graceful("127.0.0.1:3000".parse().unwrap())).unwrap();
//! ```
//!
//! Routes are matched on the exact path (the query does not count), after
//! the mounted engines and before static files; see [`crate::Mux::route`].
//! Handlers run on the server's thread: they may hold `Rc`s and
//! Socket.IO handles (e.g. to report the number of connected clients).
//! Whoever needs all of HTTP can still use hyper's types with
//! [`crate::Mux::fallback`] ([`Request::into_hyper`] and
//! `From<hyper::Response<_>>` convert).

use crate::net::{self, Body, BodyError};
use crate::proxy::ConnInfo;
use bytes::Bytes;
use hyper::body::Incoming;
use hyper::header::{HeaderName, HeaderValue};
use hyper::{Method, StatusCode};
use std::borrow::Cow;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::rc::Rc;

/// A boxed, thread-local response future (a [`crate::Mux::fallback`]
/// handler's answer).
pub type ResponseFuture = Pin<Box<dyn Future<Output = hyper::Response<Body>>>>;

/// A stored route handler.
pub(crate) type RouteHandler = Rc<dyn Fn(Request) -> Pin<Box<dyn Future<Output = Response>>>>;

/// Boxes `handler` for storage.
pub(crate) fn boxed<F, Fut>(handler: F) -> RouteHandler
where
    F: Fn(Request) -> Fut + 'static,
    Fut: Future<Output = Response> + 'static,
{
    Rc::new(move |req| Box::pin(handler(req)))
}

/// Calls `handler` with `req`, which came on a connection described by
/// `conn`.
pub(crate) fn call(
    handler: &RouteHandler,
    req: hyper::Request<Incoming>,
    conn: &ConnInfo,
) -> ResponseFuture {
    let headers = || {
        req.headers()
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_bytes()))
    };
    let address = conn.client_address(headers);
    let peer = conn.peer;
    let fut = handler(Request {
        inner: req,
        peer,
        address,
    });
    Box::pin(async move { fut.await.inner })
}

/// A request to a route: method, path, query, headers, and the body on
/// demand.
#[derive(Debug)]
pub struct Request {
    inner: hyper::Request<Incoming>,
    peer: Option<SocketAddr>,
    address: Option<IpAddr>,
}

impl Request {
    /// The method, e.g. `"GET"`.
    pub fn method(&self) -> &str {
        self.inner.method().as_str()
    }

    /// True for `GET` (and `HEAD`).
    pub fn is_get(&self) -> bool {
        matches!(*self.inner.method(), Method::GET | Method::HEAD)
    }

    /// The path, without the query.
    pub fn path(&self) -> &str {
        self.inner.uri().path()
    }

    /// The raw query string, without its `?` (empty if none).
    pub fn query(&self) -> &str {
        self.inner.uri().query().unwrap_or("")
    }

    /// The first value of query parameter `key`, percent-decoded.
    pub fn query_param(&self, key: &str) -> Option<String> {
        sio_core::http::query_param(self.query(), key).map(Cow::into_owned)
    }

    /// The first value of header `name` (any case), if it is text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.inner.headers().get(name)?.to_str().ok()
    }

    /// Every header as (name in lower case, value), values that are not
    /// text left out.
    pub fn headers(&self) -> impl Iterator<Item = (&str, &str)> {
        self.inner
            .headers()
            .iter()
            .filter_map(|(n, v)| Some((n.as_str(), v.to_str().ok()?)))
    }

    /// The TCP peer's address (the client, or a proxy in front of it).
    pub fn peer_addr(&self) -> Option<SocketAddr> {
        self.peer
    }

    /// The client's address: from `X-Forwarded-For` when the peer is a
    /// trusted proxy ([`crate::Mux::trusted_proxies`]), else the peer's.
    pub fn address(&self) -> Option<IpAddr> {
        self.address
    }

    /// Reads the whole body, failing once it is longer than `limit` bytes
    /// (a larger declared `Content-Length` fails before anything is read).
    pub async fn body(self, limit: usize) -> Result<Bytes, BodyError> {
        net::read_body_limited(self.inner.into_body(), limit).await
    }

    /// The underlying hyper request.
    pub fn into_hyper(self) -> hyper::Request<Incoming> {
        self.inner
    }
}

/// A route's response: a status, headers and a whole body.
#[derive(Debug)]
pub struct Response {
    inner: hyper::Response<Body>,
}

impl Response {
    /// `200` with `body` of type `content_type`.
    pub fn bytes(content_type: &str, body: impl Into<Bytes>) -> Response {
        let mut inner = hyper::Response::new(Body::new(body.into()));
        if let Ok(v) = HeaderValue::from_str(content_type) {
            inner.headers_mut().insert(hyper::header::CONTENT_TYPE, v);
        }
        Response { inner }
    }

    /// `200` with a `text/plain; charset=utf-8` body.
    pub fn text(body: impl Into<String>) -> Response {
        Response::bytes("text/plain; charset=utf-8", body.into())
    }

    /// `200` with a `text/html; charset=utf-8` body.
    pub fn html(body: impl Into<String>) -> Response {
        Response::bytes("text/html; charset=utf-8", body.into())
    }

    /// `200` with `value` as an `application/json` body (`500` if it does
    /// not serialize).
    pub fn json<T: serde::Serialize + ?Sized>(value: &T) -> Response {
        match serde_json::to_vec(value) {
            Ok(body) => Response::bytes("application/json", body),
            Err(e) => Response::text(format!("serializing the response: {e}")).with_status(500),
        }
    }

    /// An empty response with `status`.
    pub fn empty(status: u16) -> Response {
        Response::bytes("text/plain", Bytes::new())
            .with_status(status)
            .without_header("content-type")
    }

    /// `303 See Other` to `location`.
    pub fn redirect(location: &str) -> Response {
        Response::empty(303).with_header("location", location)
    }

    /// Sets the status code (an invalid one becomes `500`).
    pub fn with_status(mut self, status: u16) -> Response {
        *self.inner.status_mut() =
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        self
    }

    /// Adds a header (an invalid name or value is left out).
    pub fn with_header(mut self, name: &str, value: &str) -> Response {
        if let (Ok(n), Ok(v)) = (HeaderName::try_from(name), HeaderValue::from_str(value)) {
            self.inner.headers_mut().append(n, v);
        }
        self
    }

    /// Removes every value of header `name`.
    pub fn without_header(mut self, name: &str) -> Response {
        if let Ok(n) = HeaderName::try_from(name) {
            self.inner.headers_mut().remove(n);
        }
        self
    }

    /// The status code.
    pub fn status(&self) -> u16 {
        self.inner.status().as_u16()
    }

    /// The underlying hyper response.
    pub fn into_hyper(self) -> hyper::Response<Body> {
        self.inner
    }
}

impl From<hyper::Response<Body>> for Response {
    fn from(inner: hyper::Response<Body>) -> Response {
        Response { inner }
    }
}
