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
//! Every role implements [`Protocol`]: the Socket.IO server
//! ([`socket::SioServer`]) and the bare Engine.IO server
//! ([`engine::Engine`]), which the Socket.IO server is built on. One
//! adapter drives either:
//!
//! - Feed every [`Input`] to [`Protocol::handle`] with the current time,
//!   and call [`Protocol::handle_timeout`] once the deadline from
//!   [`Protocol::poll_timeout`] has passed.
//! - After each call, and after each application call that changes the
//!   state (an emit, a join, an ack), drain [`Protocol::poll_output`] until
//!   `None` and carry the [`Output`]s out in order.
//! - A [`ConnId`] is the adapter's id for one HTTP exchange, kept by the
//!   WebSocket the exchange may become; the adapter says when one ends
//!   ([`Input::ConnClosed`]) and never reuses an id the core may still hold.
//! - Peer faults never return `Err` and never panic: they become protocol
//!   output (an HTTP 400, a close code, a CONNECT_ERROR) plus an event.
//!   `Err` means the caller misused the API.
//! - Time never goes backwards inside the core: an earlier `now` than one
//!   already seen is treated as the latest one.
//!
//! What each output asks of the adapter:
//!
//! | output | the adapter |
//! |---|---|
//! | [`Output::HttpResponse`] | writes the response to that exchange (for a held long-poll, possibly much later); for an exchange that asked for a WebSocket it is a refusal |
//! | [`Output::ReadBody`] | reads the request body up to `limit` bytes, then gives [`Input::HttpBody`] or [`Input::HttpBodyTooLarge`] |
//! | [`Output::WsAccept`] | completes the upgrade (`101` with the extra headers) and from then on reads frames into [`Input::WsFrame`], within the message and queue bounds it gives |
//! | [`Output::WsSend`], [`Output::WsSendMany`] | queues the frame on the WebSocket(s), in order; the bytes are shared, not copied |
//! | [`Output::WsFlushMark`] | reports [`Input::WsFlushed`] once the frames sent before it are written and flushed |
//! | [`Output::WsClose`] | closes the WebSocket with the code after what was queued |
//! | [`Output::Event`] | hands the event to the application |
//!
//! ## The client role
//!
//! The same crate holds the client side ([`client`]): [`client::SioClient`]
//! (the Socket.IO client, as `socket.io-client` 4.8: namespaces over one
//! connection, acks, binary, reconnection, recovery) on
//! [`client::EngineClient`] (the Engine.IO client: polling, WebSocket,
//! upgrade, heartbeat). It is driven the same way through
//! [`client::ClientProtocol`], with the directions of HTTP turned round:
//! the core asks for requests to be sent and WebSockets to be opened, the
//! adapter feeds back what came of them. Its module docs show its run loop.
//!
//! ## A complete run loop
//!
//! A Socket.IO server that acknowledges every event with its own arguments
//! (the Engine.IO loop is the same with [`engine::Engine`]):
//!
//! ```no_run
//! use sio_core::socket::{ServerConfig, SioServer, SocketEvent};
//! use sio_core::{Input, Output, Protocol};
//! use std::time::Instant;
//!
//! /// The adapter's I/O: waits for the next input, or until `deadline`.
//! fn next_input(deadline: Option<Instant>) -> Option<Input> {
//!     # let _ = deadline;
//!     None // read sockets here
//! }
//! /// The adapter's I/O: writes a response or frame, closes a connection.
//! fn carry_out(out: Output<SocketEvent>) {
//!     # let _ = out;
//! }
//!
//! let seed = [0u8; 32]; // 32 bytes of OS entropy in a real server
//! let mut server = SioServer::new(ServerConfig::default(), seed);
//! loop {
//!     match next_input(server.poll_timeout()) {
//!         Some(input) => server.handle(Instant::now(), input),
//!         None => server.handle_timeout(Instant::now()),
//!     }
//!     while let Some(out) = server.poll_output() {
//!         match out {
//!             Output::Event(SocketEvent::Event { socket, args, ack: Some(id), .. }) => {
//!                 // The socket may have left since: nothing to answer then.
//!                 let _ = server.ack(socket, id, &args);
//!             }
//!             Output::Event(_) => {} // connects, disconnects, acks, ...
//!             transport => carry_out(transport),
//!         }
//!     }
//! }
//! ```

pub mod admin;
pub mod base64;
pub mod bus;
pub mod client;
pub mod cluster;
mod contract;
pub mod engine;
pub mod fast_hash;
pub mod handshake;
pub mod http;
pub mod sid;
pub mod socket;

pub use contract::{ConnId, FlushId, Input, Output, Protocol, WsFault};
pub use sid::Sid;
