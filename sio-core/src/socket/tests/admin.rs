//! The admin UI's instrument (`crate::admin`): login, the lists and
//! live updates, the stats every 2 s on the fake clock, and the actions.

use super::*;
use crate::admin::{AdminConfig, AdminLogin, AdminMode, BasicAuth};
use serde_json::{Value, json};

/// 2023-11-14T22:13:20.000Z.
const START_MS: u64 = 1_700_000_000_000;

fn admin_config() -> AdminConfig {
    AdminConfig {
        hostname: "host-1".to_owned(),
        pid: 4242,
        started_unix_ms: START_MS,
        ..AdminConfig::default()
    }
}

/// A server with the instrument on, as `config` says.
fn instrumented(config: AdminConfig) -> TestServer {
    let mut t = TestServer::new();
    t.io.instrument(config);
    t
}

/// The admin events (`42/admin,[..]`) in `texts`, as `[name, args..]`.
fn admin_events(texts: &[String]) -> Vec<Value> {
    texts
        .iter()
        .filter_map(|t| t.strip_prefix("42/admin,"))
        .map(|j| serde_json::from_str(j).expect("JSON event"))
        .collect()
}

/// The events named `name` among `texts`.
fn named(texts: &[String], name: &str) -> Vec<Value> {
    admin_events(texts)
        .into_iter()
        .filter(|e| e[0] == name)
        .collect()
}

/// An admin connected without auth: its `config` and `all_sockets`.
fn admin_client(t: &mut TestServer) -> (Ws, SocketId, Vec<Value>) {
    let ws = t.open_ws();
    t.text(ws, "40/admin,");
    let out = t.drain();
    let texts = out.texts(ws.conn);
    let socket = parse_grant(&texts[0], "/admin");
    (ws, socket, admin_events(&texts[1..]))
}

#[test]
fn an_admin_gets_config_and_every_socket_on_connect() {
    let mut t = instrumented(admin_config());
    t.io.add_namespace("/chat");
    let (_, a) = t.client("/");
    t.io.join(a, "room1").unwrap();
    let (_, b) = t.client("/chat");
    let _ = t.drain();
    let (_, admin, events) = admin_client(&mut t);
    // As in Node, the admin hears of itself first.
    assert_eq!(events.len(), 3, "{events:?}");
    assert_eq!(events[0][0], "socket_connected");
    assert_eq!(events[0][1]["id"], admin.as_str());
    let events = &events[1..];
    let features = [
        "EMIT",
        "JOIN",
        "LEAVE",
        "DISCONNECT",
        "MJOIN",
        "MLEAVE",
        "MDISCONNECT",
        "AGGREGATED_EVENTS",
        "ALL_EVENTS",
    ];
    assert_eq!(
        events[0],
        json!(["config", { "supportedFeatures": features }])
    );
    assert_eq!(events[1][0], "all_sockets");
    let list = events[1][1].as_array().unwrap();
    let find = |id: SocketId| list.iter().find(|s| s["id"] == id.as_str()).unwrap();
    assert_eq!(list.len(), 3, "{list:?}");
    let sa = find(a);
    assert_eq!(sa["nsp"], "/");
    assert_eq!(sa["transport"], "websocket");
    assert_eq!(sa["rooms"], json!([a.as_str(), "room1"]));
    assert_eq!(sa["data"], json!({}));
    assert_eq!(sa["clientId"].as_str().unwrap().len(), 12);
    assert_eq!(sa["handshake"]["url"], WS_HANDSHAKE);
    assert_eq!(sa["handshake"]["query"]["EIO"], "4");
    assert_eq!(find(b)["nsp"], "/chat");
    assert_eq!(find(admin)["nsp"], "/admin");
    // The admin's events never reach the application.
    t.text(admin_client_ws(&t, admin), r#"42/admin,["nope",1]"#);
    assert!(t.drain().events().is_empty());
}

/// The connection of a connected socket (by its session).
fn admin_client_ws(t: &TestServer, socket: SocketId) -> Ws {
    let (_, sid, _) = t.io.socket_info(socket).unwrap();
    let conn = t.io.engine().session(sid).unwrap().websocket.unwrap();
    Ws { sid, conn }
}

#[test]
fn stats_go_out_every_two_seconds() {
    let mut t = instrumented(AdminConfig {
        server_id: "srv".to_owned(),
        ..admin_config()
    });
    let (admin_ws, _, _) = admin_client(&mut t);
    let (ws, _) = t.watched_client("/");
    t.text(ws, r#"42["hi"]"#);
    let _ = t.drain();
    t.advance(ms(1999));
    assert!(named(&t.drain().texts(admin_ws.conn), "server_stats").is_empty());
    t.advance(ms(1));
    let stats = named(&t.drain().texts(admin_ws.conn), "server_stats");
    assert_eq!(stats.len(), 1);
    let s = &stats[0][1];
    assert_eq!(s["serverId"], "srv");
    assert_eq!(s["hostname"], "host-1");
    assert_eq!(s["pid"], 4242);
    assert_eq!(s["uptime"], 2.0);
    assert_eq!(s["clientsCount"], 2);
    assert_eq!(s["pollingClientsCount"], 0);
    assert_eq!(
        s["namespaces"],
        json!([{"name": "/", "socketsCount": 1}, {"name": "/admin", "socketsCount": 1}])
    );
    let agg = s["aggregatedEvents"].as_array().unwrap();
    let total = |kind: &str| -> u64 {
        agg.iter()
            .filter(|e| e["type"] == kind)
            .map(|e| e["count"].as_u64().unwrap())
            .sum()
    };
    assert_eq!(total("rawConnection"), 2);
    // 40/admin, 40 and 42["hi"].
    assert_eq!(total("packetsIn"), 3);
    // Message bytes, without the Engine.IO type (Node's `packet.data`).
    assert_eq!(total("bytesIn"), ("0/admin,".len() + 1 + 7) as u64);
    // Sent: two open packets, the admin's CONNECT, socket_connected,
    // config and all_sockets, the client's CONNECT, and the admin's
    // socket_connected and event_received about it; stamped with the
    // second of the stats.
    assert_eq!(total("packetsOut"), 9, "{agg:?}");
    assert!(total("bytesOut") > 1000, "{agg:?}");
    for e in agg {
        let at = if e["type"].as_str().unwrap().ends_with("Out") {
            START_MS + 2000
        } else {
            START_MS
        };
        assert_eq!(e["timestamp"], at, "{agg:?}");
    }
    // Options replaced: still one stats every 2 s, cleared each time;
    // the next one 2 s later, with a polling client.
    t.io.instrument(AdminConfig {
        server_id: "srv2".to_owned(),
        ..admin_config()
    });
    let _polling = t.polling_client("/");
    t.conn_closed(ws.conn);
    let _ = t.drain();
    t.advance(secs(2));
    let stats = named(&t.drain().texts(admin_ws.conn), "server_stats");
    assert_eq!(stats.len(), 1);
    let s = &stats[0][1];
    assert_eq!(s["uptime"], 4.0);
    assert_eq!(s["serverId"], "srv2");
    assert_eq!(s["pollingClientsCount"], 1);
    let agg = s["aggregatedEvents"].as_array().unwrap();
    assert!(
        agg.iter().any(|e| e["type"] == "rawDisconnection"
            && e["subType"] == "transport close"
            && e["timestamp"] == START_MS + 2000),
        "{agg:?}"
    );
    assert!(
        !agg.iter()
            .any(|e| e["type"] == "rawConnection" && e["timestamp"] == START_MS)
    );
}

#[test]
fn room_changes_connections_and_events_are_reported_live() {
    let mut t = instrumented(admin_config());
    let (admin_ws, _, _) = admin_client(&mut t);
    t.advance(ms(1500));
    let (ws, s) = t.watched_client("/");
    let texts = t.drain_texts(admin_ws);
    let connected = named(&texts, "socket_connected");
    assert_eq!(connected.len(), 1, "{texts:?}");
    assert_eq!(connected[0][1]["id"], s.as_str());
    assert_eq!(connected[0][2], "2023-11-14T22:13:21.500Z");
    t.io.join(s, "room1").unwrap();
    t.io.join(s, "room1").unwrap(); // already in: no news
    assert_eq!(
        admin_events(&t.drain_texts(admin_ws)),
        vec![json!([
            "room_joined",
            "/",
            "room1",
            s.as_str(),
            "2023-11-14T22:13:21.500Z"
        ])]
    );
    t.io.leave(s, "room1").unwrap();
    assert_eq!(
        named(&t.drain_texts(admin_ws), "room_left"),
        vec![json!([
            "room_left",
            "/",
            "room1",
            s.as_str(),
            "2023-11-14T22:13:21.500Z"
        ])]
    );
    t.text(ws, r#"42["chat",{"a":1}]"#);
    assert_eq!(
        named(&t.drain_texts(admin_ws), "event_received"),
        vec![
            json!(["event_received", "/", s.as_str(), ["chat", {"a": 1}], "2023-11-14T22:13:21.500Z"])
        ]
    );
    t.io.emit(s, "news", &args("[2]")).unwrap();
    assert_eq!(
        named(&t.drain_texts(admin_ws), "event_sent"),
        vec![json!([
            "event_sent",
            "/",
            s.as_str(),
            ["news", 2],
            "2023-11-14T22:13:21.500Z"
        ])]
    );
    t.io.set_socket_data(s, Bytes::from_static(br#"{"user":"ann"}"#))
        .unwrap();
    assert_eq!(
        admin_events(&t.drain_texts(admin_ws)),
        vec![json!(["socket_updated", {"id": s.as_str(), "nsp": "/", "data": {"user": "ann"}}])]
    );
    t.io.join(s, "room2").unwrap();
    let _ = t.drain();
    t.conn_closed(ws.conn);
    let date = "2023-11-14T22:13:21.500Z";
    // Then its rooms are left, as Node's adapter reports them.
    assert_eq!(
        admin_events(&t.drain_texts(admin_ws)),
        vec![
            json!([
                "socket_disconnected",
                "/",
                s.as_str(),
                "transport close",
                date
            ]),
            json!(["room_left", "/", s.as_str(), s.as_str(), date]),
            json!(["room_left", "/", "room2", s.as_str(), date]),
        ]
    );
}

#[test]
fn production_mode_sends_only_stats() {
    let mut t = instrumented(AdminConfig {
        mode: AdminMode::Production,
        readonly: true,
        ..admin_config()
    });
    let (admin_ws, _, events) = admin_client(&mut t);
    assert_eq!(
        events,
        vec![json!(["config", { "supportedFeatures": ["AGGREGATED_EVENTS"] }])]
    );
    let (_, s) = t.watched_client("/");
    t.io.join(s, "r").unwrap();
    assert!(t.drain_texts(admin_ws).is_empty());
    // Read-only: actions are ignored.
    t.text(admin_ws, &format!(r#"42/admin,["join","/","r2","{s}"]"#));
    let _ = t.drain();
    assert_eq!(t.io.rooms(s).unwrap(), [s.as_str(), "r"]);
    t.advance(secs(2));
    let texts = t.drain_texts(admin_ws);
    assert_eq!(admin_events(&texts).len(), 1);
    assert_eq!(named(&texts, "server_stats").len(), 1);
}

#[test]
fn the_ui_actions_change_rooms_and_disconnect() {
    let mut t = instrumented(admin_config());
    let (admin_ws, _, _) = admin_client(&mut t);
    let (_, a) = t.watched_client("/");
    let _ = t.drain();
    let (b_ws, b) = t.watched_client("/");
    let _ = t.drain();
    // One socket (the UI passes its id), then every socket of a room.
    t.text(admin_ws, &format!(r#"42/admin,["join","/","r1","{a}"]"#));
    let _ = t.drain();
    assert_eq!(t.io.rooms(a).unwrap(), [a.as_str(), "r1"]);
    assert_eq!(t.io.rooms(b).unwrap(), [b.as_str()]);
    t.text(admin_ws, r#"42/admin,["join","/","r2"]"#);
    t.text(admin_ws, r#"42/admin,["leave","/","r1","r1"]"#);
    let _ = t.drain();
    assert_eq!(t.io.rooms(a).unwrap(), [a.as_str(), "r2"]);
    assert_eq!(t.io.rooms(b).unwrap(), [b.as_str(), "r2"]);
    t.text(admin_ws, r#"42/admin,["emit","/","r2","hello",1]"#);
    assert_eq!(t.drain().texts(b_ws.conn), vec![r#"42["hello",1]"#]);
    t.text(
        admin_ws,
        &format!(r#"42/admin,["_disconnect","/",false,"{b}"]"#),
    );
    let out = t.drain();
    assert_eq!(out.texts(b_ws.conn), vec!["41"]);
    assert!(!t.io.is_connected(b));
    assert!(t.io.is_connected(a));
    // Malformed actions are ignored.
    t.text(admin_ws, r#"42/admin,["join",1,2]"#);
    t.text(admin_ws, r#"42/admin,["emit","/"]"#);
    let _ = t.drain();
    assert_eq!(t.io.rooms(a).unwrap(), [a.as_str(), "r2"]);
}

#[test]
fn basic_auth_checks_the_password_through_the_adapter_and_hands_out_a_session() {
    let mut t = instrumented(AdminConfig {
        auth: Some(BasicAuth {
            username: "admin".to_owned(),
            password_hash: "$2b$04$hash".to_owned(),
        }),
        ..admin_config()
    });
    // A wrong user name is refused at once.
    let ws = t.open_ws();
    t.text(ws, r#"40/admin,{"username":"root","password":"x"}"#);
    let out = t.drain();
    assert_eq!(
        out.texts(ws.conn),
        vec![r#"44/admin,{"message":"invalid credentials"}"#]
    );
    assert!(out.events().is_empty());
    // The right one: the adapter checks the password.
    t.text(ws, r#"40/admin,{"username":"admin","password":"bad"}"#);
    let events = t.drain().events();
    let [SocketEvent::AdminLogin { socket, check }] = &events[..] else {
        panic!("{events:?}")
    };
    assert_eq!(
        check,
        &AdminLogin {
            password: "bad".to_owned(),
            hash: "$2b$04$hash".to_owned()
        }
    );
    assert_eq!(format!("{check:?}"), "AdminLogin { .. }");
    t.io.admin_login_checked(*socket, false).unwrap();
    assert_eq!(
        t.drain().texts(ws.conn),
        vec![r#"44/admin,{"message":"invalid credentials"}"#]
    );
    assert!(
        t.io.admin_login_checked(*socket, true).is_err(),
        "answered once"
    );
    t.text(ws, r#"40/admin,{"username":"admin","password":"good"}"#);
    let events = t.drain().events();
    let [SocketEvent::AdminLogin { socket, .. }] = &events[..] else {
        panic!("{events:?}")
    };
    t.io.admin_login_checked(*socket, true).unwrap();
    let texts = t.drain().texts(ws.conn);
    parse_grant(&texts[0], "/admin");
    let session = named(&texts, "session");
    let id = session[0][1].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 22);
    // The session id lets the next login in without a password check.
    let ws2 = t.open_ws();
    t.text(ws2, &format!(r#"40/admin,{{"sessionId":"{id}"}}"#));
    let out = t.drain();
    parse_grant(&out.texts(ws2.conn)[0], "/admin");
    assert!(matches!(&out.events()[..], [SocketEvent::Connect { .. }]));
    // An unknown one does not.
    let ws3 = t.open_ws();
    t.text(ws3, r#"40/admin,{"sessionId":"forged"}"#);
    assert_eq!(
        t.drain().texts(ws3.conn),
        vec![r#"44/admin,{"message":"invalid credentials"}"#]
    );
}

#[test]
fn an_upgrade_is_reported_as_a_transport_update() {
    let mut t = instrumented(admin_config());
    let (sid, s) = t.polling_client("/");
    let (admin_ws, _, events) = admin_client(&mut t);
    let listed = events.iter().find(|e| e[0] == "all_sockets").unwrap()[1]
        .as_array()
        .unwrap();
    let polling = listed.iter().find(|e| e["id"] == s.as_str()).unwrap();
    assert_eq!(polling["transport"], "polling");
    let mut req = HttpRequest::get(&format!("{WS_HANDSHAKE}&sid={sid}"));
    req.websocket = true;
    let conn = t.request(req);
    let ws = Ws { sid, conn };
    t.text(ws, "2probe");
    t.text(ws, "5");
    assert_eq!(
        named(&t.drain_texts(admin_ws), "socket_updated"),
        vec![json!(["socket_updated", {"id": s.as_str(), "nsp": "/", "transport": "websocket"}])]
    );
}

impl TestServer {
    /// A new WebSocket client of `nsp`, whatever else the connect outputs
    /// (the admins' news); the outputs stay for [`TestServer::drain`].
    fn watched_client(&mut self, nsp: &str) -> (Ws, SocketId) {
        let ws = self.open_ws();
        self.text(ws, &format!("40{}", nsp_prefix(nsp)));
        self.pump();
        let out = Outs(std::mem::take(&mut self.pending));
        let socket = parse_grant(&out.texts(ws.conn)[0], nsp);
        self.pending = out.0;
        (ws, socket)
    }

    /// The texts written on `ws` since the last drain.
    fn drain_texts(&mut self, ws: Ws) -> Vec<String> {
        self.drain().texts(ws.conn)
    }
}

#[test]
fn in_a_cluster_every_members_news_reach_every_admin() {
    let mut c = super::cluster::Cluster::new(2);
    for i in 0..2 {
        c.node(i).io.instrument(AdminConfig {
            hostname: format!("node-{i}"),
            ..admin_config()
        });
    }
    c.settle(); // the admin namespace's subscriptions
    let (admin_ws, _, _) = admin_client(c.node(0));
    c.settle();
    let _ = c.node(0).drain();
    // A client of the other member: its connection and room reach the admin.
    let (_, s) = c.node(1).watched_client("/");
    c.node(1).io.join(s, "far").unwrap();
    c.settle();
    let texts = c.node(0).drain_texts(admin_ws);
    assert_eq!(named(&texts, "socket_connected")[0][1]["id"], s.as_str());
    let joined = &named(&texts, "room_joined")[0];
    assert_eq!(
        (&joined[2], &joined[3]),
        (&json!("far"), &json!(s.as_str()))
    );
    // And both members' stats.
    c.advance(secs(2));
    let texts = c.node(0).drain_texts(admin_ws);
    let mut hosts: Vec<String> = named(&texts, "server_stats")
        .iter()
        .map(|s| s[1]["hostname"].as_str().unwrap().to_owned())
        .collect();
    hosts.sort();
    assert_eq!(hosts, ["node-0", "node-1"]);
}

#[test]
fn counts_nobody_heard_are_dropped_at_each_period() {
    let mut t = instrumented(admin_config());
    let (ws, _) = t.client("/");
    t.text(ws, r#"42["unheard"]"#);
    t.advance(secs(2)); // no admin: nothing sent, counts dropped
    let _ = t.drain();
    let (admin_ws, _, _) = admin_client(&mut t);
    t.advance(secs(2));
    let stats = named(&t.drain_texts(admin_ws), "server_stats");
    let agg = stats[0][1]["aggregatedEvents"].as_array().unwrap().clone();
    let types: Vec<&str> = agg.iter().map(|e| e["type"].as_str().unwrap()).collect();
    // Only the admin's own connection: one session, one message in.
    assert_eq!(
        types,
        [
            "rawConnection",
            "packetsIn",
            "bytesIn",
            "packetsOut",
            "bytesOut"
        ]
    );
    assert!(
        agg.iter()
            .all(|e| e["timestamp"].as_u64() >= Some(START_MS + 2000))
    );
    assert_eq!(agg[0]["count"], 1);
    assert_eq!(agg[1]["count"], 1);
}
