//! The Redis names of the streams adapter: Pub/Sub channels and session
//! keys.

/// `<prefix>#<nsp>#`: every node of namespace `nsp` subscribes; requests
/// go here, and its subscriber count is the server count.
pub fn public_channel(prefix: &str, nsp: &str) -> String {
    format!("{prefix}#{nsp}#")
}

/// `<prefix>#<nsp>#<uid>#`: the responses to node `uid`'s requests.
pub fn private_channel(prefix: &str, nsp: &str, uid: &str) -> String {
    format!("{prefix}#{nsp}#{uid}#")
}

/// `<key_prefix><pid>`: where the session of `pid` is kept (Node's
/// `sessionKeyPrefix`, default `sio:session:`).
pub fn session_key(key_prefix: &str, pid: &str) -> String {
    format!("{key_prefix}{pid}")
}
