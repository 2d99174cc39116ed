//! The few packets the floor writes, and the echo ack made by slicing.

/// The Engine.IO open packet with the default options; `upgrades` is
/// `[]` on a WebSocket and `["websocket"]` on polling.
pub fn open(sid: u64, upgrades: &str) -> String {
    format!(
        "0{{\"sid\":\"{sid:x}\",\"upgrades\":{upgrades},\"pingInterval\":25000,\
         \"pingTimeout\":20000,\"maxPayload\":1000000}}"
    )
}

/// The Socket.IO `CONNECT` answer on `/`.
pub fn connected(sid: u64) -> String {
    format!("40{{\"sid\":\"{sid:x}\"}}")
}

/// For `42<id>["echo",<rest>` appends `43<id>[<rest>` to `out` (`<rest>`
/// ends with the array's `]`) and returns true; false for anything else,
/// including an echo without an ack id.
pub fn push_echo_ack(out: &mut String, packet: &str) -> bool {
    let Some(p) = packet.strip_prefix("42") else {
        return false;
    };
    let digits = p.bytes().take_while(u8::is_ascii_digit).count();
    let (id, args) = p.split_at(digits);
    match args.strip_prefix("[\"echo\",") {
        Some(rest) if digits > 0 => {
            out.reserve(3 + id.len() + rest.len());
            out.push_str("43");
            out.push_str(id);
            out.push('[');
            out.push_str(rest);
            true
        }
        _ => false,
    }
}

/// Whether a packet is a `broadcast` event.
pub fn is_broadcast(packet: &str) -> bool {
    packet.starts_with("42[\"broadcast\",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_and_connect() {
        assert_eq!(
            open(0x2a, "[]"),
            r#"0{"sid":"2a","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#
        );
        assert_eq!(connected(255), r#"40{"sid":"ff"}"#);
    }

    #[test]
    fn echo_ack() {
        let mut out = String::new();
        assert!(push_echo_ack(&mut out, r#"4217["echo","abc"]"#));
        assert_eq!(out, r#"4317["abc"]"#);
        for not in [
            r#"42["echo","abc"]"#,
            r#"421["other",1]"#,
            "42",
            "3",
            r#"4317["echo",1]"#,
        ] {
            assert!(!push_echo_ack(&mut out, not), "{not}");
        }
        assert!(is_broadcast(r#"42["broadcast",{"seq":1}]"#));
        assert!(!is_broadcast(r#"421["broadcast",1]"#));
    }
}
