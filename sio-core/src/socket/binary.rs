//! Binary attachment placeholders: `{"_placeholder":true,"num":N}` stands
//! in the JSON payload for the packet's attachment `N`.

use super::validate::integral_f64;
use serde_json::Value;

/// The attachment index of a placeholder object, or `None` when `value`
/// is not one. Matches what the [`Decoder`](super::Decoder) checks: an
/// object whose `_placeholder` is `true` and whose `num` is a non-negative
/// integer (other keys are ignored).
pub fn is_placeholder(value: &Value) -> Option<usize> {
    let obj = value.as_object()?;
    if obj.get("_placeholder")? != &Value::Bool(true) {
        return None;
    }
    let num = obj.get("num")?;
    let n = num
        .as_u64()
        .or_else(|| num.as_f64().and_then(integral_f64))?;
    usize::try_from(n).ok()
}

/// The placeholder for attachment `n`: `{"_placeholder":true,"num":n}`.
pub fn placeholder(n: usize) -> Value {
    serde_json::json!({ "_placeholder": true, "num": n })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn placeholders() {
        assert_eq!(
            placeholder(3).to_string(),
            r#"{"_placeholder":true,"num":3}"#
        );
        for n in [0, 1, 99] {
            assert_eq!(is_placeholder(&placeholder(n)), Some(n));
        }
        assert_eq!(
            is_placeholder(&json!({"_placeholder": true, "num": 2.0})),
            Some(2)
        );
        assert_eq!(
            is_placeholder(&json!({"num": 1, "_placeholder": true, "x": 0})),
            Some(1)
        );
        for not in [
            json!(null),
            json!([]),
            json!({"_placeholder": true}),
            json!({"_placeholder": "true", "num": 0}),
            json!({"_placeholder": false, "num": 0}),
            json!({"_placeholder": true, "num": -1}),
            json!({"_placeholder": true, "num": 0.5}),
            json!({"_placeholder": true, "num": "0"}),
            json!({"num": 0}),
        ] {
            assert_eq!(is_placeholder(&not), None, "{not}");
        }
    }
}
