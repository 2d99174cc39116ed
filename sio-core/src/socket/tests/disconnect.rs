//! Leaving namespaces: client and server DISCONNECT, whole-session closes,
//! and how Engine.IO close reasons map to socket reasons.

use super::*;

fn gone(socket: SocketId, nsp: &str, reason: DisconnectReason) -> SocketEvent {
    SocketEvent::Disconnect {
        socket,
        nsp: nsp.into(),
        reason,
        kept: false,
    }
}

/// One WebSocket session with sockets in `/` and `/a`.
fn two_namespaces(t: &mut TestServer) -> (Ws, SocketId, SocketId) {
    t.io.add_namespace("/a");
    let (ws, main) = t.client("/");
    let a = t.connect(ws, "/a");
    (ws, main, a)
}

#[test]
fn client_namespace_disconnect_keeps_the_session() {
    let mut t = TestServer::new();
    let (ws, main, a) = two_namespaces(&mut t);
    t.io.join(a, "r").unwrap();
    t.text(ws, "41/a,");
    let out = t.drain();
    assert_eq!(
        out.events(),
        vec![gone(a, "/a", DisconnectReason::ClientNamespaceDisconnect)]
    );
    assert!(out.frames(ws.conn).is_empty());
    assert!(out.ws_closes(ws.conn).is_empty());
    assert!(!t.io.is_connected(a));
    assert!(t.io.sockets_of("/a").is_empty());
    assert!(t.io.select("/a", &BroadcastOp::all().to("r")).is_empty());
    assert!(t.io.engine().session(ws.sid).is_some());
    t.assert_echoes(ws, main);

    // The namespace can be joined again, as a new socket.
    let again = t.connect(ws, "/a");
    assert_ne!(again, a);
    t.text(ws, "41");
    assert_eq!(
        t.drain().events(),
        vec![gone(main, "/", DisconnectReason::ClientNamespaceDisconnect)]
    );
}

#[test]
fn server_namespace_disconnect() {
    let mut t = TestServer::new();
    let (ws, main, a) = two_namespaces(&mut t);
    t.io.disconnect(a, false).unwrap();
    let out = t.drain();
    assert_eq!(out.texts(ws.conn), vec!["41/a,"]);
    assert_eq!(
        out.events(),
        vec![gone(a, "/a", DisconnectReason::ServerNamespaceDisconnect)]
    );
    assert!(out.ws_closes(ws.conn).is_empty());
    assert!(t.io.engine().session(ws.sid).is_some());
    t.assert_echoes(ws, main);

    t.io.disconnect(main, false).unwrap();
    let out = t.drain();
    assert_eq!(out.texts(ws.conn), vec!["41"]);
    assert_eq!(
        out.events(),
        vec![gone(main, "/", DisconnectReason::ServerNamespaceDisconnect)]
    );
    assert_eq!(t.io.socket_count(), 0);
    // The session stays open with no namespace (the connect timeout is over).
    t.advance(secs(2));
    t.assert_idle();
}

#[test]
fn server_disconnect_with_close_ends_the_session() {
    let mut t = TestServer::new();
    let (ws, main, a) = two_namespaces(&mut t);
    let (other, s_other) = t.client("/");
    t.io.disconnect(main, true).unwrap();
    let out = t.drain();
    assert_eq!(out.texts(ws.conn), vec!["41", "41/a,"]);
    assert_eq!(out.ws_closes(ws.conn), vec![1000]);
    assert_eq!(
        out.events(),
        vec![
            gone(main, "/", DisconnectReason::ServerNamespaceDisconnect),
            gone(a, "/a", DisconnectReason::ServerNamespaceDisconnect),
        ]
    );
    assert!(t.io.engine().session(ws.sid).is_none());
    assert_eq!(t.io.socket_count(), 1);
    t.assert_echoes(other, s_other);
}

#[test]
fn websocket_closed_by_the_peer_is_a_transport_close() {
    let mut t = TestServer::new();
    let (ws, main, a) = two_namespaces(&mut t);
    t.conn_closed(ws.conn);
    let out = t.drain();
    assert_eq!(
        out.events(),
        vec![
            gone(main, "/", DisconnectReason::TransportClose),
            gone(a, "/a", DisconnectReason::TransportClose),
        ]
    );
    assert_eq!(t.io.socket_count(), 0);
    assert!(t.io.engine().session(ws.sid).is_none());
}

#[test]
fn engine_close_packet_is_a_transport_close() {
    let mut t = TestServer::new();
    let (ws, main) = t.client("/");
    t.text(ws, "1");
    let out = t.drain();
    assert_eq!(
        out.events(),
        vec![gone(main, "/", DisconnectReason::TransportClose)]
    );
    assert_eq!(out.ws_closes(ws.conn), vec![1000]);
}

#[test]
fn polling_request_aborted_is_a_transport_error() {
    let mut t = TestServer::new();
    let (sid, s) = t.polling_client("/");
    let get = t.get(sid);
    t.conn_closed(get);
    assert_eq!(
        t.drain().events(),
        vec![gone(s, "/", DisconnectReason::TransportError)]
    );
}

#[test]
fn missing_pong_is_a_ping_timeout() {
    let mut t = TestServer::new();
    let (quiet, s_quiet) = t.client("/");
    let (alive, s_alive) = t.client("/");
    t.advance(secs(10));
    let out = t.drain();
    assert_eq!(out.texts(quiet.conn), vec!["2"]);
    assert_eq!(out.texts(alive.conn), vec!["2"]);
    t.text(alive, "3");
    t.advance(ms(4999));
    t.assert_idle();
    t.advance(ms(1));
    let out = t.drain();
    assert_eq!(
        out.events(),
        vec![gone(s_quiet, "/", DisconnectReason::PingTimeout)]
    );
    assert_eq!(out.ws_closes(quiet.conn), vec![1000]);
    assert_eq!(t.elapsed(), secs(15));
    t.assert_echoes(alive, s_alive);
}

#[test]
fn shutdown_disconnects_every_socket() {
    let mut t = TestServer::new();
    let (ws, main, a) = two_namespaces(&mut t);
    let (other, s_other) = t.client("/");
    let (sid, s_poll) = t.polling_client("/");
    let get = t.get(sid);
    t.io.shutdown();
    let out = t.drain();
    assert_eq!(out.ws_closes(ws.conn), vec![1001]);
    assert_eq!(out.ws_closes(other.conn), vec![1001]);
    assert_eq!(out.body(get), "1", "the held poll gets a close packet");
    let mut events = out.events();
    let mut expected = vec![
        gone(main, "/", DisconnectReason::ServerShuttingDown),
        gone(a, "/a", DisconnectReason::ServerShuttingDown),
        gone(s_other, "/", DisconnectReason::ServerShuttingDown),
        gone(s_poll, "/", DisconnectReason::ServerShuttingDown),
    ];
    let key = |e: &SocketEvent| format!("{e:?}");
    events.sort_by_key(key);
    expected.sort_by_key(key);
    assert_eq!(events, expected);
    assert_eq!(t.io.socket_count(), 0);
    assert_eq!(t.io.engine().session_count(), 0);
}

#[test]
fn close_session_is_a_forced_server_close() {
    let mut t = TestServer::new();
    let (ws, main, a) = two_namespaces(&mut t);
    t.io.close_session(ws.sid);
    let out = t.drain();
    assert!(out.frames(ws.conn).is_empty(), "no DISCONNECT packets");
    assert_eq!(out.ws_closes(ws.conn), vec![1000]);
    assert_eq!(
        out.events(),
        vec![
            gone(main, "/", DisconnectReason::ForcedServerClose),
            gone(a, "/a", DisconnectReason::ForcedServerClose),
        ]
    );
}

#[test]
fn reason_strings_match_the_reference() {
    use DisconnectReason as R;
    for (reason, s) in [
        (R::ClientNamespaceDisconnect, "client namespace disconnect"),
        (R::ServerNamespaceDisconnect, "server namespace disconnect"),
        (R::TransportClose, "transport close"),
        (R::TransportError, "transport error"),
        (R::PingTimeout, "ping timeout"),
        (R::ParseError, "parse error"),
        (R::ServerShuttingDown, "server shutting down"),
        (R::ForcedServerClose, "forced server close"),
    ] {
        assert_eq!(reason.as_str(), s);
    }
}
