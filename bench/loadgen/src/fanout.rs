//! `fanout`: C WebSocket receivers and one sender. The sender emits
//! `42["broadcast",{"seq":k,"t":<µs>}]` and the server re-emits it to every
//! socket. Lockstep: message k+1 goes out once every receiver still
//! connected has message k, or after [`MSG_TIMEOUT`] (the missing ones are
//! `lost`; three timeouts in a row end the run). The latency is from the
//! send to the *last* receiver; `deliveries_per_s` is C × msgs / time.
//!
//! With `--sender-addr` the sender connects to another server than the
//! receivers: a broadcast across a cluster, the receivers' server (the
//! `--server-pid` measured) getting each message from its peer rather than
//! from a client. The sender still gets its own copy from its server.

use crate::metrics::{CpuMeter, latency_summary, merge, micros};
use crate::ws::{SioWs, connect_all};
use crate::{Executor, Opts, Result};
use futures_lite::future;
use serde_json::{Value, json};
use std::cell::Cell;
use std::rc::Rc;
use std::task::{Poll, Waker};
use std::time::{Duration, Instant};

/// How long the sender waits for every receiver to get one message.
const MSG_TIMEOUT: Duration = Duration::from_secs(5);

/// Counters shared by the receivers and the sender (one thread: cells).
struct Board {
    base: Instant,
    /// Receivers still connected.
    alive: Cell<u32>,
    /// Per message: how many receivers got it, and when the last did (µs since `base`).
    got: Vec<Cell<u32>>,
    last_us: Vec<Cell<u64>>,
    /// The sender, waiting for the current message to be everywhere.
    sender: Cell<Option<Waker>>,
}

impl Board {
    fn now_us(&self) -> u64 {
        u64::try_from(self.base.elapsed().as_micros()).unwrap_or(u64::MAX)
    }

    fn wake_sender(&self) {
        if let Some(w) = self.sender.take() {
            w.wake();
        }
    }

    fn all_have(&self, k: usize) -> bool {
        self.got[k].get() >= self.alive.get()
    }
}

/// The `seq` of a broadcast packet, or `None` for any other packet. The
/// sender's own layout is read without parsing; anything else goes through
/// a JSON parser, so a server may re-serialize the object.
fn broadcast_seq(p: &str) -> Option<u64> {
    let body = p.strip_prefix("42")?;
    if let Some(rest) = body.strip_prefix(r#"["broadcast",{"seq":"#) {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let t = rest[digits..].strip_prefix(r#","t":"#).unwrap_or("");
        let t_digits = t.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && t_digits > 0 && &t[t_digits..] == "}]" {
            return rest[..digits].parse().ok();
        }
    }
    let Ok(Value::Array(v)) = serde_json::from_str::<Value>(body) else {
        return None;
    };
    if v.first()?.as_str()? != "broadcast" {
        return None;
    }
    v.get(1)?.get("seq")?.as_u64()
}

/// Counts broadcasts until the connection fails; returns why.
async fn receiver(mut s: SioWs, board: Rc<Board>) -> String {
    loop {
        let p = match s.recv().await {
            Ok(p) => p,
            Err(e) => {
                board.alive.set(board.alive.get().saturating_sub(1));
                board.wake_sender();
                return e.to_string();
            }
        };
        let Some(k) = broadcast_seq(&p).and_then(|k| usize::try_from(k).ok()) else {
            continue;
        };
        let Some(got) = board.got.get(k) else {
            continue;
        };
        board.last_us[k].set(board.last_us[k].get().max(board.now_us()));
        got.set(got.get() + 1);
        if got.get() >= board.alive.get() {
            board.wake_sender();
        }
    }
}

/// Why the sender stopped waiting.
enum Wake {
    AllHave,
    Own(Result<()>),
    Timeout,
}

/// Runs the scenario; `--clients 1000 --msgs 200 --warmup-msgs 5`.
pub async fn run(ex: &Executor, opts: &Opts) -> Result<Value> {
    let clients: usize = opts.num("clients", 1000)?;
    let msgs: usize = opts.num("msgs", 200)?;
    let warmup: usize = opts.num("warmup-msgs", 5)?;
    let total = warmup + msgs;

    let (receivers, failed, error) =
        connect_all(ex, opts.addr, opts.host.as_str().into(), clients).await;
    if failed > 0 {
        let error = error.unwrap_or_default();
        return Err(format!("{failed} of {clients} receivers failed to connect: {error}").into());
    }
    let mut sender = match opts.addr_opt("sender-addr")? {
        Some((addr, host)) => SioWs::connect(addr, &host).await?,
        None => SioWs::connect(opts.addr, &opts.host).await?,
    };
    let sender_pid: Option<u32> = match opts.num("sender-pid", 0)? {
        0 => None,
        pid => Some(pid),
    };
    let board = Rc::new(Board {
        base: Instant::now(),
        alive: Cell::new(u32::try_from(clients).map_err(|_| "too many clients")?),
        got: (0..total).map(|_| Cell::new(0)).collect(),
        last_us: (0..total).map(|_| Cell::new(0)).collect(),
        sender: Cell::new(None),
    });
    let tasks: Vec<_> = receivers
        .into_iter()
        .map(|s| ex.spawn(receiver(s, board.clone())))
        .collect();

    // When each message went out (µs since `board.base`); its length is the number sent.
    let mut sent_us = Vec::with_capacity(total);
    let mut meter = None;
    let mut started = Instant::now();
    let (mut timeouts, mut in_a_row) = (0, 0);
    for k in 0..total {
        if in_a_row == 3 {
            break;
        }
        if k == warmup {
            started = Instant::now();
            meter = Some(CpuMeter::start_with_sender(opts.server_pid, sender_pid));
        }
        let t = board.now_us();
        sent_us.push(t);
        sender
            .send(format!(r#"42["broadcast",{{"seq":{k},"t":{t}}}]"#))
            .await?;
        in_a_row += 1;
        let mut timer = smol::Timer::after(MSG_TIMEOUT);
        // Wait for every receiver, meanwhile reading the sender's own copy
        // of each broadcast (it is one of "every socket") and its pings.
        loop {
            if board.all_have(k) {
                in_a_row = 0;
                break;
            }
            let all_have = future::poll_fn(|cx| {
                if board.all_have(k) {
                    return Poll::Ready(Wake::AllHave);
                }
                board.sender.set(Some(cx.waker().clone()));
                Poll::Pending
            });
            let own = async { Wake::Own(sender.recv().await.map(drop)) };
            let timeout = async {
                (&mut timer).await;
                Wake::Timeout
            };
            match future::or(all_have, future::or(own, timeout)).await {
                Wake::AllHave => {}
                Wake::Own(r) => r?,
                Wake::Timeout => {
                    timeouts += 1;
                    break;
                }
            }
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let cpu = meter.map(|m| m.finish());
    // Late deliveries still count if they arrive within a short grace period.
    smol::Timer::after(Duration::from_millis(200)).await;
    let (mut errors, mut first_error) = (0, None);
    for t in tasks {
        if t.is_finished() {
            let why = t.await;
            first_error.get_or_insert(why);
            errors += 1;
        }
        // an unfinished receiver is cancelled as its task is dropped
    }

    let mut delivered = 0u64;
    let mut lat = Vec::with_capacity(msgs);
    for (k, &t) in sent_us.iter().enumerate().skip(warmup) {
        let n = u64::from(board.got[k].get());
        delivered += n;
        if n == clients as u64 {
            let last = board.last_us[k].get();
            lat.push(micros(Duration::from_micros(last.saturating_sub(t))));
        }
    }
    let expected = (clients * msgs) as u64;
    let mut out = json!({
        "clients": clients,
        "msgs": msgs,
        "msgs_sent": sent_us.len().saturating_sub(warmup),
        "deliveries": delivered,
        "deliveries_per_s": (delivered as f64 / elapsed.max(1e-9)).round() as u64,
        "lost": expected.saturating_sub(delivered),
        "msg_timeouts": timeouts,
        "errors": errors,
        "first_error": first_error,
    });
    merge(&mut out, latency_summary(&mut lat));
    if let Some(cpu) = cpu {
        merge(&mut out, cpu.json(delivered));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::broadcast_seq;

    #[test]
    fn reads_seq() {
        assert_eq!(
            broadcast_seq(r#"42["broadcast",{"seq":17,"t":123}]"#),
            Some(17)
        );
        assert_eq!(
            broadcast_seq(r#"42["broadcast",{"t":123,"seq":18}]"#),
            Some(18)
        );
        assert_eq!(
            broadcast_seq(r#"42[ "broadcast" , { "seq" : 19 , "t" : 1 } ]"#),
            Some(19)
        );
        assert_eq!(broadcast_seq(r#"42["broadcast",{"seq":1x,"t":123}]"#), None);
        assert_eq!(broadcast_seq(r#"42["broadcast",{"seq":1,"t":12}]x"#), None);
        assert_eq!(broadcast_seq(r#"42["other",{"seq":1,"t":1}]"#), None);
        assert_eq!(broadcast_seq(r#"43["broadcast",{"seq":1,"t":1}]"#), None);
        assert_eq!(broadcast_seq("42"), None);
        assert_eq!(broadcast_seq(r#"42["broadcast",{"seq":"#), None);
        assert_eq!(broadcast_seq(r#"42["broadcast",{"seq":1,"t":"#), None);
    }
}
