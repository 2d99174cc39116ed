//! The admin UI's instrument under fuzzing: the `socket_server` clients
//! and their inputs, with the instrument on `/adm` (basic auth; read-only
//! and production mode when the first byte says so), admin logins
//! answered yes or no as an adapter would, logins with session ids the
//! server handed out, the UI's actions from a dictionary (and malformed
//! ones), room changes and the stats timer; the same bounds after every
//! step.

use crate::Bytes8;
use crate::clients::{Clients, pick};
use crate::socket_server::{BOUNDS, server};
use bytes::Bytes;
use sio_core::admin::{AdminConfig, AdminMode, BasicAuth};
use sio_core::engine::WsFrame;
use sio_core::socket::{SioServer, SocketEvent, SocketId};
use sio_core::{ConnId, Input, Output};
use std::time::{Duration, Instant};

/// What an admin UI sends (without the Engine.IO `4`).
const ADMIN_PACKETS: &[&str] = &[
    "0/adm,{\"username\":\"u\",\"password\":\"p\"}",
    "0/adm,{\"username\":\"x\",\"password\":\"p\"}",
    "0/adm,{\"username\":\"u\"}",
    "0/adm,{\"sessionId\":\"s\"}",
    "0/adm,",
    "2/adm,[\"join\",\"/\",\"r\"]",
    "2/adm,[\"join\",\"/a\",\"r2\",\"r\"]",
    "2/adm,[\"leave\",\"/\",\"r\"]",
    "2/adm,[\"leave\",\"/\",\"r\",\"r2\"]",
    "2/adm,[\"_disconnect\",\"/\",true]",
    "2/adm,[\"_disconnect\",\"/a\",false,\"r\"]",
    "2/adm,[\"emit\",\"/\",null,\"ev\",1]",
    "2/adm,[\"emit\",\"/nope\",\"r\",\"ev\"]",
    "2/adm,[\"emit\",\"/\"]",
    "2/adm,[\"join\",1]",
    "2/adm,7[\"_disconnect\"]",
    "1/adm,",
];

/// Runs one input sequence.
pub fn run(data: &[u8]) {
    let flags = data.first().copied().unwrap_or(0);
    let mut server = server([3; 32], false, None);
    server.instrument(AdminConfig {
        namespace: "/adm".to_owned(),
        auth: Some(BasicAuth {
            username: "u".to_owned(),
            password_hash: "h".to_owned(),
        }),
        readonly: flags & 1 == 1,
        mode: if flags & 2 == 2 {
            AdminMode::Production
        } else {
            AdminMode::Development
        },
        hostname: "fuzz".to_owned(),
        pid: 1,
        ..AdminConfig::default()
    });
    let mut r = Bytes8(data.get(1..).unwrap_or_default());
    let mut now = Instant::now();
    let mut clients = Clients::default();
    let mut logins: Vec<SocketId> = Vec::new();
    let mut sessions: Vec<String> = Vec::new();
    let mut steps = 0;
    while !r.is_empty() && steps < 256 {
        steps += 1;
        let op = r.u8();
        let conn = ConnId(u64::from(r.u8() % 8));
        match op % 11 {
            k @ 0..=4 => clients.input(&mut server, &mut r, now, conn, k),
            5 | 6 => {
                let p = ADMIN_PACKETS[r.u8() as usize % ADMIN_PACKETS.len()];
                text(&mut server, now, conn, format!("4{p}"));
            }
            7 => {
                now += Duration::from_millis(u64::from(r.u8()) * 16);
                server.handle_timeout(now);
            }
            8 => {
                if let Some(&s) = pick(&mut r, &logins) {
                    let _ = server.admin_login_checked(s, r.u8() % 2 == 0);
                    logins.retain(|l| *l != s);
                }
            }
            9 => {
                if let Some(id) = pick(&mut r, &sessions) {
                    let t = format!("40/adm,{{\"sessionId\":\"{id}\"}}");
                    text(&mut server, now, conn, t);
                }
            }
            _ => {
                if let Some(s) = clients.socket(&mut r) {
                    let _ = match r.u8() % 3 {
                        0 => server.join(s, "r"),
                        1 => server.leave(s, "r"),
                        _ => server.set_socket_data(s, Bytes::from_static(b"{\"n\":1}")),
                    };
                }
            }
        }
        while let Some(out) = server.poll_output() {
            match &out {
                Output::Event(SocketEvent::AdminLogin { socket, .. }) => logins.push(*socket),
                Output::WsSend {
                    frame: WsFrame::Text(t),
                    ..
                } => sessions.extend(session_id(t)),
                _ => {}
            }
            clients.observe(&out);
        }
        clients.check(&server, &BOUNDS);
        sessions.truncate(8);
    }
    server.shutdown();
    while server.poll_output().is_some() {}
    assert_eq!(
        server.socket_count(),
        0,
        "shutdown disconnects every socket"
    );
}

/// A text frame from the client on `conn`.
fn text(server: &mut SioServer, now: Instant, conn: ConnId, t: String) {
    let frame = WsFrame::Text(Bytes::from(t));
    server.handle(now, Input::WsFrame { conn, frame });
}

/// The id of a `session` event frame, `42/adm,["session","<id>"]`.
fn session_id(frame: &[u8]) -> Option<String> {
    let json = frame.strip_prefix(b"42/adm,")?;
    let v: serde_json::Value = serde_json::from_slice(json).ok()?;
    (v[0] == "session").then(|| v[1].as_str().map(str::to_owned))?
}
