//! TLS for the webhook (`https://`) and email (STARTTLS) channels: rustls with the `ring`
//! provider (already in the workspace for the feeds) over a blocking socket, trusting the
//! webpki roots plus an optional extra root (`[alerts.channels] ca_file`: a private CA or a
//! test's self-signed certificate).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};

/// The client configuration (built once; cheap to clone), or none where no channel needs TLS.
#[derive(Clone)]
pub struct Tls(Option<Arc<rustls::ClientConfig>>);

impl Tls {
    /// No TLS: [`Tls::wrap`] refuses.
    pub fn none() -> Tls {
        Tls(None)
    }

    /// The webpki roots, plus every certificate of the PEM file `ca_file` if given.
    pub fn new(ca_file: Option<&Path>) -> Result<Tls, String> {
        let mut roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
        if let Some(p) = ca_file {
            let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(p)
                .and_then(|it| it.collect::<Result<_, _>>())
                .map_err(|e| format!("{}: {e}", p.display()))?;
            if certs.is_empty() {
                return Err(format!("{}: no certificate", p.display()));
            }
            for c in certs {
                roots.add(c).map_err(|e| format!("{}: {e}", p.display()))?;
            }
        }
        // rustls 0.23.48 deprecates the ring provider (no post-quantum key exchange); aws-lc-rs
        // needs cmake and a C build, which this project avoids (as feeds/net does).
        #[allow(deprecated)]
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let cfg = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(Tls(Some(Arc::new(cfg))))
    }

    /// A TLS session for `host` over `tcp` (the handshake happens on first read or write).
    pub fn wrap(&self, tcp: TcpStream, host: &str) -> Result<Conn, String> {
        let cfg = self.0.clone().ok_or("TLS is not set up")?;
        let name = ServerName::try_from(host.to_string())
            .map_err(|_| format!("`{host}` is not a TLS server name"))?;
        let session = rustls::ClientConnection::new(cfg, name).map_err(|e| e.to_string())?;
        Ok(Conn::Tls(Box::new(rustls::StreamOwned::new(session, tcp))))
    }
}

/// A plain or TLS connection.
pub enum Conn {
    Plain(TcpStream),
    Tls(Box<rustls::StreamOwned<rustls::ClientConnection, TcpStream>>),
}

impl Conn {
    pub fn is_tls(&self) -> bool {
        matches!(self, Conn::Tls(_))
    }
}

impl Read for Conn {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Conn::Plain(s) => s.read(buf),
            Conn::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Conn {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Conn::Plain(s) => s.write(buf),
            Conn::Tls(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Conn::Plain(s) => s.flush(),
            Conn::Tls(s) => s.flush(),
        }
    }
}
