//! Socket.IO server options.

use crate::engine::EngineConfig;
use std::time::Duration;

/// Socket.IO server options; the defaults match the reference server.
#[derive(Debug)]
pub struct ServerConfig {
    /// The Engine.IO layer's options (path `/socket.io/` by default).
    pub engine: EngineConfig,
    /// A client that joins no namespace within this time is disconnected
    /// (default 45 s).
    pub connect_timeout: Duration,
    /// Most binary attachments in one packet (default 10, as the reference
    /// parser); more is a parse error that closes the connection.
    pub max_attachments: usize,
    /// Most bytes of attachments in one packet (default 10 MB); more is a
    /// parse error.
    pub max_attachment_bytes: usize,
    /// Most acks a socket may have outstanding (default 1024);
    /// [`super::SioServer::emit_with_ack`] refuses more.
    pub max_pending_acks: usize,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            engine: EngineConfig::default(),
            connect_timeout: Duration::from_secs(45),
            max_attachments: 10,
            max_attachment_bytes: 10_000_000,
            max_pending_acks: 1024,
        }
    }
}
