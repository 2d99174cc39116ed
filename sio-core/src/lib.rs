//! # sio-core: Engine.IO v4 and Socket.IO v5 as a sans-IO state machine
//!
//! The core consumes HTTP request heads and bodies, WebSocket frames,
//! connection closes and the current time; it produces HTTP responses,
//! frames to write, timer deadlines and application events. It has no
//! runtime, no sockets, no clock and no OS randomness: an adapter (such as
//! `sio-smol`) moves bytes and time in and out, so the core runs in any
//! event loop and is tested with a fake clock.
//!
//! ## The contract
//!
//! - Feed every input to [`engine::Engine::handle`] with the current time,
//!   and call [`engine::Engine::handle_timeout`] when the deadline from
//!   [`engine::Engine::poll_timeout`] passes.
//! - After each call, drain [`engine::Engine::poll_output`] until `None`.
//! - Peer faults never return `Err` and never panic: they become protocol
//!   output (an HTTP 400, a close) plus an event. `Err` means caller misuse.
//! - Time never goes backwards inside the core: an earlier `now` than one
//!   already seen is treated as the latest one.
//!
//! ## A complete run loop
//!
//! ```no_run
//! use sio_core::engine::{Engine, EngineConfig, EngineEvent, Input, Output};
//! use std::time::Instant;
//!
//! # fn next_input() -> Option<Input> { None }
//! # fn write(_: Output) {}
//! let mut engine = Engine::new(EngineConfig::default(), [0u8; 32]); // use OS entropy
//! loop {
//!     // Wait for I/O or until `engine.poll_timeout()`; then:
//!     match next_input() {
//!         Some(input) => engine.handle(Instant::now(), input),
//!         None => engine.handle_timeout(Instant::now()),
//!     }
//!     while let Some(out) = engine.poll_output() {
//!         match out {
//!             Output::Event(EngineEvent::Message { sid, msg }) => {
//!                 // An echo server: send it back.
//!                 engine.send(sid, msg).expect("session is open");
//!             }
//!             Output::Event(_) => {}
//!             other => write(other), // HTTP responses, WebSocket frames, ...
//!         }
//!     }
//! }
//! ```

pub mod base64;
pub mod engine;
pub mod fast_hash;
pub mod handshake;
pub mod http;
pub mod sid;
pub mod socket;

pub use sid::Sid;
