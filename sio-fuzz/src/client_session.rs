//! The stateful client target: a [`SioClient`] fed arbitrary server
//! input (HTTP responses with any status and body for its requests,
//! WebSocket opens, frames and closes, late answers to requests it
//! dropped), clock jumps and application calls (emits with acks,
//! timeouts, volatile and retries, acks, namespaces joined and left, a
//! final close), checking the contract after every step:
//! - every request and WebSocket the core asks for has a fresh id, and
//!   the harness only feeds ids the core asked for;
//! - no output names a connection after it ended (answered, aborted,
//!   closed by either side), and frames go only to open WebSockets;
//! - after `handle_timeout(now)`, `poll_timeout` is never before `now`;
//! - the send buffer and the retry queue stay within
//!   `max_buffered_packets`;
//! - after `close`, no WebSocket is left open.

use crate::Bytes8;
use bytes::Bytes;
use sio_core::ConnId;
use sio_core::client::{
    ClientConfig, ClientEvent, ClientInput, ClientOutput, ClientProtocol, ClientTransports,
    EmitOptions, SioClient,
};
use sio_core::engine::WsFrame;
use sio_core::socket::Args;
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

const MAX_BUFFERED: usize = 4;
const NSPS: [&str; 2] = ["/", "/a"];

/// Engine.IO packets (and Socket.IO ones inside `4`) a server might send.
const PACKETS: &[&str] = &[
    r#"0{"sid":"E1","upgrades":["websocket"],"pingInterval":300,"pingTimeout":200,"maxPayload":60}"#,
    r#"0{"sid":"E2","upgrades":[],"pingInterval":100,"pingTimeout":50,"maxPayload":0}"#,
    r#"0{"sid":"E3"}"#,
    r#"40{"sid":"S1"}"#,
    r#"40{"sid":"S2","pid":"P1"}"#,
    r#"40/a,{"sid":"S3"}"#,
    r#"40{}"#,
    r#"44{"message":"no","data":{"x":1}}"#,
    r#"44/a,{"message":"nope"}"#,
    "41",
    "41/a,",
    r#"42["ev",1]"#,
    r#"421["ask","O1"]"#,
    r#"42/a,7["ask",{"k":[1]}]"#,
    "430[1]",
    r#"431["ok"]"#,
    "43/a,2[]",
    r#"451-["bin",{"_placeholder":true,"num":0}]"#,
    r#"461-0[{"_placeholder":true,"num":0}]"#,
    "bAQID",
    "2",
    "3",
    "6",
    "1",
    "5",
    "3probe",
    "4",
    "42",
    "0",
];

/// Event arguments the application might emit.
const ARGS: &[&str] = &[
    "[]",
    "[1]",
    r#"["a",{"b":2}]"#,
    r#"[{"_placeholder":true,"num":0}]"#,
];

/// What the harness knows of the core's connections.
#[derive(Default)]
struct Conns {
    /// Every id the core asked for.
    seen: BTreeSet<u64>,
    /// Requests in flight.
    http: BTreeSet<u64>,
    /// WebSockets asked for, not open yet.
    ws_pending: BTreeSet<u64>,
    /// Open WebSockets.
    ws_open: BTreeSet<u64>,
    /// Connections that ended.
    dead: BTreeSet<u64>,
}

impl Conns {
    fn end(&mut self, conn: u64) {
        self.http.remove(&conn);
        self.ws_pending.remove(&conn);
        self.ws_open.remove(&conn);
        self.dead.insert(conn);
    }
}

fn pick(r: &mut Bytes8, set: &BTreeSet<u64>) -> Option<ConnId> {
    let i = r.u8() as usize;
    set.iter().nth(i % set.len().max(1)).copied().map(ConnId)
}

/// A packet from the dictionary, or raw bytes.
fn packet(r: &mut Bytes8) -> Vec<u8> {
    let k = r.u8() as usize;
    match PACKETS.get(k) {
        Some(p) => p.as_bytes().to_vec(),
        None => {
            let len = r.u8() as usize % 40;
            r.take(len).to_vec()
        }
    }
}

/// A polling body: one to four packets separated by `\x1e`.
fn body(r: &mut Bytes8) -> Bytes {
    let n = r.u8() % 4 + 1;
    let mut out = Vec::new();
    for i in 0..n {
        if i > 0 {
            out.push(0x1e);
        }
        out.extend(packet(r));
    }
    Bytes::from(out)
}

fn status(r: &mut Bytes8) -> u16 {
    match r.u8() {
        0..=219 => 200,
        b => [400, 500, 404, 204, 0, 101, 302, 503][usize::from(b % 8)],
    }
}

/// Runs one input sequence.
pub fn run(data: &[u8]) {
    let mut r = Bytes8(data);
    let flags = r.u8();
    let mut config = ClientConfig::default();
    config.engine.transports = [
        ClientTransports::Upgrade,
        ClientTransports::Polling,
        ClientTransports::WebSocket,
    ][usize::from(flags % 3)];
    config.engine.connect_timeout = Duration::from_millis(500);
    config.reconnection_delay = Duration::from_millis(100);
    config.reconnection_delay_max = Duration::from_millis(400);
    config.reconnection_attempts = (flags & 4 != 0).then_some(3);
    config.ack_timeout = (flags & 8 != 0).then_some(Duration::from_millis(300));
    config.retries = (flags & 16 != 0).then_some(2);
    config.reconnection = flags & 32 == 0;
    config.max_buffered_packets = MAX_BUFFERED;
    config.max_attachments = 3;
    let mut client = SioClient::new(config, u64::from(flags));
    let mut now = Instant::now();
    let mut conns = Conns::default();
    let mut server_acks: Vec<(&str, u64)> = Vec::new();
    client.connect(now, "/", None);
    drain(&mut client, &mut conns, &mut server_acks);
    let mut steps = 0;
    while !r.is_empty() && steps < 256 {
        steps += 1;
        let op = r.u8();
        match op % 14 {
            0 | 1 => {
                if let Some(conn) = pick(&mut r, &conns.http) {
                    let status = status(&mut r);
                    let body = body(&mut r);
                    conns.end(conn.0);
                    feed(
                        &mut client,
                        &conns,
                        now,
                        ClientInput::HttpResponse { conn, status, body },
                    );
                }
            }
            2 => {
                if let Some(conn) = pick(&mut r, &conns.http) {
                    conns.end(conn.0);
                    let error = "reset".to_owned();
                    feed(
                        &mut client,
                        &conns,
                        now,
                        ClientInput::HttpFailed { conn, error },
                    );
                }
            }
            3 => {
                if let Some(conn) = pick(&mut r, &conns.ws_pending) {
                    conns.ws_pending.remove(&conn.0);
                    conns.ws_open.insert(conn.0);
                    feed(&mut client, &conns, now, ClientInput::WsOpened { conn });
                }
            }
            4 | 5 => {
                if let Some(conn) = pick(&mut r, &conns.ws_open) {
                    let p = packet(&mut r);
                    let frame = match String::from_utf8(p) {
                        Ok(t) => WsFrame::Text(Bytes::from(t)),
                        Err(e) => WsFrame::Binary(Bytes::from(e.into_bytes())),
                    };
                    feed(
                        &mut client,
                        &conns,
                        now,
                        ClientInput::WsFrame { conn, frame },
                    );
                }
            }
            6 => {
                if let Some(conn) = pick(&mut r, &conns.ws_open) {
                    let len = r.u8() as usize % 8;
                    let frame = WsFrame::Binary(Bytes::copy_from_slice(r.take(len)));
                    feed(
                        &mut client,
                        &conns,
                        now,
                        ClientInput::WsFrame { conn, frame },
                    );
                }
            }
            7 => {
                let all: BTreeSet<u64> = conns.ws_pending.union(&conns.ws_open).copied().collect();
                if let Some(conn) = pick(&mut r, &all) {
                    conns.end(conn.0);
                    let error = "gone".to_owned();
                    feed(
                        &mut client,
                        &conns,
                        now,
                        ClientInput::WsClosed { conn, error },
                    );
                }
            }
            8 => {
                now += Duration::from_millis(u64::from(r.u8()) * 4);
                client.handle_timeout(now);
            }
            9 => {
                // A clock that goes back must not confuse the core.
                let back = now.checked_sub(Duration::from_millis(60)).unwrap_or(now);
                client.handle_timeout(back);
            }
            10 => {
                // A late input for a connection that ended (the adapter
                // raced the core): ignored.
                if let Some(conn) = pick(&mut r, &conns.dead) {
                    let input = match r.u8() % 4 {
                        0 => ClientInput::HttpResponse {
                            conn,
                            status: 200,
                            body: body(&mut r),
                        },
                        1 => ClientInput::WsOpened { conn },
                        2 => ClientInput::WsFrame {
                            conn,
                            frame: WsFrame::Text(Bytes::from_static(b"2")),
                        },
                        _ => ClientInput::WsClosed {
                            conn,
                            error: "late".to_owned(),
                        },
                    };
                    feed(&mut client, &conns, now, input);
                }
            }
            11 => {
                let bits = r.u8();
                let nsp = NSPS[usize::from(bits & 1)];
                let json = ARGS[usize::from(r.u8()) % ARGS.len()];
                let attachments = if json.contains("_placeholder") {
                    vec![Bytes::from_static(&[1, 2, 3])]
                } else {
                    Vec::new()
                };
                let args = Args {
                    json: Bytes::from_static(json.as_bytes()),
                    attachments,
                };
                let options = EmitOptions {
                    ack: bits & 2 != 0,
                    volatile: bits & 4 != 0,
                    timeout: (bits & 8 != 0).then(|| Duration::from_millis(u64::from(r.u8()))),
                };
                let _ = client.emit(now, nsp, "e", args, options);
            }
            12 => {
                if !server_acks.is_empty() {
                    let i = usize::from(r.u8()) % server_acks.len();
                    let (nsp, id) = server_acks.swap_remove(i);
                    let _ = client.ack(now, nsp, id, Args::from_json("[true]"));
                }
            }
            _ => {
                let bits = r.u8();
                let nsp = NSPS[usize::from(bits & 1)];
                match (bits >> 1) % 8 {
                    0..=2 => client.connect(now, nsp, Some(Bytes::from_static(br#"{"t":1}"#))),
                    3 | 4 => {
                        let _ = client.disconnect(now, nsp);
                    }
                    5 => {
                        let _ = client.set_auth(nsp, None);
                    }
                    6 => client.close(now),
                    _ => {}
                }
            }
        }
        drain(&mut client, &mut conns, &mut server_acks);
        if let Some(deadline) = client.poll_timeout() {
            assert!(deadline >= now, "a deadline in the past");
        }
        for nsp in NSPS {
            assert!(
                client.buffered(nsp) <= MAX_BUFFERED,
                "send buffer over bound"
            );
            assert!(client.queued(nsp) <= MAX_BUFFERED, "retry queue over bound");
        }
    }
    client.close(now);
    drain(&mut client, &mut conns, &mut server_acks);
    assert!(
        conns.ws_pending.is_empty() && conns.ws_open.is_empty(),
        "WebSockets left open after close"
    );
    assert_eq!(client.poll_timeout(), None, "timers left after close");
}

/// Feeds an input; its connection is always one the core asked for (the
/// adapter's side of the contract).
fn feed(client: &mut SioClient, conns: &Conns, now: Instant, input: ClientInput) {
    let conn = match &input {
        ClientInput::HttpResponse { conn, .. }
        | ClientInput::HttpFailed { conn, .. }
        | ClientInput::WsOpened { conn }
        | ClientInput::WsFrame { conn, .. }
        | ClientInput::WsClosed { conn, .. } => *conn,
        _ => unreachable!("the harness feeds these inputs only"),
    };
    assert!(conns.seen.contains(&conn.0), "{conn:?} was never asked for");
    client.handle(now, input);
}

/// Drains the outputs, checking each against what the harness knows.
fn drain(client: &mut SioClient, conns: &mut Conns, server_acks: &mut Vec<(&'static str, u64)>) {
    while let Some(out) = client.poll_output() {
        match out {
            ClientOutput::HttpRequest { conn, .. } => {
                assert!(conns.seen.insert(conn.0), "a reused id {conn:?}");
                conns.http.insert(conn.0);
            }
            ClientOutput::WsOpen { conn, .. } => {
                assert!(conns.seen.insert(conn.0), "a reused id {conn:?}");
                conns.ws_pending.insert(conn.0);
            }
            ClientOutput::HttpAbort { conn } => {
                assert!(
                    conns.http.contains(&conn.0),
                    "abort of {conn:?}, not in flight"
                );
                conns.end(conn.0);
            }
            ClientOutput::WsSend { conn, .. } => {
                assert!(
                    conns.ws_open.contains(&conn.0),
                    "a frame for {conn:?}, not an open WebSocket"
                );
            }
            ClientOutput::WsClose { conn, .. } => {
                assert!(
                    conns.ws_open.contains(&conn.0) || conns.ws_pending.contains(&conn.0),
                    "close of {conn:?}, not a live WebSocket"
                );
                conns.end(conn.0);
            }
            ClientOutput::Event(ClientEvent::Event {
                nsp, ack: Some(id), ..
            }) => {
                if let Some(n) = NSPS.iter().find(|n| **n == nsp)
                    && server_acks.len() < 64
                {
                    server_acks.push((n, id));
                }
            }
            ClientOutput::Event(_) => {}
        }
    }
}
