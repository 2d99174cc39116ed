//! [`Mux`]: one HTTP server for several mounted engines plus the app's own
//! routes (static files or a handler), and the accept loop that runs it.

use crate::driver::{Core, Driver};
use crate::net::raw_http::RawHead;
use crate::net::{self, Body, HeadTimeouts, SmolIo};
use bytes::Bytes;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use smol::{Async, LocalExecutor};
use std::cell::Cell;
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::pin::Pin;
use std::rc::Rc;
use std::time::Duration;

/// What the router needs of a mounted server, whatever its core.
pub(crate) trait Endpoint {
    /// True when a request for `path` belongs here.
    fn matches(&self, path: &str) -> bool;
    /// Serves one request.
    fn serve(self: Rc<Self>, req: Request<Incoming>) -> ResponseFuture;
    /// Serves a WebSocket upgrade request read without hyper, on `stream`
    /// (`key`: its `Sec-WebSocket-Key`; `leftover`: the bytes after its
    /// head).
    fn serve_upgrade(
        self: Rc<Self>,
        head: &RawHead<'_, '_>,
        key: &[u8],
        stream: Async<TcpStream>,
        leftover: Vec<u8>,
    ) -> ConnFuture;
    /// Serves a `GET` or `POST` read without hyper, with its whole `body`;
    /// `None` when its path needs hyper after all.
    fn serve_plain(self: Rc<Self>, head: &RawHead<'_, '_>, body: Bytes) -> Option<PlainFuture>;
    /// Starts background work (timers) on the server's executor.
    fn start(self: Rc<Self>, ex: &Rc<LocalExecutor<'static>>);
    /// Closes every session.
    fn shutdown(self: Rc<Self>);
}

impl<C: Core> Endpoint for Driver<C> {
    fn matches(&self, path: &str) -> bool {
        self.engine().matches_path(path)
    }
    fn serve(self: Rc<Self>, req: Request<Incoming>) -> ResponseFuture {
        Box::pin(crate::endpoint::serve(self, req))
    }
    fn serve_upgrade(
        self: Rc<Self>,
        head: &RawHead<'_, '_>,
        key: &[u8],
        stream: Async<TcpStream>,
        leftover: Vec<u8>,
    ) -> ConnFuture {
        Box::pin(crate::endpoint::serve_upgrade(
            self, head, key, stream, leftover,
        ))
    }
    fn serve_plain(self: Rc<Self>, head: &RawHead<'_, '_>, body: Bytes) -> Option<PlainFuture> {
        Some(Box::pin(crate::endpoint::serve_plain(self, head, body)))
    }
    fn start(self: Rc<Self>, ex: &Rc<LocalExecutor<'static>>) {
        Driver::start(&self, ex)
    }
    fn shutdown(self: Rc<Self>) {
        self.with_engine(|e| e.shutdown());
    }
}

/// Something mountable on a [`Mux`] (an engine or a Socket.IO server).
pub struct Mount {
    endpoint: Rc<dyn Endpoint>,
}

impl Mount {
    pub(crate) fn new(endpoint: Rc<dyn Endpoint>) -> Mount {
        Mount { endpoint }
    }
}

/// A boxed, thread-local future serving a whole connection.
pub(crate) type ConnFuture = Pin<Box<dyn Future<Output = ()>>>;

/// A boxed, thread-local future of the core's answer to a request.
pub(crate) type PlainFuture = Pin<Box<dyn Future<Output = sio_core::http::HttpResponse>>>;

/// A boxed, thread-local response future.
pub type ResponseFuture = Pin<Box<dyn Future<Output = Response<Body>>>>;

type Fallback = Rc<dyn Fn(Request<Incoming>) -> ResponseFuture>;

/// Routes requests: to the first mounted engine whose path matches, else to
/// static files, else to the fallback handler, else 404.
pub struct Mux {
    mounts: Vec<Rc<dyn Endpoint>>,
    static_root: Option<PathBuf>,
    fallback: Option<Fallback>,
    header_read_timeout: Duration,
}

impl Default for Mux {
    fn default() -> Self {
        Mux::new()
    }
}

impl Mux {
    /// An empty router.
    pub fn new() -> Mux {
        Mux {
            mounts: Vec::new(),
            static_root: None,
            fallback: None,
            header_read_timeout: Duration::from_secs(30),
        }
    }

    /// Mounts an engine or Socket.IO server on its configured path.
    pub fn mount(mut self, m: impl Into<Mount>) -> Mux {
        self.mounts.push(m.into().endpoint);
        self
    }

    /// Serves files under `root` for paths no engine claims.
    pub fn static_dir(mut self, root: impl Into<PathBuf>) -> Mux {
        self.static_root = Some(root.into());
        self
    }

    /// Handles requests that neither an engine nor a static file answers.
    pub fn fallback(mut self, f: impl Fn(Request<Incoming>) -> ResponseFuture + 'static) -> Mux {
        self.fallback = Some(Rc::new(f));
        self
    }

    /// How long a client may take to send a request head (also the idle
    /// keep-alive timeout); default 30 s. Slow clients are disconnected.
    pub fn header_read_timeout(mut self, t: Duration) -> Mux {
        self.header_read_timeout = t;
        self
    }

    /// Binds `addr` and serves forever.
    pub async fn serve(self, addr: SocketAddr) -> io::Result<()> {
        let listener = net::bind(addr)?;
        self.serve_until(listener, std::future::pending()).await
    }

    /// Serves on `listener` until `shutdown` completes, then closes every
    /// session (reason "server shutting down"), gives open connections up
    /// to a second to finish, and returns.
    pub async fn serve_until(
        self,
        listener: Async<TcpListener>,
        shutdown: impl Future<Output = ()>,
    ) -> io::Result<()> {
        let ex = Rc::new(LocalExecutor::new());
        for d in &self.mounts {
            d.clone().start(&ex);
        }
        let timeouts = net::HeadTimeouts::new(self.header_read_timeout);
        ex.spawn(timeouts.clone().run()).detach();
        let mux = Rc::new(self);
        let active = Rc::new(Cell::new(0usize));
        let accept = {
            let (ex2, mux, active) = (ex.clone(), mux.clone(), active.clone());
            async move {
                loop {
                    match listener.accept().await {
                        Ok((tcp, _)) => {
                            net::configure_accepted(tcp.get_ref());
                            let mux = mux.clone();
                            let active = active.clone();
                            let timeouts = timeouts.clone();
                            ex2.spawn(async move {
                                active.set(active.get() + 1);
                                mux.serve_connection(tcp, &timeouts).await;
                                active.set(active.get() - 1);
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
        ex.run(futures_lite::future::or(accept, shutdown)).await;
        for d in &mux.mounts {
            d.clone().shutdown();
        }
        let drain = async {
            let deadline = std::time::Instant::now() + Duration::from_secs(1);
            while active.get() > 0 && std::time::Instant::now() < deadline {
                smol::Timer::after(Duration::from_millis(20)).await;
            }
        };
        ex.run(drain).await;
        Ok(())
    }

    /// Serves one connection: without hyper while its requests are the
    /// engine's plainest (see [`net::raw_http`]), then with hyper.
    async fn serve_connection(self: Rc<Self>, tcp: Async<TcpStream>, timeouts: &HeadTimeouts) {
        let io = SmolIo::with_clock(tcp, timeouts.clock());
        let Some((io, read)) = crate::raw_conn::serve(&self.mounts, io).await else {
            return;
        };
        let io = io.with_prefix(Bytes::from(read));
        let mux = self;
        let svc = service_fn(move |req| {
            // Routed at once: the endpoint takes what it needs from the
            // head before hyper reads on.
            let res = mux.route(req);
            async move { Ok::<_, Infallible>(res.await) }
        });
        net::serve_io(io, svc).await;
    }

    fn route(&self, req: Request<Incoming>) -> ResponseFuture {
        let path = req.uri().path();
        if let Some(d) = self.mounts.iter().find(|d| d.matches(path)) {
            return d.clone().serve(req);
        }
        if let Some(root) = &self.static_root {
            if let Some(res) = net::serve_static(root, path, req.method()) {
                return Box::pin(std::future::ready(res));
            }
        }
        if let Some(f) = &self.fallback {
            return f(req);
        }
        let mut res = Response::new(Body::from("Not Found"));
        *res.status_mut() = StatusCode::NOT_FOUND;
        Box::pin(std::future::ready(res))
    }
}
