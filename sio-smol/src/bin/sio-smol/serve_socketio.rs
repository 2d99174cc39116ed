//! `sio-smol serve`: a Socket.IO server with no application of its own,
//! alone or as a member of a Redis cluster of Socket.IO servers (Node's
//! `@socket.io/redis-adapter` protocol), where the other members drive its
//! clients: broadcasts, acks, room changes, `fetchSockets`, disconnects.

use crate::server_flags::{ServerFlags, endpoint_path};
use sio_core::socket::{RecoveryConfig, ServerConfig, StreamsConfig};
use sio_smol::Mux;
use sio_smol::admin::{AdminOptions, instrument};
use sio_smol::io::{RedisOptions, SocketIo};
use std::time::Duration;

/// Node's `maxDisconnectionDuration` default, in seconds.
const DEFAULT_RECOVERY_WINDOW: u64 = 120;

/// Serve Socket.IO, alone or as a member of a Redis cluster.
///
/// Serves Socket.IO (protocol v5, for socket.io-client v3/v4) on --path for
/// "/" and the namespaces given with --nsp, and other paths from --static-dir. Every
/// connection is accepted and nothing else is done with it: the server has
/// no events of its own.
///
/// With --redis it joins the cluster of Socket.IO servers sharing that
/// Redis (Node's `@socket.io/redis-adapter` with the same --key): what
/// another member does (`io.to(room).emit`, with `except`, acked
/// broadcasts, `socketsJoin`, `socketsLeave`, `fetchSockets`,
/// `disconnectSockets`) reaches this server's clients, so it can serve as
/// a connection node of a Node application. It has no listeners for
/// `serverSideEmit` (as a Node member without any, it does not answer
/// one that asks for an ack). It connects
/// in the background and reconnects when the link breaks (messages
/// published meanwhile are lost, as with Node's adapter).
///
/// With --adapter streams it speaks Node's `@socket.io/redis-streams-adapter`
/// instead (broadcasts through a Redis stream, sessions kept in Redis):
/// connection state recovery is then on for every namespace (window
/// --recovery-window, 120 s by default, as Node's
/// `maxDisconnectionDuration`), and a client whose member died (even
/// killed with SIGKILL) recovers its session, rooms and missed events on
/// any other member, ours or Node's. --recovery-window alone turns on
/// recovery within this server.
///
/// On Ctrl-C or SIGTERM it stops accepting, closes every session (clients
/// see "transport close" and reconnect), waits for queued messages to go
/// out (a few seconds at most) and exits with status 0.
#[derive(clap::Args, Debug)]
pub struct SocketIoArgs {
    #[command(flatten)]
    server: ServerFlags,
    /// Path of the Socket.IO endpoint (with a trailing slash).
    #[arg(long, default_value = "/socket.io/")]
    path: String,
    /// A namespace to serve besides "/", which is always served, as by
    /// Node's server (repeatable: `--nsp /chat --nsp /admin`).
    #[arg(long = "nsp")]
    nsps: Vec<String>,
    /// Join the cluster on this Redis:
    /// redis://[[user]:password@]host[:port][/db].
    #[arg(long, value_name = "URL")]
    redis: Option<String>,
    /// The cluster's channel prefix (the adapter's `key`): the same on
    /// every member.
    #[arg(long, default_value = "socket.io", requires = "redis")]
    key: String,
    /// Milliseconds a cluster request waits for the other members (the
    /// adapter's `requestsTimeout`).
    #[arg(long, value_name = "MS", default_value_t = 5_000, requires = "redis")]
    requests_timeout: u64,
    /// The cluster protocol: `pubsub` (Node's `@socket.io/redis-adapter`)
    /// or `streams` (Node's `@socket.io/redis-streams-adapter`, with
    /// recovery across members).
    #[arg(long, value_enum, default_value = "pubsub", requires = "redis")]
    adapter: AdapterKind,
    /// Turns connection state recovery on, for this many seconds of
    /// disconnection (default 120 with --adapter streams, off otherwise).
    #[arg(long, value_name = "SECS")]
    recovery_window: Option<u64>,
    /// Turn on the Socket.IO Admin UI's server side (`@socket.io/admin-ui`,
    /// namespace /admin, development mode) with this user name; the UI
    /// (e.g. https://admin.socket.io, allowed with --cors-origin, which
    /// then sends credentials) logs in with it and the password of
    /// --admin-password-hash.
    #[arg(long, value_name = "USER", requires = "admin_password_hash")]
    admin_user: Option<String>,
    /// The bcrypt hash of the admin UI's password (e.g. from
    /// `htpasswd -nbBC 10 "" PASSWORD | tr -d ':\n'`).
    #[arg(long, value_name = "HASH", requires = "admin_user")]
    admin_password_hash: Option<String>,
    /// The admin UI may look but not act (no join, leave, disconnect, emit).
    #[arg(long, requires = "admin_user")]
    admin_readonly: bool,
}

/// The cluster protocols `serve` speaks.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum AdapterKind {
    /// Node's `@socket.io/redis-adapter` (Pub/Sub).
    Pubsub,
    /// Node's `@socket.io/redis-streams-adapter`.
    Streams,
}

/// Runs the server until Ctrl-C or SIGTERM.
pub fn run(args: SocketIoArgs) -> std::io::Result<()> {
    sio_smol::init_logging("info");
    let path = endpoint_path(&args.path);
    let streams = args.redis.is_some() && args.adapter == AdapterKind::Streams;
    let window = args
        .recovery_window
        .or(streams.then_some(DEFAULT_RECOVERY_WINDOW));
    let mut config = ServerConfig {
        engine: args.server.engine_config(&path),
        recovery: window.map(|secs| RecoveryConfig {
            max_disconnection_duration: Duration::from_secs(secs),
            ..RecoveryConfig::default()
        }),
        ..ServerConfig::default()
    };
    if let (Some(cors), Some(_)) = (config.engine.cors.as_mut(), &args.admin_user) {
        cors.credentials = true; // the admin UI's requests carry them
    }
    let io = match &args.redis {
        None => SocketIo::new(config),
        Some(url) => {
            let options = RedisOptions {
                key: args.key.clone(),
                requests_timeout: Duration::from_millis(args.requests_timeout),
                streams: streams.then(StreamsConfig::default),
                ..RedisOptions::default()
            };
            let io = SocketIo::with_redis(config, url, options)
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
            tracing::info!(
                key = %args.key,
                adapter = ?args.adapter,
                uid = io.cluster_uid().unwrap_or_default(),
                "joining the Redis cluster"
            );
            io
        }
    };
    if let (Some(user), Some(hash)) = (&args.admin_user, &args.admin_password_hash) {
        let options = AdminOptions {
            readonly: args.admin_readonly,
            ..AdminOptions::basic(user, hash)
        };
        instrument(&io, options)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
        tracing::info!(user, readonly = args.admin_readonly, "admin UI on /admin");
    }
    for nsp in &args.nsps {
        // Declared, so that clients may connect; the library logs each
        // connection and disconnection.
        io.of(&crate::connect::normalize(nsp));
    }
    args.server.serve(Mux::new().mount(&io), &path)
}
