//! The server (the binary's default): an Engine.IO echo endpoint plus
//! static files, configured from flags, over HTTP or HTTPS, stopping
//! gracefully on Ctrl-C or SIGTERM.

use sio_core::engine::{CorsConfig, CorsOrigin, EngineConfig};
use sio_smol::tls::TlsConfig;
use sio_smol::{EngineServer, Mux, TrustedProxies};
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

/// The server's flags.
#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// TCP port to listen on.
    #[arg(long, short, default_value_t = 3000, env = "PORT")]
    port: u16,
    /// Address to bind.
    #[arg(long, default_value = "0.0.0.0")]
    host: IpAddr,
    /// Path of the Engine.IO endpoint (with a trailing slash).
    #[arg(long, default_value = "/engine.io/")]
    path: String,
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
}

/// Runs the server until Ctrl-C or SIGTERM.
pub fn run(args: ServeArgs) -> std::io::Result<()> {
    sio_smol::init_logging("info");

    let mut path = args.path.clone();
    if !path.ends_with('/') {
        path.push('/');
    }
    let cors = match args.cors_origins.as_slice() {
        [] => None,
        list if list.iter().any(|o| o == "*") => Some(CorsConfig::any()),
        list => Some(CorsConfig {
            origin: CorsOrigin::List(list.to_vec()),
            ..CorsConfig::any()
        }),
    };
    let mut config = EngineConfig {
        path: path.clone(),
        ping_interval: Duration::from_millis(args.ping_interval),
        ping_timeout: Duration::from_millis(args.ping_timeout),
        max_payload: args.max_payload,
        max_sessions: args.max_sessions,
        cors,
        ..EngineConfig::default()
    };
    if args.no_websocket {
        config.transports = vec![sio_core::engine::Transport::Polling];
    }
    let engine = EngineServer::new(config);
    engine.on_connection(|socket| {
        tracing::info!(sid = %socket.id(), "session open");
        tracing::debug!(
            sid = %socket.id(),
            address = ?socket.remote_address(),
            "client"
        );
        socket.on_message(|socket, msg| {
            let _ = socket.send(msg);
        });
        socket.on_close(|socket, reason| {
            tracing::info!(sid = %socket.id(), reason = reason.as_str(), "session closed");
        });
    });
    let mut mux = Mux::new().mount(&engine);
    if let Some(dir) = &args.static_dir {
        mux = mux.static_dir(dir);
    }
    let scheme = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => {
            let tls = TlsConfig::from_pem_files(cert, key)
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
            mux = mux.tls(tls);
            "https"
        }
        _ => "http",
    };
    if let Some(proxies) = args.trusted_proxies {
        mux = mux.trusted_proxies(proxies);
    }
    let addr = SocketAddr::new(args.host, args.port);
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
