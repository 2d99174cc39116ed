//! [`ClientMsg`]: an event from the server, with its arguments and, when
//! the server asked for one, the means to acknowledge it (the server's
//! `emitWithAck`).

use super::socket::ClientSocket;
use crate::io::{ArgsError, args_as, args_from_array, args_from_value, first_arg};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sio_core::socket::Args;
use std::sync::{Arc, Mutex};

/// An event received from the server: what [`ClientSocket::on`] handlers
/// get. `Send`: it may be moved to another thread and acknowledged there.
#[derive(Clone)]
pub struct ClientMsg {
    event: String,
    args: Args,
    /// The server's ack id, taken by the first answer (shared by the
    /// copies given to several listeners).
    ack: Arc<Mutex<Option<u64>>>,
    socket: ClientSocket,
}

impl std::fmt::Debug for ClientMsg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientMsg")
            .field("event", &self.event)
            .field("args", &self.args)
            .finish_non_exhaustive()
    }
}

impl ClientMsg {
    pub(crate) fn new(socket: ClientSocket, event: String, args: Args, ack: Option<u64>) -> Self {
        ClientMsg {
            event,
            args,
            ack: Arc::new(Mutex::new(ack)),
            socket,
        }
    }

    /// The event name.
    pub fn event(&self) -> &str {
        &self.event
    }

    /// The first argument as `T` (a missing one reads as JSON `null`).
    pub fn data<T: DeserializeOwned>(&self) -> Result<T, ArgsError> {
        first_arg(&self.args)
    }

    /// All arguments as `T`: a tuple like `(String, u32)`, or a `Vec`.
    /// With connection state recovery on, the server's offset is the last
    /// argument, as the official client shows it.
    pub fn args<T: DeserializeOwned>(&self) -> Result<T, ArgsError> {
        args_as(&self.args)
    }

    /// The raw arguments (JSON array text and attachments).
    pub fn raw(&self) -> &Args {
        &self.args
    }

    /// True when the server waits for an acknowledgement not sent yet.
    pub fn wants_ack(&self) -> bool {
        self.slot().is_some()
    }

    /// Acknowledges with one argument (the server's `emitWithAck` resolves
    /// with it). Only the first ack counts; later calls, or calls when the
    /// server asked for none, do nothing.
    pub fn ack<T: Serialize + ?Sized>(&self, data: &T) -> Result<(), ArgsError> {
        let args = args_from_value(data)?;
        self.ack_raw(args);
        Ok(())
    }

    /// Acknowledges with several arguments (a tuple or `Vec`).
    pub fn ack_args<T: Serialize + ?Sized>(&self, args: &T) -> Result<(), ArgsError> {
        let args = args_from_array(args)?;
        self.ack_raw(args);
        Ok(())
    }

    /// Acknowledges with raw arguments.
    pub fn ack_raw(&self, args: Args) {
        let id = self.ack.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(id) = id {
            self.socket.send_ack(id, args);
        }
    }

    fn slot(&self) -> Option<u64> {
        *self.ack.lock().unwrap_or_else(|e| e.into_inner())
    }
}
