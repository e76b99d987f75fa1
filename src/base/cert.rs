//! TLS out of the box: a self-signed certificate made at `loft init`, loaded with rustls
//! on the `ring` provider (aws-lc does not build for 32-bit MIPS).
//!
//! A self-signed certificate is only worth something if people can check it, so its
//! SHA-256 fingerprint is printed by `loft init` and `loft check`, in the same form the
//! client prints on first use and records in its `known_hosts`.

use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A certificate and key, ready for the server.
pub(crate) struct Loaded {
    pub(crate) config: Arc<rustls::ServerConfig>,
    /// SHA-256 of the leaf certificate, `AB:CD:…`.
    pub(crate) fingerprint: String,
}

/// `AB:CD:…` of the SHA-256 of `der`.
pub(crate) fn fingerprint(der: &[u8]) -> String {
    Sha256::digest(der).iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(":")
}

/// The rustls provider Loft uses everywhere.
pub(crate) fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Why a certificate could not be loaded or made.
#[derive(Debug)]
pub(crate) enum CertError {
    ReadCert(PathBuf, std::io::Error),
    NotPemCert(PathBuf, std::io::Error),
    NoCert(PathBuf),
    ReadKey(PathBuf, std::io::Error),
    NotPemKey(PathBuf, std::io::Error),
    NoKey(PathBuf),
    Tls(rustls::Error),
    Unusable(PathBuf, PathBuf, rustls::Error),
    Make(String),
    Write(PathBuf, std::io::Error),
}

impl std::fmt::Display for CertError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CertError::ReadCert(p, e) => write!(
                f,
                "cannot read the TLS certificate {}: make one with `loft init`, or set [tls] cert, or mode = \"off\": {e}",
                p.display()
            ),
            CertError::NotPemCert(p, e) => write!(f, "{}: not a PEM certificate: {e}", p.display()),
            CertError::NoCert(p) => {
                write!(f, "{}: no certificate in it (expected PEM `-----BEGIN CERTIFICATE-----`)", p.display())
            }
            CertError::ReadKey(p, e) => write!(f, "cannot read the TLS key {}: {e}", p.display()),
            CertError::NotPemKey(p, e) => write!(f, "{}: not a PEM private key: {e}", p.display()),
            CertError::NoKey(p) => write!(f, "{}: no private key in it", p.display()),
            CertError::Tls(e) => write!(f, "TLS setup: {e}"),
            CertError::Unusable(c, k, e) => {
                write!(f, "{} and {} do not make a usable certificate: {e}", c.display(), k.display())
            }
            CertError::Make(why) => write!(f, "cannot make a certificate: {why}"),
            CertError::Write(p, e) => write!(f, "writing {}: {e}", p.display()),
        }
    }
}

impl std::error::Error for CertError {}

/// Loads a PEM certificate chain and key into a server config.
pub(crate) fn load(cert: &Path, key: &Path) -> Result<Loaded, CertError> {
    let certs: Vec<CertificateDer<'static>> = {
        let data = std::fs::read(cert).map_err(|e| CertError::ReadCert(cert.into(), e))?;
        rustls_pemfile::certs(&mut data.as_slice())
            .collect::<Result<_, _>>()
            .map_err(|e| CertError::NotPemCert(cert.into(), e))?
    };
    if certs.is_empty() {
        return Err(CertError::NoCert(cert.into()));
    }
    let key_der: PrivateKeyDer<'static> = {
        let data = std::fs::read(key).map_err(|e| CertError::ReadKey(key.into(), e))?;
        rustls_pemfile::private_key(&mut data.as_slice())
            .map_err(|e| CertError::NotPemKey(key.into(), e))?
            .ok_or_else(|| CertError::NoKey(key.into()))?
    };
    let fp = fingerprint(&certs[0]);
    let config = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(CertError::Tls)?
        .with_no_client_auth()
        .with_single_cert(certs, key_der)
        .map_err(|e| CertError::Unusable(cert.into(), key.into(), e))?;
    Ok(Loaded { config: Arc::new(config), fingerprint: fp })
}

/// Writes a new self-signed certificate and key (key file mode 0600). Returns the fingerprint.
pub(crate) fn generate(cert: &Path, key: &Path, names: &[String]) -> Result<String, CertError> {
    let mut params = rcgen::CertificateParams::new(names.to_vec())
        .map_err(|e| CertError::Make(format!("certificate names: {e}")))?;
    params.distinguished_name.push(rcgen::DnType::CommonName, names.first().cloned().unwrap_or_else(|| "loft".into()));
    params.not_before = rcgen::date_time_ymd(2024, 1, 1);
    params.not_after = rcgen::date_time_ymd(2099, 12, 31);
    let kp = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
        .map_err(|e| CertError::Make(format!("key generation: {e}")))?;
    let c = params.self_signed(&kp).map_err(|e| CertError::Make(format!("self-signing: {e}")))?;
    write_private(key, kp.serialize_pem().as_bytes()).map_err(|e| CertError::Write(key.into(), e))?;
    std::fs::write(cert, c.pem()).map_err(|e| CertError::Write(cert.into(), e))?;
    Ok(fingerprint(c.der()))
}

fn write_private(path: &Path, data: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(path)?;
    f.write_all(data)
}

/// TEMPORARY (replaced by the local CA work): the CA's fingerprint.
pub(crate) fn ca_fingerprint(ca_cert: &Path) -> Option<String> {
    let data = std::fs::read(ca_cert).ok()?;
    let der = rustls_pemfile::certs(&mut data.as_slice()).next()?.ok()?;
    Some(fingerprint(&der))
}

/// TEMPORARY (replaced by the local CA work): the interfaces' addresses.
pub(crate) fn lan_addresses() -> Vec<std::net::IpAddr> {
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_certificate_loads_with_the_same_fingerprint() {
        let d = tempfile::tempdir().unwrap();
        let (c, k) = (d.path().join("c.pem"), d.path().join("k.pem"));
        let fp = generate(&c, &k, &["localhost".into(), "127.0.0.1".into()]).unwrap();
        let loaded = load(&c, &k).unwrap();
        assert_eq!(loaded.fingerprint, fp);
        assert_eq!(fp.len(), 32 * 3 - 1);
    }

    #[test]
    fn missing_certificate_says_what_to_do() {
        let e = load(Path::new("/nonexistent/c.pem"), Path::new("/nonexistent/k.pem")).err().unwrap();
        assert!(e.to_string().contains("loft init"), "{e}");
    }
}
