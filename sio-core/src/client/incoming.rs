//! What the server sends a [`SioClient`]: packets decoded (attachments
//! reassembled within `max_attachments`), then handled per namespace as
//! the official Socket's `onpacket`: CONNECT replies, CONNECT_ERROR,
//! DISCONNECT, events (buffered until connected) and acks.

use super::engine::from_json_object;
use super::event::{AckId, ClientDisconnectReason, ClientEvent, EngineCloseReason};
use super::manager::SioClient;
use super::namespace::Owner;
use crate::engine::Message;
use crate::socket::{Args, Packet, PacketType, event_name};
use bytes::Bytes;
use std::time::Instant;

/// The official client's error for a CONNECT reply without `sid`.
const V2_SERVER: &str = "It seems you are trying to reach a Socket.IO server in v2.x with a v3.x client, but they are not compatible (more information here: https://socket.io/docs/v3/migrating-from-2-x-to-3-0/)";

impl SioClient {
    /// An Engine.IO message: a packet, or part of a binary one.
    pub(crate) fn on_message(&mut self, now: Instant, msg: Message) {
        match self.decoder.decode(msg) {
            Ok(Some(packet)) => self.on_packet(now, packet),
            Ok(None) => {}
            Err(e) => self.fail(now, EngineCloseReason::ParseError(e.to_string())),
        }
    }

    fn on_packet(&mut self, now: Instant, packet: Packet) {
        let Some(index) = self.nsps.iter().position(|n| n.name == packet.nsp) else {
            // No socket for that namespace: the official client drops it.
            return;
        };
        match packet.kind {
            PacketType::Connect => self.on_connect_reply(now, index, packet.data),
            PacketType::ConnectError => {
                let (message, data) = connect_error(packet.data.as_deref());
                let nsp = self.nsps[index].name.clone();
                self.destroy(now, index, None);
                self.emit_event(ClientEvent::ConnectError {
                    nsp,
                    message,
                    data,
                    refused: true,
                });
            }
            PacketType::Disconnect => {
                self.destroy(now, index, Some(ClientDisconnectReason::IoServerDisconnect));
            }
            PacketType::Event | PacketType::BinaryEvent => {
                if self.nsps[index].connected() {
                    self.dispatch_event(index, packet);
                } else if self.nsps[index].receive_buffer.len() < self.config.max_buffered_packets {
                    self.nsps[index].receive_buffer.push_back(packet);
                }
                // Beyond the bound, events for a namespace not connected
                // yet are dropped (a server sends none before its reply).
            }
            PacketType::Ack | PacketType::BinaryAck => {
                let Some(id) = packet.id else {
                    return;
                };
                let args = Args {
                    json: packet.data.unwrap_or_else(|| Bytes::from_static(b"[]")),
                    attachments: packet.attachments,
                };
                match self.nsps[index].settle_ack(id) {
                    Some(Owner::App(app)) => {
                        let nsp = self.nsps[index].name.clone();
                        self.emit_event(ClientEvent::Ack {
                            nsp,
                            id: AckId(app),
                            args,
                        });
                    }
                    Some(Owner::Queue(seq)) => self.queue_acked(now, index, seq, args),
                    // An unknown or settled ack id is ignored ("bad ack").
                    None => {}
                }
            }
        }
    }

    /// `40{"sid":..,"pid"?:..}`: the official `onconnect`.
    fn on_connect_reply(&mut self, now: Instant, index: usize, data: Option<Bytes>) {
        #[derive(serde::Deserialize)]
        struct Reply {
            sid: Option<String>,
            pid: Option<String>,
        }
        let reply = data
            .as_deref()
            .and_then(|d| from_json_object::<Reply>(d).ok());
        let Some(Reply { sid: Some(id), pid }) = reply else {
            let nsp = self.nsps[index].name.clone();
            return self.emit_event(ClientEvent::ConnectError {
                nsp,
                message: V2_SERVER.to_owned(),
                data: None,
                refused: false,
            });
        };
        let ns = &mut self.nsps[index];
        let recovered = pid.is_some() && ns.pid == pid;
        ns.pid = pid;
        ns.id = Some(id.clone());
        // 1. The events received before the reply.
        let received: Vec<Packet> = ns.receive_buffer.drain(..).collect();
        for packet in received {
            self.dispatch_event(index, packet);
        }
        // 2. The send buffer, in emit order.
        let buffered: Vec<Packet> = self.nsps[index]
            .send_buffer
            .drain(..)
            .map(|b| b.packet)
            .collect();
        for packet in &buffered {
            self.send_packet(now, packet);
        }
        // 3. The retry queue's head, even if its try is pending.
        self.drain_queue(now, index, true);
        // 4. Then the application hears of it.
        let nsp = self.nsps[index].name.clone();
        self.emit_event(ClientEvent::Connect { nsp, id, recovered });
    }

    /// Hands an event to the application, then tracks its offset.
    fn dispatch_event(&mut self, index: usize, packet: Packet) {
        let Some(data) = packet.data else {
            return;
        };
        // The decoder checked the payload is an array starting with a
        // string; a name it cannot read (a lone surrogate escape) is
        // dropped.
        let Some((name, json)) = event_name(&data) else {
            return;
        };
        let event = name.into_owned();
        let ns = &mut self.nsps[index];
        if let Some(id) = packet.id {
            ns.note_server_ack(id);
        }
        ns.track_offset(&json);
        let nsp = ns.name.clone();
        self.emit_event(ClientEvent::Event {
            nsp,
            event,
            args: Args {
                json,
                attachments: packet.attachments,
            },
            ack: packet.id,
        });
    }
}

/// A CONNECT_ERROR's message and data: `{"message":..,"data":..}`, or a
/// bare string (older servers).
fn connect_error(data: Option<&[u8]>) -> (String, Option<Bytes>) {
    #[derive(serde::Deserialize)]
    struct Refusal {
        message: Option<String>,
        data: Option<Box<serde_json::value::RawValue>>,
    }
    let Some(data) = data else {
        return (String::new(), None);
    };
    if let Ok(message) = serde_json::from_slice::<String>(data) {
        return (message, None);
    }
    match from_json_object::<Refusal>(data) {
        Ok(r) => (
            r.message.unwrap_or_default(),
            r.data.map(|d| Bytes::copy_from_slice(d.get().as_bytes())),
        ),
        Err(_) => (String::new(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_error_payloads() {
        #[derive(serde::Deserialize, Debug)]
        struct Reply {
            #[allow(dead_code)]
            sid: Option<String>,
        }
        assert!(from_json_object::<Reply>(br#"["S1"]"#).is_err());
        assert!(from_json_object::<Reply>(br#" {"sid":"S1"}"#).is_ok());
        assert_eq!(
            connect_error(Some(br#"{"message":"nope","data":{"code":4}}"#)),
            ("nope".into(), Some(Bytes::from_static(br#"{"code":4}"#)))
        );
        assert_eq!(
            connect_error(Some(br#"{"message":"Invalid namespace"}"#)),
            ("Invalid namespace".into(), None)
        );
        assert_eq!(
            connect_error(Some(br#""old style""#)),
            ("old style".into(), None)
        );
        assert_eq!(connect_error(None), (String::new(), None));
        // An array is no refusal object: no message, no data (the
        // official `new Error(packet.data.message)` of an array).
        assert_eq!(
            connect_error(Some(br#"["x",{"y":1}]"#)),
            (String::new(), None)
        );
    }

    /// serde's derived structs read a JSON array positionally (the
    /// `client_decode` fuzz target found it in the handshake): a CONNECT
    /// reply that is an array must not connect with its first element as
    /// the id. The decoder refuses it already (a parse error); the reply's
    /// reader refuses it too.
    #[test]
    fn a_connect_reply_that_is_not_an_object_never_connects() {
        use crate::client::{ClientConfig, ClientOutput, ClientProtocol, ClientTransports};
        for reply in [&br#"40["S1"]"#[..], br#"40["S1","P1"]"#, br#"40 ["S1"]"#] {
            let mut config = ClientConfig::default();
            config.engine.transports = ClientTransports::WebSocket;
            let (mut c, now, conn) = crate::client::tests::ws_opened(config);
            for text in [&br#"0{"sid":"E1","upgrades":[]}"#[..], reply] {
                crate::client::tests::server_text(&mut c, now, conn, text);
            }
            let events: Vec<ClientEvent> = std::iter::from_fn(|| c.poll_output())
                .filter_map(|o| match o {
                    ClientOutput::Event(e) => Some(e),
                    _ => None,
                })
                .collect();
            assert_eq!(events[0], ClientEvent::Open);
            assert!(
                !events
                    .iter()
                    .any(|e| matches!(e, ClientEvent::Connect { .. })),
                "{events:?}"
            );
            assert!(!c.is_connected("/"));
        }
    }
}
