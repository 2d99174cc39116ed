//! The admin namespace's door and what its sockets may ask: the login
//! (session id, or user name and password checked by the adapter), and
//! the UI's actions.

use super::AdminLogin;
use crate::sid::Sid;
use crate::socket::{Args, BroadcastOp, SioError, SioServer, SocketEvent, SocketId};
use bytes::Bytes;
use serde_json::Value;

/// The third argument of an action: the room whose sockets it applies to
/// (a socket's id for one socket); none for the whole namespace.
fn selection(filter: Option<&Value>) -> BroadcastOp {
    match filter.and_then(Value::as_str) {
        Some(room) if !room.is_empty() => BroadcastOp::all().to(room),
        _ => BroadcastOp::all(),
    }
}

impl SioServer {
    /// A CONNECT to the admin namespace from session `sid`: let in, asked
    /// to the adapter (a password to check), or refused.
    pub(crate) fn admin_connect(&mut self, sid: Sid, socket: SocketId, nsp: String, auth: Bytes) {
        let Some(a) = self.admin.as_deref() else {
            return;
        };
        let Some(basic) = a.config.auth.clone() else {
            return self.connect_socket(sid, socket, nsp, auth, None);
        };
        let fields: Value = serde_json::from_slice(&auth).unwrap_or(Value::Null);
        let session = fields.get("sessionId").and_then(Value::as_str);
        if session.is_some_and(|s| a.has_session(s)) {
            return self.connect_socket(sid, socket, nsp, auth, None);
        }
        let user = fields.get("username").and_then(Value::as_str);
        let password = fields.get("password").and_then(Value::as_str);
        let pending = crate::socket::PendingConnect {
            engine: sid,
            nsp,
            auth: auth.clone(),
            restore: None,
            remote: None,
        };
        self.hold_pending(socket, pending);
        match password {
            Some(password) if user == Some(basic.username.as_str()) => {
                let check = AdminLogin {
                    password: password.to_owned(),
                    hash: basic.password_hash,
                };
                self.events
                    .push_back(SocketEvent::AdminLogin { socket, check });
            }
            _ => {
                let _ = self.refuse(socket, "invalid credentials", None);
            }
        }
    }

    /// The adapter's answer to [`SocketEvent::AdminLogin`]: `ok` when the
    /// password matched the hash. The socket connects and gets a `session`
    /// id for its next logins, or is refused with `invalid credentials`.
    /// `Err` if no admin login waits under `socket`.
    pub fn admin_login_checked(&mut self, socket: SocketId, ok: bool) -> Result<(), SioError> {
        let waiting = self
            .pending
            .get(&socket)
            .is_some_and(|p| self.is_admin_nsp(&p.nsp));
        if !waiting {
            return Err(SioError::UnknownSocket(socket));
        }
        if !ok {
            return self.refuse(socket, "invalid credentials", None);
        }
        let p = self
            .take_pending(socket)
            .ok_or(SioError::UnknownSocket(socket))?;
        let session = self.ids.sid().as_str().to_owned();
        self.connect_socket(p.engine, socket, p.nsp, p.auth, None);
        if !self.is_connected(socket) {
            return Ok(()); // its connection closed meanwhile
        }
        let args = Value::Array(vec![Value::from(session.as_str())]).to_string();
        if let Some(a) = self.admin.as_deref_mut() {
            a.add_session(session);
        }
        self.admin_send(&[socket], "session", args);
        Ok(())
    }

    /// An event from an admin socket: one of the UI's actions (ignored when
    /// read-only, unknown, or malformed).
    pub(crate) fn admin_action(&mut self, event: &str, args: &Args) {
        if self.admin.as_deref().is_none_or(|a| a.config.readonly) {
            return;
        }
        let list: Vec<Value> = serde_json::from_slice(&args.json).unwrap_or_default();
        let Some(nsp) = list.first().and_then(Value::as_str).map(str::to_owned) else {
            return;
        };
        match event {
            "join" | "leave" => {
                let Some(room) = list.get(1).and_then(Value::as_str) else {
                    return;
                };
                let op = selection(list.get(2));
                let rooms = [room.to_owned()];
                let _ = if event == "join" {
                    self.sockets_join(&nsp, &op, &rooms)
                } else {
                    self.sockets_leave(&nsp, &op, &rooms)
                };
            }
            "_disconnect" => {
                let close = list.get(1).and_then(Value::as_bool).unwrap_or(false);
                let op = selection(list.get(2));
                let _ = self.disconnect_sockets(&nsp, &op, close);
            }
            "emit" => {
                let Some(name) = list.get(2).and_then(Value::as_str) else {
                    return;
                };
                let op = selection(list.get(1));
                let rest = Value::Array(list[3..].to_vec()).to_string();
                let _ = self.broadcast(&nsp, &op, name, &Args::from_json(rest));
            }
            _ => {}
        }
    }
}
