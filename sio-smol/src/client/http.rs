//! The polling transport's HTTP/1.1 client: hyper's client connections
//! (`hyper::client::conn::http1`) over smol TCP/TLS streams, kept alive
//! for the next request. The core has at most two requests in flight (a
//! long-poll GET beside a POST), so at most two connections are kept; a
//! response body over the bound fails the request.

use std::cell::RefCell;
use std::rc::Rc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::client::conn::http1::{self, SendRequest};
use hyper::header::{CONTENT_TYPE, HOST, HeaderName, HeaderValue};
use sio_core::client::{ClientMethod, ClientRequest};

use super::dial::Dialer;
use crate::net::SmolIo;

/// Idle connections kept for the next requests.
const MAX_IDLE: usize = 2;

/// Kept-alive connections to the server, shared by the request tasks of
/// one client.
pub(crate) struct HttpPool {
    dialer: Dialer,
    idle: RefCell<Vec<SendRequest<Full<Bytes>>>>,
    ex: super::runtime::Local,
    max_body: usize,
}

/// What a request came to: a status and body, or what went wrong.
pub(crate) type HttpResult = Result<(u16, Bytes), String>;

impl HttpPool {
    /// A pool dialing with `dialer`, running connections on `ex`, reading
    /// bodies of at most `max_body` bytes.
    pub fn new(dialer: Dialer, ex: super::runtime::Local, max_body: usize) -> HttpPool {
        HttpPool {
            dialer,
            idle: RefCell::new(Vec::new()),
            ex,
            max_body,
        }
    }

    /// Sends `req` on an idle connection or a new one and reads the whole
    /// response. A kept-alive connection the server closed meanwhile may
    /// refuse the request before any of it is written: it is then sent on
    /// a new connection. A request that may have reached the server is
    /// never sent twice (a long-poll GET takes packets from the session:
    /// the core reconnects instead, and recovery fills the gap).
    pub async fn send(self: Rc<Self>, req: ClientRequest) -> HttpResult {
        let request = self.build(&req)?;
        let request = match self.take_idle() {
            Some(sender) => match self.send_on(sender, request).await {
                Err(Failure::NotSent(request)) => *request,
                Err(Failure::Failed(e)) => return Err(e),
                Ok(r) => return Ok(r),
            },
            None => request,
        };
        let sender = self.connect().await?;
        match self.send_on(sender, request).await {
            Ok(r) => Ok(r),
            Err(Failure::NotSent(_)) => Err("HTTP request: the connection closed".into()),
            Err(Failure::Failed(e)) => Err(e),
        }
    }

    /// An idle connection still open, if any.
    fn take_idle(&self) -> Option<SendRequest<Full<Bytes>>> {
        let mut idle = self.idle.borrow_mut();
        while let Some(s) = idle.pop() {
            if s.is_ready() {
                return Some(s);
            }
        }
        None
    }

    /// A new connection, its hyper task running on the executor.
    async fn connect(&self) -> Result<SendRequest<Full<Bytes>>, String> {
        let stream = self
            .dialer
            .dial()
            .await
            .map_err(|e| format!("connect: {e}"))?;
        let (sender, conn) = http1::handshake(SmolIo::new(stream))
            .await
            .map_err(|e| format!("HTTP handshake: {e}"))?;
        self.ex
            .spawn(async move {
                if let Err(e) = conn.await {
                    tracing::debug!("client HTTP connection: {e}");
                }
            })
            .detach();
        Ok(sender)
    }

    /// Sends `request` on `sender`, reads the response, and keeps the
    /// connection for later when it can be reused.
    async fn send_on(
        &self,
        mut sender: SendRequest<Full<Bytes>>,
        request: hyper::Request<Full<Bytes>>,
    ) -> Result<(u16, Bytes), Failure> {
        let res = match sender.try_send_request(request).await {
            Ok(res) => res,
            Err(mut e) => {
                return Err(match e.take_message() {
                    Some(request) => Failure::NotSent(Box::new(request)),
                    None => Failure::Failed(format!("HTTP request: {}", e.error())),
                });
            }
        };
        let status = res.status().as_u16();
        let body = Limited::new(res.into_body(), self.max_body)
            .collect()
            .await
            .map_err(|e| Failure::Failed(format!("HTTP response body: {e}")))?
            .to_bytes();
        if !sender.is_closed() {
            let mut idle = self.idle.borrow_mut();
            if idle.len() < MAX_IDLE {
                idle.push(sender);
            }
        }
        Ok((status, body))
    }

    /// The hyper request for `req`.
    fn build(&self, req: &ClientRequest) -> Result<hyper::Request<Full<Bytes>>, String> {
        let method = match req.method {
            ClientMethod::Get => hyper::Method::GET,
            ClientMethod::Post => hyper::Method::POST,
        };
        let mut builder = hyper::Request::builder()
            .method(method)
            .uri(req.path_and_query.as_str())
            .header(HOST, self.dialer.url.host_header());
        let headers = builder
            .headers_mut()
            .ok_or_else(|| "bad request path".to_owned())?;
        for (name, value) in &req.headers {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| format!("bad header name {name:?}"))?;
            let value =
                HeaderValue::from_str(value).map_err(|_| format!("bad value for header {name}"))?;
            headers.append(name, value);
        }
        if req.method == ClientMethod::Post && !headers.contains_key(CONTENT_TYPE) {
            headers.insert(
                CONTENT_TYPE,
                HeaderValue::from_static("text/plain;charset=UTF-8"),
            );
        }
        builder
            .body(Full::new(req.body.clone()))
            .map_err(|e| format!("bad request: {e}"))
    }
}

/// Why a request on a connection failed.
enum Failure {
    /// The connection refused the request before writing any of it: it
    /// can go on another connection.
    NotSent(Box<hyper::Request<Full<Bytes>>>),
    /// Anything else: the request may have reached the server.
    Failed(String),
}
