//! [`SioClient`] against the crate's Socket.IO server ([`SioServer`]), in
//! memory: every transport, namespaces, auth, events, acks and binary both
//! ways, buffering, volatile, heartbeat, disconnections and refusals.

use super::pair::Pair;
use crate::client::{
    AckError, AckId, ClientConfig, ClientDisconnectReason, ClientError, ClientEvent,
    ClientProtocol, ClientTransports, EmitOptions, EngineCloseReason, SioClient,
};
use crate::engine::EngineConfig;
use crate::socket::{Args, DisconnectReason, ServerConfig, SioServer, SocketEvent, SocketId};
use bytes::Bytes;
use std::time::Duration;

pub(super) fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

pub(super) const ALL: [ClientTransports; 3] = [
    ClientTransports::Polling,
    ClientTransports::WebSocket,
    ClientTransports::Upgrade,
];

pub(super) type SioPair = Pair<SioClient, SioServer>;

/// Heartbeat 1 s + 500 ms, connect timeout 5 s.
pub(super) fn server_config() -> ServerConfig {
    ServerConfig {
        engine: EngineConfig {
            ping_interval: ms(1000),
            ping_timeout: ms(500),
            ..EngineConfig::default()
        },
        connect_timeout: ms(5000),
        ..ServerConfig::default()
    }
}

pub(super) fn client_config(transports: ClientTransports) -> ClientConfig {
    let mut c = ClientConfig::default();
    c.engine.transports = transports;
    c.engine.connect_timeout = ms(1000);
    c
}

pub(super) fn pair_with(client: ClientConfig, server: ServerConfig) -> SioPair {
    Pair::new(SioClient::new(client, 42), SioServer::new(server, [7; 32]))
}

pub(super) fn pair(transports: ClientTransports) -> SioPair {
    pair_with(client_config(transports), server_config())
}

pub(super) fn args(json: &str) -> Args {
    Args::from_json(Bytes::copy_from_slice(json.as_bytes()))
}

pub(super) fn ack() -> EmitOptions {
    EmitOptions {
        ack: true,
        ..EmitOptions::default()
    }
}

/// The server's socket id from its `Connect` event for `nsp`.
pub(super) fn server_socket(events: &[SocketEvent], nsp: &str) -> SocketId {
    events
        .iter()
        .find_map(|e| match e {
            SocketEvent::Connect { socket, nsp: n, .. } if n == nsp => Some(*socket),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no connect to {nsp}: {events:?}"))
}

/// Connects `nsp` (with `auth`); the server's socket.
pub(super) fn join(p: &mut SioPair, nsp: &str, auth: Option<&str>) -> SocketId {
    p.client.connect(
        p.now,
        nsp,
        auth.map(|a| Bytes::copy_from_slice(a.as_bytes())),
    );
    p.drive();
    let socket = server_socket(&p.server_events, nsp);
    assert_eq!(p.client.socket_id(nsp), Some(socket.as_str()));
    socket
}

/// The server's events named `event` (their arguments).
pub(super) fn server_got(events: &[SocketEvent], event: &str) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            SocketEvent::Event {
                event: ev, args, ..
            } if ev == event => Some(String::from_utf8_lossy(&args.json).into_owned()),
            _ => None,
        })
        .collect()
}

/// The client's events named `event` (their arguments).
pub(super) fn client_got(events: &[ClientEvent], event: &str) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            ClientEvent::Event {
                event: ev, args, ..
            } if ev == event => Some(String::from_utf8_lossy(&args.json).into_owned()),
            _ => None,
        })
        .collect()
}

#[test]
fn connect_events_acks_and_binary_on_every_transport() {
    for transports in ALL {
        let mut p = pair(transports);
        let s = join(&mut p, "/", None);
        let events = p.take_client_events();
        assert_eq!(events[0], ClientEvent::Open, "{transports:?}");
        assert!(events.contains(&ClientEvent::Connect {
            nsp: "/".into(),
            id: s.as_str().to_owned(),
            recovered: false,
        }));
        assert_eq!(
            events.contains(&ClientEvent::Upgrade),
            transports == ClientTransports::Upgrade
        );
        p.take_server_events();

        // Client to server, with and without an ack, binary too.
        let none = p
            .client
            .emit(
                p.now,
                "/",
                "hello",
                args(r#"["a",1]"#),
                EmitOptions::default(),
            )
            .unwrap();
        assert_eq!(none, None);
        let id = p
            .client
            .emit(p.now, "/", "q", args(r#"[{"x":true}]"#), ack())
            .unwrap();
        assert_eq!(id, Some(AckId(0)));
        let bin = Args {
            json: Bytes::from_static(br#"[{"_placeholder":true,"num":0},"t"]"#),
            attachments: vec![Bytes::from_static(&[1, 2, 3])],
        };
        p.client
            .emit(p.now, "/", "up", bin.clone(), EmitOptions::default())
            .unwrap();
        p.drive();
        let server = p.take_server_events();
        assert_eq!(server_got(&server, "hello"), vec![r#"["a",1]"#]);
        let ask = server
            .iter()
            .find_map(|e| match e {
                SocketEvent::Event { event, ack, .. } if event == "q" => *ack,
                _ => None,
            })
            .unwrap();
        assert_eq!(ask, 0);
        let up = server
            .iter()
            .find_map(|e| match e {
                SocketEvent::Event { event, args, .. } if event == "up" => Some(args.clone()),
                _ => None,
            })
            .unwrap();
        assert_eq!(up.attachments, bin.attachments);
        // The server answers with binary; the client gets its ack.
        p.server.ack(s, 0, &bin).unwrap();
        p.drive();
        let events = p.take_client_events();
        assert_eq!(
            events,
            vec![ClientEvent::Ack {
                nsp: "/".into(),
                id: AckId(0),
                args: bin.clone()
            }]
        );

        // Server to client, plain, binary and with an ack.
        p.server.emit(s, "news", &args(r#"["n"]"#)).unwrap();
        p.server.emit(s, "blob", &bin).unwrap();
        let sid = p
            .server
            .emit_with_ack(s, "ask", &args("[1]"), ms(5000))
            .unwrap();
        p.drive();
        let events = p.take_client_events();
        assert_eq!(client_got(&events, "news"), vec![r#"["n"]"#]);
        assert!(events.iter().any(|e| matches!(
            e,
            ClientEvent::Event { event, args, ack: None, .. } if event == "blob" && args.attachments == bin.attachments
        )));
        let ask = events
            .iter()
            .find_map(|e| match e {
                ClientEvent::Event { event, ack, .. } if event == "ask" => *ack,
                _ => None,
            })
            .unwrap();
        p.client.ack(p.now, "/", ask, bin.clone()).unwrap();
        // A second answer is ignored.
        p.client.ack(p.now, "/", ask, args("[2]")).unwrap();
        p.drive();
        let acks: Vec<_> = p
            .take_server_events()
            .into_iter()
            .filter(|e| matches!(e, SocketEvent::Ack { .. }))
            .collect();
        assert_eq!(
            acks,
            vec![SocketEvent::Ack {
                socket: s,
                ack: sid,
                args: bin.clone()
            }],
            "{transports:?}"
        );
    }
}

#[test]
fn several_namespaces_with_their_auth() {
    for transports in ALL {
        let mut p = pair(transports);
        p.server.add_namespace("/admin");
        let a = join(&mut p, "/", Some(r#"{"token":"x"}"#));
        let b = join(&mut p, "/admin", Some(r#"{"token":"y"}"#));
        assert_ne!(a, b);
        let server = p.take_server_events();
        let auths: Vec<(String, Bytes)> = server
            .iter()
            .filter_map(|e| match e {
                SocketEvent::Connect { nsp, auth, .. } => Some((nsp.clone(), auth.clone())),
                _ => None,
            })
            .collect();
        assert_eq!(
            auths,
            vec![
                ("/".into(), Bytes::from_static(br#"{"token":"x"}"#)),
                ("/admin".into(), Bytes::from_static(br#"{"token":"y"}"#)),
            ]
        );
        // The engine's sid is neither socket id.
        let engine_sid = p.client.engine().unwrap().handshake().unwrap().sid.clone();
        assert!(engine_sid != a.as_str() && engine_sid != b.as_str());
        p.client
            .emit(p.now, "/admin", "x", args("[1]"), EmitOptions::default())
            .unwrap();
        p.server.emit(b, "y", &args("[2]")).unwrap();
        p.drive();
        assert!(p.take_server_events().iter().any(
            |e| matches!(e, SocketEvent::Event { socket, event, .. } if *socket == b && event == "x")
        ));
        assert!(p.take_client_events().iter().any(
            |e| matches!(e, ClientEvent::Event { nsp, event, .. } if nsp == "/admin" && event == "y")
        ));
        // Leaving one keeps the other and the connection.
        p.client.disconnect(p.now, "/admin").unwrap();
        p.drive();
        assert_eq!(
            p.take_client_events(),
            vec![ClientEvent::Disconnect {
                nsp: "/admin".into(),
                reason: ClientDisconnectReason::IoClientDisconnect
            }]
        );
        assert!(p.take_server_events().contains(&SocketEvent::Disconnect {
            socket: b,
            nsp: "/admin".into(),
            reason: DisconnectReason::ClientNamespaceDisconnect,
            kept: false,
        }));
        assert!(p.client.is_connected("/") && !p.client.is_active("/admin"));
        assert_eq!(
            p.client
                .emit(p.now, "/admin", "x", args("[]"), EmitOptions::default()),
            Err(ClientError::UnknownNamespace("/admin".into()))
        );
        // Leaving the last closes the connection, for good.
        p.client.disconnect(p.now, "/").unwrap();
        p.advance(ms(30_000));
        let events = p.take_client_events();
        assert_eq!(
            events,
            vec![
                ClientEvent::Disconnect {
                    nsp: "/".into(),
                    reason: ClientDisconnectReason::IoClientDisconnect
                },
                ClientEvent::Close {
                    reason: EngineCloseReason::ForcedClose
                },
            ]
        );
        assert!(
            p.take_server_events()
                .iter()
                .any(|e| matches!(e, SocketEvent::Disconnect { socket, .. } if *socket == a))
        );
    }
}

#[test]
fn the_send_buffer_is_flushed_in_order_before_connect() {
    for transports in ALL {
        let mut c = client_config(transports);
        c.max_buffered_packets = 3;
        let mut p = pair_with(c, server_config());
        p.client.connect(p.now, "/", None);
        for i in 0..3 {
            p.client
                .emit(
                    p.now,
                    "e",
                    "e",
                    args(&format!("[{i}]")),
                    EmitOptions::default(),
                )
                .unwrap_err();
            p.client
                .emit(
                    p.now,
                    "/",
                    "e",
                    args(&format!("[{i}]")),
                    EmitOptions::default(),
                )
                .unwrap();
        }
        assert_eq!(p.client.buffered("/"), 3);
        assert_eq!(
            p.client
                .emit(p.now, "/", "e", args("[3]"), EmitOptions::default()),
            Err(ClientError::SendBufferFull("/".into()))
        );
        p.drive();
        assert_eq!(p.client.buffered("/"), 0);
        let server = p.take_server_events();
        assert_eq!(server_got(&server, "e"), vec!["[0]", "[1]", "[2]"]);
        // On the wire the events precede nothing the server answered
        // after the connect: they come right after the CONNECT reply, and
        // the client's Connect event is after them in its outputs.
        let events = p.take_client_events();
        assert!(
            events
                .iter()
                .any(|e| matches!(e, ClientEvent::Connect { .. }))
        );
    }
}

#[test]
fn reserved_names_bad_args_and_a_closed_client() {
    let mut p = pair(ClientTransports::WebSocket);
    join(&mut p, "/", None);
    for name in [
        "connect",
        "connect_error",
        "disconnect",
        "disconnecting",
        "newListener",
        "removeListener",
    ] {
        assert_eq!(
            p.client
                .emit(p.now, "/", name, args("[]"), EmitOptions::default()),
            Err(ClientError::ReservedEvent(name.into()))
        );
    }
    assert_eq!(
        p.client
            .emit(p.now, "/", "x", args(r#"{"a":1}"#), EmitOptions::default()),
        Err(ClientError::BadArgs)
    );
    assert_eq!(
        p.client.disconnect(p.now, "/nope"),
        Err(ClientError::UnknownNamespace("/nope".into()))
    );
    p.client.close(p.now);
    p.drive();
    assert!(p.client.is_closed());
    assert_eq!(
        p.client
            .emit(p.now, "/", "x", args("[]"), EmitOptions::default()),
        Err(ClientError::Closed)
    );
    p.client.connect(p.now, "/", None);
    p.advance(ms(10_000));
    let events = p.take_client_events();
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, ClientEvent::ReconnectAttempt(_))),
        "{events:?}"
    );
    assert_eq!(p.client.poll_timeout(), None);
}

#[test]
fn volatile_is_dropped_unless_writable() {
    let mut p = pair(ClientTransports::WebSocket);
    p.client.connect(p.now, "/", None);
    let volatile = EmitOptions {
        volatile: true,
        ack: true,
        ..EmitOptions::default()
    };
    // Not open yet: dropped, the ack id still taken.
    assert_eq!(
        p.client.emit(p.now, "/", "v", args("[0]"), volatile),
        Ok(Some(AckId(0)))
    );
    assert_eq!(p.client.buffered("/"), 0);
    p.drive();
    p.client
        .emit(p.now, "/", "v", args("[1]"), volatile)
        .unwrap();
    p.drive();
    assert_eq!(server_got(&p.take_server_events(), "v"), vec!["[1]"]);
    // The dropped one's ack is cleared at the next disconnection.
    p.drop_links();
    let events = p.take_client_events();
    let errors: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            ClientEvent::AckError { id, error, .. } => Some((*id, *error)),
            _ => None,
        })
        .collect();
    assert_eq!(
        errors,
        vec![
            (AckId(0), AckError::Disconnected),
            (AckId(1), AckError::Disconnected)
        ]
    );
    // On polling with a POST in flight, the transport is not writable.
    let mut p = pair(ClientTransports::Polling);
    join(&mut p, "/", None);
    p.client
        .emit(p.now, "/", "a", args("[]"), EmitOptions::default())
        .unwrap();
    assert!(!p.client.engine().unwrap().is_writable());
    p.client
        .emit(p.now, "/", "v", args("[]"), volatile)
        .unwrap();
    p.drive();
    let server = p.take_server_events();
    assert_eq!(server_got(&server, "a").len(), 1);
    assert!(server_got(&server, "v").is_empty());
}

#[test]
fn ack_timeouts_from_emit_time_even_when_buffered() {
    let mut c = client_config(ClientTransports::WebSocket);
    c.ack_timeout = Some(ms(3000));
    let mut p = pair_with(c, server_config());
    p.server_silent = true;
    p.client.connect(p.now, "/", None);
    let own = EmitOptions {
        ack: true,
        timeout: Some(ms(500)),
        ..EmitOptions::default()
    };
    p.client.emit(p.now, "/", "a", args("[]"), own).unwrap();
    p.client.emit(p.now, "/", "b", args("[]"), ack()).unwrap();
    assert_eq!(p.client.buffered("/"), 2);
    p.advance(ms(499));
    assert!(p.take_client_events().is_empty());
    p.advance(ms(1));
    assert_eq!(
        p.take_client_events(),
        vec![ClientEvent::AckError {
            nsp: "/".into(),
            id: AckId(0),
            error: AckError::Timeout
        }]
    );
    assert_eq!(p.client.buffered("/"), 1, "the packet left the buffer");
    // The config's timeout for the other.
    p.advance(ms(2500));
    let events = p.take_client_events();
    assert!(events.contains(&ClientEvent::AckError {
        nsp: "/".into(),
        id: AckId(1),
        error: AckError::Timeout
    }));
    assert_eq!(p.client.buffered("/"), 0);
    // Sent and not answered: a timeout too.
    let mut p = pair(ClientTransports::WebSocket);
    join(&mut p, "/", None);
    p.take_client_events();
    p.client.emit(p.now, "/", "q", args("[]"), own).unwrap();
    p.advance(ms(500));
    assert_eq!(
        p.take_client_events(),
        vec![ClientEvent::AckError {
            nsp: "/".into(),
            id: AckId(0),
            error: AckError::Timeout
        }]
    );
}

#[test]
fn heartbeat_for_a_long_time_then_ping_timeout_and_reconnection() {
    for transports in ALL {
        let mut p = pair(transports);
        join(&mut p, "/", None);
        p.take_client_events();
        p.advance(ms(300_000));
        let events = p.take_client_events();
        assert!(events.iter().all(|e| *e == ClientEvent::Ping), "{events:?}");
        assert!(events.len() >= 290, "{}", events.len());
        assert!(p.client.is_connected("/"));
        // The server goes silent: ping timeout within interval + timeout.
        p.server_silent = true;
        p.cut();
        assert!(p.advance_until(ms(1600), ms(10), |e| {
            e.iter().any(|e| matches!(e, ClientEvent::Close { .. }))
        }));
        let events = p.take_client_events();
        assert_eq!(
            events,
            vec![
                ClientEvent::Disconnect {
                    nsp: "/".into(),
                    reason: ClientDisconnectReason::PingTimeout
                },
                ClientEvent::Close {
                    reason: EngineCloseReason::PingTimeout
                },
            ]
        );
        p.server_silent = false;
        assert!(p.advance_until(ms(2000), ms(10), |e| {
            e.iter().any(|e| matches!(e, ClientEvent::Connect { .. }))
        }));
        let events = p.take_client_events();
        assert_eq!(events[0], ClientEvent::ReconnectAttempt(1));
        assert_eq!(events[1], ClientEvent::Open);
        assert_eq!(events[2], ClientEvent::Reconnect(1));
        assert!(p.client.is_connected("/"));
    }
}

#[test]
fn server_disconnect_is_final() {
    for transports in ALL {
        let mut p = pair(transports);
        p.server.add_namespace("/b");
        let s = join(&mut p, "/", None);
        join(&mut p, "/b", None);
        p.take_client_events();
        p.client.emit(p.now, "/", "q", args("[]"), ack()).unwrap();
        p.drive();
        p.server.disconnect(s, false).unwrap();
        p.drive();
        let events = p.take_client_events();
        assert_eq!(
            events,
            vec![
                ClientEvent::Disconnect {
                    nsp: "/".into(),
                    reason: ClientDisconnectReason::IoServerDisconnect
                },
                ClientEvent::AckError {
                    nsp: "/".into(),
                    id: AckId(0),
                    error: AckError::Disconnected
                },
            ]
        );
        assert!(!p.client.is_active("/") && p.client.is_connected("/b"));
        // The last namespace: the connection closes, no reconnection.
        let b = server_socket(&p.server_events, "/b");
        p.server.disconnect(b, false).unwrap();
        p.advance(ms(20_000));
        let events = p.take_client_events();
        assert_eq!(
            events,
            vec![
                ClientEvent::Disconnect {
                    nsp: "/b".into(),
                    reason: ClientDisconnectReason::IoServerDisconnect
                },
                ClientEvent::Close {
                    reason: EngineCloseReason::ForcedClose
                },
            ],
            "{transports:?}"
        );
    }
}

#[test]
fn a_refused_connect_is_not_retried() {
    for transports in ALL {
        let mut p = pair(transports);
        p.server.set_connect_middleware("/", true);
        p.client
            .connect(p.now, "/", Some(Bytes::from_static(br#"{"token":"bad"}"#)));
        p.drive();
        let (socket, auth) = p
            .take_server_events()
            .into_iter()
            .find_map(|e| match e {
                SocketEvent::ConnectRequest { socket, auth, .. } => Some((socket, auth)),
                _ => None,
            })
            .unwrap();
        assert_eq!(&auth[..], br#"{"token":"bad"}"#);
        p.server
            .refuse(socket, "nope", Some(serde_json::json!({"code": 4})))
            .unwrap();
        p.advance(ms(20_000));
        let events = p.take_client_events();
        assert!(events.contains(&ClientEvent::ConnectError {
            nsp: "/".into(),
            message: "nope".into(),
            data: Some(Bytes::from_static(br#"{"code":4}"#)),
            refused: true,
        }));
        assert!(
            !events
                .iter()
                .any(|e| matches!(e, ClientEvent::ReconnectAttempt(_))),
            "{events:?}"
        );
        assert!(!p.client.is_active("/"));
    }
}
