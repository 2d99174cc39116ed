//! [`EngineClient`]: one Engine.IO v4 client connection (handshake over
//! polling or WebSocket, upgrade with probe, heartbeat, batching, close).

use super::config::EngineClientConfig;
use super::contract::{ClientInput, ClientOutput, ClientProtocol};
use super::event::EngineClientEvent;
use crate::engine::Message;
use std::time::Instant;

/// One Engine.IO client connection. Made closed; [`EngineClient::open`]
/// starts the handshake. Once closed (an [`EngineClientEvent::Close`]) it
/// stays closed: a reconnection is a new `EngineClient`.
#[derive(Debug)]
pub struct EngineClient {
    _config: EngineClientConfig,
}

impl EngineClient {
    /// A connection with these options; nothing is sent before `open`.
    pub fn new(config: EngineClientConfig) -> EngineClient {
        EngineClient { _config: config }
    }

    /// Starts the handshake (a polling GET, or a WebSocket).
    pub fn open(&mut self, now: Instant) {
        let _ = now;
        todo!("EngineClient::open")
    }

    /// Queues a message. Sent at once when the transport can take it,
    /// batched into the next POST on polling, held during an upgrade.
    /// Messages sent before the handshake wait for it.
    pub fn send(&mut self, now: Instant, msg: Message) {
        let _ = (now, msg);
        todo!("EngineClient::send")
    }

    /// True when a message sent now would go out without waiting (open, not
    /// upgrading, no POST in flight): the test of a volatile emit.
    pub fn is_writable(&self) -> bool {
        todo!("EngineClient::is_writable")
    }

    /// True once the handshake is done and until the connection closes.
    pub fn is_open(&self) -> bool {
        todo!("EngineClient::is_open")
    }

    /// Closes the connection: sends what is queued and a close packet,
    /// then [`EngineClientEvent::Close`] with `ForcedClose`.
    pub fn close(&mut self, now: Instant) {
        let _ = now;
        todo!("EngineClient::close")
    }
}

impl ClientProtocol for EngineClient {
    type Event = EngineClientEvent;
    fn handle(&mut self, now: Instant, input: ClientInput) {
        let _ = (now, input);
        todo!()
    }
    fn handle_timeout(&mut self, now: Instant) {
        let _ = now;
        todo!()
    }
    fn poll_output(&mut self) -> Option<ClientOutput<EngineClientEvent>> {
        todo!()
    }
    fn poll_timeout(&self) -> Option<Instant> {
        todo!()
    }
}
