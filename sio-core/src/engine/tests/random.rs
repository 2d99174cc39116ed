//! Random peer behaviour (property tests): whatever one client does, the
//! engine never panics, answers every HTTP exchange exactly once, and leaves
//! other sessions alone.

use super::*;
use proptest::prelude::*;
use std::collections::{HashMap, HashSet};

/// One thing the misbehaving client (or the clock) does.
#[derive(Debug, Clone)]
enum Action {
    /// A GET: handshake, poll of the victim, or poll of an unknown sid.
    Get(Target),
    /// A whole POST to the victim with this body.
    Post(Vec<u8>),
    /// A POST head to the victim whose body comes later (or never).
    PostHead,
    /// The body (or "too large") for the n-th connection opened so far.
    Body(usize, Vec<u8>, bool),
    /// A WebSocket request for the victim (an upgrade) or a new session.
    WsOpen(bool),
    /// A frame on the n-th connection.
    Frame(usize, Vec<u8>, bool),
    /// The n-th connection goes away.
    Closed(usize),
    /// The application sends to the victim.
    Send(Vec<u8>),
    /// Time passes (the whole run stays under the ping interval).
    Advance(u64),
}

#[derive(Debug, Clone, Copy)]
enum Target {
    Handshake,
    Victim,
    UnknownSid,
}

/// Bytes that are often almost-valid packets.
fn packet_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..12),
        "[0-6b]{0,1}[a-z0-9!=\u{1e}]{0,8}".prop_map(String::into_bytes),
        Just(b"2probe".to_vec()),
        Just(b"5".to_vec()),
        Just(b"3".to_vec()),
        Just(b"1".to_vec()),
        Just(b"4hi".to_vec()),
    ]
}

fn action() -> impl Strategy<Value = Action> {
    let target = prop_oneof![
        Just(Target::Handshake),
        Just(Target::Victim),
        Just(Target::UnknownSid)
    ];
    prop_oneof![
        target.prop_map(Action::Get),
        packet_bytes().prop_map(Action::Post),
        Just(Action::PostHead),
        (0..12usize, packet_bytes(), any::<bool>()).prop_map(|(n, b, big)| Action::Body(n, b, big)),
        any::<bool>().prop_map(Action::WsOpen),
        (0..12usize, packet_bytes(), any::<bool>()).prop_map(|(n, b, t)| Action::Frame(n, b, t)),
        (0..12usize).prop_map(Action::Closed),
        packet_bytes().prop_map(Action::Send),
        (0..40u64).prop_map(Action::Advance),
    ]
}

proptest! {
    #[test]
    fn one_misbehaving_client_never_disturbs_another(
        actions in proptest::collection::vec(action(), 0..40),
    ) {
        let mut t = TestEngine::new();
        let (witness, witness_ws) = t.open_ws();
        let victim = t.open_polling();
        let unknown = crate::sid::IdGenerator::new([9; 32]).sid();
        let mut conns: Vec<ConnId> = Vec::new();
        let mut outs: Vec<Output<EngineEvent>> = Vec::new();
        let mut closed_by_peer: HashSet<ConnId> = HashSet::new();
        let mut elapsed = 0;

        for action in actions {
            match action {
                Action::Get(target) => {
                    let pq = match target {
                        Target::Handshake => HANDSHAKE.to_owned(),
                        Target::Victim => polling(victim),
                        Target::UnknownSid => polling(unknown),
                    };
                    conns.push(t.get(&pq));
                }
                Action::Post(body) => {
                    let conn = t.post_head(&polling(victim));
                    conns.push(conn);
                    t.body(conn, body);
                }
                Action::PostHead => conns.push(t.post_head(&polling(victim))),
                Action::Body(n, body, too_large) => {
                    if let Some(&conn) = conns.get(n) {
                        if too_large {
                            t.input(Input::HttpBodyTooLarge { conn });
                        } else {
                            t.body(conn, body);
                        }
                    }
                }
                Action::WsOpen(upgrade) => {
                    let pq = if upgrade { websocket(victim) } else { WS_HANDSHAKE.to_owned() };
                    conns.push(t.ws_open(&pq));
                }
                Action::Frame(n, data, is_text) => {
                    if let Some(&conn) = conns.get(n) {
                        let data = Bytes::from(data);
                        let frame = if is_text { WsFrame::Text(data) } else { WsFrame::Binary(data) };
                        t.ws_send(conn, frame);
                    }
                }
                Action::Closed(n) => {
                    if let Some(&conn) = conns.get(n) {
                        closed_by_peer.insert(conn);
                        t.conn_closed(conn);
                    }
                }
                Action::Send(data) => {
                    // The victim may be gone: that is an `Err`, not a panic.
                    let _ = t.engine.send(victim, Message::binary(data));
                    t.pump();
                }
                Action::Advance(d) => {
                    if elapsed + d < 300 {
                        elapsed += d;
                        t.advance(ms(d));
                    }
                }
            }
            outs.extend(t.drain().0);
        }

        // The witness never noticed anything.
        prop_assert!(t.engine.session(witness).is_some());
        let witness_out = Outs(outs.clone());
        prop_assert!(witness_out.frames(witness_ws).is_empty());
        prop_assert!(witness_out.ws_closes(witness_ws).is_empty());
        prop_assert!(!witness_out.closed().iter().any(|(s, _)| *s == witness));
        t.ws_text(witness_ws, "4still fine");
        t.send(witness, Message::text("still fine"));
        let out = t.drain();
        prop_assert_eq!(out.messages(witness), vec![Message::text("still fine")]);
        prop_assert_eq!(out.texts(witness_ws), vec!["4still fine".to_owned()]);

        // After a shutdown, every exchange has had exactly one answer: one
        // HTTP response, or a WsAccept (never both), unless the peer left.
        t.engine.shutdown();
        outs.extend(t.drain().0);
        prop_assert_eq!(t.engine.tracked_conns(), 0);
        let mut answers: HashMap<ConnId, (usize, usize)> = HashMap::new();
        for out in &outs {
            match out {
                Output::HttpResponse { conn, .. } => answers.entry(*conn).or_default().0 += 1,
                Output::WsAccept { conn, .. } => answers.entry(*conn).or_default().1 += 1,
                _ => {}
            }
        }
        for conn in &conns {
            let (responses, accepts) = answers.get(conn).copied().unwrap_or_default();
            prop_assert!(responses + accepts <= 1, "{:?} answered twice", conn);
            if !closed_by_peer.contains(conn) {
                prop_assert_eq!(responses + accepts, 1, "{:?} never answered", conn);
            }
        }
    }
}
