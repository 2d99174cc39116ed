//! sio-smol's Socket.IO client against Node's socket.io 4.8
//! (`tests::peers::NodeServer`, `tests/js/sio-server.mjs`): what only that
//! reference server can show, on every transport (the table of the whole
//! matrix is at the top of `client_interop.rs`):
//!
//! | scenario | P | WS | U |
//! |---|---|---|---|
//! | `recovers_missed_ticks`: "ticks" every 20 ms, the server closes the transport; we are away 500 ms, reconnect recovered with the same id, and get every tick exactly once, in order (the missed ones replayed right after the CONNECT reply) | 1 | 1 | 1 |
//! | `recovers_through_cuts`: `CuttingProxy` between us and the server cuts a connection every 300 ms while ticks flow every 20 ms for 5 s (the client comes back after 700 ms, once Node noticed the cut): every tick exactly once, in order; every reconnection recovered | 1 | 1 | 1 |
//! | `tls`: https polling and wss with the test's certificate among our roots (auth, echo, acks, binary); refused without it | 1 | 1 | 1 |
//! | `backoff`: the server killed, the delays between our reconnection attempts (default options) within the official backoff's bounds (specs/client.md section 6) for attempts 1 to 5; the server restarted on the same port, we reconnect and connect | 1 | 1 | 1 |
//! | total | 4 | 4 | 4 |

#[macro_use]
mod client_common;

use client_common::{
    WAIT, certificate, first_transport, next, options, ready, record, record_disconnects,
    strip_offset, values,
};
use serde_json::{Value, json};
use sio_smol::client::{Client, ClientOptions, ClientTransports, ReadyError};
use sio_smol::io::{Binary, args_as};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};
use tests::peers::NodeServer;

/// A tick's sequence number (the offset after it checked and dropped).
fn tick_seq(msg: &sio_smol::client::ClientMsg) -> u64 {
    let (tick, offset): (Value, String) = msg.args().expect("tick {seq}, offset");
    assert!(!offset.is_empty());
    tick["seq"].as_u64().expect("a seq")
}

/// Asserts `seqs` is exactly 1..=count.
fn every_tick_once_in_order(seqs: &[u64], count: u64) {
    let want: Vec<u64> = (1..=count).collect();
    assert!(
        seqs == want.as_slice(),
        "every tick exactly once and in order; {}",
        tick_anomalies(seqs, count)
    );
}

/// What is wrong with `seqs` (expected 1..=count): missing, repeated and
/// out-of-order ticks.
fn tick_anomalies(seqs: &[u64], count: u64) -> String {
    let missing: Vec<u64> = (1..=count).filter(|s| !seqs.contains(s)).collect();
    let mut seen = std::collections::HashSet::new();
    let repeated: Vec<(usize, u64)> = seqs
        .iter()
        .enumerate()
        .filter(|(_, s)| !seen.insert(**s))
        .map(|(i, s)| (i, *s))
        .collect();
    let disorder: Vec<(usize, u64, u64)> = seqs
        .windows(2)
        .enumerate()
        .filter(|(_, w)| w[1] != w[0] + 1)
        .map(|(i, w)| (i, w[0], w[1]))
        .collect();
    format!(
        "{} ticks; missing {missing:?}; repeated (index, seq) {repeated:?}; \
         breaks (index, seq, next) {disorder:?}",
        seqs.len()
    )
}

/// Waits until `f` holds, up to `limit`.
fn wait_until(limit: Duration, what: &str, f: impl Fn() -> bool) {
    let until = Instant::now() + limit;
    while !f() {
        assert!(Instant::now() < until, "{what}: not within {limit:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn recovers_missed_ticks(t: ClientTransports) {
    let mut server = NodeServer::start(&[]);
    // Exactly 500 ms away: no jitter.
    let opts = ClientOptions::default()
        .transports(t)
        .reconnection_delay(Duration::from_millis(500))
        .reconnection_delay_max(Duration::from_millis(500))
        .randomization_factor(0.0);
    let client = Client::connect(&server.url(), opts).unwrap();
    let socket = client.socket();
    let ticks = Arc::new(Mutex::new(Vec::<(u64, Instant)>::new()));
    let t2 = ticks.clone();
    socket.on("tick", move |_, msg| {
        t2.lock().unwrap().push((tick_seq(&msg), Instant::now()));
    });
    // (when, ticks so far) at the disconnect and at each connect.
    let marks = Arc::new(Mutex::new(Vec::<(&str, Instant, usize, bool)>::new()));
    let (m2, t3) = (marks.clone(), ticks.clone());
    socket.on_disconnect(move |_, reason| {
        let n = t3.lock().unwrap().len();
        m2.lock()
            .unwrap()
            .push((reason.as_str(), Instant::now(), n, false));
    });
    let (m3, t4) = (marks.clone(), ticks.clone());
    socket.on_connect(move |s| {
        let n = t4.lock().unwrap().len();
        m3.lock()
            .unwrap()
            .push(("connect", Instant::now(), n, s.recovered()));
    });
    ready(&socket);
    let id = socket.id().unwrap();
    const COUNT: u64 = 100;
    socket
        .emit("ticks", &json!({ "count": COUNT, "every_ms": 20 }))
        .unwrap();
    wait_until(WAIT, "10 ticks", || ticks.lock().unwrap().len() >= 10);
    socket.emit("close-transport", &()).unwrap();
    wait_until(WAIT * 2, "every tick", || {
        ticks.lock().unwrap().len() as u64 >= COUNT
    });
    // Nothing more comes (no duplicate).
    std::thread::sleep(Duration::from_millis(300));
    let ticks = ticks.lock().unwrap().clone();
    let seqs: Vec<u64> = ticks.iter().map(|(s, _)| *s).collect();
    every_tick_once_in_order(&seqs, COUNT);
    let marks = marks.lock().unwrap().clone();
    let gone = marks
        .iter()
        .position(|m| m.0 != "connect")
        .unwrap_or_else(|| panic!("no disconnect: {marks:?}"));
    assert_eq!(marks[gone].0, "transport close", "{marks:?}");
    let back = &marks[gone + 1..];
    assert_eq!(back.len(), 1, "one reconnection: {marks:?}");
    let (_, back_at, had, recovered) = back[0];
    assert!(recovered, "recovered");
    assert_eq!(socket.id().as_deref(), Some(id.as_str()), "the same id");
    let away = back_at - marks[gone].1;
    assert!(away >= Duration::from_millis(450), "away {away:?}");
    // The server kept ticking meanwhile: what it sent while we were away
    // came right after the CONNECT reply, in one burst.
    // The server kept ticking meanwhile: what it sent while we were away
    // came at once when we came back. Node sends the missed packets before
    // its CONNECT reply; the client hands them to the listeners before
    // `connect` runs, as the official client's `onconnect` empties its
    // `receiveBuffer` first.
    let before = marks[gone].2;
    let missed = ticks[before..]
        .iter()
        .take_while(|(_, at)| *at < back_at + Duration::from_millis(60))
        .count();
    assert!(
        missed >= 10,
        "{missed} ticks replayed at once after {away:?} away (ticks every 20 ms)"
    );
    assert!(
        had > before,
        "the replayed ticks before `connect`: {before} ticks at the disconnect, {had} at the connect"
    );
    let line = server.wait_event(WAIT, |e| {
        e["event"] == "connect" && e["id"] == id.as_str() && e["recovered"] == true
    });
    assert_eq!(line["transport"], first_transport(t));
    client.close();
}

fn recovers_through_cuts(t: ClientTransports) {
    // Node keeps a session for recovery only once it has noticed that the
    // connection ended; a polling connection cut between two requests is
    // noticed by the heartbeat (ping interval + timeout, 400 ms here). The
    // client waits longer than that before it comes back (700 ms), or its
    // reconnection would find no session to recover ("reconnecting too
    // quickly", specs/connection-state-recovery.md): the ticks would go to
    // the old socket.
    let mut server = NodeServer::start(&["--ping-interval", "200", "--ping-timeout", "200"]);
    let target = format!("127.0.0.1:{}", server.port()).parse().unwrap();
    let proxy = tests::proxy::CuttingProxy::start(target, Duration::from_millis(300), 11);
    let patient = options(t)
        .reconnection_delay(Duration::from_millis(700))
        .reconnection_delay_max(Duration::from_millis(700))
        .randomization_factor(0.0);
    let client = Client::connect(&proxy.url(), patient).unwrap();
    let socket = client.socket();
    let seqs = Arc::new(Mutex::new(Vec::<u64>::new()));
    let s2 = seqs.clone();
    socket.on("tick", move |_, msg| {
        s2.lock().unwrap().push(tick_seq(&msg))
    });
    let connects = Arc::new(Mutex::new(Vec::<bool>::new()));
    let c2 = connects.clone();
    socket.on_connect(move |s| c2.lock().unwrap().push(s.recovered()));
    let reconnects = Arc::new(Mutex::new(0u32));
    let r2 = reconnects.clone();
    client.on_reconnect(move |_| *r2.lock().unwrap() += 1);
    let reasons = record_disconnects(&socket);
    ready(&socket);
    let id = socket.id().unwrap();
    const COUNT: u64 = 250;
    socket
        .emit("ticks", &json!({ "count": COUNT, "every_ms": 20 }))
        .unwrap();
    let until = Instant::now() + Duration::from_secs(40);
    while (seqs.lock().unwrap().len() as u64) < COUNT {
        if Instant::now() > until {
            // Copies first: no lock is held while panicking.
            let seqs = seqs.lock().unwrap().clone();
            let connects = connects.lock().unwrap().clone();
            let reconnects = *reconnects.lock().unwrap();
            panic!(
                "{t:?}: {} after {} cuts; connects {:?}; \
                 {} reconnections; connected {}; disconnects {:?}; server lines {:#?}",
                tick_anomalies(&seqs, COUNT),
                proxy.cuts(),
                connects,
                reconnects,
                socket.connected(),
                reasons.try_iter().collect::<Vec<_>>(),
                server.events()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    client.close();
    let seqs = seqs.lock().unwrap().clone();
    every_tick_once_in_order(&seqs, COUNT);
    let connects = connects.lock().unwrap().clone();
    let reconnections = *reconnects.lock().unwrap();
    let recoveries = connects.iter().filter(|&&r| r).count();
    eprintln!(
        "{t:?}: {} cuts, {reconnections} reconnections, {recoveries} recoveries",
        proxy.cuts()
    );
    assert!(
        reconnections >= 3,
        "{reconnections} reconnections after {} cuts",
        proxy.cuts()
    );
    // The first connect may come before its handler was registered.
    assert!(
        connects.iter().skip(1).all(|&r| r) && recoveries as u32 >= reconnections,
        "every reconnection recovered: {connects:?}, {reconnections} reconnections"
    );
    let recovered_lines = server
        .events()
        .iter()
        .filter(|e| e["event"] == "connect" && e["id"] == id.as_str() && e["recovered"] == true)
        .count();
    assert!(
        recovered_lines >= recoveries,
        "the server saw {recovered_lines} recoveries, we {recoveries}"
    );
}

fn tls(t: ClientTransports) {
    let (cert, cert_path, key_path) = certificate(&format!("{t:?}"));
    let mut server = NodeServer::start(&["--cert", &cert_path, "--key", &key_path]);
    let port = server.port();
    assert!(server.url().starts_with("https://"));
    // https:// for polling first, wss:// when the WebSocket comes first.
    let url = match t {
        ClientTransports::WebSocket => format!("wss://localhost:{port}"),
        _ => format!("https://localhost:{port}"),
    };
    let opts = options(t)
        .auth(json!({ "user": "tls" }))
        .add_root_certificates_pem(cert.clone())
        .webpki_roots(false);
    let client = Client::connect(&url, opts).unwrap();
    let (utx, upgraded) = mpsc::channel();
    client.on_upgrade(move || {
        let _ = utx.send(());
    });
    let socket = client.socket();
    let auth = record(&socket, "auth");
    let blobs = record(&socket, "binary");
    ready(&socket);
    let id = socket.id().unwrap();
    assert_eq!(
        values(&strip_offset(&next(&auth, "auth"), true)),
        [json!({ "user": "tls" })]
    );
    let line = server.wait_event(WAIT, |e| e["event"] == "connect" && e["id"] == id.as_str());
    assert_eq!(line["transport"], first_transport(t));
    if t == ClientTransports::Upgrade {
        next(&upgraded, "the upgrade to wss");
        server.wait_event(WAIT, |e| e["event"] == "upgrade" && e["id"] == id.as_str());
    }
    let back: String =
        smol::block_on(socket.timeout(WAIT).emit_with_ack("echo", &"secret stuff")).unwrap();
    assert_eq!(back, "secret stuff");
    socket.emit("binary", &70_000).unwrap();
    let (buf, nested): (Binary, HashMap<String, Binary>) =
        args_as(&strip_offset(&next(&blobs, "binary"), true)).unwrap();
    assert_eq!(buf.0.len(), 70_000);
    assert!(buf.0.iter().enumerate().all(|(i, &b)| b == (i % 256) as u8));
    assert_eq!(nested.get("nested"), Some(&buf));
    client.close();
    // Without the certificate among the roots, no connection.
    let client = Client::connect(&url, options(t).reconnection(false)).unwrap();
    let err = smol::block_on(client.socket().ready(Duration::from_secs(5))).unwrap_err();
    assert!(
        matches!(err, ReadyError::Connect(_) | ReadyError::Closed),
        "{err:?}"
    );
    assert!(!client.socket().connected());
    client.close();
}

/// The official backoff's bounds for attempt `n` with the defaults
/// (1000 ms, max 5000 ms, factor 0.5; specs/client.md section 6), in ms.
fn bounds(n: u32) -> (u64, u64) {
    match n {
        1 => (551, 1499),
        2 => (1101, 2999),
        3 => (2201, 5000),
        4 => (4401, 5000),
        _ => (5000, 5000),
    }
}

/// Scheduling slack allowed above the upper bound, and below the lower.
const LATE: Duration = Duration::from_millis(150);
const EARLY: Duration = Duration::from_millis(20);

fn backoff(t: ClientTransports) {
    let mut server = NodeServer::start(&[]);
    let client = Client::connect(
        &server.url(),
        ClientOptions::default().transports(t), // the official delays
    )
    .unwrap();
    let times = Arc::new(Mutex::new(Vec::<(String, Instant)>::new()));
    let record_time = |times: &Arc<Mutex<Vec<(String, Instant)>>>, what: String| {
        times.lock().unwrap().push((what, Instant::now()));
    };
    let (t1, t2, t3) = (times.clone(), times.clone(), times.clone());
    client.on_reconnect_attempt(move |n| record_time(&t1, format!("attempt {n}")));
    client.on_reconnect(move |n| record_time(&t2, format!("reconnect {n}")));
    let socket = client.socket();
    let reasons = record_disconnects(&socket);
    socket.on_connect(move |_| record_time(&t3, "connect".to_owned()));
    ready(&socket);
    let first = socket.id();
    server.kill();
    let reason = next(&reasons, "disconnect");
    let gone = Instant::now();
    assert!(
        reason == "transport close" || reason == "transport error",
        "{reason}"
    );
    // Attempts 1 to 4 fail at once (nothing listens): about 13 s at most.
    wait_until(Duration::from_secs(20), "attempt 4", || {
        times.lock().unwrap().iter().any(|(w, _)| w == "attempt 4")
    });
    server.restart();
    wait_until(Duration::from_secs(15), "reconnected", || {
        let times = times.lock().unwrap();
        let back = times.iter().position(|(w, _)| w.starts_with("reconnect "));
        back.is_some_and(|i| times[i..].iter().any(|(w, _)| w == "connect"))
    });
    ready(&socket);
    let times = times.lock().unwrap().clone();
    let attempts: Vec<(u32, Instant)> = times
        .iter()
        .filter_map(|(w, at)| Some((w.strip_prefix("attempt ")?.parse().ok()?, *at)))
        .collect();
    let numbers: Vec<u32> = attempts.iter().map(|a| a.0).collect();
    assert_eq!(numbers, [1, 2, 3, 4, 5], "numbered from 1: {times:?}");
    // The disconnect handler ran just after the close that started the
    // backoff: attempt 1's delay counts from there, each next one from
    // the previous attempt (which failed at once).
    let mut since = gone;
    let mut delays = Vec::new();
    for &(n, at) in &attempts {
        let delay = at - since;
        let (low, high) = bounds(n);
        delays.push(delay.as_millis());
        assert!(
            delay + EARLY >= Duration::from_millis(low)
                && delay <= Duration::from_millis(high) + LATE,
            "attempt {n} after {delay:?}, outside {low}..={high} ms (all: {delays:?} ms)"
        );
        since = at;
    }
    eprintln!("{t:?}: reconnection delays {delays:?} ms");
    let last = times.len() - 1;
    assert_eq!(times[last].0, "connect", "{times:?}");
    assert_eq!(times[last - 1].0, "reconnect 5", "{times:?}");
    assert!(socket.connected());
    assert_ne!(socket.id(), first, "a new server: a new session");
    assert!(!socket.recovered());
    let line = server.wait_event(WAIT, |e| e["event"] == "connect");
    assert_eq!(line["id"].as_str(), socket.id().as_deref());
    client.close();
}

on_every_transport!(recovers_missed_ticks, tls, backoff);

/// `recovers_through_cuts` per transport.
mod recovers_through_cuts {
    use sio_smol::client::ClientTransports;

    #[test]
    fn polling() {
        super::recovers_through_cuts(ClientTransports::Polling);
    }

    #[test]
    fn websocket() {
        super::recovers_through_cuts(ClientTransports::WebSocket);
    }

    #[test]
    fn upgrade() {
        super::recovers_through_cuts(ClientTransports::Upgrade);
    }
}
