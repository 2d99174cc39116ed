//! The client examples against the servers they are written for:
//! `examples/client.rs` against the conformance server on both adapters
//! (sio-smol and tokio), and `examples/chat_client.rs` against the chat
//! demo, two terminal clients talking.

use std::sync::mpsc;
use std::time::Duration;
use tests::adapter::Adapter;

const WAIT: Duration = Duration::from_secs(10);

/// The lines `examples::client::run` reports against `url`.
fn client_lines(url: &str) -> Vec<String> {
    let (tx, rx) = mpsc::channel();
    let tx = std::sync::Mutex::new(tx);
    let run = examples::client::run(url, "/custom", move |line| {
        let _ = tx.lock().unwrap().send(line);
    });
    smol::block_on(run).expect("the example runs to its end");
    rx.try_iter().collect()
}

#[test]
fn client_example_against_both_adapters() {
    for adapter in [Adapter::Smol, Adapter::Tokio] {
        let server = adapter.conformance();
        let lines = client_lines(&server.url());
        let has = |want: &str| lines.iter().any(|l| l == want);
        for want in [
            r#"/ auth: [{"token":"from-rust"}]"#,
            r#"/custom auth: [{"token":"from-rust"}]"#,
            r#"/ message-back: ["hello from Rust"]"#,
            r#"/ ack: {"n":42}"#,
        ] {
            assert!(has(want), "{adapter:?}: no line {want:?} in {lines:#?}");
        }
        assert!(
            lines.iter().any(|l| l.starts_with("/custom ready, id ")),
            "{lines:#?}"
        );
        server.stop();
    }
}

#[test]
fn chat_clients_talk_through_the_chat_demo() {
    let server = sio_smol::spawn_thread("127.0.0.1:0".parse().unwrap(), || {
        examples::chat::mux().expect("the chat server starts")
    })
    .expect("server starts");
    let url = format!("http://{}", server.addr());
    let open = |name: &'static str| {
        let (tx, rx) = mpsc::channel::<String>();
        let tx = std::sync::Arc::new(std::sync::Mutex::new(tx));
        let client = sio_smol::client::Client::connect(&url, Default::default()).expect("client");
        let socket = client.socket();
        examples::chat_client::listen(&socket, move |line| {
            eprintln!("{name}: {line}");
            let _ = tx.lock().unwrap().send(line);
        });
        (client, socket, rx)
    };
    let wait = |rx: &mpsc::Receiver<String>, want: &dyn Fn(&str) -> bool| loop {
        let line = rx.recv_timeout(WAIT).expect("a line in time");
        if want(&line) {
            return line;
        }
    };
    let (ann, ann_socket, ann_rx) = open("ann");
    wait(&ann_rx, &|l| l.starts_with("* connected as "));
    let (bob, bob_socket, bob_rx) = open("bob");
    wait(&bob_rx, &|l| l.starts_with("* connected as "));
    wait(&ann_rx, &|l| l.starts_with("* ") && l.ends_with(" joined"));

    examples::chat_client::say(&bob_socket, "  hello ann  ").expect("sent");
    examples::chat_client::say(&bob_socket, "   ").expect("an empty line is not sent");
    let heard = wait(&ann_rx, &|l| !l.starts_with("* "));
    assert!(heard.ends_with(": hello ann"), "{heard}");
    examples::chat_client::say(&ann_socket, "hi bob").expect("sent");
    let heard = wait(&bob_rx, &|l| !l.starts_with("* "));
    assert!(heard.ends_with(": hi bob"), "{heard}");

    bob.close();
    wait(&ann_rx, &|l| l.starts_with("* ") && l.ends_with(" left"));
    ann.close();
    server.stop().expect("server stops");
}
