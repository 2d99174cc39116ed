//! The long-polling transport: held GETs, POSTed payloads, JSONP.

use super::compression::{self, ContentEncoding};
use super::error::ErrorCode;
use super::event::CloseReason;
use super::packet::{Packet, WsFrame};
use super::payload;
use super::payload_v3::{self, BinaryMode};
use super::server::{ConnRole, Engine};
use super::session::{PendingGet, PendingPost};
use crate::http::{HttpRequest, HttpResponse};
use crate::sid::Sid;
use crate::{ConnId, Output};
use bytes::Bytes;
use std::borrow::Cow;
use std::time::Instant;

/// A 200 response carrying encoded packets as a polling payload, plain or
/// JSONP (uncompressed: see [`Engine::payload_response`]); `eio3` for a v3
/// session (v3 payloads; JSONP always as text).
fn payload_response(
    frames: &[WsFrame],
    jsonp: Option<&str>,
    eio3: Option<BinaryMode>,
) -> HttpResponse {
    let (body, content_type) = match eio3 {
        None => (
            payload::encode_frames(frames),
            payload_v3::TEXT_CONTENT_TYPE,
        ),
        Some(_) if jsonp.is_some() => (
            payload_v3::encode_text(frames),
            payload_v3::TEXT_CONTENT_TYPE,
        ),
        Some(mode) => payload_v3::encode(frames, mode),
    };
    let mut res = match jsonp {
        None => HttpResponse::new(200, content_type, body),
        Some(j) => HttpResponse::new(
            200,
            "text/javascript; charset=UTF-8",
            payload::jsonp_wrap(j, &body),
        ),
    };
    res.headers.push(("cache-control", "no-store".into()));
    res
}

impl Engine {
    /// How to compress the payload answering `req`, from its
    /// `Accept-Encoding` (`None` when compression is off).
    pub(crate) fn encoding_for(&self, req: &HttpRequest) -> Option<ContentEncoding> {
        self.config.http_compression?;
        ContentEncoding::choose(req.header("accept-encoding")?)
    }

    /// A payload response for `frames` (v3 payloads when `eio3`),
    /// compressed with `encoding` when the body reaches the threshold.
    pub(crate) fn payload_response(
        &self,
        frames: &[WsFrame],
        jsonp: Option<&str>,
        eio3: Option<BinaryMode>,
        encoding: Option<ContentEncoding>,
    ) -> HttpResponse {
        let mut res = payload_response(frames, jsonp, eio3);
        if let (Some(enc), Some(c)) = (encoding, &self.config.http_compression) {
            compression::compress(&mut res, enc, c);
        }
        res
    }

    /// A long-poll GET for an open polling session.
    pub(crate) fn poll_get(
        &mut self,
        conn: ConnId,
        sid: Sid,
        req: &HttpRequest,
        jsonp: Option<Cow<'_, str>>,
    ) {
        let origin = req.header("origin");
        let encoding = self.encoding_for(req);
        let session = self.sessions.get_mut(&sid).expect("caller checked the sid");
        if session.pending_get.is_some() {
            // Two GETs at once: refuse this one, close the session (the
            // first GET gets a close packet).
            self.respond(conn, origin, ErrorCode::BadRequest.response(None));
            return self.fault(sid, "two GETs at once", CloseReason::TransportError);
        }
        session.pending_get = Some(PendingGet {
            conn,
            jsonp: jsonp.map(Cow::into_owned),
            origin: origin.map(str::to_owned),
            encoding,
        });
        self.conns.insert(conn, ConnRole::Get(sid));
        let probed = session.upgrade.as_ref().is_some_and(|u| u.probed);
        if !session.queue.is_empty() {
            self.flush_session(sid);
        } else if probed {
            // The client is upgrading: end its poll with a noop.
            self.answer_get(sid, &[Packet::Noop.encode_ws()]);
        }
    }

    /// A POST for an open polling session: ask for its body.
    pub(crate) fn poll_post(&mut self, conn: ConnId, sid: Sid, req: &HttpRequest, jsonp: bool) {
        let session = self.sessions.get_mut(&sid).expect("caller checked the sid");
        if session.post.is_some() {
            self.respond(
                conn,
                req.header("origin"),
                ErrorCode::BadRequest.response(None),
            );
            return self.fault(sid, "two POSTs at once", CloseReason::TransportError);
        }
        session.post = Some(PendingPost {
            conn,
            jsonp,
            origin: req.header("origin").map(str::to_owned),
        });
        self.conns.insert(conn, ConnRole::Post(sid));
        self.outputs.push_back(Output::ReadBody {
            conn,
            limit: self.config.max_payload,
        });
    }

    /// The body of a POST (or `Err` when it was over the limit).
    pub(crate) fn on_body(&mut self, now: Instant, conn: ConnId, body: Result<Bytes, ()>) {
        let Some(ConnRole::Post(sid)) = self.conns.get(&conn).copied() else {
            return;
        };
        self.conns.remove(&conn);
        let Some(session) = self.sessions.get_mut(&sid) else {
            return;
        };
        let eio3 = session.eio3.is_some();
        let Some(ctx) = session.post.take() else {
            return;
        };
        let Ok(body) = body else {
            // The session's held GET is answered (close packet) before the
            // 413, as the reference does: a client then reads the close
            // ("transport close") before the failed POST.
            let what = "POST body over max_payload";
            self.fault(sid, what, CloseReason::TransportError);
            return self.respond(conn, ctx.origin.as_deref(), HttpResponse::empty(413));
        };
        let body = if ctx.jsonp {
            payload::jsonp_unwrap(&body)
        } else {
            Some(body)
        };
        let packets = match body {
            None => Err(String::new()),
            Some(b) if eio3 => payload_v3::decode(b).map_err(|e| e.to_string()),
            Some(b) => payload::decode(b).map_err(|_| String::new()),
        };
        let packets = match packets {
            Ok(packets) => packets,
            Err(why) => {
                self.respond(
                    conn,
                    ctx.origin.as_deref(),
                    ErrorCode::BadRequest.response(None),
                );
                let what = match why.is_empty() {
                    true => "malformed payload in a POST".to_owned(),
                    false => format!("malformed payload in a POST: {why}"),
                };
                return self.fault(sid, what, CloseReason::ParseError);
            }
        };
        let content_type = if ctx.jsonp {
            "text/html"
        } else {
            "text/plain; charset=UTF-8"
        };
        self.respond(
            conn,
            ctx.origin.as_deref(),
            HttpResponse::new(200, content_type, "ok"),
        );
        for packet in packets {
            self.on_packet(now, sid, packet);
        }
    }

    /// Answers held GETs of sessions that have packets queued.
    pub(crate) fn flush_polling(&mut self) {
        let mut sids = std::mem::take(&mut self.to_flush);
        for sid in sids.drain(..) {
            if let Some(s) = self.sessions.get_mut(&sid) {
                s.flush_scheduled = false;
            }
            self.flush_session(sid);
        }
        // The list keeps its room for the next flush.
        if self.to_flush.is_empty() {
            self.to_flush = sids;
        }
    }

    /// Sends a polling session's queue to its held GET, if there is one.
    pub(crate) fn flush_session(&mut self, sid: Sid) {
        let Some(session) = self.sessions.get_mut(&sid) else {
            return;
        };
        if session.queue.is_empty() {
            return;
        }
        let Some(get) = session.pending_get.take() else {
            return;
        };
        // Encoded from the queue in place: the queue keeps its room.
        let mut res = payload_response(
            session.queue.make_contiguous(),
            get.jsonp.as_deref(),
            session.eio3,
        );
        if let (Some(enc), Some(c)) = (get.encoding, &self.config.http_compression) {
            compression::compress(&mut res, enc, c);
        }
        session.queue.clear();
        session.queued_bytes = 0;
        let waits = !session.flush_waits.is_empty();
        self.conns.remove(&get.conn);
        self.respond(get.conn, get.origin.as_deref(), res);
        if waits {
            // Everything queued is in that response.
            self.answer_flush_waits(sid, true);
        }
    }

    /// Answers the session's held GET with `frames`.
    fn answer_get(&mut self, sid: Sid, frames: &[WsFrame]) {
        let Some(session) = self.sessions.get_mut(&sid) else {
            return;
        };
        let Some(get) = session.pending_get.take() else {
            return;
        };
        let eio3 = session.eio3;
        self.conns.remove(&get.conn);
        let res = self.payload_response(frames, get.jsonp.as_deref(), eio3, get.encoding);
        self.respond(get.conn, get.origin.as_deref(), res);
    }

    /// Ends a held GET with a noop, if there is one (during upgrades).
    pub(crate) fn noop_pending_get(&mut self, sid: Sid) {
        let has_get = self
            .sessions
            .get(&sid)
            .is_some_and(|s| s.pending_get.is_some());
        if has_get {
            self.answer_get(sid, &[Packet::Noop.encode_ws()]);
        }
    }
}
