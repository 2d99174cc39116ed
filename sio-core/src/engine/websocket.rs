//! The WebSocket transport: frames of an established session, and the
//! upgrade of a polling session (`2probe` / `3probe` / `5`).

use super::error::ErrorCode;
use super::event::{CloseReason, EngineEvent};
use super::packet::{Packet, WsFrame};
use super::payload_v3::BinaryMode;
use super::server::{ConnRole, Engine, TimerKind};
use super::session::Upgrade;
use crate::http::HttpRequest;
use crate::sid::Sid;
use crate::{ConnId, Output};
use std::cmp::Reverse;
use std::time::Instant;

impl Engine {
    /// A WebSocket request carrying the sid of an open session.
    pub(crate) fn start_upgrade(&mut self, now: Instant, conn: ConnId, sid: Sid, req: HttpRequest) {
        let session = &self.sessions[&sid];
        let allowed = self.config.allow_upgrades && self.config.allows(super::Transport::WebSocket);
        if !allowed {
            let res = ErrorCode::BadRequest.response(None);
            return self.respond(conn, req.header("origin"), res);
        }
        if session.ws.is_some() || session.upgrade.is_some() {
            // Already on WebSocket, or in the middle of an upgrade: as the
            // reference, complete this handshake and close the new
            // WebSocket at once (a client sees a close, not an HTTP error);
            // the session keeps its transport. The core does not track it.
            let mut res = crate::http::HttpResponse::empty(101);
            super::cors::apply(self.config.cors.as_ref(), req.header("origin"), &mut res);
            let deflate = self.deflate_for(&req);
            self.outputs
                .push_back(self.ws_accept(conn, res.headers, deflate));
            self.outputs.push_back(Output::WsClose { conn, code: 1000 });
            return;
        }
        let deadline = now + self.config.upgrade_timeout;
        let session = self.sessions.get_mut(&sid).expect("checked above");
        let b64 = super::query::EngineQuery::parse(req.query()).b64();
        session.upgrade = Some(Upgrade {
            conn,
            probed: false,
            deadline,
            b64,
        });
        self.conns.insert(conn, ConnRole::Upgrading(sid));
        self.timers
            .push(Reverse((deadline, TimerKind::Upgrade, sid)));
        let mut res = crate::http::HttpResponse::empty(101);
        super::cors::apply(self.config.cors.as_ref(), req.header("origin"), &mut res);
        let deflate = self.deflate_for(&req);
        self.outputs
            .push_back(self.ws_accept(conn, res.headers, deflate));
    }

    /// A frame from a WebSocket.
    pub(crate) fn on_ws_frame(&mut self, now: Instant, conn: ConnId, frame: WsFrame) {
        match self.conns.get(&conn).copied() {
            Some(ConnRole::Ws { sid, v3 }) => {
                let packet = match v3 {
                    false => Packet::decode_ws(frame).map_err(|_| String::new()),
                    true => super::payload_v3::decode_ws(frame).map_err(|e| format!(": {e}")),
                };
                match packet {
                    Ok(packet) => self.on_packet(now, sid, packet),
                    Err(why) => {
                        let what = format!("malformed WebSocket packet{why}");
                        self.fault(sid, what, CloseReason::ParseError)
                    }
                }
            }
            Some(ConnRole::Upgrading(sid)) => self.on_upgrade_frame(conn, sid, frame),
            // A frame for a connection the core no longer tracks (closed
            // already): nothing to do.
            _ => {}
        }
    }

    fn on_upgrade_frame(&mut self, conn: ConnId, sid: Sid, frame: WsFrame) {
        let Some(session) = self.sessions.get_mut(&sid) else {
            return;
        };
        let Some(upgrade) = session.upgrade.as_mut() else {
            return;
        };
        match Packet::decode_ws(frame) {
            Ok(Packet::Ping(data)) if &data[..] == b"probe" => {
                upgrade.probed = true;
                self.outputs.push_back(Output::WsSend {
                    conn,
                    frame: Packet::Pong(data).encode_ws(),
                });
                self.noop_pending_get(sid);
            }
            Ok(Packet::Upgrade) if upgrade.probed => {
                if session.eio3.is_some() {
                    // The WebSocket's own `b64` decides from now on.
                    session.eio3 = Some(match upgrade.b64 {
                        true => BinaryMode::Base64,
                        false => BinaryMode::Framed,
                    });
                }
                session.upgrade = None;
                session.transport = super::Transport::WebSocket;
                session.ws = Some(conn);
                let v3 = session.eio3.is_some();
                self.conns.insert(conn, ConnRole::Ws { sid, v3 });
                self.noop_pending_get(sid);
                self.emit(EngineEvent::Upgrade { sid });
                let session = self.sessions.get_mut(&sid).expect("still open");
                let queued: Vec<WsFrame> = session.queue.drain(..).collect();
                session.queued_bytes = 0;
                let waits = session.flush_waits.clone();
                for frame in queued {
                    self.send_frame_unchecked(sid, frame);
                }
                // Waits for the polling queue now wait for its frames on
                // the WebSocket.
                for mark in waits {
                    self.outputs.push_back(Output::WsFlushMark { conn, mark });
                }
            }
            _ => {
                // Anything else aborts the upgrade; the session stays on polling.
                session.upgrade = None;
                self.conns.remove(&conn);
                self.outputs.push_back(Output::WsClose { conn, code: 1002 });
            }
        }
    }

    /// The upgrade timer fired: drop the WebSocket if still not upgraded.
    pub(crate) fn upgrade_timeout(&mut self, now: Instant, sid: Sid) {
        let Some(session) = self.sessions.get_mut(&sid) else {
            return;
        };
        if session.upgrade.as_ref().is_some_and(|u| u.deadline <= now) {
            let up = session.upgrade.take().expect("checked above");
            self.conns.remove(&up.conn);
            self.outputs.push_back(Output::WsClose {
                conn: up.conn,
                code: 1000,
            });
        }
    }
}
