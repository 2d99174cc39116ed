//! The send buffer as `specs/client.md` sections 5 and 8 have it: an
//! emit after the heartbeat's deadline passed (its timer came late) goes
//! to the send buffer and a ping-timeout close follows; buffered packets
//! reach the transport before the application hears of the connect.

use super::sio::{
    ALL, SioPair, ack, args, client_config, join, ms, pair_with, server_config, server_got,
    server_socket,
};
use crate::client::{
    AckId, ClientDisconnectReason, ClientEvent, ClientTransports, EmitOptions, EngineCloseReason,
};

/// The index in the client's output log of the first entry containing
/// `needle`.
fn first(p: &SioPair, needle: &str) -> usize {
    p.client_log
        .iter()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no {needle} in {:#?}", p.client_log))
}

#[test]
fn an_emit_after_the_ping_deadline_is_buffered_and_closes() {
    for transports in ALL {
        let mut p = pair_with(client_config(transports), server_config());
        let s = join(&mut p, "/", None);
        p.take_client_events();
        p.take_server_events();
        // The process was suspended: the clock jumps past pingInterval +
        // pingTimeout (1 s + 500 ms) with no timer run.
        p.now += ms(1600);
        let sent_before = p.client_log.len();
        let id = p
            .client
            .emit(p.now, "/", "late", args(r#"["x"]"#), ack())
            .unwrap();
        assert_eq!(id, Some(AckId(0)));
        assert_eq!(p.client.buffered("/"), 1, "{transports:?}");
        assert!(!p.client.is_connected("/"));
        p.drive();
        // Nothing of it went on the wire; the connection closed with
        // "ping timeout" at once.
        assert!(
            !p.client_log[sent_before..]
                .iter()
                .any(|l| l.contains("late")),
            "{:#?}",
            &p.client_log[sent_before..]
        );
        assert_eq!(
            p.take_client_events(),
            vec![
                ClientEvent::Disconnect {
                    nsp: "/".into(),
                    reason: ClientDisconnectReason::PingTimeout
                },
                ClientEvent::Close {
                    reason: EngineCloseReason::PingTimeout
                },
            ],
            "{transports:?}"
        );
        assert!(server_got(&p.take_server_events(), "late").is_empty());
        // The reconnection delivers it once, and its ack survived (the
        // packet was still buffered at the disconnection).
        assert!(p.advance_until(ms(5000), ms(10), |e| {
            e.iter().any(|e| matches!(e, ClientEvent::Connect { .. }))
        }));
        assert_eq!(p.client.buffered("/"), 0);
        let server = p.take_server_events();
        assert_eq!(server_got(&server, "late"), vec![r#"["x"]"#]);
        let s2 = server_socket(&server, "/");
        assert_ne!(s, s2, "a new session");
        p.server.ack(s2, 0, &args("[1]")).unwrap();
        p.drive();
        assert!(p.take_client_events().contains(&ClientEvent::Ack {
            nsp: "/".into(),
            id: AckId(0),
            args: args("[1]")
        }));
    }
}

#[test]
fn a_volatile_emit_after_the_ping_deadline_is_buffered_too() {
    let mut p = pair_with(
        client_config(crate::client::ClientTransports::WebSocket),
        server_config(),
    );
    join(&mut p, "/", None);
    p.take_client_events();
    p.now += ms(1600);
    // The WebSocket could take it, so a volatile emit is not dropped; the
    // connection is dead, so it is buffered as any other (the official
    // `discardPacket` tests the transport only).
    let volatile = EmitOptions {
        volatile: true,
        ..EmitOptions::default()
    };
    p.client
        .emit(p.now, "/", "v", args("[]"), volatile)
        .unwrap();
    assert_eq!(p.client.buffered("/"), 1);
    p.drive();
    assert!(p.take_client_events().contains(&ClientEvent::Close {
        reason: EngineCloseReason::PingTimeout
    }));
}

#[test]
fn buffered_packets_go_out_before_the_connect_event() {
    for transports in ALL {
        let mut p = pair_with(client_config(transports), server_config());
        p.client.connect(p.now, "/", None);
        for i in 0..2 {
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
        p.drive();
        let connect = first(&p, "EVENT Connect");
        let e0 = first(&p, r#"42["e",0]"#);
        let e1 = first(&p, r#"42["e",1]"#);
        assert!(e0 < connect, "{transports:?}: {:#?}", p.client_log);
        if transports == ClientTransports::WebSocket {
            assert!(e0 < e1 && e1 < connect, "{:#?}", p.client_log);
        } else {
            // The reply came over polling: one POST at a time
            // (engine.io-client's `writable`): the first took the
            // transport, the second waits in the engine's write buffer
            // for its answer, as in the official client.
            assert!(connect < e1, "{transports:?}: {:#?}", p.client_log);
        }
        // And they left after the CONNECT reply came, not before.
        assert!(first(&p, "40") < e0);
        assert_eq!(server_got(&p.take_server_events(), "e"), vec!["[0]", "[1]"]);
    }
}
