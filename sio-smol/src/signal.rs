//! Graceful shutdown on Ctrl-C and `SIGTERM`: [`shutdown_signal`].
//!
//! ```no_run
//! use sio_smol::Mux;
//! use sio_smol::io::SocketIo;
//! use sio_core::socket::ServerConfig;
//!
//! fn main() -> std::io::Result<()> {
//!     let io = SocketIo::new(ServerConfig::default());
//!     let mux = Mux::new().mount(&io);
//!     let listener = sio_smol::bind("127.0.0.1:3000".parse().unwrap())?;
//!     // Serves until Ctrl-C or SIGTERM, then closes every session, waits
//!     // for queued messages to go out (up to `Mux::shutdown_timeout`) and
//!     // returns: the process exits with status 0.
//!     smol::block_on(mux.serve_until(listener, sio_smol::shutdown_signal()))
//!     // Or, the same in one call: mux.serve_graceful(addr)
//! }
//! ```
//!
//! What clients see is what Node's `io.close()` gives them: Socket.IO
//! clients get "transport close" and reconnect by themselves (to another
//! instance, or to this one once it is back), Engine.IO clients a close.
//! A second signal during the drain ends the process at once (status 130).

use async_signal::{Signal, Signals};
use futures_lite::StreamExt;
use std::future::Future;

/// The signals that ask for a shutdown.
fn signals() -> std::io::Result<Signals> {
    #[cfg(unix)]
    let wanted = [Signal::Int, Signal::Term];
    #[cfg(not(unix))]
    let wanted = [Signal::Int];
    Signals::new(wanted)
}

/// Completes at the first Ctrl-C (`SIGINT`) or `SIGTERM`: pass it to
/// [`crate::Mux::serve_until`].
///
/// The handlers are installed when this is called (not when the future
/// is first polled), so a signal that comes in between is not lost. From
/// then on these signals no longer kill the process by themselves. After
/// the first one, a second ends the process at once with status 130, in
/// case the drain takes too long for whoever is waiting. If the handlers
/// cannot be installed, this logs an error and never completes.
pub fn shutdown_signal() -> impl Future<Output = ()> {
    let signals = signals();
    async move {
        let mut signals = match signals {
            Ok(s) => s,
            Err(e) => {
                tracing::error!("cannot listen for Ctrl-C and SIGTERM: {e}");
                return std::future::pending().await;
            }
        };
        if let Some(Ok(sig)) = signals.next().await {
            tracing::info!(signal = ?sig, "shutdown requested");
        }
        let second = std::thread::Builder::new()
            .name("sio-smol second signal".into())
            .spawn(move || {
                smol::block_on(signals.next());
                tracing::warn!("second signal: exiting now");
                std::process::exit(130);
            });
        if let Err(e) = second {
            tracing::debug!("no thread for a second signal: {e}");
        }
    }
}
