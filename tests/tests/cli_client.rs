//! `sio-smol connect URL`, the command-line client, run as a process:
//! its JSON lines against our server and against Node's `socket.io` 4.8
//! server (tests/js/sio-server.mjs), on polling, WebSocket and upgrade.

use serde_json::{Value, json};
use sio_smol::io::SocketIo;
use sio_smol::{Mux, RunningServer};
use std::io::Write;
use std::process::{ChildStdin, Command};
use std::time::Duration;
use tests::peers::NodeServer;
use tests::process::{Spawned, sio_smol_bin};

/// How long a line is awaited before the test fails.
const WAIT: Duration = Duration::from_secs(15);

const TRANSPORTS: [&str; 3] = ["polling", "websocket", "upgrade"];

/// The command-line client, its stdin and its JSON lines.
struct Cli {
    process: Spawned,
    stdin: Option<ChildStdin>,
}

impl Cli {
    fn start(url: &str, args: &[&str]) -> Cli {
        let mut cmd = Command::new(sio_smol_bin());
        cmd.arg("connect").arg(url).args(args);
        let (process, stdin) =
            Spawned::start_with_stdin(cmd, &format!("sio-smol connect {url} {}", args.join(" ")));
        Cli {
            process,
            stdin: Some(stdin),
        }
    }

    fn send(&mut self, line: Value) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        writeln!(stdin, "{line}").expect("the client reads stdin");
        stdin.flush().expect("flush stdin");
    }

    /// The next JSON line for which `want` holds (others are skipped).
    fn expect(&mut self, what: &str, want: impl Fn(&Value) -> bool) -> Value {
        let line = self.process.wait_line(false, WAIT, |l| {
            serde_json::from_str::<Value>(l).is_ok_and(|v| want(&v))
        });
        let v: Value = serde_json::from_str(&line).expect("a JSON line");
        eprintln!("{what}: {v}");
        v
    }

    fn expect_type(&mut self, nsp: &str, kind: &str) -> Value {
        self.expect(kind, |v| v["type"] == kind && v["nsp"] == nsp)
    }

    fn expect_event(&mut self, nsp: &str, event: &str) -> Value {
        self.expect(event, |v| {
            v["type"] == "event" && v["nsp"] == nsp && v["event"] == event
        })
    }

    /// Sends `{"close":true}` and expects exit status 0.
    fn close(mut self) {
        self.send(json!({"close": true}));
        let status = self
            .process
            .wait_exit(WAIT)
            .expect("the client exits after close");
        if !status.success() {
            let rest = self.process.drain();
            panic!("exit status after close: {status}; output not read:\n{rest}");
        }
    }
}

/// Our server with the events the tests use: `echo` (the same event
/// back), acks answered with the arguments, `ask` (the server asks the
/// client for an ack and emits `answer` with it), `kick-me`, and `/admin`
/// behind a token.
fn our_mux() -> Mux {
    let io = SocketIo::new(sio_core::socket::ServerConfig::default());
    let io2 = io.clone();
    io.on_connection(move |socket| {
        let _ = socket.emit("auth", &socket.auth::<Value>().unwrap_or(Value::Null));
        socket.on("echo", |socket, msg| {
            if msg.wants_ack() {
                msg.ack_raw(msg.raw().clone());
            } else {
                socket.emit_raw("echo", msg.raw());
            }
        });
        let io = io2.clone();
        socket.on("ask", move |socket, msg| {
            let socket = socket.clone();
            let args = msg.raw().clone();
            io.spawn(async move {
                let answer = socket
                    .timeout(WAIT)
                    .emit_raw_with_ack("question", &args)
                    .await;
                match answer {
                    Ok(args) => socket.emit_raw("answer", &args),
                    Err(e) => {
                        let _ = socket.emit("answer", &json!({"error": e.to_string()}));
                    }
                }
            });
        });
        socket.on("disconnect-me", |socket, _| socket.disconnect());
    });
    let admin = io.of("/admin");
    tests::feature_server::require_token(&admin);
    admin.on_connection(|_| {});
    Mux::new().mount(&io)
}

fn our_server() -> (RunningServer, String) {
    let server =
        sio_smol::spawn_thread("127.0.0.1:0".parse().unwrap(), our_mux).expect("server starts");
    let url = format!("http://{}", server.addr());
    (server, url)
}

/// The session every server must give: connect, auth seen, events with
/// binary, an ack of ours, an ack the server asks for (answered by echo),
/// a namespace refused then accepted, and a clean close.
fn whole_session(url: &str, transport: &str) {
    let mut cli = Cli::start(
        url,
        &["--transport", transport, "--auth", r#"{"user":"ann"}"#],
    );
    let connect = cli.expect_type("/", "connect");
    assert!(
        connect["id"].as_str().is_some_and(|id| !id.is_empty()),
        "{connect}"
    );
    assert_eq!(connect["recovered"], false);
    let auth = cli.expect_event("/", "auth");
    assert_eq!(auth["args"][0], json!({"user": "ann"}));

    cli.send(json!({"emit": "echo", "args": ["hi", {"pic": {"_binary": "AAEC"}}]}));
    let echo = cli.expect_event("/", "echo");
    assert_eq!(echo["args"][0], "hi");
    assert_eq!(echo["args"][1], json!({"pic": {"_binary": "AAEC"}}));

    cli.send(json!({"emit": "echo", "args": [1, {"_binary": "/w=="}], "ack": 7}));
    let ack = cli.expect_type("/", "ack");
    assert_eq!(ack["id"], 7);
    assert_eq!(ack["args"], json!([1, {"_binary": "/w=="}]));

    cli.send(json!({"emit": "ask", "args": ["q", 2]}));
    let question = cli.expect_event("/", "question");
    assert!(question["ack_wanted"].as_u64().is_some(), "{question}");
    let answer = cli.expect_event("/", "answer");
    assert_eq!(answer["args"][0], "q");
    assert_eq!(answer["args"][1], 2);

    cli.send(json!({"nsp": "/admin", "connect": true}));
    let refused = cli.expect_type("/admin", "connect_error");
    assert_eq!(refused["data"], json!({"reason": "bad token"}));

    cli.send(json!("not an object"));
    cli.expect("error line", |v| v["type"] == "error");
    cli.send(json!({"nsp": "/nowhere", "emit": "x"}));
    cli.expect("error line", |v| v["type"] == "error");
    cli.close();
}

#[test]
fn whole_session_with_our_server() {
    let (_server, url) = our_server();
    for transport in TRANSPORTS {
        whole_session(&url, transport);
    }
}

#[test]
fn whole_session_with_node_server() {
    let server = NodeServer::start(&[]);
    for transport in TRANSPORTS {
        whole_session(&server.url(), transport);
    }
}

/// `--answer-acks stdin`: the server's question waits for our answer.
#[test]
fn acks_answered_from_stdin() {
    let (_server, url) = our_server();
    let node = NodeServer::start(&[]);
    for url in [url, node.url()] {
        let mut cli = Cli::start(
            &url,
            &["--answer-acks", "stdin", "--transport", "websocket"],
        );
        cli.expect_type("/", "connect");
        cli.send(json!({"emit": "ask", "args": ["q"]}));
        let question = cli.expect_event("/", "question");
        let id = question["ack_wanted"].as_u64().expect("an ack is wanted");
        cli.send(json!({"answer": id, "args": ["mine", {"_binary": "AQI="}]}));
        let answer = cli.expect_event("/", "answer");
        assert_eq!(answer["args"][0], "mine");
        assert_eq!(answer["args"][1], json!({"_binary": "AQI="}));
        cli.send(json!({"answer": id, "args": ["twice"]}));
        cli.expect("a second answer is refused", |v| v["type"] == "error");
        cli.close();
    }
}

/// Several namespaces from the command line, one with its token.
#[test]
fn namespaces_from_flags() {
    let (_server, url) = our_server();
    let mut cli = Cli::start(
        &url,
        &[
            "--nsp",
            "/",
            "--nsp",
            "/admin",
            "--auth",
            r#"{"token":"secret"}"#,
        ],
    );
    let a = cli.expect_type("/", "connect");
    let b = cli.expect_type("/admin", "connect");
    assert_ne!(a["id"], b["id"]);
    cli.send(json!({"nsp": "/admin", "disconnect": true}));
    let left = cli.expect_type("/admin", "disconnect");
    assert_eq!(left["reason"], "io client disconnect");
    cli.close();
}

/// The server disconnects the socket: no reconnection for it, and with
/// no namespace left the client exits with status 1.
#[test]
fn server_disconnect_ends_the_client() {
    let (_server, url) = our_server();
    let mut cli = Cli::start(&url, &[]);
    cli.expect_type("/", "connect");
    cli.send(json!({"emit": "disconnect-me"}));
    let gone = cli.expect_type("/", "disconnect");
    assert_eq!(gone["reason"], "io server disconnect");
    let status = cli.process.wait_exit(WAIT).expect("the client exits");
    assert_eq!(status.code(), Some(1));
}

/// The server goes away and comes back on the same port: a disconnect
/// line, reconnection attempts, then a new connect; with
/// `--no-reconnect` the client exits instead.
#[test]
fn reconnects_when_the_server_comes_back() {
    let mut server = NodeServer::start(&[]);
    let mut cli = Cli::start(&server.url(), &["--transport", "websocket"]);
    let first = cli.expect_type("/", "connect");
    server.kill();
    let gone = cli.expect_type("/", "disconnect");
    assert_eq!(gone["reason"], "transport close");
    cli.expect("an attempt", |v| {
        v["type"] == "reconnect_attempt" && v["attempt"] == 1
    });
    server.restart();
    cli.expect("reconnected", |v| v["type"] == "reconnect");
    let again = cli.expect_type("/", "connect");
    assert_ne!(first["id"], again["id"], "a new server gives a new session");
    cli.close();

    let mut cli = Cli::start(&server.url(), &["--no-reconnect"]);
    cli.expect_type("/", "connect");
    server.kill();
    cli.expect_type("/", "disconnect");
    let status = cli.process.wait_exit(WAIT).expect("the client exits");
    assert_eq!(status.code(), Some(1));
}

/// Bad flags are refused before anything is sent.
#[test]
fn bad_flags_are_refused() {
    for args in [
        vec!["connect", "nonsense://x"],
        vec!["connect", "http://127.0.0.1:1", "--auth", "[1]"],
        vec!["connect", "http://127.0.0.1:1", "--header", "no-colon"],
        vec![
            "connect",
            "http://127.0.0.1:1",
            "--transport",
            "carrier-pigeon",
        ],
    ] {
        let out = Command::new(sio_smol_bin())
            .args(&args)
            .output()
            .expect("runs");
        assert!(!out.status.success(), "{args:?} accepted");
        assert!(!out.stderr.is_empty(), "{args:?}: no message");
    }
}

/// HTTPS and WSS: a server with a certificate made here, trusted with
/// `--ca-cert`; without it the client cannot connect.
#[test]
fn tls_with_a_ca_certificate() {
    let rcgen::CertifiedKey { cert, signing_key } =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .expect("rcgen makes a certificate");
    let dir = tests::output_dir().join(format!("cli-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create the certificate directory");
    let (cert_path, key_path) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert_path, cert.pem()).expect("write cert.pem");
    std::fs::write(&key_path, signing_key.serialize_pem()).expect("write key.pem");
    let tls = sio_smol::tls::TlsConfig::from_pem_files(&cert_path, &key_path).expect("loads");
    let server = sio_smol::spawn_thread("127.0.0.1:0".parse().unwrap(), move || {
        our_mux().tls(tls.clone())
    })
    .expect("server starts");
    let url = format!("https://{}", server.addr());
    let ca = cert_path.to_str().expect("a UTF-8 path");
    for transport in TRANSPORTS {
        let mut cli = Cli::start(&url, &["--transport", transport, "--ca-cert", ca]);
        cli.expect_type("/", "connect");
        cli.send(json!({"emit": "echo", "args": ["secure"], "ack": 1}));
        let ack = cli.expect_type("/", "ack");
        assert_eq!(ack["args"], json!(["secure"]));
        cli.close();
    }
    // Not trusted: the connection fails, and with --no-reconnect it ends.
    let mut cli = Cli::start(&url, &["--no-reconnect"]);
    let failed = cli.expect_type("/", "connect_error");
    assert!(
        failed["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{failed}"
    );
    let status = cli.process.wait_exit(WAIT).expect("the client exits");
    assert_eq!(status.code(), Some(1));
}
