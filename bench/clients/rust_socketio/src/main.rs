//! The echo scenario made by rust_socketio 0.6 (async client, WebSocket
//! only, on a current-thread tokio runtime as a load generator would run
//! it): C clients, each in a closed loop: emit `echo` with an ack, wait for
//! the ack, check it, repeat. Prints one JSON line with the acks and this
//! process's CPU per ack over the measured window (from /proc/self/stat).
//!
//! `sio-bench-rust-socketio --addr 127.0.0.1:3300 [--clients 50] [--secs 10] [--size 64] [--warmup-secs 1]`

use futures_util::FutureExt;
use rust_socketio::asynchronous::{Client, ClientBuilder};
use rust_socketio::{Payload, TransportType};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

struct Opts {
    addr: String,
    clients: usize,
    secs: f64,
    size: usize,
    warmup_secs: f64,
}

fn opts() -> Opts {
    let mut o = Opts { addr: "127.0.0.1:3300".into(), clients: 50, secs: 10.0, size: 64, warmup_secs: 1.0 };
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        let v = pair.get(1).cloned().unwrap_or_default();
        match pair[0].as_str() {
            "--addr" => o.addr = v,
            "--clients" => o.clients = v.parse().expect("--clients N"),
            "--secs" => o.secs = v.parse().expect("--secs S"),
            "--size" => o.size = v.parse().expect("--size B"),
            "--warmup-secs" => o.warmup_secs = v.parse().expect("--warmup-secs S"),
            other => panic!("unknown option {other}"),
        }
    }
    o
}

/// CPU time of this process (all threads), from /proc/self/stat.
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("/proc/self/stat");
    let after = &stat[stat.rfind(')').expect("comm ends with )") + 2..];
    let f: Vec<u64> = after.split(' ').skip(11).take(2).map(|x| x.parse().unwrap_or(0)).collect();
    Duration::from_millis((f[0] + f[1]) * 10) // 100 ticks per second
}

#[derive(Default)]
struct Counts {
    acks: AtomicU64,
    mismatches: AtomicU64,
    errors: AtomicU64,
    measuring: AtomicBool,
    stop: AtomicBool,
}

async fn run(n: usize, o: Arc<Opts>, c: Arc<Counts>) {
    let client: Client = match ClientBuilder::new(format!("http://{}/", o.addr))
        .transport_type(TransportType::Websocket)
        .connect()
        .await
    {
        Ok(client) => client,
        Err(_) => {
            c.errors.fetch_add(1, Ordering::Relaxed);
            return;
        }
    };
    let pad = "x".repeat(o.size.saturating_sub(16));
    let (tx, mut rx) = mpsc::unbounded_channel::<Payload>();
    let mut k = 0u64;
    while !c.stop.load(Ordering::Relaxed) {
        let payload = format!("{n}:{k}:{pad}");
        k += 1;
        let tx = tx.clone();
        let sent = client
            .emit_with_ack("echo", json!(payload), Duration::from_secs(5), move |p: Payload, _: Client| {
                let tx = tx.clone();
                async move {
                    let _ = tx.send(p);
                }
                .boxed()
            })
            .await;
        if sent.is_err() {
            c.errors.fetch_add(1, Ordering::Relaxed);
            break;
        }
        match tokio::time::timeout(Duration::from_secs(5), rx.recv()).await {
            Ok(Some(Payload::Text(values))) => {
                // The ack's arguments arrive as one JSON array.
                let want = Value::Array(vec![Value::String(payload)]);
                if values.first() != Some(&want) {
                    if c.mismatches.fetch_add(1, Ordering::Relaxed) == 0 {
                        eprintln!("first mismatch: {values:?}");
                    }
                }
                if c.measuring.load(Ordering::Relaxed) {
                    c.acks.fetch_add(1, Ordering::Relaxed);
                }
            }
            Ok(Some(other)) => {
                if c.mismatches.fetch_add(1, Ordering::Relaxed) == 0 {
                    eprintln!("first mismatch: {other:?}");
                }
            }
            _ => {
                c.errors.fetch_add(1, Ordering::Relaxed);
                break;
            }
        }
    }
    let _ = client.disconnect().await;
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let o = Arc::new(opts());
    let c = Arc::new(Counts::default());
    let mut runs = Vec::new();
    for n in 0..o.clients {
        runs.push(tokio::spawn(run(n, o.clone(), c.clone())));
    }
    tokio::time::sleep(Duration::from_secs_f64(o.warmup_secs)).await;
    c.measuring.store(true, Ordering::Relaxed);
    let (cpu0, t0) = (cpu_time(), Instant::now());
    tokio::time::sleep(Duration::from_secs_f64(o.secs)).await;
    c.measuring.store(false, Ordering::Relaxed);
    let (cpu, secs) = (cpu_time() - cpu0, t0.elapsed().as_secs_f64());
    c.stop.store(true, Ordering::Relaxed);
    for r in runs {
        let _ = tokio::time::timeout(Duration::from_secs(6), r).await;
    }
    let acks = c.acks.load(Ordering::Relaxed);
    let cpu_us = cpu.as_secs_f64() * 1e6;
    println!(
        "{}",
        json!({
            "client": "rust_socketio", "clients": o.clients, "secs": (secs * 100.0).round() / 100.0,
            "acks": acks, "acks_per_s": (acks as f64 / secs).round(),
            "cpu": ((cpu_us / 1e6 / secs) * 100.0).round() / 100.0,
            "us_per_ack": ((cpu_us / acks.max(1) as f64) * 100.0).round() / 100.0,
            "mismatches": c.mismatches.load(Ordering::Relaxed), "errors": c.errors.load(Ordering::Relaxed),
        })
    );
    std::process::exit(0);
}
