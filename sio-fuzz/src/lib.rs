//! Fuzz targets for `sio-core` (its server and client roles, its cluster codec and
//! member protocol) and the request parser of `sio-smol`, as plain functions.
//!
//! Each function takes arbitrary bytes and must never panic. The cargo-fuzz
//! crate in `fuzz/` (outside the workspace, built with
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run <target>` from this directory) calls
//! them under libFuzzer; `tests/replay.rs` runs every file of `corpus/` through them
//! on the stable toolchain, so CI catches regressions without a fuzzing run.

pub mod admin_server;
pub mod client_decode;
pub mod client_session;
mod clients;
mod cluster_craft;
pub mod cluster_decode;
pub mod cluster_member;
mod cluster_streams;
pub mod engine_server;
pub mod raw_http;
pub mod socket_msgpack;
pub mod socket_server;
mod streams_craft;
pub mod ws_inflate;

use bytes::Bytes;
use sio_core::engine::{Packet, WsFrame, payload, payload_v3};
use sio_core::socket::{Decoder, DecoderLimits, encode};

pub(crate) use engine_server::Bytes8;

/// A fuzz target: takes arbitrary bytes, panics only on a bug.
pub type Target = fn(&[u8]);

/// The targets by name, as the corpus directories and cargo-fuzz bins are named.
pub const TARGETS: &[(&str, Target)] = &[
    ("engine_packet", engine_packet),
    ("engine_payload", engine_payload),
    ("engine_jsonp", engine_jsonp),
    ("handshake_query", handshake_query),
    ("engine_server", engine_server::run),
    ("socket_packet", socket_packet),
    ("socket_server", socket_server::run),
    ("raw_http_head", raw_http::run),
    ("client_decode", client_decode::run),
    ("client_session", client_session::run),
    ("cluster_decode", cluster_decode::run),
    ("cluster_member", cluster_member::run),
    ("socket_msgpack", socket_msgpack::run),
    ("admin_server", admin_server::run),
    ("ws_inflate", ws_inflate::run),
];

/// Engine.IO packet decoding from WebSocket frames; decoded packets must
/// re-encode to a frame that decodes to the same packet.
pub fn engine_packet(data: &[u8]) {
    let (text, rest) = match data.split_first() {
        Some((flag, rest)) => (flag & 1 == 0, rest),
        None => return,
    };
    let frame = if text {
        WsFrame::Text(Bytes::copy_from_slice(rest))
    } else {
        WsFrame::Binary(Bytes::copy_from_slice(rest))
    };
    if let Ok(packet) = Packet::decode_ws(frame) {
        let again = Packet::decode_ws(packet.encode_ws()).expect("re-encoded packet decodes");
        assert_eq!(again, packet, "round trip");
    }
}

/// Polling payload decoding (XHR bodies); decoded payloads round-trip when
/// no packet carries the separator. The same bytes go through the
/// Engine.IO v3 decoder ([`payload_v3::decode`]: text payloads with UTF-16
/// lengths, `b4` base64, the binary framing), whose payloads must
/// round-trip through both v3 encodings.
pub fn engine_payload(data: &[u8]) {
    if let Ok(packets) = payload::decode(Bytes::copy_from_slice(data)) {
        let encoded = payload::encode(&packets);
        let again = payload::decode(Bytes::from(encoded)).expect("re-encoded payload decodes");
        assert_eq!(again, packets, "round trip");
    }
    if let Ok(packets) = payload_v3::decode(Bytes::copy_from_slice(data)) {
        let frames: Vec<WsFrame> = packets.iter().map(Packet::encode_ws).collect();
        for mode in [
            payload_v3::BinaryMode::Base64,
            payload_v3::BinaryMode::Framed,
        ] {
            let (encoded, _) = payload_v3::encode(&frames, mode);
            // A payload of only empty packets (`0:`) decodes to none, and
            // none encode as `0:` again.
            let again = payload_v3::decode(Bytes::from(encoded))
                .unwrap_or_else(|e| panic!("re-encoded v3 payload fails: {e}"));
            assert_eq!(again, packets, "v3 round trip ({mode:?})");
        }
    }
}

/// JSONP form bodies (`d=...`), then the payload inside.
pub fn engine_jsonp(data: &[u8]) {
    if let Some(body) = payload::jsonp_unwrap(data) {
        let _ = payload::decode(body);
    }
    let _ = payload::jsonp_wrap(&String::from_utf8_lossy(data), data);
}

/// Socket.IO packet decoding with attachment reassembly: the input is split
/// on `0xff` bytes into messages, the first text, the others binary
/// attachments. Every complete packet must round-trip: re-encoded and
/// decoded again it has the same type, namespace, id, payload and
/// attachments.
pub fn socket_packet(data: &[u8]) {
    let mut decoder = Decoder::new(DecoderLimits {
        max_attachments: 4,
        max_attachment_bytes: 1024,
    });
    let mut parts = data.split(|b| *b == 0xff);
    let Some(first) = parts.next() else { return };
    let Ok(text) = std::str::from_utf8(first) else {
        return;
    };
    let mut result = decoder.decode_text(Bytes::copy_from_slice(text.as_bytes()));
    for part in parts {
        if !matches!(result, Ok(None)) {
            break;
        }
        result = decoder.decode_binary(Bytes::copy_from_slice(part));
    }
    if let Ok(Some(packet)) = result {
        let (text, attachments) = encode(&packet);
        let mut again = Decoder::default();
        let mut out = again.decode_text(Bytes::from(text.clone()));
        for a in attachments {
            out = again.decode_binary(a.clone());
        }
        let packet2 = out
            .unwrap_or_else(|e| panic!("re-encoded {text:?} fails: {e}"))
            .expect("complete after its attachments");
        assert_eq!(packet2.kind, packet.wire_type());
        assert_eq!((&packet2.nsp, packet2.id), (&packet.nsp, packet.id));
        assert_eq!(packet2.data, packet.data, "payload round trip");
        if packet.wire_type().is_binary() {
            assert_eq!(
                packet2.attachments, packet.attachments,
                "attachments round trip"
            );
        }
    }
}

/// Handshake query parsing: arbitrary query strings (and an `Origin`
/// header) on the engine's path get a well-formed answer: a session (200 or
/// a WebSocket accept) or one of the documented errors.
pub fn handshake_query(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (query, origin) = text.split_once('\n').unwrap_or((&text, ""));
    for key in ["EIO", "transport", "sid", "j", "t"] {
        let _ = sio_core::http::query_param(query, key);
    }
    let _ = sio_core::http::percent_decode(query);
    let _ = sio_core::Sid::parse(query);
    let mut engine = sio_core::engine::Engine::new(
        sio_core::engine::EngineConfig {
            cors: Some(sio_core::engine::CorsConfig::any()),
            ..Default::default()
        },
        [9; 32],
    );
    for (i, method) in [sio_core::http::Method::Get, sio_core::http::Method::Post]
        .into_iter()
        .enumerate()
    {
        let mut req = sio_core::http::HttpRequest::new(method, &format!("/socket.io/?{query}"))
            .with_header("origin", origin);
        req.websocket = data.first().is_some_and(|b| b & 1 == 1);
        let conn = sio_core::ConnId(i as u64);
        engine.handle(
            std::time::Instant::now(),
            sio_core::Input::HttpRequest { conn, req },
        );
        let mut answered = false;
        while let Some(out) = engine.poll_output() {
            match out {
                sio_core::Output::HttpResponse { res, .. } => {
                    assert!(
                        [200, 400, 403, 503].contains(&res.status),
                        "unexpected status {}",
                        res.status
                    );
                    answered = true;
                }
                sio_core::Output::WsAccept { .. } | sio_core::Output::ReadBody { .. } => {
                    answered = true
                }
                _ => {}
            }
        }
        assert!(answered, "request {i} left without an answer");
    }
}
