//! Joining namespaces: CONNECT, auth payloads, undeclared and dynamic
//! namespaces, connect middleware, the connect timeout.

use super::*;
use serde_json::json;

#[test]
fn connect_to_main_namespace() {
    let mut t = TestServer::new();
    let ws = t.open_ws();
    t.text(ws, "40");
    let out = t.drain();
    let texts = out.texts(ws.conn);
    assert_eq!(texts.len(), 1);
    let socket = parse_grant(&texts[0], "/");
    assert_eq!(texts[0], format!(r#"40{{"sid":"{socket}"}}"#));
    assert_eq!(
        out.events(),
        vec![SocketEvent::Connect {
            socket,
            nsp: "/".into(),
            auth: Bytes::from_static(b"{}"),
            recovered: false,
        }]
    );
    assert!(out.ws_closes(ws.conn).is_empty());
    assert!(t.io.is_connected(socket));
    assert_eq!(t.io.socket_count(), 1);
    assert_eq!(t.io.sockets_of("/"), vec![socket]);
    let (nsp, engine_sid, auth) = t.io.socket_info(socket).expect("connected");
    assert_eq!((nsp, engine_sid, &auth[..]), ("/", ws.sid, &b"{}"[..]));
    let handshake = t.io.handshake_of(socket).expect("connected");
    assert_eq!(handshake.query(), "EIO=4&transport=websocket");
}

#[test]
fn connect_carries_auth() {
    let mut t = TestServer::new();
    t.io.add_namespace("/custom");
    let ws = t.open_ws();
    t.text(ws, r#"40{"token":"x"}"#);
    let out = t.drain();
    let socket = out.granted(ws.conn, "/");
    assert_eq!(
        out.events(),
        vec![SocketEvent::Connect {
            socket,
            nsp: "/".into(),
            auth: Bytes::from_static(br#"{"token":"x"}"#),
            recovered: false,
        }]
    );
    assert_eq!(
        &t.io.socket_info(socket).unwrap().2[..],
        br#"{"token":"x"}"#
    );

    t.text(ws, r#"40/custom,{"token":"y","n":[1]}"#);
    let out = t.drain();
    let custom = out.granted(ws.conn, "/custom");
    assert_eq!(
        out.events(),
        vec![SocketEvent::Connect {
            socket: custom,
            nsp: "/custom".into(),
            auth: Bytes::from_static(br#"{"token":"y","n":[1]}"#),
            recovered: false,
        }]
    );
}

#[test]
fn undeclared_namespace_is_refused_until_declared() {
    let mut t = TestServer::new();
    let ws = t.open_ws();
    t.text(ws, "40/custom,");
    let out = t.drain();
    assert_eq!(
        out.texts(ws.conn),
        vec![r#"44/custom,{"message":"Invalid namespace"}"#]
    );
    assert!(out.events().is_empty(), "{out:#?}");
    assert!(out.ws_closes(ws.conn).is_empty(), "the session stays");
    assert!(t.io.sockets_of("/custom").is_empty());

    t.io.add_namespace("/custom");
    t.io.add_namespace("/custom"); // idempotent
    let socket = t.connect(ws, "/custom");
    assert_eq!(t.io.sockets_of("/custom"), vec![socket]);
    assert_eq!(t.io.namespace_parent("/custom"), None);
}

#[test]
fn dynamic_namespaces() {
    let mut t = TestServer::new();
    let dyn_index =
        t.io.add_dynamic_namespace(Box::new(|n| n.starts_with("/dyn-")));
    let other =
        t.io.add_dynamic_namespace(Box::new(|n| n.starts_with("/room-")));
    assert_eq!((dyn_index, other), (0, 1));
    assert_eq!(t.io.namespace_parent("/dyn-1"), None, "not created yet");

    let ws = t.open_ws();
    let a = t.connect(ws, "/dyn-1");
    assert_eq!(t.io.namespace_parent("/dyn-1"), Some(dyn_index));
    assert_eq!(t.io.sockets_of("/dyn-1"), vec![a]);
    let b = t.connect(ws, "/room-9");
    assert_eq!(t.io.namespace_parent("/room-9"), Some(other));
    assert_ne!(a, b);
    assert_eq!(t.io.namespace_parent("/"), None);

    // A second client joins the existing child.
    let (_, c) = t.client("/dyn-1");
    assert_eq!(t.io.sockets_of("/dyn-1").len(), 2);
    assert!(t.io.sockets_of("/dyn-1").contains(&c));
    let (_, _) = t.client("/dyn-0");
    assert_eq!(t.io.dynamic_children(dyn_index), vec!["/dyn-0", "/dyn-1"]);
    assert_eq!(t.io.dynamic_children(other), vec!["/room-9"]);
    assert!(t.io.dynamic_children(7).is_empty());

    t.text(ws, "40/nope,");
    let out = t.drain();
    assert_eq!(
        out.texts(ws.conn),
        vec![r#"44/nope,{"message":"Invalid namespace"}"#]
    );
    assert_eq!(t.io.namespace_parent("/nope"), None);
    // The child can be broadcast to like any namespace.
    let n =
        t.io.broadcast("/dyn-1", &BroadcastOp::all(), "hi", &args("[]"));
    assert_eq!(n, Ok(2));
    assert_eq!(t.drain().texts(ws.conn), vec![r#"42/dyn-1,["hi"]"#]);
}

#[test]
fn several_namespaces_on_one_session() {
    let mut t = TestServer::new();
    t.io.add_namespace("/a");
    t.io.add_namespace("/b");
    let ws = t.open_ws();
    let main = t.connect(ws, "/");
    let a = t.connect(ws, "/a");
    let b = t.connect(ws, "/b");
    assert!(main != a && a != b && main != b);
    assert_eq!(t.io.socket_count(), 3);
    for (s, nsp) in [(main, "/"), (a, "/a"), (b, "/b")] {
        let (n, sid, _) = t.io.socket_info(s).unwrap();
        assert_eq!((n, sid), (nsp, ws.sid));
    }

    t.text(ws, r#"42/a,["x",1]"#);
    t.text(ws, r#"42["y"]"#);
    let out = t.drain();
    assert_eq!(
        out.events(),
        vec![
            SocketEvent::Event {
                socket: a,
                event: "x".into(),
                args: args("[1]"),
                ack: None,
            },
            SocketEvent::Event {
                socket: main,
                event: "y".into(),
                args: args("[]"),
                ack: None,
            },
        ]
    );
    t.io.emit(b, "z", &args("[true]")).unwrap();
    t.io.emit(main, "z", &args("[false]")).unwrap();
    assert_eq!(
        t.drain().texts(ws.conn),
        vec![r#"42/b,["z",true]"#, r#"42["z",false]"#]
    );
}

#[test]
fn middleware_accept() {
    let mut t = TestServer::new();
    t.io.set_connect_middleware("/admin", true);
    let ws = t.open_ws();
    t.text(ws, r#"40/admin,{"token":"t"}"#);
    let out = t.drain();
    let [SocketEvent::ConnectRequest { socket, nsp, auth }] = &out.events()[..] else {
        panic!("one ConnectRequest: {out:#?}");
    };
    let socket = *socket;
    assert_eq!(
        (nsp.as_str(), &auth[..]),
        ("/admin", &br#"{"token":"t"}"#[..])
    );
    assert!(
        out.frames(ws.conn).is_empty(),
        "nothing sent before the decision"
    );
    assert!(!t.io.is_connected(socket));
    assert!(t.io.sockets_of("/admin").is_empty());
    let handshake = t.io.handshake_of(socket).expect("pending sockets have one");
    assert_eq!(handshake.path(), "/socket.io/");

    // Time passes while the application decides: still nothing.
    t.advance(ms(500));
    t.assert_idle();

    t.io.accept(socket).unwrap();
    let out = t.drain();
    assert_eq!(
        out.texts(ws.conn),
        vec![format!(r#"40/admin,{{"sid":"{socket}"}}"#)]
    );
    assert_eq!(
        out.events(),
        vec![SocketEvent::Connect {
            socket,
            nsp: "/admin".into(),
            auth: Bytes::from_static(br#"{"token":"t"}"#),
            recovered: false,
        }]
    );
    assert!(t.io.is_connected(socket));
    assert_eq!(t.io.accept(socket), Err(SioError::UnknownSocket(socket)));

    // Other namespaces have no middleware.
    t.connect(ws, "/");
}

#[test]
fn middleware_refuse() {
    let mut t = TestServer::new();
    t.io.set_connect_middleware("/admin", true);
    let ws = t.open_ws();
    let request = |t: &mut TestServer| {
        t.text(ws, "40/admin,");
        match &t.drain().events()[..] {
            [SocketEvent::ConnectRequest { socket, auth, .. }] => {
                assert_eq!(&auth[..], b"{}");
                *socket
            }
            other => panic!("one ConnectRequest: {other:#?}"),
        }
    };
    let socket = request(&mut t);
    t.io.refuse(socket, "unauthorized", Some(json!({"reason":"x"})))
        .unwrap();
    let out = t.drain();
    assert_eq!(
        out.texts(ws.conn),
        vec![r#"44/admin,{"message":"unauthorized","data":{"reason":"x"}}"#]
    );
    assert!(out.events().is_empty(), "{out:#?}");
    assert!(out.ws_closes(ws.conn).is_empty());
    assert_eq!(t.io.accept(socket), Err(SioError::UnknownSocket(socket)));
    assert_eq!(
        t.io.refuse(socket, "again", None),
        Err(SioError::UnknownSocket(socket))
    );

    // The client may try again; a refusal without data has only a message.
    let second = request(&mut t);
    assert_ne!(second, socket);
    t.io.refuse(second, "no", None).unwrap();
    assert_eq!(
        t.drain().texts(ws.conn),
        vec![r#"44/admin,{"message":"no"}"#]
    );
    t.io.set_connect_middleware("/admin", false);
    t.connect(ws, "/admin");
}

#[test]
fn accept_after_the_session_closed_fails() {
    let mut t = TestServer::new();
    t.io.set_connect_middleware("/admin", true);
    let ws = t.open_ws();
    t.text(ws, "40/admin,");
    let Some(SocketEvent::ConnectRequest { socket, .. }) = t.drain().events().pop() else {
        panic!("a ConnectRequest");
    };
    t.conn_closed(ws.conn);
    let out = t.drain();
    assert!(
        out.events().is_empty(),
        "no socket, no Disconnect: {out:#?}"
    );
    assert_eq!(t.io.accept(socket), Err(SioError::UnknownSocket(socket)));
    assert_eq!(
        t.io.refuse(socket, "x", None),
        Err(SioError::UnknownSocket(socket))
    );
    assert!(t.io.handshake_of(socket).is_none());
    t.assert_idle();
}

#[test]
fn dynamic_namespace_middleware() {
    let mut t = TestServer::new();
    let i =
        t.io.add_dynamic_namespace(Box::new(|n| n.starts_with("/dyn-")));
    t.io.set_dynamic_middleware(i, true);
    let ws = t.open_ws();
    t.text(ws, "40/dyn-7,");
    let out = t.drain();
    let [SocketEvent::ConnectRequest { socket, nsp, .. }] = &out.events()[..] else {
        panic!("{out:#?}");
    };
    assert_eq!(nsp, "/dyn-7");
    assert!(out.frames(ws.conn).is_empty());
    assert_eq!(t.io.namespace_parent("/dyn-7"), Some(i));
    t.io.accept(*socket).unwrap();
    assert_eq!(
        t.drain().texts(ws.conn),
        vec![format!(r#"40/dyn-7,{{"sid":"{socket}"}}"#)]
    );
}

#[test]
fn connect_timeout_closes_sessions_that_join_nothing() {
    let mut t = TestServer::new();
    let idle = t.open_ws();
    let (joined, socket) = t.client("/");
    t.advance(ms(999));
    t.assert_idle();
    t.advance(ms(1));
    let out = t.drain();
    assert_eq!(out.ws_closes(idle.conn), vec![1000]);
    assert!(out.ws_closes(joined.conn).is_empty());
    assert!(out.events().is_empty(), "no socket, no event: {out:#?}");
    assert_eq!(t.elapsed(), secs(1));
    assert!(t.io.engine().session(idle.sid).is_none());
    assert!(t.io.engine().session(joined.sid).is_some());

    t.advance(secs(3));
    t.assert_idle();
    t.assert_echoes(joined, socket);
}

#[test]
fn connect_timeout_is_counted_from_the_handshake() {
    let mut t = TestServer::new();
    t.advance(ms(700));
    let late = t.open_ws();
    t.advance(ms(999));
    t.assert_idle();
    t.advance(ms(1));
    assert_eq!(t.drain().ws_closes(late.conn), vec![1000]);
    assert_eq!(t.elapsed(), ms(1700));
}

#[test]
fn refused_connect_does_not_stop_the_connect_timeout() {
    let mut t = TestServer::new();
    let ws = t.open_ws();
    t.text(ws, "40/nope,");
    let _ = t.drain();
    t.advance(secs(1));
    assert_eq!(t.drain().ws_closes(ws.conn), vec![1000]);
}

#[test]
fn leaving_every_namespace_does_not_restart_the_connect_timeout() {
    let mut t = TestServer::new();
    let (ws, _) = t.client("/");
    t.text(ws, "41");
    let _ = t.drain();
    t.advance(secs(5));
    t.assert_idle();
    let socket = t.connect(ws, "/");
    t.assert_echoes(ws, socket);
}

#[test]
fn repeated_connect_while_the_decision_is_pending_is_ignored() {
    let mut t = TestServer::new();
    t.io.set_connect_middleware("/admin", true);
    let ws = t.open_ws();
    t.text(ws, r#"40/admin,{"n":1}"#);
    t.text(ws, r#"40/admin,{"n":2}"#);
    t.text(ws, r#"40/admin,{"n":3}"#);
    let out = t.drain();
    let [SocketEvent::ConnectRequest { socket, auth, .. }] = &out.events()[..] else {
        panic!("one ConnectRequest: {out:#?}");
    };
    assert_eq!(&auth[..], br#"{"n":1}"#);
    t.io.accept(*socket).unwrap();
    let _ = t.drain();
    assert_eq!(t.io.sockets_of("/admin"), vec![*socket]);
    // Once refused, the client may ask again.
    let (ws2, _) = t.client("/");
    t.text(ws2, "40/admin,");
    let Some(SocketEvent::ConnectRequest { socket: first, .. }) = t.drain().events().pop() else {
        panic!("a ConnectRequest");
    };
    t.io.refuse(first, "no", None).unwrap();
    let _ = t.drain();
    t.text(ws2, "40/admin,");
    assert_eq!(t.drain().events().len(), 1);
}
