//! The chat demo (`examples/chat`: the same page, the same events) on
//! several servers joined by Redis: each server is a member of a cluster of
//! Socket.IO servers (`SocketIo::with_redis`, the protocol of Node's
//! `@socket.io/redis-adapter`), so a message typed on a page served by one
//! reaches the pages of every other, and so do joins and leaves.
//! `GET /online` counts the users of the whole cluster.
//!
//! Run a redis-server (`apt install redis-server`; port 6379), then two
//! servers, and open http://127.0.0.1:3001/ and http://127.0.0.1:3002/:
//!
//! ```text
//! PORT=3001 REDIS_URL=redis://127.0.0.1:6379 cargo run --release --example cluster_chat
//! PORT=3002 REDIS_URL=redis://127.0.0.1:6379 cargo run --release --example cluster_chat
//! ```
//!
//! `REDIS_URL` defaults to `redis://127.0.0.1:6379`, `PORT` to 3001. A
//! server started before Redis, or cut off from it, keeps serving its own
//! users and joins the others when Redis is back (what was said meanwhile
//! is not replayed). Ctrl-C or SIGTERM stops it gracefully.

use sio_core::socket::ServerConfig;
use sio_smol::Mux;
use sio_smol::io::{RedisOptions, SocketIo};

/// Where Redis is when `REDIS_URL` does not say.
const DEFAULT_REDIS_URL: &str = "redis://127.0.0.1:6379";

fn main() -> std::io::Result<()> {
    examples::init_logging();
    let port = examples::port_from_env(3001);
    let redis_url = std::env::var("REDIS_URL").unwrap_or_else(|_| DEFAULT_REDIS_URL.to_owned());
    let mux = mux(&redis_url)?;
    eprintln!("cluster_chat: open http://127.0.0.1:{port}/ (and the page of another server)");
    smol::block_on(mux.serve_graceful(([0, 0, 0, 0], port).into()))
}

/// The chat of `examples/chat` on a member of the cluster on the Redis at
/// `redis_url`.
///
/// `Err` for a bad Redis URL, or if the client bundle is missing and
/// `npm ci` cannot install it.
pub fn mux(redis_url: &str) -> std::io::Result<Mux> {
    examples::chat::mux_on(io(redis_url)?)
}

/// A Socket.IO server that joins the cluster on the Redis at `redis_url`
/// (in the background: [`SocketIo::on_cluster_link`] says when it is in).
///
/// `Err` for a bad Redis URL.
pub fn io(redis_url: &str) -> std::io::Result<SocketIo> {
    SocketIo::with_redis(ServerConfig::default(), redis_url, RedisOptions::default())
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))
}
