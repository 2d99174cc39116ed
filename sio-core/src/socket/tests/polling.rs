//! Socket.IO over long-polling sessions, and a polling session upgraded
//! to WebSocket.

use super::*;

#[test]
fn connect_and_events_over_polling() {
    let mut t = TestServer::new();
    t.io.add_namespace("/a");
    let sid = t.open_polling();
    let post = t.post(sid, "40\u{1e}40/a,{\"t\":1}");
    let out = t.drain();
    assert_eq!(out.body(post), "ok");
    let events = out.events();
    let [
        SocketEvent::Connect {
            socket: main,
            nsp: n1,
            ..
        },
        SocketEvent::Connect {
            socket: a,
            nsp: n2,
            auth,
            ..
        },
    ] = &events[..]
    else {
        panic!("two connects: {out:#?}");
    };
    assert_eq!(
        (n1.as_str(), n2.as_str(), &auth[..]),
        ("/", "/a", &b"{\"t\":1}"[..])
    );
    let get = t.get(sid);
    assert_eq!(
        t.drain().body(get),
        format!("40{{\"sid\":\"{main}\"}}\u{1e}40/a,{{\"sid\":\"{a}\"}}")
    );

    let post = t.post(sid, "42[\"x\",1]\u{1e}42/a,4[\"y\"]");
    let out = t.drain();
    assert_eq!(out.body(post), "ok");
    assert_eq!(
        out.events(),
        vec![
            SocketEvent::Event {
                socket: *main,
                event: "x".into(),
                args: args("[1]"),
                ack: None,
            },
            SocketEvent::Event {
                socket: *a,
                event: "y".into(),
                args: Args::empty(),
                ack: Some(4),
            },
        ]
    );
    t.io.ack(*a, 4, &args("[true]")).unwrap();
    t.io.emit(*main, "z", &Args::empty()).unwrap();
    let get = t.get(sid);
    assert_eq!(
        t.drain().body(get),
        "43/a,4[true]\u{1e}42[\"z\"]",
        "everything queued goes in one payload"
    );
}

#[test]
fn held_poll_is_answered_by_an_emit() {
    let mut t = TestServer::new();
    let (sid, s) = t.polling_client("/");
    let get = t.get(sid);
    t.assert_idle();
    t.io.emit(s, "now", &args(r#"["x"]"#)).unwrap();
    assert_eq!(t.drain().body(get), r#"42["now","x"]"#);
}

#[test]
fn sockets_survive_the_upgrade_to_websocket() {
    let mut t = TestServer::new();
    let (sid, s) = t.polling_client("/");
    t.io.join(s, "r").unwrap();
    let mut req = HttpRequest::get(&format!("{WS_HANDSHAKE}&sid={sid}"));
    req.websocket = true;
    let conn = t.request(req);
    let ws = Ws { sid, conn };
    t.text(ws, "2probe");
    assert_eq!(t.drain().texts(conn), vec!["3probe"]);
    t.text(ws, "5");
    let out = t.drain();
    assert!(out.events().is_empty(), "no socket event: {out:#?}");

    assert_eq!(t.io.rooms(s).unwrap(), [s.to_string(), "r".into()]);
    assert_eq!(
        t.io.broadcast("/", &BroadcastOp::all().to("r"), "b", &Args::empty()),
        Ok(1)
    );
    assert_eq!(t.drain().texts(conn), vec![r#"42["b"]"#]);
    t.assert_echoes(ws, s);
    let (_, own_sid, _) = t.io.socket_info(s).unwrap();
    assert_eq!(own_sid, sid);
}

#[test]
fn polling_session_closed_by_the_client() {
    let mut t = TestServer::new();
    let (sid, s) = t.polling_client("/");
    let post = t.post(sid, "1");
    let out = t.drain();
    assert_eq!(out.body(post), "ok");
    assert_eq!(
        out.events(),
        vec![SocketEvent::Disconnect {
            socket: s,
            nsp: "/".into(),
            reason: DisconnectReason::TransportClose,
            kept: false,
        }]
    );
}

#[test]
fn bad_packet_in_a_post_closes_with_parse_error() {
    let mut t = TestServer::new();
    let (sid, s) = t.polling_client("/");
    let get = t.get(sid);
    let post = t.post(sid, "42{}");
    let out = t.drain();
    assert_eq!(out.body(post), "ok");
    assert_eq!(out.body(get), "1", "the held poll gets a close packet");
    assert_eq!(
        out.events(),
        vec![SocketEvent::Disconnect {
            socket: s,
            nsp: "/".into(),
            reason: DisconnectReason::ParseError,
            kept: false,
        }]
    );
}
