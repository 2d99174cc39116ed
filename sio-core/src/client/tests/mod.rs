//! Tests of the client roles: each side against this crate's own server
//! ([`pair::Pair`]: in memory, virtual clock, no sleeps), and scripted
//! servers for what a real one never does (bad status codes, garbage).

mod buffer;
mod engine;
#[allow(dead_code)] // helpers for the Socket.IO tests too
mod pair;
mod reconnect;
mod retries;
mod sio;
