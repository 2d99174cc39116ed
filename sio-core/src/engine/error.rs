//! The reference server's HTTP error responses:
//! `400 {"code":N,"message":"…"}` (403 for `Forbidden`).

use crate::http::HttpResponse;

/// Engine.IO error codes, as the reference server numbers them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorCode {
    /// 0: `transport` missing or not enabled.
    UnknownTransport = 0,
    /// 1: no session with that `sid`.
    UnknownSid = 1,
    /// 2: a handshake that is not a GET.
    BadHandshakeMethod = 2,
    /// 3: anything else malformed or out of order.
    BadRequest = 3,
    /// 4: refused by the `allow_request` hook.
    Forbidden = 4,
    /// 5: `EIO` missing or not `4`.
    UnsupportedProtocolVersion = 5,
}

impl ErrorCode {
    /// The reference server's message for this code.
    pub fn message(self) -> &'static str {
        match self {
            ErrorCode::UnknownTransport => "Transport unknown",
            ErrorCode::UnknownSid => "Session ID unknown",
            ErrorCode::BadHandshakeMethod => "Bad handshake method",
            ErrorCode::BadRequest => "Bad request",
            ErrorCode::Forbidden => "Forbidden",
            ErrorCode::UnsupportedProtocolVersion => "Unsupported protocol version",
        }
    }

    /// The error response, with the default message or `message`.
    pub fn response(self, message: Option<&str>) -> HttpResponse {
        let status = if self == ErrorCode::Forbidden {
            403
        } else {
            400
        };
        let body = serde_json::json!({
            "code": self as u8,
            "message": message.unwrap_or(self.message()),
        });
        HttpResponse::new(status, "application/json", body.to_string())
    }
}
