//! Micro-benchmarks of the adapter's own HTTP codec (`cargo bench -p
//! sio-smol`): parsing the requests served without hyper and writing their
//! responses, in the shapes the bench load generator and the official
//! clients send.

use divan::{Bencher, black_box};
use sio_smol::internals::raw_http::{self, MAX_HEADERS, Parsed, RawHead};

fn main() {
    divan::main();
}

const POST: &[u8] =
    b"POST /socket.io/?EIO=4&transport=polling&sid=AAAAAAAAAAAAAAAAAAAAAA HTTP/1.1\r\n\
host: 127.0.0.1:3000\r\ncontent-type: text/plain;charset=UTF-8\r\ncontent-length: 78\r\n\r\n\
42[\"echo\",\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"]";

const UPGRADE: &[u8] = b"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n\
Host: localhost:3000\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n";

#[divan::bench]
fn parse_polling_post() -> bool {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    matches!(
        RawHead::parse(black_box(POST), &mut headers),
        Parsed::Head(_)
    )
}

#[divan::bench]
fn parse_websocket_upgrade() -> bool {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    matches!(
        RawHead::parse(black_box(UPGRADE), &mut headers),
        Parsed::Head(_)
    )
}

#[divan::bench]
fn write_polling_response(b: Bencher) {
    let body = vec![b'4'; 80];
    let headers = [
        ("content-type", "text/plain; charset=UTF-8"),
        ("cache-control", "no-store"),
    ];
    b.bench(|| raw_http::response(200, black_box(headers), black_box(&body), false));
}
