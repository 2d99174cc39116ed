//! Reconnection (delays checked against backo2's formula with the
//! client's own draws), connection state recovery against a server with
//! recovery on, giving up, and bad server input.

use super::sio::{args, client_config, join, ms, pair_with, server_config, server_socket};
use crate::client::backoff::{Rng, delay_for};
use crate::client::{
    ClientDisconnectReason, ClientEvent, ClientInput, ClientOutput, ClientProtocol,
    ClientTransports, EngineCloseReason, SioClient,
};
use crate::engine::WsFrame;
use crate::socket::{BroadcastOp, RecoveryConfig, ServerConfig, SocketEvent};
use bytes::Bytes;
use std::time::Duration;

/// Steps the clock 1 ms at a time until a client event matches; the time
/// it took.
fn time_until(p: &mut super::sio::SioPair, pred: impl Fn(&ClientEvent) -> bool) -> Duration {
    let start = p.now;
    assert!(
        p.advance_until(ms(60_000), ms(1), |e| e.iter().any(&pred)),
        "never: {:?}",
        p.client_events
    );
    p.now - start
}

#[test]
fn reconnection_delays_follow_the_formula() {
    let mut p = pair_with(client_config(ClientTransports::WebSocket), server_config());
    join(&mut p, "/", None);
    p.take_client_events();
    let mut rng = Rng::new(42);
    let expected: Vec<Duration> = (0..3)
        .map(|attempts| delay_for(ms(1000), ms(5000), 0.5, attempts, rng.next_f64()))
        .collect();
    // The network drops; then the server is unreachable for two attempts.
    p.drop_links();
    p.server_silent = true;
    let d1 = time_until(&mut p, |e| *e == ClientEvent::ReconnectAttempt(1));
    let open1 = time_until(&mut p, |e| matches!(e, ClientEvent::ReconnectError(_)));
    let d2 = time_until(&mut p, |e| *e == ClientEvent::ReconnectAttempt(2));
    // The second attempt times out as the first did.
    p.advance(ms(1000));
    p.server_silent = false;
    let d3 = time_until(&mut p, |e| *e == ClientEvent::ReconnectAttempt(3));
    time_until(&mut p, |e| matches!(e, ClientEvent::Connect { .. }));
    assert_eq!(open1, ms(1000), "the connect timeout");
    assert_eq!([d1, d2, d3], [expected[0], expected[1], expected[2]]);
    assert!((ms(551)..=ms(1499)).contains(&d1), "{d1:?}");
    assert!((ms(1101)..=ms(2999)).contains(&d2), "{d2:?}");
    assert!((ms(2201)..=ms(5000)).contains(&d3), "{d3:?}");
    let events = p.take_client_events();
    let timeout = |n: u32| {
        vec![
            ClientEvent::ReconnectAttempt(n),
            ClientEvent::ConnectError {
                nsp: "/".into(),
                message: "timeout".into(),
                data: None,
                refused: false,
            },
            ClientEvent::ReconnectError("timeout".into()),
        ]
    };
    let mut want = vec![
        ClientEvent::Disconnect {
            nsp: "/".into(),
            reason: ClientDisconnectReason::TransportClose,
        },
        ClientEvent::Close {
            reason: EngineCloseReason::TransportClose,
        },
    ];
    want.extend(timeout(1));
    want.extend(timeout(2));
    want.extend([
        ClientEvent::ReconnectAttempt(3),
        ClientEvent::Open,
        ClientEvent::Reconnect(3),
    ]);
    assert_eq!(events[..want.len()], want[..]);
    assert!(matches!(
        &events[want.len()],
        ClientEvent::Connect {
            recovered: false,
            ..
        }
    ));
    // Reset on success: the next loss starts again at attempt 1.
    p.drop_links();
    time_until(&mut p, |e| *e == ClientEvent::ReconnectAttempt(1));
}

#[test]
fn the_first_connection_retries_then_gives_up() {
    let mut c = client_config(ClientTransports::Polling);
    c.reconnection_attempts = Some(2);
    let mut p = pair_with(c, server_config());
    p.server_silent = true;
    p.client.connect(p.now, "/", None);
    p.advance(ms(60_000));
    let events = p.take_client_events();
    let error = ClientEvent::ConnectError {
        nsp: "/".into(),
        message: "timeout".into(),
        data: None,
        refused: false,
    };
    assert_eq!(
        events,
        vec![
            error.clone(),
            ClientEvent::ReconnectAttempt(1),
            error.clone(),
            ClientEvent::ReconnectError("timeout".into()),
            ClientEvent::ReconnectAttempt(2),
            error,
            ClientEvent::ReconnectFailed,
            ClientEvent::ReconnectError("timeout".into()),
        ]
    );
    assert_eq!(p.client.poll_timeout(), None);
    // The namespace is still open: connecting again starts over.
    assert!(p.client.is_active("/"));
}

fn recovery_server() -> ServerConfig {
    ServerConfig {
        recovery: Some(RecoveryConfig::default()),
        ..server_config()
    }
}

/// The ticks the client got, in order.
fn ticks(events: &[ClientEvent]) -> Vec<u64> {
    events
        .iter()
        .filter_map(|e| match e {
            ClientEvent::Event { event, args, .. } if event == "tick" => {
                let v: Vec<serde_json::Value> = serde_json::from_slice(&args.json).unwrap();
                v[0].as_u64()
            }
            _ => None,
        })
        .collect()
}

#[test]
fn recovery_replays_what_was_missed_exactly_once() {
    for transports in [ClientTransports::WebSocket, ClientTransports::Upgrade] {
        let mut p = pair_with(client_config(transports), recovery_server());
        let s = join(&mut p, "/", Some(r#"{"user":"u"}"#));
        let mut got = Vec::new();
        let tick = |p: &mut super::sio::SioPair, n: u64| {
            p.server
                .broadcast("/", &BroadcastOp::all(), "tick", &args(&format!("[{n}]")))
                .unwrap();
            p.drive();
        };
        for n in 0..3 {
            tick(&mut p, n);
        }
        let events = p.take_client_events();
        got.extend(ticks(&events));
        // The link drops; ticks go on while the client is away.
        p.drop_links();
        for n in 3..6 {
            tick(&mut p, n);
        }
        p.take_server_events();
        time_until(&mut p, |e| matches!(e, ClientEvent::Connect { .. }));
        let events = p.take_client_events();
        assert!(
            events.contains(&ClientEvent::Connect {
                nsp: "/".into(),
                id: s.as_str().to_owned(),
                recovered: true,
            }),
            "{events:?}"
        );
        got.extend(ticks(&events));
        let server = p.take_server_events();
        assert!(server.iter().any(|e| matches!(
            e,
            SocketEvent::Connect { socket, recovered: true, auth, .. } if *socket == s && auth.starts_with(br#"{"pid":""#) && auth.ends_with(br#","user":"u"}"#)
        )), "{server:?}");
        for n in 6..9 {
            tick(&mut p, n);
        }
        got.extend(ticks(&p.take_client_events()));
        assert_eq!(got, (0..9).collect::<Vec<_>>(), "{transports:?}");
        // Offsets stay visible as the last argument.
        tick(&mut p, 9);
        let events = p.take_client_events();
        let ClientEvent::Event { args, .. } = &events[0] else {
            panic!("{events:?}")
        };
        let v: Vec<serde_json::Value> = serde_json::from_slice(&args.json).unwrap();
        assert!(v.len() == 2 && v[1].is_string());
    }
}

#[test]
fn a_new_session_when_the_server_forgot() {
    let mut p = pair_with(
        client_config(ClientTransports::WebSocket),
        recovery_server(),
    );
    let s = join(&mut p, "/", None);
    // No pid on a server without recovery: recovered stays false. Here
    // the server has it; restart the server (a new one forgets).
    p.server = crate::socket::SioServer::new(recovery_server(), [8; 32]);
    p.drop_links();
    time_until(&mut p, |e| matches!(e, ClientEvent::Connect { .. }));
    let events = p.take_client_events();
    let recovered = events.iter().find_map(|e| match e {
        ClientEvent::Connect { id, recovered, .. } => Some((id.clone(), *recovered)),
        _ => None,
    });
    let (id, recovered) = recovered.unwrap();
    assert!(!recovered);
    assert_eq!(id, server_socket(&p.server_events, "/").as_str());
    let _ = s;
}

/// A WebSocket-only client past its handshake and `/` connected, driven
/// by hand: (client, its WebSocket).
fn scripted() -> (SioClient, std::time::Instant, crate::ConnId) {
    let (mut c, now, conn) = super::ws_opened(client_config(ClientTransports::WebSocket));
    for f in [
        &br#"0{"sid":"E1","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000}"#[..],
        br#"40{"sid":"S1"}"#,
    ] {
        super::server_text(&mut c, now, conn, f);
    }
    let outs: Vec<_> = std::iter::from_fn(|| c.poll_output()).collect();
    assert!(
        outs.iter()
            .any(|o| matches!(o, ClientOutput::Event(ClientEvent::Connect { .. })))
    );
    (c, now, conn)
}

#[test]
fn bad_server_input_closes_with_parse_error_and_reconnects() {
    let bad: [&[u8]; 5] = [
        b"4[[",
        b"49",
        br#"42{"not":"an array"}"#,
        br#"411-["x",{"_placeholder":true,"num":0}]"#,
        b"\xff",
    ];
    for frame in bad {
        let (mut c, now, conn) = scripted();
        c.handle(
            now,
            ClientInput::WsFrame {
                conn,
                frame: WsFrame::Text(Bytes::copy_from_slice(frame)),
            },
        );
        let outs: Vec<_> = std::iter::from_fn(|| c.poll_output()).collect();
        let events: Vec<_> = outs
            .iter()
            .filter_map(|o| match o {
                ClientOutput::Event(e) => Some(e.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(events.len(), 2, "{frame:?}: {events:?}");
        assert_eq!(
            events[0],
            ClientEvent::Disconnect {
                nsp: "/".into(),
                reason: ClientDisconnectReason::ParseError
            }
        );
        assert!(matches!(
            &events[1],
            ClientEvent::Close {
                reason: EngineCloseReason::ParseError(_)
            }
        ));
        assert!(
            outs.iter()
                .any(|o| matches!(o, ClientOutput::WsClose { .. }))
        );
        assert!(c.poll_timeout().is_some(), "a reconnection is scheduled");
    }
    // A binary frame with no packet waiting for it.
    let (mut c, now, conn) = scripted();
    c.handle(
        now,
        ClientInput::WsFrame {
            conn,
            frame: WsFrame::Binary(Bytes::from_static(b"x")),
        },
    );
    let outs: Vec<_> = std::iter::from_fn(|| c.poll_output()).collect();
    assert!(outs.iter().any(|o| matches!(
        o,
        ClientOutput::Event(ClientEvent::Disconnect {
            reason: ClientDisconnectReason::ParseError,
            ..
        })
    )));
}

#[test]
fn a_v2_style_reply_is_a_connect_error() {
    let mut c = SioClient::new(client_config(ClientTransports::WebSocket), 1);
    let now = std::time::Instant::now();
    c.connect(now, "/", None);
    let conn = crate::ConnId(1);
    c.handle(now, ClientInput::WsOpened { conn });
    for f in [
        &br#"0{"sid":"E1","upgrades":[],"pingInterval":25000,"pingTimeout":20000}"#[..],
        b"40",
        br#"43["ack for nobody"]"#,
        br#"42/other,["for nobody"]"#,
    ] {
        c.handle(
            now,
            ClientInput::WsFrame {
                conn,
                frame: WsFrame::Text(Bytes::copy_from_slice(f)),
            },
        );
    }
    let events: Vec<_> = std::iter::from_fn(|| c.poll_output())
        .filter_map(|o| match o {
            ClientOutput::Event(e) => Some(e),
            _ => None,
        })
        .collect();
    assert_eq!(events.len(), 2, "{events:?}");
    assert!(
        matches!(&events[1], ClientEvent::ConnectError { message, data: None, .. } if message.contains("v2.x"))
    );
}
