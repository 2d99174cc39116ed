//! A sticky HTTP/1.1 load balancer in front of a cluster of Socket.IO
//! servers, as a real deployment has one: each request goes to the
//! backend that issued its Engine.IO `sid` (learned from the polling
//! handshake responses that pass through); a request without `sid` (a
//! polling handshake, or the WebSocket upgrade of a websocket-only client)
//! goes round robin over the live backends.
//!
//! Routing is per request, not per connection: Node's HTTP agent reuses a
//! keep-alive connection for the requests of different clients. A
//! WebSocket upgrade (a `101` answer) turns the connection into a raw TCP
//! relay both ways for its life.
//!
//! Backends change at run time ([`StickyProxy::set_backend`]): a killed
//! node is `None`, a restarted one gets its new address. A request for a
//! sid whose backend is gone (or was restarted since: the sid belongs to
//! the old process), refuses or breaks gets `502 Bad Gateway` and its
//! connection is closed, so the client starts over with a fresh handshake;
//! relays to a killed backend end when its sockets close. [`ProxyStats`]
//! counts what it did.

mod http;
#[cfg(test)]
mod tests;

use http::{Framing, Head, Peer, handshake_sid, query_param};
use smol::Async;
use std::collections::HashMap;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;

/// What the proxy did so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProxyStats {
    /// HTTP requests received from clients (upgrades included).
    pub requests: u64,
    /// Polling handshakes whose sid was learned.
    pub handshakes: u64,
    /// WebSocket upgrades relayed (`101` answers).
    pub upgrades: u64,
    /// Requests answered `502` (backend gone, restarted, refusing or
    /// broken; or an unknown sid).
    pub bad_gateway: u64,
}

/// A running proxy on an ephemeral port of 127.0.0.1; stops when dropped
/// (live relays end with its thread).
pub struct StickyProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

/// What the proxy's thread and the test share.
#[derive(Default)]
struct Shared {
    routes: Mutex<Routes>,
    stop: AtomicBool,
    requests: AtomicU64,
    handshakes: AtomicU64,
    upgrades: AtomicU64,
    bad_gateway: AtomicU64,
}

/// The routing table.
#[derive(Default)]
struct Routes {
    /// Backend `i`'s current address (`None` while it is down).
    backends: Vec<Option<SocketAddr>>,
    /// The next round-robin position.
    next: usize,
    /// Which backend (index and the address it had) issued each sid.
    /// Grows by one entry per polling session: fine for a test's life.
    sids: HashMap<String, (usize, SocketAddr)>,
}

impl Routes {
    /// The backend of a request: its sid's, or the next live one.
    fn route(&mut self, sid: Option<&str>) -> Option<(usize, SocketAddr)> {
        if let Some(sid) = sid {
            let &(index, addr) = self.sids.get(sid)?;
            return (self.backends.get(index) == Some(&Some(addr))).then_some((index, addr));
        }
        let n = self.backends.len();
        (0..n).find_map(|_| {
            let index = self.next % n;
            self.next = self.next.wrapping_add(1);
            self.backends[index].map(|addr| (index, addr))
        })
    }
}

impl StickyProxy {
    /// Listens on an ephemeral port of 127.0.0.1 in front of `backends`
    /// (their indexes are the ones [`StickyProxy::set_backend`] takes).
    ///
    /// # Panics
    ///
    /// If it cannot bind.
    pub fn start(backends: &[Option<SocketAddr>]) -> StickyProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
        let addr = listener.local_addr().expect("a bound address");
        let shared = Arc::new(Shared::default());
        shared.routes().backends = backends.to_vec();
        let s = shared.clone();
        let thread = std::thread::spawn(move || run(listener, s));
        StickyProxy {
            addr,
            shared,
            thread: Some(thread),
        }
    }

    /// Sets backend `index` (growing the list if needed): `None` while it
    /// is down, its new address once restarted. Sessions of the previous
    /// address get `502` from now on.
    pub fn set_backend(&self, index: usize, addr: Option<SocketAddr>) {
        let mut routes = self.shared.routes();
        if routes.backends.len() <= index {
            routes.backends.resize(index + 1, None);
        }
        routes.backends[index] = addr;
    }

    /// `http://<proxy address>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// What it did so far.
    pub fn stats(&self) -> ProxyStats {
        let s = &self.shared;
        ProxyStats {
            requests: s.requests.load(Ordering::Relaxed),
            handshakes: s.handshakes.load(Ordering::Relaxed),
            upgrades: s.upgrades.load(Ordering::Relaxed),
            bad_gateway: s.bad_gateway.load(Ordering::Relaxed),
        }
    }
}

impl Drop for StickyProxy {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        // Wake the accept loop.
        let _ = TcpStream::connect(self.addr);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Shared {
    /// The routing table (a panic elsewhere while holding it leaves it
    /// usable: it is never half-updated).
    fn routes(&self) -> MutexGuard<'_, Routes> {
        self.routes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Counts one on `counter`.
    fn count(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

/// The proxy's thread: accepts connections until stopped, one task each.
fn run(listener: TcpListener, shared: Arc<Shared>) {
    let ex = smol::LocalExecutor::new();
    let listener = Async::new(listener).expect("an async listener");
    smol::block_on(ex.run(async {
        while !shared.stop.load(Ordering::Relaxed) {
            let Ok((client, _)) = listener.accept().await else {
                continue;
            };
            let _ = client.get_ref().set_nodelay(true);
            ex.spawn(serve(Peer::new(client), shared.clone())).detach();
        }
    }));
}

/// The backend connection a client connection uses now.
struct Backend {
    index: usize,
    addr: SocketAddr,
    peer: Peer,
}

/// Serves one client connection: request after request, each routed on
/// its own, until the client closes, a request fails or it becomes a relay.
async fn serve(mut client: Peer, shared: Arc<Shared>) {
    let mut backend: Option<Backend> = None;
    while let Ok(Some(head)) = client.read_head().await {
        Shared::count(&shared.requests);
        let Ok(body) = client.read_body(head.request_framing()).await else {
            return;
        };
        let sid = query_param(&head.start[1], "sid").map(str::to_owned);
        let route = shared.routes().route(sid.as_deref());
        let Some((index, addr)) = route else {
            return bad_gateway(&client, &shared).await;
        };
        let reuse = backend.as_ref().is_some_and(|b| {
            b.index == index
                && b.addr == addr
                && b.peer.buf.is_empty()
                && !b.peer.closed_while_idle()
        });
        if !reuse {
            backend = None;
        }
        let Some((mut b, res)) = exchange(backend.take(), index, addr, &head, &body).await else {
            return bad_gateway(&client, &shared).await;
        };
        if res.start[1] == "101" {
            Shared::count(&shared.upgrades);
            return relay(client, b.peer, &res).await;
        }
        let Ok(res_body) = b.peer.read_body(res.response_framing(&head.start[0])).await else {
            return bad_gateway(&client, &shared).await;
        };
        if sid.is_none()
            && let Some(new_sid) = handshake_sid(&res_body)
        {
            // Learned before the client sees the answer: its next request
            // (with this sid) cannot come first.
            Shared::count(&shared.handshakes);
            shared.routes().sids.insert(new_sid, (index, addr));
        }
        if client.write(&[&res.raw, &res_body]).await.is_err() {
            return;
        }
        let until_close = res.response_framing(&head.start[0]) == Framing::UntilClose;
        if head.wants_close() || res.wants_close() || until_close {
            let _ = client.stream.get_ref().shutdown(Shutdown::Both);
            return;
        }
        backend = Some(b);
    }
}

/// Sends a request to backend `index` at `addr` (over `reused` if given,
/// retried once on a fresh connection if that one turns out closed) and
/// reads the answer's head; `None` if the backend refuses or breaks.
async fn exchange(
    reused: Option<Backend>,
    index: usize,
    addr: SocketAddr,
    head: &Head,
    body: &[u8],
) -> Option<(Backend, Head)> {
    if let Some(mut b) = reused {
        // A keep-alive connection the backend closes at this very moment
        // answers nothing: then the request was not handled; try anew.
        if b.peer.write(&[&head.raw, body]).await.is_ok()
            && let Ok(Some(res)) = b.peer.read_head().await
        {
            return Some((b, res));
        }
    }
    let stream = Async::<TcpStream>::connect(addr).await.ok()?;
    let _ = stream.get_ref().set_nodelay(true);
    let mut b = Backend {
        index,
        addr,
        peer: Peer::new(stream),
    };
    b.peer.write(&[&head.raw, body]).await.ok()?;
    let res = b.peer.read_head().await.ok()??;
    Some((b, res))
}

/// Answers `502 Bad Gateway` and closes the client connection.
async fn bad_gateway(client: &Peer, shared: &Shared) {
    Shared::count(&shared.bad_gateway);
    let res = b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
    let _ = client.write(&[res]).await;
    let _ = client.stream.get_ref().shutdown(Shutdown::Both);
}

/// Passes the `101` answer on, then relays raw bytes both ways (what
/// either side sent early included) until either side ends.
async fn relay(client: Peer, backend: Peer, res: &Head) {
    if client.write(&[&res.raw, &backend.buf]).await.is_err()
        || backend.write(&[&client.buf]).await.is_err()
    {
        return;
    }
    let (c, s) = (&client.stream, &backend.stream);
    let (mut to_server, mut to_client) = (s, c);
    let up = smol::io::copy(c, &mut to_server);
    let down = smol::io::copy(s, &mut to_client);
    let _ = futures_lite::future::or(up, down).await;
    let _ = c.get_ref().shutdown(Shutdown::Both);
    let _ = s.get_ref().shutdown(Shutdown::Both);
}
