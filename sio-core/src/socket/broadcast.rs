//! Broadcasting: one encoding shared by every recipient.

use super::event::{Args, SocketId};
use super::namespace::BroadcastOp;
use super::server::{SioError, SioServer, check_event_name, event_packet};

impl SioServer {
    /// Emits `event` with `args` to the sockets of `nsp` that `op` selects.
    /// The packet is encoded once; every recipient gets the same bytes.
    /// Returns the number of this server's recipients; in a cluster (unless
    /// `op` is local) the broadcast is published for the other members too.
    pub fn broadcast(
        &mut self,
        nsp: &str,
        op: &BroadcastOp,
        event: &str,
        args: &Args,
    ) -> Result<usize, SioError> {
        let recipients = self.recipients(nsp, op, event)?;
        if self.append_broadcast(nsp, op, event, args) {
            // Delivered here too when it comes back from the stream.
            return Ok(recipients.len());
        }
        // Encoded once: every recipient's frames share these bytes.
        let frames = if op.volatile {
            self.encode(&event_packet(nsp, event, args, None))
        } else {
            let mut except = op.except.clone();
            except.extend(op.except_socket.map(|s| s.as_str().to_owned()));
            self.logged_event(nsp, event, args, op.rooms.clone(), except)
        };
        self.send_to_sockets(&recipients, &frames);
        self.publish_broadcast(nsp, op, event, args);
        Ok(recipients.len())
    }

    /// Sends the frames of one packet to each of `recipients`.
    pub(crate) fn send_to_sockets(
        &mut self,
        recipients: &[SocketId],
        frames: &[crate::engine::WsFrame],
    ) {
        let sessions: Vec<_> = recipients
            .iter()
            .filter_map(|socket| self.sockets.get(socket).map(|s| s.engine))
            .collect();
        // Frame by frame: a binary packet's attachments follow its text
        // on every connection.
        for frame in frames {
            self.engine
                .send_frame_to_many(sessions.iter().copied(), frame);
        }
    }

    /// The sockets of `nsp` that `op` selects (for fetching sockets in rooms).
    pub fn select(&self, nsp: &str, op: &BroadcastOp) -> Vec<SocketId> {
        self.namespaces
            .get(nsp)
            .map(|ns| op.recipients(ns))
            .unwrap_or_default()
    }

    /// The recipients of a broadcast of `event` in `nsp`: the sockets `op`
    /// selects, less those that cannot take a packet now when `op` is
    /// volatile. Refuses reserved event names and unknown namespaces.
    pub(crate) fn recipients(
        &self,
        nsp: &str,
        op: &BroadcastOp,
        event: &str,
    ) -> Result<Vec<SocketId>, SioError> {
        check_event_name(event)?;
        let ns = self
            .namespaces
            .get(nsp)
            .ok_or_else(|| SioError::UnknownNamespace(nsp.to_owned()))?;
        let recipients = op.recipients(ns);
        if !op.volatile {
            return Ok(recipients);
        }
        Ok(recipients
            .into_iter()
            .filter(|s| {
                self.sockets
                    .get(s)
                    .is_some_and(|st| self.engine.is_writable(st.engine))
            })
            .collect())
    }
}
