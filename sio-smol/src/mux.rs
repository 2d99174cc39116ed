//! [`Mux`]: one HTTP server for several mounted engines plus the app's own
//! routes ([`Mux::route`], static files, a fallback handler), and how it is
//! served: plain or TLS ([`Mux::tls`]), behind trusted proxies
//! ([`Mux::trusted_proxies`]), until a shutdown signal
//! ([`Mux::serve_until`], [`crate::shutdown_signal`]). Serving it (the
//! accept loop, the shutdown's drain) is in `serve.rs`.

use crate::endpoint::Endpoint;
use crate::net::{self, Body};
use crate::proxy::{ConnInfo, TrustedProxies};
use crate::route::{self, ResponseFuture, RouteHandler};
use crate::tls::TlsConfig;
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use std::future::Future;
use std::path::PathBuf;
use std::rc::Rc;
use std::time::Duration;

/// Something mountable on a [`Mux`] (an engine or a Socket.IO server).
pub struct Mount {
    endpoint: Rc<dyn Endpoint>,
}

impl Mount {
    pub(crate) fn new(endpoint: Rc<dyn Endpoint>) -> Mount {
        Mount { endpoint }
    }
}

type Fallback = Rc<dyn Fn(Request<Incoming>) -> ResponseFuture>;

/// Routes requests: to the first mounted engine whose path matches, else
/// to the route registered for the path ([`Mux::route`]), else to static
/// files, else to the fallback handler, else 404.
///
/// ```no_run
/// use sio_smol::{Mux, Response};
/// use sio_smol::io::SocketIo;
/// use sio_core::socket::ServerConfig;
///
/// let io = SocketIo::new(ServerConfig::default());
/// let mux = Mux::new()
///     .mount(&io)
///     .route("/health", |_req| async { Response::text("ok") });
/// smol::block_on(mux.serve_graceful("127.0.0.1:3000".parse().unwrap())).unwrap();
/// ```
pub struct Mux {
    pub(crate) mounts: Vec<Rc<dyn Endpoint>>,
    routes: Vec<(String, RouteHandler)>,
    default_route: Option<RouteHandler>,
    static_root: Option<PathBuf>,
    fallback: Option<Fallback>,
    pub(crate) header_read_timeout: Duration,
    pub(crate) shutdown_timeout: Duration,
    pub(crate) tls: Option<TlsConfig>,
    pub(crate) proxies: Option<Rc<TrustedProxies>>,
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
            routes: Vec::new(),
            default_route: None,
            static_root: None,
            fallback: None,
            header_read_timeout: Duration::from_secs(30),
            shutdown_timeout: Duration::from_secs(5),
            tls: None,
            proxies: None,
        }
    }

    /// Mounts an engine or Socket.IO server on its configured path.
    pub fn mount(mut self, m: impl Into<Mount>) -> Mux {
        self.mounts.push(m.into().endpoint);
        self
    }

    /// Answers requests for exactly `path` (any method; the query does not
    /// count) with `handler`, an async function of a [`route::Request`]
    /// returning a [`route::Response`]. Mounted engines are matched first;
    /// routes come before static files. A later route for the same path
    /// replaces the earlier one. See [`crate::route`].
    pub fn route<F, Fut>(mut self, path: &str, handler: F) -> Mux
    where
        F: Fn(route::Request) -> Fut + 'static,
        Fut: Future<Output = route::Response> + 'static,
    {
        let handler = route::boxed(handler);
        match self.routes.iter_mut().find(|(p, _)| p == path) {
            Some(slot) => slot.1 = handler,
            None => self.routes.push((path.to_owned(), handler)),
        }
        self
    }

    /// Answers every request nothing else answers (no engine, route or
    /// static file) with `handler`, as [`Mux::route`] does for one path.
    /// Replaces [`Mux::fallback`].
    pub fn default_route<F, Fut>(mut self, handler: F) -> Mux
    where
        F: Fn(route::Request) -> Fut + 'static,
        Fut: Future<Output = route::Response> + 'static,
    {
        self.default_route = Some(route::boxed(handler));
        self.fallback = None;
        self
    }

    /// Serves files under `root` for paths no engine or route claims.
    pub fn static_dir(mut self, root: impl Into<PathBuf>) -> Mux {
        self.static_root = Some(root.into());
        self
    }

    /// Handles requests that neither an engine, a route nor a static file
    /// answers, with hyper's types ([`Mux::default_route`] is the simpler
    /// way). Replaces [`Mux::default_route`].
    pub fn fallback(mut self, f: impl Fn(Request<Incoming>) -> ResponseFuture + 'static) -> Mux {
        self.fallback = Some(Rc::new(f));
        self.default_route = None;
        self
    }

    /// How long a client may take to send a request head (also the idle
    /// keep-alive timeout and the TLS handshake's limit); default 30 s.
    /// Slow clients are disconnected.
    pub fn header_read_timeout(mut self, t: Duration) -> Mux {
        self.header_read_timeout = t;
        self
    }

    /// Serves HTTPS and WSS: every accepted connection starts with a TLS
    /// handshake (see [`crate::tls`]).
    pub fn tls(mut self, config: TlsConfig) -> Mux {
        self.tls = Some(config);
        self
    }

    /// Believes `X-Forwarded-For` (and `X-Forwarded-Proto`) from these
    /// peers: a session's [`handshake address`](crate::Handshake::address)
    /// is then the client's, not the proxy's. Default: no one. See
    /// [`crate::proxy`].
    pub fn trusted_proxies(mut self, proxies: TrustedProxies) -> Mux {
        self.proxies = (!proxies.is_empty()).then(|| Rc::new(proxies));
        self
    }

    /// How long a shutdown waits for open connections to finish (queued
    /// messages written, close frames sent) before it returns anyway;
    /// default 5 s.
    pub fn shutdown_timeout(mut self, t: Duration) -> Mux {
        self.shutdown_timeout = t;
        self
    }

    /// Routes one request that came on a connection described by `conn`.
    pub(crate) fn route_request(&self, req: Request<Incoming>, conn: &ConnInfo) -> ResponseFuture {
        let path = req.uri().path();
        if let Some(d) = self.mounts.iter().find(|d| d.matches(path)) {
            return crate::hyper_door::serve(d.clone(), req, conn);
        }
        if let Some((_, h)) = self.routes.iter().find(|(p, _)| p == path) {
            return route::call(h, req, conn);
        }
        if let Some(root) = &self.static_root {
            if let Some(res) = net::serve_static(root, path, req.method()) {
                return Box::pin(std::future::ready(res));
            }
        }
        if let Some(h) = &self.default_route {
            return route::call(h, req, conn);
        }
        if let Some(f) = &self.fallback {
            return f(req);
        }
        let mut res = Response::new(Body::from("Not Found"));
        *res.status_mut() = StatusCode::NOT_FOUND;
        Box::pin(std::future::ready(res))
    }
}
