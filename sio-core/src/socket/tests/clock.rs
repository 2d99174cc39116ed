//! Time comes only from the inputs: deadlines are counted from the time
//! given, whatever the wall clock says, and time never goes back.

use super::*;

#[test]
fn no_deadline_before_any_input() {
    let t = TestServer::new();
    assert_eq!(t.io.poll_timeout(), None);
}

#[test]
fn deadlines_follow_the_given_clock_not_the_wall_clock() {
    for offset in [secs(3600), secs(0)] {
        // A clock an hour in the past (if the platform's Instant allows it)
        // or one starting now: the same deadlines relative to it.
        let Some(t0) = Instant::now().checked_sub(offset) else {
            continue;
        };
        let mut t = TestServer::starting_at(config(), t0);
        let idle = t.open_ws();
        assert_eq!(t.io.poll_timeout(), Some(t0 + secs(1)), "connect timeout");
        let (ws, s) = t.client("/");
        t.advance(secs(1));
        assert_eq!(t.drain().ws_closes(idle.conn), vec![1000]);
        t.io.emit_with_ack(s, "q", &Args::empty(), ms(500)).unwrap();
        let _ = t.drain();
        t.advance(ms(500));
        assert_eq!(
            t.drain().events(),
            vec![SocketEvent::AckTimeout { socket: s, ack: 0 }]
        );
        assert_eq!(t.elapsed(), ms(1500));
        // The heartbeat too: the ping at 10 s.
        t.advance(ms(8500));
        assert_eq!(t.drain().texts(ws.conn), vec!["2"]);
    }
}

#[test]
fn time_never_goes_back() {
    let mut t = TestServer::new();
    let (ws, s) = t.client("/");
    t.advance(secs(2));
    // An input stamped earlier than the latest time counts as "now".
    t.io.handle(
        t.t0,
        Input::WsFrame {
            conn: ws.conn,
            frame: WsFrame::Text(Bytes::from_static(b"42[\"late\"]")),
        },
    );
    t.pump();
    assert_eq!(t.drain().events().len(), 1);
    t.io.emit_with_ack(s, "q", &Args::empty(), secs(1)).unwrap();
    let _ = t.drain();
    t.io.handle_timeout(t.t0 + ms(2999));
    t.pump();
    t.assert_idle();
    t.io.handle_timeout(t.t0 + secs(3));
    t.pump();
    assert_eq!(
        t.drain().events(),
        vec![SocketEvent::AckTimeout { socket: s, ack: 0 }]
    );
}
