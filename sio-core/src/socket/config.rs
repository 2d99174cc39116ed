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

/// Options of a cluster member: by default Node's `@socket.io/redis-adapter`
/// (the classic Pub/Sub adapter's wire protocol, so Node servers and this
/// one form one cluster); with [`ClusterConfig::streams`], Node's
/// `@socket.io/redis-streams-adapter`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterConfig {
    /// The channels' prefix (Node's `key` for the classic adapter,
    /// `channelPrefix` for the streams one; default `socket.io`); the same
    /// on every member.
    pub key: String,
    /// How long a cluster-wide request waits for the other members'
    /// answers (Node's `requestsTimeout`, default 5 s).
    pub requests_timeout: Duration,
    /// Speak the streams adapter's protocol instead of the classic one:
    /// broadcasts and room changes go through a Redis stream, whose entry
    /// ids are the recovery offsets, and sessions are kept in Redis, so
    /// that a client recovers its session on any member (see
    /// [`StreamsConfig`]).
    pub streams: Option<StreamsConfig>,
}

impl Default for ClusterConfig {
    fn default() -> Self {
        ClusterConfig {
            key: "socket.io".to_owned(),
            requests_timeout: Duration::from_secs(5),
            streams: None,
        }
    }
}

/// Options of the streams adapter (Node's `@socket.io/redis-streams-adapter`
/// 0.3.1 and its defaults; one stream, as its `streamCount` 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamsConfig {
    /// The stream's key (Node's `streamName`, default `socket.io`).
    pub stream_name: String,
    /// Approximate bound on the stream's length (Node's `maxLen`, default
    /// 10 000): a client whose offset was trimmed gets a fresh session.
    pub max_len: usize,
    /// Prefix of the session keys (Node's `sessionKeyPrefix`, default
    /// `sio:session:`).
    pub session_key_prefix: String,
}

impl Default for StreamsConfig {
    fn default() -> Self {
        StreamsConfig {
            stream_name: "socket.io".to_owned(),
            max_len: 10_000,
            session_key_prefix: "sio:session:".to_owned(),
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
