//! Bad input from a client closes its Engine.IO session with "parse
//! error" for its sockets, and disturbs no other session.

use super::*;

/// A frame from a misbehaving client.
enum Bad {
    Text(String),
    Binary,
    /// A text frame, then another frame.
    Then(String, Box<Bad>),
}

fn bad_inputs() -> Vec<(&'static str, Bad)> {
    let deep = format!(r#"42["x",{}{}]"#, "[".repeat(10_000), "]".repeat(10_000));
    let t = |s: &str| Bad::Text(s.to_owned());
    vec![
        ("event with an object payload", t("42{}")),
        ("unknown packet type", t("49")),
        ("empty message", t("4")),
        ("too many attachments", t(r#"45999999-["x"]"#)),
        ("eleven attachments", t(&format!(r#"411-["x",{}]"#, ph(0)))),
        ("zero attachments", t(r#"450-["x"]"#)),
        ("10 000-deep JSON", Bad::Text(deep)),
        ("event for a namespace not joined", t(r#"42/nope,["x"]"#)),
        ("ack for a namespace not joined", t("43/nope,0[]")),
        ("disconnect from a namespace not joined", t("41/nope,")),
        ("CONNECT_ERROR from a client", t(r#"44{"message":"x"}"#)),
        ("CONNECT with an array", t("40[]")),
        ("DISCONNECT with data", t("41{}")),
        ("event without a name", t("42[1]")),
        ("lone surrogate in the name", t(r#"42["\ud800"]"#)),
        ("bad ack id", t("4399999999999999999[]")),
        (
            "placeholder out of range",
            t(&format!(r#"451-["x",{}]"#, ph(1))),
        ),
        ("binary frame with nothing pending", Bad::Binary),
        (
            "text while attachments are awaited",
            Bad::Then(format!(r#"451-["x",{}]"#, ph(0)), Box::new(t(r#"42["y"]"#))),
        ),
    ]
}

fn send(t: &mut TestServer, ws: Ws, bad: &Bad) {
    match bad {
        Bad::Text(s) => t.text(ws, s),
        Bad::Binary => t.binary(ws, &[1, 2]),
        Bad::Then(s, next) => {
            t.text(ws, s);
            send(t, ws, next);
        }
    }
}

#[test]
fn bad_input_closes_only_that_session() {
    for (what, bad) in bad_inputs() {
        let mut t = TestServer::new();
        t.io.add_namespace("/a");
        let (ws, main) = t.client("/");
        let a = t.connect(ws, "/a");
        let (other, s_other) = t.client("/");
        send(&mut t, ws, &bad);
        let out = t.drain();
        assert_eq!(out.ws_closes(ws.conn), vec![1002], "{what}: {out:#?}");
        assert!(out.frames(ws.conn).is_empty(), "{what}: {out:#?}");
        assert_eq!(
            out.events(),
            vec![
                SocketEvent::Disconnect {
                    socket: main,
                    nsp: "/".into(),
                    reason: DisconnectReason::ParseError,
                    kept: false,
                },
                SocketEvent::Disconnect {
                    socket: a,
                    nsp: "/a".into(),
                    reason: DisconnectReason::ParseError,
                    kept: false,
                },
            ],
            "{what}"
        );
        let faults = out.faults();
        assert_eq!(faults.len(), 1, "{what}: {out:#?}");
        assert_eq!(faults[0].0, ws.sid, "{what}");
        assert!(t.io.engine().session(ws.sid).is_none(), "{what}");
        assert_eq!(t.io.socket_count(), 1, "{what}");
        assert!(out.frames(other.conn).is_empty(), "{what}");
        t.assert_echoes(other, s_other);
    }
}

#[test]
fn bad_input_before_any_connect_closes_silently() {
    for (what, bad) in bad_inputs() {
        let mut t = TestServer::new();
        let ws = t.open_ws();
        send(&mut t, ws, &bad);
        let out = t.drain();
        assert_eq!(out.ws_closes(ws.conn), vec![1002], "{what}: {out:#?}");
        assert!(out.events().is_empty(), "{what}: {out:#?}");
    }
}

#[test]
fn events_before_connect_close_the_session() {
    let mut t = TestServer::new();
    let ws = t.open_ws();
    t.text(ws, r#"42["x"]"#);
    assert_eq!(t.drain().ws_closes(ws.conn), vec![1002]);
}

#[test]
fn attachment_limits_from_the_config() {
    let mut t = TestServer::with_config(ServerConfig {
        parser: Box::new(JsonParser {
            limits: DecoderLimits {
                max_attachments: 2,
                max_attachment_bytes: 8,
            },
        }),
        ..config()
    });
    let (ws, s) = t.client("/");
    // At the limits: accepted.
    t.text(ws, &format!(r#"452-["x",{},{}]"#, ph(0), ph(1)));
    t.binary(ws, b"1234");
    t.binary(ws, b"5678");
    assert_eq!(t.drain().events().len(), 1);
    // One byte over: refused.
    t.text(ws, &format!(r#"451-["x",{}]"#, ph(0)));
    t.binary(ws, b"123456789");
    let out = t.drain();
    assert_eq!(out.ws_closes(ws.conn), vec![1002]);
    assert_eq!(
        out.events(),
        vec![SocketEvent::Disconnect {
            socket: s,
            nsp: "/".into(),
            reason: DisconnectReason::ParseError,
            kept: false,
        }]
    );
    // Three attachments: refused at the header.
    let (ws, _) = t.client("/");
    t.text(ws, &format!(r#"453-["x",{}]"#, ph(0)));
    assert_eq!(t.drain().ws_closes(ws.conn), vec![1002]);
}

#[test]
fn nothing_after_a_bad_packet_in_a_polling_payload_is_processed() {
    let mut t = TestServer::new();
    t.io.add_namespace("/a");
    let (sid, s) = t.polling_client("/");
    let (ws, s_ws) = t.client("/");
    let post = t.post(sid, "42[\"before\"]\u{1e}49\u{1e}42[\"after\"]\u{1e}40/a,");
    let out = t.drain();
    assert_eq!(out.body(post), "ok");
    assert_eq!(
        out.events(),
        vec![
            SocketEvent::Event {
                socket: s,
                event: "before".into(),
                args: Args::empty(),
                ack: None,
            },
            SocketEvent::Disconnect {
                socket: s,
                nsp: "/".into(),
                reason: DisconnectReason::ParseError,
                kept: false,
            },
        ]
    );
    assert!(t.io.engine().session(sid).is_none());
    assert!(t.io.sockets_of("/a").is_empty());
    t.assert_echoes(ws, s_ws);
}

#[test]
fn nothing_after_a_server_close_in_a_polling_payload_is_processed() {
    let mut t = TestServer::new();
    let (sid, s) = t.polling_client("/");
    let req = HttpRequest::new(Method::Post, &format!("{POLLING}&sid={sid}"));
    let post = t.request(req);
    let _ = t.drain(); // the ReadBody
    let body = Bytes::from_static(b"42[\"bye\"]\x1e42[\"more\"]\x1e40/x,");
    // Not `t.input`: the test drains by hand.
    t.io.handle(t.now, Input::HttpBody { conn: post, body });
    // The application reacts to the first event, mid-drain, by closing.
    let mut seen = Vec::new();
    while let Some(out) = t.io.poll_output() {
        if let Output::Event(ev) = &out {
            if matches!(ev, SocketEvent::Event { event, .. } if event == "bye") {
                t.io.disconnect(s, true).unwrap();
            }
            seen.push(ev.clone());
        }
        t.pending.push(out);
    }
    assert_eq!(t.drain().body(post), "ok");
    assert_eq!(
        seen,
        vec![
            SocketEvent::Event {
                socket: s,
                event: "bye".into(),
                args: Args::empty(),
                ack: None,
            },
            SocketEvent::Disconnect {
                socket: s,
                nsp: "/".into(),
                reason: DisconnectReason::ServerNamespaceDisconnect,
                kept: false,
            },
        ]
    );
    assert_eq!(t.io.socket_count(), 0);
}
