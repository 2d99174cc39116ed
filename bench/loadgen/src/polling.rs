//! `polling`: like `echo`, over Engine.IO's HTTP long-polling transport
//! only. Each client has two keep-alive connections, as a browser does: one
//! for the long-poll `GET`s (server to client) and one for the `POST`s
//! (client to server). Per message it POSTs `42<id>["echo",".."]` while a
//! GET waits for the ack `43<id>[..]`. Packets in one body are separated by
//! `\x1e`.

use crate::check::echo_packet;
use crate::deadline::{Deadline, Watchdog};
use crate::echo::{ACK_TIMEOUT, ClientRun, Window, closed_loop_summary, measure, payload_size};
use crate::http::Http;
use crate::ws::{CONNECT_TIMEOUT, clip};
use crate::{Executor, Opts, Result};
use futures_lite::future;
use serde_json::Value;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::{Duration, Instant};

/// One Socket.IO client over long-polling, connected to `/`.
struct SioPolling {
    get: Http,
    post: Http,
    /// `/socket.io/?EIO=4&transport=polling&sid=<sid>`
    path: String,
    /// Pings received and not answered yet.
    pings: usize,
}

/// What a GET brought that matters here.
enum Polled {
    Ack(String),
    Nothing,
}

impl SioPolling {
    /// The Engine.IO handshake, then `40` and a wait for its answer.
    async fn connect(addr: SocketAddr, host: &str, accept: Rc<str>) -> Result<SioPolling> {
        let mut get = Http::open(addr, host).await?;
        get.accept_encoding = accept;
        let open = get
            .request("GET", "/socket.io/?EIO=4&transport=polling", None)
            .await?;
        let first = open.split('\x1e').next().unwrap_or("");
        let handshake: Value = first
            .strip_prefix('0')
            .and_then(|json| serde_json::from_str(json).ok())
            .ok_or_else(|| format!("expected the open packet, got {}", clip(first)))?;
        let sid = handshake["sid"]
            .as_str()
            .ok_or("no sid in the open packet")?;
        let path = format!("/socket.io/?EIO=4&transport=polling&sid={sid}");
        let post = Http::open(addr, host).await?;
        let mut c = SioPolling {
            get,
            post,
            path,
            pings: 0,
        };
        c.post.request("POST", &c.path, Some(b"40")).await?;
        loop {
            let body = c.get.request("GET", &c.path, None).await?;
            for p in body.split('\x1e') {
                if p.starts_with("40") {
                    return Ok(c);
                }
                if p.starts_with("44") {
                    return Err(format!("connect error: {}", clip(p)).into());
                }
                if p == "2" {
                    c.pings += 1;
                }
            }
        }
    }

    /// One long-poll GET: the ack in it, if any; pings are counted.
    async fn poll(get: &mut Http, path: &str, pings: &mut usize) -> Result<Polled> {
        let body = get.request("GET", path, None).await?;
        let mut ack = None;
        for p in body.split('\x1e') {
            match p.as_bytes().first() {
                Some(b'2') => *pings += 1,
                Some(b'1') => return Err("the server closed the session".into()),
                _ if p.starts_with("43") => ack = Some(p.to_string()),
                _ => {}
            }
        }
        Ok(ack.map_or(Polled::Nothing, Polled::Ack))
    }

    /// POSTs `packet` while long-polling for an ack; then answers the
    /// pings that came meanwhile.
    async fn call(&mut self, packet: &[u8]) -> Result<String> {
        let SioPolling {
            get,
            post,
            path,
            pings,
        } = self;
        let ack = async {
            loop {
                if let Polled::Ack(a) = Self::poll(get, path, pings).await? {
                    return Result::Ok(a);
                }
            }
        };
        let posted = async { post.request("POST", path, Some(packet)).await.map(drop) };
        // Both at once; the first error ends both.
        let ((), ack) = future::try_zip(posted, ack).await?;
        for _ in 0..std::mem::take(&mut self.pings) {
            self.post.request("POST", &self.path, Some(b"3")).await?;
        }
        Ok(ack)
    }
}

async fn client(
    addr: SocketAddr,
    host: Rc<str>,
    client: usize,
    size: usize,
    accept: Rc<str>,
    w: Window,
    deadline: Rc<Deadline>,
) -> ClientRun {
    let mut run = ClientRun::default();
    let connect = SioPolling::connect(addr, &host, accept);
    let mut c = match deadline
        .limit(Instant::now() + CONNECT_TIMEOUT, connect)
        .await
    {
        Some(Ok(c)) => c,
        Some(Err(e)) => {
            run.error = Some(format!("connect: {e}"));
            return run;
        }
        None => {
            run.error = Some("connect timed out".into());
            return run;
        }
    };
    let mut packet = String::new();
    let mut id: u64 = 0;
    loop {
        let sent = Instant::now();
        if sent >= w.until {
            return run;
        }
        let data = echo_packet(&mut packet, client, id, size);
        let outcome = deadline
            .limit(sent + ACK_TIMEOUT, c.call(packet.as_bytes()))
            .await;
        if !run.record(outcome, sent, w, id, &packet[data]) {
            return run;
        }
        id += 1;
    }
}

/// Runs the scenario; `--clients 20 --secs 10 --size 64 --warmup-secs 1`
/// (clients connect during the warm-up, which is at least 0.5 s), and
/// `--accept-encoding gzip` (or any value; none by default) sent with the
/// GETs, whose compressed responses are then inflated.
pub async fn run(ex: &Executor, opts: &Opts) -> Result<Value> {
    let clients: usize = opts.num("clients", 20)?;
    let size = payload_size(opts)?;
    let secs = opts.secs("secs", 10.0)?;
    let warmup = opts.secs("warmup-secs", 1.0)?;
    let accept: Rc<str> = opts.num("accept-encoding", String::new())?.into();

    let dog = Rc::new(Watchdog::default());
    let watch = ex.spawn({
        let dog = dog.clone();
        async move { dog.run().await }
    });
    let from = Instant::now() + warmup.max(Duration::from_millis(500));
    let w = Window {
        from,
        until: from + secs,
    };
    let host: Rc<str> = opts.host.as_str().into();
    let tasks: Vec<_> = (0..clients)
        .map(|i| {
            let c = client(
                opts.addr,
                host.clone(),
                i,
                size,
                accept.clone(),
                w,
                dog.deadline(),
            );
            ex.spawn(c)
        })
        .collect();
    let results = measure(w, opts.server_pid, tasks).await;
    drop(watch);
    Ok(closed_loop_summary(clients, secs, size, results, 0, None))
}
