//! The msgpack parser (`socket.io-msgpack-parser`'s wire format): arbitrary
//! bytes as one binary message. What decodes re-encodes to a message that
//! decodes to the same packet (the JSON payload byte for byte, binary
//! values as the same attachments). Seeds in `corpus/socket_msgpack` were
//! written by the npm parser (`tests/js/msgpack-seeds.mjs`). The decoder's
//! shortcut for common packets gives what its value-tree path gives.

use bytes::Bytes;
use sio_core::engine::{Message, WsFrame};
use sio_core::socket::{MsgpackParser, Parser, decode_msgpack, decode_msgpack_tree};

/// The fuzz target.
pub fn run(data: &[u8]) {
    assert_eq!(
        decode_msgpack(data),
        decode_msgpack_tree(data),
        "the shortcut and the tree differ"
    );
    let mut decoder = MsgpackParser.decoder();
    let Ok(Some(packet)) = decoder.decode(Message::Binary(Bytes::copy_from_slice(data))) else {
        return;
    };
    assert_eq!(decoder.buffered_bytes(), 0, "the decoder keeps nothing");
    let frames = MsgpackParser.encode(&packet);
    let [WsFrame::Binary(again)] = &frames[..] else {
        panic!("not one binary frame: {frames:?}");
    };
    let back = MsgpackParser
        .decoder()
        .decode(Message::Binary(again.clone()))
        .unwrap_or_else(|e| panic!("re-encoded {packet:?} fails: {e}"))
        .expect("one message is a whole packet");
    assert_eq!(back, packet, "round trip");
}

#[cfg(test)]
mod tests {
    use super::decode_msgpack;

    #[test]
    fn the_npm_seeds_decode() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/socket_msgpack");
        let mut decoded = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let data = std::fs::read(entry.unwrap().path()).unwrap();
            if decode_msgpack(&data).is_ok() {
                decoded += 1;
            }
            super::run(&data);
        }
        // The 17 seeds the npm Decoder accepts (tests/js/msgpack-seeds.mjs)
        // but the one with a placeholder look-alike, which we refuse.
        assert!(decoded >= 16, "only {decoded} seeds decode");
    }
}
