//! Serving a [`Mux`]: its `serve*` methods, the accept loop (TLS
//! handshakes included), one connection's requests, and the graceful
//! shutdown's drain.

use crate::mux::Mux;
use crate::net::{self, HeadTimeouts, NetStream, SmolIo};
use crate::proxy::ConnInfo;
use crate::tls::TlsConfig;
use bytes::Bytes;
use hyper::service::service_fn;
use smol::{Async, LocalExecutor};
use std::cell::Cell;
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::rc::Rc;
use std::time::{Duration, Instant};

impl Mux {
    /// Binds `addr` and serves forever.
    pub async fn serve(self, addr: SocketAddr) -> io::Result<()> {
        let listener = net::bind(addr)?;
        self.serve_until(listener, std::future::pending()).await
    }

    /// Binds `addr` and serves until Ctrl-C or `SIGTERM`, then shuts down
    /// gracefully (see [`Mux::serve_until`] and [`crate::shutdown_signal`]).
    pub async fn serve_graceful(self, addr: SocketAddr) -> io::Result<()> {
        let listener = net::bind(addr)?;
        self.serve_until(listener, crate::shutdown_signal()).await
    }

    /// Serves on `listener` until `shutdown` completes, then shuts down
    /// gracefully: stops accepting, closes every session (engine reason
    /// "server shutting down": a WebSocket gets close code 1001, a waiting
    /// long-poll a close packet; Socket.IO clients see "transport close"
    /// and reconnect, as with Node's `io.close()`), closes idle
    /// connections, and waits up to [`Mux::shutdown_timeout`] for the rest
    /// to finish writing. Returns `Ok` then.
    pub async fn serve_until(
        self,
        listener: Async<TcpListener>,
        shutdown: impl Future<Output = ()>,
    ) -> io::Result<()> {
        serve_until(self, listener, shutdown).await
    }
}

/// How often the drain looks at what is still open.
const DRAIN_TICK: Duration = Duration::from_millis(20);

/// See [`Mux::serve_until`].
async fn serve_until(
    mux: Mux,
    listener: Async<TcpListener>,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let ex = Rc::new(LocalExecutor::new());
    for d in &mux.mounts {
        d.clone().start(&ex);
    }
    let timeouts = HeadTimeouts::new(mux.header_read_timeout);
    ex.spawn(timeouts.clone().run()).detach();
    let mux = Rc::new(mux);
    let active = Rc::new(Cell::new(0usize));
    let accept = {
        let (ex2, mux, active, timeouts) =
            (ex.clone(), mux.clone(), active.clone(), timeouts.clone());
        async move {
            loop {
                match listener.accept().await {
                    Ok((tcp, peer)) => {
                        net::configure_accepted(tcp.get_ref());
                        let conn = ConnInfo {
                            peer: Some(peer),
                            secure: mux.tls.is_some(),
                            proxies: mux.proxies.clone(),
                        };
                        let mux = mux.clone();
                        let active = Counted::new(active.clone());
                        let timeouts = timeouts.clone();
                        ex2.spawn(async move {
                            let _active = active;
                            let Some(stream) =
                                open(mux.tls.as_ref(), tcp, mux.header_read_timeout).await
                            else {
                                return;
                            };
                            serve_connection(mux, stream, conn, &timeouts).await;
                        })
                        .detach();
                    }
                    Err(e) => {
                        tracing::warn!("accept: {e}");
                        smol::Timer::after(Duration::from_millis(10)).await;
                    }
                }
            }
        }
    };
    // The listener is dropped with `accept`: new connections are refused.
    ex.run(futures_lite::future::or(accept, shutdown)).await;
    tracing::info!("shutting down: closing every session");
    for d in &mux.mounts {
        d.clone().shutdown();
    }
    timeouts.close_idle();
    let deadline = Instant::now() + mux.shutdown_timeout;
    let drain = async {
        loop {
            let websockets: usize = mux.mounts.iter().map(|d| d.open_websockets()).sum();
            if active.get() == 0 && websockets == 0 {
                return;
            }
            if Instant::now() >= deadline {
                tracing::warn!(
                    http = active.get(),
                    websockets,
                    "shutdown timeout: dropping the connections still open"
                );
                return;
            }
            smol::Timer::after(DRAIN_TICK).await;
            // Connections that answered their last request close soon
            // after (see `HeadTimeouts::close_idle`).
            timeouts.tick_now();
        }
    };
    ex.run(drain).await;
    Ok(())
}

/// A count of something alive: one more while this value lives.
struct Counted(Rc<Cell<usize>>);

impl Counted {
    fn new(count: Rc<Cell<usize>>) -> Counted {
        count.set(count.get() + 1);
        Counted(count)
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.set(self.0.get() - 1);
    }
}

/// The stream of an accepted connection: TCP as is, or after a TLS
/// handshake (`None` when it fails or takes longer than `limit`).
async fn open(
    tls: Option<&TlsConfig>,
    tcp: Async<TcpStream>,
    limit: Duration,
) -> Option<NetStream> {
    let Some(tls) = tls else {
        return Some(NetStream::Plain(tcp));
    };
    let handshake = async { Some(tls.acceptor().accept(tcp).await) };
    let give_up = async {
        smol::Timer::after(limit).await;
        None
    };
    match futures_lite::future::or(handshake, give_up).await {
        Some(Ok(stream)) => Some(stream.into()),
        Some(Err(e)) => {
            tracing::debug!("TLS handshake: {e}");
            None
        }
        None => {
            tracing::debug!("TLS handshake timed out");
            None
        }
    }
}

/// Serves one connection: without hyper while its requests are the
/// engine's plainest (see [`net::raw_http`]), then with hyper.
async fn serve_connection(
    mux: Rc<Mux>,
    stream: NetStream,
    conn: ConnInfo,
    timeouts: &HeadTimeouts,
) {
    let io = SmolIo::with_clock(stream, timeouts.clock());
    let Some((io, read)) = crate::raw_conn::serve(&mux.mounts, io, &conn).await else {
        return;
    };
    let io = io.with_prefix(Bytes::from(read));
    let svc = service_fn(move |req| {
        // Routed at once: the endpoint takes what it needs from the
        // head before hyper reads on.
        let res = mux.route_request(req, &conn);
        async move { Ok::<_, Infallible>(res.await) }
    });
    net::serve_io(io, svc).await;
}
