//! Delivery notification (`Socket::flushed`): it completes when what was
//! emitted has reached the transport. On polling that is the next
//! long-poll response: not before the client polls. On WebSocket it is the
//! write. When the client goes away first, it fails.

use sio_core::socket::ServerConfig;
use sio_smol::Mux;
use sio_smol::io::SocketIo;
use std::net::SocketAddr;
use std::sync::mpsc;
use std::time::Duration;
use tests::raw::{poll, post, request, sio_ws, ws_next_text, ws_send_text};

const P: &str = "/socket.io/";

/// On `send`: emits `news`, then reports whether `flushed()` succeeded.
fn server(report: mpsc::Sender<bool>) -> Mux {
    let io = SocketIo::new(ServerConfig::default());
    let io2 = io.clone();
    io.on_connection(move |socket| {
        let io = io2.clone();
        let report = report.clone();
        socket.on("send", move |socket, _| {
            let _ = socket.emit("news", &1);
            let socket = socket.clone();
            let report = report.clone();
            io.spawn(async move {
                let _ = report.send(socket.flushed().await.is_ok());
            });
        });
    });
    Mux::new().mount(&io)
}

fn start() -> (sio_smol::RunningServer, mpsc::Receiver<bool>) {
    let (tx, rx) = mpsc::channel();
    let addr: SocketAddr = "127.0.0.1:0".parse().unwrap();
    (
        sio_smol::spawn_thread(addr, move || server(tx)).unwrap(),
        rx,
    )
}

#[test]
fn polling_is_flushed_by_the_next_poll() {
    let (server, rx) = start();
    let a = server.addr();
    let res = request(a, "GET", &format!("{P}?EIO=4&transport=polling"), b"");
    let sid = res.text()[1..].split('"').nth(3).unwrap().to_owned();
    assert_eq!(post(a, P, &sid, b"40").status, 200);
    assert!(poll(a, P, &sid).text().starts_with("40{"));
    assert_eq!(post(a, P, &sid, br#"42["send"]"#).status, 200);
    // Not delivered yet: nobody polled.
    assert!(rx.recv_timeout(Duration::from_millis(300)).is_err());
    assert_eq!(poll(a, P, &sid).text(), r#"42["news",1]"#);
    assert_eq!(rx.recv_timeout(Duration::from_secs(5)), Ok(true));
    server.stop().unwrap();
}

#[test]
fn websocket_is_flushed_by_the_write() {
    let (server, rx) = start();
    let mut ws = sio_ws(server.addr(), P);
    ws_send_text(&mut ws, r#"42["send"]"#);
    assert_eq!(rx.recv_timeout(Duration::from_secs(5)), Ok(true));
    assert_eq!(ws_next_text(&mut ws).as_deref(), Some(r#"42["news",1]"#));
    server.stop().unwrap();
}

#[test]
fn a_client_gone_first_fails_the_wait() {
    let (server, rx) = start();
    let a = server.addr();
    let res = request(a, "GET", &format!("{P}?EIO=4&transport=polling"), b"");
    let sid = res.text()[1..].split('"').nth(3).unwrap().to_owned();
    post(a, P, &sid, b"40");
    poll(a, P, &sid);
    post(a, P, &sid, br#"42["send"]"#);
    // The client closes its session instead of polling.
    post(a, P, &sid, b"1");
    assert_eq!(rx.recv_timeout(Duration::from_secs(5)), Ok(false));
    server.stop().unwrap();
}
