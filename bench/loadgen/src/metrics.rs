//! What a run reports besides its rates: latency percentiles, and CPU and
//! memory use read from the kernel (`/proc`, the process CPU clock).

use serde_json::{Value, json};
use std::time::Instant;

/// `p50_us`, `p99_us` and `max_us` of latency samples (microseconds), by
/// nearest rank; all 0 without samples.
pub fn latency_summary(samples: &mut [u32]) -> Value {
    samples.sort_unstable();
    let rank = |p: f64| -> u32 {
        if samples.is_empty() {
            return 0;
        }
        let r = (p / 100.0 * samples.len() as f64).ceil() as usize;
        samples[r.clamp(1, samples.len()) - 1]
    };
    json!({
        "p50_us": rank(50.0),
        "p99_us": rank(99.0),
        "max_us": samples.last().copied().unwrap_or(0),
    })
}

/// Microseconds as a `u32` sample (saturating: over an hour is off the scale anyway).
pub fn micros(d: std::time::Duration) -> u32 {
    u32::try_from(d.as_micros()).unwrap_or(u32::MAX)
}

/// The fields of `/proc/<pid>/stat` after the command name: index 0 is
/// proc(5)'s field 3 (state), index 1 field 4 (ppid), and so on.
fn stat_fields(pid: &str) -> Option<Vec<String>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The name is in parentheses and may hold spaces and ')': cut at the last one.
    let after_name = stat.get(stat.rfind(')')? + 1..)?;
    Some(after_name.split_whitespace().map(String::from).collect())
}

/// proc(5) fields `first..=last` (clock ticks) added up, in seconds.
fn field_secs(fields: &[String], first: usize, last: usize) -> f64 {
    let ticks: u64 = (first..=last)
        .filter_map(|n| fields.get(n - 3)?.parse::<u64>().ok())
        .sum();
    ticks as f64 / rustix::param::clock_ticks_per_second() as f64
}

/// User + system CPU seconds of a process, all its threads.
fn process_cpu_secs(pid: u32) -> Option<f64> {
    Some(field_secs(&stat_fields(&pid.to_string())?, 14, 15))
}

/// CPU seconds of every user-space process but those in `skip`, with the
/// children each has reaped (a compiler run counts once its parent waited
/// for it). Kernel threads (pid 2 and its children) are left out.
fn others_cpu_secs(skip: &[u32]) -> f64 {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return 0.0;
    };
    let mut total = 0.0;
    for entry in dir.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let Ok(pid) = name.parse::<u32>() else {
            continue;
        };
        if pid == 2 || skip.contains(&pid) {
            continue;
        }
        let Some(fields) = stat_fields(name) else {
            continue;
        };
        if fields.get(1).map(String::as_str) == Some("2") {
            continue;
        }
        total += field_secs(&fields, 14, 17);
    }
    total
}

/// This process's CPU time (all threads), in seconds.
fn own_cpu_secs() -> f64 {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ProcessCPUTime);
    t.tv_sec as f64 + t.tv_nsec as f64 / 1e9
}

/// Resident set size of a process in KiB (`VmRSS` in `/proc/<pid>/status`).
pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// CPU readings at the start of a measured window.
pub struct CpuMeter {
    started: Instant,
    skip: Vec<u32>,
    own: f64,
    others: f64,
    server: Option<(u32, f64)>,
    sender: Option<(u32, f64)>,
}

/// CPU seconds used during a window of `wall` seconds.
pub struct CpuUse {
    wall: f64,
    own: f64,
    server: Option<f64>,
    sender: Option<f64>,
    others: f64,
}

impl CpuMeter {
    /// Starts a window: reads this process's, the server's (if known) and
    /// everyone else's CPU time.
    pub fn start(server_pid: Option<u32>) -> CpuMeter {
        CpuMeter::start_with_sender(server_pid, None)
    }

    /// [`CpuMeter::start`], also reading a second server's CPU time apart
    /// (`fanout`'s sending server in a cluster): `sender_cpu` and
    /// `sender_us_per_op`, and left out of `other_cpu`.
    pub fn start_with_sender(server_pid: Option<u32>, sender_pid: Option<u32>) -> CpuMeter {
        let skip: Vec<u32> = std::iter::once(std::process::id())
            .chain(server_pid)
            .chain(sender_pid)
            .collect();
        let reading = |pid: Option<u32>| pid.and_then(|pid| Some((pid, process_cpu_secs(pid)?)));
        CpuMeter {
            started: Instant::now(),
            own: own_cpu_secs(),
            others: others_cpu_secs(&skip),
            server: reading(server_pid),
            sender: reading(sender_pid),
            skip,
        }
    }

    /// Ends the window.
    pub fn finish(&self) -> CpuUse {
        CpuUse {
            wall: self.started.elapsed().as_secs_f64(),
            own: own_cpu_secs() - self.own,
            server: self
                .server
                .and_then(|(pid, before)| Some(process_cpu_secs(pid)? - before)),
            sender: self
                .sender
                .and_then(|(pid, before)| Some(process_cpu_secs(pid)? - before)),
            others: (others_cpu_secs(&self.skip) - self.others).max(0.0),
        }
    }
}

/// Rounds to two decimals.
fn cents(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

impl CpuUse {
    /// `lg_cpu`, `srv_cpu`, `other_cpu`: shares of one core (1.0 = one core
    /// busy all the window); `lg_us_per_op`, `srv_us_per_op`: CPU
    /// microseconds per operation (`ops` in the window), null without ops.
    pub fn json(&self, ops: u64) -> Value {
        let share = |secs: f64| cents(secs / self.wall.max(1e-9));
        let per_op = |secs: f64| (ops > 0).then(|| cents(secs * 1e6 / ops as f64));
        let mut out = json!({
            "lg_cpu": share(self.own),
            "srv_cpu": self.server.map(share),
            "other_cpu": share(self.others),
            "lg_us_per_op": per_op(self.own),
            "srv_us_per_op": self.server.and_then(per_op),
        });
        if let Some(sender) = self.sender {
            merge(
                &mut out,
                json!({"sender_cpu": share(sender), "sender_us_per_op": per_op(sender)}),
            );
        }
        out
    }
}

/// Adds the fields of the object `extra` to the object `into`.
pub fn merge(into: &mut Value, extra: Value) {
    if let (Value::Object(into), Value::Object(extra)) = (into, extra) {
        into.extend(extra);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let mut s: Vec<u32> = (1..=200).rev().collect();
        let v = latency_summary(&mut s);
        assert_eq!(v["p50_us"], 100);
        assert_eq!(v["p99_us"], 198);
        assert_eq!(v["max_us"], 200);
        let v = latency_summary(&mut []);
        assert_eq!(v["p99_us"], 0);
        let v = latency_summary(&mut [7]);
        assert_eq!(
            (v["p50_us"].as_u64(), v["max_us"].as_u64()),
            (Some(7), Some(7))
        );
    }

    #[test]
    fn reads_own_process() {
        let me = std::process::id();
        assert!(rss_kib(me).is_some_and(|k| k > 0));
        assert!(process_cpu_secs(me).is_some());
        let meter = CpuMeter::start(Some(me));
        let v = meter.finish().json(0);
        assert!(v["lg_cpu"].is_number() && v["srv_cpu"].is_number());
        assert!(v["lg_us_per_op"].is_null());
        assert!(v.get("sender_cpu").is_none());
        let v = CpuMeter::start_with_sender(None, Some(me)).finish().json(1);
        assert!(v["sender_cpu"].is_number() && v["sender_us_per_op"].is_number());
    }
}
