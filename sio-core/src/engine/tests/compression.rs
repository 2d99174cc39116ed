//! Compression: polling responses by `Accept-Encoding` (on by default from
//! 1024 bytes), permessage-deflate negotiated on WebSockets (off by
//! default).

use super::*;
use std::io::Read;

/// A held GET on `sid` with `Accept-Encoding: accept` (if any), answered
/// after `msg` is sent.
fn poll_with(t: &mut TestEngine, sid: Sid, accept: Option<&str>, msg: &str) -> HttpResponse {
    let mut req = HttpRequest::get(&polling(sid));
    if let Some(a) = accept {
        req = req.with_header("accept-encoding", a);
    }
    let conn = t.request(req);
    t.send(sid, Message::text(msg));
    t.drain().response(conn).clone()
}

fn inflate(res: &HttpResponse) -> String {
    let mut out = String::new();
    match res.header("content-encoding") {
        Some("gzip") => flate2::read::GzDecoder::new(&res.body[..]).read_to_string(&mut out),
        Some("deflate") => flate2::read::ZlibDecoder::new(&res.body[..]).read_to_string(&mut out),
        other => panic!("not compressed: {other:?}"),
    }
    .expect("a valid stream");
    out
}

#[test]
fn polling_responses_are_compressed_from_the_threshold() {
    let mut t = TestEngine::new();
    let sid = t.open_polling();
    let big = "x".repeat(2000);
    for (accept, enc) in [("gzip, deflate", "gzip"), ("deflate", "deflate")] {
        let res = poll_with(&mut t, sid, Some(accept), &big);
        assert_eq!(res.header("content-encoding"), Some(enc));
        assert_eq!(
            res.header("content-type"),
            Some("text/plain; charset=UTF-8")
        );
        assert!(res.body.len() < 100, "{}", res.body.len());
        assert_eq!(inflate(&res), format!("4{big}"));
    }
    // Below the threshold (1023 bytes with the type digit), or not
    // accepted: as it is.
    let res = poll_with(&mut t, sid, Some("gzip"), &"x".repeat(1022));
    assert_eq!(res.header("content-encoding"), None);
    assert_eq!(res.body.len(), 1023);
    let res = poll_with(&mut t, sid, Some("gzip"), &"x".repeat(1023));
    assert_eq!(inflate(&res).len(), 1024, "from 1024 bytes");
    let res = poll_with(&mut t, sid, None, &big);
    assert_payload(&res, &format!("4{big}"));
    let res = poll_with(&mut t, sid, Some("br, identity"), &big);
    assert_payload(&res, &format!("4{big}"));
}

#[test]
fn polling_compression_can_be_off_or_tuned() {
    let mut t = TestEngine::with_config(EngineConfig {
        http_compression: None,
        ..config()
    });
    let sid = t.open_polling();
    let big = "x".repeat(5000);
    let res = poll_with(&mut t, sid, Some("gzip"), &big);
    assert_payload(&res, &format!("4{big}"));

    let mut t = TestEngine::with_config(EngineConfig {
        http_compression: Some(HttpCompression {
            threshold: 10,
            level: 1,
        }),
        ..config()
    });
    let sid = t.open_polling();
    let res = poll_with(&mut t, sid, Some("gzip"), "hello hello hello");
    assert_eq!(inflate(&res), "4hello hello hello");
}

#[test]
fn jsonp_responses_are_compressed_too() {
    let mut t = TestEngine::with_config(EngineConfig {
        http_compression: Some(HttpCompression {
            threshold: 10,
            level: 6,
        }),
        ..config()
    });
    let conn = t.get(&format!("{HANDSHAKE}&j=0"));
    let out = t.drain();
    let res = out.response(conn);
    assert_eq!(res.header("content-encoding"), None, "no Accept-Encoding");
    let req = HttpRequest::get(&format!("{HANDSHAKE}&j=1")).with_header("accept-encoding", "gzip");
    let conn = t.request(req);
    let res = t.drain().response(conn).clone();
    assert_eq!(
        res.header("content-type"),
        Some("text/javascript; charset=UTF-8")
    );
    assert!(
        inflate(&res).starts_with("___eio[1](\"0{"),
        "{}",
        inflate(&res)
    );
}

fn deflate_config() -> EngineConfig {
    EngineConfig {
        per_message_deflate: Some(PerMessageDeflate::default()),
        ..config()
    }
}

fn ws_request(pq: &str, extensions: Option<&str>) -> HttpRequest {
    let mut req = HttpRequest::get(pq);
    if let Some(e) = extensions {
        req = req.with_header("sec-websocket-extensions", e);
    }
    req.websocket = true;
    req
}

/// The `deflate` of `conn`'s `WsAccept`, checked against its headers.
#[track_caller]
fn accepted_deflate(out: &Outs, conn: ConnId) -> Option<PerMessageDeflate> {
    let d = out.0.iter().find_map(|o| match o {
        Output::WsAccept {
            conn: c, deflate, ..
        } if *c == conn => Some(*deflate),
        _ => None,
    });
    let d = d.expect("a WsAccept");
    let header = out
        .ws_accept(conn)
        .iter()
        .find(|(n, _)| *n == "sec-websocket-extensions")
        .map(|(_, v)| v.as_ref());
    assert_eq!(header.is_some(), d.is_some(), "{header:?}");
    if d.is_some() {
        assert_eq!(header, Some(deflate::ACCEPTED));
    }
    d
}

#[test]
fn per_message_deflate_is_negotiated_when_on_and_offered() {
    let offer = "permessage-deflate; client_max_window_bits";
    // Off by default: never.
    let mut t = TestEngine::new();
    let conn = t.request(ws_request(WS_HANDSHAKE, Some(offer)));
    assert_eq!(accepted_deflate(&t.drain(), conn), None);
    // On: when offered acceptably.
    let mut t = TestEngine::with_config(deflate_config());
    let conn = t.request(ws_request(WS_HANDSHAKE, Some(offer)));
    assert_eq!(
        accepted_deflate(&t.drain(), conn),
        Some(PerMessageDeflate::default())
    );
    let conn = t.request(ws_request(WS_HANDSHAKE, None));
    assert_eq!(accepted_deflate(&t.drain(), conn), None);
    let small_window = "permessage-deflate; server_max_window_bits=9";
    let conn = t.request(ws_request(WS_HANDSHAKE, Some(small_window)));
    assert_eq!(accepted_deflate(&t.drain(), conn), None);
    // An upgrade of a polling session keeps the header it needs.
    let sid = t.open_polling();
    let head = HttpRequest::from_parts(
        Method::Get,
        "/engine.io/",
        &format!("EIO=4&transport=websocket&sid={sid}"),
        || [("Sec-WebSocket-Extensions", offer.as_bytes())].into_iter(),
        true,
        |_| {},
    );
    let conn = t.request(head);
    assert!(accepted_deflate(&t.drain(), conn).is_some());
}
