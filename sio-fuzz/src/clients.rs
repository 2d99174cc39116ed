//! Fuzz-driven Socket.IO clients of one [`SioServer`], shared by the
//! stateful server targets (`socket_server`, `cluster_member`): WebSocket
//! sessions sending packets from a dictionary or raw bytes, attachments,
//! closes, recovery reconnects and the application's connect decisions,
//! with the view of sockets the server's events give.

use crate::Bytes8;
use bytes::Bytes;
use sio_core::engine::WsFrame;
use sio_core::http::HttpRequest;
use sio_core::socket::{SioServer, SocketEvent, SocketId};
use sio_core::{ConnId, Input, Output, Sid};
use std::time::Instant;

/// Socket.IO packets a client might send (without the Engine.IO `4`).
const PACKETS: &[&str] = &[
    "0",
    "0/a,",
    "0/b,{\"token\":1}",
    "1",
    "1/a,",
    "2[\"ev\",1]",
    "21[\"ev\",{\"x\":[1,2]}]",
    "2/a,7[\"ev\"]",
    "3[1]",
    "30[\"ok\"]",
    "31[]",
    "51-[\"up\",{\"_placeholder\":true,\"num\":0}]",
    "52-3[\"up\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]",
    "61-0[{\"_placeholder\":true,\"num\":0}]",
    "2[]",
    "4{}",
];

/// The clients' side of one server: the sockets its events announced.
#[derive(Debug, Default)]
pub(crate) struct Clients {
    /// Connected sockets.
    pub sockets: Vec<SocketId>,
    /// Sockets waiting for the application's decision (connect middleware).
    pub pending: Vec<SocketId>,
    /// Recovery pids granted so far.
    pub pids: Vec<String>,
}

/// What [`Clients::check`] holds the server to.
pub(crate) struct Bounds {
    pub sessions: usize,
    pub acks: usize,
    pub attachment_bytes: usize,
}

impl Clients {
    /// One transport input on connection `conn`, by `kind` (0–5: open a
    /// WebSocket session, a dictionary packet, raw text, a binary frame, a
    /// close, a recovery reconnect).
    pub fn input(
        &mut self,
        server: &mut SioServer,
        r: &mut Bytes8,
        now: Instant,
        conn: ConnId,
        kind: u8,
    ) {
        match kind {
            0 => {
                let mut req = HttpRequest::get("/socket.io/?EIO=4&transport=websocket");
                req.websocket = true;
                server.handle(now, Input::HttpRequest { conn, req });
            }
            1 => {
                let p = PACKETS[r.u8() as usize % PACKETS.len()];
                let frame = WsFrame::Text(Bytes::from(format!("4{p}")));
                server.handle(now, Input::WsFrame { conn, frame });
            }
            2 => {
                let len = r.u8() as usize % 48;
                let mut text = vec![b'4'];
                text.extend_from_slice(r.take(len));
                // The adapter only passes UTF-8 text frames.
                if let Ok(t) = String::from_utf8(text) {
                    let frame = WsFrame::Text(Bytes::from(t));
                    server.handle(now, Input::WsFrame { conn, frame });
                }
            }
            3 => {
                let len = r.u8() as usize % 40;
                let frame = WsFrame::Binary(Bytes::copy_from_slice(r.take(len)));
                server.handle(now, Input::WsFrame { conn, frame });
            }
            4 => server.handle(now, Input::ConnClosed { conn }),
            _ => {
                // A reconnect that asks to restore a session seen before.
                if let Some(pid) = pick(r, &self.pids) {
                    let offset = r.u8() % 16;
                    let text = format!(r#"40{{"pid":"{pid}","offset":"{offset}"}}"#);
                    let frame = WsFrame::Text(Bytes::from(text));
                    server.handle(now, Input::WsFrame { conn, frame });
                }
            }
        }
    }

    /// The application accepts or refuses a connect waiting for it.
    pub fn decide(&mut self, server: &mut SioServer, r: &mut Bytes8) {
        if let Some(&s) = pick(r, &self.pending) {
            let _ = if r.u8().is_multiple_of(2) {
                server.accept(s)
            } else {
                server.refuse(s, "no", None)
            };
            self.pending.retain(|p| *p != s);
        }
    }

    /// A connected socket chosen by the input.
    pub fn socket(&self, r: &mut Bytes8) -> Option<SocketId> {
        pick(r, &self.sockets).copied()
    }

    /// Updates the view from one output of the server.
    pub fn observe(&mut self, out: &Output<SocketEvent>) {
        match out {
            Output::Event(SocketEvent::Connect { socket, .. }) => self.sockets.push(*socket),
            Output::Event(SocketEvent::ConnectRequest { socket, .. }) => self.pending.push(*socket),
            Output::Event(SocketEvent::Disconnect { socket, .. }) => {
                self.sockets.retain(|s| s != socket)
            }
            Output::WsSend {
                frame: WsFrame::Text(t),
                ..
            } => {
                if let Some(pid) = grant_pid(t) {
                    self.pids.push(pid);
                }
            }
            _ => {}
        }
    }

    /// The bounds that must hold after every step.
    pub fn check(&self, server: &SioServer, bounds: &Bounds) {
        let sids: Vec<Sid> = server.engine().sids().collect();
        assert!(sids.len() <= bounds.sessions, "sessions over bound");
        assert_eq!(
            server.socket_count(),
            self.sockets.len(),
            "events match sockets"
        );
        for s in &self.sockets {
            assert!(server.is_connected(*s));
            let acks = server.pending_acks(*s).expect("connected socket");
            assert!(acks <= bounds.acks, "pending acks over bound: {acks}");
        }
        for sid in sids {
            let bytes = server.buffered_attachment_bytes(sid).unwrap_or(0);
            assert!(
                bytes <= bounds.attachment_bytes,
                "attachments over bound: {bytes}"
            );
        }
    }
}

/// The `pid` of a CONNECT grant frame `40{"sid":..,"pid":..}`.
fn grant_pid(frame: &[u8]) -> Option<String> {
    let json = frame.strip_prefix(b"40")?;
    let v: serde_json::Value = serde_json::from_slice(json).ok()?;
    v["pid"].as_str().map(str::to_owned)
}

/// An element of `list` chosen by the input (one byte read even when
/// `list` is empty, so that inputs keep their shape).
pub(crate) fn pick<'a, T>(r: &mut Bytes8, list: &'a [T]) -> Option<&'a T> {
    let i = r.u8() as usize;
    list.get(i % list.len().max(1))
}
