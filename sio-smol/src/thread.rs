//! Running a server on a thread of its own (tests, or an app whose main
//! thread does something else).

use crate::Mux;
use std::io;
use std::net::SocketAddr;
use std::thread::JoinHandle;

/// A server running on its own thread; stops when [`RunningServer::stop`]
/// is called or the value is dropped.
pub struct RunningServer {
    addr: SocketAddr,
    stop: Option<async_channel::Sender<()>>,
    thread: Option<JoinHandle<io::Result<()>>>,
}

impl RunningServer {
    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://<addr>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Shuts the server down gracefully and waits for its thread.
    pub fn stop(mut self) -> io::Result<()> {
        self.stop_inner()
    }

    fn stop_inner(&mut self) -> io::Result<()> {
        drop(self.stop.take());
        match self.thread.take() {
            Some(t) => t
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("server thread panicked"))),
            None => Ok(()),
        }
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        let _ = self.stop_inner();
    }
}

/// Binds `addr` (use port 0 for an ephemeral port), builds the router with
/// `make` on a new thread and serves it there.
pub fn spawn_thread(
    addr: SocketAddr,
    make: impl FnOnce() -> Mux + Send + 'static,
) -> io::Result<RunningServer> {
    let listener = crate::net::bind(addr)?;
    let addr = listener.get_ref().local_addr()?;
    let std_listener = listener.into_inner()?;
    let (tx, rx) = async_channel::bounded::<()>(1);
    let thread = std::thread::Builder::new()
        .name(format!("sio-smol {addr}"))
        .spawn(move || {
            let listener = smol::Async::new(std_listener)?;
            let mux = make();
            smol::block_on(mux.serve_until(listener, async move {
                let _ = rx.recv().await;
            }))
        })?;
    Ok(RunningServer {
        addr,
        stop: Some(tx),
        thread: Some(thread),
    })
}
