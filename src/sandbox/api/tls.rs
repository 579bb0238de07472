//! TLS for kubectl: client-go sends credentials only over TLS, so the
//! emulator also speaks HTTPS on its port, with a fixed certificate for
//! `127.0.0.1`/`localhost` signed by a fixed sandbox CA (generated once with
//! openssl; see `tls/README.md`). The key is not a secret: the server listens
//! on loopback only and holds nothing but sandbox data.

use std::sync::Arc;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// The sandbox CA certificate, PEM; kubeconfigs trust it.
pub(crate) const CA_PEM: &str = include_str!("tls/ca.pem");
/// The server certificate (DER), for 127.0.0.1 and localhost.
const SERVER_CERT_DER: &[u8] = include_bytes!("tls/server.crt.der");
/// The server key (PKCS#8 DER).
const SERVER_KEY_DER: &[u8] = include_bytes!("tls/server.key.der");

/// The TLS configuration served to HTTPS clients (HTTP/1.1 only).
pub(crate) fn server_config() -> Result<Arc<rustls::ServerConfig>, rustls::Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(SERVER_CERT_DER.to_vec())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(SERVER_KEY_DER.to_vec())),
        )?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_certificate_and_key_load() {
        assert!(server_config().is_ok());
        assert!(CA_PEM.starts_with("-----BEGIN CERTIFICATE-----"));
    }
}
