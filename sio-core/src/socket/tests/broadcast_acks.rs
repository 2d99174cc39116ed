//! Broadcasts that collect every recipient's ack.

use super::*;

#[test]
fn every_recipient_answers() {
    let mut t = TestServer::new();
    let (a, sa) = t.client("/");
    let (b, sb) = t.client("/");
    let id =
        t.io.broadcast_with_ack(t.now, "/", &BroadcastOp::all(), "q", &args("[1]"), secs(2))
            .unwrap();
    let out = t.drain();
    assert_eq!(out.texts(a.conn), vec![r#"420["q",1]"#]);
    assert_eq!(out.texts(b.conn), vec![r#"420["q",1]"#]);
    assert!(out.events().is_empty());

    t.text(b, r#"430["from b"]"#);
    t.assert_idle();
    t.text(a, r#"430["from a",{"x":1}]"#);
    assert_eq!(
        t.drain().events(),
        vec![SocketEvent::BroadcastAck {
            id,
            remote: Vec::new(),
            replies: vec![
                (sb, args(r#"["from b"]"#)),
                (sa, args(r#"["from a",{"x":1}]"#)),
            ],
            timed_out: false,
        }]
    );
    // Nothing more at the deadline.
    t.advance(secs(3));
    t.assert_idle();
}

#[test]
fn a_silent_recipient_times_the_broadcast_out() {
    let mut t = TestServer::new();
    let (a, sa) = t.client("/");
    let (b, _) = t.client("/");
    let (c, sc) = t.client("/");
    t.io.join(sa, "r").unwrap();
    t.io.join(sc, "r").unwrap();
    let op = BroadcastOp::all().to("r");
    let id =
        t.io.broadcast_with_ack(t.now, "/", &op, "q", &Args::empty(), secs(2))
            .unwrap();
    let out = t.drain();
    assert_eq!(out.texts(a.conn), vec![r#"420["q"]"#]);
    assert!(out.frames(b.conn).is_empty());
    assert_eq!(out.texts(c.conn), vec![r#"420["q"]"#]);

    t.advance(ms(500));
    t.text(a, "430[1]");
    t.advance(ms(1499));
    t.assert_idle();
    t.advance(ms(1));
    assert_eq!(
        t.drain().events(),
        vec![SocketEvent::BroadcastAck {
            id,
            remote: Vec::new(),
            replies: vec![(sa, args("[1]"))],
            timed_out: true,
        }]
    );
    assert_eq!(t.elapsed(), secs(2));
    // The late answer is dropped.
    t.text(c, "430[2]");
    t.assert_idle();
    t.assert_echoes(c, sc);
}

#[test]
fn no_recipient_completes_at_once() {
    let mut t = TestServer::new();
    let (ws, _) = t.client("/");
    let op = BroadcastOp::all().to("nobody");
    let first =
        t.io.broadcast_with_ack(t.now, "/", &op, "q", &Args::empty(), secs(2))
            .unwrap();
    let second =
        t.io.broadcast_with_ack(t.now, "/", &op, "q", &Args::empty(), secs(2))
            .unwrap();
    assert_eq!((first, second), (BroadcastAckId(0), BroadcastAckId(1)));
    let out = t.drain();
    assert_eq!(
        out.events(),
        vec![
            SocketEvent::BroadcastAck {
                id: first,
                remote: Vec::new(),
                replies: vec![],
                timed_out: false,
            },
            SocketEvent::BroadcastAck {
                id: second,
                remote: Vec::new(),
                replies: vec![],
                timed_out: false,
            },
        ]
    );
    assert!(out.frames(ws.conn).is_empty());
    t.advance(secs(3));
    t.assert_idle();
}

#[test]
fn broadcast_ack_ids_share_the_socket_counter() {
    let mut t = TestServer::new();
    t.io.add_namespace("/a");
    let (ws, s) = t.client("/");
    let a = t.connect(ws, "/a");
    assert_eq!(t.io.emit_with_ack(s, "one", &Args::empty(), secs(2)), Ok(0));
    let id =
        t.io.broadcast_with_ack(
            t.now,
            "/a",
            &BroadcastOp::all(),
            "q",
            &Args::empty(),
            secs(2),
        )
        .unwrap();
    let id2 =
        t.io.broadcast_with_ack(
            t.now,
            "/",
            &BroadcastOp::all(),
            "q",
            &args("[true]"),
            secs(2),
        )
        .unwrap();
    assert_eq!(
        t.drain().texts(ws.conn),
        vec![r#"420["one"]"#, r#"42/a,0["q"]"#, r#"421["q",true]"#]
    );
    // The single ack and the broadcast acks do not mix.
    t.text(ws, "431[]");
    t.text(ws, "43/a,0[]");
    t.text(ws, "430[]");
    assert_eq!(
        t.drain().events(),
        vec![
            SocketEvent::BroadcastAck {
                id: id2,
                remote: Vec::new(),
                replies: vec![(s, Args::empty())],
                timed_out: false,
            },
            SocketEvent::BroadcastAck {
                id,
                remote: Vec::new(),
                replies: vec![(a, Args::empty())],
                timed_out: false,
            },
            SocketEvent::Ack {
                socket: s,
                ack: 0,
                args: Args::empty(),
            },
        ]
    );
}

#[test]
fn recipients_at_the_pending_ack_limit_are_skipped() {
    let mut t = TestServer::with_config(ServerConfig {
        max_pending_acks: 1,
        ..config()
    });
    let (busy, sb) = t.client("/");
    let (free, sf) = t.client("/");
    t.io.emit_with_ack(sb, "hold", &Args::empty(), secs(5))
        .unwrap();
    let _ = t.drain();
    let id =
        t.io.broadcast_with_ack(
            t.now,
            "/",
            &BroadcastOp::all(),
            "q",
            &Args::empty(),
            secs(2),
        )
        .unwrap();
    let out = t.drain();
    assert!(out.frames(busy.conn).is_empty());
    assert_eq!(out.texts(free.conn), vec![r#"420["q"]"#]);
    t.text(free, "430[]");
    assert_eq!(
        t.drain().events(),
        vec![SocketEvent::BroadcastAck {
            id,
            remote: Vec::new(),
            replies: vec![(sf, Args::empty())],
            timed_out: false,
        }]
    );
}

#[test]
fn binary_answers_are_collected() {
    let mut t = TestServer::new();
    let (ws, s) = t.client("/");
    let id =
        t.io.broadcast_with_ack(
            t.now,
            "/",
            &BroadcastOp::all(),
            "q",
            &Args::empty(),
            secs(2),
        )
        .unwrap();
    let _ = t.drain();
    t.text(ws, &format!("461-0[{}]", ph(0)));
    t.binary(ws, b"bin");
    assert_eq!(
        t.drain().events(),
        vec![SocketEvent::BroadcastAck {
            id,
            remote: Vec::new(),
            replies: vec![(
                s,
                bin_args(&format!("[{}]", ph(0)), &[&Bytes::from_static(b"bin")])
            )],
            timed_out: false,
        }]
    );
}
