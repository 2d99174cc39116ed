//! `--parser msgpack`: the scenarios keep writing and reading Socket.IO
//! packets in their text form (`42<id>["echo",..]`), and the WebSocket
//! client ([`crate::ws`]) turns them into `socket.io-msgpack-parser`'s
//! form on the wire and back: one binary message per packet, a msgpack map
//! `{type, data, id, nsp}`. The translation costs the load generator, not
//! the server, so `srv_us_per_op` still compares servers fairly.

use crate::Result;
use rmpv::Value as Mp;
use serde_json::Value as Json;
use std::cell::Cell;

thread_local! {
    /// Whether this run speaks msgpack (a run is one thread).
    static MSGPACK: Cell<bool> = const { Cell::new(false) };
}

/// Sets the run's parser: msgpack when `on`, else JSON text.
pub fn set_msgpack(on: bool) {
    MSGPACK.with(|m| m.set(on));
}

/// Whether the run speaks msgpack.
pub fn msgpack() -> bool {
    MSGPACK.with(Cell::get)
}

/// A Socket.IO packet in its text form (`<type>[/nsp,][id][json]`, without
/// the Engine.IO `4`) as one msgpack message.
pub fn encode(sio: &str) -> Result<Vec<u8>> {
    let b = sio.as_bytes();
    let kind = match b.first() {
        Some(d @ b'0'..=b'4') => u64::from(d - b'0'),
        _ => return Err(format!("cannot send {sio:?} as msgpack").into()),
    };
    let mut rest = &sio[1..];
    let mut nsp = "/";
    if rest.starts_with('/') {
        let end = rest.find(',').unwrap_or(rest.len());
        nsp = &rest[..end];
        rest = rest.get(end + 1..).unwrap_or("");
    }
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let id: Option<u64> = rest[..digits].parse().ok();
    let data = &rest[digits..];
    let mut map = vec![(Mp::from("type"), Mp::from(kind))];
    if !data.is_empty() {
        let json: Json = serde_json::from_str(data)?;
        map.push((Mp::from("data"), to_mp(&json)));
    }
    if let Some(id) = id {
        map.push((Mp::from("id"), Mp::from(id)));
    }
    map.push((Mp::from("nsp"), Mp::from(nsp)));
    let mut out = Vec::with_capacity(data.len() + 32);
    rmpv::encode::write_value(&mut out, &Mp::Map(map))?;
    Ok(out)
}

/// One msgpack message as the Engine.IO message text the scenarios read:
/// `4<type>[/nsp,][id][json]`.
pub fn decode(bytes: &[u8]) -> Result<String> {
    let mut r = bytes;
    let v = rmpv::decode::read_value(&mut r)?;
    let field = |k: &str| {
        v.as_map()?
            .iter()
            .find(|(key, _)| key.as_str() == Some(k))
            .map(|(_, v)| v)
    };
    let kind = field("type")
        .and_then(|t| t.as_u64())
        .filter(|t| *t <= 4)
        .ok_or("a msgpack packet without a valid type")?;
    let mut out = format!("4{kind}");
    if let Some(nsp) = field("nsp").and_then(Mp::as_str)
        && nsp != "/"
    {
        out.push_str(nsp);
        out.push(',');
    }
    if let Some(id) = field("id").and_then(|i| i.as_u64()) {
        out.push_str(&id.to_string());
    }
    if let Some(data) = field("data").filter(|d| !d.is_nil()) {
        out.push_str(&to_json(data).to_string());
    }
    Ok(out)
}

fn to_mp(v: &Json) -> Mp {
    match v {
        Json::Null => Mp::Nil,
        Json::Bool(b) => Mp::from(*b),
        Json::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => Mp::from(u),
            (None, Some(i)) => Mp::from(i),
            _ => Mp::from(n.as_f64().unwrap_or(f64::NAN)),
        },
        Json::String(s) => Mp::from(s.as_str()),
        Json::Array(items) => Mp::Array(items.iter().map(to_mp).collect()),
        Json::Object(m) => Mp::Map(
            m.iter()
                .map(|(k, v)| (Mp::from(k.as_str()), to_mp(v)))
                .collect(),
        ),
    }
}

fn to_json(v: &Mp) -> Json {
    match v {
        Mp::Nil => Json::Null,
        Mp::Boolean(b) => Json::from(*b),
        Mp::Integer(n) => n
            .as_u64()
            .map(Json::from)
            .or_else(|| n.as_i64().map(Json::from))
            .unwrap_or(Json::Null),
        Mp::F32(f) => Json::from(f64::from(*f)),
        Mp::F64(f) => Json::from(*f),
        Mp::String(s) => Json::from(s.as_str().unwrap_or_default()),
        Mp::Binary(b) => Json::from(b.clone()),
        Mp::Array(items) => Json::Array(items.iter().map(to_json).collect()),
        Mp::Map(entries) => Json::Object(
            entries
                .iter()
                .filter_map(|(k, v)| Some((k.as_str()?.to_owned(), to_json(v))))
                .collect(),
        ),
        Mp::Ext(..) => Json::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_the_scenarios_packets() {
        for p in [
            "0",
            r#"242["echo","c1s42-xx"]"#,
            r#"2["broadcast",{"seq":17,"t":123}]"#,
            r#"37["abc"]"#,
            r#"0{"sid":"x"}"#,
            r#"2/chat,5["a",-1,1.5,null,true]"#,
        ] {
            let bytes = encode(p).unwrap();
            assert_eq!(decode(&bytes).unwrap(), format!("4{p}"));
        }
    }

    #[test]
    fn the_npm_parsers_bytes() {
        // socket.io-msgpack-parser: {type: 3, data: ["ok"], id: 12, nsp: "/"}
        let npm = "84a47479706503a46461746191a26f6ba269640ca36e7370a12f";
        let bytes: Vec<u8> = (0..npm.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&npm[i..i + 2], 16).unwrap())
            .collect();
        assert_eq!(decode(&bytes).unwrap(), r#"4312["ok"]"#);
        assert_eq!(encode(r#"312["ok"]"#).unwrap(), bytes);
        assert!(decode(&[0xc1]).is_err());
        assert!(encode("9").is_err());
    }
}
