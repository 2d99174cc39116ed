//! The echo scenario made by our client (`sio_smol::client`): C clients
//! (one `Client` each: one Engine.IO connection, WebSocket only), each in
//! a closed loop: `emit_with_ack("echo", payload)`, check the ack, repeat.
//! Prints one JSON line with the acks and this process's CPU per ack over
//! the measured window (all threads, from /proc/self/stat). The loops run
//! on the client runtime's thread (`client::block_on`, `spawn_local`), as
//! an application that sends many messages should: no thread is crossed
//! per message.
//!
//! `sio-bench-client --addr 127.0.0.1:3300 [--clients 50] [--secs 10] [--size 64] [--warmup-secs 1]`

use serde_json::json;
use sio_smol::client::{Client, ClientOptions, ClientTransports};
use std::cell::Cell;
use std::rc::Rc;
use std::time::{Duration, Instant};

struct Opts {
    addr: String,
    clients: usize,
    secs: f64,
    size: usize,
    warmup_secs: f64,
}

fn opts() -> Result<Opts, String> {
    let mut o = Opts {
        addr: "127.0.0.1:3300".into(),
        clients: 50,
        secs: 10.0,
        size: 64,
        warmup_secs: 1.0,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        let v = pair.get(1).ok_or(format!("{} needs a value", pair[0]))?;
        let bad = |_: std::num::ParseIntError| format!("bad value for {}", pair[0]);
        let badf = |_: std::num::ParseFloatError| format!("bad value for {}", pair[0]);
        match pair[0].as_str() {
            "--addr" => o.addr = v.clone(),
            "--clients" => o.clients = v.parse().map_err(bad)?,
            "--secs" => o.secs = v.parse().map_err(badf)?,
            "--size" => o.size = v.parse().map_err(bad)?,
            "--warmup-secs" => o.warmup_secs = v.parse().map_err(badf)?,
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(o)
}

/// CPU time of this process (all threads), from /proc/self/stat.
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let Some(end) = stat.rfind(')') else {
        return Duration::ZERO;
    };
    let ticks: u64 = stat[end + 2..]
        .split(' ')
        .skip(11)
        .take(2)
        .filter_map(|x| x.parse::<u64>().ok())
        .sum();
    Duration::from_millis(ticks * 10) // 100 ticks per second
}

#[derive(Default)]
struct Counts {
    acks: Cell<u64>,
    mismatches: Cell<u64>,
    errors: Cell<u64>,
    first_error: std::cell::RefCell<Option<String>>,
    measuring: Cell<bool>,
    stop: Cell<bool>,
}

/// The final counts, sent back from the runtime thread.
#[derive(Default)]
struct Plain {
    acks: u64,
    mismatches: u64,
    errors: u64,
    first_error: Option<String>,
}

impl Counts {
    fn into_plain(self) -> Plain {
        Plain {
            acks: self.acks.get(),
            mismatches: self.mismatches.get(),
            errors: self.errors.get(),
            first_error: self.first_error.into_inner(),
        }
    }

    fn error(&self, e: String) {
        self.errors.set(self.errors.get() + 1);
        self.first_error.borrow_mut().get_or_insert(e);
    }
}

async fn run(n: usize, o: Rc<Opts>, c: Rc<Counts>) {
    let options = ClientOptions::default()
        .transports(ClientTransports::WebSocket)
        .reconnection(false);
    let client = match Client::connect(&format!("http://{}", o.addr), options) {
        Ok(client) => client,
        Err(e) => return c.error(e.to_string()),
    };
    let socket = client.socket();
    if let Err(e) = socket.ready(Duration::from_secs(10)).await {
        return c.error(e.to_string());
    }
    let pad = "x".repeat(o.size.saturating_sub(16));
    let mut k = 0u64;
    while !c.stop.get() {
        let payload = format!("{n}:{k}:{pad}");
        k += 1;
        let ack = socket
            .timeout(Duration::from_secs(5))
            .emit_with_ack::<_, String>("echo", &payload)
            .await;
        match ack {
            Ok(back) => {
                if back != payload {
                    c.mismatches.set(c.mismatches.get() + 1);
                }
                if c.measuring.get() {
                    c.acks.set(c.acks.get() + 1);
                }
            }
            Err(e) => {
                c.error(e.to_string());
                break;
            }
        }
    }
    client.close();
}

fn main() {
    let o = match opts() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("sio-bench-client: {e}");
            std::process::exit(2);
        }
    };
    // Everything runs on the client runtime's thread (the one running
    // every Client's IO): an emit and its ack cross no thread.
    let clients = o.clients;
    let (c, cpu, secs) = sio_smol::client::block_on(move || async move {
        let o = Rc::new(o);
        let c = Rc::new(Counts::default());
        let tasks: Vec<_> = (0..o.clients)
            .map(|n| sio_smol::client::spawn_local(run(n, o.clone(), c.clone())))
            .collect();
        smol::Timer::after(Duration::from_secs_f64(o.warmup_secs)).await;
        c.measuring.set(true);
        let (cpu0, t0) = (cpu_time(), Instant::now());
        smol::Timer::after(Duration::from_secs_f64(o.secs)).await;
        c.measuring.set(false);
        let (cpu, secs) = (cpu_time() - cpu0, t0.elapsed().as_secs_f64());
        c.stop.set(true);
        for task in tasks {
            let _ = futures_lite::future::or(task, async {
                smol::Timer::after(Duration::from_secs(6)).await;
            })
            .await;
        }
        let c = Rc::into_inner(c)
            .map(Counts::into_plain)
            .unwrap_or_default();
        (c, cpu, secs)
    });
    let acks = c.acks;
    let cpu_us = cpu.as_secs_f64() * 1e6;
    let round2 = |x: f64| (x * 100.0).round() / 100.0;
    println!(
        "{}",
        json!({
            "client": "ours", "clients": clients, "secs": round2(secs), "acks": acks,
            "acks_per_s": (acks as f64 / secs).round(), "cpu": round2(cpu_us / 1e6 / secs),
            "us_per_ack": round2(cpu_us / acks.max(1) as f64),
            "mismatches": c.mismatches, "errors": c.errors,
            "first_error": c.first_error,
        })
    );
}
