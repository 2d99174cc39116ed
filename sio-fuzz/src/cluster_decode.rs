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
