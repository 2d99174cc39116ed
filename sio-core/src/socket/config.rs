//! Socket.IO server options.

use super::decoder::DecoderLimits;
use super::parser::{JsonParser, Parser};
use super::recovery::RecoveryConfig;
use crate::engine::EngineConfig;
use std::fmt;
use std::time::Duration;

/// Socket.IO server options; the defaults match the reference server.
pub struct ServerConfig {
    /// The Engine.IO layer's options (path `/socket.io/` by default).
    pub engine: EngineConfig,
    /// A client that joins no namespace within this time is disconnected
    /// (default 45 s).
    pub connect_timeout: Duration,
    /// The wire format (default [`JsonParser`] with 10 attachments and
    /// 10 MB of attachments per packet, as the reference parser; more is a
    /// parse error that closes the connection).
    pub parser: Box<dyn Parser>,
    /// Most acks a socket may have outstanding (default 1024);
    /// [`super::SioServer::emit_with_ack`] refuses more.
    pub max_pending_acks: usize,
    /// Connection state recovery, off by default (see [`RecoveryConfig`]).
    pub recovery: Option<RecoveryConfig>,
    /// Membership of a cluster of servers joined by a message bus, off by
    /// default (see [`ClusterConfig`]).
    pub cluster: Option<ClusterConfig>,
}

/// Options of a cluster member, as Node's `@socket.io/redis-adapter`
/// (its wire protocol, so Node servers and this one form one cluster).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterConfig {
    /// The channels' prefix (Node's `key`, default `socket.io`); the same
    /// on every member.
    pub key: String,
    /// How long a cluster-wide request waits for the other members'
    /// answers (Node's `requestsTimeout`, default 5 s).
    pub requests_timeout: Duration,
}

impl Default for ClusterConfig {
    fn default() -> Self {
        ClusterConfig {
            key: "socket.io".to_owned(),
            requests_timeout: Duration::from_secs(5),
        }
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            engine: EngineConfig::default(),
            connect_timeout: Duration::from_secs(45),
            parser: Box::new(JsonParser {
                limits: DecoderLimits::default(),
            }),
            max_pending_acks: 1024,
            recovery: None,
            cluster: None,
        }
    }
}

impl fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerConfig")
            .field("engine", &self.engine)
            .field("connect_timeout", &self.connect_timeout)
            .field("max_pending_acks", &self.max_pending_acks)
            .field("recovery", &self.recovery)
            .field("cluster", &self.cluster)
            .finish_non_exhaustive()
    }
}
