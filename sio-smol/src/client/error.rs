//! The client's errors, typed by what failed.

use crate::io::ArgsError;
use sio_core::client::ClientError;

/// Why [`super::Client::connect`] could not start a client.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SetupError {
    /// The URL is not `http[s]://host[:port][/nsp][?query]` (or `ws[s]://`).
    #[error("bad server URL: {0}")]
    Url(String),
    /// The TLS settings could not be made (e.g. a root PEM holds no certificate).
    #[error("TLS: {0}")]
    Tls(String),
    /// The client runtime's thread could not be started.
    #[error("starting the client thread: {0}")]
    Thread(#[from] std::io::Error),
}

/// Why an emit was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EmitError {
    /// The value could not be serialised as arguments.
    #[error(transparent)]
    Args(#[from] ArgsError),
    /// The core refused it: a reserved event name, a namespace not open,
    /// a full send buffer ([`super::ClientOptions::max_buffered_packets`]),
    /// or a closed client.
    #[error(transparent)]
    Client(#[from] ClientError),
}

/// Why an awaited ack did not come.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AckError {
    /// No ack within the timeout (`"operation has timed out"`).
    #[error("operation has timed out")]
    Timeout,
    /// The connection dropped after the packet was sent (`"socket has
    /// been disconnected"`), or the client was closed.
    #[error("socket has been disconnected")]
    Disconnected,
    /// The emit itself was refused.
    #[error("emit refused: {0}")]
    Emit(#[from] EmitError),
    /// The answer did not have the expected type.
    #[error("bad ack arguments: {0}")]
    Args(ArgsError),
}

/// A namespace's connection failed (`connect_error`).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ConnectFailure {
    /// The message (`err.message`): the server's, or what failed locally.
    pub message: String,
    /// The server's `data`, when it refused the namespace with some.
    pub data: Option<serde_json::Value>,
    /// The server refused the namespace: no retry follows.
    pub(crate) refused: bool,
}

impl ConnectFailure {
    /// True when the server refused the namespace (`44`): it is no longer
    /// open and is not retried; [`super::ClientSocket::connect`] tries
    /// again. False when the connection failed to open (retried when
    /// reconnection is on).
    pub fn refused(&self) -> bool {
        self.refused
    }
}

impl std::fmt::Display for ConnectFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Why [`super::ClientSocket::ready`] did not resolve.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ReadyError {
    /// The namespace did not connect in time.
    #[error("not connected in time")]
    Timeout,
    /// The namespace's connection failed (`connect_error`).
    #[error("connect error: {0}")]
    Connect(ConnectFailure),
    /// The client was closed, or gave up reconnecting.
    #[error("client is closed")]
    Closed,
}
