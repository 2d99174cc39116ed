//! Events both ways, acks both ways, ack timeouts and bounds, reserved
//! names.

use super::*;

fn event(socket: SocketId, name: &str, json: &str, ack: Option<u64>) -> SocketEvent {
    SocketEvent::Event {
        socket,
        event: name.into(),
        args: args(json),
        ack,
    }
}

#[test]
fn client_events_carry_name_raw_args_and_ack_id() {
    let mut t = TestServer::new();
    t.io.add_namespace("/a");
    let (ws, s) = t.client("/");
    let a = t.connect(ws, "/a");
    t.text(ws, r#"42["ev","a",1]"#);
    t.text(ws, r#"425["ev"]"#);
    t.text(ws, r#"42/a,3["x",{"k":[1,null]}]"#);
    t.text(ws, r#"42["sp ace", "kept as sent" ]"#);
    t.text(ws, r#"42["esc\"aped"]"#);
    let out = t.drain();
    assert_eq!(
        out.events(),
        vec![
            event(s, "ev", r#"["a",1]"#, None),
            event(s, "ev", "[]", Some(5)),
            event(a, "x", r#"[{"k":[1,null]}]"#, Some(3)),
            event(s, "sp ace", r#"[ "kept as sent" ]"#, None),
            event(s, "esc\"aped", "[]", None),
        ]
    );
    assert!(out.frames(ws.conn).is_empty(), "{out:#?}");
}

#[test]
fn emit_and_ack_frames() {
    let mut t = TestServer::new();
    t.io.add_namespace("/a");
    let (ws, s) = t.client("/");
    let a = t.connect(ws, "/a");
    t.io.emit(s, "ev", &args(r#"["a",1]"#)).unwrap();
    t.io.emit(s, "ev", &Args::empty()).unwrap();
    t.io.emit(a, "ev", &args("[true]")).unwrap();
    t.io.emit(
        s,
        "q\"uote",
        &Args::from_values(&[serde_json::json!({"k": 2})]),
    )
    .unwrap();
    t.io.ack(s, 5, &args(r#"["ok"]"#)).unwrap();
    t.io.ack(a, 7, &Args::empty()).unwrap();
    let out = t.drain();
    assert_eq!(
        out.texts(ws.conn),
        vec![
            r#"42["ev","a",1]"#,
            r#"42["ev"]"#,
            r#"42/a,["ev",true]"#,
            r#"42["q\"uote",{"k":2}]"#,
            r#"435["ok"]"#,
            r#"43/a,7[]"#,
        ]
    );
    assert!(out.events().is_empty());
}

#[test]
fn emit_with_ack_then_the_answer() {
    let mut t = TestServer::new();
    t.io.add_namespace("/a");
    let (ws, s) = t.client("/");
    let a = t.connect(ws, "/a");
    let id0 = t.io.emit_with_ack(s, "q", &args("[1]"), secs(2)).unwrap();
    let id1 = t.io.emit_with_ack(s, "q", &args("[2]"), secs(2)).unwrap();
    let ida = t.io.emit_with_ack(a, "q", &Args::empty(), secs(2)).unwrap();
    assert_eq!((id0, id1, ida), (0, 1, 0), "ack ids count per socket");
    assert_eq!(
        t.drain().texts(ws.conn),
        vec![r#"420["q",1]"#, r#"421["q",2]"#, r#"42/a,0["q"]"#]
    );

    t.text(ws, r#"431["b",{"c":3}]"#);
    t.text(ws, r#"43/a,0[]"#);
    t.text(ws, "430[]");
    let out = t.drain();
    assert_eq!(
        out.events(),
        vec![
            SocketEvent::Ack {
                socket: s,
                ack: 1,
                args: args(r#"["b",{"c":3}]"#),
            },
            SocketEvent::Ack {
                socket: a,
                ack: 0,
                args: args("[]"),
            },
            SocketEvent::Ack {
                socket: s,
                ack: 0,
                args: args("[]"),
            },
        ]
    );
    // Answered acks never time out; a second answer is ignored.
    t.text(ws, "430[]");
    t.advance(secs(3));
    t.assert_idle();
}

#[test]
fn ack_timeout_fires_at_the_deadline_and_late_answers_are_ignored() {
    let mut t = TestServer::new();
    let (ws, s) = t.client("/");
    t.advance(ms(300));
    let id = t.io.emit_with_ack(s, "q", &Args::empty(), secs(2)).unwrap();
    assert_eq!(t.drain().texts(ws.conn), vec![r#"420["q"]"#]);
    assert!(t.io.poll_timeout().is_some_and(|at| at <= t.t0 + ms(2300)));
    t.advance(ms(1999));
    t.assert_idle();
    t.advance(ms(1));
    let out = t.drain();
    assert_eq!(
        out.events(),
        vec![SocketEvent::AckTimeout { socket: s, ack: id }]
    );
    assert_eq!(t.elapsed(), ms(2300));
    assert!(out.frames(ws.conn).is_empty());

    t.text(ws, r#"430["late"]"#);
    t.assert_idle();
    // The session is unharmed; the next ack id is fresh.
    t.assert_echoes(ws, s);
    assert_eq!(t.io.emit_with_ack(s, "q", &Args::empty(), secs(1)), Ok(1));
}

#[test]
fn ack_timeouts_fire_in_deadline_order() {
    let mut t = TestServer::new();
    let (_, s) = t.client("/");
    let long = t.io.emit_with_ack(s, "q", &Args::empty(), secs(3)).unwrap();
    let short = t.io.emit_with_ack(s, "q", &Args::empty(), secs(1)).unwrap();
    let _ = t.drain();
    t.advance(secs(5));
    assert_eq!(
        t.drain().events(),
        vec![
            SocketEvent::AckTimeout {
                socket: s,
                ack: short
            },
            SocketEvent::AckTimeout {
                socket: s,
                ack: long
            },
        ]
    );
}

#[test]
fn answers_to_unknown_ack_ids_are_ignored() {
    let mut t = TestServer::new();
    let (ws, s) = t.client("/");
    t.text(ws, "4342[]");
    t.text(ws, r#"43["no id"]"#);
    t.assert_idle();
    t.assert_echoes(ws, s);
}

#[test]
fn max_pending_acks_is_enforced() {
    let mut t = TestServer::with_config(ServerConfig {
        max_pending_acks: 2,
        ..config()
    });
    let (ws, s) = t.client("/");
    assert_eq!(t.io.emit_with_ack(s, "q", &Args::empty(), secs(2)), Ok(0));
    assert_eq!(t.io.emit_with_ack(s, "q", &Args::empty(), secs(2)), Ok(1));
    assert_eq!(
        t.io.emit_with_ack(s, "q", &Args::empty(), secs(2)),
        Err(SioError::TooManyPendingAcks(s))
    );
    assert_eq!(
        t.drain().texts(ws.conn).len(),
        2,
        "the refused one is not sent"
    );
    // Plain emits are not limited.
    t.io.emit(s, "plain", &Args::empty()).unwrap();
    assert_eq!(t.drain().texts(ws.conn), vec![r#"42["plain"]"#]);

    t.text(ws, "430[]");
    let _ = t.drain();
    assert_eq!(t.io.emit_with_ack(s, "q", &Args::empty(), secs(2)), Ok(2));
    let _ = t.drain();
    // A timeout frees a slot too.
    t.advance(secs(2));
    assert_eq!(t.drain().events().len(), 2, "acks 1 and 2 time out");
    assert_eq!(t.io.emit_with_ack(s, "q", &Args::empty(), secs(2)), Ok(3));
}

#[test]
fn reserved_event_names_are_refused() {
    let mut t = TestServer::new();
    let (ws, s) = t.client("/");
    let all = BroadcastOp::all();
    for name in [
        "connect",
        "connect_error",
        "disconnect",
        "disconnecting",
        "newListener",
        "removeListener",
    ] {
        let err = Err(SioError::ReservedEvent(name.into()));
        assert_eq!(t.io.emit(s, name, &Args::empty()), err);
        assert_eq!(
            t.io.emit_with_ack(s, name, &Args::empty(), secs(1)),
            Err(SioError::ReservedEvent(name.into()))
        );
        assert_eq!(
            t.io.broadcast("/", &all, name, &Args::empty()),
            Err(SioError::ReservedEvent(name.into()))
        );
        assert_eq!(
            t.io.broadcast_with_ack(t.now, "/", &all, name, &Args::empty(), secs(1)),
            Err(SioError::ReservedEvent(name.into()))
        );
    }
    t.assert_idle();
    // Names that only look alike are fine.
    t.io.emit(s, "Connect", &Args::empty()).unwrap();
    t.io.emit(s, "connection", &Args::empty()).unwrap();
    assert_eq!(
        t.drain().texts(ws.conn),
        vec![r#"42["Connect"]"#, r#"42["connection"]"#]
    );
    // The ack id counter did not move for the refused emits.
    assert_eq!(t.io.emit_with_ack(s, "q", &Args::empty(), secs(1)), Ok(0));
}

#[test]
fn unknown_sockets_are_caller_errors() {
    let mut t = TestServer::new();
    let (ws, s) = t.client("/");
    t.io.disconnect(s, false).unwrap();
    let _ = t.drain();
    let unknown = Err(SioError::UnknownSocket(s));
    assert_eq!(t.io.emit(s, "x", &Args::empty()), unknown);
    assert_eq!(
        t.io.emit_with_ack(s, "x", &Args::empty(), secs(1)),
        Err(SioError::UnknownSocket(s))
    );
    assert_eq!(t.io.ack(s, 1, &Args::empty()), unknown);
    assert_eq!(t.io.join(s, "r"), unknown);
    assert_eq!(t.io.leave(s, "r"), unknown);
    assert_eq!(t.io.rooms(s), Err(SioError::UnknownSocket(s)));
    assert_eq!(t.io.disconnect(s, false), unknown);
    assert_eq!(t.io.accept(s), unknown);
    assert!(t.io.socket_info(s).is_none());
    assert!(t.io.handshake_of(s).is_none());
    assert_eq!(
        t.io.broadcast("/nope", &BroadcastOp::all(), "x", &Args::empty()),
        Err(SioError::UnknownNamespace("/nope".into()))
    );
    assert_eq!(
        t.io.broadcast_with_ack(
            t.now,
            "/nope",
            &BroadcastOp::all(),
            "x",
            &Args::empty(),
            secs(1)
        ),
        Err(SioError::UnknownNamespace("/nope".into()))
    );
    assert!(t.io.select("/nope", &BroadcastOp::all()).is_empty());
    t.assert_idle();
    assert!(t.io.engine().session(ws.sid).is_some());
}
