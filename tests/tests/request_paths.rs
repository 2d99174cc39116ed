//! Every way a request reaches the server works the same, whether the
//! adapter answers it without hyper (WebSocket upgrades and small
//! long-polling GETs and POSTs, while a connection's requests are that
//! plain) or hyper does (everything else, from the first such request on):
//! frames in the same write as an upgrade, heads and bodies split across
//! writes, pipelined requests, a switch to hyper in the middle of a
//! keep-alive connection, `Connection: close`, refusals, a client that
//! leaves during a long-poll. On both adapters (`tests::adapter`): the
//! tokio example serves everything with hyper.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;
use tests::adapter::{Adapter, Server};
use tests::raw::{
    RawResponse, assert_echo, client_frame, open_polling, parse_response, ws_next_text,
    ws_send_text,
};

const P: &str = "/engine.io/";
const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";

fn server(adapter: Adapter) -> Server {
    adapter.raw_echo()
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

fn frames_in_the_same_write_as_the_upgrade_request(adapter: Adapter) {
    let srv = server(adapter);
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

fn an_upgrade_head_split_across_writes(adapter: Adapter) {
    let srv = server(adapter);
    let mut s = connect(srv.addr());
    let req = upgrade(srv.addr(), "EIO=4&transport=websocket");
    let (a, b) = req.split_at(req.len() / 2);
    s.write_all(a.as_bytes()).unwrap();
    std::thread::sleep(Duration::from_millis(100));
    s.write_all(b.as_bytes()).unwrap();
    assert_switching(&read_head(&mut s));
    assert_open_and_echo(&mut s, "split");
}

fn an_upgrade_after_a_request_on_a_keep_alive_connection(adapter: Adapter) {
    let srv = server(adapter);
    let mut s = connect(srv.addr());
    let addr = srv.addr();
    s.write_all(
        format!("GET {P}?EIO=4&transport=polling HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes(),
    )
    .unwrap();
    let res = next_response(&mut s, &mut Vec::new());
    assert_eq!(res.status, 200);
    assert!(res.text().starts_with("0{\"sid\":"), "{}", res.text());
    s.write_all(upgrade(addr, "EIO=4&transport=websocket").as_bytes())
        .unwrap();
    assert_switching(&read_head(&mut s));
    assert_open_and_echo(&mut s, "second request");
}

fn an_upgrade_of_a_polling_session(adapter: Adapter) {
    let srv = server(adapter);
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

fn a_refused_upgrade_gets_its_error_then_the_connection_closes(adapter: Adapter) {
    let srv = server(adapter);
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

/// Reads the next response with a `Content-Length` body from a keep-alive
/// connection; `buf` keeps bytes read past it.
fn next_response(s: &mut TcpStream, buf: &mut Vec<u8>) -> RawResponse {
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let res = parse_response(&buf[..end + 4]).expect("a response head");
            let len: usize = res
                .header("content-length")
                .expect("content-length")
                .parse()
                .unwrap();
            if buf.len() >= end + 4 + len {
                let whole: Vec<u8> = buf.drain(..end + 4 + len).collect();
                return parse_response(&whole).unwrap();
            }
        }
        let n = s.read(&mut chunk).expect("read");
        assert!(n > 0, "connection closed before a whole response");
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// A keep-alive POST of `body` to session `sid`.
fn post_req(addr: SocketAddr, sid: &str, body: &str) -> String {
    format!(
        "POST {P}?EIO=4&transport=polling&sid={sid} HTTP/1.1\r\nHost: {addr}\r\n\
         Content-Type: text/plain;charset=UTF-8\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

/// A keep-alive GET (long-poll) of session `sid`.
fn get_req(addr: SocketAddr, sid: &str) -> String {
    format!("GET {P}?EIO=4&transport=polling&sid={sid} HTTP/1.1\r\nHost: {addr}\r\n\r\n")
}

fn pipelined_and_split_polling_requests_on_one_connection(adapter: Adapter) {
    let srv = server(adapter);
    let addr = srv.addr();
    let sid = open_polling(addr, P);
    let mut s = connect(addr);
    let mut buf = Vec::new();
    // Two POSTs in one write.
    let two = post_req(addr, &sid, "4one") + &post_req(addr, &sid, "4two");
    s.write_all(two.as_bytes()).unwrap();
    for _ in 0..2 {
        let res = next_response(&mut s, &mut buf);
        assert_eq!((res.status, res.text().as_str()), (200, "ok"));
    }
    // A POST whose head and body come in separate writes.
    let req = post_req(addr, &sid, "4three");
    let (head, body) = req.split_at(req.len() - 6);
    s.write_all(head.as_bytes()).unwrap();
    std::thread::sleep(Duration::from_millis(50));
    s.write_all(body.as_bytes()).unwrap();
    let res = next_response(&mut s, &mut buf);
    assert_eq!((res.status, res.text().as_str()), (200, "ok"));
    // The echoes, on the same connection.
    s.write_all(get_req(addr, &sid).as_bytes()).unwrap();
    let res = next_response(&mut s, &mut buf);
    assert_eq!(res.status, 200);
    assert_eq!(res.text(), "4one\x1e4two\x1e4three");
}

fn a_connection_goes_on_with_hyper_after_an_unusual_request(adapter: Adapter) {
    let srv = server(adapter);
    let addr = srv.addr();
    let sid = open_polling(addr, P);
    let mut s = connect(addr);
    let mut buf = Vec::new();
    s.write_all(post_req(addr, &sid, "4plain").as_bytes())
        .unwrap();
    assert_eq!(next_response(&mut s, &mut buf).text(), "ok");
    // A chunked body is hyper's to read; the connection stays open.
    let chunked = format!(
        "POST {P}?EIO=4&transport=polling&sid={sid} HTTP/1.1\r\nHost: {addr}\r\n\
         Transfer-Encoding: chunked\r\n\r\n8\r\n4chunked\r\n0\r\n\r\n"
    );
    s.write_all(chunked.as_bytes()).unwrap();
    assert_eq!(next_response(&mut s, &mut buf).text(), "ok");
    // Then plain requests again, now through hyper.
    s.write_all(get_req(addr, &sid).as_bytes()).unwrap();
    let res = next_response(&mut s, &mut buf);
    assert_eq!(res.text(), "4plain\x1e4chunked");
    // A body past the size served without hyper.
    let big = format!("4{}", "x".repeat(100_000));
    s.write_all(post_req(addr, &sid, &big).as_bytes()).unwrap();
    assert_eq!(next_response(&mut s, &mut buf).text(), "ok");
    s.write_all(get_req(addr, &sid).as_bytes()).unwrap();
    assert_eq!(next_response(&mut s, &mut buf).text(), big);
}

fn connection_close_is_honoured(adapter: Adapter) {
    let srv = server(adapter);
    let addr = srv.addr();
    let sid = open_polling(addr, P);
    let mut s = connect(addr);
    let req = post_req(addr, &sid, "4bye").replace("Host:", "Connection: close\r\nHost:");
    s.write_all(req.as_bytes()).unwrap();
    let mut all = Vec::new();
    s.read_to_end(&mut all).expect("response, then close");
    let res = parse_response(&all).expect("a response");
    assert_eq!((res.status, res.text().as_str()), (200, "ok"));
    assert_eq!(res.header("connection"), Some("close"));
}

fn a_client_that_leaves_during_a_long_poll_ends_its_session(adapter: Adapter) {
    let srv = server(adapter);
    let addr = srv.addr();
    let sid = open_polling(addr, P);
    let bystander = open_polling(addr, P);
    {
        let mut s = connect(addr);
        s.write_all(get_req(addr, &sid).as_bytes()).unwrap();
        // Held: nothing to send yet. Then the client goes away.
        std::thread::sleep(Duration::from_millis(100));
    }
    // The engine heard of it: the session is closed, its sid unknown. (A
    // POST, which a held GET does not conflict with: a second GET would
    // close the session by itself.)
    let mut unknown = false;
    for _ in 0..50 {
        let res = tests::raw::post(addr, P, &sid, b"4still there?");
        if res.status == 400 {
            unknown = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(unknown, "the session outlived its client");
    assert_echo(addr, P, &bystander, "still here");
}

fn bare_lf_line_endings_are_understood(adapter: Adapter) {
    let srv = server(adapter);
    let addr = srv.addr();
    let mut s = connect(addr);
    s.write_all(format!("GET {P}?EIO=4&transport=polling HTTP/1.1\nHost: {addr}\n\n").as_bytes())
        .unwrap();
    let res = next_response(&mut s, &mut Vec::new());
    assert_eq!(res.status, 200);
    assert!(res.text().starts_with("0{\"sid\":"), "{}", res.text());
}

tests::for_each_adapter!(
    frames_in_the_same_write_as_the_upgrade_request,
    an_upgrade_head_split_across_writes,
    an_upgrade_after_a_request_on_a_keep_alive_connection,
    an_upgrade_of_a_polling_session,
    a_refused_upgrade_gets_its_error_then_the_connection_closes,
    pipelined_and_split_polling_requests_on_one_connection,
    a_connection_goes_on_with_hyper_after_an_unusual_request,
    connection_close_is_honoured,
    a_client_that_leaves_during_a_long_poll_ends_its_session,
    bare_lf_line_endings_are_understood,
);
