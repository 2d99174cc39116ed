//! Engine.IO behaviours where the reference server (Node's `engine.io`)
//! does something particular, checked on the wire with raw HTTP and
//! WebSocket clients against the echo endpoint.

use std::net::SocketAddr;
use std::time::Duration;
use tests::raw::{
    self, assert_echo, close_code, open_polling, poll, post, send_only, ws_next_text, ws_send_text,
    ws_upgrade,
};

const P: &str = "/engine.io/";

fn server() -> sio_smol::RunningServer {
    let addr: SocketAddr = "127.0.0.1:0".parse().unwrap();
    sio_smol::spawn_thread(addr, raw::echo_mux).unwrap()
}

/// A close packet POSTed while a GET is held: the GET gets a noop `6`
/// (not `1`), and the session is gone.
#[test]
fn close_packet_releases_the_held_get_with_a_noop() {
    let server = server();
    let addr = server.addr();
    let sid = open_polling(addr, P);
    let mut held = send_only(
        addr,
        "GET",
        &format!("{P}?EIO=4&transport=polling&sid={sid}"),
        b"",
    );
    // Let the GET reach the server before the close packet does.
    std::thread::sleep(Duration::from_millis(200));
    let res = post(addr, P, &sid, b"1");
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.text(), "ok");
    let res = raw::read_response(&mut held);
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.text(), "6");
    let res = poll(addr, P, &sid);
    assert_eq!(res.status, 400, "{}", res.text());
    assert_eq!(
        res.json(),
        serde_json::json!({"code": 1, "message": "Session ID unknown"})
    );
}

/// Upgrades polling session `sid` on a raw WebSocket (probe, then `5`).
fn upgrade(addr: SocketAddr, sid: &str) -> std::net::TcpStream {
    let mut ws = ws_upgrade(addr, &format!("{P}?EIO=4&transport=websocket&sid={sid}"));
    ws_send_text(&mut ws, "2probe");
    assert_eq!(ws_next_text(&mut ws).as_deref(), Some("3probe"));
    ws_send_text(&mut ws, "5");
    ws
}

/// A second WebSocket for a session already on WebSocket: the handshake
/// completes (101) and that connection is closed at once; the first one
/// keeps working.
#[test]
fn second_websocket_of_an_upgraded_session_is_closed() {
    let server = server();
    let addr = server.addr();
    let sid = open_polling(addr, P);
    let mut first = upgrade(addr, &sid);
    let mut second = ws_upgrade(addr, &format!("{P}?EIO=4&transport=websocket&sid={sid}"));
    assert_eq!(close_code(&mut second), 1000);
    ws_send_text(&mut first, "4still here");
    assert_eq!(ws_next_text(&mut first).as_deref(), Some("4still here"));
}

/// The same during an upgrade: the second WebSocket is closed, the first
/// completes the upgrade and carries messages.
#[test]
fn second_websocket_during_an_upgrade_is_closed() {
    let server = server();
    let addr = server.addr();
    let sid = open_polling(addr, P);
    let target = format!("{P}?EIO=4&transport=websocket&sid={sid}");
    let mut first = ws_upgrade(addr, &target);
    let mut second = ws_upgrade(addr, &target);
    assert_eq!(close_code(&mut second), 1000);
    ws_send_text(&mut first, "2probe");
    assert_eq!(ws_next_text(&mut first).as_deref(), Some("3probe"));
    ws_send_text(&mut first, "5");
    ws_send_text(&mut first, "4upgraded");
    assert_eq!(ws_next_text(&mut first).as_deref(), Some("4upgraded"));
    // Polling is over for this session; a bystander is not disturbed.
    let other = open_polling(addr, P);
    assert_echo(addr, P, &other, "bystander");
}
