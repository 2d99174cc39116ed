//! The server URL as `io(url)` reads it: `http[s]://host[:port][/nsp][?query]`
//! (`ws[s]://` too): the origin the adapter connects to, the namespace from
//! the path, and the query for the Engine.IO requests.

/// A parsed server URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ServerUrl {
    /// `https://` or `wss://`.
    pub tls: bool,
    /// The host, without the brackets of an IPv6 literal.
    pub host: String,
    /// The port (80 or 443 when the URL has none).
    pub port: u16,
    /// The namespace: the URL's path, `/` when it has none.
    pub nsp: String,
    /// The query's pairs, percent-decoded (the core encodes them again).
    pub query: Vec<(String, String)>,
}

impl ServerUrl {
    /// Parses `url`; the error says what is wrong.
    pub fn parse(url: &str) -> Result<ServerUrl, String> {
        let (scheme, rest) = url
            .split_once("://")
            .ok_or_else(|| format!("no scheme in {url:?} (http://, https://, ws://, wss://)"))?;
        let tls = match scheme.to_ascii_lowercase().as_str() {
            "http" | "ws" => false,
            "https" | "wss" => true,
            other => return Err(format!("unsupported scheme {other:?}")),
        };
        let rest = rest.split('#').next().unwrap_or_default();
        let (rest, query) = match rest.split_once('?') {
            Some((r, q)) => (r, q),
            None => (rest, ""),
        };
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        if authority.contains('@') {
            return Err("user information in the URL is not supported".into());
        }
        let (host, port) = split_host_port(authority)?;
        if host.is_empty() {
            return Err(format!("no host in {url:?}"));
        }
        let port = port.unwrap_or(if tls { 443 } else { 80 });
        let nsp = match path.trim_end_matches('/') {
            "" => "/".to_owned(),
            p => percent_decode(p),
        };
        let query = query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|pair| match pair.split_once('=') {
                Some((k, v)) => (percent_decode(k), percent_decode(v)),
                None => (percent_decode(pair), String::new()),
            })
            .collect();
        Ok(ServerUrl {
            tls,
            host,
            port,
            nsp,
            query,
        })
    }

    /// The `Host` header: the port only when it is not the scheme's default.
    pub fn host_header(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        if self.port == if self.tls { 443 } else { 80 } {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }

    /// `ws://host[:port]` or `wss://..`, the base of WebSocket URLs.
    pub fn ws_base(&self) -> String {
        let scheme = if self.tls { "wss" } else { "ws" };
        format!("{scheme}://{}", self.host_header())
    }
}

/// `host[:port]`, with `[v6]` literals.
fn split_host_port(authority: &str) -> Result<(String, Option<u16>), String> {
    let parse_port = |p: &str| {
        p.parse::<u16>()
            .map_err(|_| format!("bad port {p:?} in the URL"))
    };
    if let Some(rest) = authority.strip_prefix('[') {
        let (host, after) = rest
            .split_once(']')
            .ok_or_else(|| "unclosed [ in the URL's host".to_owned())?;
        let port = match after.strip_prefix(':') {
            Some(p) => Some(parse_port(p)?),
            None if after.is_empty() => None,
            None => return Err(format!("bad host {authority:?}")),
        };
        return Ok((host.to_owned(), port));
    }
    match authority.rsplit_once(':') {
        Some((h, p)) => Ok((h.to_ascii_lowercase(), Some(parse_port(p)?))),
        None => Ok((authority.to_ascii_lowercase(), None)),
    }
}

/// Decodes `%XX` escapes and `+` (a space, as in form-encoded queries);
/// a bad escape is kept as it is.
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(v) => {
                        out.push(v);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_namespace_and_query() {
        let u = ServerUrl::parse("http://127.0.0.1:3000/admin?token=a%20b&x").unwrap();
        assert!(!u.tls);
        assert_eq!((u.host.as_str(), u.port), ("127.0.0.1", 3000));
        assert_eq!(u.nsp, "/admin");
        assert_eq!(
            u.query,
            vec![("token".into(), "a b".into()), ("x".into(), String::new())]
        );
        assert_eq!(u.host_header(), "127.0.0.1:3000");
        assert_eq!(u.ws_base(), "ws://127.0.0.1:3000");
    }

    #[test]
    fn defaults() {
        let u = ServerUrl::parse("https://Example.com").unwrap();
        assert!(u.tls);
        assert_eq!((u.host.as_str(), u.port), ("example.com", 443));
        assert_eq!(u.nsp, "/");
        assert!(u.query.is_empty());
        assert_eq!(u.host_header(), "example.com");
        let u = ServerUrl::parse("wss://h/").unwrap();
        assert_eq!((u.tls, u.port, u.nsp.as_str()), (true, 443, "/"));
    }

    #[test]
    fn ipv6() {
        let u = ServerUrl::parse("http://[::1]:8080/chat/").unwrap();
        assert_eq!((u.host.as_str(), u.port), ("::1", 8080));
        assert_eq!(u.nsp, "/chat");
        assert_eq!(u.host_header(), "[::1]:8080");
    }

    #[test]
    fn bad_urls() {
        assert!(ServerUrl::parse("127.0.0.1:3000").is_err());
        assert!(ServerUrl::parse("ftp://h").is_err());
        assert!(ServerUrl::parse("http://h:99999").is_err());
        assert!(ServerUrl::parse("http://:80").is_err());
        assert!(ServerUrl::parse("http://u@h").is_err());
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
    }
}
