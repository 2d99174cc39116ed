//! HTTP/1.1 connection serving and request-body helpers.

use std::fmt;
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt;
use hyper::body::{Body as _, Incoming};
use hyper::server::conn::http1;
use hyper::service::Service;
use hyper::{Request, Response};

use super::head_timeout::ConnClock;
#[cfg(test)]
use super::head_timeout::HeadTimeouts;
use super::io::{SmolIo, SmolTimer};
use super::stream::NetStream;

/// The response body type used throughout the adapter.
pub type Body = http_body_util::Full<Bytes>;

/// Serves HTTP/1.1 on `stream` with `service` until the connection closes.
///
/// Keep-alive and upgrades are on. `timeouts` bounds the time to receive a
/// request head, which includes the keep-alive idle time between requests
/// (see [`HeadTimeouts`]). Connection errors are logged at debug level.
/// (The server goes through [`serve_io`], after a look at the first
/// request; the plumbing's own tests use this.)
#[cfg(test)]
pub async fn serve_connection<S>(stream: impl Into<NetStream>, service: S, timeouts: &HeadTimeouts)
where
    S: Service<Request<Incoming>, Response = Response<Body>>,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    serve_io(SmolIo::with_clock(stream.into(), timeouts.clock()), service).await;
}

/// [`serve_connection`] on a stream already wrapped, with its head deadline
/// (if any) and the bytes already read from it (see
/// [`SmolIo::with_prefix`]).
pub async fn serve_io<S>(io: SmolIo<NetStream>, service: S)
where
    S: Service<Request<Incoming>, Response = Response<Body>>,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let service = Disarming {
        inner: service,
        clock: io.clock().cloned(),
    };
    let result = http1::Builder::new()
        .timer(SmolTimer)
        // `timeouts` does this job, without a timer per request.
        .header_read_timeout(None)
        .keep_alive(true)
        .serve_connection(io, service)
        .with_upgrades()
        .await;
    if let Err(e) = result {
        tracing::debug!("http connection: {e}");
    }
}

/// A service that stops its connection's head deadline when a request head
/// is complete (the connection's writes start it again).
struct Disarming<S> {
    inner: S,
    clock: Option<Arc<ConnClock>>,
}

impl<S: Service<Request<Incoming>>> Service<Request<Incoming>> for Disarming<S> {
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn call(&self, req: Request<Incoming>) -> S::Future {
        if let Some(clock) = &self.clock {
            clock.disarm();
        }
        self.inner.call(req)
    }
}

/// Why [`read_body_limited`] failed.
#[derive(Debug)]
pub enum BodyError {
    /// The body is longer than the limit (declared or as received).
    TooLarge,
    /// The connection failed or the body was aborted.
    Io(hyper::Error),
}

impl fmt::Display for BodyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLarge => f.write_str("request body too large"),
            Self::Io(e) => write!(f, "reading request body: {e}"),
        }
    }
}

impl std::error::Error for BodyError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::TooLarge => None,
            Self::Io(e) => Some(e),
        }
    }
}

/// Reads the whole of `body`, failing with [`BodyError::TooLarge`] once it
/// exceeds `limit` bytes.
///
/// A declared `Content-Length` above `limit` is refused before reading
/// anything; otherwise reading stops as soon as the running total passes
/// `limit`. A single-chunk body is returned without copying unless it is
/// small (at most [`COPY_BELOW`] bytes).
pub async fn read_body_limited(mut body: Incoming, limit: usize) -> Result<Bytes, BodyError> {
    let declared = body.size_hint().lower();
    if usize::try_from(declared).map_or(true, |n| n > limit) {
        return Err(BodyError::TooLarge);
    }
    let mut first: Option<Bytes> = None;
    let mut rest = BytesMut::new();
    let mut total = 0usize;
    while let Some(frame) = body.frame().await {
        let Ok(data) = frame.map_err(BodyError::Io)?.into_data() else {
            continue; // trailers
        };
        total = total.saturating_add(data.len());
        if total > limit {
            return Err(BodyError::TooLarge);
        }
        if data.is_empty() {
            continue;
        }
        match first.take() {
            None if rest.is_empty() => first = Some(data),
            None => rest.extend_from_slice(&data),
            Some(f) => {
                // `declared` <= `limit` here, so this reservation is bounded.
                rest.reserve(
                    usize::try_from(declared)
                        .unwrap_or(0)
                        .max(f.len() + data.len()),
                );
                rest.extend_from_slice(&f);
                rest.extend_from_slice(&data);
            }
        }
    }
    Ok(match first {
        // A slice of hyper's read buffer keeps the whole buffer (8 KiB or
        // more) alive while the body's packets are in use, and hyper then
        // allocates a new one for the next request on the connection.
        Some(f) if f.len() <= COPY_BELOW => Bytes::copy_from_slice(&f),
        Some(f) => f,
        None => rest.freeze(),
    })
}

/// Single-chunk bodies up to this size are copied out of hyper's read buffer
/// (see [`read_body_limited`]).
pub const COPY_BELOW: usize = 4096;
