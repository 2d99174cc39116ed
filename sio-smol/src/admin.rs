//! The Socket.IO Admin UI (`@socket.io/admin-ui`): [`instrument`] turns on
//! its server side, as Node's `instrument(io, options)` does.
//!
//! The protocol lives in the core ([`sio_core::admin`]); this module gives
//! it what only the adapter knows (the host name, the process id, the wall
//! clock) and checks the UI's password with bcrypt on smol's blocking
//! thread pool, so that a login (tens of milliseconds of hashing by
//! design) never stalls the server's event loop.
//!
//! ```no_run
//! use sio_smol::admin::{AdminOptions, instrument};
//! use sio_smol::io::SocketIo;
//! use sio_core::socket::ServerConfig;
//!
//! let io = SocketIo::new(ServerConfig::default());
//! // A bcrypt hash of the password ("changeit" here), e.g. from
//! // `htpasswd -nbBC 10 "" PASSWORD | tr -d ':\n'`.
//! let hash = "$2a$10$h/Mvi1ToptUppeIZd0LwouJ.wGAR7dm/vmTVdpy9R5uhAuYs5l0sq";
//! instrument(&io, AdminOptions::basic("admin", hash)).expect("a valid bcrypt hash");
//! ```

use crate::io::SocketIo;
use sio_core::admin::{AdminConfig, AdminLogin};
pub use sio_core::admin::{AdminMode, BasicAuth};
use sio_core::socket::{SioServer, SocketId};
use std::str::FromStr;
use std::time::SystemTime;

/// The instrument's options (Node's `instrument` options).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminOptions {
    /// The admin namespace (default `/admin`).
    pub namespace: String,
    /// The UI's login; `None` lets anyone in (Node's `auth: false`).
    pub auth: Option<BasicAuth>,
    /// Refuse the UI's actions (join, leave, disconnect, emit).
    pub readonly: bool,
    /// Lists and live updates ([`AdminMode::Development`], the default) or
    /// stats only.
    pub mode: AdminMode,
    /// The server's id in the stats (default: the host name).
    pub server_id: Option<String>,
}

impl AdminOptions {
    /// Basic authentication: `username` and a bcrypt hash of the password.
    pub fn basic(username: &str, password_hash: &str) -> AdminOptions {
        AdminOptions::with_auth(Some(BasicAuth {
            username: username.to_owned(),
            password_hash: password_hash.to_owned(),
        }))
    }

    /// No authentication: anyone reaching the server may use the UI
    /// (Node's `auth: false`; use with caution).
    pub fn without_auth() -> AdminOptions {
        AdminOptions::with_auth(None)
    }

    fn with_auth(auth: Option<BasicAuth>) -> AdminOptions {
        AdminOptions {
            namespace: "/admin".to_owned(),
            auth,
            readonly: false,
            mode: AdminMode::Development,
            server_id: None,
        }
    }
}

/// Why [`instrument`] refused its options.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AdminError {
    /// The password is not a bcrypt hash (Node: "the `password` field must
    /// be a valid bcrypt hash").
    #[error("the password must be a valid bcrypt hash")]
    InvalidHash,
}

/// Turns on the admin UI's server side on `io` (see [`sio_core::admin`]
/// for the protocol and its costs). Call it before serving.
pub fn instrument(io: &SocketIo, options: AdminOptions) -> Result<(), AdminError> {
    if let Some(auth) = &options.auth {
        bcrypt::HashParts::from_str(&auth.password_hash).map_err(|_| AdminError::InvalidHash)?;
    }
    let hostname = hostname();
    let started_unix_ms = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    let config = AdminConfig {
        namespace: options.namespace,
        auth: options.auth,
        readonly: options.readonly,
        mode: options.mode,
        server_id: options.server_id.unwrap_or_default(),
        hostname,
        pid: std::process::id(),
        started_unix_ms,
    };
    io.shared.driver.with_engine(|c| c.instrument(config));
    Ok(())
}

/// The host name (Node's `os.hostname()`), from the kernel on Linux, else
/// the environment; `localhost` when unknown.
fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_owned())
}

/// Checks an admin login's password off the event loop, then tells the
/// core (see [`sio_core::socket::SocketEvent::AdminLogin`]).
pub(crate) fn check_login(
    driver: &std::rc::Rc<crate::driver::Driver<SioServer>>,
    socket: SocketId,
    check: AdminLogin,
) {
    let after = driver.clone();
    driver.spawn(async move {
        let ok = smol::unblock(move || {
            bcrypt::verify(check.password.as_bytes(), &check.hash).unwrap_or(false)
        })
        .await;
        after.with_engine(|c| {
            let _ = c.admin_login_checked(socket, ok);
        });
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use sio_core::socket::ServerConfig;

    #[test]
    fn a_password_that_is_not_a_bcrypt_hash_is_refused() {
        let io = SocketIo::new(ServerConfig::default());
        assert_eq!(
            instrument(&io, AdminOptions::basic("admin", "changeit")),
            Err(AdminError::InvalidHash)
        );
        let hash = "$2a$10$h/Mvi1ToptUppeIZd0LwouJ.wGAR7dm/vmTVdpy9R5uhAuYs5l0sq";
        assert_eq!(instrument(&io, AdminOptions::basic("admin", hash)), Ok(()));
        assert_eq!(instrument(&io, AdminOptions::without_auth()), Ok(()));
    }

    #[test]
    fn the_host_name_is_never_empty() {
        assert!(!hostname().is_empty());
    }
}
