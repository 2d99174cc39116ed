//! Bad input against the running server: each row gets its documented
//! protocol error, nothing panics, and a bystander session keeps working;
//! on both adapters (`tests::adapter`).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};
use tests::adapter::{Adapter, Server};
use tests::raw::{
    self, assert_echo, client_frame, close_code, open_polling, poll, post, raw_ws, request,
};

const P: &str = "/engine.io/";

struct Fixture {
    server: Server,
    bystander: String,
}

impl Fixture {
    fn new(adapter: Adapter) -> Fixture {
        // The default heartbeat, so that the bystander, which does not
        // answer pings by itself, lives through every test; and a short
        // header timeout for the slow client.
        let server = adapter.raw_echo();
        let bystander = open_polling(server.addr(), P);
        Fixture { server, bystander }
    }

    fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// The bystander session still echoes.
    fn check_bystander(&self) {
        assert_echo(self.addr(), P, &self.bystander, "still here");
    }
}

fn assert_error(res: &raw::RawResponse, status: u16, code: u64, message: &str) {
    assert_eq!(res.status, status, "body: {}", res.text());
    assert_eq!(res.header("content-type"), Some("application/json"));
    assert_eq!(
        res.json(),
        serde_json::json!({"code": code, "message": message})
    );
}

fn unknown_sid(adapter: Adapter) {
    let f = Fixture::new(adapter);
    let res = poll(f.addr(), P, "AAAAAAAAAAAAAAAAAAAAAA");
    assert_error(&res, 400, 1, "Session ID unknown");
    let res = post(f.addr(), P, "nope", b"4x");
    assert_error(&res, 400, 1, "Session ID unknown");
    f.check_bystander();
}

fn bad_protocol_version(adapter: Adapter) {
    let f = Fixture::new(adapter);
    for q in [
        "EIO=3&transport=polling",
        "transport=polling",
        "EIO=x&transport=polling",
    ] {
        let res = request(f.addr(), "GET", &format!("{P}?{q}"), b"");
        assert_error(&res, 400, 5, "Unsupported protocol version");
    }
    f.check_bystander();
}

fn bad_transport(adapter: Adapter) {
    let f = Fixture::new(adapter);
    for q in ["EIO=4&transport=foo", "EIO=4"] {
        let res = request(f.addr(), "GET", &format!("{P}?{q}"), b"");
        assert_error(&res, 400, 0, "Transport unknown");
    }
    let res = request(
        f.addr(),
        "GET",
        &format!("{P}?EIO=4&transport=websocket"),
        b"",
    );
    assert_error(&res, 400, 3, "Bad request");
    let res = request(
        f.addr(),
        "POST",
        &format!("{P}?EIO=4&transport=polling"),
        b"",
    );
    assert_error(&res, 400, 2, "Bad handshake method");
    f.check_bystander();
}

fn duplicate_get_closes_the_session(adapter: Adapter) {
    let f = Fixture::new(adapter);
    let sid = open_polling(f.addr(), P);
    let path = format!("{P}?EIO=4&transport=polling&sid={sid}");
    let mut first = raw::send_only(f.addr(), "GET", &path, b"");
    std::thread::sleep(Duration::from_millis(100)); // let the first GET be held
    let second = request(f.addr(), "GET", &path, b"");
    assert_error(&second, 400, 3, "Bad request");
    let first = raw::read_response(&mut first);
    assert_eq!((first.status, first.text().as_str()), (200, "1"));
    assert_error(&poll(f.addr(), P, &sid), 400, 1, "Session ID unknown");
    f.check_bystander();
}

fn oversize_post_body(adapter: Adapter) {
    let f = Fixture::new(adapter);
    let sid = open_polling(f.addr(), P);
    // The server answers from the Content-Length alone, without reading the
    // body (and may close before a client could finish sending it), so only
    // the head goes out here.
    let path = format!("{P}?EIO=4&transport=polling&sid={sid}");
    let res = raw::head_only(f.addr(), "POST", &path, 1_000_001);
    assert_eq!(res.status, 413);
    assert_error(&poll(f.addr(), P, &sid), 400, 1, "Session ID unknown");
    // Exactly max_payload is fine.
    let sid = open_polling(f.addr(), P);
    let mut body = vec![b'a'; 1_000_000];
    body[0] = b'4';
    assert_eq!(post(f.addr(), P, &sid, &body).status, 200);
    f.check_bystander();
}

fn malformed_packets_and_invalid_utf8_in_post(adapter: Adapter) {
    let f = Fixture::new(adapter);
    for body in [&b"9x"[..], b"", b"4ok\x1e\xff\xfe", b"b!!", b"1junk"] {
        let sid = open_polling(f.addr(), P);
        let res = post(f.addr(), P, &sid, body);
        assert_error(&res, 400, 3, "Bad request");
        assert_error(&poll(f.addr(), P, &sid), 400, 1, "Session ID unknown");
    }
    f.check_bystander();
}

fn oversize_websocket_frame(adapter: Adapter) {
    let f = Fixture::new(adapter);
    let mut s = raw_ws(f.addr(), P);
    let mut payload = vec![b'a'; 1_000_001];
    payload[0] = b'4';
    s.write_all(&client_frame(1, &payload)).unwrap();
    assert_eq!(close_code(&mut s), 1009);
    f.check_bystander();
}

fn invalid_utf8_in_websocket_text_frame(adapter: Adapter) {
    let f = Fixture::new(adapter);
    let mut s = raw_ws(f.addr(), P);
    s.write_all(&client_frame(1, b"4\xff\xfe")).unwrap();
    assert_eq!(close_code(&mut s), 1007);
    f.check_bystander();
}

fn malformed_websocket_packet(adapter: Adapter) {
    let f = Fixture::new(adapter);
    let mut s = raw_ws(f.addr(), P);
    s.write_all(&client_frame(1, b"9nonsense")).unwrap();
    assert_eq!(close_code(&mut s), 1002);
    f.check_bystander();
}

fn headers_that_never_finish(adapter: Adapter) {
    let f = Fixture::new(adapter);
    let mut slow = TcpStream::connect(f.addr()).unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    slow.write_all(b"GET /engine.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    let start = Instant::now();
    // Meanwhile the server keeps serving others.
    f.check_bystander();
    let mut buf = Vec::new();
    let _ = slow.read_to_end(&mut buf);
    let waited = start.elapsed();
    assert!(
        waited < Duration::from_secs(3),
        "slow client held for {waited:?}"
    );
    assert!(
        buf.is_empty() || buf.starts_with(b"HTTP/1.1 408"),
        "unexpected answer: {}",
        String::from_utf8_lossy(&buf)
    );
    f.check_bystander();
}

fn a_connection_that_sends_nothing(adapter: Adapter) {
    let f = Fixture::new(adapter);
    let mut silent = TcpStream::connect(f.addr()).unwrap();
    silent
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let start = Instant::now();
    let mut buf = Vec::new();
    let _ = silent.read_to_end(&mut buf);
    let waited = start.elapsed();
    assert!(
        waited < Duration::from_secs(3),
        "silent client held for {waited:?}"
    );
    assert!(buf.is_empty(), "unexpected answer: {buf:?}");
    f.check_bystander();
}

tests::for_each_adapter!(
    unknown_sid,
    bad_protocol_version,
    bad_transport,
    duplicate_get_closes_the_session,
    oversize_post_body,
    malformed_packets_and_invalid_utf8_in_post,
    oversize_websocket_frame,
    invalid_utf8_in_websocket_text_frame,
    malformed_websocket_packet,
    headers_that_never_finish,
    a_connection_that_sends_nothing,
);
