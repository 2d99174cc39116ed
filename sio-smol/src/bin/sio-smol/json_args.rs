//! Event arguments as the command-line client shows and reads them: a JSON
//! array in which binary values are `{"_binary":"<base64>"}`.

use serde_json::{Map, Value};
use sio_core::socket::{Args, is_placeholder, placeholder};

/// The arguments as one JSON array, attachments as `{"_binary":..}`.
pub fn to_json(args: &Args) -> Value {
    let mut value: Value =
        serde_json::from_slice(&args.json).unwrap_or_else(|_| Value::Array(Vec::new()));
    if !args.attachments.is_empty() {
        inline_binary(&mut value, &args.attachments);
    }
    value
}

fn inline_binary(value: &mut Value, attachments: &[bytes::Bytes]) {
    if let Some(n) = is_placeholder(value) {
        if let Some(data) = attachments.get(n) {
            let mut obj = Map::new();
            obj.insert(
                "_binary".into(),
                Value::String(sio_core::base64::encode(data)),
            );
            *value = Value::Object(obj);
        }
        return;
    }
    match value {
        Value::Array(items) => items.iter_mut().for_each(|v| inline_binary(v, attachments)),
        Value::Object(map) => map.values_mut().for_each(|v| inline_binary(v, attachments)),
        _ => {}
    }
}

/// Arguments from a JSON array, `{"_binary":"<base64>"}` objects becoming
/// attachments.
pub fn from_json(mut value: Value) -> Result<Args, String> {
    if !value.is_array() {
        return Err("\"args\" must be a JSON array".into());
    }
    let mut attachments = Vec::new();
    extract_binary(&mut value, &mut attachments)?;
    let json = serde_json::to_vec(&value).map_err(|e| e.to_string())?;
    Ok(Args {
        json: json.into(),
        attachments,
    })
}

fn extract_binary(value: &mut Value, out: &mut Vec<bytes::Bytes>) -> Result<(), String> {
    if let Value::Object(map) = value
        && map.len() == 1
        && let Some(Value::String(b64)) = map.get("_binary")
    {
        let data = sio_core::base64::decode(b64.as_bytes())
            .ok_or_else(|| "\"_binary\" is not base64".to_string())?;
        *value = placeholder(out.len());
        out.push(data.into());
        return Ok(());
    }
    match value {
        Value::Array(items) => items.iter_mut().try_for_each(|v| extract_binary(v, out)),
        Value::Object(map) => map.values_mut().try_for_each(|v| extract_binary(v, out)),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn binary_round_trip() {
        let args = from_json(json!(["a", {"b": {"_binary": "AAEC"}}, [{"_binary": ""}]])).unwrap();
        assert_eq!(
            args.attachments,
            vec![bytes::Bytes::from_static(&[0, 1, 2]), bytes::Bytes::new()]
        );
        let shown = to_json(&args);
        assert_eq!(
            shown,
            json!(["a", {"b": {"_binary": "AAEC"}}, [{"_binary": ""}]])
        );
    }

    #[test]
    fn refusals() {
        assert!(from_json(json!({"a": 1})).is_err());
        assert!(from_json(json!([{"_binary": "!!"}])).is_err());
    }
}
