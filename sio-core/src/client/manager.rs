//! [`SioClient`]: the Socket.IO v5 client (the official client's Manager
//! and its Sockets): namespaces multiplexed on one Engine.IO connection,
//! events, acks both ways, binary, reconnection with the official backoff,
//! connection state recovery.

use super::config::ClientConfig;
use super::contract::{ClientInput, ClientOutput, ClientProtocol};
use super::event::{AckId, ClientEvent};
use crate::socket::Args;
use bytes::Bytes;
use std::time::{Duration, Instant};

/// Errors of the application's calls (never of the server's input).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The namespace was never opened with [`SioClient::connect`], or it
    /// was left.
    #[error("namespace {0} is not open")]
    UnknownNamespace(String),
    /// The event name is reserved (`connect`, `connect_error`,
    /// `disconnect`, `disconnecting`, `newListener`, `removeListener`).
    #[error("event name {0} is reserved")]
    ReservedEvent(String),
    /// The namespace's send buffer is full (see
    /// [`ClientConfig::max_buffered_packets`]).
    #[error("send buffer of {0} is full")]
    SendBufferFull(String),
    /// The arguments are not a JSON array.
    #[error("arguments must be a JSON array")]
    BadArgs,
    /// The client is closed for good.
    #[error("client is closed")]
    Closed,
}

/// How to emit: the official client's one-shot flags.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EmitOptions {
    /// Ask for an ack; the answer is a [`ClientEvent::Ack`] or
    /// [`ClientEvent::AckError`] with the returned id.
    pub ack: bool,
    /// The ack's timeout (else the config's `ack_timeout`, else none).
    pub timeout: Option<Duration>,
    /// Drop the packet unless the transport can take it now.
    pub volatile: bool,
}

/// The Socket.IO client state machine. Made idle; [`SioClient::connect`]
/// opens a namespace (and the connection, when it is the first).
#[derive(Debug)]
pub struct SioClient {
    _config: ClientConfig,
    _seed: u64,
}

impl SioClient {
    /// A client with these options; `seed` feeds the backoff jitter (the
    /// adapter draws it from OS entropy; tests fix it).
    pub fn new(config: ClientConfig, seed: u64) -> SioClient {
        SioClient {
            _config: config,
            _seed: seed,
        }
    }

    /// Opens a namespace with this CONNECT payload (`auth`, a JSON object;
    /// `None` for none). Opens the connection when it is not open; sent
    /// again on every reconnection (with `pid` and `offset` added when
    /// the server gave a `pid`). Opening a namespace that is open already
    /// changes its auth for the next reconnection.
    pub fn connect(&mut self, now: Instant, nsp: &str, auth: Option<Bytes>) {
        let _ = (now, nsp, auth);
        todo!("SioClient::connect")
    }

    /// Leaves a namespace (sends DISCONNECT); `Disconnect` with
    /// `IoClientDisconnect` follows. The connection closes, with no
    /// reconnection, when no namespace is left.
    pub fn disconnect(&mut self, now: Instant, nsp: &str) -> Result<(), ClientError> {
        let _ = (now, nsp);
        todo!("SioClient::disconnect")
    }

    /// Leaves every namespace and closes the connection for good.
    pub fn close(&mut self, now: Instant) {
        let _ = now;
        todo!("SioClient::close")
    }

    /// Emits an event with raw arguments (a JSON array, with
    /// placeholders for `args.attachments`). Sent now when connected,
    /// else kept in the namespace's send buffer (unless volatile). With
    /// `options.ack`, returns the id the answer will carry.
    pub fn emit(
        &mut self,
        now: Instant,
        nsp: &str,
        event: &str,
        args: Args,
        options: EmitOptions,
    ) -> Result<Option<AckId>, ClientError> {
        let _ = (now, nsp, event, args, options);
        todo!("SioClient::emit")
    }

    /// Answers the server's ack request `id` (from [`ClientEvent::Event`]).
    /// A second answer to the same id is ignored.
    pub fn ack(&mut self, now: Instant, nsp: &str, id: u64, args: Args) -> Result<(), ClientError> {
        let _ = (now, nsp, id, args);
        todo!("SioClient::ack")
    }

    /// The socket id of a connected namespace.
    pub fn socket_id(&self, nsp: &str) -> Option<&str> {
        let _ = nsp;
        todo!("SioClient::socket_id")
    }

    /// True when the namespace is connected.
    pub fn is_connected(&self, nsp: &str) -> bool {
        let _ = nsp;
        todo!("SioClient::is_connected")
    }
}

impl ClientProtocol for SioClient {
    type Event = ClientEvent;
    fn handle(&mut self, now: Instant, input: ClientInput) {
        let _ = (now, input);
        todo!()
    }
    fn handle_timeout(&mut self, now: Instant) {
        let _ = now;
        todo!()
    }
    fn poll_output(&mut self) -> Option<ClientOutput<ClientEvent>> {
        todo!()
    }
    fn poll_timeout(&self) -> Option<Instant> {
        todo!()
    }
}
