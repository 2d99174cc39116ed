//! The stateful Socket.IO target: arbitrary sequences of transport inputs
//! (WebSocket sessions sending Socket.IO packets from a dictionary or raw
//! bytes, attachments, closes), clock jumps and application calls (emit,
//! acks, broadcasts, rooms, disconnects) into a [`SioServer`], checking
//! its bounds after every step.

use crate::Bytes8;
use crate::clients::{Bounds, Clients};
use sio_core::ConnId;
use sio_core::engine::EngineConfig;
use sio_core::socket::{
    Args, BroadcastOp, ClusterConfig, DecoderLimits, JsonParser, RecoveryConfig, ServerConfig,
    SioServer,
};
use std::time::{Duration, Instant};

const MAX_ACKS: usize = 4;
const MAX_STORED: usize = 4;
const MAX_LOG: usize = 8;
const MAX_LOG_BYTES: usize = 2048;
const MAX_ATTACHMENT_BYTES: usize = 64;

/// What the clients' server holds to (see [`Clients::check`]).
pub(crate) const BOUNDS: Bounds = Bounds {
    sessions: 6,
    acks: MAX_ACKS,
    attachment_bytes: MAX_ATTACHMENT_BYTES,
};

/// The server the clients talk to: small bounds and short timers, so that
/// inputs reach them; namespaces `/`, `/a` and `/b` (with a connect
/// middleware); recovery when asked.
pub(crate) fn server(seed: [u8; 32], recovery: bool, cluster: Option<ClusterConfig>) -> SioServer {
    let config = ServerConfig {
        engine: EngineConfig {
            ping_interval: Duration::from_millis(300),
            ping_timeout: Duration::from_millis(200),
            max_payload: 1000,
            max_sessions: BOUNDS.sessions,
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
        recovery: recovery.then(|| RecoveryConfig {
            max_disconnection_duration: Duration::from_secs(2),
            skip_middlewares: true,
            max_sessions: MAX_STORED,
            max_log_packets: MAX_LOG,
            max_log_bytes: MAX_LOG_BYTES,
        }),
        cluster,
    };
    let mut server = SioServer::new(config, seed);
    server.add_namespace("/a");
    server.set_connect_middleware("/b", true);
    server
}

/// Runs one input sequence.
pub fn run(data: &[u8]) {
    let mut server = server([2; 32], true, None);
    let mut r = Bytes8(data);
    let mut now = Instant::now();
    let mut clients = Clients::default();
    let mut steps = 0;
    while !r.is_empty() && steps < 256 {
        steps += 1;
        let op = r.u8();
        let conn = ConnId(u64::from(r.u8() % 8));
        match op % 13 {
            12 => clients.input(&mut server, &mut r, now, conn, 5),
            k @ 0..=4 => clients.input(&mut server, &mut r, now, conn, k),
            5 => {
                now += Duration::from_millis(u64::from(r.u8()) * 4);
                server.handle_timeout(now);
            }
            6 => {
                if let Some(s) = clients.socket(&mut r) {
                    let _ = server.emit(s, "news", &Args::from_json("[1]"));
                }
            }
            7 => {
                if let Some(s) = clients.socket(&mut r) {
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
                if let Some(s) = clients.socket(&mut r) {
                    let _ = if r.u8() % 2 == 0 {
                        server.join(s, "r")
                    } else {
                        server.leave(s, "r")
                    };
                }
            }
            10 => {
                if let Some(s) = clients.socket(&mut r) {
                    let _ = server.disconnect(s, r.u8() % 2 == 0);
                }
            }
            _ => clients.decide(&mut server, &mut r),
        }
        while let Some(out) = server.poll_output() {
            clients.observe(&out);
        }
        clients.check(&server, &BOUNDS);
    }
    server.shutdown();
    while server.poll_output().is_some() {}
    assert_eq!(
        server.socket_count(),
        0,
        "shutdown disconnects every socket"
    );
}
