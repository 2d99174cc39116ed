//! The WebSocket side of [`EngineClient`]: a WebSocket-only connection
//! (the open packet is its first frame), and the upgrade of a polling
//! connection: `2probe`, `3probe`, pause polling (wait for the GET and the
//! POST in flight), `5`, switch, flush.

use super::contract::ClientOutput;
use super::engine::{EngineClient, State, Transport};
use super::event::{EngineClientEvent, EngineCloseReason};
use crate::ConnId;
use crate::engine::{Packet, WsFrame};
use bytes::Bytes;

impl EngineClient {
    /// The adapter opened a WebSocket.
    pub(crate) fn on_ws_opened(&mut self, conn: ConnId) {
        match self.transport {
            Transport::Ws {
                conn: c,
                opened: false,
            } if c == conn => {
                // The server speaks first (the open packet).
                self.transport = Transport::Ws { conn, opened: true };
            }
            _ => {
                if self.probe.is_some_and(|p| p.conn == conn && !p.probed) {
                    self.outputs.push_back(ClientOutput::WsSend {
                        conn,
                        frame: Packet::Ping(Bytes::from_static(b"probe")).encode_ws(),
                    });
                }
            }
        }
    }

    /// A frame arrived on a WebSocket.
    pub(crate) fn on_ws_frame(&mut self, conn: ConnId, frame: WsFrame) {
        if let Transport::Ws { conn: c, .. } = self.transport
            && c == conn
        {
            return self.on_transport_frame(frame);
        }
        if let Some(probe) = self.probe
            && probe.conn == conn
            && !probe.probed
        {
            match Packet::decode_ws(frame) {
                Ok(Packet::Pong(data)) if &data[..] == b"probe" => {
                    // The official `upgrading`: nothing is written until
                    // the switch; polling stops once the GET and the POST
                    // in flight are back.
                    self.probe = Some(super::engine::Probe { conn, probed: true });
                    self.finish_pause();
                }
                _ => self.probe_failed("probe error".to_owned(), true),
            }
        }
    }

    /// A frame on the connection's WebSocket.
    fn on_transport_frame(&mut self, frame: WsFrame) {
        let packet = match Packet::decode_ws(frame) {
            Ok(p) => p,
            Err(e) => return self.close_with(EngineCloseReason::ParseError(e.to_string())),
        };
        match self.state {
            State::Opening => match packet {
                Packet::Open(data) => self.on_open_packet(&data),
                _ => self.close_with(EngineCloseReason::ParseError(
                    "the handshake is not an open packet".to_owned(),
                )),
            },
            State::Open => self.on_packet(packet),
            _ => {}
        }
    }

    /// A WebSocket could not open, or closed.
    pub(crate) fn on_ws_closed(&mut self, conn: ConnId, error: String) {
        if let Transport::Ws { conn: c, opened } = self.transport
            && c == conn
        {
            // The adapter closed it already: no WsClose owed.
            self.transport = Transport::Gone;
            let reason = if self.state == State::Open || opened {
                EngineCloseReason::TransportClose
            } else {
                EngineCloseReason::TransportError(format!("websocket error: {error}"))
            };
            return self.close_with(reason);
        }
        if self.probe.is_some_and(|p| p.conn == conn) {
            self.probe_failed(error, false);
        }
    }

    /// The probe failed: tell the application, stay on polling (and
    /// resume it if it was paused).
    fn probe_failed(&mut self, error: String, close: bool) {
        let Some(probe) = self.probe.take() else {
            return;
        };
        if close {
            self.outputs.push_back(ClientOutput::WsClose {
                conn: probe.conn,
                code: 1000,
            });
        }
        self.outputs
            .push_back(ClientOutput::Event(EngineClientEvent::UpgradeError(error)));
        if probe.probed && self.state == State::Open {
            self.poll();
            self.flush();
        }
    }

    /// Switches to the probe's WebSocket once polling is paused: the GET
    /// and the POST in flight have come back.
    pub(crate) fn finish_pause(&mut self) {
        let Some(probe) = self.probe else {
            return;
        };
        if !probe.probed || self.get.is_some() || self.post.is_some() || self.state != State::Open {
            return;
        }
        self.probe = None;
        let conn = probe.conn;
        self.outputs.push_back(ClientOutput::WsSend {
            conn,
            frame: Packet::Upgrade.encode_ws(),
        });
        self.transport = Transport::Ws { conn, opened: true };
        self.outputs
            .push_back(ClientOutput::Event(EngineClientEvent::Upgrade));
        self.flush();
    }
}
