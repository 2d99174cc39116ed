//! The Redis channel names of one namespace.

/// Channel names of one namespace for prefix `key` (Node's option `key`,
/// default `"socket.io"`).
#[derive(Debug, Clone)]
pub struct Channels {
    /// `K#nsp#`: the base broadcast channel, and the prefix of room ones.
    base: String,
    pattern: String,
    request: String,
    response: String,
    own_response: String,
}

/// `s` with the glob characters of Redis patterns escaped.
fn glob_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

impl Channels {
    /// The channels of namespace `nsp` for prefix `key`, for the node
    /// whose adapter uid is `uid`.
    pub fn new(key: &str, nsp: &str, uid: &str) -> Channels {
        let base = format!("{key}#{nsp}#");
        let response = format!("{key}-response#{nsp}#");
        Channels {
            // Node does not escape; for names without glob characters
            // the pattern is the same.
            pattern: format!("{}*", glob_escape(&base)),
            request: format!("{key}-request#{nsp}#"),
            own_response: format!("{response}{uid}#"),
            response,
            base,
        }
    }

    /// The channels of namespace `nsp` for the streams adapter (prefix
    /// `prefix`, Node's `channelPrefix`): requests and the member count on
    /// `prefix#nsp#` ([`Channels::request`]), answers on
    /// `prefix#nsp#<uid>#` ([`Channels::own_response`],
    /// [`Channels::response_to`]). There are no broadcast channels: the
    /// broadcasts go through the stream.
    pub fn streams(prefix: &str, nsp: &str, uid: &str) -> Channels {
        let base = super::streams::public_channel(prefix, nsp);
        Channels {
            pattern: String::new(),
            request: base.clone(),
            own_response: super::streams::private_channel(prefix, nsp, uid),
            response: base.clone(),
            base,
        }
    }

    /// `K#nsp#*` (PSUBSCRIBE)
    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    /// `K-request#nsp#`
    pub fn request(&self) -> &str {
        &self.request
    }

    /// `K-response#nsp#`
    pub fn response(&self) -> &str {
        &self.response
    }

    /// `K-response#nsp#<own uid>#`
    pub fn own_response(&self) -> &str {
        &self.own_response
    }

    /// `K-response#nsp#<uid>#` for a requester
    pub fn response_to(&self, uid: &str) -> String {
        format!("{}{uid}#", self.response)
    }

    /// The channel a broadcast with these target rooms goes to:
    /// `K#nsp#<room>#` for exactly one room, else `K#nsp#`.
    pub fn broadcast(&self, rooms: &[String]) -> String {
        match rooms {
            [room] => format!("{}{room}#", self.base),
            _ => self.base.clone(),
        }
    }

    /// For a message that arrived on `channel`: `None` if it is not a
    /// broadcast channel of this namespace; `Some(b"")` for the base channel;
    /// Some(room bytes) for a room channel (strip the known prefix
    /// `K#nsp#` and the final '#'; a room may contain '#').
    ///
    /// As in Node, a channel of another namespace whose name extends this
    /// one's with `#` (`/` and `/#x`) cannot be told apart from a room
    /// channel; the namespace in the decoded packet can.
    pub fn broadcast_room<'a>(&self, channel: &'a [u8]) -> Option<&'a [u8]> {
        let rest = channel.strip_prefix(self.base.as_bytes())?;
        if rest.is_empty() {
            return Some(rest);
        }
        rest.strip_suffix(b"#")
    }
}
