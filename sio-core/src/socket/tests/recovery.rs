//! Connection state recovery: pid in the grant, offsets on qualifying
//! events, restore with the missed events exactly once, and every way it
//! must fail into a fresh session.

use super::*;

fn recovery_config() -> ServerConfig {
    ServerConfig {
        recovery: Some(RecoveryConfig {
            max_disconnection_duration: secs(60),
            ..RecoveryConfig::default()
        }),
        ..config()
    }
}

/// Connects with `payload` (e.g. `{"pid":..,"offset":..}`); returns the
/// grant's (sid, pid) and the frames that followed it.
fn connect_with(t: &mut TestServer, ws: Ws, payload: &str) -> (SocketId, String, Vec<String>) {
    t.text(ws, &format!("40{payload}"));
    let out = t.drain();
    let texts = out.texts(ws.conn);
    let grant: serde_json::Value =
        serde_json::from_str(texts[0].strip_prefix("40").expect("a grant")).unwrap();
    let sid = Sid::parse(grant["sid"].as_str().unwrap()).unwrap();
    let pid = grant["pid"]
        .as_str()
        .expect("a pid with recovery on")
        .to_owned();
    assert_ne!(pid, sid.as_str(), "the pid is not the public id");
    (sid, pid, texts[1..].to_vec())
}

#[test]
fn grant_has_a_pid_and_events_carry_offsets() {
    let mut t = TestServer::with_config(recovery_config());
    let ws = t.open_ws();
    let (s, _, replay) = connect_with(&mut t, ws, "");
    assert!(replay.is_empty());
    t.io.emit(s, "news", &args(r#"[1]"#)).unwrap();
    t.io.broadcast("/", &BroadcastOp::all(), "all", &args("[]"))
        .unwrap();
    // With an ack, or volatile: not tagged.
    t.io.emit_with_ack(s, "q", &args("[]"), secs(5)).unwrap();
    let volatile = BroadcastOp {
        volatile: true,
        ..BroadcastOp::all()
    };
    t.io.broadcast("/", &volatile, "v", &args("[2]")).unwrap();
    let texts = t.drain().texts(ws.conn);
    assert_eq!(
        texts,
        [
            r#"42["news",1,"1"]"#,
            r#"42["all","2"]"#,
            r#"420["q"]"#,
            r#"42["v",2]"#
        ]
    );
    assert_eq!(t.io.logged_events("/"), 2);
}

#[test]
fn a_dropped_client_gets_its_id_rooms_and_missed_events() {
    let mut t = TestServer::with_config(recovery_config());
    let ws = t.open_ws();
    let (s, pid, _) = connect_with(&mut t, ws, "");
    t.io.join(s, "room").unwrap();
    t.io.emit(s, "seen", &args("[]")).unwrap(); // offset 1, received
    t.drain();
    t.conn_closed(ws.conn);
    let events = t.drain().events();
    assert_eq!(
        events,
        [SocketEvent::Disconnect {
            socket: s,
            nsp: "/".into(),
            reason: DisconnectReason::TransportClose,
            kept: true,
        }]
    );
    assert_eq!(t.io.stored_sessions(), 1);
    // While it is away: to its room, to everyone, to another room, and
    // everyone but its room.
    let other_ws = t.open_ws();
    connect_with(&mut t, other_ws, "");
    t.io.broadcast("/", &BroadcastOp::all().to("room"), "r", &args("[1]"))
        .unwrap();
    t.io.broadcast("/", &BroadcastOp::all(), "a", &args("[2]"))
        .unwrap();
    t.io.broadcast("/", &BroadcastOp::all().to("elsewhere"), "x", &args("[3]"))
        .unwrap();
    t.io.broadcast("/", &BroadcastOp::all().except("room"), "y", &args("[4]"))
        .unwrap();
    t.drain();
    t.advance(secs(5)); // within the window (and before the next ping)
    t.drain();
    let ws2 = t.open_ws();
    let (s2, pid2, replay) =
        connect_with(&mut t, ws2, &format!(r#"{{"pid":"{pid}","offset":"1"}}"#));
    assert_eq!((s2, pid2), (s, pid.clone()), "same id and pid");
    assert_eq!(replay, [r#"42["r",1,"2"]"#, r#"42["a",2,"3"]"#]);
    assert_eq!(
        t.io.rooms(s).unwrap(),
        [s.as_str().to_owned(), "room".to_owned()]
    );
    assert_eq!(
        t.io.stored_sessions(),
        0,
        "a restored session leaves the store"
    );
    // Live traffic follows the replay, on the restored socket.
    t.io.broadcast("/", &BroadcastOp::all().to("room"), "live", &args("[]"))
        .unwrap();
    assert_eq!(t.drain().texts(ws2.conn), [r#"42["live","6"]"#]);
}

#[test]
fn recovered_events_precede_connect() {
    let mut t = TestServer::with_config(recovery_config());
    let ws = t.open_ws();
    let (s, pid, _) = connect_with(&mut t, ws, "");
    t.io.emit(s, "e", &args("[]")).unwrap();
    t.conn_closed(ws.conn);
    t.drain();
    let ws2 = t.open_ws();
    t.text(
        ws2,
        &format!(r#"40{{"pid":"{pid}","offset":"1","token":"x"}}"#),
    );
    let events = t.drain().events();
    assert_eq!(
        events,
        [SocketEvent::Connect {
            socket: s,
            nsp: "/".into(),
            auth: Bytes::from(format!(r#"{{"pid":"{pid}","offset":"1","token":"x"}}"#)),
            recovered: true,
        }]
    );
}

/// A fresh session: a new id and pid, nothing replayed, not `recovered`.
#[track_caller]
fn assert_fresh(t: &mut TestServer, old: SocketId, old_pid: &str, payload: &str) {
    let ws = t.open_ws();
    t.text(ws, &format!("40{payload}"));
    let out = t.drain();
    let texts = out.texts(ws.conn);
    assert_eq!(texts.len(), 1, "nothing replayed: {texts:?}");
    assert!(!texts[0].contains(old.as_str()), "a new id: {}", texts[0]);
    assert!(!texts[0].contains(old_pid), "a new pid: {}", texts[0]);
    assert!(
        !out.events().iter().any(|e| matches!(
            e,
            SocketEvent::Connect {
                recovered: true,
                ..
            }
        )),
        "{out:#?}"
    );
}

/// A client that received offset 1 and lost its transport.
fn dropped(t: &mut TestServer) -> (SocketId, String) {
    let ws = t.open_ws();
    let (s, pid, _) = connect_with(t, ws, "");
    t.io.emit(s, "e", &args("[]")).unwrap();
    t.conn_closed(ws.conn);
    t.drain();
    (s, pid)
}

#[test]
fn failures_give_a_fresh_session() {
    let mut t = TestServer::with_config(recovery_config());
    // Unknown pid, bogus offset, offset missing.
    let (s, pid) = dropped(&mut t);
    assert_fresh(
        &mut t,
        s,
        &pid,
        r#"{"pid":"AAAAAAAAAAAAAAAAAAAAAA","offset":"1"}"#,
    );
    let (s, pid) = dropped(&mut t);
    assert_fresh(
        &mut t,
        s,
        &pid,
        &format!(r#"{{"pid":"{pid}","offset":"999"}}"#),
    );
    let (s, pid) = dropped(&mut t);
    assert_fresh(&mut t, s, &pid, &format!(r#"{{"pid":"{pid}"}}"#));
    // A pid recovers at most once.
    let (s, pid) = dropped(&mut t);
    let ws = t.open_ws();
    let offset = t.io.logged_events("/"); // the last offset is the log's length here
    let (again, _, _) = connect_with(
        &mut t,
        ws,
        &format!(r#"{{"pid":"{pid}","offset":"{offset}"}}"#),
    );
    assert_eq!(again, s);
    t.conn_closed(ws.conn);
    t.drain();
    // Kept: the first (an unknown pid took nothing), the third (no offset:
    // nothing was taken) and the last, dropped again. The second was taken
    // by its failed attempt.
    assert_eq!(t.io.stored_sessions(), 3);
}

#[test]
fn the_window_expires() {
    let mut t = TestServer::with_config(recovery_config());
    let (s, pid) = dropped(&mut t);
    t.advance(secs(61));
    let events = t.drain().events();
    assert!(
        events.contains(&SocketEvent::SessionExpired { socket: s }),
        "{events:?}"
    );
    assert_eq!(t.io.stored_sessions(), 0);
    assert_eq!(t.io.logged_events("/"), 0, "the log is pruned too");
    assert_fresh(
        &mut t,
        s,
        &pid,
        &format!(r#"{{"pid":"{pid}","offset":"1"}}"#),
    );
}

#[test]
fn deliberate_disconnects_are_not_kept() {
    let mut t = TestServer::with_config(recovery_config());
    let ws = t.open_ws();
    let (s, pid, _) = connect_with(&mut t, ws, "");
    t.io.emit(s, "e", &args("[]")).unwrap();
    t.text(ws, "41");
    let events = t.drain().events();
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, SocketEvent::Disconnect { kept: true, .. }))
    );
    assert_eq!(t.io.stored_sessions(), 0);
    assert_fresh(
        &mut t,
        s,
        &pid,
        &format!(r#"{{"pid":"{pid}","offset":"1"}}"#),
    );
}

#[test]
fn a_pruned_offset_gives_a_fresh_session() {
    let mut t = TestServer::with_config(ServerConfig {
        recovery: Some(RecoveryConfig {
            max_log_packets: 2,
            ..RecoveryConfig::default()
        }),
        ..config()
    });
    let (s, pid) = dropped(&mut t);
    for _ in 0..3 {
        t.io.broadcast("/", &BroadcastOp::all(), "n", &args("[]"))
            .unwrap();
    }
    assert_eq!(t.io.logged_events("/"), 2);
    assert_fresh(
        &mut t,
        s,
        &pid,
        &format!(r#"{{"pid":"{pid}","offset":"1"}}"#),
    );
}

#[test]
fn the_store_is_bounded() {
    let mut t = TestServer::with_config(ServerConfig {
        recovery: Some(RecoveryConfig {
            max_sessions: 2,
            ..RecoveryConfig::default()
        }),
        ..config()
    });
    for _ in 0..5 {
        dropped(&mut t);
    }
    assert_eq!(t.io.stored_sessions(), 2);
}

#[test]
fn emitting_before_any_input_does_not_panic() {
    // Found by the fuzzer: the log needs the time, which only inputs bring.
    let mut io = SioServer::new(recovery_config(), SEED);
    assert_eq!(
        io.broadcast("/", &BroadcastOp::all(), "early", &args("[]")),
        Ok(0)
    );
    assert_eq!(io.logged_events("/"), 0);
}

#[test]
fn a_live_pid_takes_over_its_dead_connection() {
    // A long-poll cut mid-wait: the server has not noticed, the client is
    // back on a new connection with its pid.
    let mut t = TestServer::with_config(recovery_config());
    let ws = t.open_ws();
    let (s, pid, _) = connect_with(&mut t, ws, "");
    t.io.emit(s, "seen", &args("[]")).unwrap(); // offset 1
    t.io.emit(s, "lost", &args("[]")).unwrap(); // written into the dead connection
    t.drain();
    let ws2 = t.open_ws();
    let (s2, _, replay) = connect_with(&mut t, ws2, &format!(r#"{{"pid":"{pid}","offset":"1"}}"#));
    assert_eq!(s2, s, "recovered");
    assert_eq!(replay, [r#"42["lost","2"]"#]);
    // The old connection was closed.
    t.io.emit(s, "after", &args("[]")).unwrap();
    let out = t.drain();
    assert!(out.texts(ws.conn).is_empty());
    assert_eq!(out.texts(ws2.conn), [r#"42["after","3"]"#]);
}
