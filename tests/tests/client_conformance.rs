//! sio-smol's Socket.IO client against the conformance handlers of both
//! our server adapters (`tests::adapter`): sio-smol's
//! `examples/conformance.rs` (`on_smol::*`) and the tokio adapter
//! `examples/tokio_conformance` (`on_tokio::*`, `sio-core` on tokio without
//! sio-smol). Each test runs its scenario on polling, WebSocket and
//! polling-then-upgrade, a server of its own per transport (the table of
//! the whole matrix is at the top of `client_interop.rs`):
//!
//! | scenario (per adapter) | P | WS | U |
//! |---|---|---|---|
//! | `connect_and_namespaces`: `/` and `/custom` on one connection, each with its own auth echoed in "auth" and its own id; an unknown namespace refused ("Invalid namespace") | 1 | 1 | 1 |
//! | `events`: "message" with several arguments comes back as "message-back", in order | 1 | 1 | 1 |
//! | `acks`: "message-with-ack" answered with its own arguments (none, one, several, many in flight) | 1 | 1 | 1 |
//! | `binary`: binary at the top level, nested, in arrays, both ways: as events and in acks | 1 | 1 | 1 |
//!
//! What the handlers cannot show: they never emit with an ack (no
//! server-to-client ack), have no rooms, no recovery, and no server-side
//! disconnect; `client_smol.rs` covers those against sio-smol.
//!
//! The conformance server pings every 300 ms and waits 200 ms for the
//! pong: our client answers in time or the test fails.

#[macro_use]
mod client_common;

use client_common::{TRANSPORTS, WAIT, next, options, ready, record, values};
use serde_json::{Value, json};
use sio_core::socket::Args;
use sio_smol::client::{Client, ClientSocket, ClientTransports, ReadyError};
use sio_smol::io::{Binary, args_as, args_from_array};
use std::collections::HashMap;
use tests::adapter::Adapter;

/// Runs `scenario` on each transport against a new conformance server of
/// `adapter`, naming the transport when it fails.
fn on_each_transport(adapter: Adapter, scenario: impl Fn(&str, ClientTransports)) {
    for t in TRANSPORTS {
        let server = adapter.conformance();
        let url = server.url();
        let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| scenario(&url, t)));
        if let Err(e) = run {
            eprintln!("{adapter:?} on {t:?} failed");
            std::panic::resume_unwind(e);
        }
        server.stop();
    }
}

fn ack_raw(socket: &ClientSocket, args: Args) -> Args {
    smol::block_on(
        socket
            .timeout(WAIT)
            .emit_raw_with_ack("message-with-ack", args),
    )
    .unwrap_or_else(|e| panic!("message-with-ack: {e}"))
}

fn connect_and_namespaces(adapter: Adapter) {
    on_each_transport(adapter, |url, t| {
        let client = Client::connect(url, options(t).auth(json!({ "user": "u1" }))).unwrap();
        let (utx, upgraded) = std::sync::mpsc::channel();
        client.on_upgrade(move || {
            let _ = utx.send(());
        });
        let main = client.socket();
        let main_auth = record(&main, "auth");
        let custom = client.of_with_auth("/custom", json!({ "c": 1 }));
        let custom_auth = record(&custom, "auth");
        ready(&main);
        ready(&custom);
        assert_eq!(
            values(&next(&main_auth, "auth on /")),
            [json!({ "user": "u1" })]
        );
        assert_eq!(
            values(&next(&custom_auth, "auth on /custom")),
            [json!({ "c": 1 })]
        );
        if t == ClientTransports::Upgrade {
            next(&upgraded, "the upgrade");
        } else {
            assert!(upgraded.try_recv().is_err(), "no upgrade on {t:?}");
        }
        let (m, c) = (main.id().unwrap(), custom.id().unwrap());
        assert_ne!(m, c, "one id per namespace");
        let nope = client.of("/nope");
        match smol::block_on(nope.ready(WAIT)) {
            Err(ReadyError::Connect(e)) => assert_eq!(e.message, "Invalid namespace"),
            other => panic!("expected a refusal, got {other:?}"),
        }
        assert!(main.connected() && custom.connected());
        // Leaving /custom keeps /.
        custom.disconnect();
        client_common::eventually("/custom left", || !custom.connected());
        let back = ack_raw(&main, args_from_array(&("still",)).unwrap());
        assert_eq!(values(&back), [json!("still")]);
        assert_eq!(main.id(), Some(m));
        client.close();
    });
}

fn events(adapter: Adapter) {
    on_each_transport(adapter, |url, t| {
        let client = Client::connect(url, options(t)).unwrap();
        let socket = client.socket();
        let back = record(&socket, "message-back");
        ready(&socket);
        let several = (
            "text",
            42,
            -1.5,
            json!({ "deep": [1, null, true, { "k": "v" }] }),
            "ünïcødé ✓ \"quoted\" \\ \n",
            false,
            Value::Null,
        );
        socket.emit_args("message", &several).unwrap();
        let want = values(&args_from_array(&several).unwrap());
        assert_eq!(values(&next(&back, "message-back")), want);
        socket.emit_raw("message", Args::empty()).unwrap();
        assert_eq!(values(&next(&back, "message-back")), Vec::<Value>::new());
        for i in 0..30 {
            socket.emit("message", &i).unwrap();
        }
        for i in 0..30 {
            assert_eq!(values(&next(&back, "message-back")), [json!(i)]);
        }
        client.close();
    });
}

fn acks(adapter: Adapter) {
    on_each_transport(adapter, |url, t| {
        let client = Client::connect(url, options(t)).unwrap();
        let socket = client.socket();
        ready(&socket);
        let sent = args_from_array(&("a", 2, json!({ "k": [1, 2] }))).unwrap();
        assert_eq!(values(&ack_raw(&socket, sent.clone())), values(&sent));
        assert_eq!(
            values(&ack_raw(&socket, Args::empty())),
            Vec::<Value>::new()
        );
        let n: i64 = smol::block_on(socket.emit_with_ack("message-with-ack", &7)).unwrap();
        assert_eq!(n, 7);
        let many: Vec<i64> = smol::block_on(async {
            let nums: Vec<i64> = (0..10).collect();
            let waits: Vec<_> = nums
                .iter()
                .map(|i| {
                    socket
                        .timeout(WAIT)
                        .emit_with_ack::<_, i64>("message-with-ack", i)
                })
                .collect();
            let mut out = Vec::new();
            for w in waits {
                out.push(w.await.unwrap());
            }
            out
        });
        assert_eq!(many, (0..10).collect::<Vec<i64>>());
        client.close();
    });
}

/// Binary at the top level, in an object and in an array.
type Files = (String, Binary, HashMap<String, Binary>, Vec<Binary>);

fn binary(adapter: Adapter) {
    on_each_transport(adapter, |url, t| {
        let client = Client::connect(url, options(t)).unwrap();
        let socket = client.socket();
        let back = record(&socket, "message-back");
        ready(&socket);
        let files: Files = (
            "files".to_owned(),
            Binary::from(vec![0u8, 1, 127, 128, 255]),
            HashMap::from([("inner".to_owned(), Binary::from(vec![7u8; 100_000]))]),
            vec![Binary::from(vec![]), Binary::from(b"\x00\r\n\x1e".to_vec())],
        );
        let sent = args_from_array(&files).unwrap();
        assert_eq!(sent.attachments.len(), 4);
        socket.emit_raw("message", sent.clone()).unwrap();
        let got: Files = args_as(&next(&back, "message-back")).unwrap();
        assert_eq!(got, files);
        let got: Files = args_as(&ack_raw(&socket, sent)).unwrap();
        assert_eq!(got, files);
        client.close();
    });
}

tests::for_each_adapter!(connect_and_namespaces, events, acks, binary);
