//! The msgpack parser (`sio_core::socket::MsgpackParser`) with the npm
//! `socket.io-msgpack-parser` 3.0.2 on the other side:
//!
//! - the npm `socket.io-client` with `parser: require("socket.io-msgpack-parser")`
//!   (`tests/js/sio-msgpack.mjs`) against the feature server on the msgpack
//!   parser: the `sio.mjs` scenarios (every transport, auth, namespaces
//!   and a refused CONNECT, acks both ways, nested binary both ways, rooms
//!   and broadcasts, middleware refusal, disconnects, reconnection, fifty
//!   clients), and connection state recovery against the recovery example;
//! - our client with `ClientParser::Msgpack` against Node's `socket.io`
//!   with the msgpack parser (`tests/js/sio-server.mjs --parser msgpack`):
//!   events, acks both ways and binary, on every transport; namespaces,
//!   auth and a refused CONNECT with its data.

use serde_json::{Value, json};
use sio_core::socket::{Args, MsgpackParser, ServerConfig};
use sio_smol::Mux;
use sio_smol::client::{
    Client, ClientOptions, ClientParser, ClientSocket, ClientTransports, ReadyError,
};
use sio_smol::io::{Binary, args_as};
use std::collections::HashMap;
use std::sync::mpsc;
use std::time::Duration;
use tests::peers::NodeServer;

/// The feature server on the msgpack parser.
fn feature_mux() -> Mux {
    tests::feature_server::mux_with(ServerConfig {
        parser: Box::new(MsgpackParser),
        ..tests::feature_server::config()
    })
}

/// The recovery example (60 s window) on the msgpack parser.
fn recovery_mux() -> Mux {
    let config = examples::recovery::config(Duration::from_secs(60));
    Mux::new().mount(&examples::recovery::io(ServerConfig {
        parser: Box::new(MsgpackParser),
        ..config
    }))
}

fn scenario(name: &str) {
    tests::run_scenario("sio-msgpack.mjs", name, feature_mux);
}

#[test]
fn connect_with_auth_on_every_transport() {
    scenario("connect");
}

#[test]
fn namespaces_and_a_refused_connect() {
    scenario("multiplex");
}

#[test]
fn acks_both_ways() {
    scenario("acks");
}

#[test]
fn nested_binary_both_ways() {
    scenario("binary");
}

#[test]
fn broadcast_to_rooms() {
    scenario("rooms");
}

#[test]
fn broadcast_with_acks() {
    scenario("broadcast-acks");
}

#[test]
fn middleware_refusal_with_data() {
    scenario("middleware");
}

#[test]
fn disconnects_from_both_sides() {
    scenario("disconnect");
}

#[test]
fn reconnects_after_transport_drop() {
    scenario("reconnect");
}

#[test]
fn fifty_clients() {
    scenario("many");
}

#[test]
fn every_packet_is_one_binary_message() {
    scenario("wire");
}

#[test]
fn recovery_replays_missed_events_on_websocket() {
    tests::run_scenario("sio-msgpack.mjs", "recovery-websocket", recovery_mux);
}

#[test]
fn recovery_replays_missed_events_on_polling() {
    tests::run_scenario("sio-msgpack.mjs", "recovery-polling", recovery_mux);
}

/// Node's `socket.io` on the msgpack parser and our client on it too.
fn start(t: ClientTransports) -> (NodeServer, Client) {
    let server = NodeServer::start(&["--parser", "msgpack"]);
    let options = ClientOptions::default()
        .transports(t)
        .parser(ClientParser::Msgpack)
        .auth(json!({ "token": "m", "n": [1, 2] }));
    let client = Client::connect(&server.url(), options).expect("a valid URL");
    (server, client)
}

/// The next `event` (its arguments without the recovery offset Node adds).
fn next_args(rx: &mpsc::Receiver<Args>, what: &str) -> Vec<Value> {
    let args = next(rx, what);
    let mut values: Vec<Value> = args_as(&args).unwrap_or_else(|e| panic!("{what}: {e}"));
    // Node's recovery appends the offset, a string, to events without ack.
    assert!(
        values.pop().is_some_and(|o| o.is_string()),
        "{what}: no offset"
    );
    values
}

fn record(socket: &ClientSocket, event: &str) -> mpsc::Receiver<Args> {
    let (tx, rx) = mpsc::channel();
    socket.on(event, move |_, msg| {
        let _ = tx.send(msg.raw().clone());
    });
    rx
}

fn next<T>(rx: &mpsc::Receiver<T>, what: &str) -> T {
    rx.recv_timeout(WAIT)
        .unwrap_or_else(|_| panic!("no {what} within {WAIT:?}"))
}

const WAIT: Duration = Duration::from_secs(10);

/// Events both ways (auth echoed on connect), acks both ways, nested
/// binary both ways.
fn our_client_against_node(t: ClientTransports) {
    let (_server, client) = start(t);
    let socket = client.socket();
    let auths = record(&socket, "auth");
    let echoes = record(&socket, "echo");
    let blobs = record(&socket, "binary");
    let answers = record(&socket, "answer");
    socket.on("question", |_, msg| {
        let (q, n): (String, usize) = msg.args().unwrap();
        msg.ack_args(&(format!("re: {q}"), Binary::from(vec![9u8; n])))
            .unwrap();
    });
    smol::block_on(socket.ready(WAIT)).expect("connected");
    assert_eq!(
        next_args(&auths, "auth"),
        [json!({ "token": "m", "n": [1, 2] })]
    );

    // An event, echoed as an event.
    let several = ("text", 42, -1.5, json!({ "deep": [1, null, true] }));
    socket.emit_args("echo", &several).unwrap();
    assert_eq!(
        next_args(&echoes, "echo"),
        [
            json!("text"),
            json!(42),
            json!(-1.5),
            json!({ "deep": [1, null, true] })
        ]
    );

    // Node acks our emit with its arguments.
    let n: i64 = smol::block_on(socket.timeout(WAIT).emit_with_ack("echo", &7)).unwrap();
    assert_eq!(n, 7);
    // Node also echoes it as an event.
    assert_eq!(next_args(&echoes, "echo of 7"), [json!(7)]);

    // Nested binary to Node and back, as an event and in its ack.
    type Files = (String, Binary, HashMap<String, Vec<Binary>>);
    let files: Files = (
        "files".to_owned(),
        Binary::from(vec![0u8, 1, 127, 128, 255]),
        HashMap::from([("inner".to_owned(), vec![Binary::from(vec![7u8; 1000])])]),
    );
    socket.emit_args("echo", &files).unwrap();
    let got = next(&echoes, "echo binary");
    let mut got_files: (String, Binary, HashMap<String, Vec<Binary>>, String) =
        args_as(&got).unwrap();
    assert!(!std::mem::take(&mut got_files.3).is_empty());
    assert_eq!((got_files.0, got_files.1, got_files.2), files);
    let sent = sio_smol::io::args_from_array(&files).unwrap();
    let acked = smol::block_on(socket.timeout(WAIT).emit_raw_with_ack("echo", sent)).unwrap();
    assert_eq!(args_as::<Files>(&acked).unwrap(), files);

    // Node's Buffers, nested.
    socket.emit("binary", &300).unwrap();
    let (buf, nested, _offset): (Binary, HashMap<String, Binary>, String) =
        args_as(&next(&blobs, "binary")).unwrap();
    let want: Vec<u8> = (0..300).map(|i| (i % 256) as u8).collect();
    assert_eq!(buf.0.as_ref(), want.as_slice());
    assert_eq!(nested.get("nested"), Some(&buf));

    // Node asks, we ack with binary; it reports our answer.
    socket.emit_args("ask", &("why", 5)).unwrap();
    let (word, bytes, _offset): (String, Binary, String) =
        args_as(&next(&answers, "answer")).unwrap();
    assert_eq!(word, "re: why");
    assert_eq!(bytes.0.as_ref(), [9u8; 5]);
    client.close();
}

/// Namespaces: `/admin` refused by Node's middleware (CONNECT_ERROR with
/// data), then accepted with the right token (auth in the CONNECT).
#[test]
fn our_client_namespaces_and_refusal_against_node() {
    let (_server, client) = start(ClientTransports::WebSocket);
    smol::block_on(client.socket().ready(WAIT)).expect("/ connected");
    let refused = client.of("/admin");
    match smol::block_on(refused.ready(WAIT)) {
        Err(ReadyError::Connect(e)) => {
            assert_eq!(e.message, "unauthorized");
            assert_eq!(e.data, Some(json!({ "reason": "bad token" })));
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    let admin = client.of_with_auth("/admin", json!({ "token": "secret" }));
    let auths = record(&admin, "auth");
    smol::block_on(admin.ready(WAIT)).expect("/admin connected with the token");
    assert_eq!(
        next_args(&auths, "/admin auth"),
        [json!({ "token": "secret" })]
    );
    let n: i64 = smol::block_on(admin.timeout(WAIT).emit_with_ack("echo", &3)).unwrap();
    assert_eq!(n, 3);
    client.close();
}

#[test]
fn our_client_against_node_on_polling() {
    our_client_against_node(ClientTransports::Polling);
}

#[test]
fn our_client_against_node_on_websocket() {
    our_client_against_node(ClientTransports::WebSocket);
}

#[test]
fn our_client_against_node_with_upgrade() {
    our_client_against_node(ClientTransports::Upgrade);
}

/// `PARSER=msgpack` on the conformance contract's server (the example's own
/// binary on each adapter, a child process with that environment): the npm
/// client with the msgpack parser passes the conformance scenario (auth,
/// echo with binary, acks, namespaces, the connect timeout) on every
/// transport.
fn conformance_server_with_parser_msgpack(adapter: tests::adapter::Adapter) {
    let server = adapter.conformance_with_env(&[("PARSER", "msgpack")]);
    let out = tests::assert_node_ok(
        "sio-conformance.mjs",
        &[&server.url(), "msgpack"],
        Duration::from_secs(60),
    );
    assert!(
        out.contains("ok sio-conformance "),
        "unexpected output: {out}"
    );
    server.stop();
}

tests::for_each_adapter!(conformance_server_with_parser_msgpack);
