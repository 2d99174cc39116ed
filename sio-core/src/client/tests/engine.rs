//! [`EngineClient`] against the crate's Engine.IO server ([`Engine`]), and
//! against scripted answers for faults.

use super::pair::Pair;
use crate::ConnId;
use crate::client::{
    ClientInput, ClientMethod, ClientOutput, ClientProtocol, ClientTransports, EngineClient,
    EngineClientConfig, EngineClientEvent, EngineCloseReason,
};
use crate::engine::{Engine, EngineConfig, EngineEvent, Message, WsFrame};
use crate::sid::Sid;
use bytes::Bytes;
use std::time::{Duration, Instant};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn server_config() -> EngineConfig {
    EngineConfig {
        path: "/engine.io/".into(),
        ping_interval: ms(300),
        ping_timeout: ms(200),
        ..EngineConfig::default()
    }
}

fn client_config(transports: ClientTransports) -> EngineClientConfig {
    EngineClientConfig {
        transports,
        connect_timeout: ms(1000),
        ..EngineClientConfig::default()
    }
}

type EnginePair = Pair<EngineClient, Engine>;

/// A pair with the client opened and the handshake done; the server's sid.
fn open_pair(transports: ClientTransports) -> (EnginePair, Sid) {
    let mut p = Pair::new(
        EngineClient::new(client_config(transports)),
        Engine::new(server_config(), [9; 32]),
    );
    p.client.open(p.now);
    p.drive();
    let sid = p
        .take_server_events()
        .into_iter()
        .find_map(|e| match e {
            EngineEvent::Open { sid, .. } => Some(sid),
            _ => None,
        })
        .expect("the server opened a session");
    (p, sid)
}

fn messages(events: &[EngineClientEvent]) -> Vec<Message> {
    events
        .iter()
        .filter_map(|e| match e {
            EngineClientEvent::Message(m) => Some(m.clone()),
            _ => None,
        })
        .collect()
}

fn server_messages(events: &[EngineEvent]) -> Vec<Message> {
    events
        .iter()
        .filter_map(|e| match e {
            EngineEvent::Message { msg, .. } => Some(msg.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn polling_handshake_and_messages_both_ways() {
    let (mut p, sid) = open_pair(ClientTransports::Polling);
    let (method, first, _) = p.requests[0].clone();
    assert_eq!(method, ClientMethod::Get);
    assert!(
        first.starts_with("/engine.io/?EIO=4&transport=polling&t="),
        "{first}"
    );
    assert!(!first.contains("sid="));
    let events = p.take_client_events();
    let EngineClientEvent::Open(hs) = &events[0] else {
        panic!("{events:?}")
    };
    assert_eq!(hs.sid, sid.as_str());
    assert_eq!(hs.upgrades, vec!["websocket"]);
    assert_eq!(hs.ping_interval, ms(300));
    assert_eq!(hs.ping_timeout, ms(200));
    assert_eq!(hs.max_payload, 1_000_000);
    assert!(p.client.is_open() && p.client.is_writable());
    // A long-poll is held, with the sid after `t`.
    let (_, poll, _) = p.requests.last().unwrap().clone();
    assert!(
        poll.contains("&t=") && poll.ends_with(&format!("&sid={sid}")),
        "{poll}"
    );

    p.client.send(p.now, Message::text("hello"));
    p.client.send(p.now, Message::binary(vec![1, 2, 3]));
    p.drive();
    assert_eq!(
        server_messages(&p.take_server_events()),
        vec![Message::text("hello"), Message::binary(vec![1, 2, 3])]
    );
    p.server.send(sid, Message::text("back")).unwrap();
    p.server.send(sid, Message::binary(vec![9])).unwrap();
    p.drive();
    assert_eq!(
        messages(&p.take_client_events()),
        vec![Message::text("back"), Message::binary(vec![9])]
    );
    // Every POST says its type; the t values are all different.
    let stamps: std::collections::BTreeSet<String> = p
        .requests
        .iter()
        .map(|(_, q, _)| {
            q.split("&t=")
                .nth(1)
                .unwrap()
                .split('&')
                .next()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(stamps.len(), p.requests.len());
}

#[test]
fn polling_posts_one_at_a_time_and_batches_the_rest() {
    let mut c = EngineClient::new(client_config(ClientTransports::Polling));
    let now = Instant::now();
    c.open(now);
    let get = take_request(&mut c);
    c.handle(
        now,
        ClientInput::HttpResponse {
            conn: get.0,
            status: 200,
            body: Bytes::from_static(
                br#"0{"sid":"E1","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":18}"#,
            ),
        },
    );
    let outs = drain(&mut c);
    assert!(matches!(
        &outs[0],
        ClientOutput::Event(EngineClientEvent::Open(_))
    ));
    let ClientOutput::HttpRequest { req, .. } = &outs[1] else {
        panic!("{outs:?}")
    };
    assert_eq!(req.method, ClientMethod::Get);
    c.send(now, Message::text("a"));
    let post = take_request(&mut c);
    assert_eq!(&post.1.body[..], b"4a");
    assert!(
        post.1
            .headers
            .contains(&("Content-Type".into(), "text/plain;charset=UTF-8".into()))
    );
    assert!(!c.is_writable());
    for s in ["bbbbbbbb", "cccccccc", "dddddddd"] {
        c.send(now, Message::text(s));
    }
    assert!(drain(&mut c).is_empty(), "one POST at a time");
    c.handle(
        now,
        ClientInput::HttpResponse {
            conn: post.0,
            status: 200,
            body: Bytes::from_static(b"ok"),
        },
    );
    // 1 + 8 = 9, + 2 + 8 = 19 > 18: one packet, then the rest.
    let next = take_request(&mut c);
    assert_eq!(&next.1.body[..], b"4bbbbbbbb");
    c.handle(
        now,
        ClientInput::HttpResponse {
            conn: next.0,
            status: 200,
            body: Bytes::from_static(b"ok"),
        },
    );
    let next = take_request(&mut c);
    assert_eq!(&next.1.body[..], b"4cccccccc");
}

fn drain(c: &mut EngineClient) -> Vec<ClientOutput<EngineClientEvent>> {
    std::iter::from_fn(|| c.poll_output()).collect()
}

fn take_request(c: &mut EngineClient) -> (ConnId, crate::client::ClientRequest) {
    let outs = drain(c);
    let mut found = None;
    for o in outs {
        if let ClientOutput::HttpRequest { conn, req } = o {
            assert!(found.is_none(), "two requests");
            found = Some((conn, req));
        }
    }
    found.expect("a request")
}

/// A scripted polling client past its handshake: (client, GET conn).
fn scripted_open() -> (EngineClient, Instant, ConnId) {
    let mut c = EngineClient::new(client_config(ClientTransports::Upgrade));
    let now = Instant::now();
    c.open(now);
    let get = take_request(&mut c);
    c.handle(
        now,
        ClientInput::HttpResponse {
            conn: get.0,
            status: 200,
            body: Bytes::from_static(
                br#"0{"sid":"E1","upgrades":["websocket"],"pingInterval":300,"pingTimeout":200,"maxPayload":1000}"#,
            ),
        },
    );
    let outs = drain(&mut c);
    let poll = outs
        .iter()
        .find_map(|o| match o {
            ClientOutput::HttpRequest { conn, .. } => Some(*conn),
            _ => None,
        })
        .unwrap();
    (c, now, poll)
}

#[test]
fn http_errors_and_garbage_close_the_connection() {
    for (status, body, expected) in [
        (
            400,
            &b"{}"[..],
            EngineCloseReason::TransportError("xhr poll error: HTTP status 400".into()),
        ),
        (
            200,
            b"9garbage",
            EngineCloseReason::ParseError("unknown packet type 0x39".into()),
        ),
        (200, b"1", EngineCloseReason::TransportClose),
    ] {
        let (mut c, now, poll) = scripted_open();
        c.handle(
            now,
            ClientInput::HttpResponse {
                conn: poll,
                status,
                body: Bytes::from_static(body),
            },
        );
        let outs = drain(&mut c);
        assert!(
            outs.iter().any(
                |o| matches!(o, ClientOutput::Event(EngineClientEvent::Close(r)) if *r == expected)
            ),
            "{outs:?}"
        );
        assert!(c.is_closed() && !c.is_open());
        assert_eq!(c.poll_timeout(), None);
    }
    // A request that fails.
    let (mut c, now, poll) = scripted_open();
    c.handle(
        now,
        ClientInput::HttpFailed {
            conn: poll,
            error: "refused".into(),
        },
    );
    assert!(drain(&mut c).iter().any(|o| matches!(
        o,
        ClientOutput::Event(EngineClientEvent::Close(EngineCloseReason::TransportError(e))) if e == "xhr poll error: refused"
    )));
    // A handshake that is not one.
    // Found by the `client_decode` fuzz target: a JSON array was read as
    // the handshake's fields in order (`0["]d"]` opened session `]d`).
    for body in [
        &b"4hello"[..],
        b"0{\"nosid\":1}",
        b"0[",
        b"\xff",
        b"0[\"]d\"]",
        b"0[\"E1\",[],25000,20000,1000]",
        b"0\"E1\"",
    ] {
        let mut c = EngineClient::new(client_config(ClientTransports::Polling));
        c.open(now);
        let get = take_request(&mut c);
        c.handle(
            now,
            ClientInput::HttpResponse {
                conn: get.0,
                status: 200,
                body: Bytes::copy_from_slice(body),
            },
        );
        assert!(drain(&mut c).iter().any(|o| matches!(
            o,
            ClientOutput::Event(EngineClientEvent::Close(EngineCloseReason::ParseError(_)))
        )));
    }
}

#[test]
fn websocket_only() {
    let (mut p, sid) = open_pair(ClientTransports::WebSocket);
    assert!(p.requests.is_empty());
    assert_eq!(p.ws_opens, vec!["/engine.io/?EIO=4&transport=websocket"]);
    let events = p.take_client_events();
    assert!(matches!(&events[0], EngineClientEvent::Open(h) if h.upgrades.is_empty()));
    assert!(p.client.is_websocket() && p.client.is_writable());
    p.client.send(p.now, Message::text("hi"));
    p.client.send(p.now, Message::binary(vec![1]));
    p.drive();
    assert_eq!(p.client_frames, vec!["4hi", "<bin 1>"]);
    assert_eq!(
        server_messages(&p.take_server_events()),
        vec![Message::text("hi"), Message::binary(vec![1])]
    );
    p.server.send(sid, Message::text("yo")).unwrap();
    p.drive();
    assert_eq!(messages(&p.take_client_events()), vec![Message::text("yo")]);
    // The server closes: transport close.
    p.server.close(sid).unwrap();
    p.drive();
    assert_eq!(
        p.take_client_events(),
        vec![EngineClientEvent::Close(EngineCloseReason::TransportClose)]
    );
}

#[test]
fn upgrade_probes_pauses_and_switches() {
    let (mut p, sid) = open_pair(ClientTransports::Upgrade);
    let events = p.take_client_events();
    assert!(
        matches!(events[0], EngineClientEvent::Open(_)),
        "{events:?}"
    );
    assert_eq!(events[1..], [EngineClientEvent::Upgrade]);
    assert_eq!(
        p.ws_opens,
        vec![format!("/engine.io/?EIO=4&transport=websocket&sid={sid}")]
    );
    assert_eq!(p.client_frames, vec!["2probe", "5"]);
    assert!(p.client.is_websocket());
    let requests = p.requests.len();
    p.client.send(p.now, Message::text("over ws"));
    p.server.send(sid, Message::text("back")).unwrap();
    p.drive();
    assert_eq!(p.requests.len(), requests, "no more polling");
    assert_eq!(p.client_frames.last().unwrap(), "4over ws");
    assert_eq!(
        messages(&p.take_client_events()),
        vec![Message::text("back")]
    );
    // Heartbeat over the WebSocket for a long time.
    p.advance(ms(10_000));
    let events = p.take_client_events();
    assert!(
        events
            .iter()
            .filter(|e| **e == EngineClientEvent::Ping)
            .count()
            >= 30
    );
    assert!(p.client.is_open());
}

#[test]
fn messages_during_the_upgrade_wait_for_the_switch() {
    let (mut c, now, poll) = scripted_open();
    let outs = drain(&mut c);
    assert!(outs.is_empty());
    // Conn ids: 1 the handshake GET, 2 the probe (asked for at the open),
    // 3 the long-poll (after the handshake's packets).
    let probe = ConnId(2);
    c.handle(now, ClientInput::WsOpened { conn: probe });
    let outs = drain(&mut c);
    assert!(
        matches!(&outs[..], [ClientOutput::WsSend { conn, frame: WsFrame::Text(t) }] if *conn == probe && &t[..] == b"2probe"),
        "{outs:?}"
    );
    c.handle(
        now,
        ClientInput::WsFrame {
            conn: probe,
            frame: WsFrame::Text(Bytes::from_static(b"3probe")),
        },
    );
    assert!(!c.is_writable());
    c.send(now, Message::text("queued"));
    assert!(drain(&mut c).is_empty(), "paused: nothing goes out");
    // The held GET comes back with a noop: switch.
    c.handle(
        now,
        ClientInput::HttpResponse {
            conn: poll,
            status: 200,
            body: Bytes::from_static(b"6"),
        },
    );
    let outs = drain(&mut c);
    let frames: Vec<_> = outs
        .iter()
        .filter_map(|o| match o {
            ClientOutput::WsSend {
                frame: WsFrame::Text(t),
                ..
            } => Some(String::from_utf8_lossy(t).into_owned()),
            _ => None,
        })
        .collect();
    assert_eq!(frames, vec!["5", "4queued"]);
    assert!(
        outs.iter()
            .any(|o| matches!(o, ClientOutput::Event(EngineClientEvent::Upgrade)))
    );
    assert!(c.is_websocket() && c.is_writable());
}

#[test]
fn a_failed_probe_stays_on_polling() {
    let (mut c, now, poll) = scripted_open();
    let probe = ConnId(2);
    c.handle(
        now,
        ClientInput::WsClosed {
            conn: probe,
            error: "refused".into(),
        },
    );
    let outs = drain(&mut c);
    assert_eq!(outs.len(), 1);
    assert!(
        matches!(&outs[0], ClientOutput::Event(EngineClientEvent::UpgradeError(e)) if e == "refused")
    );
    assert!(c.is_open() && !c.is_websocket());
    // Anything but 3probe on the probe fails it too.
    let (mut c, now, _) = scripted_open();
    c.handle(now, ClientInput::WsOpened { conn: probe });
    let _ = drain(&mut c);
    c.handle(
        now,
        ClientInput::WsFrame {
            conn: probe,
            frame: WsFrame::Text(Bytes::from_static(b"3nope")),
        },
    );
    let outs = drain(&mut c);
    assert!(matches!(outs[0], ClientOutput::WsClose { conn, code: 1000 } if conn == probe));
    assert!(matches!(
        &outs[1],
        ClientOutput::Event(EngineClientEvent::UpgradeError(_))
    ));
    let _ = poll;
}

#[test]
fn heartbeat_over_polling_for_a_long_time() {
    let (mut p, _sid) = open_pair(ClientTransports::Polling);
    p.take_client_events();
    p.advance(ms(60_000));
    let events = p.take_client_events();
    let pings = events
        .iter()
        .filter(|e| **e == EngineClientEvent::Ping)
        .count();
    assert!(pings >= 190, "{pings}");
    assert!(
        events.iter().all(|e| *e == EngineClientEvent::Ping),
        "{events:?}"
    );
    assert!(p.client.is_open());
    assert!(p.take_server_events().is_empty());
}

#[test]
fn ping_timeout_when_the_server_goes_silent() {
    for transports in [ClientTransports::Polling, ClientTransports::WebSocket] {
        let (mut p, _) = open_pair(transports);
        p.take_client_events();
        p.server_silent = true;
        let start = p.now;
        assert!(p.advance_until(ms(2000), ms(10), |e| {
            e.contains(&EngineClientEvent::Close(EngineCloseReason::PingTimeout))
        }));
        // The last ping came at most one interval after the start; the
        // watchdog is interval + timeout.
        let waited = p.now - start;
        assert!(waited <= ms(510) && waited >= ms(300), "{waited:?}");
    }
}

#[test]
fn a_send_after_the_ping_deadline_closes() {
    let (mut c, now, _) = scripted_open();
    assert_eq!(c.poll_timeout(), Some(now + ms(500)));
    assert!(!c.has_ping_expired(now + ms(499)));
    c.send(now + ms(600), Message::text("late"));
    let outs = drain(&mut c);
    assert!(outs.iter().any(|o| matches!(
        o,
        ClientOutput::Event(EngineClientEvent::Close(EngineCloseReason::PingTimeout))
    )));
    assert!(
        !outs
            .iter()
            .any(|o| matches!(o, ClientOutput::HttpRequest { .. }))
    );
}

#[test]
fn connect_timeout() {
    for transports in [ClientTransports::Polling, ClientTransports::WebSocket] {
        let mut p = Pair::new(
            EngineClient::new(client_config(transports)),
            Engine::new(server_config(), [9; 32]),
        );
        p.server_silent = true;
        p.client.open(p.now);
        p.advance(ms(999));
        assert!(p.take_client_events().is_empty());
        p.advance(ms(1));
        assert_eq!(
            p.take_client_events(),
            vec![EngineClientEvent::Close(EngineCloseReason::Timeout)]
        );
        assert!(p.client.is_closed());
    }
}

#[test]
fn close_sends_the_queue_and_a_close_packet() {
    // Polling: one last POST, the held GET aborted.
    let (mut p, _) = open_pair(ClientTransports::Polling);
    p.take_client_events();
    p.take_server_events();
    p.client.send(p.now, Message::text("last"));
    p.client.close(p.now);
    p.drive();
    // "4last" went in a POST at once; the close packet waited for its
    // answer.
    let bodies: Vec<&[u8]> = p
        .requests
        .iter()
        .map(|r| &r.2[..])
        .filter(|b| !b.is_empty())
        .collect();
    assert_eq!(bodies[bodies.len() - 2..], [&b"4last"[..], b"1"]);
    assert_eq!(p.aborts, 1);
    assert_eq!(
        p.take_client_events(),
        vec![EngineClientEvent::Close(EngineCloseReason::ForcedClose)]
    );
    let server = p.take_server_events();
    assert!(
        matches!(server.last(), Some(EngineEvent::Close { .. })),
        "{server:?}"
    );
    assert_eq!(p.client.poll_timeout(), None);
    // WebSocket: the frames, then `1`, then a close.
    let (mut p, _) = open_pair(ClientTransports::WebSocket);
    p.take_client_events();
    p.client.send(p.now, Message::text("last"));
    p.client.close(p.now);
    p.drive();
    assert_eq!(p.client_frames, vec!["4last", "1"]);
    assert_eq!(
        p.take_client_events(),
        vec![EngineClientEvent::Close(EngineCloseReason::ForcedClose)]
    );
    let server = p.take_server_events();
    assert!(server_messages(&server) == vec![Message::text("last")]);
    assert!(matches!(server.last(), Some(EngineEvent::Close { .. })));
}

#[test]
fn close_asks_for_the_last_post_before_the_abort_of_the_held_get() {
    let (mut c, now, poll) = scripted_open();
    c.close(now);
    let outs = drain(&mut c);
    let requests: Vec<_> = outs
        .iter()
        .filter(|o| {
            matches!(
                o,
                ClientOutput::HttpRequest { .. } | ClientOutput::HttpAbort { .. }
            )
        })
        .collect();
    let [
        ClientOutput::HttpRequest { req, .. },
        ClientOutput::HttpAbort { conn },
    ] = &requests[..]
    else {
        panic!("the last POST, then the GET's abort: {outs:?}");
    };
    assert_eq!(&req.body[..], b"1");
    assert_eq!(*conn, poll);
}

#[test]
fn close_while_a_post_is_in_flight_waits_for_it() {
    let (mut c, now, _) = scripted_open();
    c.send(now, Message::text("a"));
    let post = take_request(&mut c);
    c.send(now, Message::text("b"));
    c.close(now);
    let outs = drain(&mut c);
    // The held GET is aborted only after the last POST is asked for.
    assert!(
        !outs
            .iter()
            .any(|o| matches!(o, ClientOutput::HttpAbort { .. }))
    );
    assert!(outs.iter().any(|o| matches!(
        o,
        ClientOutput::Event(EngineClientEvent::Close(EngineCloseReason::ForcedClose))
    )));
    assert!(
        !outs
            .iter()
            .any(|o| matches!(o, ClientOutput::HttpRequest { .. }))
    );
    c.handle(
        now,
        ClientInput::HttpResponse {
            conn: post.0,
            status: 200,
            body: Bytes::from_static(b"ok"),
        },
    );
    let outs = drain(&mut c);
    let [
        ClientOutput::HttpRequest { req: last, .. },
        ClientOutput::HttpAbort { .. },
    ] = &outs[..]
    else {
        panic!("the last POST, then the GET's abort: {outs:?}");
    };
    assert_eq!(&last.body[..], b"4b\x1e1");
    assert!(drain(&mut c).is_empty());
}

#[test]
fn conn_ids_are_fresh() {
    let (mut p, _) = open_pair(ClientTransports::Upgrade);
    p.advance(ms(2000));
    let mut c = EngineClient::with_first_conn(client_config(ClientTransports::Polling), 77);
    c.open(Instant::now());
    assert_eq!(take_request(&mut c).0, ConnId(77));
    assert_eq!(c.next_conn_id(), 78);
}
