//! permessage-deflate's read side (RFC 7692) under tungstenite, which has
//! no extension support and refuses frames with RSV1 set: a byte-stream
//! transducer between the socket and tungstenite. Frames of uncompressed
//! messages and control frames pass through as they are (streamed, not
//! buffered); a compressed message (RSV1 on its first frame) is unmasked,
//! inflated, and handed on as one final frame of the same type, masked
//! with the key 0 (tungstenite's server side wants masked frames).
//!
//! Bounds: the inflated message is limited to `max_message` bytes (the
//! engine's `max_payload`); a frame header is at most 14 bytes; the
//! inflater (about 40 KiB, miniz_oxide's state with its 32 KiB window)
//! exists only while a compressed message is being read, and comes from
//! a small per-thread pool. Each message is inflated on its own (the
//! server answers `client_no_context_takeover`).
//!
//! Faults are reported in tungstenite's own terms, so they take the path
//! of every other WebSocket fault (`WsFault`, the core's close code): a
//! message inflated over `max_message` becomes a frame header announcing
//! `max_message + 1` bytes (tungstenite's capacity error, close 1009);
//! bad compressed data, or RSV1 where RFC 7692 forbids it, becomes a frame
//! with RSV1 set (a protocol error, close 1002). After a fault the rest of
//! the input is dropped.

use flate2::{Decompress, FlushDecompress, Status};
use std::cell::RefCell;

/// The empty stored block RFC 7692 strips from each compressed message.
const TAIL: [u8; 4] = [0, 0, 0xff, 0xff];
/// Spare inflaters kept per thread.
const POOL: usize = 4;

thread_local! {
    static INFLATERS: RefCell<Vec<Decompress>> = const { RefCell::new(Vec::new()) };
}

/// The inflating reader's state for one connection.
pub struct FrameInflater {
    max_message: usize,
    /// A frame header being read (at most 14 bytes).
    head: [u8; 14],
    head_len: usize,
    /// Inside the payload of the current frame.
    payload: Option<Payload>,
    /// Inside a fragmented message: `Some(true)` if compressed.
    in_message: Option<bool>,
    /// The compressed message being read.
    message: Option<Inflating>,
    faulted: bool,
}

/// The rest of a frame's payload.
struct Payload {
    remaining: u64,
    /// Passed through, or inflated (then unmasked with `mask` from offset
    /// `pos`).
    compressed: bool,
    mask: Option<[u8; 4]>,
    pos: usize,
    fin: bool,
}

/// A compressed message being inflated.
struct Inflating {
    opcode: u8,
    inflater: Decompress,
    out: Vec<u8>,
}

impl FrameInflater {
    /// A reader for a connection whose messages may be at most
    /// `max_message` bytes once inflated.
    pub fn new(max_message: usize) -> FrameInflater {
        FrameInflater {
            max_message,
            head: [0; 14],
            head_len: 0,
            payload: None,
            in_message: None,
            message: None,
            faulted: false,
        }
    }

    /// True once a fault was reported: the rest is dropped.
    #[allow(dead_code)] // the tests' and the fuzz target's
    pub fn faulted(&self) -> bool {
        self.faulted
    }

    /// Reads `input` from the socket, appending what tungstenite should
    /// read to `out`.
    pub fn feed(&mut self, mut input: &[u8], out: &mut Vec<u8>) {
        while !input.is_empty() && !self.faulted {
            if self.payload.is_some() {
                input = self.feed_payload(input, out);
                continue;
            }
            // Header bytes, one at a time until its length is known.
            self.head[self.head_len] = input[0];
            self.head_len += 1;
            input = &input[1..];
            if let Some(len) = self.header_len() {
                if self.head_len == len {
                    self.start_frame(out);
                }
            }
        }
    }

    /// The length of the header read so far, once known.
    fn header_len(&self) -> Option<usize> {
        if self.head_len < 2 {
            return None;
        }
        let mask = if self.head[1] & 0x80 != 0 { 4 } else { 0 };
        let ext = match self.head[1] & 0x7f {
            126 => 2,
            127 => 8,
            _ => 0,
        };
        Some(2 + ext + mask)
    }

    /// A whole header was read: decide what the frame is.
    fn start_frame(&mut self, out: &mut Vec<u8>) {
        let buf = self.head;
        let head = &buf[..self.head_len];
        self.head_len = 0;
        let (b0, b1) = (head[0], head[1]);
        let fin = b0 & 0x80 != 0;
        let rsv1 = b0 & 0x40 != 0;
        let opcode = b0 & 0x0f;
        let (len, rest) = match b1 & 0x7f {
            126 => (
                u64::from(u16::from_be_bytes([head[2], head[3]])),
                &head[4..],
            ),
            127 => {
                let mut b = [0; 8];
                b.copy_from_slice(&head[2..10]);
                (u64::from_be_bytes(b), &head[10..])
            }
            n => (u64::from(n), &head[2..]),
        };
        let mask = (b1 & 0x80 != 0).then(|| [rest[0], rest[1], rest[2], rest[3]]);
        let compressed = match (opcode, rsv1) {
            (1 | 2, true) if self.in_message.is_none() => {
                let inflater = take_inflater();
                self.message = Some(Inflating {
                    opcode,
                    inflater,
                    out: Vec::new(),
                });
                true
            }
            (0, false) if self.in_message == Some(true) => true,
            // RSV1 on a continuation or control frame, or a compressed
            // message started inside another, or a plain frame inside a
            // compressed message.
            (_, true) | (0..=2, false) if self.in_message == Some(true) => {
                return self.fault_protocol(out);
            }
            (_, true) if opcode <= 2 || opcode >= 8 => return self.fault_protocol(out),
            _ => false,
        };
        if compressed && b0 & 0x30 != 0 {
            return self.fault_protocol(out); // RSV2/RSV3 in a message we take apart
        }
        if compressed && len > self.max_message as u64 {
            return self.fault(Fault::TooBig, out); // as tungstenite bounds frames
        }
        if opcode <= 2 {
            self.in_message = (!fin).then_some(compressed);
        }
        if !compressed {
            out.extend_from_slice(head);
        }
        self.payload = Some(Payload {
            remaining: len,
            compressed,
            mask,
            pos: 0,
            fin,
        });
        if len == 0 {
            self.end_payload(out);
        }
    }

    /// Payload bytes of the current frame; returns the input left.
    fn feed_payload<'a>(&mut self, input: &'a [u8], out: &mut Vec<u8>) -> &'a [u8] {
        let p = self.payload.as_mut().expect("in a payload");
        let n = usize::try_from(p.remaining)
            .unwrap_or(usize::MAX)
            .min(input.len());
        let (now, rest) = input.split_at(n);
        p.remaining -= n as u64;
        if !p.compressed {
            out.extend_from_slice(now);
        } else {
            let mut chunk = now.to_vec();
            if let Some(mask) = p.mask {
                for (i, b) in chunk.iter_mut().enumerate() {
                    *b ^= mask[(p.pos + i) % 4];
                }
            }
            p.pos += n;
            if self.inflate(&chunk, out).is_err() {
                return rest;
            }
        }
        if self.payload.as_ref().is_some_and(|p| p.remaining == 0) {
            self.end_payload(out);
        }
        rest
    }

    /// The current frame's payload is complete.
    fn end_payload(&mut self, out: &mut Vec<u8>) {
        let Some(p) = self.payload.take() else { return };
        if !(p.compressed && p.fin) {
            return;
        }
        if self.inflate(&TAIL, out).is_err() {
            return;
        }
        let Some(m) = self.message.take() else { return };
        give_back(m.inflater);
        write_header(out, m.opcode, m.out.len() as u64);
        out.extend_from_slice(&m.out);
    }

    /// Inflates `data` into the message, within `max_message`; a fault
    /// is written to `out` (and `Err` returned).
    fn inflate(&mut self, mut data: &[u8], out: &mut Vec<u8>) -> Result<(), ()> {
        let max = self.max_message;
        let Some(m) = self.message.as_mut() else {
            return Ok(());
        };
        let fault = loop {
            if m.out.len() > max {
                break Fault::TooBig;
            }
            if m.out.len() == m.out.capacity() {
                let room = m.out.capacity().max(1024).min(max + 1 - m.out.len());
                m.out.reserve_exact(room);
            }
            let (in0, out0) = (m.inflater.total_in(), m.inflater.total_out());
            let status = m
                .inflater
                .decompress_vec(data, &mut m.out, FlushDecompress::Sync);
            let used = (m.inflater.total_in() - in0) as usize;
            let progress = used > 0 || m.inflater.total_out() > out0;
            data = &data[used..];
            match status {
                Err(_) => break Fault::Protocol,
                Ok(Status::StreamEnd) if !data.is_empty() => break Fault::Protocol,
                Ok(_) => {}
            }
            if m.out.len() > max {
                break Fault::TooBig;
            }
            if data.is_empty() && (m.out.len() < m.out.capacity() || !progress) {
                return Ok(());
            }
            if !progress {
                break Fault::Protocol; // stuck with input left
            }
        };
        self.fault(fault, out);
        Err(())
    }

    /// A protocol fault: a frame with RSV1 set, which tungstenite refuses.
    fn fault_protocol(&mut self, out: &mut Vec<u8>) {
        self.fault(Fault::Protocol, out);
    }

    /// Reports `fault` to tungstenite and drops everything after.
    fn fault(&mut self, fault: Fault, out: &mut Vec<u8>) {
        self.faulted = true;
        self.payload = None;
        if let Some(m) = self.message.take() {
            give_back(m.inflater);
        }
        match fault {
            Fault::Protocol => out.extend_from_slice(&[0x80 | 0x40 | 2, 0x80, 0, 0, 0, 0]),
            Fault::TooBig => write_header(out, 2, self.max_message as u64 + 1),
        }
    }
}

/// What went wrong in a compressed message.
#[derive(Debug, Clone, Copy)]
enum Fault {
    /// Bad compressed data, or RSV1 where it does not belong.
    Protocol,
    /// Inflated over `max_message`.
    TooBig,
}

/// Writes the header of a final frame with `opcode` and `len`, masked
/// with the key 0 (tungstenite's server side wants masked frames; this key
/// leaves the payload as it is).
fn write_header(out: &mut Vec<u8>, opcode: u8, len: u64) {
    out.push(0x80 | opcode);
    match len {
        0..=125 => out.push(0x80 | len as u8),
        126..=0xffff => {
            out.push(0x80 | 126);
            out.extend_from_slice(&(len as u16).to_be_bytes());
        }
        _ => {
            out.push(0x80 | 127);
            out.extend_from_slice(&len.to_be_bytes());
        }
    }
    out.extend_from_slice(&[0; 4]);
}

/// An inflater from the thread's pool, or a new one.
fn take_inflater() -> Decompress {
    INFLATERS
        .with(|p| p.borrow_mut().pop())
        .unwrap_or_else(|| Decompress::new(false))
}

/// Returns an inflater to the thread's pool (reset), if it has room.
fn give_back(mut d: Decompress) {
    d.reset(false);
    INFLATERS.with(|p| {
        let mut p = p.borrow_mut();
        if p.len() < POOL {
            p.push(d);
        }
    });
}

impl Drop for FrameInflater {
    fn drop(&mut self) {
        if let Some(m) = self.message.take() {
            give_back(m.inflater);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A masked client frame.
    fn frame(b0: u8, payload: &[u8]) -> Vec<u8> {
        let mask = [1, 2, 3, 4];
        let mut out = vec![b0];
        match payload.len() {
            n @ 0..=125 => out.push(0x80 | n as u8),
            n @ 126..=0xffff => {
                out.push(0x80 | 126);
                out.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                out.push(0x80 | 127);
                out.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        out.extend_from_slice(&mask);
        out.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        out
    }

    fn run(max: usize, input: &[u8]) -> (Vec<u8>, bool) {
        let mut r = FrameInflater::new(max);
        let mut out = Vec::new();
        r.feed(input, &mut out);
        (out, r.faulted())
    }

    #[test]
    fn plain_frames_pass_through() {
        let mut wire = frame(0x81, b"hello");
        wire.extend(frame(0x89, b"ping"));
        wire.extend(frame(0x02, &[1; 300]));
        wire.extend(frame(0x80, &[2; 10]));
        assert_eq!(run(1000, &wire), (wire.clone(), false));
    }

    #[test]
    fn a_fragmented_compressed_message_with_a_ping_inside() {
        let text = "abc".repeat(1000);
        let z = sio_core::engine::deflate_message(text.as_bytes(), 6).unwrap();
        let (a, b) = z.split_at(z.len() / 2);
        let mut wire = frame(0x41, a); // text, RSV1, not final
        wire.extend(frame(0x89, b"p"));
        wire.extend(frame(0x80, b)); // final continuation
        let (out, faulted) = run(1 << 20, &wire);
        assert!(!faulted);
        let mut expect = frame(0x89, b"p");
        write_header(&mut expect, 1, text.len() as u64);
        expect.extend_from_slice(text.as_bytes());
        assert_eq!(out, expect);
    }

    #[test]
    fn faults() {
        let z = sio_core::engine::deflate_message(&[7; 5000], 6).unwrap();
        // Inflated over the bound: a header announcing max + 1 bytes.
        let (out, faulted) = run(4999, &frame(0xc2, &z));
        assert!(faulted);
        let mut expect = Vec::new();
        write_header(&mut expect, 2, 5000);
        assert_eq!(out, expect);
        assert!(!run(5000, &frame(0xc2, &z)).1);
        // Bad data, RSV1 on a control frame or a continuation: RSV1 frame.
        let protocol = vec![0xc2, 0x80, 0, 0, 0, 0];
        assert_eq!(
            run(100, &frame(0xc1, &[0xff; 20])),
            (protocol.clone(), true)
        );
        assert_eq!(run(100, &frame(0xc9, b"x")), (protocol.clone(), true));
        assert_eq!(run(100, &frame(0xc0, b"x")), (protocol.clone(), true));
        // Data after the fault is dropped.
        let mut wire = frame(0xc9, b"x");
        wire.extend(frame(0x81, b"after"));
        assert_eq!(run(100, &wire), (protocol, true));
    }
}
