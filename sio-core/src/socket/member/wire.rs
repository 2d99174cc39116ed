//! The streams adapter's codec as the member uses it. TEMPORARY stubs
//! until `crate::cluster::streams` lands; the signatures are its.
#![allow(dead_code, unused_variables)]

use crate::cluster::{ClusterDecodeError, Opts, Request, Response};
use crate::socket::Args;
use bytes::Bytes;

pub(crate) enum AdapterMsg {
    Broadcast {
        event: String,
        args: Args,
        opts: Opts,
    },
    Request(Request),
    Response(Response),
    Other(u64),
}

pub(crate) struct AdapterEnvelope {
    pub uid: String,
    pub nsp: String,
    pub msg: AdapterMsg,
}

pub(crate) struct SessionRecord {
    pub sid: String,
    pub pid: String,
    pub rooms: Vec<String>,
    pub data: Bytes,
}

pub(crate) fn encode_entry(uid: &str, nsp: &str, msg: &AdapterMsg) -> Vec<(Bytes, Bytes)> {
    unimplemented!()
}
pub(crate) fn decode_entry(
    fields: &[(Bytes, Bytes)],
) -> Result<AdapterEnvelope, ClusterDecodeError> {
    unimplemented!()
}
pub(crate) fn encode_message(uid: &str, nsp: &str, msg: &AdapterMsg) -> Bytes {
    unimplemented!()
}
pub(crate) fn decode_message(bytes: &[u8]) -> Result<AdapterEnvelope, ClusterDecodeError> {
    unimplemented!()
}
pub(crate) fn encode_session(record: &SessionRecord) -> Bytes {
    unimplemented!()
}
pub(crate) fn decode_session(text: &[u8]) -> Result<SessionRecord, ClusterDecodeError> {
    unimplemented!()
}

/// A stream entry id `<ms>-<seq>`, ordered as Redis orders them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct StreamId {
    pub ms: u64,
    pub seq: u64,
}

impl StreamId {
    pub fn parse(s: &[u8]) -> Option<StreamId> {
        let s = std::str::from_utf8(s).ok()?;
        let (ms, seq) = s.split_once('-')?;
        let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
        if !digits(ms) || !digits(seq) {
            return None;
        }
        Some(StreamId {
            ms: ms.parse().ok()?,
            seq: seq.parse().ok()?,
        })
    }
    pub fn next(self) -> Option<StreamId> {
        match self.seq.checked_add(1) {
            Some(seq) => Some(StreamId { ms: self.ms, seq }),
            None => Some(StreamId {
                ms: self.ms.checked_add(1)?,
                seq: 0,
            }),
        }
    }
}

impl std::fmt::Display for StreamId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", self.ms, self.seq)
    }
}
