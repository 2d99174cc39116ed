//! The client's decoders, as the client uses them: the handshake's open
//! packet (over polling and over a WebSocket), polling payloads on an open
//! connection, and Socket.IO packets from the server (the CONNECT reply,
//! CONNECT_ERROR, DISCONNECT, events and acks, with attachments) on a
//! connected [`SioClient`]. Each decision is checked against an
//! independent reading of the same bytes.

use crate::Bytes8;
use bytes::Bytes;
use sio_core::ConnId;
use sio_core::client::{
    ClientConfig, ClientEvent, ClientInput, ClientOutput, ClientProtocol, ClientTransports,
    EngineClient, EngineClientConfig, EngineClientEvent, EngineCloseReason,
};
use sio_core::engine::{Packet, WsFrame, payload};
use std::time::Instant;

/// A handshake the server might send (polling, then the WebSocket probe).
const OPEN: &str = r#"0{"sid":"E1","upgrades":["websocket"],"pingInterval":300,"pingTimeout":200,"maxPayload":1000}"#;

/// Runs one input: the first byte picks what the rest is.
pub fn run(data: &[u8]) {
    let mut r = Bytes8(data);
    let mode = r.u8();
    let rest = r.0;
    match mode % 4 {
        0 => handshake_polling(rest),
        1 => handshake_websocket(rest),
        2 => polling_payload(rest),
        _ => socket_packets(rest),
    }
}

fn drain(c: &mut EngineClient) -> Vec<ClientOutput<EngineClientEvent>> {
    std::iter::from_fn(|| c.poll_output()).collect()
}

/// The conn of the request or WebSocket the client asked for first.
fn first_conn(outs: &[ClientOutput<EngineClientEvent>]) -> ConnId {
    outs.iter()
        .find_map(|o| match o {
            ClientOutput::HttpRequest { conn, .. } | ClientOutput::WsOpen { conn, .. } => {
                Some(*conn)
            }
            _ => None,
        })
        .expect("open asks for a request or a WebSocket")
}

/// The handshake's values, checked against serde_json's reading of the
/// open packet's JSON.
fn check_open(outs: &[ClientOutput<EngineClientEvent>], open_json: Option<&[u8]>) {
    for o in outs {
        if let ClientOutput::Event(EngineClientEvent::Open(h)) = o {
            let json = open_json.expect("opened from an open packet");
            let v: serde_json::Value = serde_json::from_slice(json).expect("the JSON parsed");
            assert_eq!(v["sid"].as_str(), Some(h.sid.as_str()), "sid");
            if let Some(ms) = v["pingInterval"].as_u64() {
                assert_eq!(h.ping_interval.as_millis(), u128::from(ms));
            }
        }
    }
}

fn handshake_polling(body: &[u8]) {
    let mut c = EngineClient::new(EngineClientConfig::default());
    let now = Instant::now();
    c.open(now);
    let conn = first_conn(&drain(&mut c));
    let body = Bytes::copy_from_slice(body);
    let first = payload::decode(body.clone())
        .ok()
        .and_then(|p| match p.first() {
            Some(Packet::Open(data)) => Some(data.clone()),
            _ => None,
        });
    c.handle(
        now,
        ClientInput::HttpResponse {
            conn,
            status: 200,
            body,
        },
    );
    let outs = drain(&mut c);
    check_open(&outs, first.as_deref());
    // An undecodable body or one not starting with an open packet
    // closes.
    if first.is_none() {
        assert!(c.is_closed() && !c.is_open());
    }
}

fn handshake_websocket(frame: &[u8]) {
    let mut config = EngineClientConfig::default();
    config.transports = ClientTransports::WebSocket;
    let mut c = EngineClient::new(config);
    let now = Instant::now();
    c.open(now);
    let conn = first_conn(&drain(&mut c));
    c.handle(now, ClientInput::WsOpened { conn });
    let frame = match std::str::from_utf8(frame) {
        Ok(_) => WsFrame::Text(Bytes::copy_from_slice(frame)),
        Err(_) => WsFrame::Binary(Bytes::copy_from_slice(frame)),
    };
    let open = match Packet::decode_ws(frame.clone()) {
        Ok(Packet::Open(data)) => Some(data),
        _ => None,
    };
    c.handle(now, ClientInput::WsFrame { conn, frame });
    let outs = drain(&mut c);
    check_open(&outs, open.as_deref());
    if open.is_none() {
        assert!(
            c.is_closed(),
            "a first frame that is not an open packet closes"
        );
    }
}

fn polling_payload(body: &[u8]) {
    let mut config = EngineClientConfig::default();
    config.transports = ClientTransports::Polling;
    let mut c = EngineClient::new(config);
    let now = Instant::now();
    c.open(now);
    let conn = first_conn(&drain(&mut c));
    c.handle(
        now,
        ClientInput::HttpResponse {
            conn,
            status: 200,
            body: Bytes::from_static(OPEN.as_bytes()),
        },
    );
    let get = drain(&mut c)
        .iter()
        .find_map(|o| match o {
            ClientOutput::HttpRequest { conn, .. } => Some(*conn),
            _ => None,
        })
        .expect("the long-poll");
    let body = Bytes::copy_from_slice(body);
    let decoded = payload::decode(body.clone());
    c.handle(
        now,
        ClientInput::HttpResponse {
            conn: get,
            status: 200,
            body,
        },
    );
    let outs = drain(&mut c);
    let parse_error = outs.iter().any(|o| {
        matches!(
            o,
            ClientOutput::Event(EngineClientEvent::Close(EngineCloseReason::ParseError(_)))
        )
    });
    assert_eq!(parse_error, decoded.is_err(), "the payload decoder decides");
    if let Ok(packets) = decoded {
        // Every message before a close packet reaches the application,
        // in order.
        let expected: Vec<_> = packets
            .iter()
            .take_while(|p| !matches!(p, Packet::Close))
            .filter_map(|p| match p {
                Packet::Message(m) => Some(m.clone()),
                _ => None,
            })
            .collect();
        let got: Vec<_> = outs
            .iter()
            .filter_map(|o| match o {
                ClientOutput::Event(EngineClientEvent::Message(m)) => Some(m.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(got, expected);
    }
}

fn socket_packets(data: &[u8]) {
    let mut config = ClientConfig::default();
    config.engine.transports = ClientTransports::WebSocket;
    config.max_attachments = 3;
    let mut c = sio_core::client::SioClient::new(config, 1);
    let now = Instant::now();
    c.connect(now, "/", None);
    c.connect(now, "/a", Some(Bytes::from_static(br#"{"t":1}"#)));
    let conn = std::iter::from_fn(|| c.poll_output())
        .find_map(|o| match o {
            ClientOutput::WsOpen { conn, .. } => Some(conn),
            _ => None,
        })
        .expect("a WebSocket");
    c.handle(now, ClientInput::WsOpened { conn });
    let open = OPEN.replace("[\"websocket\"]", "[]");
    c.handle(
        now,
        ClientInput::WsFrame {
            conn,
            frame: WsFrame::Text(Bytes::from(open)),
        },
    );
    while c.poll_output().is_some() {}
    // The first part is a text frame (`4` + a Socket.IO packet), the
    // others binary frames (attachments).
    for (i, part) in data.split(|b| *b == 0xff).enumerate() {
        let frame = if i == 0 {
            let mut text = b"4".to_vec();
            text.extend_from_slice(part);
            match String::from_utf8(text) {
                Ok(t) => WsFrame::Text(Bytes::from(t)),
                Err(_) => return,
            }
        } else {
            WsFrame::Binary(Bytes::copy_from_slice(part))
        };
        c.handle(now, ClientInput::WsFrame { conn, frame });
        while let Some(out) = c.poll_output() {
            if let ClientOutput::Event(ClientEvent::Connect { nsp, id, .. }) = out {
                assert_eq!(c.socket_id(&nsp), Some(id.as_str()));
            }
        }
    }
}
