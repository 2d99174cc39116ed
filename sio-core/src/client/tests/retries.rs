//! `retries` (`specs/client.md` section 12) against the crate's
//! [`SioServer`], whose application answers the tries it chooses: one
//! packet in flight per namespace, in order, a new ack id per try,
//! `retries + 1` tries at most, a failed try sent again at once, the
//! head sent again after a reconnection, one [`AckId`] per emit.

use super::sio::{
    ALL, SioPair, ack, args, client_config, join, ms, pair_with, server_config, server_socket,
};
use crate::client::{
    AckError, AckId, ClientConfig, ClientError, ClientEvent, ClientProtocol, ClientTransports,
    EmitOptions,
};
use crate::socket::{SocketEvent, SocketId};
use std::time::Duration;

fn config(transports: ClientTransports, retries: u32, timeout: Option<Duration>) -> ClientConfig {
    let mut c = client_config(transports);
    c.retries = Some(retries);
    c.ack_timeout = timeout;
    c
}

/// A connected pair with these retry settings; the server's socket.
fn connected(
    transports: ClientTransports,
    retries: u32,
    timeout: Option<Duration>,
) -> (SioPair, SocketId) {
    let mut p = pair_with(config(transports, retries, timeout), server_config());
    let s = join(&mut p, "/", None);
    p.take_client_events();
    p.take_server_events();
    (p, s)
}

/// The events the server got: name, arguments and ack id.
fn asks(p: &mut SioPair) -> Vec<(String, String, Option<u64>)> {
    p.take_server_events()
        .into_iter()
        .filter_map(|e| match e {
            SocketEvent::Event {
                event, args, ack, ..
            } => Some((event, String::from_utf8_lossy(&args.json).into_owned(), ack)),
            _ => None,
        })
        .collect()
}

fn ask(event: &str, args: &str, id: u64) -> (String, String, Option<u64>) {
    (event.to_owned(), args.to_owned(), Some(id))
}

fn not_pings(events: Vec<ClientEvent>) -> Vec<ClientEvent> {
    events
        .into_iter()
        .filter(|e| *e != ClientEvent::Ping)
        .collect()
}

fn plain() -> EmitOptions {
    EmitOptions::default()
}

#[test]
fn one_in_flight_in_order_with_one_ack_id_per_emit() {
    for transports in ALL {
        let (mut p, s) = connected(transports, 2, Some(ms(1000)));
        let a = p.client.emit(p.now, "/", "a", args("[1]"), ack()).unwrap();
        let b = p
            .client
            .emit(p.now, "/", "b", args("[2]"), plain())
            .unwrap();
        let c = p.client.emit(p.now, "/", "c", args("[3]"), ack()).unwrap();
        // Application ids are the emits' own: b asked for none.
        assert_eq!((a, b, c), (Some(AckId(0)), None, Some(AckId(1))));
        assert_eq!(p.client.queued("/"), 3);
        p.drive();
        // Only the head is out.
        assert_eq!(asks(&mut p), vec![ask("a", "[1]", 0)], "{transports:?}");
        p.server.ack(s, 0, &args(r#"["A"]"#)).unwrap();
        p.drive();
        assert_eq!(
            p.take_client_events(),
            vec![ClientEvent::Ack {
                nsp: "/".into(),
                id: AckId(0),
                args: args(r#"["A"]"#)
            }]
        );
        // The next one carries an ack id on the wire although the
        // application asked for none: the server must answer it.
        assert_eq!(asks(&mut p), vec![ask("b", "[2]", 1)]);
        p.server.ack(s, 1, &args("[]")).unwrap();
        p.drive();
        assert!(p.take_client_events().is_empty());
        assert_eq!(asks(&mut p), vec![ask("c", "[3]", 2)]);
        // Whatever the first argument is, an ack is a success.
        p.server.ack(s, 2, &args(r#"["not an error",4]"#)).unwrap();
        p.drive();
        assert_eq!(
            p.take_client_events(),
            vec![ClientEvent::Ack {
                nsp: "/".into(),
                id: AckId(1),
                args: args(r#"["not an error",4]"#)
            }]
        );
        assert_eq!(p.client.queued("/"), 0);
        assert!(asks(&mut p).is_empty());
    }
}

#[test]
fn a_try_the_server_does_not_answer_is_sent_again_with_a_new_id() {
    for transports in ALL {
        let (mut p, s) = connected(transports, 3, Some(ms(1000)));
        let id = p.client.emit(p.now, "/", "q", args("[7]"), ack()).unwrap();
        p.drive();
        // The server's application ignores the first try.
        assert_eq!(asks(&mut p), vec![ask("q", "[7]", 0)]);
        p.advance(ms(999));
        assert!(asks(&mut p).is_empty());
        p.advance(ms(1));
        // Timed out: sent again at once, with a new id; the application
        // is not told.
        assert_eq!(asks(&mut p), vec![ask("q", "[7]", 1)], "{transports:?}");
        let events = p.take_client_events();
        assert!(
            !events
                .iter()
                .any(|e| matches!(e, ClientEvent::AckError { .. } | ClientEvent::Ack { .. })),
            "{events:?}"
        );
        // A late answer to the first try is a "bad ack".
        p.server.ack(s, 0, &args(r#"["late"]"#)).unwrap();
        p.drive();
        assert!(
            !p.take_client_events()
                .iter()
                .any(|e| matches!(e, ClientEvent::Ack { .. }))
        );
        p.server.ack(s, 1, &args(r#"["ok"]"#)).unwrap();
        p.drive();
        assert_eq!(
            p.take_client_events(),
            vec![ClientEvent::Ack {
                nsp: "/".into(),
                id: id.unwrap(),
                args: args(r#"["ok"]"#)
            }]
        );
        // Nothing more is sent.
        p.advance(ms(5000));
        assert!(asks(&mut p).is_empty());
    }
}

#[test]
fn tries_are_used_up_after_retries_plus_one_then_the_next_goes() {
    let (mut p, s) = connected(ClientTransports::WebSocket, 2, Some(ms(1000)));
    // The emit's own timeout wins over the config's.
    let own = EmitOptions {
        ack: true,
        timeout: Some(ms(500)),
        ..EmitOptions::default()
    };
    let lost = p.client.emit(p.now, "/", "lost", args("[]"), own).unwrap();
    let next = p
        .client
        .emit(p.now, "/", "next", args("[]"), ack())
        .unwrap();
    p.drive();
    let mut seen = Vec::new();
    for _ in 0..3 {
        seen.extend(asks(&mut p));
        p.advance(ms(500));
    }
    // Three tries, 500 ms apart, then the next entry at once.
    assert_eq!(
        seen,
        vec![
            ask("lost", "[]", 0),
            ask("lost", "[]", 1),
            ask("lost", "[]", 2)
        ]
    );
    assert_eq!(asks(&mut p), vec![ask("next", "[]", 3)]);
    assert_eq!(
        not_pings(p.take_client_events()),
        vec![ClientEvent::AckError {
            nsp: "/".into(),
            id: lost.unwrap(),
            error: AckError::Timeout
        }]
    );
    p.server.ack(s, 3, &args("[]")).unwrap();
    p.drive();
    assert_eq!(
        not_pings(p.take_client_events()),
        vec![ClientEvent::Ack {
            nsp: "/".into(),
            id: next.unwrap(),
            args: args("[]")
        }]
    );
    assert_eq!(p.client.queued("/"), 0);
}

#[test]
fn a_reconnection_sends_the_pending_head_again() {
    for transports in ALL {
        // No timeout: the lost try is forgotten silently at the
        // disconnection, and its entry sent again after the reconnection.
        let (mut p, _) = connected(transports, 1, None);
        let id = p.client.emit(p.now, "/", "q", args("[1]"), ack()).unwrap();
        p.client
            .emit(p.now, "/", "later", args("[2]"), plain())
            .unwrap();
        p.drive();
        assert_eq!(asks(&mut p), vec![ask("q", "[1]", 0)]);
        p.drop_links();
        assert!(p.advance_until(ms(5000), ms(10), |e| {
            e.iter().any(|e| matches!(e, ClientEvent::Connect { .. }))
        }));
        let events = p.take_client_events();
        assert!(
            !events
                .iter()
                .any(|e| matches!(e, ClientEvent::AckError { .. })),
            "{events:?}"
        );
        let s = server_socket(&p.server_events, "/");
        assert_eq!(asks(&mut p), vec![ask("q", "[1]", 1)], "{transports:?}");
        // Answering the new try completes the emit, and the next goes.
        p.server.ack(s, 1, &args(r#"["ok"]"#)).unwrap();
        p.drive();
        assert_eq!(
            p.take_client_events(),
            vec![ClientEvent::Ack {
                nsp: "/".into(),
                id: id.unwrap(),
                args: args(r#"["ok"]"#)
            }]
        );
        assert_eq!(asks(&mut p), vec![ask("later", "[2]", 2)]);
    }
}

#[test]
fn with_a_timeout_a_disconnection_is_a_failed_try() {
    let (mut p, _) = connected(ClientTransports::WebSocket, 1, Some(ms(10_000)));
    let id = p.client.emit(p.now, "/", "q", args("[]"), ack()).unwrap();
    p.drive();
    assert_eq!(asks(&mut p), vec![ask("q", "[]", 0)]);
    // Try 1 fails with the disconnection; try 2 goes after the
    // reconnection, before the application hears of the connect.
    p.drop_links();
    assert!(p.advance_until(ms(5000), ms(10), |e| {
        e.iter().any(|e| matches!(e, ClientEvent::Connect { .. }))
    }));
    assert_eq!(asks(&mut p), vec![ask("q", "[]", 1)]);
    assert!(
        !p.take_client_events()
            .iter()
            .any(|e| matches!(e, ClientEvent::AckError { .. }))
    );
    // Try 2 fails the same way: used up.
    p.drop_links();
    let events = p.take_client_events();
    assert!(
        events.contains(&ClientEvent::AckError {
            nsp: "/".into(),
            id: id.unwrap(),
            error: AckError::Disconnected
        }),
        "{events:?}"
    );
    assert_eq!(p.client.queued("/"), 0);
    assert!(p.advance_until(ms(5000), ms(10), |e| {
        e.iter().any(|e| matches!(e, ClientEvent::Connect { .. }))
    }));
    assert!(asks(&mut p).is_empty());
}

#[test]
fn emits_wait_in_the_queue_until_connected_and_the_queue_is_bounded() {
    for transports in ALL {
        let mut c = config(transports, 1, Some(ms(5000)));
        c.max_buffered_packets = 2;
        let mut p = pair_with(c, server_config());
        p.client.connect(p.now, "/", None);
        let a = p.client.emit(p.now, "/", "a", args("[]"), ack()).unwrap();
        p.client.emit(p.now, "/", "b", args("[]"), plain()).unwrap();
        assert_eq!(
            p.client.emit(p.now, "/", "c", args("[]"), ack()),
            Err(ClientError::SendBufferFull("/".into()))
        );
        // The queue is not the send buffer.
        assert_eq!((p.client.queued("/"), p.client.buffered("/")), (2, 0));
        p.drive();
        let s = server_socket(&p.server_events, "/");
        assert_eq!(asks(&mut p), vec![ask("a", "[]", 0)], "{transports:?}");
        p.server.ack(s, 0, &args("[]")).unwrap();
        p.drive();
        assert!(p.take_client_events().contains(&ClientEvent::Ack {
            nsp: "/".into(),
            id: a.unwrap(),
            args: args("[]")
        }));
        assert_eq!(asks(&mut p), vec![ask("b", "[]", 1)]);
    }
}

#[test]
fn volatile_emits_bypass_the_queue() {
    let (mut p, _) = connected(ClientTransports::WebSocket, 2, None);
    p.client.emit(p.now, "/", "a", args("[]"), ack()).unwrap();
    let volatile = EmitOptions {
        volatile: true,
        ..EmitOptions::default()
    };
    let v = p
        .client
        .emit(p.now, "/", "v", args("[]"), volatile)
        .unwrap();
    assert_eq!(v, None);
    let va = p
        .client
        .emit(
            p.now,
            "/",
            "va",
            args("[]"),
            EmitOptions {
                ack: true,
                ..volatile
            },
        )
        .unwrap();
    // Its own application id after the queued emit's.
    assert_eq!(va, Some(AckId(1)));
    p.drive();
    assert_eq!(
        asks(&mut p),
        vec![
            ask("a", "[]", 0),
            ("v".into(), "[]".into(), None),
            ask("va", "[]", 1)
        ]
    );
    assert_eq!(p.client.queued("/"), 1);
}

#[test]
fn leaving_fails_every_queued_emit_that_asked() {
    let (mut p, _) = connected(ClientTransports::WebSocket, 2, None);
    let a = p.client.emit(p.now, "/", "a", args("[]"), ack()).unwrap();
    p.client.emit(p.now, "/", "b", args("[]"), plain()).unwrap();
    let c = p.client.emit(p.now, "/", "c", args("[]"), ack()).unwrap();
    p.drive();
    p.client.disconnect(p.now, "/").unwrap();
    p.drive();
    let errors: Vec<AckId> = p
        .take_client_events()
        .into_iter()
        .filter_map(|e| match e {
            ClientEvent::AckError {
                id,
                error: AckError::Disconnected,
                ..
            } => Some(id),
            _ => None,
        })
        .collect();
    assert_eq!(errors, vec![a.unwrap(), c.unwrap()]);
    assert_eq!(p.client.queued("/"), 0);
}

#[test]
fn retries_zero_is_off() {
    let (mut p, _) = connected(ClientTransports::WebSocket, 0, None);
    p.client.emit(p.now, "/", "a", args("[]"), plain()).unwrap();
    p.client.emit(p.now, "/", "b", args("[]"), plain()).unwrap();
    p.drive();
    assert_eq!(
        asks(&mut p),
        vec![
            ("a".into(), "[]".into(), None),
            ("b".into(), "[]".into(), None)
        ]
    );
    assert_eq!(p.client.queued("/"), 0);
}

#[test]
fn a_zero_timeout_retries_once_a_millisecond() {
    // As Node's setTimeout(.., 0): the adapter is not asked to spin.
    let (mut p, _) = connected(ClientTransports::WebSocket, 3, Some(Duration::ZERO));
    let id = p.client.emit(p.now, "/", "z", args("[]"), ack()).unwrap();
    p.drive();
    let start = p.now;
    let mut tries = asks(&mut p).len();
    while p.client.queued("/") > 0 {
        let next = p.client.poll_timeout().unwrap();
        assert!(next > p.now, "a deadline in the past or now");
        p.advance(next - p.now);
        tries += asks(&mut p).len();
    }
    assert_eq!(tries, 4);
    assert_eq!(p.now - start, ms(4));
    assert!(p.take_client_events().contains(&ClientEvent::AckError {
        nsp: "/".into(),
        id: id.unwrap(),
        error: AckError::Timeout
    }));
}
