//! Shared pieces of the byte-for-byte codec comparisons with npm packages
//! (`tests/tests/cluster_codec_npm.rs`, `tests/tests/streams_codec_npm.rs`):
//! event arguments at the size boundaries of JSON and msgpack, and hex.

use serde_json::{Value, json};

/// `len` bytes of binary in the drivers' wire form `{"$bin": base64}`.
pub fn bin(len: usize) -> Value {
    let data: Vec<u8> = (0..len).map(|i| (i * 7 % 256) as u8).collect();
    json!({"$bin": sio_core::base64::encode(&data)})
}

/// Argument lists, each a list of values at some boundary: integers of
/// every width, floats, strings and binaries of 31/32/255/256/65 536
/// bytes, arrays and maps of 15/16 entries, nesting, Unicode.
pub fn argument_lists() -> Vec<Value> {
    let s = |n: usize| Value::String("é".repeat(n / 2) + &"x".repeat(n % 2));
    let obj = |n: usize| Value::Object((0..n).map(|i| (format!("k{i}"), json!(i))).collect());
    vec![
        json!([]),
        json!([
            0,
            1,
            127,
            128,
            255,
            256,
            65535,
            65536,
            4294967295u64,
            4294967296u64
        ]),
        json!([
            -1,
            -32,
            -33,
            -128,
            -129,
            -32768,
            -32769,
            -2147483648i64,
            -2147483649i64
        ]),
        json!([9007199254740991u64, -9007199254740991i64]),
        json!([0.5, -1.25, 15000000000.25, 0.1, 1.0, -0.0, 3.0e-7, 1e19]),
        json!([null, true, false, "", "hi", "日本語 ✓ 🎉"]),
        json!([s(31), s(32), s(255), s(256), s(65536)]),
        json!([vec![1; 15], vec![2; 16], vec![3; 65536]]),
        json!([obj(15), obj(16)]),
        json!([{"a": {"b": {"c": [1, {"d": [null, "e"]}]}}}]),
        json!([bin(0), bin(1), bin(255), bin(256), bin(70000)]),
        json!([{"nested": bin(3), "list": [bin(2), 1]}, "after"]),
    ]
}

/// The bytes of a hex text.
pub fn decode_hex(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

/// `bytes` as lower-case hex.
pub fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The start of a case, for assertion messages.
pub fn short(case: &Value) -> String {
    case.to_string().chars().take(200).collect()
}
