//! The client's address behind a reverse proxy: [`TrustedProxies`], and
//! what a connection tells the endpoints about its client.
//!
//! A session's handshake keeps the TCP peer's address. Behind a proxy
//! (nginx, a load balancer) that is the proxy's; the client's is in the
//! `X-Forwarded-For` header the proxy adds. A header is only as honest as
//! whoever sent it, so it is believed only from peers the application
//! names: [`crate::Mux::trusted_proxies`]. The address is then found as
//! Express' `trust proxy` finds it: walking `X-Forwarded-For` from the
//! right (the hop nearest the server), each address is believed while the
//! hop that reported it is trusted; the first address reported by a
//! trusted hop that is not itself trusted is the client.
//! `X-Forwarded-Proto: https` from a trusted peer marks the handshake
//! secure. The header itself stays readable as any other
//! ([`crate::io::Socket::handshake`]).
//!
//! Only handshake requests (those opening a session) are looked at: the
//! requests of an open session cost nothing more.

use sio_core::handshake::HandshakeBuilder;
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::rc::Rc;
use std::str::FromStr;

/// The proxies whose `X-Forwarded-For` is believed: addresses and networks
/// (CIDR).
///
/// ```
/// use sio_smol::TrustedProxies;
///
/// let proxies: TrustedProxies = "127.0.0.1, 10.0.0.0/8, ::1".parse().unwrap();
/// assert!(proxies.trusts("10.1.2.3".parse().unwrap()));
/// assert!(!proxies.trusts("192.0.2.1".parse().unwrap()));
/// assert!(TrustedProxies::loopback().trusts("::1".parse().unwrap()));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies {
    nets: Vec<Net>,
}

/// An address and a prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Net {
    addr: IpAddr,
    prefix: u8,
}

impl Net {
    fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => prefix_eq(&n.octets(), &a.octets(), self.prefix),
            (IpAddr::V6(n), IpAddr::V6(a)) => prefix_eq(&n.octets(), &a.octets(), self.prefix),
            _ => false,
        }
    }
}

/// Whether the first `bits` bits of `a` and `b` are equal.
fn prefix_eq(a: &[u8], b: &[u8], bits: u8) -> bool {
    let full = usize::from(bits / 8);
    if a[..full] != b[..full] {
        return false;
    }
    let rest = bits % 8;
    if rest == 0 {
        return true;
    }
    let mask = 0xffu8 << (8 - rest);
    a[full] & mask == b[full] & mask
}

/// A trusted-proxy entry that is not an address or a network.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an IP address or network (CIDR): {0:?}")]
pub struct InvalidProxy(pub String);

impl TrustedProxies {
    /// Trusts no one: the peer's address is the client's (the default).
    pub fn none() -> TrustedProxies {
        TrustedProxies::default()
    }

    /// Trusts the loopback networks, `127.0.0.0/8` and `::1`: a proxy on
    /// the same machine.
    pub fn loopback() -> TrustedProxies {
        TrustedProxies::none()
            .with_net("127.0.0.0/8")
            .and_then(|p| p.with_net("::1"))
            // Constant, valid networks.
            .expect("loopback networks parse")
    }

    /// Adds an address (`10.0.0.7`, `::1`) or a network (`10.0.0.0/8`,
    /// `fd00::/8`).
    pub fn with_net(mut self, net: &str) -> Result<TrustedProxies, InvalidProxy> {
        let bad = || InvalidProxy(net.to_owned());
        let (addr, prefix) = match net.trim().split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (net.trim(), None),
        };
        let addr = IpAddr::from_str(addr).map_err(|_| bad())?.to_canonical();
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(bad)?,
            None => max,
        };
        self.nets.push(Net { addr, prefix });
        Ok(self)
    }

    /// Whether `ip` is a trusted proxy (IPv4-mapped IPv6 addresses count as
    /// IPv4).
    pub fn trusts(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.nets.iter().any(|n| n.contains(ip))
    }

    /// True when no one is trusted.
    pub fn is_empty(&self) -> bool {
        self.nets.is_empty()
    }

    /// The client's address for a request from `peer` carrying the
    /// `X-Forwarded-For` values `forwarded` (in the order received):
    /// `None` when the peer is not trusted or the header names no one
    /// believable.
    pub fn client_of<'a>(
        &self,
        peer: IpAddr,
        forwarded: impl IntoIterator<Item = &'a str>,
    ) -> Option<IpAddr> {
        if !self.trusts(peer) {
            return None;
        }
        let hops: Vec<&str> = forwarded
            .into_iter()
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|h| !h.is_empty())
            .collect();
        let mut client = None;
        for hop in hops.iter().rev() {
            let Some(ip) = parse_hop(hop) else { break };
            client = Some(ip);
            if !self.trusts(ip) {
                break;
            }
        }
        client
    }
}

/// An `X-Forwarded-For` entry: an address, maybe with a port
/// (`1.2.3.4:5`, `[::1]:5`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    IpAddr::from_str(hop)
        .ok()
        .or_else(|| SocketAddr::from_str(hop).ok().map(|s| s.ip()))
        .map(|ip| ip.to_canonical())
}

impl FromStr for TrustedProxies {
    type Err = InvalidProxy;

    /// A comma-separated list of addresses and networks.
    fn from_str(s: &str) -> Result<TrustedProxies, InvalidProxy> {
        s.split(',')
            .filter(|p| !p.trim().is_empty())
            .try_fold(TrustedProxies::none(), |acc, p| acc.with_net(p))
    }
}

impl fmt::Display for TrustedProxies {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, n) in self.nets.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{}/{}", n.addr, n.prefix)?;
        }
        Ok(())
    }
}

/// What a connection tells the endpoints about its client.
#[derive(Clone, Debug, Default)]
pub(crate) struct ConnInfo {
    /// The TCP peer.
    pub(crate) peer: Option<SocketAddr>,
    /// The connection is TLS.
    pub(crate) secure: bool,
    /// Whose forwarding headers are believed (`None`: no one's).
    pub(crate) proxies: Option<Rc<TrustedProxies>>,
}

impl ConnInfo {
    /// Writes what is known of the client into a handshake being packed;
    /// `headers()` iterates over the request's headers (names in any case).
    pub(crate) fn stamp<'a, I: Iterator<Item = (&'a str, &'a [u8])>>(
        &self,
        head: &mut HandshakeBuilder,
        headers: impl Fn() -> I,
    ) {
        head.issued(std::time::SystemTime::now())
            .secure(self.secure);
        let Some(peer) = self.peer else { return };
        head.peer(peer);
        let (client, https) = self.forwarded(headers);
        if let Some(client) = client {
            head.forwarded_for(client);
        }
        if https {
            head.secure(true);
        }
    }

    /// The client's address: from `X-Forwarded-For` when the peer is
    /// trusted, else the peer's.
    pub(crate) fn client_address<'a, I: Iterator<Item = (&'a str, &'a [u8])>>(
        &self,
        headers: impl Fn() -> I,
    ) -> Option<IpAddr> {
        let peer = self.peer?.ip().to_canonical();
        Some(self.forwarded(headers).0.unwrap_or(peer))
    }

    /// What a trusted proxy says: the client's address, and whether the
    /// client used HTTPS. Nothing when the peer is not trusted.
    fn forwarded<'a, I: Iterator<Item = (&'a str, &'a [u8])>>(
        &self,
        headers: impl Fn() -> I,
    ) -> (Option<IpAddr>, bool) {
        let (Some(peer), Some(proxies)) = (self.peer, self.proxies.as_deref()) else {
            return (None, false);
        };
        if !proxies.trusts(peer.ip()) {
            return (None, false);
        }
        let named = |name: &'static str| {
            headers()
                .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
                .filter_map(|(_, v)| std::str::from_utf8(v).ok())
        };
        let client = proxies.client_of(peer.ip(), named("x-forwarded-for"));
        let https = named("x-forwarded-proto")
            .next()
            .is_some_and(|p| p.trim().eq_ignore_ascii_case("https"));
        (client, https)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn networks_match_by_prefix() {
        let p: TrustedProxies = "10.0.0.0/8, 192.168.1.7, fd00::/8".parse().unwrap();
        assert!(p.trusts(ip("10.255.0.1")));
        assert!(!p.trusts(ip("11.0.0.1")));
        assert!(p.trusts(ip("192.168.1.7")));
        assert!(!p.trusts(ip("192.168.1.8")));
        assert!(p.trusts(ip("fd12::1")));
        assert!(!p.trusts(ip("fe80::1")));
        assert!(
            p.trusts(ip("::ffff:10.0.0.1")),
            "IPv4-mapped counts as IPv4"
        );
        let odd: TrustedProxies = "172.16.0.0/12".parse().unwrap();
        assert!(odd.trusts(ip("172.31.255.255")));
        assert!(!odd.trusts(ip("172.32.0.0")));
        assert_eq!(p.to_string(), "10.0.0.0/8,192.168.1.7/32,fd00::/8");
    }

    #[test]
    fn bad_entries_are_refused() {
        for bad in [
            "10.0.0.0/33",
            "::/129",
            "example.com",
            "10.0.0.0/x",
            "1.2.3",
        ] {
            assert!(bad.parse::<TrustedProxies>().is_err(), "{bad}");
        }
        assert!("".parse::<TrustedProxies>().unwrap().is_empty());
    }

    #[test]
    fn forwarded_for_is_believed_from_trusted_hops_only() {
        let p: TrustedProxies = "127.0.0.1, 10.0.0.0/8".parse().unwrap();
        // Not from a trusted peer: ignored.
        assert_eq!(p.client_of(ip("192.0.2.1"), ["203.0.113.5"]), None);
        // One proxy.
        assert_eq!(
            p.client_of(ip("127.0.0.1"), ["203.0.113.5"]),
            Some(ip("203.0.113.5"))
        );
        // The client forged an entry; the proxies appended theirs.
        assert_eq!(
            p.client_of(ip("127.0.0.1"), ["6.6.6.6, 203.0.113.5, 10.0.0.3"]),
            Some(ip("203.0.113.5"))
        );
        // Several headers are one list, in order.
        assert_eq!(
            p.client_of(ip("127.0.0.1"), ["6.6.6.6", "203.0.113.5:4711", "10.0.0.3"]),
            Some(ip("203.0.113.5"))
        );
        // Garbage stops the walk at the last believable hop.
        assert_eq!(
            p.client_of(ip("127.0.0.1"), ["203.0.113.5, junk, 10.0.0.3"]),
            Some(ip("10.0.0.3"))
        );
        assert_eq!(p.client_of(ip("127.0.0.1"), ["junk"]), None);
        assert_eq!(p.client_of(ip("127.0.0.1"), [""]), None);
        // IPv6, bracketed with a port.
        assert_eq!(
            p.client_of(ip("127.0.0.1"), ["[2001:db8::1]:443"]),
            Some(ip("2001:db8::1"))
        );
    }
}
