//! `redis://[[user]:password@]host[:port][/db]`: where the bus connects and
//! how it authenticates.

/// Where to connect, parsed from a `redis://` URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Target {
    /// Host name or IP address (IPv6 without its brackets).
    pub(crate) host: String,
    /// TCP port (6379 when the URL has none).
    pub(crate) port: u16,
    /// `AUTH [user] password` after connecting, when the URL has a password.
    pub(crate) auth: Option<(Option<String>, String)>,
    /// The database (`SELECT db` after connecting when not 0): streams and
    /// keys live in one; Pub/Sub channels are global to the server.
    pub(crate) db: u32,
}

/// Parses a `redis://` URL (no database number: database 0).
/// Percent-escapes in the user and password are decoded. `rediss://`
/// (TLS) and `unix://` are not supported.
pub(crate) fn parse(url: &str) -> Result<Target, &'static str> {
    let rest = url
        .strip_prefix("redis://")
        .ok_or("expected redis://host[:port] (rediss:// and unix:// are not supported)")?;
    let (authority, path) = match rest.find(['/', '?', '#']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let mut db = 0;
    if let Some(path) = path.strip_prefix('/') {
        let path = path.split(['?', '#']).next().unwrap_or_default();
        if !path.is_empty() {
            db = path
                .parse::<u32>()
                .map_err(|_| "the path must be a database number")?;
        }
    }
    let (userinfo, hostport) = match authority.rfind('@') {
        Some(i) => (Some(&authority[..i]), &authority[i + 1..]),
        None => (None, authority),
    };
    let auth = match userinfo {
        None => None,
        Some(info) => {
            let (user, pass) = match info.split_once(':') {
                Some((u, p)) => (u, p),
                None => ("", info),
            };
            let pass = unescape(pass)?;
            if pass.is_empty() {
                None
            } else {
                let user = Some(unescape(user)?).filter(|u| !u.is_empty());
                Some((user, pass))
            }
        }
    };
    let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
        let (host, after) = v6.split_once(']').ok_or("unclosed [ in the host")?;
        (host, after.strip_prefix(':'))
    } else {
        match hostport.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        }
    };
    if host.is_empty() {
        return Err("no host");
    }
    let port = match port {
        None => 6379,
        Some(p) => p.parse::<u16>().map_err(|_| "bad port")?,
    };
    Ok(Target {
        host: host.to_owned(),
        port,
        auth,
        db,
    })
}

/// Decodes `%XX` escapes.
fn unescape(s: &str) -> Result<String, &'static str> {
    let mut out = Vec::with_capacity(s.len());
    let mut bytes = s.bytes();
    while let Some(b) = bytes.next() {
        if b == b'%' {
            let hex = [bytes.next(), bytes.next()];
            let [Some(h), Some(l)] = hex else {
                return Err("bad %-escape");
            };
            let v = std::str::from_utf8(&[h, l])
                .ok()
                .and_then(|s| u8::from_str_radix(s, 16).ok())
                .ok_or("bad %-escape")?;
            out.push(v);
        } else {
            out.push(b);
        }
    }
    String::from_utf8(out).map_err(|_| "a %-escape is not UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_port_and_defaults() {
        let t = parse("redis://127.0.0.1:7000").unwrap();
        assert_eq!((t.host.as_str(), t.port, t.auth), ("127.0.0.1", 7000, None));
        assert_eq!(t.db, 0);
        let t = parse("redis://cache/3").unwrap();
        assert_eq!((t.host.as_str(), t.port, t.db), ("cache", 6379, 3));
        let t = parse("redis://[::1]:6380/").unwrap();
        assert_eq!((t.host.as_str(), t.port, t.db), ("::1", 6380, 0));
    }

    #[test]
    fn passwords() {
        let t = parse("redis://:s%40cret@h").unwrap();
        assert_eq!(t.auth, Some((None, "s@cret".to_owned())));
        let t = parse("redis://bob:pw@h:1").unwrap();
        assert_eq!(t.auth, Some((Some("bob".to_owned()), "pw".to_owned())));
    }

    #[test]
    fn bad_urls() {
        for url in [
            "rediss://h",
            "http://h",
            "redis://",
            "redis://h:x",
            "redis://h:70000",
            "redis://h/x",
            "redis://[::1",
            "redis://:%zz@h",
        ] {
            assert!(parse(url).is_err(), "{url}");
        }
    }
}

/// `url` with the password of its user-info part (`user:password@`, or
/// `:password@`) replaced by `***`, for error messages and logs.
pub(crate) fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let Some(at) = rest[..authority_end].rfind('@') else {
        return url.to_owned();
    };
    // `user:password@`, `:password@`, or a bare `secret@` (which some
    // clients read as a password): whatever may be secret goes.
    let user_info = &rest[..at];
    match user_info.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***{}", &rest[at..]),
        None => format!("{scheme}://***{}", &rest[at..]),
    }
}

#[cfg(test)]
mod redact_tests {
    use super::redacted;

    #[test]
    fn passwords_never_show() {
        assert_eq!(redacted("redis://u:secret@h:1/0"), "redis://u:***@h:1/0");
        assert_eq!(redacted("redis://:secret@h"), "redis://:***@h");
        assert_eq!(redacted("redis://h:6379"), "redis://h:6379");
        assert_eq!(redacted("not a url"), "not a url");
        assert_eq!(redacted("redis://u:p@ss@h/x"), "redis://u:***@h/x");
        assert_eq!(redacted("redis://secret@h"), "redis://***@h");
    }
}
