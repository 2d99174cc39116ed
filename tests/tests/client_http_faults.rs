//! sio-smol's Socket.IO client on polling against a scripted Engine.IO
//! server (raw HTTP/1.1 on a `TcpListener`) whose connection closes after
//! it read a long-poll GET and before it answered: what a cut connection
//! looks like when the response was in flight. The official client
//! (engine.io-client's polling transport) never sends a request twice: the
//! failed GET is a "transport error", the client reconnects, and with
//! connection state recovery the server replays what the lost response
//! held. Sending the same GET again on a new connection instead loses that
//! response for good (`client_node.rs`, `recovers_through_cuts::polling`,
//! saw ticks missing through a cutting proxy).
//!
//! | scenario | P |
//! |---|---|
//! | `long_poll_cut_after_the_request_is_a_transport_error` | 1 |

mod client_common;

use client_common::record_disconnects;
use sio_smol::client::{Client, ClientOptions, ClientTransports};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the scripted server saw: one line per request, `"GET <sid or ->"`
/// or `"POST <sid>"`, with the connection's number.
type Log = Arc<Mutex<Vec<(usize, String)>>>;

/// Reads one request (head and body) from `reader`; `None` at EOF.
fn read_request(reader: &mut BufReader<TcpStream>) -> Option<(String, String)> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut length = 0;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().ok()?;
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some((line, String::from_utf8_lossy(&body).into_owned()))
}

fn respond(stream: &mut TcpStream, body: &str) {
    let _ = write!(
        stream,
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=UTF-8\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
}

/// Serves one connection: the handshake, the CONNECT reply on the first
/// long-poll, then closes the connection on reading the second long-poll
/// (without answering); any later long-poll is held open (no answer).
fn serve(stream: TcpStream, n: usize, log: Log, polls: Arc<Mutex<usize>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut stream = stream;
    while let Some((line, _body)) = read_request(&mut reader) {
        let sid = line
            .split(['?', '&', ' '])
            .find_map(|p| p.strip_prefix("sid="))
            .unwrap_or("-")
            .to_owned();
        let method = line.split(' ').next().unwrap_or("").to_owned();
        log.lock().unwrap().push((n, format!("{method} {sid}")));
        match (method.as_str(), sid.as_str()) {
            ("GET", "-") => respond(
                &mut stream,
                r#"0{"sid":"S1","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#,
            ),
            ("POST", _) => respond(&mut stream, "ok"),
            ("GET", _) => {
                let k = {
                    let mut polls = polls.lock().unwrap();
                    *polls += 1;
                    *polls
                };
                match k {
                    1 => respond(&mut stream, r#"40{"sid":"A1"}"#),
                    // The connection closes after the request was read:
                    // a response may have been on its way.
                    2 => return,
                    // Held: never answered.
                    _ => std::thread::sleep(Duration::from_secs(30)),
                }
            }
            _ => return,
        }
    }
}

#[test]
fn long_poll_cut_after_the_request_is_a_transport_error() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let log: Log = Arc::default();
    let polls = Arc::new(Mutex::new(0));
    {
        let (log, polls) = (log.clone(), polls.clone());
        std::thread::spawn(move || {
            for (n, stream) in listener.incoming().enumerate() {
                let Ok(stream) = stream else { continue };
                let (log, polls) = (log.clone(), polls.clone());
                std::thread::spawn(move || serve(stream, n, log, polls));
            }
        });
    }
    let opts = ClientOptions::default()
        .transports(ClientTransports::Polling)
        .reconnection(false);
    let client = Client::connect(&format!("http://{addr}"), opts).unwrap();
    let socket = client.socket();
    let reasons = record_disconnects(&socket);
    client_common::ready(&socket);
    assert_eq!(socket.id().as_deref(), Some("A1"));
    // The second long-poll's connection closes: a transport error.
    let reason = reasons.recv_timeout(Duration::from_secs(5));
    let log = log.lock().unwrap().clone();
    let s1_polls: Vec<&(usize, String)> = log.iter().filter(|(_, r)| r == "GET S1").collect();
    client.close();
    assert!(
        s1_polls.len() == 2 && reason == Ok("transport error"),
        "the cut long-poll was sent again instead of failing the transport: \
         disconnect {reason:?}; requests (connection, request) {log:?}"
    );
}
