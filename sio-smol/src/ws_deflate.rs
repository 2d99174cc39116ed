//! permessage-deflate's write side (RFC 7692): a message of at least the
//! threshold becomes one final frame with RSV1 set whose payload is the
//! message deflated on its own (raw deflate, flushed, the trailing
//! `00 00 ff ff` removed), written through tungstenite as a raw frame.
//! No context is kept between messages (`server_no_context_takeover`), so
//! the core's compressors, kept per thread ([`deflate_message`]), serve
//! every connection: a compressed connection keeps no compression memory
//! of its own (miniz_oxide's compressor, about 300 KiB, exists once per
//! thread and level). The read side is `net/inflate_frames.rs`.

use async_tungstenite::tungstenite::Message;
use async_tungstenite::tungstenite::protocol::frame::Frame;
use async_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
use bytes::Bytes;
use sio_core::engine::{PerMessageDeflate, deflate_message};

/// `msg` compressed as `d` says, or as it is (control messages, messages
/// below the threshold, or if the compressor failed).
pub(crate) fn compress(msg: Message, d: &PerMessageDeflate) -> Message {
    let (data, op) = match &msg {
        Message::Text(t) => (t.as_bytes(), Data::Text),
        Message::Binary(b) => (&b[..], Data::Binary),
        _ => return msg,
    };
    if data.len() < d.threshold {
        return msg;
    }
    let Some(body) = deflate_message(data, d.level) else {
        return msg;
    };
    let mut frame = Frame::message(Bytes::from(body), OpCode::Data(op), true);
    frame.header_mut().rsv1 = true;
    Message::Frame(frame)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::inflate_frames::FrameInflater;

    /// A compressed frame through the reader comes back as the message.
    #[test]
    fn round_trips_through_the_inflater() {
        let d = PerMessageDeflate::default();
        for len in [0, 10, 1024, 5000, 200_000] {
            let text: String = (0..len).map(|i| char::from(b'a' + (i % 7) as u8)).collect();
            let msg = compress(Message::text(text.clone()), &d);
            let Message::Frame(frame) = &msg else {
                assert!(len < 1024, "compressed from the threshold");
                continue;
            };
            assert!(frame.header().rsv1);
            assert!(frame.payload().len() < len / 4 + 20);
            let mut wire = Vec::new();
            frame.clone().format(&mut wire).unwrap();
            // Fed in pieces of every size.
            for piece in [1, 3, 100, wire.len()] {
                let mut r = FrameInflater::new(1 << 20);
                let mut out = Vec::new();
                for chunk in wire.chunks(piece) {
                    r.feed(chunk, &mut out);
                }
                assert!(!r.faulted());
                let mut expect = Vec::new();
                let mut plain =
                    Frame::message(text.clone().into_bytes(), OpCode::Data(Data::Text), true);
                plain.header_mut().mask = Some([0; 4]);
                plain.format(&mut expect).unwrap();
                assert_eq!(out, expect);
            }
        }
    }

    #[test]
    fn small_and_control_messages_stay_as_they_are() {
        let d = PerMessageDeflate::default();
        let m = compress(Message::text("x".repeat(1023)), &d);
        assert!(matches!(m, Message::Text(_)));
        let m = compress(Message::Ping(Bytes::from(vec![0; 100])), &d);
        assert!(matches!(m, Message::Ping(_)));
        let m = compress(Message::binary(vec![1u8; 1024]), &d);
        assert!(matches!(m, Message::Frame(_)));
    }
}
