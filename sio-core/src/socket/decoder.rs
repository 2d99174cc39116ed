//! Decoding Socket.IO packets, with binary attachments reassembled.
//!
//! A text message is parsed at once; a binary packet then waits for its
//! attachments, which arrive as the following binary messages. Waiting is
//! a state of the [`Decoder`], not an error.

use super::error::DecodeError;
use super::packet::{MAIN_NAMESPACE, MAX_ACK_ID, Packet, PacketType, namespace_name};
use super::validate::validate;
use bytes::Bytes;
use std::borrow::Cow;

/// Bounds on what one binary packet may make the decoder hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecoderLimits {
    /// Most attachments one packet may declare. A larger count is refused
    /// at the header, before anything is buffered. Default:
    /// [`DecoderLimits::DEFAULT_MAX_ATTACHMENTS`].
    pub max_attachments: usize,
    /// Most bytes the attachments of one packet may add up to; the
    /// attachment that crosses it is refused. Default:
    /// [`DecoderLimits::DEFAULT_MAX_ATTACHMENT_BYTES`].
    pub max_attachment_bytes: usize,
}

impl DecoderLimits {
    /// 10, as the reference parser's `maxAttachments`.
    pub const DEFAULT_MAX_ATTACHMENTS: usize = 10;
    /// 10 MB: ten attachments of the reference server's default
    /// `maxHttpBufferSize` (1 MB), so nothing it accepts is refused.
    pub const DEFAULT_MAX_ATTACHMENT_BYTES: usize = 10_000_000;
}

impl Default for DecoderLimits {
    fn default() -> Self {
        DecoderLimits {
            max_attachments: Self::DEFAULT_MAX_ATTACHMENTS,
            max_attachment_bytes: Self::DEFAULT_MAX_ATTACHMENT_BYTES,
        }
    }
}

/// Decodes the Socket.IO packets of one connection.
///
/// After an error the decoder forgets any packet it was reassembling and
/// is ready for a new one; the reference server closes the connection.
#[derive(Debug, Clone, Default)]
pub struct Decoder {
    limits: DecoderLimits,
    /// Boxed: rare, and an idle connection's decoder stays 24 bytes.
    pending: Option<Box<Pending>>,
}

/// A binary packet waiting for its attachments.
#[derive(Debug, Clone)]
struct Pending {
    packet: Packet,
    expected: usize,
    bytes: usize,
}

impl Decoder {
    /// A decoder with these limits.
    pub fn new(limits: DecoderLimits) -> Decoder {
        Decoder {
            limits,
            pending: None,
        }
    }

    /// The decoder's limits.
    pub fn limits(&self) -> DecoderLimits {
        self.limits
    }

    /// How many attachments the pending binary packet still awaits (0 when
    /// no packet is pending).
    pub fn awaited_attachments(&self) -> usize {
        self.pending
            .as_ref()
            .map_or(0, |p| p.expected - p.packet.attachments.len())
    }

    /// Bytes held for the pending binary packet's attachments so far.
    pub fn buffered_bytes(&self) -> usize {
        self.pending.as_ref().map_or(0, |p| p.bytes)
    }

    /// Forgets the packet being reassembled, if any.
    pub fn reset(&mut self) {
        self.pending = None;
    }

    /// Decodes one text message (the data of an Engine.IO `message` packet,
    /// without its `4`). `Ok(Some)` is a complete packet; `Ok(None)` means a
    /// binary packet now awaits its attachments.
    ///
    /// The packet's payload is a slice of `text` (no copy).
    pub fn decode_text(&mut self, text: Bytes) -> Result<Option<Packet>, DecodeError> {
        if self.pending.take().is_some() {
            return Err(DecodeError::UnexpectedText);
        }
        let (packet, expected) = parse(text, self.limits.max_attachments)?;
        if expected == 0 {
            return Ok(Some(packet));
        }
        self.pending = Some(Box::new(Pending {
            packet,
            expected,
            bytes: 0,
        }));
        Ok(None)
    }

    /// Takes one binary message as the next attachment of the pending
    /// packet; `Ok(Some)` is the packet once its last attachment arrives.
    pub fn decode_binary(&mut self, data: Bytes) -> Result<Option<Packet>, DecodeError> {
        let Some(pending) = self.pending.as_mut() else {
            return Err(DecodeError::UnexpectedBinary);
        };
        let bytes = pending.bytes.saturating_add(data.len());
        if bytes > self.limits.max_attachment_bytes {
            self.pending = None;
            return Err(DecodeError::AttachmentsTooLarge {
                max: self.limits.max_attachment_bytes,
            });
        }
        pending.bytes = bytes;
        pending.packet.attachments.push(data);
        if pending.packet.attachments.len() < pending.expected {
            return Ok(None);
        }
        Ok(self.pending.take().map(|p| p.packet))
    }
}

/// Parses one text message: the packet (without attachments) and how many
/// attachments follow it (0 for non-binary types).
fn parse(text: Bytes, max_attachments: usize) -> Result<(Packet, usize), DecodeError> {
    let b = &text[..];
    let &first = b.first().ok_or(DecodeError::Empty)?;
    let kind = first
        .checked_sub(b'0')
        .and_then(PacketType::from_u8)
        .ok_or(DecodeError::UnknownType(first))?;
    let mut i = 1;

    // `<count>-` for binary types: at least one digit, at least 1.
    let mut attachments = 0;
    if kind.is_binary() {
        let start = i;
        let mut n: usize = 0;
        while let Some(d) = b.get(i).filter(|c| c.is_ascii_digit()) {
            n = n.saturating_mul(10).saturating_add(usize::from(d - b'0'));
            i += 1;
        }
        if i == start || b.get(i) != Some(&b'-') || n == 0 {
            return Err(DecodeError::BadAttachmentCount);
        }
        if n > max_attachments {
            return Err(DecodeError::TooManyAttachments {
                max: max_attachments,
            });
        }
        i += 1;
        attachments = n;
    }

    // `/nsp,`: from a `/` to the first `,` (or the end).
    let nsp = if b.get(i) == Some(&b'/') {
        let end = b[i..]
            .iter()
            .position(|&c| c == b',')
            .map_or(b.len(), |p| i + p);
        let nsp = std::str::from_utf8(&b[i..end]).map_err(|_| DecodeError::BadNamespace)?;
        i = (end + 1).min(b.len());
        namespace_name(nsp)
    } else {
        Cow::Borrowed(MAIN_NAMESPACE)
    };

    // The ack id: decimal digits, at most MAX_ACK_ID.
    let mut id = None;
    if b.get(i).is_some_and(u8::is_ascii_digit) {
        let mut n: u64 = 0;
        while let Some(d) = b.get(i).filter(|c| c.is_ascii_digit()) {
            n = n
                .checked_mul(10)
                .and_then(|n| n.checked_add(u64::from(d - b'0')))
                .filter(|&n| n <= MAX_ACK_ID)
                .ok_or(DecodeError::BadAckId)?;
            i += 1;
        }
        id = Some(n);
    }

    let data = (i < b.len()).then(|| text.slice(i..));
    validate(kind, data.as_deref(), attachments)?;
    let packet = Packet {
        kind,
        nsp,
        id,
        data,
        attachments: Vec::new(),
    };
    Ok((packet, attachments))
}

#[cfg(test)]
#[path = "decoder_tests.rs"]
mod tests;
