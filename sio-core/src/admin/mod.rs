//! The server side of the Socket.IO Admin UI (`@socket.io/admin-ui`
//! 0.5.1's `instrument`), inside the core so that every adapter gets it.
//!
//! [`SioServer::instrument`](crate::socket::SioServer::instrument) turns it
//! on. The admin namespace (`/admin` by default) is then the UI's:
//!
//! - **Authentication.** With [`BasicAuth`], a CONNECT whose auth has a
//!   `sessionId` the server handed out connects at once; one whose
//!   `username` matches waits while the adapter checks its `password`
//!   against the bcrypt hash, off its event loop
//!   ([`SocketEvent::AdminLogin`](crate::socket::SocketEvent::AdminLogin),
//!   answered by [`SioServer::admin_login_checked`](crate::socket::SioServer::admin_login_checked));
//!   anything else gets CONNECT_ERROR `invalid credentials`. A successful
//!   login gets a `session` event with a new session id (the last
//!   [`MAX_SESSIONS`] are kept; an older one no longer logs in).
//! - **On connect** an admin socket gets `config` (`{"supportedFeatures":
//!   [..]}`) and, in [`AdminMode::Development`], `all_sockets`: every
//!   socket of every namespace, serialized as Node does (`id`, `clientId`,
//!   `transport`, `nsp`, `data`, `handshake`, `rooms`). That list is sent
//!   in full: one message of about 1 KB per socket (mostly its handshake
//!   headers), built when an admin connects.
//! - **Every 2 s** the admin sockets get `server_stats` (`serverId`,
//!   `hostname`, `pid`, `uptime`, `clientsCount`, `pollingClientsCount`,
//!   `aggregatedEvents`, `namespaces`): counting polling clients walks the
//!   sessions, once per period. The aggregated events (`rawConnection`,
//!   `rawDisconnection` by reason, `packetsIn`/`bytesIn` for messages
//!   received, per second; `packetsOut`/`bytesOut` for the Socket.IO
//!   messages sent, per recipient, stamped with the second of the stats)
//!   are cleared at each period; at most
//!   [`MAX_AGGREGATES`] kinds per period are kept, more are dropped.
//! - **Live updates** (development mode), sent only to connected admin
//!   sockets and built only when there is one: `socket_connected`,
//!   `socket_updated` (transport upgrade, new data), `socket_disconnected`
//!   (then `room_left` for each of its rooms, as Node's adapter reports),
//!   `room_joined`, `room_left`, `event_received` (events from clients
//!   outside the admin namespace), `event_sent` (single-socket emits).
//! - **Actions** from admin sockets (unless [`AdminConfig::readonly`]):
//!   `emit`, `join`, `leave` and `_disconnect`, with Socket.IO v4's
//!   meaning (the third argument selects the sockets of a room, a socket's
//!   id for one socket), on every cluster member when the server is one.
//!   Events of admin sockets go to these actions, never to the
//!   application.
//! - **In a cluster** the stats and live updates go to every member's
//!   admin sockets (Node's `adminNamespace.emit`), so the UI sees every
//!   server; as no member knows whether an admin is connected elsewhere, a
//!   member in development mode publishes every update. `all_sockets`
//!   lists this server's sockets only (Node's fetches every member's).
//!
//! Timestamps are JavaScript dates (ISO strings): the wall clock comes
//! from the adapter once ([`AdminConfig::started_unix_ms`]) and moves with
//! the core's clock.

mod hooks;
mod login;
mod state;

pub use hooks::STATS_PERIOD;
pub(crate) use state::AdminState;

/// How many login sessions are remembered (the oldest is forgotten).
pub const MAX_SESSIONS: usize = 64;
/// Most aggregated-event kinds (per second, type and sub-type) kept
/// between two `server_stats`; more are dropped until the next one.
pub const MAX_AGGREGATES: usize = 256;

/// How much the admin UI is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum AdminMode {
    /// Lists of sockets and rooms, and live updates of every connection,
    /// room change and event (Node's `mode: "development"`, its default).
    #[default]
    Development,
    /// Only the periodic stats (Node's `mode: "production"`).
    Production,
}

/// Basic authentication: a user name and a bcrypt hash of the password.
#[derive(Clone, PartialEq, Eq)]
pub struct BasicAuth {
    /// The user name.
    pub username: String,
    /// The bcrypt hash of the password (`$2a$`, `$2b$`, `$2y$`).
    pub password_hash: String,
}

impl std::fmt::Debug for BasicAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BasicAuth")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// The admin UI's options (Node's `instrument` options), plus what only
/// the adapter knows: the host name, the process id and the wall clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminConfig {
    /// The admin namespace (default `/admin`).
    pub namespace: String,
    /// The UI's login; `None` lets anyone in (Node's `auth: false`).
    pub auth: Option<BasicAuth>,
    /// Refuse the UI's actions (default false).
    pub readonly: bool,
    /// Lists and live updates, or stats only.
    pub mode: AdminMode,
    /// The server's id in the stats (Node's `serverId`; the host name when empty).
    pub server_id: String,
    /// The host name in the stats.
    pub hostname: String,
    /// The process id in the stats.
    pub pid: u32,
    /// The wall clock (ms since the Unix epoch) when the server first
    /// sees the time after this config is given: timestamps count from it.
    pub started_unix_ms: u64,
}

impl Default for AdminConfig {
    fn default() -> Self {
        AdminConfig {
            namespace: "/admin".to_owned(),
            auth: None,
            readonly: false,
            mode: AdminMode::Development,
            server_id: String::new(),
            hostname: String::new(),
            pid: 0,
            started_unix_ms: 0,
        }
    }
}

/// A password to check for an admin login. Its `Debug` hides both
/// fields: neither the password nor the hash belongs in a log.
#[derive(Clone, PartialEq, Eq)]
pub struct AdminLogin {
    /// The password the UI sent.
    pub password: String,
    /// The bcrypt hash it must match ([`BasicAuth::password_hash`]).
    pub hash: String,
}

impl std::fmt::Debug for AdminLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AdminLogin { .. }")
    }
}
