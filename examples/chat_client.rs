//! A terminal client for the chat demo (`cargo run --release --example
//! chat`): what you type is sent as a `chat message`, and what the people
//! in the browser windows say is printed, with their joins and leaves.
//! Reconnects by itself when the server restarts.
//!
//! Run: `cargo run --release --example chat_client -- [URL]` (default
//! `http://127.0.0.1:3000`); end with Ctrl-D.

use serde_json::Value;
use sio_smol::client::{Client, ClientOptions, ClientSocket};
use std::io::BufRead;

fn main() {
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "http://127.0.0.1:3000".into());
    let client = match Client::connect(&url, ClientOptions::default()) {
        Ok(client) => client,
        Err(e) => {
            eprintln!("chat_client: {e}");
            std::process::exit(2);
        }
    };
    let socket = client.socket();
    listen(&socket, |line| println!("{line}"));
    for line in std::io::stdin().lock().lines() {
        let Ok(text) = line else { break };
        if let Err(e) = say(&socket, &text) {
            eprintln!("chat_client: {e}");
        }
    }
    client.close();
}

/// Prints (through `show`) what the chat server sends: messages, joins,
/// leaves, and our own connection's state.
pub fn listen(socket: &ClientSocket, show: impl Fn(String) + Send + Sync + Clone + 'static) {
    let s = show.clone();
    socket.on("chat message", move |_, msg| {
        let m: Value = msg.data().unwrap_or(Value::Null);
        let who = short(m["id"].as_str().unwrap_or("?"));
        s(format!("{who}: {}", m["text"].as_str().unwrap_or("")));
    });
    let s = show.clone();
    socket.on("user connected", move |_, msg| {
        let m: Value = msg.data().unwrap_or(Value::Null);
        s(format!(
            "* {} joined",
            short(m["id"].as_str().unwrap_or("?"))
        ));
    });
    let s = show.clone();
    socket.on("user disconnected", move |_, msg| {
        let m: Value = msg.data().unwrap_or(Value::Null);
        s(format!("* {} left", short(m["id"].as_str().unwrap_or("?"))));
    });
    let s = show.clone();
    socket.on_connect(move |socket| {
        s(format!(
            "* connected as {}",
            short(&socket.id().unwrap_or_default())
        ))
    });
    socket.on_disconnect(move |_, reason| {
        show(format!(
            "* disconnected ({}), reconnecting...",
            reason.as_str()
        ))
    });
}

/// Sends one line of text (empty lines are not sent). While the
/// connection is down the message waits in the client's buffer and goes
/// out on reconnection.
pub fn say(socket: &ClientSocket, text: &str) -> Result<(), String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(());
    }
    socket
        .emit("chat message", &text)
        .map_err(|e| e.to_string())
}

/// The first characters of a socket id, enough to tell people apart.
fn short(id: &str) -> &str {
    &id[..id.len().min(6)]
}
