//! Command-line options: `--key value` pairs after the scenario name.

use crate::Result;
use std::collections::HashMap;
use std::net::{SocketAddr, ToSocketAddrs};
use std::time::Duration;

/// The options of one run: where the server is, its pid (for its CPU and
/// memory), and the scenario's own numeric options.
#[derive(Debug, Clone)]
pub struct Opts {
    /// The server's address, resolved once.
    pub addr: SocketAddr,
    /// `--addr` as given, for `Host` headers and URLs.
    pub host: String,
    /// `--server-pid`: the process whose CPU time and RSS are reported.
    pub server_pid: Option<u32>,
    values: HashMap<String, String>,
}

/// The options each scenario accepts besides `--addr` and `--server-pid`.
fn known(scenario: &str) -> &'static [&'static str] {
    match scenario {
        "echo" => &["clients", "secs", "size", "warmup-secs", "parser"],
        "polling" => &["clients", "secs", "size", "warmup-secs", "accept-encoding"],
        "fanout" => &[
            "clients",
            "msgs",
            "warmup-msgs",
            "sender-addr",
            "sender-pid",
            "parser",
        ],
        "conns" => &["clients", "hold", "inflight", "parser"],
        _ => &[],
    }
}

impl Opts {
    /// Parses `args` (the words after the scenario name) for `scenario`;
    /// an option the scenario does not know is an error, so that a typo
    /// does not silently run with a default.
    pub fn parse(scenario: &str, args: &[String]) -> Result<Opts> {
        let mut values = HashMap::new();
        let mut words = args.iter();
        while let Some(word) = words.next() {
            let key = word
                .strip_prefix("--")
                .ok_or_else(|| format!("unexpected argument {word}"))?;
            let value = words
                .next()
                .ok_or_else(|| format!("missing value for {word}"))?;
            if key != "addr" && key != "server-pid" && !known(scenario).contains(&key) {
                return Err(format!("{scenario} has no option --{key}").into());
            }
            values.insert(key.to_string(), value.clone());
        }
        let host = values
            .remove("addr")
            .unwrap_or_else(|| "127.0.0.1:3000".into());
        let addr = resolve("addr", &host)?;
        let server_pid = match values.remove("server-pid") {
            Some(p) => Some(p.parse().map_err(|_| format!("bad --server-pid {p}"))?),
            None => None,
        };
        Ok(Opts {
            addr,
            host,
            server_pid,
            values,
        })
    }

    /// An address option (`HOST:PORT`), resolved, with the text as given
    /// (for `Host` headers); `None` when it was not given.
    pub fn addr_opt(&self, name: &str) -> Result<Option<(SocketAddr, String)>> {
        match self.values.get(name) {
            None => Ok(None),
            Some(host) => Ok(Some((resolve(name, host)?, host.clone()))),
        }
    }

    /// A numeric option, or `default` when it was not given.
    pub fn num<T: std::str::FromStr>(&self, name: &str, default: T) -> Result<T> {
        match self.values.get(name) {
            None => Ok(default),
            Some(v) => v
                .parse()
                .map_err(|_| format!("bad value for --{name}: {v}").into()),
        }
    }

    /// `--parser`: true for `msgpack`, false for `json` (the default).
    pub fn parser_msgpack(&self) -> Result<bool> {
        match self.values.get("parser").map(String::as_str) {
            None | Some("json") => Ok(false),
            Some("msgpack") => Ok(true),
            Some(other) => Err(format!("bad value for --parser: {other} (json or msgpack)").into()),
        }
    }

    /// A duration option given in (possibly fractional) seconds.
    pub fn secs(&self, name: &str, default: f64) -> Result<Duration> {
        let secs: f64 = self.num(name, default)?;
        Duration::try_from_secs_f64(secs)
            .map_err(|_| format!("bad value for --{name}: {secs}").into())
    }
}

/// The first address `host` (`HOST:PORT`, option `--name`) resolves to.
fn resolve(name: &str, host: &str) -> Result<SocketAddr> {
    let addr = host
        .to_socket_addrs()
        .map_err(|e| format!("bad --{name} {host}: {e}"))?
        .next()
        .ok_or_else(|| format!("--{name} {host} resolves to no address"))?;
    Ok(addr)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn parses_known_options() {
        let o = Opts::parse(
            "echo",
            &words("--addr 127.0.0.1:3300 --server-pid 42 --clients 7 --secs 0.5"),
        )
        .unwrap();
        assert_eq!(o.addr.port(), 3300);
        assert_eq!(o.host, "127.0.0.1:3300");
        assert_eq!(o.server_pid, Some(42));
        assert_eq!(o.num("clients", 50usize).unwrap(), 7);
        assert_eq!(o.num("size", 64usize).unwrap(), 64);
        assert_eq!(o.secs("secs", 10.0).unwrap(), Duration::from_millis(500));
    }

    #[test]
    fn parses_sender_address() {
        let o = Opts::parse(
            "fanout",
            &words("--addr 127.0.0.1:3300 --sender-addr 127.0.0.1:3301 --sender-pid 9"),
        )
        .unwrap();
        let (addr, host) = o.addr_opt("sender-addr").unwrap().unwrap();
        assert_eq!((addr.port(), host.as_str()), (3301, "127.0.0.1:3301"));
        assert_eq!(o.num::<u32>("sender-pid", 0).unwrap(), 9);
        assert!(o.addr_opt("nothing").unwrap().is_none());
        assert!(Opts::parse("echo", &words("--sender-addr 127.0.0.1:1")).is_err());
        let o = Opts::parse("fanout", &words("--sender-addr nowhere")).unwrap();
        assert!(o.addr_opt("sender-addr").is_err());
    }

    #[test]
    fn rejects_bad_input() {
        assert!(Opts::parse("echo", &words("--msgs 3")).is_err());
        assert!(Opts::parse("echo", &words("--clients")).is_err());
        assert!(Opts::parse("echo", &words("clients 3")).is_err());
        assert!(Opts::parse("conns", &words("--server-pid x")).is_err());
        let o = Opts::parse("echo", &words("--secs -1 --clients many")).unwrap();
        assert!(o.secs("secs", 1.0).is_err());
        assert!(o.num("clients", 1usize).is_err());
    }
}
