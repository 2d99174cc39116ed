//! Micro-benchmarks of the codecs (`cargo bench -p sio-core`), so that a
//! change to a codec shows its cost. Inputs are the bench load generator's
//! shapes: a 64-byte echo event with an ack id, a broadcast, a polling
//! payload of several packets, a binary event.

use bytes::Bytes;
use divan::{Bencher, black_box};
use sio_core::engine::{Packet as EioPacket, WsFrame, payload};
use sio_core::socket::{
    Decoder, JsonParser, Packet, PacketType, Parser, encode, event_name, event_payload,
};

fn main() {
    divan::main();
}

const ECHO: &str =
    r#"217["echo","aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"]"#;
const BROADCAST: &str = r#"2["broadcast",{"seq":12345,"t":1732240000123456}]"#;

#[divan::bench]
fn engine_decode_ws_text(b: Bencher) {
    let frame = Bytes::from(format!("4{ECHO}"));
    b.bench(|| EioPacket::decode_ws(WsFrame::Text(black_box(frame.clone()))));
}

#[divan::bench]
fn engine_payload_decode_4_packets(b: Bencher) {
    let body = Bytes::from(format!("4{ECHO}\x1e4{ECHO}\x1e3\x1e4{BROADCAST}"));
    b.bench(|| payload::decode(black_box(body.clone())));
}

#[divan::bench]
fn engine_payload_encode_frames(b: Bencher) {
    let frames = vec![
        WsFrame::Text(Bytes::from(format!("4{ECHO}"))),
        WsFrame::Text(Bytes::from_static(b"2")),
        WsFrame::Binary(Bytes::from(vec![7u8; 256])),
    ];
    b.bench(|| payload::encode_frames(black_box(&frames)));
}

#[divan::bench]
fn socket_decode_event(b: Bencher) {
    let text = Bytes::from_static(ECHO.as_bytes());
    let mut decoder = Decoder::default();
    b.bench_local(|| decoder.decode_text(black_box(text.clone())));
}

#[divan::bench]
fn socket_decode_binary_event(b: Bencher) {
    let text = Bytes::from_static(br#"451-["up",{"_placeholder":true,"num":0}]"#);
    let attachment = Bytes::from(vec![1u8; 1024]);
    let mut decoder = Decoder::default();
    b.bench_local(|| {
        let _ = decoder.decode_text(black_box(text.slice(1..)));
        decoder.decode_binary(black_box(attachment.clone()))
    });
}

#[divan::bench]
fn socket_event_name(b: Bencher) {
    let data = Bytes::from_static(&ECHO.as_bytes()[3..]);
    b.bench(|| event_name(black_box(&data)).map(|(n, a)| (n.len(), a.len())));
}

#[divan::bench]
fn socket_encode_ack(b: Bencher) {
    let packet = Packet::new(PacketType::Ack, "/")
        .with_id(17)
        .with_data(Bytes::from_static(
            br#"["aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"]"#,
        ));
    b.bench(|| encode(black_box(&packet)).0);
}

#[divan::bench]
fn socket_parser_encode_broadcast(b: Bencher) {
    let parser = JsonParser::default();
    let packet = Packet::new(PacketType::Event, "/").with_data(event_payload(
        "broadcast",
        br#"[{"seq":12345,"t":1732240000123456}]"#,
    ));
    b.bench(|| parser.encode(black_box(&packet)));
}
