//! The rustls client configuration shared by every connection.

use crate::NetError;
use rustls::pki_types::{CertificateDer, ServerName};
use std::sync::Arc;

/// A rustls client configuration (the `ring` provider): the webpki roots, plus any extra roots
/// (e.g. a test's self-signed certificate). Cheap to clone.
#[derive(Clone)]
pub struct TlsConfig(pub(crate) Arc<rustls::ClientConfig>);

impl TlsConfig {
    /// Trust Mozilla's roots as shipped by `webpki-roots`.
    pub fn webpki() -> TlsConfig {
        TlsConfig(Arc::new(config(webpki_store())))
    }

    /// The webpki roots plus one more root certificate (DER), e.g. a self-signed test server's.
    pub fn with_root_der(der: &[u8]) -> Result<TlsConfig, NetError> {
        let mut roots = webpki_store();
        roots.add(CertificateDer::from(der.to_vec())).map_err(|e| NetError::BadRoot(e.to_string()))?;
        Ok(TlsConfig(Arc::new(config(roots))))
    }

    /// A client session for `host` (SNI and certificate name).
    pub(crate) fn session(&self, host: &str) -> Result<rustls::ClientConnection, NetError> {
        let name = ServerName::try_from(host.to_string())
            .map_err(|_| NetError::BadUrl { url: host.to_string(), why: "not a valid TLS server name" })?;
        Ok(rustls::ClientConnection::new(self.0.clone(), name)?)
    }
}

fn webpki_store() -> rustls::RootCertStore {
    rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() }
}

fn config(roots: rustls::RootCertStore) -> rustls::ClientConfig {
    // rustls 0.23.48 deprecates the ring provider for lacking post-quantum key exchange; the
    // aws-lc-rs one needs cmake and a C build step this project avoids, so ring it is.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("ring supports the default protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth()
}
