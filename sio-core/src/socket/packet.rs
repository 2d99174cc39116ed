//! Socket.IO v5 packets and their text encoding.
//!
//! An encoded packet is `<type>[<n>-][<nsp>,][<id>][<json>]` (without the
//! Engine.IO `4` prefix), followed for binary packets by `n` attachments,
//! each sent as its own binary Engine.IO message.

use crate::http::push_decimal;
use bytes::Bytes;
use std::borrow::Cow;

/// The main namespace, left out of the encoding.
pub const MAIN_NAMESPACE: &str = "/";

/// The largest ack id accepted and produced: `2^53 - 1`, JavaScript's
/// `Number.MAX_SAFE_INTEGER`. A JavaScript peer cannot represent a larger
/// id exactly, so a larger one on the wire is refused rather than rounded.
pub const MAX_ACK_ID: u64 = (1 << 53) - 1;

/// A Socket.IO packet type: the first character of an encoded packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PacketType {
    /// `0`: connection to a namespace (request, or grant with the socket id).
    Connect,
    /// `1`: disconnection from a namespace.
    Disconnect,
    /// `2`: an event, `["name", ...args]`.
    Event,
    /// `3`: an acknowledgement, `[...args]`.
    Ack,
    /// `4`: a refused namespace connection, `{"message": ..}`.
    ConnectError,
    /// `5`: an event with binary attachments.
    BinaryEvent,
    /// `6`: an acknowledgement with binary attachments.
    BinaryAck,
}

impl PacketType {
    /// The type's number, `0..=6`.
    pub fn as_u8(self) -> u8 {
        match self {
            PacketType::Connect => 0,
            PacketType::Disconnect => 1,
            PacketType::Event => 2,
            PacketType::Ack => 3,
            PacketType::ConnectError => 4,
            PacketType::BinaryEvent => 5,
            PacketType::BinaryAck => 6,
        }
    }

    /// The type with number `n`, if any.
    pub fn from_u8(n: u8) -> Option<PacketType> {
        Some(match n {
            0 => PacketType::Connect,
            1 => PacketType::Disconnect,
            2 => PacketType::Event,
            3 => PacketType::Ack,
            4 => PacketType::ConnectError,
            5 => PacketType::BinaryEvent,
            6 => PacketType::BinaryAck,
            _ => return None,
        })
    }

    /// True for [`PacketType::BinaryEvent`] and [`PacketType::BinaryAck`].
    pub fn is_binary(self) -> bool {
        matches!(self, PacketType::BinaryEvent | PacketType::BinaryAck)
    }

    /// The type's ASCII digit.
    pub(crate) fn digit(self) -> u8 {
        b'0' + self.as_u8()
    }
}

/// `nsp` as a packet's namespace: the main namespace borrowed, any other
/// copied.
pub fn namespace_name(nsp: &str) -> Cow<'static, str> {
    if nsp == MAIN_NAMESPACE {
        Cow::Borrowed(MAIN_NAMESPACE)
    } else {
        Cow::Owned(nsp.to_owned())
    }
}

/// One Socket.IO packet, with its JSON payload kept as raw text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet {
    /// The packet type.
    pub kind: PacketType,
    /// The namespace: `/` when absent on the wire. To encode, it must start
    /// with `/` and contain no `,`. The main namespace is borrowed (see
    /// [`namespace_name`]): most packets are in it and need no allocation.
    pub nsp: Cow<'static, str>,
    /// The ack id, at most [`MAX_ACK_ID`].
    pub id: Option<u64>,
    /// The JSON payload exactly as on the wire (UTF-8 JSON text), with
    /// `{"_placeholder":true,"num":N}` in place of binary attachments.
    pub data: Option<Bytes>,
    /// Binary attachments, in order: the `N` of a placeholder indexes them.
    /// Only event and ack packets carry attachments.
    pub attachments: Vec<Bytes>,
}

impl Packet {
    /// A packet without id, payload or attachments.
    pub fn new(kind: PacketType, nsp: impl AsRef<str>) -> Packet {
        Packet {
            kind,
            nsp: namespace_name(nsp.as_ref()),
            id: None,
            data: None,
            attachments: Vec::new(),
        }
    }

    /// Sets the ack id.
    pub fn with_id(mut self, id: u64) -> Packet {
        self.id = Some(id);
        self
    }

    /// Sets the JSON payload (raw JSON text).
    pub fn with_data(mut self, data: impl Into<Bytes>) -> Packet {
        self.data = Some(data.into());
        self
    }

    /// Sets the binary attachments.
    pub fn with_attachments(mut self, attachments: Vec<Bytes>) -> Packet {
        self.attachments = attachments;
        self
    }

    /// The type written on the wire: an event or ack is binary exactly when
    /// it has attachments (as the reference encoder decides by looking for
    /// binary data); other types are written as they are.
    pub fn wire_type(&self) -> PacketType {
        let binary = !self.attachments.is_empty();
        match self.kind {
            PacketType::Event | PacketType::BinaryEvent if binary => PacketType::BinaryEvent,
            PacketType::Event | PacketType::BinaryEvent => PacketType::Event,
            PacketType::Ack | PacketType::BinaryAck if binary => PacketType::BinaryAck,
            PacketType::Ack | PacketType::BinaryAck => PacketType::Ack,
            other => other,
        }
    }
}

/// Encodes a packet: the text part (without the Engine.IO `4` prefix) and
/// the attachments to send after it, each as one binary Engine.IO message.
///
/// The type on the wire is [`Packet::wire_type`]: a `BinaryEvent` without
/// attachments goes out as an `Event` (the reference parser refuses a
/// binary packet with zero attachments), an `Event` with attachments as a
/// `BinaryEvent`. Attachments of other packet types are not sent.
pub fn encode(packet: &Packet) -> (String, &[Bytes]) {
    let mut out = Vec::with_capacity(encoded_len(packet));
    encode_into(packet, &mut out);
    // The parts are ASCII, the namespace a `String`; the payload is UTF-8
    // when it came from the decoder or from serde_json. Anything else is a
    // caller bug: replace the bad bytes instead of panicking.
    let text = match String::from_utf8(out) {
        Ok(text) => text,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    };
    (text, attachments_to_send(packet))
}

/// Appends the text part of `packet`'s encoding to `out`; see [`encode`].
pub fn encode_into(packet: &Packet, out: &mut Vec<u8>) {
    let kind = packet.wire_type();
    out.push(kind.digit());
    if kind.is_binary() {
        push_decimal(out, packet.attachments.len() as u64);
        out.push(b'-');
    }
    if !packet.nsp.is_empty() && packet.nsp != MAIN_NAMESPACE {
        out.extend_from_slice(packet.nsp.as_bytes());
        out.push(b',');
    }
    if let Some(id) = packet.id {
        push_decimal(out, id);
    }
    if let Some(data) = &packet.data {
        out.extend_from_slice(data);
    }
}

/// The attachments [`encode`] sends for `packet`.
fn attachments_to_send(packet: &Packet) -> &[Bytes] {
    if packet.wire_type().is_binary() {
        &packet.attachments
    } else {
        &[]
    }
}

/// The exact length of the text part [`encode_into`] appends for `packet`
/// (so a buffer of this capacity is filled to the brim: a `Bytes` made
/// from it then needs no separate header allocation).
pub fn encoded_len(packet: &Packet) -> usize {
    let kind = packet.wire_type();
    let mut n = 1;
    if kind.is_binary() {
        n += decimal_len(packet.attachments.len() as u64) + 1;
    }
    if !packet.nsp.is_empty() && packet.nsp != MAIN_NAMESPACE {
        n += packet.nsp.len() + 1;
    }
    if let Some(id) = packet.id {
        n += decimal_len(id);
    }
    n + packet.data.as_ref().map_or(0, Bytes::len)
}

/// Digits of `n` in decimal.
fn decimal_len(mut n: u64) -> usize {
    let mut digits = 1;
    while n >= 10 {
        n /= 10;
        digits += 1;
    }
    digits
}

/// The event names the protocol reserves (`connect`, `disconnect`, ...):
/// neither side may emit them.
pub(crate) fn is_reserved_event(event: &str) -> bool {
    const RESERVED: &[&str] = &[
        "connect",
        "connect_error",
        "disconnect",
        "disconnecting",
        "newListener",
        "removeListener",
    ];
    RESERVED.contains(&event)
}

/// An EVENT (or BINARY_EVENT) packet for `event` with `args`.
pub(crate) fn event_packet(nsp: &str, event: &str, args: &super::Args, id: Option<u64>) -> Packet {
    Packet {
        kind: if args.is_binary() {
            PacketType::BinaryEvent
        } else {
            PacketType::Event
        },
        nsp: namespace_name(nsp),
        id,
        data: Some(super::args::event_payload(event, &args.json)),
        attachments: args.attachments.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(p: &Packet) -> String {
        encode(p).0
    }

    #[test]
    fn type_numbers_round_trip() {
        for n in 0..=6 {
            let t = PacketType::from_u8(n).unwrap();
            assert_eq!(t.as_u8(), n);
            assert_eq!(t.is_binary(), n >= 5);
        }
        assert_eq!(PacketType::from_u8(7), None);
    }

    #[test]
    fn spec_examples_encode() {
        use PacketType::*;
        assert_eq!(text(&Packet::new(Connect, "/")), "0");
        assert_eq!(
            text(&Packet::new(Connect, "/admin").with_data(r#"{"sid":"oSO0OpakMV_3jnilAAAA"}"#)),
            r#"0/admin,{"sid":"oSO0OpakMV_3jnilAAAA"}"#
        );
        assert_eq!(
            text(&Packet::new(ConnectError, "/").with_data(r#"{"message":"Not authorized"}"#)),
            r#"4{"message":"Not authorized"}"#
        );
        assert_eq!(
            text(&Packet::new(Event, "/").with_data(r#"["foo"]"#)),
            r#"2["foo"]"#
        );
        assert_eq!(
            text(&Packet::new(Event, "/admin").with_data(r#"["bar"]"#)),
            r#"2/admin,["bar"]"#
        );
        assert_eq!(
            text(&Packet::new(Event, "/").with_id(12).with_data(r#"["foo"]"#)),
            r#"212["foo"]"#
        );
        assert_eq!(
            text(
                &Packet::new(Ack, "/admin")
                    .with_id(13)
                    .with_data(r#"["bar"]"#)
            ),
            r#"3/admin,13["bar"]"#
        );
        assert_eq!(text(&Packet::new(Disconnect, "/")), "1");
        assert_eq!(text(&Packet::new(Disconnect, "/admin")), "1/admin,");
    }

    #[test]
    fn spec_binary_examples_encode() {
        let one = Bytes::from_static(&[1, 2, 3, 4]);
        let p = Packet::new(PacketType::BinaryEvent, "/")
            .with_data(r#"["baz",{"_placeholder":true,"num":0}]"#)
            .with_attachments(vec![one.clone()]);
        let (t, att) = encode(&p);
        assert_eq!(t, r#"51-["baz",{"_placeholder":true,"num":0}]"#);
        assert_eq!(att, std::slice::from_ref(&one));

        let (a, b) = (Bytes::from_static(&[1, 2]), Bytes::from_static(&[3, 4]));
        let p = Packet::new(PacketType::BinaryEvent, "/admin")
            .with_data(r#"["baz",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#)
            .with_attachments(vec![a.clone(), b.clone()]);
        let (t, att) = encode(&p);
        assert_eq!(
            t,
            r#"52-/admin,["baz",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#
        );
        assert_eq!(att, &[a, b]);

        let p = Packet::new(PacketType::BinaryAck, "/")
            .with_id(15)
            .with_data(r#"["bar",{"_placeholder":true,"num":0}]"#)
            .with_attachments(vec![one.clone()]);
        assert_eq!(text(&p), r#"61-15["bar",{"_placeholder":true,"num":0}]"#);

        // The sample session's binary ack.
        let p = Packet::new(PacketType::BinaryAck, "/admin")
            .with_id(1)
            .with_data(r#"[{"_placeholder":true,"num":0}]"#)
            .with_attachments(vec![one]);
        assert_eq!(text(&p), r#"61-/admin,1[{"_placeholder":true,"num":0}]"#);
    }

    #[test]
    fn wire_type_follows_attachments() {
        let att = vec![Bytes::from_static(b"x")];
        let p = Packet::new(PacketType::BinaryEvent, "/").with_data(r#"["a"]"#);
        assert_eq!(encode(&p), (r#"2["a"]"#.to_owned(), &[][..]));
        let p = Packet::new(PacketType::Ack, "/").with_id(3).with_data("[]");
        assert_eq!(text(&p), "33[]");
        let p = p.with_attachments(att.clone());
        assert_eq!(text(&p), "61-3[]");
        // Attachments on a connect packet are not sent.
        let p = Packet::new(PacketType::Connect, "/").with_attachments(att);
        assert_eq!(encode(&p), ("0".to_owned(), &[][..]));
    }

    #[test]
    fn encode_into_appends() {
        let mut out = b"4".to_vec();
        encode_into(
            &Packet::new(PacketType::Event, "/").with_data(r#"["hey","Jude"]"#),
            &mut out,
        );
        assert_eq!(out, br#"42["hey","Jude"]"#);
    }

    #[test]
    fn empty_namespace_is_main_and_large_ids_encode() {
        let p = Packet::new(PacketType::Ack, "")
            .with_id(MAX_ACK_ID)
            .with_data("[]");
        assert_eq!(text(&p), "39007199254740991[]");
        let p = Packet::new(PacketType::Ack, "/").with_id(0).with_data("[]");
        assert_eq!(text(&p), "30[]");
    }

    #[test]
    fn invalid_utf8_payload_does_not_panic() {
        let p = Packet::new(PacketType::Event, "/").with_data(Bytes::from_static(b"[\"\xff\"]"));
        assert_eq!(text(&p), "2[\"\u{fffd}\"]");
    }

    #[test]
    fn push_decimal_edges() {
        for n in [0, 1, 9, 10, 99, 100, u64::MAX] {
            let mut out = Vec::new();
            push_decimal(&mut out, n);
            assert_eq!(out, n.to_string().into_bytes());
            assert_eq!(decimal_len(n), out.len());
        }
    }

    #[test]
    fn encoded_len_is_exact() {
        let packets = [
            Packet::new(PacketType::Connect, "/"),
            Packet::new(PacketType::Event, "/chat")
                .with_id(1234)
                .with_data(r#"["a",1]"#),
            Packet::new(PacketType::Ack, "").with_id(0).with_data("[]"),
            Packet::new(PacketType::Event, "/")
                .with_data(r#"["b",{"_placeholder":true,"num":0}]"#)
                .with_attachments(vec![Bytes::from_static(b"x"); 12]),
            Packet::new(PacketType::BinaryAck, "/x").with_id(MAX_ACK_ID),
        ];
        for p in packets {
            let mut out = Vec::new();
            encode_into(&p, &mut out);
            assert_eq!(encoded_len(&p), out.len(), "{p:?}");
        }
    }
}
