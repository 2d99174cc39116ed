//! permessage-deflate's read side in sio-smol
//! (`sio_smol::internals::inflate_frames`): the transducer between the
//! socket and tungstenite that inflates compressed client messages.

use sio_core::engine::deflate_message;
use sio_smol::internals::inflate_frames::FrameInflater;

/// Arbitrary bytes as what a client sent after the upgrade (the first
/// byte picks the message bound and how the bytes are split into reads):
/// any split gives the same output, a fault ends the output, and the
/// frames made of inflated messages stay within the bound. Then the input
/// itself, deflated and framed as a compressed message, must come out as
/// one frame carrying it (or as the too-big fault when over the bound).
pub fn run(data: &[u8]) {
    let Some((&first, wire)) = data.split_first() else {
        return;
    };
    let max = usize::from(first >> 3) * 97 + 1;
    let piece = usize::from(first & 7) + 1;
    let (whole, faulted) = feed(max, [wire]);
    let (pieces, faulted_too) = feed(max, wire.chunks(piece));
    assert_eq!(
        faulted, faulted_too,
        "a fault depends on how reads split the input"
    );
    if faulted {
        // A message both too big and corrupt is reported as whichever the
        // reads reveal first; what came before the fault is the same.
        let (a, b) = (before_fault(&whole, max), before_fault(&pieces, max));
        assert!(
            a.starts_with(b) || b.starts_with(a),
            "output before the fault"
        );
    } else {
        assert_eq!(
            whole, pieces,
            "the output depends on how reads split the input"
        );
    }

    let z = deflate_message(wire, 6).expect("deflate");
    let mut framed = vec![0xc2];
    push_len(&mut framed, z.len(), true);
    framed.extend_from_slice(&[0, 0, 0, 0]);
    framed.extend_from_slice(&z);
    let (out, faulted) = feed(max, framed.chunks(piece));
    let over = z.len() > max || wire.len() > max;
    assert_eq!(
        faulted,
        over,
        "{} bytes ({} compressed), bound {max}",
        wire.len(),
        z.len()
    );
    if !over {
        let mut expect = vec![0x82];
        push_len(&mut expect, wire.len(), true);
        expect.extend_from_slice(&[0, 0, 0, 0]);
        expect.extend_from_slice(wire);
        assert_eq!(out, expect, "a compressed message round trip");
    }
}

/// `out` without the fault frame that ends it.
fn before_fault(out: &[u8], max: usize) -> &[u8] {
    let mut too_big = vec![0x82];
    push_len(&mut too_big, max + 1, true);
    too_big.extend_from_slice(&[0, 0, 0, 0]);
    let protocol: &[u8] = &[0xc2, 0x80, 0, 0, 0, 0];
    out.strip_suffix(&too_big[..])
        .or_else(|| out.strip_suffix(protocol))
        .expect("a fault frame at the end")
}

/// Feeds `chunks` to a fresh inflater bounded at `max`.
fn feed<'a>(max: usize, chunks: impl IntoIterator<Item = &'a [u8]>) -> (Vec<u8>, bool) {
    let mut r = FrameInflater::new(max);
    let mut out = Vec::new();
    for c in chunks {
        r.feed(c, &mut out);
    }
    (out, r.faulted())
}

/// A frame's length field (masked if `masked`).
fn push_len(out: &mut Vec<u8>, len: usize, masked: bool) {
    let m = if masked { 0x80 } else { 0 };
    match len {
        0..=125 => out.push(m | len as u8),
        126..=0xffff => {
            out.push(m | 126);
            out.extend_from_slice(&(len as u16).to_be_bytes());
        }
        _ => {
            out.push(m | 127);
            out.extend_from_slice(&(len as u64).to_be_bytes());
        }
    }
}
