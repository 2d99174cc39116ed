//! The browser client bundles (the npm package `socket.io-client`'s
//! `dist` files) served from memory at the server's path, as Node's
//! `serveClient` does: `ETag`, `304` on `If-None-Match`,
//! `Cache-Control: public, max-age=0`.

use crate::net::Body;
use bytes::Bytes;
use hyper::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, HeaderValue};
use hyper::{Response, StatusCode};
use std::hash::{DefaultHasher, Hasher};
use std::path::{Path, PathBuf};

/// The file names Node's server answers, relative to its path.
pub(crate) const NAMES: [&str; 8] = [
    "socket.io.js",
    "socket.io.js.map",
    "socket.io.min.js",
    "socket.io.min.js.map",
    "socket.io.esm.min.js",
    "socket.io.esm.min.js.map",
    "socket.io.msgpack.min.js",
    "socket.io.msgpack.min.js.map",
];

/// One file, read once.
struct ClientFile {
    name: &'static str,
    body: Bytes,
    /// A quoted strong validator: a hash of the content.
    etag: HeaderValue,
}

/// The bundles found in one directory, in memory.
pub(crate) struct ClientFiles {
    dir: PathBuf,
    files: Vec<ClientFile>,
}

impl ClientFiles {
    /// Reads every bundle of [`NAMES`] present in `dir` (blocking: call it
    /// while setting the server up, not on the executor).
    pub(crate) fn load(dir: PathBuf) -> ClientFiles {
        let files = NAMES
            .iter()
            .filter_map(|&name| {
                let body = std::fs::read(dir.join(name)).ok()?;
                let mut h = DefaultHasher::new();
                h.write(&body);
                let etag = HeaderValue::from_str(&format!("\"{:016x}\"", h.finish()))
                    .expect("hex digits in quotes are a valid header value");
                Some(ClientFile {
                    name,
                    body: body.into(),
                    etag,
                })
            })
            .collect();
        ClientFiles { dir, files }
    }

    /// How many bundles were found.
    pub(crate) fn len(&self) -> usize {
        self.files.len()
    }

    /// The answer to a request for `name` (one of [`NAMES`]) with the
    /// request's `If-None-Match` header.
    pub(crate) fn respond(&self, name: &str, if_none_match: Option<&[u8]>) -> Response<Body> {
        let Some(file) = self.files.iter().find(|f| f.name == name) else {
            let text = format!(
                "{name} not found in {}: install the npm package socket.io-client there, \
                 or serve your own copy of the client\n",
                self.dir.display()
            );
            let mut res = Response::new(Body::from(text));
            *res.status_mut() = StatusCode::NOT_FOUND;
            res.headers_mut().insert(
                CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            );
            return res;
        };
        let tag = file.etag.as_bytes();
        let fresh = if_none_match.is_some_and(|v| v == tag || v.strip_prefix(b"W/") == Some(tag));
        let mut res = if fresh {
            let mut res = Response::new(Body::from(""));
            *res.status_mut() = StatusCode::NOT_MODIFIED;
            res
        } else {
            let mut res = Response::new(Body::from(file.body.clone()));
            let kind = if name.ends_with(".map") {
                "application/json; charset=utf-8"
            } else {
                "application/javascript; charset=utf-8"
            };
            res.headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static(kind));
            res
        };
        let headers = res.headers_mut();
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("public, max-age=0"));
        headers.insert(ETAG, file.etag.clone());
        res
    }
}

/// The bundle name `path` asks for under the server's `base` path, if it
/// is one.
pub(crate) fn requested(base: &str, path: &str) -> Option<&'static str> {
    let rest = path.strip_prefix(base)?;
    NAMES.iter().copied().find(|n| *n == rest)
}

/// The directory of `path`: itself, or the directory of a bundle file
/// given directly (`.../dist/socket.io.min.js`).
pub(crate) fn dist_dir(path: &Path) -> PathBuf {
    if path.is_file() {
        path.parent().map_or_else(PathBuf::new, Path::to_path_buf)
    } else {
        path.to_path_buf()
    }
}
