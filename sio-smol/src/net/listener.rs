//! TCP listener setup.

use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};

use socket2::{Domain, Protocol, Socket, Type};

/// Listen backlog: the default (128) overflows when thousands of clients
/// connect at once.
const BACKLOG: i32 = 4096;

/// Binds a non-blocking listener on `addr` with `SO_REUSEADDR` and a listen
/// backlog of 4096.
pub fn bind(addr: SocketAddr) -> io::Result<smol::Async<TcpListener>> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    socket.set_reuse_address(true)?;
    socket.bind(&addr.into())?;
    socket.listen(BACKLOG)?;
    smol::Async::new(TcpListener::from(socket))
}

/// Applies per-connection socket options to an accepted stream (`TCP_NODELAY`).
///
/// Failures are logged at debug level and otherwise ignored.
pub fn configure_accepted(stream: &TcpStream) {
    if let Err(e) = stream.set_nodelay(true) {
        tracing::debug!("set TCP_NODELAY: {e}");
    }
}
