//! Operating a server, with the npm clients as peers (`tests/js/operating.mjs`): the
//! client's address (and a trusted proxy's `X-Forwarded-For`), TLS on every path, graceful
//! shutdown (the library's and the binary's on SIGTERM/SIGINT), the binary's flags, and
//! the application's own routes.

use serde_json::json;
use sio_core::socket::ServerConfig;
use sio_smol::io::SocketIo;
use sio_smol::tls::TlsConfig;
use sio_smol::{Mux, Request, Response, TrustedProxies};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use tests::process::{SioSmolBin, Spawned};

/// A Socket.IO server whose "whoami" acks the socket's handshake and "echo" its
/// arguments, with three routes (`/health`, `/hello`, `/echo`) and a default one.
fn sio_mux(proxies: Option<TrustedProxies>, tls: Option<TlsConfig>) -> Mux {
    let io = SocketIo::new(ServerConfig::default());
    // Connect middleware sees the same address as the handshake.
    let seen = std::rc::Rc::new(std::cell::Cell::new(None));
    let seen2 = seen.clone();
    io.of("/").use_middleware(move |req| {
        seen2.set(req.address);
        async { Ok(()) }
    });
    io.on_connection(move |socket| {
        let seen = seen.clone();
        socket.on("whoami", move |socket, msg| {
            let Some(h) = socket.handshake() else { return };
            assert_eq!(socket.handshake_address(), h.address);
            assert_eq!(seen.get(), h.address, "connect middleware's address");
            let _ = msg.ack(&json!({
                "address": h.address.map(|a| a.to_string()),
                "peer": h.peer.map(|p| p.to_string()),
                "secure": h.secure,
                "url": h.url,
                "xff": h.header("x-forwarded-for"),
                "issued": h.issued_ms(),
            }));
        });
        socket.on("echo", |_, msg| msg.ack_raw(msg.raw().clone()));
    });
    let mut mux = Mux::new()
        .mount(&io)
        .route("/health", |_req| async { Response::text("ok") })
        .route("/hello", |req: Request| async move {
            let name = req.query_param("name").unwrap_or_default();
            Response::json(&json!({
                "hello": name,
                "method": req.method(),
                "address": req.address().map(|a| a.to_string()),
            }))
        })
        .route("/echo", |req: Request| async move {
            match req.body(4096).await {
                Ok(body) => Response::bytes("text/plain; charset=utf-8", body),
                Err(_) => Response::text("too large").with_status(413),
            }
        })
        .default_route(|req: Request| async move {
            Response::text(format!("nothing at {}", req.path())).with_status(404)
        });
    if let Some(p) = proxies {
        mux = mux.trusted_proxies(p);
    }
    if let Some(t) = tls {
        mux = mux.tls(t);
    }
    mux
}

fn local() -> SocketAddr {
    "127.0.0.1:0".parse().expect("a socket address")
}

/// Runs an `operating.mjs` scenario against `base` and checks its `ok` line.
fn scenario(name: &str, base: &str, opts: serde_json::Value) -> String {
    let opts = opts.to_string();
    let out = tests::assert_node_ok(
        "operating.mjs",
        &[name, base, &opts],
        Duration::from_secs(90),
    );
    assert!(
        out.contains(&format!("ok {name} ")),
        "unexpected output: {out}"
    );
    out
}

/// A self-signed certificate for `localhost` and `127.0.0.1`, as PEM files in
/// a directory of this test's own: (certificate, key).
fn certificate(tag: &str) -> (PathBuf, PathBuf) {
    let rcgen::CertifiedKey { cert, signing_key } =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .expect("rcgen makes a certificate");
    let dir = tests::output_dir().join(format!("tls-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create the certificate directory");
    let (cert_path, key_path) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert_path, cert.pem()).expect("write cert.pem");
    std::fs::write(&key_path, signing_key.serialize_pem()).expect("write key.pem");
    (cert_path, key_path)
}

fn path_str(p: &std::path::Path) -> &str {
    p.to_str().expect("test paths are UTF-8")
}

#[test]
fn handshake_address_is_the_peer() {
    let server = sio_smol::spawn_thread(local(), || sio_mux(None, None)).expect("server starts");
    scenario(
        "sio-address",
        &server.url(),
        json!({ "expect": "127.0.0.1" }),
    );
    // Past 32 headers a request is served by hyper, not the hyper-less path.
    scenario(
        "sio-address",
        &server.url(),
        json!({ "expect": "127.0.0.1", "pad": true }),
    );
    server.stop().expect("server stops cleanly");
}

#[test]
fn forwarded_for_is_believed_from_a_trusted_proxy_only() {
    let trusted =
        sio_smol::spawn_thread(local(), || sio_mux(Some(TrustedProxies::loopback()), None))
            .expect("server starts");
    for pad in [false, true] {
        scenario(
            "sio-address",
            &trusted.url(),
            json!({ "expect": "203.0.113.7", "xff": "203.0.113.7", "pad": pad }),
        );
    }
    trusted.stop().expect("server stops cleanly");
    // A peer that is not a named proxy: the header is only a header.
    let untrusted = sio_smol::spawn_thread(local(), || {
        let proxies = "10.0.0.0/8".parse().expect("a network");
        sio_mux(Some(proxies), None)
    })
    .expect("server starts");
    scenario(
        "sio-address",
        &untrusted.url(),
        json!({ "expect": "127.0.0.1", "xff": "203.0.113.7" }),
    );
    untrusted.stop().expect("server stops cleanly");
}

#[test]
fn socket_io_over_tls_on_every_transport_and_path() {
    let (cert, key) = certificate("sio");
    let tls = TlsConfig::from_pem_files(&cert, &key).expect("the certificate loads");
    let server =
        sio_smol::spawn_thread(local(), move || sio_mux(None, Some(tls))).expect("server starts");
    let base = format!("https://{}", server.addr());
    scenario("sio-tls", &base, json!({ "ca": path_str(&cert) }));
    server.stop().expect("server stops cleanly");
}

/// `Mux::fallback`, with hyper's request type: it answers what no engine,
/// route or static file does, and the engine's paths stay the engine's.
#[test]
fn fallback_with_hyper_types() {
    let server = sio_smol::spawn_thread(local(), || {
        let io = SocketIo::new(ServerConfig::default());
        Mux::new().mount(&io).fallback(|req| {
            let said = format!("{} {}", req.method(), req.uri().path());
            Box::pin(async move { Response::text(said).with_status(418).into_hyper() })
        })
    })
    .expect("server starts");
    let res = tests::raw::request(server.addr(), "POST", "/anything?x=1", b"body");
    assert_eq!(res.status, 418, "{}", res.text());
    assert_eq!(res.text(), "POST /anything");
    let res = tests::raw::request(
        server.addr(),
        "GET",
        "/socket.io/?EIO=4&transport=polling",
        b"",
    );
    assert_eq!(res.status, 200, "{}", res.text());
    assert!(res.text().starts_with("0{\"sid\""), "{}", res.text());
    server.stop().expect("server stops cleanly");
}

#[test]
fn own_routes_next_to_the_engine() {
    let server = sio_smol::spawn_thread(local(), || sio_mux(None, None)).expect("server starts");
    scenario("route", &server.url(), json!({}));
    server.stop().expect("server stops cleanly");
    // A route sees the client's address through a trusted proxy too.
    let server =
        sio_smol::spawn_thread(local(), || sio_mux(Some(TrustedProxies::loopback()), None))
            .expect("server starts");
    scenario("route", &server.url(), json!({ "expect": "198.51.100.4" }));
    server.stop().expect("server stops cleanly");
}

#[test]
fn library_shutdown_closes_socket_io_clients() {
    let server = sio_smol::spawn_thread(local(), || sio_mux(None, None)).expect("server starts");
    let mut node = Spawned::node("operating.mjs", &["sio-shutdown", &server.url()]);
    node.wait_line(false, Duration::from_secs(30), |l| l == "ready");
    let started = Instant::now();
    server.stop().expect("server stops cleanly");
    let took = started.elapsed();
    assert!(took < Duration::from_secs(3), "shutdown took {took:?}");
    let status = node.wait_exit(Duration::from_secs(20));
    let rest = node.drain();
    assert!(
        status.is_some_and(|s| s.success()) && rest.contains("ok sio-shutdown "),
        "{status:?}\n{rest}"
    );
}

#[test]
fn binary_stops_gracefully_on_sigterm() {
    let mut bin = SioSmolBin::start(&[]);
    let mut node = Spawned::node("operating.mjs", &["eio-shutdown", &bin.url]);
    node.wait_line(false, Duration::from_secs(30), |l| l == "ready");
    let started = Instant::now();
    bin.process.signal("TERM");
    let status = bin.process.wait_exit(Duration::from_secs(10));
    let took = started.elapsed();
    let log = bin.process.drain();
    assert!(
        status.is_some_and(|s| s.code() == Some(0)),
        "exit {status:?} after SIGTERM\n{log}"
    );
    assert!(
        took < Duration::from_secs(3),
        "SIGTERM to exit took {took:?}\n{log}"
    );
    let node_status = node.wait_exit(Duration::from_secs(20));
    let out = node.drain();
    assert!(
        node_status.is_some_and(|s| s.success()) && out.contains("ok eio-shutdown "),
        "{node_status:?}\n{out}"
    );
}

#[test]
fn binary_stops_on_ctrl_c() {
    let mut bin = SioSmolBin::start(&[]);
    bin.process.signal("INT");
    let status = bin.process.wait_exit(Duration::from_secs(5));
    let log = bin.process.drain();
    assert!(
        status.is_some_and(|s| s.code() == Some(0)),
        "exit {status:?} after SIGINT\n{log}"
    );
}

#[test]
fn binary_over_tls() {
    let (cert, key) = certificate("bin");
    let bin = SioSmolBin::start(&["--tls-cert", path_str(&cert), "--tls-key", path_str(&key)]);
    assert!(bin.url.starts_with("https://"), "{}", bin.url);
    scenario("eio-tls", &bin.url, json!({ "ca": path_str(&cert) }));
}

#[test]
fn binary_refuses_a_bad_certificate() {
    let (cert, _) = certificate("bad");
    // The certificate as its own key: not a key.
    let out = std::process::Command::new(tests::process::sio_smol_bin())
        .args(["--host", "127.0.0.1", "--port", "0"])
        .args(["--tls-cert", path_str(&cert), "--tls-key", path_str(&cert)])
        .output()
        .expect("the binary runs");
    assert!(!out.status.success(), "started with a bad key");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("private key"), "{err}");
}

#[test]
fn binary_without_websocket() {
    let bin = SioSmolBin::start(&["--no-websocket"]);
    scenario("eio-no-websocket", &bin.url, json!({}));
}

#[test]
fn binary_cors_origin() {
    let bin = SioSmolBin::start(&["--cors-origin", "https://app.example"]);
    scenario(
        "eio-cors",
        &bin.url,
        json!({ "allowed": "https://app.example" }),
    );
}

#[test]
fn binary_max_payload() {
    let bin = SioSmolBin::start(&["--max-payload", "10000"]);
    scenario("eio-max-payload", &bin.url, json!({ "max": 10000 }));
}
