//! Rooms, broadcasts (to, except, except_socket, volatile) and `select`.

use super::*;

/// Four clients in `/`: s1 in r1, s2 in r1 and r2, s3 in r2, s4 in none.
fn four(t: &mut TestServer) -> Vec<(Ws, SocketId)> {
    let clients: Vec<(Ws, SocketId)> = (0..4).map(|_| t.client("/")).collect();
    t.io.join(clients[0].1, "r1").unwrap();
    t.io.join(clients[1].1, "r1").unwrap();
    t.io.join(clients[1].1, "r2").unwrap();
    t.io.join(clients[2].1, "r2").unwrap();
    t.assert_idle();
    clients
}

/// Broadcasts `["b",n]` with `op` and returns the sockets (sorted) whose
/// connection got it, checking each got exactly that one frame.
#[track_caller]
fn reached(
    t: &mut TestServer,
    clients: &[(Ws, SocketId)],
    op: &BroadcastOp,
    n: u32,
) -> Vec<SocketId> {
    let count =
        t.io.broadcast("/", op, "b", &args(&format!("[{n}]")))
            .unwrap();
    let out = t.drain();
    let mut got = Vec::new();
    for (ws, s) in clients {
        match &out.texts(ws.conn)[..] {
            [] => {}
            [one] if *one == format!(r#"42["b",{n}]"#) => got.push(*s),
            other => panic!("{s:?} got {other:?}"),
        }
    }
    got.sort();
    assert_eq!(count, got.len(), "recipient count");
    let mut selected = t.io.select("/", op);
    selected.sort();
    if !op.volatile {
        assert_eq!(selected, got, "select names the same sockets");
    }
    got
}

/// `v` in id order: a selection comes in the maps' order, so tests compare sets.
fn sorted(mut v: Vec<SocketId>) -> Vec<SocketId> {
    v.sort();
    v
}

#[test]
fn join_leave_and_rooms() {
    let mut t = TestServer::new();
    let (_, s) = t.client("/");
    assert_eq!(t.io.rooms(s).unwrap(), [s.to_string()]);
    t.io.join(s, "a").unwrap();
    t.io.join(s, "b").unwrap();
    t.io.join(s, "a").unwrap();
    assert_eq!(
        t.io.rooms(s).unwrap(),
        [s.to_string(), "a".into(), "b".into()]
    );
    t.io.leave(s, "a").unwrap();
    t.io.leave(s, "never-joined").unwrap();
    assert_eq!(t.io.rooms(s).unwrap(), [s.to_string(), "b".into()]);
    assert_eq!(t.io.select("/", &BroadcastOp::all().to("b")), vec![s]);
    assert!(t.io.select("/", &BroadcastOp::all().to("a")).is_empty());
    // The own-id room reaches the socket.
    assert_eq!(
        t.io.select("/", &BroadcastOp::all().to(s.as_str())),
        vec![s]
    );
    t.assert_idle();
}

#[test]
fn the_own_id_room_can_be_left_and_joined_again() {
    let mut t = TestServer::new();
    let (_, s) = t.client("/");
    let (_, other) = t.client("/");
    let to_s = BroadcastOp::all().to(s.as_str());
    // Another socket may join a room named like `s`'s id: both are members.
    t.io.join(other, s.as_str()).unwrap();
    assert_eq!(sorted(t.io.select("/", &to_s)), sorted(vec![s, other]));
    t.io.leave(s, s.as_str()).unwrap();
    assert_eq!(t.io.rooms(s).unwrap(), Vec::<String>::new());
    assert_eq!(t.io.select("/", &to_s), vec![other]);
    // Excepting the room skips only its members.
    assert_eq!(
        t.io.select("/", &BroadcastOp::all().except(s.as_str())),
        vec![s]
    );
    t.io.join(s, s.as_str()).unwrap();
    assert_eq!(sorted(t.io.select("/", &to_s)), sorted(vec![s, other]));
    t.io.leave(other, s.as_str()).unwrap();
    assert_eq!(t.io.select("/", &to_s), vec![s]);
    // A disconnected socket's id names nobody.
    t.io.disconnect(s, false).unwrap();
    t.drain();
    assert!(t.io.select("/", &to_s).is_empty());
}

#[test]
fn rooms_are_per_namespace() {
    let mut t = TestServer::new();
    t.io.add_namespace("/a");
    let ws = t.open_ws();
    let main = t.connect(ws, "/");
    let a = t.connect(ws, "/a");
    t.io.join(main, "r").unwrap();
    assert_eq!(t.io.select("/", &BroadcastOp::all().to("r")), vec![main]);
    assert!(t.io.select("/a", &BroadcastOp::all().to("r")).is_empty());
    assert_eq!(
        t.io.broadcast("/a", &BroadcastOp::all().to("r"), "x", &Args::empty()),
        Ok(0)
    );
    t.assert_idle();
    assert_eq!(
        t.io.broadcast("/a", &BroadcastOp::all(), "x", &Args::empty()),
        Ok(1)
    );
    assert_eq!(t.drain().texts(ws.conn), vec![r#"42/a,["x"]"#]);
    assert_eq!(t.io.select("/a", &BroadcastOp::all()), vec![a]);
}

#[test]
fn broadcast_to_all_sends_the_same_bytes_to_everyone() {
    let mut t = TestServer::new();
    t.io.add_namespace("/other");
    let clients: Vec<(Ws, SocketId)> = (0..3).map(|_| t.client("/")).collect();
    let (elsewhere, _) = t.client("/other");
    let n =
        t.io.broadcast("/", &BroadcastOp::all(), "news", &args(r#"[1,"x"]"#))
            .unwrap();
    assert_eq!(n, 3);
    let out = t.drain();
    for (ws, _) in &clients {
        assert_eq!(
            out.frames(ws.conn),
            vec![&WsFrame::Text(Bytes::from_static(br#"42["news",1,"x"]"#))]
        );
    }
    assert!(out.frames(elsewhere.conn).is_empty());
    assert!(out.events().is_empty());
    // One output for the three connections, not one each.
    let sends: Vec<_> = out
        .io()
        .filter_map(|o| match o {
            Output::WsSendMany { conns, .. } => Some(conns.len()),
            Output::WsSend { .. } => Some(1),
            _ => None,
        })
        .collect();
    assert_eq!(sends, vec![3]);
}

#[test]
fn broadcast_to_rooms_and_except() {
    let mut t = TestServer::new();
    let c = four(&mut t);
    let (s1, s2, s3, s4) = (c[0].1, c[1].1, c[2].1, c[3].1);
    let all = BroadcastOp::all;
    assert_eq!(reached(&mut t, &c, &all(), 0), sorted(vec![s1, s2, s3, s4]));
    assert_eq!(
        reached(&mut t, &c, &all().to("r1"), 1),
        sorted(vec![s1, s2])
    );
    // A union: s2, in both rooms, gets it once.
    assert_eq!(
        reached(&mut t, &c, &all().to("r1").to("r2"), 2),
        sorted(vec![s1, s2, s3])
    );
    assert_eq!(
        reached(&mut t, &c, &all().except("r2"), 3),
        sorted(vec![s1, s4])
    );
    assert_eq!(
        reached(&mut t, &c, &all().to("r1").except("r2"), 4),
        vec![s1]
    );
    assert_eq!(
        reached(&mut t, &c, &all().except("r1").except("r2"), 5),
        vec![s4]
    );
    let mut op = all().to("r1");
    op.except_socket = Some(s1);
    assert_eq!(reached(&mut t, &c, &op, 6), vec![s2]);
    let mut op = all();
    op.except_socket = Some(s4);
    assert_eq!(reached(&mut t, &c, &op, 7), sorted(vec![s1, s2, s3]));
    assert_eq!(reached(&mut t, &c, &all().to(s3.as_str()), 8), vec![s3]);
    assert_eq!(
        reached(&mut t, &c, &all().except(s3.as_str()), 9),
        sorted(vec![s1, s2, s4])
    );
    assert_eq!(reached(&mut t, &c, &all().to("nobody"), 10), vec![]);
    assert_eq!(reached(&mut t, &c, &all().except("nobody"), 11).len(), 4);

    // After leaving, a room no longer reaches the socket.
    t.io.leave(s2, "r1").unwrap();
    assert_eq!(reached(&mut t, &c, &all().to("r1"), 12), vec![s1]);
    // A disconnected socket leaves every room.
    t.io.disconnect(s1, false).unwrap();
    let _ = t.drain();
    assert_eq!(reached(&mut t, &c, &all().to("r1"), 13), vec![]);
    assert_eq!(reached(&mut t, &c, &all(), 14), sorted(vec![s2, s3, s4]));
}

#[test]
fn broadcast_attachments_share_one_buffer() {
    let mut t = TestServer::new();
    let (a, _) = t.client("/");
    let (b, _) = t.client("/");
    let data = Bytes::from(vec![7u8; 64]);
    let json = format!("[{}]", ph(0));
    let n =
        t.io.broadcast("/", &BroadcastOp::all(), "blob", &bin_args(&json, &[&data]))
            .unwrap();
    assert_eq!(n, 2);
    let out = t.drain();
    let head = WsFrame::Text(format!(r#"451-["blob",{}]"#, ph(0)).into());
    for ws in [a, b] {
        let frames = out.frames(ws.conn);
        assert_eq!(frames, vec![&head, &WsFrame::Binary(data.clone())]);
        let WsFrame::Binary(sent) = frames[1] else {
            unreachable!()
        };
        assert_eq!(sent.as_ptr(), data.as_ptr(), "shared, not copied");
    }
}

#[test]
fn volatile_skips_a_polling_client_without_a_held_get() {
    let mut t = TestServer::new();
    let (ws, s_ws) = t.client("/");
    let (sid, s_poll) = t.polling_client("/");
    let mut volatile = BroadcastOp::all();
    volatile.volatile = true;
    assert_eq!(
        sorted(t.io.select("/", &volatile)),
        sorted(vec![s_ws, s_poll])
    );

    assert_eq!(t.io.broadcast("/", &volatile, "v", &args("[1]")), Ok(1));
    assert_eq!(t.drain().texts(ws.conn), vec![r#"42["v",1]"#]);
    assert_eq!(t.io.engine().queued_packets(sid), Some(0), "nothing queued");

    // With a GET held the polling client can take it.
    let get = t.get(sid);
    t.assert_idle();
    assert_eq!(t.io.broadcast("/", &volatile, "v", &args("[2]")), Ok(2));
    let out = t.drain();
    assert_eq!(out.texts(ws.conn), vec![r#"42["v",2]"#]);
    assert_eq!(out.body(get), r#"42["v",2]"#);

    // A non-volatile broadcast queues for it.
    assert_eq!(
        t.io.broadcast("/", &BroadcastOp::all(), "n", &args("[3]")),
        Ok(2)
    );
    let _ = t.drain();
    assert_eq!(t.io.engine().queued_packets(sid), Some(1));
    let get = t.get(sid);
    assert_eq!(t.drain().body(get), r#"42["n",3]"#);

    // broadcast_with_ack honours volatile as well.
    let id =
        t.io.broadcast_with_ack(t.now, "/", &volatile, "q", &Args::empty(), secs(1))
            .unwrap();
    assert_eq!(t.drain().texts(ws.conn), vec![r#"420["q"]"#]);
    t.text(ws, "430[]");
    assert_eq!(
        t.drain().events(),
        vec![SocketEvent::BroadcastAck {
            id,
            remote: Vec::new(),
            replies: vec![(s_ws, Args::empty())],
            timed_out: false,
        }]
    );
}

#[test]
fn volatile_emit_to_one_socket() {
    let mut t = TestServer::new();
    let (ws, s_ws) = t.client("/");
    let (sid, s_poll) = t.polling_client("/");
    // A WebSocket takes it at once.
    assert_eq!(t.io.emit_volatile(s_ws, "v", &args("[1]")), Ok(true));
    assert_eq!(t.drain().texts(ws.conn), vec![r#"42["v",1]"#]);
    // A polling client between requests: dropped, nothing queued.
    assert_eq!(t.io.emit_volatile(s_poll, "v", &args("[2]")), Ok(false));
    assert_eq!(t.io.engine().queued_packets(sid), Some(0));
    // With a GET held it goes out.
    let get = t.get(sid);
    t.assert_idle();
    assert_eq!(t.io.emit_volatile(s_poll, "v", &args("[3]")), Ok(true));
    assert_eq!(t.drain().body(get), r#"42["v",3]"#);
    // Reserved names and unknown sockets are the caller's mistakes.
    assert!(t.io.emit_volatile(s_ws, "connect", &args("[]")).is_err());
    t.io.disconnect(s_ws, false).unwrap();
    let _ = t.drain();
    assert!(t.io.emit_volatile(s_ws, "v", &args("[]")).is_err());
}
