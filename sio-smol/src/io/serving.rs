//! Serving a Socket.IO server's requests: the engine's, and the browser
//! client bundles beside them.

use super::client_files::{self, ClientFiles};
use super::shared::Shared;
use crate::driver::Driver;
use crate::mux::{ConnFuture, Endpoint, PlainFuture, ResponseFuture};
use crate::net::NetStream;
use crate::net::raw_http::RawHead;
use crate::proxy::ConnInfo;
use bytes::Bytes;
use hyper::Request;
use hyper::body::Incoming;
use smol::LocalExecutor;
use std::rc::Rc;

impl Shared {
    /// The client bundles and which one `path` asks for, if it asks for
    /// one and they are served.
    fn client_file(&self, path: &str) -> Option<(Rc<ClientFiles>, &'static str)> {
        let files = self.client_files.borrow().clone()?;
        let name = client_files::requested(&self.driver.engine().engine().config().path, path)?;
        Some((files, name))
    }
}

impl Endpoint for Shared {
    fn matches(&self, path: &str) -> bool {
        self.driver.engine().engine().matches_path(path)
    }

    fn serve(self: Rc<Self>, req: Request<Incoming>, conn: &ConnInfo) -> ResponseFuture {
        if let Some((files, name)) = self.client_file(req.uri().path()) {
            let tag = req.headers().get(hyper::header::IF_NONE_MATCH);
            let res = files.respond(name, tag.map(|v| v.as_bytes()));
            return Box::pin(std::future::ready(res));
        }
        Box::pin(crate::endpoint::serve(self.driver.clone(), req, conn))
    }

    fn serve_upgrade(
        self: Rc<Self>,
        head: &RawHead<'_, '_>,
        key: &[u8],
        stream: NetStream,
        leftover: Vec<u8>,
        conn: &ConnInfo,
    ) -> ConnFuture {
        self.driver
            .clone()
            .serve_upgrade(head, key, stream, leftover, conn)
    }

    fn serve_plain(
        self: Rc<Self>,
        head: &RawHead<'_, '_>,
        body: Bytes,
        conn: &ConnInfo,
    ) -> Option<PlainFuture> {
        // The client bundles are answered on the hyper path.
        if self.client_file(head.path).is_some() {
            return None;
        }
        self.driver.clone().serve_plain(head, body, conn)
    }

    fn start(self: Rc<Self>, ex: &Rc<LocalExecutor<'static>>) {
        Driver::start(&self.driver, ex);
    }

    fn shutdown(self: Rc<Self>) {
        self.driver.with_engine(|c| c.shutdown());
    }

    fn open_websockets(&self) -> usize {
        self.driver.open_websockets()
    }
}
