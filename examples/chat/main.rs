//! The chat demo: a web page (`examples/chat/public`) that uses the official
//! browser client, which this server serves at `/socket.io/socket.io.js`
//! from the npm package `socket.io-client` (installed into
//! `examples/chat/node_modules` with `npm ci` on first start; needs npm).
//! Shows broadcasting to everyone but the sender, join and leave
//! announcements, and a `Mux` serving a Socket.IO server beside static
//! files and a route of its own (`GET /online`: how many are connected).
//! `examples/cluster_chat.rs` runs the same chat on several servers joined
//! by Redis.
//! Ctrl-C or SIGTERM stops it gracefully.
//!
//! Run: `cargo run --release --example chat`, then open
//! http://127.0.0.1:3000/ in two windows and talk (`PORT` changes the port).

use std::path::{Path, PathBuf};

use serde_json::json;
use sio_core::socket::ServerConfig;
use sio_smol::io::SocketIo;
use sio_smol::{Mux, Response};

fn main() -> std::io::Result<()> {
    examples::init_logging();
    let port = examples::port_from_env(3000);
    let mux = mux()?;
    eprintln!("chat: open http://127.0.0.1:{port}/ in two browser windows");
    smol::block_on(mux.serve_graceful(([0, 0, 0, 0], port).into()))
}

/// The chat server: announces joins and leaves to the others and relays
/// each `chat message` to everyone else, with the page from
/// `examples/chat/public` and the client bundle at `/socket.io/socket.io.js`.
///
/// `Err` if the client bundle is missing and `npm ci` cannot install it.
pub fn mux() -> std::io::Result<Mux> {
    mux_on(SocketIo::new(ServerConfig::default()))
}

/// The chat on `io` (a server of its own, or a cluster member: the
/// `cluster_chat` example), as [`mux`] describes it.
///
/// `GET /online` counts the users of every cluster member (`fetch_sockets`;
/// without a cluster, this server's).
///
/// `Err` if the client bundle is missing and `npm ci` cannot install it.
pub fn mux_on(io: SocketIo) -> std::io::Result<Mux> {
    io.serve_client(client_bundle()?);
    io.on_connection(|socket| {
        // `emit` fails only for a value that cannot be serialized, which
        // none of these `json!` values is: the results are ignored.
        let id = socket.id().to_string();
        let _ = socket
            .broadcast()
            .emit("user connected", &json!({ "id": id }));
        socket.on("chat message", |socket, msg| {
            let Ok(text) = msg.data::<String>() else {
                return; // not a string: ignored
            };
            let _ = socket.broadcast().emit(
                "chat message",
                &json!({ "id": socket.id().to_string(), "text": text }),
            );
        });
        socket.on_disconnect(|socket, _| {
            let _ = socket.broadcast().emit(
                "user disconnected",
                &json!({ "id": socket.id().to_string() }),
            );
        });
    });
    let online = io.clone();
    Ok(Mux::new()
        .mount(&io)
        .route("/online", move |_req| {
            let io = online.clone();
            async move {
                match io.fetch_sockets().await {
                    Ok(users) => Response::json(&json!({ "online": users.len() })),
                    // A cluster member that does not answer, or Redis away:
                    // this server's users, said to be a part.
                    Err(e) => Response::json(&json!({
                        "online": io.sockets().len(),
                        "partial": e.to_string(),
                    })),
                }
            }
        })
        .static_dir(dir().join("public")))
}

/// The chat demo's directory (`examples/chat`).
pub fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("chat")
}

/// The official browser client bundle, installed from npm into
/// `examples/chat/node_modules` (`npm ci` there, from the pinned
/// `package-lock.json`, when it is missing).
pub fn client_bundle() -> std::io::Result<PathBuf> {
    let dir = dir();
    let bundle = dir.join("node_modules/socket.io-client/dist/socket.io.min.js");
    if bundle.exists() {
        return Ok(bundle);
    }
    eprintln!(
        "chat: installing socket.io-client from npm (npm ci in {})",
        dir.display()
    );
    let status = std::process::Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(&dir)
        .status()
        .map_err(|e| {
            std::io::Error::new(
                e.kind(),
                format!("cannot run npm ({e}): it installs the socket.io-client bundle"),
            )
        })?;
    if !status.success() || !bundle.exists() {
        return Err(std::io::Error::other(format!(
            "npm ci in {} failed ({status}): the socket.io-client bundle is missing",
            dir.display()
        )));
    }
    Ok(bundle)
}
