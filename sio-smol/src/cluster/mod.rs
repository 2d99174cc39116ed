//! The transport of a cluster member: the Redis link that carries the
//! core's cluster protocol (bytes on channels). Not a stable API yet: it
//! is public for the end-to-end tests.

pub mod redis_bus;
mod redis_conn;
mod redis_follow;
mod redis_link;
mod redis_url;
mod resp;
