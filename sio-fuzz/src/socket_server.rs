//! The stateful Socket.IO target: arbitrary sequences of transport inputs
//! (WebSocket sessions sending Socket.IO packets from a dictionary or raw
//! bytes, attachments, closes), clock jumps and application calls (emit,
//! acks, broadcasts, rooms, disconnects) into a [`SioServer`], checking
//! its bounds after every step.

use crate::Bytes8;
use bytes::Bytes;
use sio_core::engine::{EngineConfig, WsFrame};
use sio_core::http::HttpRequest;
use sio_core::socket::{
    Args, BroadcastOp, DecoderLimits, JsonParser, RecoveryConfig, ServerConfig, SioServer,
    SocketEvent, SocketId,
};
use sio_core::{ConnId, Input, Output, Sid};
use std::time::{Duration, Instant};

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

const MAX_ACKS: usize = 4;
const MAX_STORED: usize = 4;
const MAX_LOG: usize = 8;
const MAX_LOG_BYTES: usize = 2048;
const MAX_ATTACHMENT_BYTES: usize = 64;

/// Runs one input sequence.
pub fn run(data: &[u8]) {
    let config = ServerConfig {
        engine: EngineConfig {
            ping_interval: Duration::from_millis(300),
            ping_timeout: Duration::from_millis(200),
            max_payload: 1000,
            max_sessions: 6,
            ..EngineConfig::default()
        },
        connect_timeout: Duration::from_millis(500),
        parser: Box::new(JsonParser {
            limits: DecoderLimits {
                max_attachments: 3,
                max_attachment_bytes: MAX_ATTACHMENT_BYTES,
            },
        }),
        max_pending_acks: MAX_ACKS,
        recovery: Some(RecoveryConfig {
            max_disconnection_duration: Duration::from_secs(2),
            skip_middlewares: true,
            max_sessions: MAX_STORED,
            max_log_packets: MAX_LOG,
            max_log_bytes: MAX_LOG_BYTES,
        }),
        cluster: None,
    };
    let mut server = SioServer::new(config, [2; 32]);
    server.add_namespace("/a");
    server.set_connect_middleware("/b", true);
    let mut r = Bytes8(data);
    let mut now = Instant::now();
    let mut sockets: Vec<SocketId> = Vec::new();
    let mut pending: Vec<SocketId> = Vec::new();
    let mut pids: Vec<String> = Vec::new();
    let mut steps = 0;
    while !r.is_empty() && steps < 256 {
        steps += 1;
        let op = r.u8();
        let conn = ConnId(u64::from(r.u8() % 8));
        match op % 13 {
            12 => {
                // A reconnect that asks to restore a session seen before.
                if let Some(pid) = pick(&mut r, &pids) {
                    let offset = r.u8() % 16;
                    let text = format!(r#"40{{"pid":"{pid}","offset":"{offset}"}}"#);
                    let frame = WsFrame::Text(Bytes::from(text));
                    server.handle(now, Input::WsFrame { conn, frame });
                }
            }
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
            5 => {
                now += Duration::from_millis(u64::from(r.u8()) * 4);
                server.handle_timeout(now);
            }
            6 => {
                if let Some(&s) = pick(&mut r, &sockets) {
                    let _ = server.emit(s, "news", &Args::from_json("[1]"));
                }
            }
            7 => {
                if let Some(&s) = pick(&mut r, &sockets) {
                    let t = Duration::from_millis(u64::from(r.u8()));
                    let _ = server.emit_with_ack(s, "q", &Args::empty(), t);
                }
            }
            8 => {
                let op = match r.u8() % 3 {
                    0 => BroadcastOp::all(),
                    1 => BroadcastOp::all().to("r"),
                    _ => BroadcastOp::all().except("r"),
                };
                if r.u8() % 2 == 0 {
                    let _ = server.broadcast("/", &op, "b", &Args::from_json("[\"x\"]"));
                } else {
                    let t = Duration::from_millis(u64::from(r.u8()));
                    let _ = server.broadcast_with_ack(now, "/", &op, "b", &Args::empty(), t);
                }
            }
            9 => {
                if let Some(&s) = pick(&mut r, &sockets) {
                    let _ = if r.u8() % 2 == 0 {
                        server.join(s, "r")
                    } else {
                        server.leave(s, "r")
                    };
                }
            }
            10 => {
                if let Some(&s) = pick(&mut r, &sockets) {
                    let _ = server.disconnect(s, r.u8() % 2 == 0);
                }
            }
            _ => {
                if let Some(&s) = pick(&mut r, &pending) {
                    let _ = if r.u8() % 2 == 0 {
                        server.accept(s)
                    } else {
                        server.refuse(s, "no", None)
                    };
                    pending.retain(|p| *p != s);
                }
            }
        }
        while let Some(out) = server.poll_output() {
            match out {
                Output::Event(SocketEvent::Connect { socket, .. }) => sockets.push(socket),
                Output::Event(SocketEvent::ConnectRequest { socket, .. }) => pending.push(socket),
                Output::Event(SocketEvent::Disconnect { socket, .. }) => {
                    sockets.retain(|s| *s != socket)
                }
                Output::WsSend {
                    frame: WsFrame::Text(t),
                    ..
                } => {
                    if let Some(pid) = grant_pid(&t) {
                        pids.push(pid);
                    }
                }
                _ => {}
            }
        }
        let sids: Vec<Sid> = server.engine().sids().collect();
        check(&server, &sids, &sockets);
    }
    server.shutdown();
    while server.poll_output().is_some() {}
    assert_eq!(
        server.socket_count(),
        0,
        "shutdown disconnects every socket"
    );
}

/// The `pid` of a CONNECT grant frame `40{"sid":..,"pid":..}`.
fn grant_pid(frame: &[u8]) -> Option<String> {
    let json = frame.strip_prefix(b"40")?;
    let v: serde_json::Value = serde_json::from_slice(json).ok()?;
    v["pid"].as_str().map(str::to_owned)
}

fn pick<'a, T>(r: &mut Bytes8, list: &'a [T]) -> Option<&'a T> {
    let i = r.u8() as usize;
    list.get(i % list.len().max(1))
}

/// The bounds that must hold after every step.
fn check(server: &SioServer, sids: &[Sid], sockets: &[SocketId]) {
    assert!(sids.len() <= 6, "sessions over bound");
    assert_eq!(server.socket_count(), sockets.len(), "events match sockets");
    for s in sockets {
        assert!(server.is_connected(*s));
        let acks = server.pending_acks(*s).expect("connected socket");
        assert!(acks <= MAX_ACKS, "pending acks over bound: {acks}");
    }
    for sid in sids {
        let bytes = server.buffered_attachment_bytes(*sid).unwrap_or(0);
        assert!(
            bytes <= MAX_ATTACHMENT_BYTES,
            "attachments over bound: {bytes}"
        );
    }
}
