//! The Socket.IO Admin UI (`@socket.io/admin-ui` 0.5.1) against our
//! instrumented server: its shipped web app (`ui/dist`) in headless
//! Chromium logs in with the user name and password (bcrypt), lists the
//! npm `socket.io-client`s of two namespaces and their rooms, shows a
//! client that connects while it is open, and its actions (join, leave,
//! disconnect) reach the server and the client; a wrong password is
//! refused (`tests/js/admin-ui.mjs`). Screenshots go to `target/admin-ui/`.
//! And `sio-smol serve --admin-user U --admin-password-hash H`: the UI's
//! protocol played by `socket.io-client` (`tests/js/admin-client.mjs`):
//! login, session id, lists, stats with the process's pid, an action, and
//! a client served while the password is being checked.

use serde_json::json;
use sio_core::engine::{CorsConfig, CorsOrigin, EngineConfig};
use sio_core::socket::ServerConfig;
use sio_smol::Mux;
use sio_smol::admin::{AdminOptions, instrument};
use sio_smol::io::{Namespace, SocketIo};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const USER: &str = "admin";
const PASSWORD: &str = "ui-test-password";
/// `PASSWORD` hashed by bcryptjs (the npm package's own dependency), cost 10.
const HASH: &str = "$2a$10$D9edsAvNAv9BbjnCloN0juTp0lEXFcglDXko8YoLVvIOqhg3Hpe8y";

/// What the server saw: `connect <nsp> <id>` and `disconnect <nsp> <id> <reason>`.
type Log = Arc<Mutex<Vec<String>>>;

/// "join" (room, ack) joins the room; "rooms" (ack) answers the rooms.
fn room_handlers(nsp: &Namespace, log: &Log) {
    let log = log.clone();
    nsp.on_connection(move |socket| {
        let line = format!("connect {} {}", socket.nsp(), socket.id());
        log.lock().unwrap().push(line);
        socket.on("join", |socket, msg| {
            if let Ok(room) = msg.data::<String>() {
                socket.join(&room);
            }
            let _ = msg.ack(&json!(true));
        });
        socket.on("rooms", |socket, msg| {
            let _ = msg.ack(&socket.rooms());
        });
        let log = log.clone();
        socket.on_disconnect(move |socket, reason| {
            let line = format!(
                "disconnect {} {} {}",
                socket.nsp(),
                socket.id(),
                reason.as_str()
            );
            log.lock().unwrap().push(line);
        });
    });
}

/// Runs `tests/js/<name>.mjs` with `args` and returns the JSON of its
/// `ok <name> <json>` line.
fn driver_report(name: &str, args: &[&str], timeout: Duration) -> serde_json::Value {
    let out = tests::assert_node_ok(&format!("{name}.mjs"), args, timeout);
    let prefix = format!("ok {name} ");
    let line = out
        .lines()
        .find_map(|l| l.strip_prefix(prefix.as_str()))
        .unwrap_or_else(|| panic!("unexpected output: {out}"));
    serde_json::from_str(line).expect("JSON report")
}

fn server(log: Log) -> Mux {
    let io = SocketIo::new(ServerConfig {
        engine: EngineConfig {
            // The UI is served from another origin and sends credentials.
            cors: Some(CorsConfig {
                origin: CorsOrigin::Any,
                credentials: true,
                ..CorsConfig::any()
            }),
            ..EngineConfig::default()
        },
        ..ServerConfig::default()
    });
    instrument(&io, AdminOptions::basic(USER, HASH)).expect("a valid bcrypt hash");
    room_handlers(&io.of("/"), &log);
    room_handlers(&io.of("/chat"), &log);
    Mux::new().mount(&io)
}

#[test]
fn the_admin_ui_lists_and_acts_on_our_clients() {
    tests::browser::ensure_chromium();
    tests::ensure_npm();
    let ui = tests::js_dir().join("node_modules/@socket.io/admin-ui/ui/dist");
    assert!(ui.join("index.html").exists(), "{} missing", ui.display());
    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/admin-ui");
    let log: Log = Arc::default();
    let server_log = log.clone();
    let server = sio_smol::spawn_thread("127.0.0.1:0".parse().unwrap(), move || server(server_log))
        .expect("server starts");
    let report = driver_report(
        "admin-ui",
        &[
            &server.url(),
            ui.to_str().unwrap(),
            shots.to_str().unwrap(),
            USER,
            PASSWORD,
        ],
        Duration::from_secs(150),
    );
    for (name, path) in report["shots"].as_object().expect("screenshots") {
        let path = path.as_str().unwrap();
        let png = std::fs::read(path).expect("screenshot written");
        assert!(png.starts_with(b"\x89PNG"), "{name} is not a PNG");
        println!("admin UI screenshot {name}: {path}");
    }
    // The server saw the UI's disconnection, and the live client.
    let gone = report["disconnected"].as_str().unwrap();
    let live = report["live"].as_str().unwrap();
    let log = log.lock().unwrap().clone();
    assert!(
        log.contains(&format!("disconnect / {gone} server namespace disconnect")),
        "{log:?}"
    );
    assert!(log.contains(&format!("connect / {live}")), "{log:?}");
    server.stop().expect("server stops cleanly");
}

#[test]
fn the_binary_serves_the_admin_namespace() {
    let bin = tests::process::SioSmolBin::start(&[
        "serve",
        "--admin-user",
        USER,
        "--admin-password-hash",
        HASH,
    ]);
    let report = driver_report(
        "admin-client",
        &[&bin.url, USER, PASSWORD],
        Duration::from_secs(60),
    );
    let stats = &report["stats"];
    assert_eq!(stats["pid"], bin.process.id(), "{stats}");
    assert_eq!(stats["serverId"], stats["hostname"], "{stats}");
    assert!(stats["clientsCount"].as_u64() >= Some(2), "{stats}");
    let namespaces = stats["namespaces"].as_array().expect("namespaces");
    assert!(
        namespaces
            .iter()
            .any(|n| n["name"] == "/admin" && n["socketsCount"] == 1),
        "{stats}"
    );
    // The admin's own login (CONNECT, socket_connected, config,
    // all_sockets, session) is in the period of the first stats it gets.
    let sent: u64 = stats["aggregatedEvents"]
        .as_array()
        .expect("aggregatedEvents")
        .iter()
        .filter(|e| e["type"] == "packetsOut")
        .filter_map(|e| e["count"].as_u64())
        .sum();
    assert!(sent >= 5, "{stats}");
    let features = report["config"]["supportedFeatures"].as_array().unwrap();
    assert_eq!(features.len(), 9, "{report}");
    println!(
        "admin login (bcrypt cost 10, off the event loop): {} ms; a client connecting meanwhile: {} ms; one listed socket: {} bytes of JSON",
        report["loginMs"], report["duringMs"], report["listedBytes"]
    );
}
