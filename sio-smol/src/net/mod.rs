//! Generic HTTP/1.1 and WebSocket plumbing on smol (no Engine.IO knowledge).
//!
//! - [`io`]: futures-io stream and smol timer adapters for hyper.
//! - [`head_timeout`]: request-head deadlines of all connections on one timer.
//! - [`listener`]: TCP listener with a large backlog.
//! - [`stream`]: a connection's stream, plain TCP or TLS.
//! - [`http`]: serving a connection, the response body type, bounded body reads.
//! - [`ws`]: WebSocket upgrade on a hyper connection.
//! - [`ws_io`], [`inflate_frames`]: a WebSocket's stream, inflating
//!   permessage-deflate messages when negotiated.
//! - [`raw_http`]: the engine's plainest requests, answered without hyper.
//! - [`static_files`]: files from a directory, confined to it.

pub mod head_timeout;
pub mod http;
pub mod inflate_frames;
pub mod io;
pub mod listener;
pub mod raw_http;
pub mod static_files;
pub mod stream;
pub mod ws;
pub mod ws_io;

#[cfg(test)]
mod tests;

pub use head_timeout::HeadTimeouts;
#[cfg(test)]
pub use http::serve_connection;
pub use http::{Body, BodyError, read_body_limited, serve_io};
pub use io::SmolIo;
pub use listener::{bind, configure_accepted};
pub use static_files::serve_static;
pub use stream::NetStream;

pub use ws::{WsLimits, WsStream, accept_response, is_upgrade_request, upgraded_stream};
