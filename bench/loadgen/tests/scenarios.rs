//! sio-loadgen's four scenarios, briefly and with few clients, against our
//! bench server (`examples::bench_server::mux`) on an ephemeral port: no errors, no
//! wrong acks, nothing lost, a rate above zero. And a server that does not
//! speak Socket.IO gives errors, not a panic.

use serde_json::Value;
use sio_loadgen::{Opts, run};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};

fn bench_server() -> sio_smol::RunningServer {
    let any_port: SocketAddr = ([127, 0, 0, 1], 0).into();
    sio_smol::spawn_thread(any_port, examples::bench_server::mux).expect("the bench server starts")
}

fn msgpack_bench_server() -> sio_smol::RunningServer {
    let any_port: SocketAddr = ([127, 0, 0, 1], 0).into();
    sio_smol::spawn_thread(any_port, examples::bench_server::msgpack_mux)
        .expect("the bench server starts")
}

#[test]
fn echo_and_fanout_with_msgpack() {
    let server = msgpack_bench_server();
    let args = "--clients 4 --secs 0.5 --warmup-secs 0.1 --parser msgpack";
    let s = scenario(server.addr(), "echo", args).unwrap();
    assert_eq!(
        (num(&s, "errors"), num(&s, "mismatches")),
        (0.0, 0.0),
        "{s}"
    );
    assert!(num(&s, "acks_per_s") > 0.0, "{s}");
    let args = "--clients 10 --msgs 20 --warmup-msgs 2 --parser msgpack";
    let s = scenario(server.addr(), "fanout", args).unwrap();
    assert_eq!((num(&s, "errors"), num(&s, "lost")), (0.0, 0.0), "{s}");
    assert_eq!(num(&s, "deliveries"), 200.0, "{s}");
    // JSON text to a msgpack server: refused, not a panic.
    let s = scenario(server.addr(), "echo", "--clients 1 --secs 0.2");
    assert!(s.is_err() || num(&s.unwrap(), "errors") > 0.0);
}

/// Runs `scenario` with `args` against `addr`; the server "pid" is this
/// process (the server is a thread of it), so the CPU and RSS readings are
/// exercised too.
fn scenario(addr: SocketAddr, scenario: &str, args: &str) -> sio_loadgen::Result<Value> {
    let mut words: Vec<String> = args.split_whitespace().map(String::from).collect();
    words.extend(["--addr".into(), addr.to_string()]);
    words.extend(["--server-pid".into(), std::process::id().to_string()]);
    let opts = Opts::parse(scenario, &words)?;
    run(scenario, &opts)
}

fn num(summary: &Value, field: &str) -> f64 {
    summary[field]
        .as_f64()
        .unwrap_or_else(|| panic!("{field} is not a number in {summary}"))
}

#[test]
fn echo() {
    let server = bench_server();
    let s = scenario(
        server.addr(),
        "echo",
        "--clients 8 --secs 1 --warmup-secs 0.2",
    )
    .unwrap();
    assert_eq!(s["scenario"], "echo");
    assert_eq!(
        (num(&s, "errors"), num(&s, "mismatches")),
        (0.0, 0.0),
        "{s}"
    );
    assert!(
        num(&s, "acks_per_s") > 0.0 && num(&s, "p50_us") > 0.0,
        "{s}"
    );
    assert!(
        num(&s, "srv_us_per_op") > 0.0 && num(&s, "lg_us_per_op") > 0.0,
        "{s}"
    );
}

#[test]
fn fanout() {
    let server = bench_server();
    let s = scenario(
        server.addr(),
        "fanout",
        "--clients 20 --msgs 30 --warmup-msgs 2",
    )
    .unwrap();
    assert_eq!((num(&s, "errors"), num(&s, "lost")), (0.0, 0.0), "{s}");
    assert_eq!(
        (num(&s, "msgs_sent"), num(&s, "deliveries")),
        (30.0, 600.0),
        "{s}"
    );
    assert!(
        num(&s, "deliveries_per_s") > 0.0 && num(&s, "p99_us") > 0.0,
        "{s}"
    );
}

#[test]
fn conns() {
    let server = bench_server();
    let s = scenario(
        server.addr(),
        "conns",
        "--clients 60 --hold 0.5 --inflight 10",
    )
    .unwrap();
    assert_eq!(
        (num(&s, "connected"), num(&s, "alive_at_end")),
        (60.0, 60.0),
        "{s}"
    );
    assert_eq!(num(&s, "failed"), 0.0, "{s}");
    assert!(
        num(&s, "conns_per_s") > 0.0 && num(&s, "rss_after_kib") > 0.0,
        "{s}"
    );
}

#[test]
fn polling() {
    let server = bench_server();
    let s = scenario(
        server.addr(),
        "polling",
        "--clients 4 --secs 1 --warmup-secs 0.5",
    )
    .unwrap();
    assert_eq!(
        (num(&s, "errors"), num(&s, "mismatches")),
        (0.0, 0.0),
        "{s}"
    );
    assert!(
        num(&s, "acks_per_s") > 0.0 && num(&s, "p99_us") > 0.0,
        "{s}"
    );
}

/// A server that answers every connection with a nonsense response.
fn nonsense_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("bound address");
    std::thread::spawn(move || {
        for mut tcp in listener.incoming().flatten() {
            let mut request = [0u8; 1024];
            let _ = tcp.read(&mut request);
            let _ = tcp.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n0{oh}");
        }
    });
    addr
}

#[test]
fn bad_server_input_is_an_error() {
    let addr = nonsense_server();
    let e = scenario(addr, "echo", "--clients 2 --secs 0.2").unwrap_err();
    assert!(e.to_string().contains("no client could connect"), "{e}");
    let s = scenario(addr, "polling", "--clients 2 --secs 0.2 --warmup-secs 0").unwrap();
    assert_eq!(num(&s, "errors"), 2.0, "{s}");
    assert!(
        s["first_error"]
            .as_str()
            .is_some_and(|e| e.contains("open packet")),
        "{s}"
    );
    assert!(scenario(addr, "fanout", "--clients 2 --msgs 1").is_err());
    let s = scenario(addr, "conns", "--clients 3 --hold 0").unwrap();
    assert_eq!((num(&s, "connected"), num(&s, "failed")), (0.0, 3.0), "{s}");
}
