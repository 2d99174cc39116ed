//! `conns`: opens N idle Socket.IO WebSocket connections (at most
//! `--inflight` handshakes under way), holds them `--hold` seconds answering
//! pings, and reports how many opened, how many were still open at the end
//! and, with `--server-pid`, the server's RSS before the ramp and at the end
//! of the hold. CPU figures cover the ramp (the hold is idle by design).

use crate::metrics::{CpuMeter, merge, rss_kib};
use crate::ws::{SioWs, connect_window};
use crate::{Executor, Opts, Result};
use serde_json::{Value, json};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Instant;

/// Reads (answering pings) until the connection ends or the task is dropped.
async fn hold(mut s: SioWs, alive: Rc<Cell<usize>>) {
    while s.recv().await.is_ok() {}
    alive.set(alive.get() - 1);
}

/// What the ramp left: the holding tasks, failures and the first error.
#[derive(Default)]
struct Ramp {
    holders: Vec<smol::Task<()>>,
    failed: usize,
    first_error: Option<String>,
}

/// Runs the scenario; `--clients 5000 --hold 10 --inflight 100`.
pub async fn run(ex: &Rc<Executor>, opts: &Opts) -> Result<Value> {
    let clients: usize = opts.num("clients", 5000)?;
    let inflight: usize = opts.num("inflight", 100)?;
    let hold_for = opts.secs("hold", 10.0)?;

    let rss_before = opts.server_pid.and_then(rss_kib);
    let meter = CpuMeter::start(opts.server_pid);
    let ramp_start = Instant::now();
    let alive = Rc::new(Cell::new(0usize));
    let ramp = Rc::new(RefCell::new(Ramp::default()));
    {
        let (ex2, alive, ramp) = (ex.clone(), alive.clone(), ramp.clone());
        let done = move |_, r: Result<SioWs>| {
            let mut ramp = ramp.borrow_mut();
            match r {
                Ok(s) => {
                    alive.set(alive.get() + 1);
                    ramp.holders.push(ex2.spawn(hold(s, alive.clone())));
                }
                Err(e) => {
                    ramp.first_error.get_or_insert_with(|| e.to_string());
                    ramp.failed += 1;
                }
            }
        };
        connect_window(
            ex,
            opts.addr,
            opts.host.as_str().into(),
            clients,
            inflight,
            done,
        )
        .await;
    }
    let ramp_secs = ramp_start.elapsed().as_secs_f64();
    let cpu = meter.finish();

    smol::Timer::after(hold_for).await;
    let rss_after = opts.server_pid.and_then(rss_kib);
    let Ramp {
        holders,
        failed,
        first_error,
    } = ramp.take();
    let connected = holders.len();
    let alive_at_end = alive.get();
    drop(holders);

    let kib_per_conn = match (rss_before, rss_after) {
        (Some(b), Some(a)) if connected > 0 => {
            Some(((a as f64 - b as f64) / connected as f64 * 10.0).round() / 10.0)
        }
        _ => None,
    };
    let mut out = json!({
        "clients": clients,
        "hold_secs": hold_for.as_secs_f64(),
        "connected": connected,
        "failed": failed,
        "first_error": first_error,
        "alive_at_end": alive_at_end,
        "ramp_secs": (ramp_secs * 100.0).round() / 100.0,
        "conns_per_s": (connected as f64 / ramp_secs.max(1e-9)).round() as u64,
        "rss_before_kib": rss_before,
        "rss_after_kib": rss_after,
        "kib_per_conn": kib_per_conn,
    });
    merge(&mut out, cpu.json(connected as u64));
    Ok(out)
}
