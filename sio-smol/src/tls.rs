//! TLS for HTTPS and WSS: a certificate chain and its private key, loaded
//! from PEM, served with rustls (no OpenSSL).
//!
//! ```no_run
//! use sio_smol::Mux;
//! use sio_smol::tls::TlsConfig;
//!
//! let tls = TlsConfig::from_pem_files("cert.pem", "key.pem").expect("a valid certificate and key");
//! let mux = Mux::new().tls(tls); // every connection is TLS: https:// and wss://
//! # let _ = mux;
//! ```
//!
//! The handshake runs on the connection's task, bounded by the request-head
//! timeout ([`crate::Mux::header_read_timeout`]). Then the connection is
//! served as a plain one is: the hyper-less fast path for the engine's
//! plainest requests, hyper for the rest, WebSocket upgrades on both.
//! Only HTTP/1.1 is offered (ALPN `http/1.1`). Certificates are read once:
//! to renew one, restart the server (see `docs/operating.md`).

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures_rustls::TlsAcceptor;
/// The rustls crate this module uses, for [`TlsConfig::from_rustls`].
pub use futures_rustls::rustls;
use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// Server-side TLS settings: what [`crate::Mux::tls`] takes.
#[derive(Clone)]
pub struct TlsConfig {
    acceptor: TlsAcceptor,
}

impl fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsConfig").finish_non_exhaustive()
    }
}

/// Why TLS settings could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsError {
    /// A file could not be read.
    #[error("reading {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
    /// The PEM text holds no certificate, or no private key, or is malformed.
    #[error("{0}")]
    Pem(String),
    /// rustls refused the certificate chain or the key (e.g. they do not
    /// match, or the key type is not supported).
    #[error("TLS configuration: {0}")]
    Rustls(#[from] rustls::Error),
}

impl TlsConfig {
    /// Reads a PEM certificate chain (the server's certificate first, then
    /// the intermediates) and a PEM private key (PKCS#8, PKCS#1 or SEC1).
    pub fn from_pem_files(
        cert: impl AsRef<Path>,
        key: impl AsRef<Path>,
    ) -> Result<TlsConfig, TlsError> {
        let read = |p: &Path| {
            std::fs::read(p).map_err(|source| TlsError::Read {
                path: p.to_owned(),
                source,
            })
        };
        TlsConfig::from_pem(&read(cert.as_ref())?, &read(key.as_ref())?)
    }

    /// [`TlsConfig::from_pem_files`] from the files' contents.
    pub fn from_pem(cert_pem: &[u8], key_pem: &[u8]) -> Result<TlsConfig, TlsError> {
        let certs = CertificateDer::pem_slice_iter(cert_pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| TlsError::Pem(format!("certificate chain: {e}")))?;
        if certs.is_empty() {
            return Err(TlsError::Pem("no certificate in the PEM text".into()));
        }
        let key = PrivateKeyDer::from_pem_slice(key_pem)
            .map_err(|e| TlsError::Pem(format!("private key: {e}")))?;
        TlsConfig::from_der(certs, key)
    }

    /// A certificate chain and key already decoded (DER).
    pub fn from_der(
        certs: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
    ) -> Result<TlsConfig, TlsError> {
        // ring: it builds with a C compiler alone, quickly. rustls deprecated
        // it for lacking post-quantum key exchange; an application that
        // wants that passes an aws-lc-rs configuration to `from_rustls`.
        #[allow(deprecated)]
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(certs, key)?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(TlsConfig::from_rustls(Arc::new(config)))
    }

    /// A rustls configuration made by the application (client
    /// certificates, certificate resolvers, other providers). Offer ALPN
    /// `http/1.1` or none: only HTTP/1.1 is served.
    pub fn from_rustls(config: Arc<ServerConfig>) -> TlsConfig {
        TlsConfig {
            acceptor: TlsAcceptor::from(config),
        }
    }

    /// The acceptor that runs the handshakes.
    pub(crate) fn acceptor(&self) -> &TlsAcceptor {
        &self.acceptor
    }
}
