//! Per-message cost of compression (`cargo bench -p sio-smol --features
//! internals --bench compression`): a polling body gzip'd / deflated as
//! `http_compression` does, a WebSocket message deflated and inflated as
//! permessage-deflate does, at sizes around the 1024-byte threshold, on
//! chat-like Socket.IO packets (varied words, not a repeated byte). The
//! sizes compressed are printed once (`bytes saved` in BENCHMARKS.md).

use divan::{Bencher, black_box};
use sio_core::engine::ContentEncoding;
use sio_core::engine::deflate_message;
use sio_smol::internals::inflate_frames::FrameInflater;

fn main() {
    for size in SIZES {
        let m = message(size);
        let gz = ContentEncoding::Gzip.encode(&m, 6).expect("gzip").len();
        let z1 = deflate_message(&m, 1).expect("deflate").len();
        let z6 = deflate_message(&m, 6).expect("deflate").len();
        println!("{size} bytes: gzip(6) {gz}, permessage-deflate level 1 {z1}, level 6 {z6}");
    }
    divan::main();
}

const SIZES: [usize; 4] = [512, 1024, 4096, 16384];

/// A `42["chat message",{...}]` packet of `size` bytes with varied words.
fn message(size: usize) -> Vec<u8> {
    const WORDS: [&str; 16] = [
        "hello",
        "world",
        "socket",
        "message",
        "room",
        "user",
        "typing",
        "online",
        "{\"id\":",
        "\"text\":",
        "42,",
        "true,",
        "null",
        "2026-12-06",
        "€",
        "ok",
    ];
    let mut out = String::from("42[\"chat message\",\"");
    let mut x: u32 = 12345;
    while out.len() < size - 2 {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        out.push_str(WORDS[(x >> 16) as usize % WORDS.len()]);
        out.push(' ');
    }
    let mut bytes = out.into_bytes();
    bytes.truncate(size - 2);
    bytes.extend_from_slice(b"\"]");
    bytes
}

#[divan::bench(args = SIZES)]
fn polling_gzip(b: Bencher, size: usize) {
    let m = message(size);
    b.bench(|| ContentEncoding::Gzip.encode(black_box(&m), 6));
}

#[divan::bench(args = SIZES)]
fn polling_deflate(b: Bencher, size: usize) {
    let m = message(size);
    b.bench(|| ContentEncoding::Deflate.encode(black_box(&m), 6));
}

#[divan::bench(args = SIZES, consts = [1, 6])]
fn ws_deflate<const LEVEL: u32>(b: Bencher, size: usize) {
    let m = message(size);
    b.bench(|| deflate_message(black_box(&m), LEVEL));
}

#[divan::bench(args = SIZES)]
fn ws_inflate(b: Bencher, size: usize) {
    let z = deflate_message(&message(size), 6).expect("deflate");
    let mut frame = vec![0xc1, 0x80 | 127];
    frame.extend_from_slice(&(z.len() as u64).to_be_bytes());
    frame.extend_from_slice(&[0; 4]);
    frame.extend_from_slice(&z);
    b.bench(|| {
        let mut r = FrameInflater::new(1 << 20);
        let mut out = Vec::new();
        r.feed(black_box(&frame), &mut out);
        out
    });
}
