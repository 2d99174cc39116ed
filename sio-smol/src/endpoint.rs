//! The one way a mounted engine serves a request, however the connection
//! read it: the front door (`raw_conn.rs` for the plainest requests,
//! `hyper_door.rs` for the rest) builds an [`EngineRequest`] and calls
//! [`Endpoint::serve`]; for a driver, [`serve`] hands it to the core, reads
//! the body when asked, and completes a WebSocket upgrade.

use crate::driver::{Core, Driver, Sink};
use crate::exchange::{Exchange, ExchangeState};
use crate::net::raw_http;
use crate::net::{self, BodyError, NetStream, WsLimits};
use crate::ws_queue::WsConn;
use async_tungstenite::WebSocketStream;
use async_tungstenite::tungstenite::protocol::Role;
use bytes::Bytes;
use futures_lite::AsyncWriteExt;
use hyper::body::Incoming;
use hyper::upgrade::OnUpgrade;
use sio_core::http::{HttpRequest, HttpResponse};
use sio_core::{ConnId, Input};
use smol::LocalExecutor;
use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

/// What the router needs of a mounted server, whatever its core.
pub(crate) trait Endpoint {
    /// True when a request for `path` belongs here.
    fn matches(&self, path: &str) -> bool;
    /// Serves one request.
    fn serve(self: Rc<Self>, req: EngineRequest) -> ServeFuture;
    /// Starts background work (timers) on the server's executor.
    fn start(self: Rc<Self>, ex: &Rc<LocalExecutor<'static>>);
    /// Closes every session.
    fn shutdown(self: Rc<Self>);
    /// WebSocket connections still open (their tasks still running).
    fn open_websockets(&self) -> usize;
}

/// A boxed, thread-local future of how a request was served.
pub(crate) type ServeFuture = Pin<Box<dyn Future<Output = Served>>>;

/// A request for a mounted engine.
pub(crate) struct EngineRequest {
    /// The head, in the core's vocabulary.
    pub head: HttpRequest,
    /// The body, read or to be read.
    pub body: RequestBody,
    /// How to complete a WebSocket upgrade, for an upgrade request.
    pub upgrade: Option<Upgrade>,
}

/// A request's body, as the core may ask for it.
pub(crate) enum RequestBody {
    /// None (a WebSocket upgrade).
    Empty,
    /// Still to be read from hyper.
    Hyper(Incoming),
    /// Read already.
    Bytes(Bytes),
}

/// How a WebSocket upgrade is completed.
pub(crate) enum Upgrade {
    /// A head read without hyper: the connection's stream, the request's
    /// `Sec-WebSocket-Key`, and what the client sent after the head.
    Raw {
        stream: NetStream,
        key: Vec<u8>,
        leftover: Vec<u8>,
    },
    /// Through hyper, which sends the `101` the door makes.
    Hyper(OnUpgrade),
}

/// How a request was served.
pub(crate) enum Served {
    /// The door writes this response.
    Response(HttpResponse),
    /// The door sends a `101` with these extra headers (a hyper upgrade);
    /// the WebSocket runs on a task of its own.
    Switching(Vec<(&'static str, Cow<'static, str>)>),
    /// The connection was taken (a raw upgrade, accepted or answered).
    Done,
}

impl<C: Core> Endpoint for Driver<C> {
    fn matches(&self, path: &str) -> bool {
        self.engine().matches_path(path)
    }
    fn serve(self: Rc<Self>, req: EngineRequest) -> ServeFuture {
        Box::pin(serve(self, req))
    }
    fn start(self: Rc<Self>, ex: &Rc<LocalExecutor<'static>>) {
        Driver::start(&self, ex)
    }
    fn shutdown(self: Rc<Self>) {
        self.with_engine(|e| e.shutdown());
    }
    fn open_websockets(&self) -> usize {
        Driver::open_websockets(self)
    }
}

/// Serves `req` on `driver`'s core: the one serving function of both
/// doors.
pub(crate) async fn serve<C: Core>(driver: Rc<Driver<C>>, req: EngineRequest) -> Served {
    let EngineRequest {
        head,
        body,
        upgrade,
    } = req;
    let answer = answer(&driver, head, body).await;
    match (answer, upgrade) {
        (Answer::Response(res), Some(Upgrade::Raw { mut stream, .. })) => {
            // A refused upgrade: answered, and the connection closes.
            let headers = res.headers.iter().map(|(n, v)| (*n, v.as_ref()));
            let bytes = raw_http::response(res.status, headers, &res.body, true);
            // The connection closes either way.
            let _ = stream.write_all(&bytes).await;
            let _ = stream.flush().await;
            Served::Done
        }
        (Answer::Response(res), _) => Served::Response(res),
        (
            accepted,
            Some(Upgrade::Raw {
                mut stream,
                key,
                leftover,
            }),
        ) => {
            let Answer::Upgrade {
                conn,
                headers,
                max_message,
                ws,
            } = accepted
            else {
                unreachable!("the first arm takes responses");
            };
            let accept =
                raw_http::switching_protocols(&key, headers.iter().map(|(n, v)| (*n, v.as_ref())));
            let limits = WsLimits {
                max_message_size: max_message,
                inflate: ws.deflate.is_some(),
            };
            let upgrading = Box::pin(async move {
                stream.write_all(&accept).await?;
                // TLS may hold the bytes back until a flush.
                stream.flush().await?;
                let (io, leftover) = limits.io(stream, leftover);
                Ok(WebSocketStream::from_partially_read(
                    io,
                    leftover,
                    Role::Server,
                    Some(limits.into()),
                )
                .await)
            });
            let d = driver.clone();
            driver.spawn(crate::ws_task::run(d, conn, ws, upgrading));
            Served::Done
        }
        (
            Answer::Upgrade {
                conn,
                headers,
                max_message,
                ws,
            },
            Some(Upgrade::Hyper(on_upgrade)),
        ) => {
            let limits = WsLimits {
                max_message_size: max_message,
                inflate: ws.deflate.is_some(),
            };
            let upgrading = Box::pin(net::upgraded_stream(on_upgrade, limits));
            let d = driver.clone();
            driver.spawn(crate::ws_task::run(d, conn, ws, upgrading));
            Served::Switching(headers)
        }
        // The core accepts only requests marked `websocket`, which come
        // with their upgrade.
        (Answer::Upgrade { .. }, None) => Served::Response(HttpResponse::empty(500)),
    }
}

/// What the core made of a request.
enum Answer {
    /// This response.
    Response(HttpResponse),
    /// A WebSocket accepted as connection `conn`, with extra headers for the
    /// `101` response, the largest message to read, and its send queue.
    Upgrade {
        conn: ConnId,
        headers: Vec<(&'static str, Cow<'static, str>)>,
        max_message: usize,
        ws: Rc<WsConn>,
    },
}

/// Reports an exchange dropped before its response (the client went away)
/// to the engine.
struct ExchangeGuard<C: Core> {
    driver: Rc<Driver<C>>,
    conn: ConnId,
    done: bool,
}

impl<C: Core> Drop for ExchangeGuard<C> {
    fn drop(&mut self) {
        if !self.done && self.driver.unregister(self.conn) {
            self.driver.handle(Input::ConnClosed { conn: self.conn });
        }
    }
}

/// Hands a request to the core and waits for its answer, handing it the
/// body when it asks for it.
async fn answer<C: Core>(driver: &Rc<Driver<C>>, head: HttpRequest, body: RequestBody) -> Answer {
    let conn = driver.new_conn();
    let exchange = Rc::new(Exchange::new());
    driver.register(conn, Sink::Http(exchange.clone()));
    let mut guard = ExchangeGuard {
        driver: driver.clone(),
        conn,
        done: false,
    };
    driver.handle(Input::HttpRequest { conn, req: head });
    let mut body = Some(body);
    loop {
        match exchange.next().await {
            ExchangeState::Waiting => {}
            ExchangeState::ReadBody(limit) => {
                // Asked once; a second request for it finds nothing.
                let Some(b) = body.take() else { continue };
                let input = match b {
                    RequestBody::Empty => Input::HttpBody {
                        conn,
                        body: Bytes::new(),
                    },
                    RequestBody::Bytes(b) if b.len() > limit => Input::HttpBodyTooLarge { conn },
                    RequestBody::Bytes(b) => Input::HttpBody { conn, body: b },
                    RequestBody::Hyper(b) => match net::read_body_limited(b, limit).await {
                        Ok(body) => Input::HttpBody { conn, body },
                        Err(BodyError::TooLarge) => Input::HttpBodyTooLarge { conn },
                        Err(BodyError::Io(_)) => {
                            guard.done = true;
                            driver.unregister(conn);
                            driver.handle(Input::ConnClosed { conn });
                            return Answer::Response(HttpResponse::empty(400));
                        }
                    },
                };
                driver.handle(input);
            }
            ExchangeState::Response(res) => {
                guard.done = true;
                return Answer::Response(res);
            }
            ExchangeState::WsAccept {
                headers,
                max_message,
                ws,
            } => {
                guard.done = true;
                return Answer::Upgrade {
                    conn,
                    headers,
                    max_message,
                    ws,
                };
            }
        }
    }
}
