//! Engine.IO v4 packets and their WebSocket-frame encoding.
//!
//! A text packet is one ASCII digit (the type) followed by its data; a binary
//! WebSocket frame is a `message` packet whose data is the frame as is.

use bytes::{BufMut, Bytes, BytesMut};
use thiserror::Error;

/// A message's payload: UTF-8 text or binary data.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Message {
    /// Text. The bytes are always valid UTF-8 (every constructor checks).
    Text(Bytes),
    /// Binary data.
    Binary(Bytes),
}

impl Message {
    /// A text message.
    pub fn text(s: impl Into<String>) -> Message {
        Message::Text(Bytes::from(s.into()))
    }

    /// A binary message.
    pub fn binary(data: impl Into<Bytes>) -> Message {
        Message::Binary(data.into())
    }

    /// The payload's bytes (UTF-8 for text).
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Message::Text(b) | Message::Binary(b) => b,
        }
    }

    /// The text, if this is a text message.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            // Text bytes are validated on construction, so this never fails.
            Message::Text(b) => std::str::from_utf8(b).ok(),
            Message::Binary(_) => None,
        }
    }

    /// Length of the payload in bytes.
    pub fn len(&self) -> usize {
        self.as_bytes().len()
    }

    /// True for an empty payload.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One Engine.IO packet.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Packet {
    /// `0`: handshake data (JSON), server to client.
    Open(Bytes),
    /// `1`: the transport can be closed.
    Close,
    /// `2`: heartbeat ping; data is empty or `probe` during an upgrade.
    Ping(Bytes),
    /// `3`: heartbeat pong; data echoes the ping's.
    Pong(Bytes),
    /// `4`: application message.
    Message(Message),
    /// `5`: completes a transport upgrade.
    Upgrade,
    /// `6`: no-op, used to end a pending long-poll during an upgrade.
    Noop,
}

/// Why bytes are not an Engine.IO packet.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// Nothing to decode.
    #[error("empty packet")]
    Empty,
    /// The first character is not a packet type `0`..`6`.
    #[error("unknown packet type {0:#04x}")]
    UnknownType(u8),
    /// The text is not valid UTF-8.
    #[error("invalid UTF-8")]
    InvalidUtf8,
    /// A `b` packet whose data is not base64.
    #[error("invalid base64 in binary packet")]
    InvalidBase64,
    /// A packet type that carries no data came with some.
    #[error("unexpected data in packet type {0}")]
    UnexpectedData(u8),
}

/// A WebSocket frame as the core sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WsFrame {
    /// Text frame; the bytes are valid UTF-8.
    Text(Bytes),
    /// Binary frame.
    Binary(Bytes),
}

impl Packet {
    /// The packet type's digit.
    pub fn type_char(&self) -> u8 {
        match self {
            Packet::Open(_) => b'0',
            Packet::Close => b'1',
            Packet::Ping(_) => b'2',
            Packet::Pong(_) => b'3',
            Packet::Message(_) => b'4',
            Packet::Upgrade => b'5',
            Packet::Noop => b'6',
        }
    }

    /// The text data after the type digit (empty for binary messages).
    fn text_data(&self) -> &[u8] {
        match self {
            Packet::Open(d) | Packet::Ping(d) | Packet::Pong(d) => d,
            Packet::Message(Message::Text(d)) => d,
            _ => &[],
        }
    }

    /// Decodes a text packet (a WebSocket text frame, or one packet of a
    /// polling payload). `data` must be valid UTF-8; the caller has checked it.
    pub fn decode_text(data: Bytes) -> Result<Packet, DecodeError> {
        let Some(&first) = data.first() else {
            return Err(DecodeError::Empty);
        };
        let rest = data.slice(1..);
        let no_data = |p: Packet| {
            if rest.is_empty() {
                Ok(p)
            } else {
                Err(DecodeError::UnexpectedData(first - b'0'))
            }
        };
        match first {
            b'0' => Ok(Packet::Open(rest)),
            b'1' => no_data(Packet::Close),
            b'2' => Ok(Packet::Ping(rest)),
            b'3' => Ok(Packet::Pong(rest)),
            b'4' => Ok(Packet::Message(Message::Text(rest))),
            b'5' => no_data(Packet::Upgrade),
            b'6' => no_data(Packet::Noop),
            other => Err(DecodeError::UnknownType(other)),
        }
    }

    /// Decodes a WebSocket frame.
    pub fn decode_ws(frame: WsFrame) -> Result<Packet, DecodeError> {
        match frame {
            WsFrame::Text(data) => {
                if std::str::from_utf8(&data).is_err() {
                    return Err(DecodeError::InvalidUtf8);
                }
                Packet::decode_text(data)
            }
            WsFrame::Binary(data) => Ok(Packet::Message(Message::Binary(data))),
        }
    }

    /// Encodes the packet as one WebSocket frame. A binary message is its
    /// data as is (no copy).
    pub fn encode_ws(&self) -> WsFrame {
        match self {
            Packet::Message(Message::Binary(data)) => WsFrame::Binary(data.clone()),
            _ => {
                let data = self.text_data();
                let mut buf = BytesMut::with_capacity(1 + data.len());
                buf.put_u8(self.type_char());
                buf.put_slice(data);
                WsFrame::Text(buf.freeze())
            }
        }
    }

    /// Appends the packet's polling encoding (binary as `b` + base64) to `out`.
    pub fn encode_polling_into(&self, out: &mut Vec<u8>) {
        match self {
            Packet::Message(Message::Binary(data)) => {
                out.push(b'b');
                crate::base64::encode_into(data, out);
            }
            _ => {
                out.push(self.type_char());
                out.extend_from_slice(self.text_data());
            }
        }
    }

    /// Decodes one packet of a polling payload (`b` + base64 for binary).
    /// `data` must be valid UTF-8; the caller has checked it.
    pub fn decode_polling(data: Bytes) -> Result<Packet, DecodeError> {
        match data.first() {
            Some(b'b') => crate::base64::decode(&data[1..])
                .map(|v| Packet::Message(Message::Binary(Bytes::from(v))))
                .ok_or(DecodeError::InvalidBase64),
            _ => Packet::decode_text(data),
        }
    }
}
