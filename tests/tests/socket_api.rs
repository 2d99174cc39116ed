//! The public Socket.IO API of `sio-smol` with the npm `socket.io-client`
//! (driven from Node) against the API server (`tests::api_server`):
//! listeners, `on_any`, packet middleware, socket lookup, operators and
//! dynamic namespaces; volatile emits on the wire with a raw polling client.

use std::net::SocketAddr;
use tests::raw::{self, open_polling, poll, post};

fn scenario(name: &str) {
    tests::run_scenario("sio-api.mjs", name, tests::api_server::mux);
}

#[test]
fn several_listeners_once_off_and_send() {
    scenario("listeners");
}

#[test]
fn on_any_outgoing_and_packet_middleware() {
    scenario("any");
}

#[test]
fn socket_lookup_by_id() {
    scenario("lookup");
}

#[test]
fn operators_fetch_join_leave_disconnect() {
    scenario("operators");
}

#[test]
fn dynamic_namespace_children_and_parent_broadcasts() {
    scenario("dynamic");
}

/// Polls session `sid` until it gets packets other than pings (which it
/// answers); returns those.
fn poll_packets(addr: SocketAddr, path: &str, sid: &str) -> Vec<String> {
    loop {
        let res = poll(addr, path, sid);
        assert_eq!(res.status, 200, "{}", res.text());
        let mut packets = Vec::new();
        for p in res.text().split('\x1e') {
            if p == "2" {
                assert_eq!(post(addr, path, sid, b"3").text(), "ok");
            } else {
                packets.push(p.to_owned());
            }
        }
        if !packets.is_empty() {
            return packets;
        }
    }
}

/// Volatile emits to one socket and to a namespace: a polling client with
/// no GET waiting misses them; what follows arrives. A client on
/// WebSocket gets them.
#[test]
fn volatile_emits_skip_a_polling_client_between_requests() {
    const P: &str = "/socket.io/";
    let addr: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let server = sio_smol::spawn_thread(addr, tests::api_server::mux).expect("server starts");
    let addr = server.addr();
    let mut ws = raw::sio_ws(addr, P);
    let sid = open_polling(addr, P);
    assert_eq!(post(addr, P, &sid, b"40").text(), "ok");
    let mut got = Vec::new();
    while got.len() < 3 {
        got.extend(poll_packets(addr, P, &sid));
    }
    assert!(got[0].starts_with("40{\"sid\":"), "{got:?}");
    assert!(got[1].contains("\"welcome\""), "{got:?}");
    assert_eq!(got[2], r#"42["second-listener",true]"#);
    // No GET held: the volatile emits are dropped for this client.
    assert_eq!(post(addr, P, &sid, br#"42["volatile"]"#).text(), "ok");
    assert_eq!(poll_packets(addr, P, &sid), vec![r#"42["after",3]"#]);
    // The WebSocket client got the namespace-wide one (not the others,
    // which went to the polling socket).
    let mut texts = Vec::new();
    while texts.len() < 3 {
        texts.push(raw::ws_next_text(&mut ws).expect("frame"));
    }
    assert!(texts[0].contains("\"welcome\""), "{texts:?}");
    assert_eq!(texts[1], r#"42["second-listener",true]"#);
    assert_eq!(texts[2], r#"42["v-all",2]"#);
    // From the WebSocket client itself: all three arrive.
    raw::ws_send_text(&mut ws, r#"42["volatile"]"#);
    let mut got = Vec::new();
    while got.len() < 3 {
        got.push(raw::ws_next_text(&mut ws).expect("frame"));
    }
    got.sort();
    assert_eq!(
        got,
        vec![
            r#"42["after",3]"#.to_owned(),
            r#"42["v-all",2]"#.to_owned(),
            r#"42["v-socket",1]"#.to_owned(),
        ]
    );
    server.stop().expect("server stops cleanly");
}
