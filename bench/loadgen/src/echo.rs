//! `echo`: C WebSocket clients, each in a closed loop: emit `echo` with an
//! ack id and a payload unique to the client and message, wait for the ack,
//! check it, repeat.

use crate::check::{ack_matches, echo_packet};
use crate::deadline::{Deadline, Watchdog};
use crate::metrics::{CpuMeter, latency_summary, merge, micros};
use crate::ws::{SioWs, connect_all};
use crate::{Executor, Opts, Result};
use serde_json::{Value, json};
use std::rc::Rc;
use std::time::{Duration, Instant};

/// How long a client waits for one ack before it gives up.
pub const ACK_TIMEOUT: Duration = Duration::from_secs(5);

/// What one client saw: latencies (µs) of the messages sent in the
/// measured window, wrong acks, and why it stopped early, if it did.
#[derive(Default)]
pub struct ClientRun {
    /// Latency samples, microseconds.
    pub lat_us: Vec<u32>,
    /// Acks whose id or data were not the message's.
    pub mismatches: u64,
    /// The error that ended the client.
    pub error: Option<String>,
}

impl ClientRun {
    /// Records the outcome of one exchange sent at `sent` (`None`: no ack
    /// within the timeout) for the message with ack id `id` and payload
    /// `data`; false when the client must stop.
    pub fn record<A: AsRef<str>, E: std::fmt::Display>(
        &mut self,
        outcome: Option<std::result::Result<A, E>>,
        sent: Instant,
        w: Window,
        id: u64,
        data: &str,
    ) -> bool {
        match outcome {
            Some(Ok(ack)) => {
                if !ack_matches(ack.as_ref(), id, data) {
                    self.mismatches += 1;
                }
                if sent >= w.from {
                    self.lat_us.push(micros(sent.elapsed()));
                }
                true
            }
            Some(Err(e)) => {
                self.error = Some(e.to_string());
                false
            }
            None => {
                self.error = Some("ack timed out".into());
                false
            }
        }
    }
}

/// The measured window of a closed-loop scenario.
#[derive(Clone, Copy)]
pub struct Window {
    /// Messages sent from here on are measured.
    pub from: Instant,
    /// No message is sent from here on.
    pub until: Instant,
}

async fn client(
    mut s: SioWs,
    client: usize,
    size: usize,
    w: Window,
    deadline: Rc<Deadline>,
) -> ClientRun {
    let mut run = ClientRun::default();
    let mut packet = String::new();
    let mut id: u64 = 0;
    loop {
        let sent = Instant::now();
        if sent >= w.until {
            return run;
        }
        let data = echo_packet(&mut packet, client, id, size);
        let exchange = async {
            s.send(packet.as_str()).await?;
            loop {
                let p = s.recv().await?;
                if p.starts_with("43") {
                    return Result::Ok(p);
                }
            }
        };
        let outcome = deadline.limit(sent + ACK_TIMEOUT, exchange).await;
        if !run.record(outcome, sent, w, id, &packet[data]) {
            return run;
        }
        id += 1;
    }
}

/// Runs the scenario; `--clients 50 --secs 10 --size 64 --warmup-secs 1`.
pub async fn run(ex: &Executor, opts: &Opts) -> Result<Value> {
    let clients: usize = opts.num("clients", 50)?;
    let size = payload_size(opts)?;
    let secs = opts.secs("secs", 10.0)?;
    let warmup = opts.secs("warmup-secs", 1.0)?;

    let (conns, connect_failed, connect_error) =
        connect_all(ex, opts.addr, opts.host.as_str().into(), clients).await;
    if conns.is_empty() {
        let why = connect_error.unwrap_or_default();
        return Err(format!("no client could connect: {why}").into());
    }
    let dog = Rc::new(Watchdog::default());
    let watch = ex.spawn({
        let dog = dog.clone();
        async move { dog.run().await }
    });
    let from = Instant::now() + warmup;
    let w = Window {
        from,
        until: from + secs,
    };
    let tasks: Vec<_> = conns
        .into_iter()
        .enumerate()
        .map(|(i, s)| ex.spawn(client(s, i, size, w, dog.deadline())))
        .collect();
    let results = measure(w, opts.server_pid, tasks).await;
    drop(watch);
    Ok(closed_loop_summary(
        clients,
        secs,
        size,
        results,
        connect_failed,
        connect_error,
    ))
}

/// `--size` (default 64), at most Engine.IO's default `maxPayload` (1 MB).
pub fn payload_size(opts: &Opts) -> Result<usize> {
    let size: usize = opts.num("size", 64)?;
    if size > 1_000_000 {
        return Err(format!("--size {size} is over the 1 MB maxPayload").into());
    }
    Ok(size)
}

/// Waits out the window, measuring CPU over it, then collects the clients.
pub async fn measure(
    w: Window,
    server_pid: Option<u32>,
    tasks: Vec<smol::Task<ClientRun>>,
) -> (Vec<ClientRun>, crate::metrics::CpuUse) {
    smol::Timer::at(w.from).await;
    let meter = CpuMeter::start(server_pid);
    smol::Timer::at(w.until).await;
    let cpu = meter.finish();
    let mut runs = Vec::with_capacity(tasks.len());
    for t in tasks {
        runs.push(t.await);
    }
    (runs, cpu)
}

/// The summary of echo and polling: rate, latency, checks, CPU.
pub fn closed_loop_summary(
    clients: usize,
    secs: Duration,
    size: usize,
    (runs, cpu): (Vec<ClientRun>, crate::metrics::CpuUse),
    mut errors: usize,
    mut first_error: Option<String>,
) -> Value {
    let mut lat = Vec::new();
    let mut mismatches = 0;
    for run in runs {
        lat.extend(run.lat_us);
        mismatches += run.mismatches;
        if let Some(e) = run.error {
            first_error.get_or_insert(e);
            errors += 1;
        }
    }
    let acks = lat.len() as u64;
    let mut out = json!({
        "clients": clients,
        "secs": secs.as_secs_f64(),
        "size": size,
        "acks": acks,
        "acks_per_s": (acks as f64 / secs.as_secs_f64().max(1e-9)).round() as u64,
        "mismatches": mismatches,
        "errors": errors,
        "first_error": first_error,
    });
    merge(&mut out, latency_summary(&mut lat));
    merge(&mut out, cpu.json(acks));
    out
}
