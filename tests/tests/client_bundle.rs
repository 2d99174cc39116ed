//! The browser client bundles served as Node's `serveClient` does: the npm
//! package's `dist` files at `/socket.io/<name>`, from memory, with an
//! `ETag`, `304` on `If-None-Match`, `Cache-Control: public, max-age=0`;
//! a clear `404` for a bundle that is missing.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tests::raw::{self, RawResponse};

/// A copy of the npm package's `dist` directory (installed for the Node
/// drivers) in a fresh temporary directory, so the test can remove files.
fn dist_copy(tag: &str) -> PathBuf {
    tests::ensure_npm();
    let src = tests::js_dir().join("node_modules/socket.io-client/dist");
    let dir = std::env::temp_dir().join(format!("sio-bundle-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for entry in std::fs::read_dir(&src).expect("socket.io-client is installed") {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.join(entry.file_name())).unwrap();
    }
    dir
}

fn server(dist: &Path) -> sio_smol::RunningServer {
    let dist = dist.to_owned();
    let addr: SocketAddr = "127.0.0.1:0".parse().unwrap();
    sio_smol::spawn_thread(addr, move || {
        let io = sio_smol::io::SocketIo::new(Default::default());
        assert_eq!(io.serve_client(&dist), 8, "every bundle of the package");
        sio_smol::Mux::new().mount(&io)
    })
    .unwrap()
}

/// A GET with extra header lines (`Connection: close`).
fn get(addr: SocketAddr, path: &str, extra: &str) -> RawResponse {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let head = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{extra}\r\n");
    s.write_all(head.as_bytes()).unwrap();
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    raw::parse_response(&buf).expect("a response")
}

#[test]
fn bundles_with_etag_and_304() {
    let dist = dist_copy("etag");
    let server = server(&dist);
    let addr = server.addr();
    for (name, kind) in [
        ("socket.io.js", "application/javascript; charset=utf-8"),
        ("socket.io.min.js", "application/javascript; charset=utf-8"),
        (
            "socket.io.esm.min.js",
            "application/javascript; charset=utf-8",
        ),
        (
            "socket.io.msgpack.min.js",
            "application/javascript; charset=utf-8",
        ),
        ("socket.io.js.map", "application/json; charset=utf-8"),
        ("socket.io.min.js.map", "application/json; charset=utf-8"),
    ] {
        let res = get(addr, &format!("/socket.io/{name}"), "");
        assert_eq!(res.status, 200, "{name}: {}", res.text());
        assert_eq!(res.body, std::fs::read(dist.join(name)).unwrap(), "{name}");
        assert_eq!(res.header("content-type"), Some(kind), "{name}");
        assert_eq!(
            res.header("cache-control"),
            Some("public, max-age=0"),
            "{name}"
        );
        let etag = res.header("etag").expect("an ETag").to_owned();
        assert!(
            etag.starts_with('"') && etag.ends_with('"') && etag.len() > 2,
            "{etag}"
        );
        for tag in [etag.clone(), format!("W/{etag}")] {
            let res = get(
                addr,
                &format!("/socket.io/{name}?v=1"),
                &format!("If-None-Match: {tag}\r\n"),
            );
            assert_eq!(res.status, 304, "{name} with {tag}");
            assert!(res.body.is_empty());
            assert_eq!(res.header("etag"), Some(etag.as_str()));
        }
        let res = get(
            addr,
            &format!("/socket.io/{name}"),
            "If-None-Match: \"other\"\r\n",
        );
        assert_eq!(res.status, 200, "{name} with a stale tag");
    }
    // The old wrong name is not a bundle: the engine answers, as Node's.
    let res = get(addr, "/socket.io/socket.io.js.min", "");
    assert_eq!(res.status, 400, "{}", res.text());
    server.stop().unwrap();
    let _ = std::fs::remove_dir_all(&dist);
}

#[test]
fn bundles_are_read_once_and_a_missing_one_is_a_clear_404() {
    let dist = dist_copy("memory");
    std::fs::remove_file(dist.join("socket.io.esm.min.js")).unwrap();
    let dist2 = dist.clone();
    let addr: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let server = sio_smol::spawn_thread(addr, move || {
        let io = sio_smol::io::SocketIo::new(Default::default());
        // A bundle file given directly: its directory is served.
        assert_eq!(io.serve_client(dist2.join("socket.io.min.js")), 7);
        sio_smol::Mux::new().mount(&io)
    })
    .unwrap();
    let addr = server.addr();
    let expected = std::fs::read(dist.join("socket.io.js")).unwrap();
    // Answered once the server is up (the router is made on its thread)...
    assert_eq!(get(addr, "/socket.io/socket.io.js", "").status, 200);
    // ...and once gone from disk: still served, from memory.
    std::fs::remove_dir_all(&dist).unwrap();
    let res = get(addr, "/socket.io/socket.io.js", "");
    assert_eq!(res.status, 200);
    assert_eq!(res.body, expected);
    let res = get(addr, "/socket.io/socket.io.esm.min.js", "");
    assert_eq!(res.status, 404);
    assert!(
        res.text().contains("socket.io.esm.min.js not found")
            && res
                .text()
                .contains("install the npm package socket.io-client"),
        "{}",
        res.text()
    );
    server.stop().unwrap();
}
