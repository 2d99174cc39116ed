//! The sticky proxy against trivial backends that act out the parts of an
//! Engine.IO server the proxy looks at.

use super::http::{Framing, Peer};
use super::{ProxyStats, StickyProxy};
use smol::Async;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// A backend named `name`: a GET without `sid` is a handshake answered
/// `0{"sid":"<name>-<n>"}`; a request with a sid issued here is answered
/// (chunked) `<name> <sid> <request body>`, one with another sid `400`; an
/// `Upgrade` request gets `101` and an echo of every byte after it.
struct Backend {
    addr: SocketAddr,
    /// Set when killed: the accept loop then drops the listener.
    dead: Arc<AtomicBool>,
    /// Every accepted connection, to cut them all when killed.
    conns: Arc<Mutex<Vec<TcpStream>>>,
}

impl Backend {
    fn start(name: &'static str) -> Backend {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a backend");
        let addr = listener.local_addr().expect("bound");
        let dead: Arc<AtomicBool> = Arc::default();
        let conns: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
        let (d, c) = (dead.clone(), conns.clone());
        std::thread::spawn(move || {
            for (n, stream) in listener.incoming().enumerate() {
                let Ok(stream) = stream else { continue };
                if d.load(Ordering::SeqCst) {
                    break; // drops the listener: connections are refused
                }
                let copy = stream.try_clone().expect("clone a socket");
                c.lock().expect("not poisoned").push(copy);
                std::thread::spawn(move || answer(name, stream, n as u32 * 100));
            }
        });
        Backend { addr, dead, conns }
    }

    /// Dies: refuses connections from now on and cuts the live ones.
    fn kill(self) {
        self.dead.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr); // wakes the accept loop
        for s in self.conns.lock().expect("not poisoned").iter() {
            let _ = s.shutdown(Shutdown::Both);
        }
    }
}

/// Serves one backend connection.
fn answer(name: &str, stream: TcpStream, mut next_sid: u32) {
    let mut out = stream.try_clone().expect("clone a socket");
    let mut reader = BufReader::new(stream);
    loop {
        let mut head = Vec::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            if line == "\r\n" {
                break;
            }
            head.push(line.trim_end().to_owned());
        }
        let target = head[0].split(' ').nth(1).unwrap_or_default().to_owned();
        let header = |n: &str| {
            head.iter().find_map(|h| {
                h.to_ascii_lowercase()
                    .strip_prefix(&format!("{n}: "))
                    .map(str::to_owned)
            })
        };
        let length: usize = header("content-length").map_or(0, |l| l.parse().unwrap_or(0));
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let sid = super::http::query_param(&target, "sid").map(str::to_owned);
        if header("upgrade").is_some() {
            let _ = out.write_all(b"HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: upgrade\r\n\r\n");
            let mut buf = [0; 1024];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 || out.write_all(&buf[..n]).is_err() {
                    return;
                }
            }
            return;
        }
        let res = match sid {
            None => {
                next_sid += 1;
                let open = format!("0{{\"sid\":\"{name}-{next_sid}\",\"upgrades\":[]}}");
                format!(
                    "HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n{open}",
                    open.len()
                )
            }
            Some(sid) if sid.starts_with(&format!("{name}-")) => {
                let text = format!("{name} {sid} {}", String::from_utf8_lossy(&body));
                let (a, b) = text.split_at(text.len() / 2);
                format!(
                    "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n{:x}\r\n{a}\r\n{:x}\r\n{b}\r\n0\r\n\r\n",
                    a.len(),
                    b.len()
                )
            }
            Some(_) => "HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n".to_owned(),
        };
        if out.write_all(res.as_bytes()).is_err() {
            return;
        }
    }
}

/// A keep-alive client connection to the proxy.
struct Client(Peer);

impl Client {
    async fn connect(proxy: &StickyProxy) -> Client {
        let addr = proxy.addr;
        Client(Peer::new(
            Async::<TcpStream>::connect(addr)
                .await
                .expect("connect to the proxy"),
        ))
    }

    /// Sends a request and returns the status and the raw body, or `None`
    /// if the connection closed instead.
    async fn request(
        &mut self,
        method: &str,
        target: &str,
        body: &str,
    ) -> Option<(String, String)> {
        let head = format!(
            "{method} {target} HTTP/1.1\r\nhost: x\r\ncontent-length: {}\r\n\r\n",
            body.len()
        );
        self.0
            .write(&[head.as_bytes(), body.as_bytes()])
            .await
            .ok()?;
        let res = self.0.read_head().await.ok()??;
        let framing = res.response_framing(method);
        assert_ne!(framing, Framing::UntilClose);
        let mut body = String::from_utf8(self.0.read_body(framing).await.ok()?).ok()?;
        if framing == Framing::Chunked {
            body = dechunk(&body);
        }
        Some((res.start[1].clone(), body))
    }

    /// The status of a GET of `target`.
    async fn status_of(&mut self, target: &str) -> String {
        let (status, _) = self.request("GET", target, "").await.expect("an answer");
        status
    }

    /// A polling handshake: the sid issued.
    async fn handshake(&mut self) -> String {
        let (status, body) = self
            .request("GET", "/socket.io/?EIO=4&transport=polling", "")
            .await
            .expect("an answer");
        assert_eq!(status, "200", "{body}");
        super::http::handshake_sid(body.as_bytes()).expect("a sid")
    }
}

/// The data of a chunked body.
fn dechunk(mut raw: &str) -> String {
    let mut data = String::new();
    while let Some((size, rest)) = raw.split_once("\r\n") {
        let size = usize::from_str_radix(size, 16).expect("a chunk size");
        if size == 0 {
            break;
        }
        data.push_str(&rest[..size]);
        raw = &rest[size + 2..];
    }
    data
}

/// `/socket.io/?EIO=4&transport=polling&sid=<sid>`.
fn with_sid(sid: &str) -> String {
    format!("/socket.io/?EIO=4&transport=polling&sid={sid}")
}

#[test]
fn routes_each_request_by_sid_and_new_sessions_round_robin() {
    let (b0, b1) = (Backend::start("b0"), Backend::start("b1"));
    let proxy = StickyProxy::start(&[Some(b0.addr), Some(b1.addr)]);
    smol::block_on(async {
        // One keep-alive connection carries requests of several sessions.
        let mut c = Client::connect(&proxy).await;
        let s0 = c.handshake().await;
        let s1 = c.handshake().await;
        assert!(s0.starts_with("b0-") && s1.starts_with("b1-"), "{s0} {s1}");
        for sid in [&s1, &s0, &s1] {
            let (status, body) = c
                .request("POST", &with_sid(sid), "4hi")
                .await
                .expect("an answer");
            assert_eq!(status, "200");
            assert!(body.contains(&format!("{sid} 4hi")), "{body}");
        }
        // An upgrade without sid goes round robin (b0 now) and is relayed raw.
        let mut ws = Client::connect(&proxy).await;
        let head = "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nhost: x\r\nupgrade: websocket\r\nconnection: upgrade\r\n\r\n";
        ws.0.write(&[head.as_bytes(), b"early"])
            .await
            .expect("write");
        let res = ws.0.read_head().await.expect("read").expect("a head");
        assert_eq!(res.start[1], "101");
        ws.0.write(&[b" bytes"]).await.expect("write");
        let mut echoed = std::mem::take(&mut ws.0.buf);
        while echoed.len() < b"early bytes".len() {
            let mut chunk = [0; 64];
            let n = smol::io::AsyncReadExt::read(&mut &ws.0.stream, &mut chunk)
                .await
                .expect("read");
            assert!(n > 0, "relay ended early");
            echoed.extend_from_slice(&chunk[..n]);
        }
        assert_eq!(echoed, b"early bytes");

        // b1 dies: its sessions get 502 (and a closed connection), new
        // sessions go to b0 only; b0's sessions are unaffected.
        b1.kill();
        proxy.set_backend(1, None);
        let mut c2 = Client::connect(&proxy).await;
        assert_eq!(c2.status_of(&with_sid(&s1)).await, "502");
        assert!(
            c2.request("GET", &with_sid(&s0), "").await.is_none(),
            "closed after a 502"
        );
        assert_eq!(c.status_of(&with_sid(&s0)).await, "200");
        assert!(c.handshake().await.starts_with("b0-"));
        assert!(c.handshake().await.starts_with("b0-"));

        // b1 restarts on a new address: its old sessions stay gone, new
        // ones alternate again.
        let b1 = Backend::start("b1");
        proxy.set_backend(1, Some(b1.addr));
        let mut c3 = Client::connect(&proxy).await;
        assert_eq!(c3.status_of(&with_sid(&s1)).await, "502");
        let mut c4 = Client::connect(&proxy).await;
        let mut got: Vec<String> = Vec::new();
        for _ in 0..2 {
            got.push(c4.handshake().await[..2].to_owned());
        }
        got.sort();
        assert_eq!(got, ["b0", "b1"]);
        let mut c5 = Client::connect(&proxy).await;
        assert_eq!(
            c5.status_of(&with_sid("nobody")).await,
            "502",
            "unknown sid"
        );

        // The relay to b0 ends when b0 dies.
        b0.kill();
        let mut chunk = [0; 8];
        let n = smol::io::AsyncReadExt::read(&mut &ws.0.stream, &mut chunk)
            .await
            .unwrap_or(0);
        assert_eq!(n, 0, "relay still open");
    });
    assert_eq!(
        proxy.stats(),
        ProxyStats {
            requests: 14,
            handshakes: 6,
            upgrades: 1,
            bad_gateway: 3,
        }
    );
}
