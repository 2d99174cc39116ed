//! Tests of the client roles: each side against this crate's own server
//! ([`pair::Pair`]: in memory, virtual clock, no sleeps), and scripted
//! servers for what a real one never does (bad status codes, garbage).

mod buffer;
mod engine;
#[allow(dead_code)] // helpers for the Socket.IO tests too
mod pair;
mod reconnect;
mod retries;
mod sio;

use super::{ClientConfig, ClientInput, ClientOutput, ClientProtocol, SioClient};
use crate::ConnId;
use crate::engine::WsFrame;
use std::time::Instant;

/// A client with `config` (WebSocket only) asked to connect `/`, its
/// WebSocket reported open, driven by hand: (client, now, its WebSocket).
pub(crate) fn ws_opened(config: ClientConfig) -> (SioClient, Instant, ConnId) {
    let mut c = SioClient::new(config, 1);
    let now = Instant::now();
    c.connect(now, "/", None);
    let conn = std::iter::from_fn(|| c.poll_output())
        .find_map(|o| match o {
            ClientOutput::WsOpen { conn, .. } => Some(conn),
            _ => None,
        })
        .expect("a WebSocket-only client opens a WebSocket");
    c.handle(now, ClientInput::WsOpened { conn });
    (c, now, conn)
}

/// Feeds the client one text frame from the server.
pub(crate) fn server_text(c: &mut SioClient, now: Instant, conn: ConnId, text: &[u8]) {
    let frame = WsFrame::Text(bytes::Bytes::copy_from_slice(text));
    c.handle(now, ClientInput::WsFrame { conn, frame });
}
