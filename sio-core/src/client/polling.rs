//! The polling side of [`EngineClient`]: the handshake GET, the long-poll
//! (one GET in flight, re-issued after each response), POST batches (one
//! in flight, cut at `maxPayload`), and the last POST of a close.

use super::contract::{ClientMethod, ClientOutput, ClientRequest};
use super::engine::{EngineClient, State, Transport};
use super::event::EngineCloseReason;
use super::url::{self, Kind};
use crate::engine::{Packet, payload};
use bytes::Bytes;

/// The POST body's type, as the official client sends it.
const CONTENT_TYPE: &str = "text/plain;charset=UTF-8";

impl EngineClient {
    /// The path and query of a polling request (a fresh `t` each time).
    fn polling_path(&mut self, conn_number: u64) -> String {
        let stamp = self
            .config
            .timestamp_requests
            .then(|| url::stamp(conn_number));
        let sid = self.sid().map(str::to_owned);
        url::path_and_query(
            &self.config,
            Kind::Polling,
            stamp.as_deref(),
            sid.as_deref(),
        )
    }

    /// Issues a GET: the handshake, or the next long-poll.
    pub(crate) fn poll(&mut self) {
        if self.get.is_some() {
            return;
        }
        let conn = self.conn();
        let path_and_query = self.polling_path(conn.0);
        self.get = Some(conn);
        self.outputs.push_back(ClientOutput::HttpRequest {
            conn,
            req: ClientRequest {
                method: ClientMethod::Get,
                path_and_query,
                headers: self.config.extra_headers.clone(),
                body: Bytes::new(),
            },
        });
    }

    /// A POST of `body`; `tracked` when its answer matters.
    fn post(&mut self, body: Vec<u8>, tracked: bool) {
        let conn = self.conn();
        let path_and_query = self.polling_path(conn.0);
        if tracked {
            self.post = Some(conn);
        }
        let mut headers = self.config.extra_headers.clone();
        headers.push(("Content-Type".to_owned(), CONTENT_TYPE.to_owned()));
        self.outputs.push_back(ClientOutput::HttpRequest {
            conn,
            req: ClientRequest {
                method: ClientMethod::Post,
                path_and_query,
                headers,
                body: Bytes::from(body),
            },
        });
    }

    /// POSTs the packets that fit one batch.
    pub(crate) fn post_batch(&mut self) {
        let n = batch_len(
            &self.buffer,
            self.handshake.as_ref().map_or(0, |h| h.max_payload),
        );
        let body = payload::encode(self.buffer.iter().take(n));
        self.buffer.drain(..n);
        self.post(body, true);
    }

    /// The last POST of a close: everything queued (ending with the close
    /// packet), whose answer nobody waits for.
    pub(crate) fn post_final(&mut self) {
        if self.buffer.is_empty() {
            return;
        }
        let body = payload::encode(self.buffer.iter());
        self.buffer.clear();
        self.post(body, false);
    }

    /// The answer to the GET in flight (the handshake, or a long-poll).
    pub(crate) fn on_get_response(&mut self, status: u16, body: Bytes) {
        if !matches!(self.state, State::Opening | State::Open)
            || self.transport != Transport::Polling
        {
            // Closing, or upgraded since: a late answer is ignored.
            return;
        }
        if status != 200 {
            return self.close_with(EngineCloseReason::TransportError(format!(
                "xhr poll error: HTTP status {status}"
            )));
        }
        let packets = match payload::decode(body) {
            Ok(p) => p,
            Err(e) => return self.close_with(EngineCloseReason::ParseError(e.to_string())),
        };
        let mut packets = packets.into_iter();
        if self.state == State::Opening {
            match packets.next() {
                Some(Packet::Open(data)) => self.on_open_packet(&data),
                _ => {
                    return self.close_with(EngineCloseReason::ParseError(
                        "the handshake is not an open packet".to_owned(),
                    ));
                }
            }
        }
        for packet in packets {
            if self.state != State::Open {
                return;
            }
            self.on_packet(packet);
        }
        if self.state != State::Open || self.transport != Transport::Polling {
            return;
        }
        if self.paused() {
            self.finish_pause();
        } else {
            self.poll();
        }
    }

    /// The answer to the POST in flight.
    pub(crate) fn on_post_response(&mut self, status: u16) {
        if self.state == State::Closing {
            self.post_final();
            self.state = State::Closed;
            self.transport = Transport::Gone;
            if let Some(conn) = self.get.take() {
                self.outputs.push_back(ClientOutput::HttpAbort { conn });
            }
            return;
        }
        if self.state != State::Open || self.transport != Transport::Polling {
            return;
        }
        if status != 200 {
            return self.close_with(EngineCloseReason::TransportError(format!(
                "xhr post error: HTTP status {status}"
            )));
        }
        if self.paused() {
            self.finish_pause();
        } else {
            self.flush();
        }
    }
}

/// How many packets from the front of `buffer` go in one POST: all of
/// them, unless `max_payload` is set and more than one is queued; then the
/// batch is cut before the estimated size passes `max_payload` (the
/// official `getWritablePackets`: UTF-8 length per packet, 2 per
/// separator and type, binary as 4/3 of its length; at least one packet).
pub(crate) fn batch_len<'a>(
    buffer: impl IntoIterator<Item = &'a Packet, IntoIter: ExactSizeIterator>,
    max_payload: usize,
) -> usize {
    let buffer = buffer.into_iter();
    let len = buffer.len();
    if max_payload == 0 || len <= 1 {
        return len;
    }
    let mut size = 1usize;
    for (i, packet) in buffer.enumerate() {
        size = size.saturating_add(data_len(packet));
        if i > 0 && size > max_payload {
            return i;
        }
        size = size.saturating_add(2);
    }
    len
}

/// The estimated size of a packet's data.
fn data_len(packet: &Packet) -> usize {
    use crate::engine::Message;
    match packet {
        Packet::Open(d) | Packet::Ping(d) | Packet::Pong(d) => d.len(),
        Packet::Message(Message::Text(d)) => d.len(),
        Packet::Message(Message::Binary(d)) => d.len().saturating_mul(4).div_ceil(3),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Message;

    fn text(n: usize) -> Packet {
        Packet::Message(Message::text("x".repeat(n)))
    }

    #[test]
    fn batches_are_cut_at_max_payload() {
        let b = [text(10), text(10), text(10)];
        assert_eq!(batch_len(&b, 0), 3);
        // 1 + 10 = 11, + 2 + 10 = 23, + 2 + 10 = 35.
        assert_eq!(batch_len(&b, 35), 3);
        assert_eq!(batch_len(&b, 34), 2);
        assert_eq!(batch_len(&b, 23), 2);
        assert_eq!(batch_len(&b, 22), 1);
        // The first packet always goes, however big.
        assert_eq!(batch_len(&b, 1), 1);
        assert_eq!(batch_len(&[text(100)], 5), 1);
        // Binary counts as 4/3 of its length: 1 + 10 + 2 + 4.
        let b = [text(10), Packet::Message(Message::binary(vec![0u8; 3]))];
        assert_eq!(batch_len(&b, 17), 2);
        assert_eq!(batch_len(&b, 16), 1);
    }
}
