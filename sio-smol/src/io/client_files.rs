//! The browser client bundles (the npm package `socket.io-client`'s
//! `dist` files) served from memory at the server's path, as Node's
//! `serveClient` does: `ETag`, `304` on `If-None-Match`,
//! `Cache-Control: public, max-age=0`.

use bytes::Bytes;
use sio_core::http::HttpResponse;
use std::borrow::Cow;
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
    etag: String,
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
                let etag = format!("\"{:016x}\"", h.finish());
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
    pub(crate) fn respond(&self, name: &str, if_none_match: Option<&str>) -> HttpResponse {
        let Some(file) = self.files.iter().find(|f| f.name == name) else {
            let text = format!(
                "{name} not found in {}: install the npm package socket.io-client there, \
                 or serve your own copy of the client\n",
                self.dir.display()
            );
            return HttpResponse::new(404, "text/plain; charset=utf-8", text);
        };
        let tag = file.etag.as_str();
        let fresh = if_none_match.is_some_and(|v| v == tag || v.strip_prefix("W/") == Some(tag));
        let mut res = if fresh {
            HttpResponse::empty(304)
        } else {
            let kind = if name.ends_with(".map") {
                "application/json; charset=utf-8"
            } else {
                "application/javascript; charset=utf-8"
            };
            HttpResponse::new(200, kind, file.body.clone())
        };
        res.headers
            .push(("cache-control", Cow::Borrowed("public, max-age=0")));
        res.headers.push(("etag", Cow::Owned(file.etag.clone())));
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
