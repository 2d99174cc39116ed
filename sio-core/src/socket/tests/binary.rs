//! Binary attachments both ways, over WebSocket and polling.

use super::*;

#[test]
fn binary_event_waits_for_its_attachment() {
    let mut t = TestServer::new();
    let (ws, s) = t.client("/");
    t.text(ws, &format!(r#"451-["up",{}]"#, ph(0)));
    t.assert_idle();
    t.binary(ws, &[1, 2, 3]);
    let out = t.drain();
    assert_eq!(
        out.events(),
        vec![SocketEvent::Event {
            socket: s,
            event: "up".into(),
            args: bin_args(&format!("[{}]", ph(0)), &[&Bytes::from_static(&[1, 2, 3])]),
            ack: None,
        }]
    );
    assert!(out.frames(ws.conn).is_empty());
    t.assert_echoes(ws, s);
}

#[test]
fn two_attachments_in_a_namespace_with_ack_id() {
    let mut t = TestServer::new();
    t.io.add_namespace("/a");
    let ws = t.open_ws();
    let a = t.connect(ws, "/a");
    t.text(ws, &format!(r#"452-/a,9["up",{},"mid",{}]"#, ph(1), ph(0)));
    t.binary(ws, b"first");
    t.assert_idle();
    t.binary(ws, b"");
    let out = t.drain();
    let (first, empty) = (Bytes::from_static(b"first"), Bytes::new());
    assert_eq!(
        out.events(),
        vec![SocketEvent::Event {
            socket: a,
            event: "up".into(),
            args: bin_args(
                &format!(r#"[{},"mid",{}]"#, ph(1), ph(0)),
                &[&first, &empty]
            ),
            ack: Some(9),
        }]
    );
}

#[test]
fn binary_ack_from_the_client() {
    let mut t = TestServer::new();
    let (ws, s) = t.client("/");
    let id = t.io.emit_with_ack(s, "q", &Args::empty(), secs(1)).unwrap();
    let _ = t.drain();
    t.text(ws, &format!("461-{id}[{}]", ph(0)));
    t.binary(ws, &[0xff]);
    assert_eq!(
        t.drain().events(),
        vec![SocketEvent::Ack {
            socket: s,
            ack: id,
            args: bin_args(&format!("[{}]", ph(0)), &[&Bytes::from_static(&[0xff])]),
        }]
    );
}

#[test]
fn emitting_attachments_sends_text_then_binary_frames() {
    let mut t = TestServer::new();
    t.io.add_namespace("/a");
    let (ws, s) = t.client("/");
    let a = t.connect(ws, "/a");
    let one = Bytes::from_static(&[1, 2, 3]);
    let two = Bytes::from(vec![9u8; 100]);

    t.io.emit(s, "file", &bin_args(&format!("[{}]", ph(0)), &[&one]))
        .unwrap();
    let out = t.drain();
    let frames = out.frames(ws.conn);
    assert_eq!(
        frames,
        vec![
            &WsFrame::Text(format!(r#"451-["file",{}]"#, ph(0)).into()),
            &WsFrame::Binary(one.clone()),
        ]
    );
    // The attachment goes out as is: the same buffer, not a copy.
    let WsFrame::Binary(sent) = frames[1] else {
        unreachable!()
    };
    assert_eq!(sent.as_ptr(), one.as_ptr());

    let json = format!(r#"["x",{},{}]"#, ph(0), ph(1));
    t.io.emit(a, "two", &bin_args(&json, &[&one, &two]))
        .unwrap();
    assert_eq!(
        t.drain().frames(ws.conn),
        vec![
            &WsFrame::Text(format!(r#"452-/a,["two","x",{},{}]"#, ph(0), ph(1)).into()),
            &WsFrame::Binary(one.clone()),
            &WsFrame::Binary(two.clone()),
        ]
    );

    t.io.ack(s, 5, &bin_args(&format!("[{}]", ph(0)), &[&two]))
        .unwrap();
    assert_eq!(
        t.drain().frames(ws.conn),
        vec![
            &WsFrame::Text(format!("461-5[{}]", ph(0)).into()),
            &WsFrame::Binary(two.clone()),
        ]
    );

    let id =
        t.io.emit_with_ack(s, "q", &bin_args(&format!("[{}]", ph(0)), &[&one]), secs(1))
            .unwrap();
    assert_eq!(
        t.drain().frames(ws.conn),
        vec![
            &WsFrame::Text(format!(r#"451-{id}["q",{}]"#, ph(0)).into()),
            &WsFrame::Binary(one),
        ]
    );
}

#[test]
fn polling_encodes_attachments_as_base64_packets() {
    let mut t = TestServer::new();
    let (sid, s) = t.polling_client("/");
    let data = Bytes::from_static(&[1, 2, 3]);
    let more = Bytes::from_static(b"hello");
    t.io.emit(s, "file", &bin_args(&format!("[{}]", ph(0)), &[&data]))
        .unwrap();
    t.io.emit(s, "text", &args("[1]")).unwrap();
    let json = format!("[{},{}]", ph(0), ph(1));
    t.io.emit(s, "two", &bin_args(&json, &[&data, &more]))
        .unwrap();
    assert_eq!(t.io.engine().queued_packets(sid), Some(6));
    let get = t.get(sid);
    let body = t.drain().body(get);
    let expected = [
        format!(r#"451-["file",{}]"#, ph(0)),
        "bAQID".to_owned(),
        r#"42["text",1]"#.to_owned(),
        format!(r#"452-["two",{},{}]"#, ph(0), ph(1)),
        "bAQID".to_owned(),
        "baGVsbG8=".to_owned(),
    ]
    .join("\u{1e}");
    assert_eq!(body, expected);
}

#[test]
fn polling_client_sends_attachments_as_base64_packets() {
    let mut t = TestServer::new();
    let (sid, s) = t.polling_client("/");
    let body = format!("451-[\"up\",{}]\u{1e}bAQID\u{1e}42[\"after\"]", ph(0));
    let post = t.post(sid, &body);
    let out = t.drain();
    assert_eq!(out.body(post), "ok");
    assert_eq!(
        out.events(),
        vec![
            SocketEvent::Event {
                socket: s,
                event: "up".into(),
                args: bin_args(&format!("[{}]", ph(0)), &[&Bytes::from_static(&[1, 2, 3])]),
                ack: None,
            },
            SocketEvent::Event {
                socket: s,
                event: "after".into(),
                args: Args::empty(),
                ack: None,
            },
        ]
    );
}
