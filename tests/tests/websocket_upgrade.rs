//! Every way a WebSocket upgrade request reaches the server works the same:
//! the first request of a connection, answered without hyper (with frames
//! sent in the same write, or refused with its error), and the requests
//! hyper answers (a head split across writes, an upgrade after other
//! requests on a keep-alive connection).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;
use tests::raw::{client_frame, open_polling, parse_response, ws_next_text, ws_send_text};

const P: &str = "/engine.io/";
const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";

fn server() -> sio_smol::RunningServer {
    let addr: SocketAddr = "127.0.0.1:0".parse().unwrap();
    sio_smol::spawn_thread(addr, || {
        let config = sio_core::engine::EngineConfig {
            ping_interval: Duration::from_secs(25),
            ping_timeout: Duration::from_secs(20),
            ..examples::conformance_config(P)
        };
        sio_smol::Mux::new().mount(&examples::echo_engine(config))
    })
    .unwrap()
}

fn connect(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.set_nodelay(true).unwrap();
    s
}

/// An upgrade request with `query`.
fn upgrade(addr: SocketAddr, query: &str) -> String {
    format!(
        "GET {P}?{query} HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\n\
         Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: {KEY}\r\n\r\n"
    )
}

/// Reads a response head byte by byte (what follows is WebSocket data).
fn read_head(s: &mut TcpStream) -> String {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        s.read_exact(&mut byte).expect("response head");
        head.push(byte[0]);
    }
    String::from_utf8(head).unwrap()
}

/// Checks a `101` head: status and the accept key of RFC 6455's example.
fn assert_switching(head: &str) {
    assert!(head.starts_with("HTTP/1.1 101 "), "{head}");
    let lower = head.to_ascii_lowercase();
    assert!(
        lower.contains("sec-websocket-accept: s3pplmbitxaq9kygzzhzrbk+xoo=\r\n"),
        "{head}"
    );
    assert!(lower.contains("upgrade: websocket\r\n"), "{head}");
}

/// The open packet, then an echo of `text`.
fn assert_open_and_echo(s: &mut TcpStream, text: &str) {
    let open = ws_next_text(s).expect("open packet");
    assert!(open.starts_with("0{\"sid\":"), "{open}");
    ws_send_text(s, &format!("4{text}"));
    assert_eq!(ws_next_text(s).as_deref(), Some(&*format!("4{text}")));
}

#[test]
fn frames_in_the_same_write_as_the_upgrade_request() {
    let srv = server();
    let mut s = connect(srv.addr());
    let mut bytes = upgrade(srv.addr(), "EIO=4&transport=websocket").into_bytes();
    bytes.extend_from_slice(&client_frame(1, b"4early"));
    s.write_all(&bytes).unwrap();
    assert_switching(&read_head(&mut s));
    let open = ws_next_text(&mut s).expect("open packet");
    assert!(open.starts_with("0{\"sid\":"), "{open}");
    assert_eq!(ws_next_text(&mut s).as_deref(), Some("4early"));
    ws_send_text(&mut s, "4later");
    assert_eq!(ws_next_text(&mut s).as_deref(), Some("4later"));
}

#[test]
fn an_upgrade_head_split_across_writes() {
    let srv = server();
    let mut s = connect(srv.addr());
    let req = upgrade(srv.addr(), "EIO=4&transport=websocket");
    let (a, b) = req.split_at(req.len() / 2);
    s.write_all(a.as_bytes()).unwrap();
    std::thread::sleep(Duration::from_millis(100));
    s.write_all(b.as_bytes()).unwrap();
    assert_switching(&read_head(&mut s));
    assert_open_and_echo(&mut s, "split");
}

#[test]
fn an_upgrade_after_a_request_on_a_keep_alive_connection() {
    let srv = server();
    let mut s = connect(srv.addr());
    let addr = srv.addr();
    s.write_all(
        format!("GET {P}?EIO=4&transport=polling HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes(),
    )
    .unwrap();
    // The polling handshake's response, read up to its whole body.
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    let res = loop {
        let n = s.read(&mut chunk).unwrap();
        assert!(n > 0, "connection closed");
        buf.extend_from_slice(&chunk[..n]);
        if let Some(res) = parse_response(&buf) {
            let declared = res.header("content-length").unwrap().parse::<usize>();
            if res.body.len() == declared.unwrap() {
                break res;
            }
        }
    };
    assert_eq!(res.status, 200);
    assert!(res.text().starts_with("0{\"sid\":"), "{}", res.text());
    s.write_all(upgrade(addr, "EIO=4&transport=websocket").as_bytes())
        .unwrap();
    assert_switching(&read_head(&mut s));
    assert_open_and_echo(&mut s, "second request");
}

#[test]
fn an_upgrade_of_a_polling_session() {
    let srv = server();
    let sid = open_polling(srv.addr(), P);
    let mut s = connect(srv.addr());
    let mut bytes =
        upgrade(srv.addr(), &format!("EIO=4&transport=websocket&sid={sid}")).into_bytes();
    bytes.extend_from_slice(&client_frame(1, b"2probe"));
    s.write_all(&bytes).unwrap();
    assert_switching(&read_head(&mut s));
    assert_eq!(ws_next_text(&mut s).as_deref(), Some("3probe"));
    ws_send_text(&mut s, "5");
    ws_send_text(&mut s, "4upgraded");
    assert_eq!(ws_next_text(&mut s).as_deref(), Some("4upgraded"));
}

#[test]
fn a_refused_upgrade_gets_its_error_then_the_connection_closes() {
    let srv = server();
    for (query, code, message) in [
        (
            "EIO=3&transport=websocket",
            5,
            "Unsupported protocol version",
        ),
        (
            "EIO=4&transport=websocket&sid=AAAAAAAAAAAAAAAAAAAAAA",
            1,
            "Session ID unknown",
        ),
    ] {
        let mut s = connect(srv.addr());
        s.write_all(upgrade(srv.addr(), query).as_bytes()).unwrap();
        let mut buf = Vec::new();
        // Ends: the server closes the connection after the response.
        s.read_to_end(&mut buf).expect("response, then close");
        let res = parse_response(&buf).expect("a response");
        assert_eq!(res.status, 400, "{}", res.text());
        assert_eq!(res.header("content-type"), Some("application/json"));
        assert_eq!(res.header("connection"), Some("close"));
        assert_eq!(
            res.json(),
            serde_json::json!({"code": code, "message": message})
        );
    }
}
