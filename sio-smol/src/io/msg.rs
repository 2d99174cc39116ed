//! [`Msg`]: an event received from a client, with its arguments and,
//! when the client asked for one, the means to acknowledge it.

use super::binary::{ArgsError, args_as, args_from_array, args_from_value, first_arg};
use super::state::{AckSlot, Msg, Socket};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sio_core::socket::Args;
use std::cell::Cell;
use std::rc::Rc;

impl AckSlot {
    fn get(&self) -> Option<u64> {
        match self {
            AckSlot::Own(c) => c.get(),
            AckSlot::Shared(c) => c.get(),
        }
    }

    fn take(&self) -> Option<u64> {
        match self {
            AckSlot::Own(c) => c.take(),
            AckSlot::Shared(c) => c.take(),
        }
    }
}

impl Msg {
    pub(crate) fn new(socket: Socket, event: String, args: Args, ack: Option<u64>) -> Msg {
        Msg {
            event,
            args,
            ack: AckSlot::Own(Cell::new(ack)),
            socket,
        }
    }

    /// `n` copies for `n` listeners, sharing one ack.
    pub(crate) fn share(self, n: usize) -> Vec<Msg> {
        let ack = Rc::new(Cell::new(self.ack.take()));
        (0..n)
            .map(|_| Msg {
                event: self.event.clone(),
                args: self.args.clone(),
                ack: AckSlot::Shared(ack.clone()),
                socket: self.socket.clone(),
            })
            .collect()
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
    pub fn args<T: DeserializeOwned>(&self) -> Result<T, ArgsError> {
        args_as(&self.args)
    }

    /// Argument `i` alone as raw arguments (with every attachment, so
    /// binary values inside it still resolve), e.g. to forward it unchanged.
    pub fn arg_raw(&self, i: usize) -> Option<Args> {
        let list: Vec<&serde_json::value::RawValue> =
            serde_json::from_slice(&self.args.json).ok()?;
        let raw = list.get(i)?.get();
        Some(Args {
            json: bytes::Bytes::from(format!("[{raw}]")),
            attachments: self.args.attachments.clone(),
        })
    }

    /// The raw arguments (JSON array text and attachments), e.g. to send
    /// them on unchanged.
    pub fn raw(&self) -> &Args {
        &self.args
    }

    /// True when the client waits for an acknowledgement that was not sent yet.
    pub fn wants_ack(&self) -> bool {
        self.ack.get().is_some()
    }

    /// Acknowledges with one argument. Only the first ack counts; later
    /// calls, or calls when the client asked for none, do nothing.
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
        if let Some(id) = self.ack.take() {
            self.socket.send_ack(id, &args);
        }
    }
}
