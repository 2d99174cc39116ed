//! Adversarial Socket.IO packets against the running feature server: each
//! closes only the offending connection (WebSocket close 1002, reason
//! "parse error"), nothing panics, and a bystander keeps working.

use std::io::Write;
use std::net::SocketAddr;
use std::time::Duration;
use tests::raw::{client_frame, close_code, sio_ws, ws_next_text, ws_send_text};

const P: &str = "/socket.io/";

fn server() -> sio_smol::RunningServer {
    let addr: SocketAddr = "127.0.0.1:0".parse().unwrap();
    sio_smol::spawn_thread(addr, tests::feature_server::mux).expect("server starts")
}

/// Sends `frame` on a fresh connection, expects close 1002, then checks a
/// bystander connected before still gets its ack.
fn refused(frame: &[u8]) {
    let server = server();
    let mut bystander = sio_ws(server.addr(), P);
    let _welcome = ws_next_text(&mut bystander).expect("welcome");
    let mut bad = sio_ws(server.addr(), P);
    let _welcome = ws_next_text(&mut bad).expect("welcome");
    bad.write_all(frame).unwrap();
    assert_eq!(
        close_code(&mut bad),
        1002,
        "offending connection closed as a protocol error"
    );
    ws_send_text(&mut bystander, r#"427["echo","still here"]"#);
    assert_eq!(
        ws_next_text(&mut bystander).as_deref(),
        Some(r#"437["still here"]"#)
    );
    server.stop().unwrap();
}

#[test]
fn attachment_count_of_millions() {
    refused(&client_frame(
        1,
        br#"455999999-["x",{"_placeholder":true,"num":0}]"#,
    ));
}

#[test]
fn ack_id_past_u64() {
    refused(&client_frame(1, br#"42184467440737095516150["x"]"#));
}

#[test]
fn json_nested_ten_thousand_deep() {
    let deep = format!(r#"42["x",{}{}]"#, "[".repeat(10_000), "]".repeat(10_000));
    refused(&client_frame(1, deep.as_bytes()));
}

#[test]
fn event_for_a_namespace_not_joined() {
    refused(&client_frame(1, br#"42/custom,["x"]"#));
}

#[test]
fn attachment_without_a_binary_packet() {
    refused(&client_frame(2, b"\x01\x02\x03"));
}

#[test]
fn event_without_a_name() {
    refused(&client_frame(1, b"42[]"));
}

#[test]
fn too_many_attachments_arriving() {
    // Declares 2 attachments, sends 3 binary frames: the third is unexpected.
    let mut frames = client_frame(
        1,
        br#"452-["x",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#,
    );
    for _ in 0..3 {
        frames.extend(client_frame(2, b"ab"));
    }
    refused(&frames);
}

#[test]
fn client_that_connects_to_no_namespace_is_dropped() {
    // Connect timeout is 1 s on the feature server.
    let server = server();
    let mut idle = tests::raw::raw_ws(server.addr(), P);
    let start = std::time::Instant::now();
    while ws_next_text(&mut idle).is_some() {}
    let waited = start.elapsed();
    assert!(
        waited >= Duration::from_millis(800) && waited < Duration::from_secs(5),
        "closed after {waited:?}"
    );
    server.stop().unwrap();
}
