//! Serving files from a directory, refusing paths that leave it.

use std::fs;
use std::path::{Component, Path, PathBuf};

use bytes::Bytes;
use hyper::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderValue, X_CONTENT_TYPE_OPTIONS};
use hyper::{Method, Response};

use super::http::Body;

/// Answers a `GET` or `HEAD` for `url_path` (the request path, percent-encoded)
/// with the file it names under `root`, or `index.html` for a directory.
///
/// Returns `None` for other methods, for paths that are malformed or would
/// leave `root` (`..` segments, also percent-encoded, backslashes, NUL, or
/// symlinks resolving outside `root`), and for files that do not exist or
/// cannot be read; the caller answers those with a 404. Reads the file
/// synchronously.
pub fn serve_static(root: &Path, url_path: &str, method: &Method) -> Option<Response<Body>> {
    if method != Method::GET && method != Method::HEAD {
        return None;
    }
    let rel = relative_path(url_path)?;
    let root = fs::canonicalize(root).ok()?;
    let mut path = contained(&root, &root.join(rel))?;
    if path.is_dir() {
        path = contained(&root, &path.join("index.html"))?;
    }
    let meta = fs::metadata(&path).ok().filter(|m| m.is_file())?;
    let body = if method == Method::HEAD {
        Body::default()
    } else {
        Body::new(Bytes::from(fs::read(&path).ok()?))
    };
    let mut res = Response::new(body);
    let h = res.headers_mut();
    h.insert(CONTENT_TYPE, HeaderValue::from_static(content_type(&path)));
    h.insert(CONTENT_LENGTH, HeaderValue::from(meta.len()));
    h.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    Some(res)
}

/// Canonicalizes `path`, returning it only if it exists and lies under the
/// canonical `root`.
fn contained(root: &Path, path: &Path) -> Option<PathBuf> {
    let canon = fs::canonicalize(path).ok()?;
    if canon.starts_with(root) {
        Some(canon)
    } else {
        tracing::debug!(path = %path.display(), "static path resolves outside the root");
        None
    }
}

/// Turns a URL path into a relative file-system path made only of normal
/// components, or `None` if it is malformed or tries to escape.
fn relative_path(url_path: &str) -> Option<PathBuf> {
    let url_path = url_path.split(['?', '#']).next().unwrap_or_default();
    let decoded = percent_decode(url_path)?;
    if decoded.contains(['\\', '\0']) {
        return None;
    }
    let mut rel = PathBuf::new();
    for segment in decoded.split('/').filter(|s| !s.is_empty() && *s != ".") {
        let mut components = Path::new(segment).components();
        match (components.next(), components.next()) {
            (Some(Component::Normal(c)), None) => rel.push(c),
            _ => return None, // `..`, or a drive prefix / root on Windows
        }
    }
    Some(rel)
}

/// Decodes `%XX` escapes; `None` on a bad escape or invalid UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The `Content-Type` for a file, from its extension.
fn content_type(path: &Path) -> &'static str {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "svg" => "image/svg+xml",
        "ico" => "image/x-icon",
        "txt" => "text/plain; charset=utf-8",
        "wasm" => "application/wasm",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;
    use std::sync::atomic::{AtomicU32, Ordering};

    /// A fresh directory tree: `<base>/root` (served) and `<base>/secret.txt`
    /// (outside), plus symlinks from inside the root to outside.
    struct Tree {
        /// Temporary directory holding the tree; removed on drop.
        base: PathBuf,
    }

    impl Tree {
        /// Builds the tree under a unique directory in the system temp dir.
        fn new() -> Self {
            static N: AtomicU32 = AtomicU32::new(0);
            let base = std::env::temp_dir().join(format!(
                "sio-smol-static-{}-{}",
                std::process::id(),
                N.fetch_add(1, Ordering::Relaxed)
            ));
            let _ = fs::remove_dir_all(&base);
            let root = base.join("root");
            fs::create_dir_all(root.join("sub")).unwrap();
            fs::create_dir_all(base.join("outdir")).unwrap();
            fs::write(root.join("index.html"), "<h1>home</h1>").unwrap();
            fs::write(root.join("app.js"), "let x;").unwrap();
            fs::write(root.join("sub/index.html"), "sub").unwrap();
            fs::write(root.join("data.bin"), [1, 2, 3]).unwrap();
            fs::write(root.join("a b.txt"), "spaced").unwrap();
            fs::write(base.join("secret.txt"), "secret").unwrap();
            fs::write(base.join("outdir/index.html"), "secret").unwrap();
            #[cfg(unix)]
            {
                std::os::unix::fs::symlink(base.join("secret.txt"), root.join("link.txt")).unwrap();
                std::os::unix::fs::symlink(base.join("outdir"), root.join("linkdir")).unwrap();
                std::os::unix::fs::symlink(root.join("app.js"), root.join("inner.js")).unwrap();
            }
            Self { base }
        }

        /// The served directory.
        fn root(&self) -> PathBuf {
            self.base.join("root")
        }

        /// GETs `path`, returning the content type and body if served.
        fn get(&self, path: &str) -> Option<(String, Vec<u8>)> {
            let res = serve_static(&self.root(), path, &Method::GET)?;
            let ct = res.headers()[CONTENT_TYPE].to_str().unwrap().to_owned();
            let body = smol::block_on(res.into_body().collect())
                .unwrap()
                .to_bytes();
            Some((ct, body.to_vec()))
        }
    }

    impl Drop for Tree {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.base);
        }
    }

    #[test]
    fn serves_files_and_index() {
        let t = Tree::new();
        let (ct, body) = t.get("/").unwrap();
        assert_eq!(
            (ct.as_str(), body.as_slice()),
            ("text/html; charset=utf-8", &b"<h1>home</h1>"[..])
        );
        assert_eq!(t.get("/sub/").unwrap().1, b"sub");
        assert_eq!(t.get("/sub").unwrap().1, b"sub");
        assert_eq!(
            t.get("/app.js?v=1").unwrap().0,
            "text/javascript; charset=utf-8"
        );
        assert_eq!(t.get("/data.bin").unwrap().0, "application/octet-stream");
        assert_eq!(t.get("/a%20b.txt").unwrap().1, b"spaced");
        assert_eq!(
            t.get("/sub/../app.js"),
            None,
            "`..` is refused even inside the root"
        );
        assert_eq!(t.get("/missing.js"), None);
        #[cfg(unix)]
        assert_eq!(
            t.get("/inner.js").unwrap().1,
            b"let x;",
            "symlink inside the root"
        );
    }

    #[test]
    fn head_and_other_methods() {
        let t = Tree::new();
        let res = serve_static(&t.root(), "/app.js", &Method::HEAD).unwrap();
        assert_eq!(res.headers()[CONTENT_LENGTH], "6");
        let body = smol::block_on(res.into_body().collect())
            .unwrap()
            .to_bytes();
        assert!(body.is_empty());
        assert!(serve_static(&t.root(), "/app.js", &Method::POST).is_none());
    }

    #[test]
    fn refuses_escapes() {
        let t = Tree::new();
        for path in [
            "/../secret.txt",
            "/%2e%2e/secret.txt",
            "/%2E%2e%2fsecret.txt",
            "/sub/..%2f..%2fsecret.txt",
            "/..\\secret.txt",
            "/%5c..%5csecret.txt",
            "/app.js%00",
            "/app.js%00.txt",
            "%2f..%2fsecret.txt",
            "//../secret.txt",
            "/%zz",
            "/%2",
            "/%ff",
            "/link.txt",
            "/linkdir/",
            "/linkdir/index.html",
        ] {
            assert_eq!(t.get(path), None, "{path} must not be served");
        }
    }

    #[test]
    fn absolute_paths_stay_under_root() {
        let t = Tree::new();
        let secret = t.base.join("secret.txt");
        let encoded = secret.to_str().unwrap().replace('/', "%2f");
        assert_eq!(t.get(&encoded), None);
        assert_eq!(t.get(&format!("/{}", secret.display())), None);
    }
}
