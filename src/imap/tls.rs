//! The TLS of IMAP: rustls with the ring provider (the stack lettre uses
//! for SMTP), trust from the system store (rustls-native-certs) plus the
//! certificates of `tls-ca-file`, the server's host name checked. Nothing
//! here can turn verification off.

use std::io;
use std::net::TcpStream;
use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{CertificateError, ClientConfig, ClientConnection, RootCertStore, StreamOwned};

/// A TLS stream over TCP.
pub(crate) type TlsStream = StreamOwned<ClientConnection, TcpStream>;

fn other(msg: String) -> io::Error {
    io::Error::other(msg)
}

/// The client configuration: system roots plus those in `ca_file`.
pub(crate) fn config(ca_file: Option<&Path>) -> io::Result<Arc<ClientConfig>> {
    let mut roots = RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    for c in native.certs {
        let _ = roots.add(c);
    }
    if let Some(path) = ca_file {
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
            .and_then(|it| it.collect::<Result<Vec<_>, _>>())
            .map_err(|e| other(format!("tls-ca-file {}: {e}", path.display())))?;
        if certs.is_empty() {
            return Err(other(format!(
                "tls-ca-file {}: no PEM certificate in it",
                path.display()
            )));
        }
        for c in certs {
            roots
                .add(c)
                .map_err(|e| other(format!("tls-ca-file {}: {e}", path.display())))?;
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let cfg = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| other(format!("TLS set-up: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(cfg))
}

/// Wraps `tcp` in TLS for `host` and completes the handshake (so that a
/// certificate problem is reported here, not at the first command).
pub(crate) fn handshake(
    cfg: Arc<ClientConfig>,
    host: &str,
    mut tcp: TcpStream,
) -> io::Result<TlsStream> {
    let name = ServerName::try_from(host.to_string())
        .map_err(|_| other(format!("TLS: \"{host}\" is not a valid server name")))?;
    let mut conn = ClientConnection::new(cfg, name).map_err(|e| other(format!("TLS: {e}")))?;
    while conn.is_handshaking() {
        conn.complete_io(&mut tcp).map_err(|e| tls_error(e, host))?;
    }
    Ok(StreamOwned::new(conn, tcp))
}

/// A readable TLS failure (certificate errors in words).
fn tls_error(e: io::Error, host: &str) -> io::Error {
    if e.kind() != io::ErrorKind::InvalidData {
        return e;
    }
    let why = match e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
        Some(rustls::Error::InvalidCertificate(c)) => match c {
            CertificateError::UnknownIssuer => {
                "the server's certificate is signed by an unknown authority (see tls-ca-file)"
                    .to_string()
            }
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                format!("the server's certificate is not valid for \"{host}\"")
            }
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                "the server's certificate has expired".to_string()
            }
            other => format!("the server's certificate is not acceptable: {other}"),
        },
        _ => e.to_string(),
    };
    other(format!("TLS: {why}"))
}
