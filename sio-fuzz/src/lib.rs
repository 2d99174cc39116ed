//! Fuzz targets for `sio-core`, as plain functions.
//!
//! Each function takes arbitrary bytes and must never panic. The cargo-fuzz
//! crate in `fuzz/` (outside the workspace, built with
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run <target>` from this directory) calls
//! them under libFuzzer; `tests/replay.rs` runs every file of `corpus/` through them
//! on the stable toolchain, so CI catches regressions without a fuzzing run.

pub mod engine_server;
pub mod socket_server;

use bytes::Bytes;
use sio_core::engine::{Packet, WsFrame, payload};
use sio_core::socket::{Decoder, DecoderLimits, encode};

pub(crate) use engine_server::Bytes8;

/// A fuzz target: takes arbitrary bytes, panics only on a bug.
pub type Target = fn(&[u8]);

/// The targets by name, as the corpus directories and cargo-fuzz bins are named.
pub const TARGETS: &[(&str, Target)] = &[
    ("engine_packet", engine_packet),
    ("engine_payload", engine_payload),
    ("engine_jsonp", engine_jsonp),
    ("engine_server", engine_server::run),
    ("socket_packet", socket_packet),
    ("socket_server", socket_server::run),
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
/// no packet carries the separator.
pub fn engine_payload(data: &[u8]) {
    if let Ok(packets) = payload::decode(Bytes::copy_from_slice(data)) {
        let encoded = payload::encode(&packets);
        let again = payload::decode(Bytes::from(encoded)).expect("re-encoded payload decodes");
        assert_eq!(again, packets, "round trip");
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
/// attachments. Complete packets must re-encode to text that decodes again.
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
        assert_eq!((packet2.nsp, packet2.id), (packet.nsp, packet.id));
    }
}
