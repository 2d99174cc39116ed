//! The Redis-adapter cluster codecs: arbitrary bytes as a classic
//! broadcast, request and response, and as a streams-adapter Pub/Sub
//! message, session and stream entry. What decodes is re-encoded without a
//! panic, a decoded broadcast re-encoded decodes to the same value, and a
//! decoded streams message re-encoded decodes to one that re-encodes to the
//! same bytes.

use bytes::Bytes;
use sio_core::cluster::streams::{
    decode_entry, decode_message, decode_session, encode_entry, encode_message, encode_session,
    next_offset,
};
use sio_core::cluster::{
    Request, decode_broadcast, decode_request, decode_response, encode_broadcast, encode_request,
    encode_response,
};

/// The fuzz target.
pub fn run(data: &[u8]) {
    if let Ok(msg) = decode_broadcast(data) {
        let again = encode_broadcast(&msg.uid, &msg.nsp, &msg.event, &msg.args, &msg.opts);
        let back = decode_broadcast(&again).expect("re-encoded broadcast decodes");
        assert_eq!(back, msg, "broadcast round trip");
    }
    if let Ok(msg) = decode_request(data) {
        let uid = msg.uid.as_deref().unwrap_or("emitter");
        let again = encode_request(uid, "/", &msg.request);
        let back = decode_request(&again).expect("re-encoded request decodes");
        // Binary arguments of JSON requests travel as Buffer objects, and
        // types 2–5 carry no flags: only the type must survive.
        assert_eq!(
            std::mem::discriminant(&back.request),
            std::mem::discriminant(&msg.request)
        );
        if let Request::Broadcast { .. } = msg.request {
            assert_eq!(back.request, msg.request, "acked broadcast round trip");
        }
    }
    if let Ok(response) = decode_response(data) {
        let again = encode_response(&response);
        decode_response(&again).expect("re-encoded response decodes");
    }
    streams(data);
}

/// The streams adapter's decoders. A stream entry is the input split at
/// its first `\n`: the `type` field, then the `data` field.
fn streams(data: &[u8]) {
    if let Ok(env) = decode_message(data) {
        let again = encode_message(&env.uid, &env.nsp, &env.msg);
        let back = decode_message(&again).expect("re-encoded message decodes");
        assert_eq!(
            encode_message(&back.uid, &back.nsp, &back.msg),
            again,
            "message fixpoint"
        );
    }
    if let Ok(record) = decode_session(data) {
        let again = encode_session(&record);
        let back = decode_session(&again).expect("re-encoded session decodes");
        assert_eq!(encode_session(&back), again, "session fixpoint");
    }
    let mut parts = data.splitn(2, |b| *b == b'\n');
    let kind = parts.next().unwrap_or_default();
    let rest = parts.next().unwrap_or_default();
    let fields = vec![
        (Bytes::from_static(b"uid"), Bytes::from_static(b"u")),
        (Bytes::from_static(b"nsp"), Bytes::from_static(b"/")),
        (
            Bytes::copy_from_slice(b"type"),
            Bytes::copy_from_slice(kind),
        ),
        (Bytes::from_static(b"data"), Bytes::copy_from_slice(rest)),
    ];
    if let Ok(env) = decode_entry(&fields) {
        let again = encode_entry(&env.uid, &env.nsp, &env.msg);
        let back = decode_entry(&again).expect("re-encoded entry decodes");
        assert_eq!(
            encode_entry(&back.uid, &back.nsp, &back.msg),
            again,
            "entry fixpoint"
        );
    }
    let _ = next_offset(data);
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;
    use sio_core::cluster::streams::{decode_entry, decode_message, decode_session};
    use sio_core::cluster::{decode_broadcast, decode_request, decode_response};

    #[test]
    fn the_seeds_decode() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/cluster_decode");
        let (mut decoded, mut streams) = (0, 0);
        for entry in std::fs::read_dir(dir).unwrap() {
            let data = std::fs::read(entry.unwrap().path()).unwrap();
            if decode_broadcast(&data).is_ok()
                || decode_request(&data).is_ok()
                || decode_response(&data).is_ok()
            {
                decoded += 1;
            }
            if decode_message(&data).is_ok() || decode_session(&data).is_ok() {
                streams += 1;
            }
            let (kind, rest) = data.split_at(data.iter().position(|b| *b == b'\n').unwrap_or(0));
            let fields = [
                (Bytes::from_static(b"nsp"), Bytes::from_static(b"/")),
                (
                    Bytes::copy_from_slice(b"type"),
                    Bytes::copy_from_slice(kind),
                ),
                (
                    Bytes::from_static(b"data"),
                    Bytes::copy_from_slice(rest.get(1..).unwrap_or_default()),
                ),
            ];
            if decode_entry(&fields).is_ok() {
                streams += 1;
            }
            super::run(&data);
        }
        // The 36 hand-written seeds (broadcasts, requests, responses).
        assert!(decoded >= 36, "only {decoded} corpus entries decode");
        // Streams seeds: entries, Pub/Sub messages and sessions from Node.
        assert!(streams >= 8, "only {streams} streams seeds decode");
    }
}
