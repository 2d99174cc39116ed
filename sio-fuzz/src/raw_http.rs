//! The adapter's parser of the requests it serves without hyper
//! (`sio_smol::internals::raw_http`), and its response writer.

use sio_smol::internals::raw_http::{
    self, MAX_BODY, MAX_HEADERS, Parsed, RawHead, RawKind, RawMethod,
};

/// Arbitrary bytes as the start of a connection: a head taken for serving
/// lies within the input and is what it claims (origin-form path, a body
/// within the limit, an upgrade only by `GET`). Then the input, as a header
/// value and a body, must give a response that parses back as one, with
/// that body and no header smuggled in.
pub fn run(data: &[u8]) {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    if let Parsed::Head(head) = RawHead::parse(data, &mut headers) {
        assert!(head.len <= data.len(), "head past the input");
        assert!(data[..head.len].ends_with(b"\n"), "head ends mid-line");
        assert!(head.path.starts_with('/'), "not origin-form");
        assert!(!head.path.contains('?'), "query left in the path");
        match head.kind {
            RawKind::Upgrade { .. } => assert_eq!(head.method, RawMethod::Get),
            RawKind::Plain { content_length, .. } => assert!(content_length <= MAX_BODY),
        }
    }
    let text = String::from_utf8_lossy(data);
    let mid = (0..=text.len() / 2)
        .rev()
        .find(|i| text.is_char_boundary(*i))
        .unwrap_or(0);
    let (value, body) = text.split_at(mid);
    let res = raw_http::response(200, [("x-fuzz", value)], body.as_bytes(), false);
    let mut parsed = [httparse::EMPTY_HEADER; 8];
    let mut response = httparse::Response::new(&mut parsed);
    let Ok(httparse::Status::Complete(len)) = response.parse(&res) else {
        panic!("unparseable response {:?}", String::from_utf8_lossy(&res));
    };
    assert_eq!(response.code, Some(200));
    assert!(
        response
            .headers
            .iter()
            .all(|h| matches!(h.name, "x-fuzz" | "content-length")),
        "a header was smuggled in"
    );
    assert_eq!(&res[len..], body.as_bytes(), "body");
}
