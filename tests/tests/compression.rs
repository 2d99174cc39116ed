//! Compression as Node's engine.io does it, against real peers: polling
//! responses by `Accept-Encoding` (`http_compression`, on by default from
//! 1024 bytes) and permessage-deflate on WebSockets (`per_message_deflate`,
//! off by default). The npm engine.io-client (`tests/js/compression.mjs`:
//! Node's fetch for polling, Node's `ws` for WebSocket) through a proxy
//! that counts the bytes on the wire, and raw HTTP / WebSocket requests for
//! the encoding choice, the threshold and the bounds.

use flate2::read::{DeflateDecoder, GzDecoder, ZlibDecoder};
use serde_json::Value;
use sio_core::engine::{EngineConfig, HttpCompression, PerMessageDeflate};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;
use tests::counting_proxy::CountingProxy;
use tests::raw;

/// The echo server's options: compression as given, a heartbeat long
/// enough for raw clients, max payload 1 000 000.
fn config(http: Option<HttpCompression>, ws: Option<PerMessageDeflate>) -> EngineConfig {
    EngineConfig {
        ping_interval: Duration::from_secs(25),
        ping_timeout: Duration::from_secs(20),
        http_compression: http,
        per_message_deflate: ws,
        ..examples::conformance::engine_config("/engine.io/")
    }
}

/// The compression options of a test server.
type Opts = (Option<HttpCompression>, Option<PerMessageDeflate>);

/// An echo server at `/engine.io/` with `opts`.
fn server((http, ws): Opts) -> sio_smol::RunningServer {
    let addr: SocketAddr = "127.0.0.1:0".parse().expect("a literal address");
    sio_smol::spawn_thread(addr, move || {
        sio_smol::Mux::new().mount(&examples::echo::engine(config(http, ws)))
    })
    .expect("server starts")
}

/// The defaults: http compression on, permessage-deflate off.
fn defaults() -> Opts {
    let d = EngineConfig::default();
    (d.http_compression, d.per_message_deflate)
}

/// Runs the Node driver's `scenario` through a counting proxy; returns
/// its details and the bytes the server sent.
fn drive(opts: Opts, scenario: &str) -> (Value, u64) {
    let srv = server(opts);
    let proxy = CountingProxy::start(srv.addr());
    let out = tests::assert_node_ok(
        "compression.mjs",
        &[scenario, &proxy.url()],
        Duration::from_secs(60),
    );
    let details = out
        .lines()
        .find_map(|l| l.strip_prefix(&format!("ok {scenario} ")))
        .unwrap_or_else(|| panic!("unexpected output: {out}"));
    let details: Value = serde_json::from_str(details).expect("JSON details");
    let down = proxy.down();
    eprintln!(
        "{scenario}: {down} bytes from the server, {} to it; {details}",
        proxy.up()
    );
    srv.stop().expect("server stops cleanly");
    (details, down)
}

fn payload_bytes(details: &Value) -> u64 {
    details["payloadBytes"].as_u64().expect("payloadBytes")
}

#[test]
fn node_fetch_polling_gets_compressed_responses() {
    let (details, down) = drive(defaults(), "polling");
    let payload = payload_bytes(&details);
    // Binary goes base64 on polling (4/3 larger): compressed, the wire
    // carries well under half the payload.
    assert!(
        down * 2 < payload,
        "{down} bytes on the wire for {payload} bytes of messages"
    );
}

#[test]
fn polling_compression_off_sends_everything() {
    let (details, down) = drive((None, None), "polling");
    let payload = payload_bytes(&details);
    assert!(down > payload, "{down} bytes on the wire for {payload}");
}

#[test]
fn node_ws_negotiates_permessage_deflate_when_on() {
    let on: Opts = (None, Some(PerMessageDeflate::default()));
    let (details, down) = drive(on, "websocket");
    assert_eq!(details["extensions"], "permessage-deflate");
    let payload = payload_bytes(&details);
    assert!(
        down * 3 < payload,
        "{down} bytes on the wire for {payload} bytes of messages"
    );
}

#[test]
fn node_ws_without_permessage_deflate_by_default() {
    let (details, down) = drive(defaults(), "websocket");
    assert_eq!(details["extensions"], "");
    let payload = payload_bytes(&details);
    assert!(down > payload, "{down} bytes on the wire for {payload}");
}

/// Echoes `4<text>` on a polling session and GETs it back with
/// `Accept-Encoding: accept` (none if empty).
fn polled(addr: SocketAddr, sid: &str, text: &str, accept: &str) -> raw::RawResponse {
    let res = raw::post(addr, "/engine.io/", sid, format!("4{text}").as_bytes());
    assert_eq!(res.status, 200);
    let extra = if accept.is_empty() {
        String::new()
    } else {
        format!("Accept-Encoding: {accept}\r\n")
    };
    let path = format!("/engine.io/?EIO=4&transport=polling&sid={sid}");
    let res = raw::request_with(addr, "GET", &path, &extra, b"");
    assert_eq!(res.status, 200, "{}", res.text());
    res
}

/// The body of `res`, inflated as its `Content-Encoding` says.
fn body(res: &raw::RawResponse) -> String {
    let mut out = String::new();
    match res.header("content-encoding") {
        None => return res.text(),
        Some("gzip") => GzDecoder::new(&res.body[..]).read_to_string(&mut out),
        Some("deflate") => ZlibDecoder::new(&res.body[..]).read_to_string(&mut out),
        Some(other) => panic!("unexpected Content-Encoding {other}"),
    }
    .expect("a valid compressed body");
    out
}

#[test]
fn polling_encoding_choice_and_threshold() {
    let srv = server(defaults());
    let addr = srv.addr();
    let sid = raw::open_polling(addr, "/engine.io/");
    let big = "compressible ".repeat(200);
    for (accept, want) in [
        ("gzip, deflate, br", Some("gzip")),
        ("deflate", Some("deflate")),
        ("deflate, gzip", Some("deflate")),
        ("gzip;q=0.5, deflate;q=0.8", Some("deflate")),
        ("*", Some("gzip")),
        ("gzip;q=0, *", Some("deflate")),
        ("br", None),
        ("identity", None),
        ("", None),
    ] {
        let res = polled(addr, &sid, &big, accept);
        assert_eq!(res.header("content-encoding"), want, "{accept}");
        assert_eq!(body(&res), format!("4{big}"), "{accept}");
        if want.is_some() {
            assert!(res.body.len() < 200, "{accept}: {} bytes", res.body.len());
        }
    }
    // The threshold counts the whole body: 1023 bytes stay as they are,
    // 1024 are compressed.
    let res = polled(addr, &sid, &"x".repeat(1022), "gzip");
    assert_eq!(res.header("content-encoding"), None);
    let res = polled(addr, &sid, &"x".repeat(1023), "gzip");
    assert_eq!(res.header("content-encoding"), Some("gzip"));
    assert_eq!(body(&res).len(), 1024);
    srv.stop().expect("server stops cleanly");

    let srv = server_off();
    let sid = raw::open_polling(srv.addr(), "/engine.io/");
    let res = polled(srv.addr(), &sid, &big, "gzip, deflate");
    assert_eq!(res.header("content-encoding"), None, "option off: never");
    srv.stop().expect("server stops cleanly");
}

fn server_off() -> sio_smol::RunningServer {
    server((None, None))
}

/// A WebSocket handshake offering `extensions`; the stream after the 101
/// and the open packet, and the 101's `Sec-WebSocket-Extensions`.
fn ws_open(addr: SocketAddr, extensions: &str) -> (TcpStream, Option<String>) {
    let target = "/engine.io/?EIO=4&transport=websocket";
    let extra = format!("Sec-WebSocket-Extensions: {extensions}\r\n");
    let (mut s, head) = raw::ws_upgrade_with(addr, target, &extra);
    let ext = head
        .lines()
        .find_map(|l| l.strip_prefix("sec-websocket-extensions: "))
        .map(str::to_owned);
    let (rsv1, op, payload) = read_frame(&mut s);
    assert!(
        !rsv1 && op == 1 && payload.starts_with(b"0{"),
        "open packet"
    );
    (s, ext)
}

/// One server frame: RSV1, opcode, payload.
fn read_frame(s: &mut TcpStream) -> (bool, u8, Vec<u8>) {
    let (b0, payload) = raw::read_frame_head(s).expect("a frame");
    (b0 & 0x40 != 0, b0 & 0x0f, payload)
}

/// A masked client frame, compressed (RSV1) if `deflate`.
fn send(s: &mut TcpStream, opcode: u8, payload: &[u8], deflate: bool) {
    let mut f = if deflate {
        let z = sio_smol_deflate(payload);
        raw::client_frame(opcode, &z)
    } else {
        raw::client_frame(opcode, payload)
    };
    if deflate {
        f[0] |= 0x40;
    }
    s.write_all(&f).unwrap();
}

/// Raw deflate of `data`, flushed, without the trailing `00 00 ff ff`.
fn sio_smol_deflate(data: &[u8]) -> Vec<u8> {
    let mut c = flate2::Compress::new(flate2::Compression::default(), false);
    let mut out = Vec::with_capacity(data.len() + 64);
    c.compress_vec(data, &mut out, flate2::FlushCompress::Sync)
        .expect("deflate");
    assert!(out.ends_with(&[0, 0, 0xff, 0xff]));
    out.truncate(out.len() - 4);
    out
}

fn inflate(payload: &[u8]) -> Vec<u8> {
    let mut z = payload.to_vec();
    z.extend_from_slice(&[0, 0, 0xff, 0xff]);
    let mut out = Vec::new();
    // A sync-flushed stream has no end: read what it holds.
    let _ = DeflateDecoder::new(&z[..]).read_to_end(&mut out);
    out
}

#[test]
fn websocket_frames_compressed_from_the_threshold_both_ways() {
    let srv = server((None, Some(PerMessageDeflate::default())));
    let (mut s, ext) = ws_open(srv.addr(), "permessage-deflate; client_max_window_bits");
    assert_eq!(
        ext.as_deref(),
        Some("permessage-deflate; server_no_context_takeover; client_no_context_takeover")
    );
    // Small: uncompressed both ways.
    send(&mut s, 1, b"4small", false);
    assert_eq!(read_frame(&mut s), (false, 1, b"4small".to_vec()));
    let big = "text ".repeat(1000);
    for deflate in [false, true] {
        // Text, from the client compressed or not: echoed compressed.
        send(&mut s, 1, format!("4{big}").as_bytes(), deflate);
        let (rsv1, op, payload) = read_frame(&mut s);
        assert!(
            rsv1 && op == 1 && payload.len() < 200,
            "{rsv1} {op} {payload:?}"
        );
        assert_eq!(inflate(&payload), format!("4{big}").into_bytes());
        // Binary.
        let bin: Vec<u8> = (0..4000u32).map(|i| (i % 13) as u8).collect();
        send(&mut s, 2, &bin, deflate);
        let (rsv1, op, payload) = read_frame(&mut s);
        assert!(rsv1 && op == 2 && payload.len() < 200);
        assert_eq!(inflate(&payload), bin);
    }
    // Inflated over max_payload (1 000 000): closed with 1009.
    send(&mut s, 1, &vec![b'a'; 1_000_001], true);
    assert_eq!(raw::close_code(&mut s), 1009);
    // Bad compressed data: closed with 1002.
    let (mut s, _) = ws_open(srv.addr(), "permessage-deflate");
    let mut f = raw::client_frame(1, &[0xff; 10]);
    f[0] |= 0x40;
    s.write_all(&f).unwrap();
    assert_eq!(raw::close_code(&mut s), 1002);
    srv.stop().expect("server stops cleanly");
}

#[test]
fn websocket_deflate_off_or_not_offered_is_not_negotiated() {
    let srv = server(defaults());
    let (mut s, ext) = ws_open(srv.addr(), "permessage-deflate");
    assert_eq!(ext, None, "off by default");
    // RSV1 is then a protocol error.
    send(&mut s, 1, b"4hello", true);
    assert_eq!(raw::close_code(&mut s), 1002);
    srv.stop().expect("server stops cleanly");

    let srv = server((None, Some(PerMessageDeflate::default())));
    let (mut s, ext) = ws_open(srv.addr(), "x-webkit-deflate-frame");
    assert_eq!(ext, None, "not offered");
    let big = "text ".repeat(1000);
    send(&mut s, 1, format!("4{big}").as_bytes(), false);
    let (rsv1, _, payload) = read_frame(&mut s);
    assert!(!rsv1);
    assert_eq!(payload, format!("4{big}").into_bytes());
    srv.stop().expect("server stops cleanly");
}
