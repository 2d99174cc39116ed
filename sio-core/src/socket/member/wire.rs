//! The streams adapter's codec, as the member uses it.

pub(crate) use crate::cluster::streams::{
    AdapterMsg, SessionRecord, StreamId, decode_entry, decode_message, decode_session,
    encode_entry, encode_message, encode_session,
};
