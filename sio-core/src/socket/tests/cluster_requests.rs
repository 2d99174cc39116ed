//! Cluster requests and what peers send, on the fake bus of `cluster.rs`:
//! member counts, every member's rooms, legacy and emitter requests, Node's
//! numeric rooms, malformed and foreign answers, volatile broadcasts.

use super::cluster::{Cluster, only_event, op};
use super::*;
use crate::cluster::{Opts, Request, Response, decode_request, encode_broadcast, encode_response};
use crate::socket::ClusterError;

#[test]
fn server_count_counts_the_members_and_none_when_the_bus_is_down() {
    let mut c = Cluster::new(3);
    let id = c.act(0, |io, now| io.server_count(now, "/")).unwrap();
    assert_eq!(
        only_event(&c.node(0).drain()),
        SocketEvent::ServerCount { id, count: Some(3) }
    );
    assert_eq!(c.published.len(), 0, "a count publishes nothing");
    c.down = true;
    let id = c.act(1, |io, now| io.server_count(now, "/chat")).unwrap();
    assert_eq!(
        only_event(&c.node(1).drain()),
        SocketEvent::ServerCount { id, count: None }
    );
    assert_eq!(
        c.act(1, |io, now| io.server_count(now, "/nope")),
        Err(SioError::UnknownNamespace("/nope".into()))
    );
}

#[test]
fn all_rooms_gathers_every_member_and_a_silent_one_times_out_with_what_came() {
    let mut c = Cluster::new(3);
    let (_, s_a) = c.node(0).client("/");
    let (_, s_b) = c.node(1).client("/");
    let (_, s_c) = c.node(2).client("/");
    c.node(0).io.join(s_a, "a").unwrap();
    c.node(1).io.join(s_b, "b").unwrap();
    c.node(2).io.join(s_c, "c").unwrap();
    let id = c.act(0, |io, now| io.all_rooms(now, "/")).unwrap();
    let mut want = vec![
        s_a.as_str().to_owned(),
        s_b.as_str().to_owned(),
        s_c.as_str().to_owned(),
        "a".to_owned(),
        "b".to_owned(),
        "c".to_owned(),
    ];
    want.sort_unstable();
    assert_eq!(
        only_event(&c.node(0).drain()),
        SocketEvent::AllRooms {
            id,
            rooms: want.clone(),
            error: None
        }
    );

    c.frozen[2] = true;
    let id = c.act(0, |io, now| io.all_rooms(now, "/")).unwrap();
    c.node(0).assert_idle();
    c.advance(secs(5));
    want.retain(|r| r != "c" && r != s_c.as_str());
    assert_eq!(
        only_event(&c.node(0).drain()),
        SocketEvent::AllRooms {
            id,
            rooms: want,
            error: Some(ClusterError::Timeout {
                received: 1,
                expected: 2
            }),
        }
    );
}

#[test]
fn a_legacy_join_request_is_applied_and_answered_with_its_id() {
    let mut c = Cluster::new(1);
    let (_, s) = c.node(0).client("/");
    let legacy = format!(
        r#"{{"uid":"AAAAAA","requestId":"L1","type":2,"sid":"{s}","room":"lr"}}"#,
        s = s.as_str()
    );
    c.deliver(0, "socket.io-request#/#", legacy);
    assert_eq!(c.node(0).io.rooms(s).unwrap(), [s.as_str(), "lr"]);
    assert_eq!(
        c.last_on("socket.io-response#"),
        (
            "socket.io-response#/#AAAAAA#".to_owned(),
            Bytes::from_static(br#"{"requestId":"L1"}"#)
        )
    );
    // An unknown socket: nothing to do, nothing answered.
    let before = c.published.len();
    c.deliver(
        0,
        "socket.io-request#/#",
        r#"{"uid":"AAAAAA","requestId":"L2","type":3,"sid":"nobody","room":"lr"}"#,
    );
    assert_eq!(c.published.len(), before);
}

#[test]
fn the_redis_emitters_requests_and_broadcasts_are_served() {
    let mut c = Cluster::new(1);
    let (a, s) = c.node(0).client("/");
    // No uid: rooms joined, answers on the shared response channel.
    c.deliver(
        0,
        "socket.io-request#/#",
        r#"{"type":2,"opts":{"rooms":[],"except":[]},"rooms":["em"]}"#,
    );
    assert_eq!(c.node(0).io.rooms(s).unwrap(), [s.as_str(), "em"]);
    c.deliver(0, "socket.io-request#/#", r#"{"requestId":"E1","type":1}"#);
    let (channel, payload) = c.last_on("socket.io-response#");
    assert_eq!(channel, "socket.io-response#/#");
    let Ok(Response::Rooms { request_id, rooms }) = crate::cluster::decode_response(&payload)
    else {
        panic!("{payload:?}")
    };
    assert_eq!((request_id.as_str(), rooms.len()), ("E1", 2));
    c.deliver(0, "socket.io-request#/#", r#"{"type":6,"data":["hi",1]}"#);
    assert_eq!(
        only_event(&c.node(0).drain()),
        SocketEvent::ServerSideEvent {
            nsp: "/".into(),
            event: "hi".into(),
            args: args("[1]"),
            ack: None
        }
    );
    // Its broadcasts carry uid "emitter".
    let opts = Opts {
        rooms: vec!["em".into()],
        ..Default::default()
    };
    let payload = encode_broadcast("emitter", "/", "news", &args("[2]"), &opts);
    c.deliver(0, "socket.io#/#em#", payload);
    assert_eq!(c.node(0).drain().texts(a.conn), vec![r#"42["news",2]"#]);
}

#[test]
fn numeric_rooms_of_a_node_broadcast_select_by_their_text() {
    let mut c = Cluster::new(1);
    let (a, s) = c.node(0).client("/");
    let (b, _) = c.node(0).client("/");
    c.node(0).io.join(s, "5").unwrap();
    // What Node writes for `io.to(5).emit("ev")` (notepack: the room is
    // a positive fixint).
    let mut payload = vec![0x93, 0xa6];
    payload.extend_from_slice(b"NODEID");
    payload.extend_from_slice(b"\x83\xa4type\x02\xa4data\x91\xa2ev\xa3nsp\xa1/");
    payload.extend_from_slice(b"\x83\xa5rooms\x91\x05\xa6except\x90\xa5flags\x80");
    c.deliver(0, "socket.io#/#5#", payload);
    let out = c.node(0).drain();
    assert_eq!(out.texts(a.conn), vec![r#"42["ev"]"#]);
    assert!(out.texts(b.conn).is_empty());
}

/// The wire id of member 0's last request.
fn last_request_id(c: &Cluster) -> String {
    let (_, payload) = c.last_on("socket.io-request#");
    match decode_request(&payload).unwrap().request {
        Request::Fetch { request_id, .. } => request_id,
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_malformed_answer_counts_but_never_completes_a_request() {
    let mut c = Cluster::new(2);
    c.frozen[1] = true;
    let id = c
        .act(0, |io, now| io.fetch_sockets(now, "/", &op()))
        .unwrap();
    let request_id = last_request_id(&c);
    let malformed = format!(r#"{{"requestId":"{request_id}","sockets":"x"}}"#);
    c.deliver(0, "socket.io-response#/#", malformed);
    c.node(0).assert_idle();
    c.advance(secs(5));
    assert_eq!(
        only_event(&c.node(0).drain()),
        SocketEvent::FetchedSockets {
            id,
            sockets: Vec::new(),
            error: Some(ClusterError::Timeout {
                received: 1,
                expected: 1
            }),
        }
    );
}

#[test]
fn answers_to_other_members_requests_are_ignored() {
    let mut c = Cluster::new(2);
    c.frozen[1] = true;
    let id = c
        .act(0, |io, now| io.fetch_sockets(now, "/", &op()))
        .unwrap();
    let foreign = encode_response(&Response::Fetch {
        request_id: "someone".into(),
        sockets: Vec::new(),
    });
    c.deliver(0, "socket.io-response#/#", foreign.clone());
    c.deliver(0, "socket.io-response#/#AAAAAA#", foreign);
    c.node(0).assert_idle();
    c.advance(secs(5));
    let SocketEvent::FetchedSockets { id: got, error, .. } = only_event(&c.node(0).drain()) else {
        panic!()
    };
    assert_eq!(got, id);
    assert_eq!(
        error,
        Some(ClusterError::Timeout {
            received: 0,
            expected: 1
        })
    );
}

#[test]
fn volatile_broadcasts_skip_a_polling_client_without_a_get_on_other_members() {
    let mut c = Cluster::new(2);
    let (ws, _) = c.node(1).client("/");
    let (sid, _) = c.node(1).polling_client("/");
    let mut volatile = op();
    volatile.volatile = true;
    c.act(0, |io, _| io.broadcast("/", &volatile, "v", &args("[1]")))
        .unwrap();
    assert_eq!(c.node(1).drain().texts(ws.conn), vec![r#"42["v",1]"#]);
    assert_eq!(c.node(1).io.engine().queued_packets(sid), Some(0));
    // With a GET held, the next one reaches it.
    let get = c.node(1).get(sid);
    c.node(1).assert_idle();
    c.act(0, |io, _| io.broadcast("/", &volatile, "v", &args("[2]")))
        .unwrap();
    assert_eq!(c.node(1).drain().body(get), r#"42["v",2]"#);
}
