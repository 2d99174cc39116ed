//! A TCP proxy that cuts connections at random, for the recovery jitter
//! test: clients connect to it, it relays to the server, and every
//! `cut_every` it shuts down one live connection (both sides, wherever the
//! bytes in flight are: mid-frame cuts included).

use smol::Async;
use std::cell::RefCell;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// A running proxy; stops when dropped.
pub struct CuttingProxy {
    addr: SocketAddr,
    cuts: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl CuttingProxy {
    /// Listens on an ephemeral port of 127.0.0.1 and relays to `target`,
    /// cutting one live connection every `cut_every` (chosen with a
    /// xorshift generator seeded by `seed`).
    pub fn start(target: SocketAddr, cut_every: Duration, seed: u64) -> CuttingProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        let addr = listener.local_addr().unwrap();
        let cuts = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (c, s) = (cuts.clone(), stop.clone());
        let thread = std::thread::spawn(move || run(listener, target, cut_every, seed, c, s));
        CuttingProxy {
            addr,
            cuts,
            stop,
            thread: Some(thread),
        }
    }

    /// `http://<proxy address>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Connections cut so far.
    pub fn cuts(&self) -> u64 {
        self.cuts.load(Ordering::Relaxed)
    }
}

impl Drop for CuttingProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Wake the accept loop.
        let _ = TcpStream::connect(self.addr);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

type Pair = (Rc<Async<TcpStream>>, Rc<Async<TcpStream>>);

fn run(
    listener: TcpListener,
    target: SocketAddr,
    cut_every: Duration,
    seed: u64,
    cuts: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
) {
    let ex = Rc::new(smol::LocalExecutor::new());
    let live: Rc<RefCell<Vec<Pair>>> = Rc::default();
    let listener = Async::new(listener).expect("async listener");
    let cutter = {
        let (live, stop, cuts) = (live.clone(), stop.clone(), cuts.clone());
        async move {
            let mut x = seed | 1;
            while !stop.load(Ordering::Relaxed) {
                smol::Timer::after(cut_every).await;
                let mut pairs = live.borrow_mut();
                pairs.retain(|(a, b)| Rc::strong_count(a) > 1 && Rc::strong_count(b) > 1);
                if pairs.is_empty() {
                    continue;
                }
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let i = (x % pairs.len() as u64) as usize;
                let (a, b) = pairs.swap_remove(i);
                let _ = a.get_ref().shutdown(Shutdown::Both);
                let _ = b.get_ref().shutdown(Shutdown::Both);
                cuts.fetch_add(1, Ordering::Relaxed);
            }
        }
    };
    let ex2 = ex.clone();
    let accept = async move {
        while !stop.load(Ordering::Relaxed) {
            let Ok((client, _)) = listener.accept().await else {
                continue;
            };
            let live = live.clone();
            ex2.spawn(async move {
                let Ok(server) = Async::<TcpStream>::connect(target).await else {
                    return;
                };
                let _ = client.get_ref().set_nodelay(true);
                let _ = server.get_ref().set_nodelay(true);
                let (client, server) = (Rc::new(client), Rc::new(server));
                live.borrow_mut().push((client.clone(), server.clone()));
                let (mut to_server, mut to_client) = (&*server, &*client);
                let up = smol::io::copy(&*client, &mut to_server);
                let down = smol::io::copy(&*server, &mut to_client);
                // When either direction ends, end both.
                let _ = futures_lite::future::or(up, down).await;
                let _ = client.get_ref().shutdown(Shutdown::Both);
                let _ = server.get_ref().shutdown(Shutdown::Both);
            })
            .detach();
        }
    };
    smol::block_on(ex.run(futures_lite::future::or(accept, cutter)));
}
