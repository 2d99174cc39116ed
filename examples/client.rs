//! A Socket.IO client in Rust, doing what the Go client's README shows:
//! connect, open a namespace, wait until it is ready (with a timeout),
//! emit, and print what comes back.
//!
//! Run a server first (`cargo run --release --example conformance`, or
//! Node's `socket.io`), then:
//! `cargo run --release --example client -- [URL] [NAMESPACE]`
//! (default `http://127.0.0.1:3000` and `/custom`). Against the
//! conformance server it prints the `auth` event each namespace sends on
//! connect, the `message-back` answer to a `message`, and the ack of a
//! `message-with-ack`.

use serde_json::{Value, json};
use sio_smol::client::{Client, ClientOptions};
use std::time::Duration;

fn main() {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .unwrap_or_else(|| "http://127.0.0.1:3000".into());
    let nsp = args.next().unwrap_or_else(|| "/custom".into());
    if let Err(e) = smol::block_on(run(&url, &nsp, |line| println!("{line}"))) {
        eprintln!("client: {e}");
        std::process::exit(1);
    }
}

/// Talks to the server at `url` and reports each thing that happens to
/// `say`, one line at a time.
pub async fn run(
    url: &str,
    nsp: &str,
    say: impl Fn(String) + Send + Sync + 'static,
) -> Result<(), String> {
    let say = std::sync::Arc::new(say);
    // Connect: the connection opens in the background, with this payload
    // in every namespace's CONNECT (the server's `socket.handshake.auth`).
    let options = ClientOptions::default().auth(json!({ "token": "from-rust" }));
    let client = Client::connect(url, options).map_err(|e| e.to_string())?;

    // The default namespace, with a listener for every event.
    let main = client.socket();
    let s = say.clone();
    main.on_any(move |socket, msg| {
        let args: Value = msg.args().unwrap_or(Value::Null);
        s(format!("{} {}: {args}", socket.nsp(), msg.event()));
    });

    // Another namespace over the same connection (the Go client's `Of`).
    let other = client.of(nsp);
    let s = say.clone();
    other.on_any(move |socket, msg| {
        let args: Value = msg.args().unwrap_or(Value::Null);
        s(format!("{} {}: {args}", socket.nsp(), msg.event()));
    });
    let s = say.clone();
    other.on_disconnect(move |socket, reason| {
        s(format!(
            "{} disconnected: {}",
            socket.nsp(),
            reason.as_str()
        ))
    });

    // Wait until both are ready (the Go client's `Ready`), at most 5 s.
    for socket in [&main, &other] {
        socket
            .ready(Duration::from_secs(5))
            .await
            .map_err(|e| format!("{}: {e}", socket.nsp()))?;
        say(format!(
            "{} ready, id {}",
            socket.nsp(),
            socket.id().unwrap_or_default()
        ));
    }

    // Emit, and emit with an ack (answered, or an error after 5 s).
    main.emit("message", &"hello from Rust")
        .map_err(|e| e.to_string())?;
    let answer: Value = main
        .timeout(Duration::from_secs(5))
        .emit_with_ack("message-with-ack", &json!({ "n": 42 }))
        .await
        .map_err(|e| format!("ack: {e}"))?;
    say(format!("/ ack: {answer}"));

    // Give the server's answers a moment to arrive, then leave.
    smol::Timer::after(Duration::from_millis(300)).await;
    client.close();
    Ok(())
}
