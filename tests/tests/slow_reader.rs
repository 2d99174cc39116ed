//! A client that never reads while the server keeps emitting: its queue is
//! bounded (`max_queued_bytes`, 256 KiB here). When the bound is reached the
//! server drops the queue, closes the connection (close code 1008, or a
//! plain drop if even that cannot be written within 2 s) and the socket
//! disconnects with reason "buffer full". Other clients are not disturbed.

use sio_core::engine::EngineConfig;
use sio_core::socket::ServerConfig;
use sio_smol::Mux;
use sio_smol::io::SocketIo;
use std::io::Read;
use std::net::SocketAddr;
use std::sync::mpsc;
use std::time::{Duration, Instant};
use tests::raw::{sio_ws, ws_next_text, ws_send_text};

const QUEUE_BOUND: usize = 256 * 1024;
const FLOOD_MESSAGES: usize = 200_000;

fn flood_server(reasons: mpsc::Sender<String>) -> Mux {
    let io = SocketIo::new(ServerConfig {
        engine: EngineConfig {
            max_queued_bytes: QUEUE_BOUND,
            ..EngineConfig::default()
        },
        ..ServerConfig::default()
    });
    let io2 = io.clone();
    io.on_connection(move |socket| {
        socket.on("echo", |_, msg| msg.ack_raw(msg.raw().clone()));
        let io = io2.clone();
        socket.on("flood", move |socket, _| {
            let socket = socket.clone();
            io.spawn(async move {
                let chunk = "x".repeat(1024);
                for i in 0..FLOOD_MESSAGES {
                    if !socket.connected() {
                        break;
                    }
                    let _ = socket.emit("chunk", &(i, &chunk));
                    // Let the connection's task write between emits.
                    smol::future::yield_now().await;
                }
            });
        });
        let reasons = reasons.clone();
        socket.on_disconnect(move |_, reason| {
            let _ = reasons.send(reason.as_str().to_owned());
        });
    });
    Mux::new().mount(&io)
}

#[test]
fn a_client_that_never_reads_is_dropped_at_the_bound() {
    let (tx, rx) = mpsc::channel();
    let addr: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let server = sio_smol::spawn_thread(addr, move || flood_server(tx)).unwrap();
    let mut bystander = sio_ws(server.addr(), "/socket.io/");
    let mut slow = sio_ws(server.addr(), "/socket.io/");
    ws_send_text(&mut slow, r#"42["flood"]"#);

    // The slow client reads nothing; the server must give up on it.
    let reason = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("the slow socket is disconnected");
    assert_eq!(reason, "buffer full");

    // The bystander is not disturbed.
    ws_send_text(&mut bystander, r#"421["echo","ok"]"#);
    assert_eq!(
        ws_next_text(&mut bystander).as_deref(),
        Some(r#"431["ok"]"#)
    );

    // What the slow client can still read is bounded (kernel buffers plus
    // what was in flight), then the connection ends.
    let start = Instant::now();
    slow.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut total = 0usize;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match slow.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => total += n,
        }
    }
    eprintln!("slow client read {total} bytes after the bound");
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "connection not closed"
    );
    assert!(
        total < FLOOD_MESSAGES * 1024 / 4,
        "the server sent {total} bytes to a client that did not read"
    );
    server.stop().unwrap();
}
