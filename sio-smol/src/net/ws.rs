//! WebSocket upgrade over hyper (RFC 6455 handshake, then async-tungstenite).

use std::io;

use async_tungstenite::WebSocketStream;
use async_tungstenite::tungstenite::handshake::derive_accept_key;
use async_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use bytes::Bytes;
use hyper::header::{CONNECTION, HeaderValue, SEC_WEBSOCKET_ACCEPT, SEC_WEBSOCKET_KEY, UPGRADE};
use hyper::upgrade::OnUpgrade;
use hyper::{Method, Request, Response, StatusCode};

use super::http::Body;
use super::io::SmolIo;
use super::stream::NetStream;
use super::ws_io::WsIo;

/// tungstenite's read buffer, allocated up front for every connection (its
/// default, 128 KiB, would dominate the memory of an idle connection).
const READ_BUFFER: usize = 4 * 1024;
/// Bytes tungstenite buffers before writing; flushes always write everything.
const WRITE_BUFFER: usize = 4 * 1024;
/// Lower bound of the write-buffer cap (back-pressure when writes fail).
const MAX_WRITE_BUFFER: usize = 16 * 1024 * 1024;

/// A WebSocket stream on a connection (plain TCP or TLS), inflating
/// permessage-deflate messages when negotiated.
pub type WsStream = WebSocketStream<WsIo>;

/// Size limits of an upgraded WebSocket connection.
#[derive(Debug, Clone, Copy)]
pub struct WsLimits {
    /// Largest accepted incoming message and frame payload, in bytes.
    pub max_message_size: usize,
    /// permessage-deflate was negotiated: inflate the peer's compressed
    /// messages (within `max_message_size`).
    pub inflate: bool,
}

impl WsLimits {
    /// `stream` as tungstenite should read it with these limits, and the
    /// bytes read after the request head that tungstenite should take as
    /// they are (an inflating stream takes them itself).
    pub fn io(&self, stream: NetStream, leftover: Vec<u8>) -> (WsIo, Vec<u8>) {
        WsIo::new(stream, self.inflate, self.max_message_size, leftover)
    }
}

impl From<WsLimits> for WebSocketConfig {
    fn from(limits: WsLimits) -> Self {
        let max_write = MAX_WRITE_BUFFER
            .max(limits.max_message_size.saturating_add(WRITE_BUFFER))
            .saturating_add(1);
        WebSocketConfig::default()
            .read_buffer_size(READ_BUFFER)
            .write_buffer_size(WRITE_BUFFER)
            .max_write_buffer_size(max_write)
            .max_message_size(Some(limits.max_message_size))
            .max_frame_size(Some(limits.max_message_size))
    }
}

/// Whether any comma-separated token of any of `values` equals `token`
/// (ASCII case-insensitively).
pub(crate) fn has_token<'a>(values: impl Iterator<Item = &'a [u8]>, token: &str) -> bool {
    values
        .flat_map(|v| v.split(|&b| b == b','))
        .any(|t| t.trim_ascii().eq_ignore_ascii_case(token.as_bytes()))
}

/// Whether `req` is a valid WebSocket upgrade request: `GET` with
/// `Connection: upgrade`, `Upgrade: websocket`, `Sec-WebSocket-Version: 13`
/// and a `Sec-WebSocket-Key`.
pub fn is_upgrade_request<B>(req: &Request<B>) -> bool {
    let h = req.headers();
    req.method() == Method::GET
        && asks_websocket(|name| h.get_all(name).iter().map(|v| v.as_bytes()))
}

/// The header part of [`is_upgrade_request`], for any header store:
/// `values(name)` yields the values of header `name` (given in lower case),
/// in order.
pub(crate) fn asks_websocket<'a, I: Iterator<Item = &'a [u8]>>(
    values: impl Fn(&'static str) -> I,
) -> bool {
    has_token(values("connection"), "upgrade")
        && has_token(values("upgrade"), "websocket")
        && values("sec-websocket-version").next() == Some(b"13")
        && values("sec-websocket-key").next().is_some()
}

/// Builds the `101 Switching Protocols` answer to a request that passed
/// [`is_upgrade_request`] (a `400` if it has no `Sec-WebSocket-Key`).
///
/// Take `hyper::upgrade::on(&mut req)` before returning this response, and
/// pass it to [`upgraded_stream`].
pub fn accept_response<B>(req: &Request<B>) -> Response<Body> {
    let Some(key) = req.headers().get(SEC_WEBSOCKET_KEY) else {
        let mut res = Response::new(Body::new(Bytes::from_static(b"missing Sec-WebSocket-Key")));
        *res.status_mut() = StatusCode::BAD_REQUEST;
        return res;
    };
    let accept = derive_accept_key(key.as_bytes());
    let mut res = Response::new(Body::default());
    *res.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let h = res.headers_mut();
    h.insert(CONNECTION, HeaderValue::from_static("Upgrade"));
    h.insert(UPGRADE, HeaderValue::from_static("websocket"));
    // A base64 string is always a valid header value.
    if let Ok(v) = HeaderValue::from_str(&accept) {
        h.insert(SEC_WEBSOCKET_ACCEPT, v);
    }
    res
}

/// Waits for hyper to hand over an upgraded connection and wraps it in a
/// server-side WebSocket stream configured by `limits`.
///
/// Bytes the client sent after the request head (e.g. a first frame in the
/// same write) are passed to tungstenite; hyper's buffer is then released.
/// Fails if the upgrade failed or the connection was not served by
/// [`serve_connection`](super::http::serve_connection).
pub async fn upgraded_stream(on_upgrade: OnUpgrade, limits: WsLimits) -> io::Result<WsStream> {
    let upgraded = on_upgrade.await.map_err(io::Error::other)?;
    let parts = upgraded
        .downcast::<SmolIo<NetStream>>()
        .map_err(|_| io::Error::other("upgraded connection is not a SmolIo<NetStream>"))?;
    // Bytes read ahead that hyper did not take (none in practice: hyper
    // reads all of them with the head) follow those it did.
    let (stream, ahead) = parts.io.into_parts();
    let mut leftover = parts.read_buf.to_vec();
    leftover.extend_from_slice(&ahead);
    // Dropping hyper's read buffer now frees it (about 8 KiB per connection).
    drop(parts.read_buf);
    let (io, leftover) = limits.io(stream, leftover);
    Ok(WebSocketStream::from_partially_read(io, leftover, Role::Server, Some(limits.into())).await)
}
