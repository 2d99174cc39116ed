//! Connections to the server: TCP, and TLS over it for `https://` and
//! `wss://` (rustls, the default roots from `webpki-roots` plus the
//! application's own).

use std::io;
use std::net::{TcpStream, ToSocketAddrs};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_lite::io::{AsyncRead, AsyncWrite};
use futures_rustls::TlsConnector;
use futures_rustls::rustls;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use smol::Async;

use super::url::ServerUrl;
use crate::net::io::PollReadable;

/// A TLS client stream over TCP.
type TlsStream = futures_rustls::client::TlsStream<Async<TcpStream>>;

/// A connection to the server: plain TCP, or TLS over TCP.
#[derive(Debug)]
pub(crate) enum ClientStream {
    /// Plain TCP.
    Plain(Async<TcpStream>),
    /// TLS over TCP (boxed: rustls' state is large).
    Tls(Box<TlsStream>),
}

/// Where and how to connect: the server's address and the TLS settings.
#[derive(Clone)]
pub(crate) struct Dialer {
    /// The server's URL (host and port, TLS or not).
    pub url: Arc<ServerUrl>,
    /// The connector, for `https://` and `wss://`.
    tls: Option<TlsConnector>,
}

impl Dialer {
    /// A dialer for `url`; TLS trusts the `webpki-roots` (unless
    /// `default_roots` is false) and every certificate in `extra_pem`.
    pub fn new(
        url: ServerUrl,
        default_roots: bool,
        extra_pem: &[Vec<u8>],
    ) -> Result<Dialer, String> {
        let tls = if url.tls {
            Some(tls_connector(default_roots, extra_pem)?)
        } else {
            None
        };
        Ok(Dialer {
            url: Arc::new(url),
            tls,
        })
    }

    /// Opens a connection (resolving the host off the executor's thread),
    /// with the TLS handshake for a TLS URL.
    pub async fn dial(&self) -> io::Result<ClientStream> {
        let (host, port) = (self.url.host.clone(), self.url.port);
        let addrs: Vec<_> = smol::unblock(move || {
            (host.as_str(), port)
                .to_socket_addrs()
                .map(|a| a.collect::<Vec<_>>())
        })
        .await?;
        let mut last = io::Error::new(io::ErrorKind::NotFound, "the host has no address");
        let mut tcp = None;
        for addr in addrs {
            match Async::<TcpStream>::connect(addr).await {
                Ok(s) => {
                    tcp = Some(s);
                    break;
                }
                Err(e) => last = e,
            }
        }
        let tcp = tcp.ok_or(last)?;
        let _ = tcp.get_ref().set_nodelay(true);
        match &self.tls {
            None => Ok(ClientStream::Plain(tcp)),
            Some(connector) => {
                let name = ServerName::try_from(self.url.host.clone())
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
                let tls = connector.connect(name, tcp).await?;
                Ok(ClientStream::Tls(Box::new(tls)))
            }
        }
    }
}

/// A rustls client configuration with these roots, HTTP/1.1 by ALPN.
fn tls_connector(default_roots: bool, extra_pem: &[Vec<u8>]) -> Result<TlsConnector, String> {
    let mut roots = rustls::RootCertStore::empty();
    if default_roots {
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    }
    for pem in extra_pem {
        let certs = CertificateDer::pem_slice_iter(pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("root certificate PEM: {e}"))?;
        if certs.is_empty() {
            return Err("no certificate in a root certificate PEM".into());
        }
        for cert in certs {
            roots
                .add(cert)
                .map_err(|e| format!("root certificate: {e}"))?;
        }
    }
    // ring, as the server side (see crate::tls).
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS configuration: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsConnector::from(Arc::new(config)))
}

impl PollReadable for ClientStream {
    fn poll_readable(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self {
            ClientStream::Plain(s) => s.poll_readable(cx),
            // rustls may hold decrypted bytes: always read.
            ClientStream::Tls(_) => Poll::Ready(Ok(())),
        }
    }
}

impl AsyncRead for ClientStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            ClientStream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            ClientStream::Tls(s) => Pin::new(&mut **s).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for ClientStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            ClientStream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            ClientStream::Tls(s) => Pin::new(&mut **s).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            ClientStream::Plain(s) => Pin::new(s).poll_flush(cx),
            ClientStream::Tls(s) => Pin::new(&mut **s).poll_flush(cx),
        }
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            ClientStream::Plain(s) => Pin::new(s).poll_close(cx),
            ClientStream::Tls(s) => Pin::new(&mut **s).poll_close(cx),
        }
    }
}
