//! What both server modes share: the listening, transport and TLS flags
//! ([`ServerFlags`]), the Engine.IO options built from them, and serving a
//! [`Mux`] with them until Ctrl-C or SIGTERM.

use sio_core::engine::{
    CorsConfig, CorsOrigin, EngineConfig, HttpCompression, PerMessageDeflate, Transport,
};
use sio_smol::tls::TlsConfig;
use sio_smol::{Mux, TrustedProxies};
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

/// The flags of both server modes (the endpoint's path is each mode's own:
/// their defaults differ).
#[derive(clap::Args, Debug)]
pub struct ServerFlags {
    /// TCP port to listen on.
    #[arg(long, short, default_value_t = 3000, env = "PORT")]
    port: u16,
    /// Address to bind.
    #[arg(long, default_value = "0.0.0.0")]
    host: IpAddr,
    /// Directory of static files served on other paths.
    #[arg(long)]
    static_dir: Option<PathBuf>,
    /// Milliseconds between server pings.
    #[arg(long, default_value_t = 25_000)]
    ping_interval: u64,
    /// Milliseconds to wait for a pong before closing the session.
    #[arg(long, default_value_t = 20_000)]
    ping_timeout: u64,
    /// Largest POST body or WebSocket message, in bytes.
    #[arg(long, default_value_t = 1_000_000)]
    max_payload: usize,
    /// Allow cross-origin requests from this origin (repeatable; `*` for any).
    #[arg(long = "cors-origin")]
    cors_origins: Vec<String>,
    /// Polling only: do not offer or accept WebSocket.
    #[arg(long)]
    no_websocket: bool,
    /// Most sessions open at once; handshakes beyond get HTTP 503.
    #[arg(long, default_value_t = 1_000_000)]
    max_sessions: usize,
    /// Also accept Engine.IO v3 clients (socket.io-client 2.x, engine.io-client
    /// 3.x), as Node's `allowEIO3`.
    #[arg(long)]
    allow_eio3: bool,
    /// PEM certificate chain (server certificate first): serve HTTPS/WSS.
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// PEM private key of --tls-cert.
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Believe X-Forwarded-For from these proxies (comma-separated
    /// addresses or networks, e.g. 127.0.0.1,10.0.0.0/8).
    #[arg(long)]
    trusted_proxies: Option<TrustedProxies>,
    /// Compress polling responses from this many bytes (gzip or deflate,
    /// as the client accepts); 0 turns it off.
    #[arg(long, value_name = "BYTES", default_value_t = 1024)]
    http_compression: usize,
    /// Offer permessage-deflate on WebSockets, compressing messages from
    /// this many bytes (off unless given).
    #[arg(long, value_name = "BYTES")]
    per_message_deflate: Option<usize>,
}

/// `path` with a trailing slash (an endpoint's path is a prefix).
pub fn endpoint_path(path: &str) -> String {
    let mut path = path.to_owned();
    if !path.ends_with('/') {
        path.push('/');
    }
    path
}

impl ServerFlags {
    /// The Engine.IO options these flags set, for an endpoint at `path`.
    pub fn engine_config(&self, path: &str) -> EngineConfig {
        let cors = match self.cors_origins.as_slice() {
            [] => None,
            list if list.iter().any(|o| o == "*") => Some(CorsConfig::any()),
            list => Some(CorsConfig {
                origin: CorsOrigin::List(list.to_vec()),
                ..CorsConfig::any()
            }),
        };
        let mut config = EngineConfig {
            path: path.to_owned(),
            ping_interval: Duration::from_millis(self.ping_interval),
            ping_timeout: Duration::from_millis(self.ping_timeout),
            max_payload: self.max_payload,
            max_sessions: self.max_sessions,
            allow_eio3: self.allow_eio3,
            cors,
            http_compression: (self.http_compression > 0).then(|| HttpCompression {
                threshold: self.http_compression,
                ..HttpCompression::default()
            }),
            per_message_deflate: self.per_message_deflate.map(|threshold| PerMessageDeflate {
                threshold,
                ..PerMessageDeflate::default()
            }),
            ..EngineConfig::default()
        };
        if self.no_websocket {
            config.transports = vec![Transport::Polling];
        }
        config
    }

    /// Serves `mux` (with the static files, TLS and trusted proxies these
    /// flags set) until Ctrl-C or SIGTERM, then shuts down gracefully.
    /// Logs `sio-smol listening on <scheme>://<address><path>` once bound
    /// (tests read the address from it).
    pub fn serve(self, mut mux: Mux, path: &str) -> std::io::Result<()> {
        if let Some(dir) = &self.static_dir {
            mux = mux.static_dir(dir);
        }
        let scheme = match (&self.tls_cert, &self.tls_key) {
            (Some(cert), Some(key)) => {
                let tls = TlsConfig::from_pem_files(cert, key)
                    .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
                mux = mux.tls(tls);
                "https"
            }
            _ => "http",
        };
        if let Some(proxies) = self.trusted_proxies {
            mux = mux.trusted_proxies(proxies);
        }
        let addr = SocketAddr::new(self.host, self.port);
        let listener = sio_smol::bind(addr)?;
        // The address bound (with `--port 0`, the port the OS chose).
        let bound = listener.get_ref().local_addr()?;
        // Installed before the server runs: a signal from now on is a shutdown.
        let shutdown = sio_smol::shutdown_signal();
        tracing::info!("sio-smol listening on {scheme}://{bound}{path}");
        smol::block_on(mux.serve_until(listener, shutdown))?;
        tracing::info!("sio-smol stopped");
        Ok(())
    }
}
