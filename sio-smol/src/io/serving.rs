//! Serving a Socket.IO server's requests: the engine's, and the browser
//! client bundles beside them, on both doors.

use super::client_files::{self, ClientFiles};
use super::state::Shared;
use crate::driver::Driver;
use crate::endpoint::{Endpoint, EngineRequest, ServeFuture, Served};
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

    fn serve(self: Rc<Self>, req: EngineRequest) -> ServeFuture {
        if let Some((files, name)) = self.client_file(req.head.path()) {
            let res = files.respond(name, req.head.header("if-none-match"));
            return Box::pin(std::future::ready(Served::Response(res)));
        }
        Box::pin(crate::endpoint::serve(self.driver.clone(), req))
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
