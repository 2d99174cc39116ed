//! The streams adapter's side of the member (`@socket.io/redis-streams-adapter`).

use crate::bus::BusInput;
use crate::socket::server::SioServer;

impl SioServer {
    /// Takes a report of the streams family of the bus.
    pub(crate) fn on_streams_bus(&mut self, input: BusInput) {
        let _ = input;
    }
}
