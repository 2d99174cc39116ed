//! Engine.IO v3 clients (Socket.IO protocol v4): `/` connected at once,
//! bare CONNECT replies, auth from the namespace's query, v4 refusals.

use super::*;
use serde_json::json;

const V3_WS: &str = "/socket.io/?EIO=3&transport=websocket";

fn v3_server() -> TestServer {
    let mut config = config();
    config.engine.allow_eio3 = true;
    TestServer::with_config(config)
}

/// Opens a v3 WebSocket session; returns it and the outputs of the handshake.
fn open_v3(t: &mut TestServer) -> (Ws, Outs) {
    let mut req = HttpRequest::get(V3_WS);
    req.websocket = true;
    let conn = t.request(req);
    let out = t.drain();
    let texts = out.texts(conn);
    let open: serde_json::Value =
        serde_json::from_str(texts[0].strip_prefix('0').expect("an open packet")).unwrap();
    let sid = Sid::parse(open["sid"].as_str().unwrap()).unwrap();
    (Ws { sid, conn }, out)
}

#[test]
fn the_main_namespace_connects_at_once_with_the_session_id() {
    let mut t = v3_server();
    let (ws, out) = open_v3(&mut t);
    // The open packet, then a bare `40`: no CONNECT from the client.
    assert_eq!(out.texts(ws.conn)[1..], ["40".to_owned()]);
    assert_eq!(
        out.events(),
        vec![SocketEvent::Connect {
            socket: ws.sid,
            nsp: "/".into(),
            auth: Bytes::from_static(b"{}"),
            recovered: false,
        }]
    );
    // A CONNECT for `/` after that is ignored, as for any joined namespace.
    t.text(ws, "40");
    t.assert_idle();
    // Events and acks as in v5.
    t.text(ws, r#"42["hi",1]"#);
    assert!(matches!(
        &t.drain().events()[..],
        [SocketEvent::Event { socket, event, .. }] if *socket == ws.sid && event == "hi"
    ));
}

#[test]
fn another_namespace_takes_its_auth_from_the_query() {
    let mut t = v3_server();
    t.io.add_namespace("/admin");
    let (ws, _) = open_v3(&mut t);
    t.text(ws, "40/admin?token=a%20b,");
    let out = t.drain();
    assert_eq!(out.texts(ws.conn), vec!["40/admin,".to_owned()]);
    let [
        SocketEvent::Connect {
            socket, nsp, auth, ..
        },
    ] = &out.events()[..]
    else {
        panic!("one Connect: {out:#?}");
    };
    assert_eq!(
        (nsp.as_str(), &auth[..]),
        ("/admin", &br#"{"token":"a b"}"#[..])
    );
    assert_ne!(*socket, ws.sid, "a fresh id off the main namespace");
    // Later packets name the namespace without the query.
    t.text(ws, r#"42/admin,["x"]"#);
    assert!(matches!(
        &t.drain().events()[..],
        [SocketEvent::Event { .. }]
    ));
    // An unknown namespace: refused as the reference does, for v3 too.
    t.text(ws, "40/nope,");
    assert_eq!(
        t.drain().texts(ws.conn),
        vec![r#"44/nope,{"message":"Invalid namespace"}"#.to_owned()]
    );
}

#[test]
fn middleware_on_main_and_refusals_in_the_v4_shape() {
    let mut t = v3_server();
    t.io.set_connect_middleware("/", true);
    t.io.set_connect_middleware("/admin", true);
    let (ws, out) = open_v3(&mut t);
    assert_eq!(
        out.texts(ws.conn).len(),
        1,
        "only the open packet: {out:#?}"
    );
    let [SocketEvent::ConnectRequest { socket, nsp, .. }] = &out.events()[..] else {
        panic!("one ConnectRequest: {out:#?}");
    };
    assert_eq!((*socket, nsp.as_str()), (ws.sid, "/"));
    t.io.accept(ws.sid).unwrap();
    assert_eq!(t.drain().texts(ws.conn), vec!["40".to_owned()]);
    let refuse = |t: &mut TestServer, data: Option<serde_json::Value>| {
        t.text(ws, "40/admin,");
        let Some(SocketEvent::ConnectRequest { socket, .. }) = t.drain().events().pop() else {
            panic!("a ConnectRequest");
        };
        t.io.refuse(socket, "unauthorized", data).unwrap();
        t.drain().texts(ws.conn)
    };
    assert_eq!(
        refuse(&mut t, None),
        vec![r#"44/admin,"unauthorized""#.to_owned()]
    );
    assert_eq!(
        refuse(&mut t, Some(json!({"code": 3}))),
        vec![r#"44/admin,{"code":3}"#.to_owned()]
    );
}

#[test]
fn no_recovery_for_v3_clients() {
    let mut config = config();
    config.engine.allow_eio3 = true;
    config.recovery = Some(Default::default());
    let mut t = TestServer::with_config(config);
    let (ws, out) = open_v3(&mut t);
    assert_eq!(out.texts(ws.conn)[1..], ["40".to_owned()]);
}
