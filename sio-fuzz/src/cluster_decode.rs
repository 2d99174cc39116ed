//! The Redis-adapter cluster codec: arbitrary bytes as a broadcast, a
//! request and a response. What decodes is re-encoded without a panic, and
//! a decoded broadcast re-encoded decodes to the same value.

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
}

#[cfg(test)]
mod tests {
    use sio_core::cluster::{decode_broadcast, decode_request, decode_response};

    #[test]
    fn the_seeds_decode() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/cluster_decode");
        let mut decoded = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let data = std::fs::read(entry.unwrap().path()).unwrap();
            if decode_broadcast(&data).is_ok()
                || decode_request(&data).is_ok()
                || decode_response(&data).is_ok()
            {
                decoded += 1;
            }
        }
        // The 36 hand-written seeds (broadcasts, requests, responses).
        assert!(decoded >= 36, "only {decoded} corpus entries decode");
    }
}
