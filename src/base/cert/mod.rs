//! TLS out of the box: a local certificate authority and the relay's certificate signed
//! by it, made at `loft init` ([`ca`]), loaded with rustls on the `ring` provider (aws-lc
//! does not build for 32-bit MIPS). Installs from before the CA have a lone self-signed
//! certificate, which loads the same way.
//!
//! A certificate no public CA signed is only worth something if people can check it, so
//! the SHA-256 fingerprint of the CA (or of a lone certificate) is printed by `loft init`
//! and `loft check`, in the same form the client prints on first use and records in its
//! `known_hosts`.
//!
//! Split in three: this file loads and writes; [`ca`] makes the CA and its certificates;
//! [`der`] reads back the few fields of a certificate that decide a renewal.

pub(crate) mod ca;
pub(crate) mod der;

pub(crate) use ca::{ca_fingerprint, lan_addresses};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A certificate and key, ready for the server.
pub(crate) struct Loaded {
    pub(crate) config: Arc<rustls::ServerConfig>,
    /// SHA-256 of the leaf certificate, `AB:CD:…`.
    pub(crate) fingerprint: String,
    /// SHA-256 of its Ed25519 twin, if the server has one (see [`ca::ed25519_twin`]).
    pub(crate) twin: Option<String>,
}

/// Whether the relay makes the Ed25519 twin when `[tls] ed25519` is not set. Where ring
/// computes P-256 in assembly (x86_64, aarch64) an Ed25519 signature costs a little more
/// than a P-256 one (+2.3% and +1.6% of an FTPS session's instructions); on 32-bit ARM and
/// MIPS, where it does not, much less (−38% and −8.9%; docs/benchmarks.md).
pub(crate) const ED25519_BY_DEFAULT: bool = !cfg!(any(target_arch = "x86_64", target_arch = "aarch64"));

/// The server's certificates: the one from the files, and its Ed25519 twin for the
/// clients that offer Ed25519 signatures (FTPChat through Python's `ssl`, curl, lftp).
/// Browsers do not offer them and get the P-256 one, as do clients that offer nothing.
#[derive(Debug)]
struct ByScheme {
    stored: Arc<rustls::sign::CertifiedKey>,
    ed25519: Option<Arc<rustls::sign::CertifiedKey>>,
}

impl rustls::server::ResolvesServerCert for ByScheme {
    fn resolve(&self, hello: rustls::server::ClientHello<'_>) -> Option<Arc<rustls::sign::CertifiedKey>> {
        match &self.ed25519 {
            Some(ed) if hello.signature_schemes().contains(&rustls::SignatureScheme::ED25519) => Some(ed.clone()),
            _ => Some(self.stored.clone()),
        }
    }
}

/// `AB:CD:…` of the SHA-256 of `der`.
pub(crate) fn fingerprint(der: &[u8]) -> String {
    Sha256::digest(der).iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(":")
}

/// The relay's TLS server provider: ring's, with the cipher suites in the order the relay
/// prefers (the server config ignores the client's order, see [`load`]). AES-128-GCM
/// first where the CPU has AES instructions (x86_64), ChaCha20-Poly1305 first elsewhere:
/// a MIPS router or a Raspberry Pi 4 has none, and AES there is ring's constant-time
/// software AES, several times slower. Both hash with SHA-256, where the clients' usual
/// first choice, AES-256-GCM with SHA-384, hashes every handshake message with SHA-512,
/// which a 32-bit CPU computes in pairs of registers. AES-256-GCM stays, last.
fn server_provider() -> Arc<rustls::crypto::CryptoProvider> {
    use rustls::CipherSuite as S;
    let order: &[S] = if cfg!(target_arch = "x86_64") {
        &[
            S::TLS13_AES_128_GCM_SHA256,
            S::TLS13_CHACHA20_POLY1305_SHA256,
            S::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            S::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
            S::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
            S::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        ]
    } else {
        &[
            S::TLS13_CHACHA20_POLY1305_SHA256,
            S::TLS13_AES_128_GCM_SHA256,
            S::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
            S::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
            S::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            S::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        ]
    };
    let mut p = rustls::crypto::ring::default_provider();
    // Stable: the listed suites in this order, then the rest in ring's order.
    p.cipher_suites.sort_by_key(|s| order.iter().position(|o| *o == s.suite()).unwrap_or(order.len()));
    Arc::new(p)
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
    /// The CA's certificate or key cannot be read.
    NoCa(PathBuf, std::io::Error),
    /// The CA's certificate or key is not usable.
    BadCa(PathBuf, String),
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
            CertError::NoCa(p, e) if e.kind() == std::io::ErrorKind::NotFound => write!(
                f,
                "cannot read the certificate authority's {}: {e}; `loft cert renew --ca --force` makes a new one (devices must then trust it again)",
                p.display()
            ),
            CertError::NoCa(p, e) => write!(
                f,
                "cannot read the certificate authority's {}: {e}; run `loft cert renew` as a user that can (root)",
                p.display()
            ),
            CertError::BadCa(p, why) => write!(
                f,
                "{}: not a usable certificate authority ({why}); `loft cert renew --ca --force` makes a new one (phones must then trust it again)",
                p.display()
            ),
        }
    }
}

impl std::error::Error for CertError {}

/// Loads a PEM certificate chain and key into a server config. With `ca`, the local CA,
/// and a certificate it issued, the server also has an Ed25519 twin of it
/// ([`ca::ed25519_twin`]), the same at every load until the certificate changes.
pub(crate) fn load(cert: &Path, key: &Path, ca: Option<&ca::Ca>) -> Result<Loaded, CertError> {
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
    let provider = server_provider();
    let stored = rustls::sign::CertifiedKey::from_der(certs.clone(), key_der, &provider)
        .map_err(|e| CertError::Unusable(cert.into(), key.into(), e))?;
    // The twin is an optimisation: if it cannot be made, the stored certificate serves all.
    let twin = ca.map(|ca| {
        let t = ca::ed25519_twin(ca, &certs[0])?;
        t.map(|t| {
            let fp = fingerprint(&t.der);
            let chain = vec![CertificateDer::from(t.der), CertificateDer::from(ca.der.clone())];
            rustls::sign::CertifiedKey::from_der(chain, PrivateKeyDer::Pkcs8(t.key.into()), &provider)
                .map(|k| (Arc::new(k), fp))
                .map_err(CertError::Tls)
        })
        .transpose()
    });
    let (ed25519, twin_fp) = match twin {
        Some(Ok(Some((k, fp)))) => (Some(k), Some(fp)),
        Some(Err(e)) => {
            warn_no_twin(&e);
            (None, None)
        }
        _ => (None, None),
    };
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(CertError::Tls)?
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(ByScheme { stored: Arc::new(stored), ed25519 }));
    // The relay's order of cipher suites, not the client's (see `server_provider`).
    config.ignore_client_order = true;
    Ok(Loaded { config: Arc::new(config), fingerprint: fp, twin: twin_fp })
}

/// Says why the relay serves its certificate without the Ed25519 twin (which is only an
/// optimisation: a failure to make it never stops the relay).
pub(crate) fn warn_no_twin(why: &dyn std::fmt::Display) {
    tracing::warn!("no Ed25519 certificate for the clients that accept one: {why}");
}

/// Replaces a private key file: a new one is 0600, an existing one keeps its mode (a
/// systemd install makes the relay's key 0640 for the group the relay runs as).
fn write_private(path: &Path, data: &[u8]) -> std::io::Result<()> {
    crate::base::files::write_atomic(path, data)
}

/// Replaces a certificate file; a new one is 0644 (a certificate is public).
fn write_public(path: &Path, data: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let new = !path.exists();
    crate::base::files::write_atomic(path, data)?;
    if new {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o644))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    use rustls::client::danger::ServerCertVerifier;
    use std::os::unix::fs::PermissionsExt;

    fn names() -> Vec<String> {
        vec!["localhost".into(), "127.0.0.1".into(), "relay.example".into()]
    }

    /// rustls' own verdict on `chain` (leaf first) under `root` as the only trust anchor.
    fn verify(root: &[u8], chain: &[CertificateDer<'static>], name: &str) -> Result<(), rustls::Error> {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(CertificateDer::from(root.to_vec())).unwrap();
        let v = rustls::client::WebPkiServerVerifier::builder_with_provider(
            Arc::new(roots),
            Arc::new(rustls::crypto::ring::default_provider()),
        )
        .build()
        .unwrap();
        let name = rustls::pki_types::ServerName::try_from(name.to_string()).unwrap();
        v.verify_server_cert(&chain[0], &chain[1..], &name, &[], rustls::pki_types::UnixTime::now()).map(|_| ())
    }

    fn chain(path: &Path) -> Vec<CertificateDer<'static>> {
        rustls_pemfile::certs(&mut std::fs::read(path).unwrap().as_slice()).collect::<Result<_, _>>().unwrap()
    }

    /// The relay's order of suites, kept whatever the client prefers: SHA-256 suites
    /// first, AES where the CPU has it, ChaCha20 elsewhere; nothing of ring's dropped.
    #[test]
    fn the_server_prefers_sha256_suites_for_its_cpu() {
        use rustls::CipherSuite as S;
        let p = server_provider();
        let order: Vec<S> = p.cipher_suites.iter().map(|s| s.suite()).collect();
        let first =
            if cfg!(target_arch = "x86_64") { S::TLS13_AES_128_GCM_SHA256 } else { S::TLS13_CHACHA20_POLY1305_SHA256 };
        assert_eq!(order[0], first, "{order:?}");
        assert_eq!(order.len(), rustls::crypto::ring::default_provider().cipher_suites.len());
        let pos = |x: S| order.iter().position(|o| *o == x).unwrap();
        assert!(pos(S::TLS13_AES_256_GCM_SHA384) > pos(S::TLS13_AES_128_GCM_SHA256), "{order:?}");
        assert!(pos(S::TLS13_AES_256_GCM_SHA384) > pos(S::TLS13_CHACHA20_POLY1305_SHA256), "{order:?}");
    }

    /// A CA in `d` (`ca.crt`, `ca.key`) and a certificate it issued (`c.pem`, `k.pem`).
    fn ca_and_certificate(d: &Path) -> ca::Ca {
        let ca = ca::make_ca(&d.join("ca.crt"), &d.join("ca.key")).unwrap();
        ca::issue(&ca, &d.join("c.pem"), &d.join("k.pem"), &names()).unwrap();
        ca
    }

    /// A whole handshake in memory between `server` and a rustls client that trusts `root`
    /// and verifies only `schemes`: the chain the server sent, leaf first.
    fn handshake(
        server: Arc<rustls::ServerConfig>,
        root: &[u8],
        schemes: &[rustls::SignatureScheme],
    ) -> Vec<CertificateDer<'static>> {
        let mut provider = rustls::crypto::ring::default_provider();
        let all = provider.signature_verification_algorithms;
        let mapping: Vec<_> = all.mapping.iter().filter(|(s, _)| schemes.contains(s)).cloned().collect();
        provider.signature_verification_algorithms =
            rustls::crypto::WebPkiSupportedAlgorithms { all: all.all, mapping: Box::leak(mapping.into_boxed_slice()) };
        let mut roots = rustls::RootCertStore::empty();
        roots.add(CertificateDer::from(root.to_vec())).unwrap();
        let client = rustls::ClientConfig::builder_with_provider(Arc::new(provider))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        let name = rustls::pki_types::ServerName::try_from("relay.example").unwrap();
        let mut c = rustls::ClientConnection::new(Arc::new(client), name).unwrap();
        let mut s = rustls::ServerConnection::new(server).unwrap();
        for _ in 0..10 {
            if !c.is_handshaking() && !s.is_handshaking() {
                break;
            }
            let mut buf = Vec::new();
            c.write_tls(&mut buf).unwrap();
            let mut rest = buf.as_slice();
            while !rest.is_empty() {
                s.read_tls(&mut rest).unwrap();
                s.process_new_packets().unwrap();
            }
            buf.clear();
            s.write_tls(&mut buf).unwrap();
            let mut rest = buf.as_slice();
            while !rest.is_empty() {
                c.read_tls(&mut rest).unwrap();
                c.process_new_packets().unwrap();
            }
        }
        assert!(!c.is_handshaking() && !s.is_handshaking(), "the handshake did not finish");
        c.peer_certificates().unwrap().iter().map(|d| d.clone().into_owned()).collect()
    }

    /// The Ed25519 twin: a client that offers Ed25519 gets it, chained to the CA and
    /// naming what the stored certificate names; one that does not gets the stored one;
    /// a certificate the CA did not issue gets no twin.
    #[test]
    fn clients_that_accept_ed25519_get_a_twin_from_the_ca_and_the_others_the_stored_certificate() {
        use rustls::SignatureScheme as S;
        let d = tempfile::tempdir().unwrap();
        let p = |n: &str| d.path().join(n);
        let ca = ca_and_certificate(d.path());
        let stored = chain(&p("c.pem"));
        let loaded = load(&p("c.pem"), &p("k.pem"), Some(&ca)).unwrap();
        let twin_fp = loaded.twin.clone().expect("a twin");

        let got = handshake(loaded.config.clone(), &ca.der, &[S::ED25519, S::ECDSA_NISTP256_SHA256]);
        assert_eq!(fingerprint(&got[0]), twin_fp);
        assert_ne!(got[0], stored[0]);
        assert_eq!(got[1].as_ref(), ca.der.as_slice(), "the twin's chain ends with the CA");
        verify(&ca.der, &got, "relay.example").unwrap();
        let (twin, leaf) = (der::certificate(&got[0]).unwrap(), der::certificate(&stored[0]).unwrap());
        assert_eq!(twin.sans, leaf.sans);
        assert_eq!(twin.issuer, leaf.issuer);
        assert_eq!(twin.not_after, leaf.not_after);
        let twin_der = got[0].clone();
        // A browser offers no Ed25519: the stored certificate, as before.
        let got = handshake(loaded.config.clone(), &ca.der, &[S::ECDSA_NISTP256_SHA256, S::RSA_PSS_SHA256]);
        assert_eq!(got, stored);
        // Without the CA there is no twin, whatever the client offers.
        let alone = load(&p("c.pem"), &p("k.pem"), None).unwrap();
        assert!(alone.twin.is_none());
        assert_eq!(handshake(alone.config, &ca.der, &[S::ED25519, S::ECDSA_NISTP256_SHA256]), stored);
        // A certificate another CA issued (a public one, say) gets no twin from this CA.
        let other = ca::make_ca(&p("o.crt"), &p("o.key")).unwrap();
        ca::issue(&other, &p("c2.pem"), &p("k2.pem"), &names()).unwrap();
        let foreign = load(&p("c2.pem"), &p("k2.pem"), Some(&ca)).unwrap();
        assert!(foreign.twin.is_none());
        assert_eq!(handshake(foreign.config, &other.der, &[S::ED25519, S::ECDSA_NISTP256_SHA256]), chain(&p("c2.pem")));
        // A restart (the CA read back from its files) makes the same twin, byte for byte,
        // so a client that remembered it is not asked again; a new leaf gets a new twin.
        let ca = ca::load_ca(&p("ca.crt"), &p("ca.key")).unwrap();
        let again = load(&p("c.pem"), &p("k.pem"), Some(&ca)).unwrap();
        assert_eq!(again.twin.as_deref(), Some(twin_fp.as_str()));
        let got_again = handshake(again.config, &ca.der, &[S::ED25519]);
        assert_eq!(got_again[0], twin_der);
        ca::issue(&ca, &p("c.pem"), &p("k.pem"), &names()).unwrap();
        let renewed = load(&p("c.pem"), &p("k.pem"), Some(&ca)).unwrap();
        assert_ne!(renewed.twin.as_deref(), Some(twin_fp.as_str()));
        verify(&ca.der, &handshake(renewed.config, &ca.der, &[S::ED25519]), "relay.example").unwrap();
    }

    #[test]
    fn a_ca_signs_a_chain_that_loads_and_verifies_and_a_reloaded_ca_signs_the_same_way() {
        let d = tempfile::tempdir().unwrap();
        let p = |n: &str| d.path().join(n);
        let made = ca::make_ca(&p("ca.crt"), &p("ca.key")).unwrap();
        assert_eq!(std::fs::metadata(p("ca.key")).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(ca_fingerprint(&p("ca.crt")), Some(made.fingerprint()));
        assert_eq!(ca_fingerprint(&p("none.crt")), None);
        let info = der::certificate(&made.der).unwrap();
        assert_eq!(info.issuer, info.subject, "self-signed");
        let cn = der::common_name(info.subject).unwrap();
        assert!(cn.starts_with("Loft relay ") && cn.contains(" CA "), "{cn}");

        let fp = ca::issue(&made, &p("c.pem"), &p("k.pem"), &names()).unwrap();
        assert_eq!(load(&p("c.pem"), &p("k.pem"), None).unwrap().fingerprint, fp);
        assert_eq!(std::fs::metadata(p("k.pem")).unwrap().permissions().mode() & 0o777, 0o600);
        let c = chain(&p("c.pem"));
        assert_eq!(c.len(), 2, "leaf then CA");
        assert_eq!(c[1].as_ref(), made.der.as_slice());
        verify(&made.der, &c, "relay.example").unwrap();
        verify(&made.der, &c, "127.0.0.1").unwrap();
        assert!(verify(&made.der, &c, "elsewhere.example").is_err());

        // From disk: a new leaf with the same issuer name and key identifier.
        let loaded = ca::load_ca(&p("ca.crt"), &p("ca.key")).unwrap();
        assert_eq!(loaded.der, made.der);
        let fp2 = ca::issue(&loaded, &p("c.pem"), &p("k.pem"), &names()).unwrap();
        assert_ne!(fp, fp2);
        let c2 = chain(&p("c.pem"));
        assert_eq!(der::certificate(&c2[0]).unwrap().issuer, info.subject);
        verify(&made.der, &c2, "localhost").unwrap();
        let leaf = der::certificate(&c2[0]).unwrap();
        assert_eq!(leaf.sans.len(), 3);
        assert!(leaf.sans.contains(&der::San::Ip("127.0.0.1".parse().unwrap())));
        assert!(leaf.sans.contains(&der::San::Dns("relay.example".into())));
        let days = (leaf.not_after - chrono::Utc::now().date_naive()).num_days();
        assert!((800..=825).contains(&days), "{days}");

        // Another CA's key does not pass for this one.
        ca::make_ca(&p("ca2.crt"), &p("ca2.key")).unwrap();
        let e = ca::load_ca(&p("ca.crt"), &p("ca2.key")).err().unwrap().to_string();
        assert!(e.contains("not a CA Loft made with the key") && e.contains("--ca --force"), "{e}");
        let e = ca::load_ca(&p("none.crt"), &p("ca.key")).err().unwrap().to_string();
        assert!(e.contains("loft cert renew --ca"), "{e}");
    }

    #[test]
    fn renewal_when_a_name_is_missing_or_the_end_is_near_never_for_a_stranger() {
        let d = tempfile::tempdir().unwrap();
        let p = |n: &str| d.path().join(n);
        let ca = ca_and_certificate(d.path());
        let leaf = chain(&p("c.pem"))[0].to_vec();
        let subject = der::certificate(&ca.der).unwrap().subject.to_vec();
        let today = chrono::Utc::now().date_naive();
        assert_eq!(ca::renewal_reason(&leaf, &subject, &names(), today), None);
        assert_eq!(ca::renewal_reason(&leaf, &subject, &["LOCALHOST".into(), "127.0.0.1".into()], today), None);
        let why = ca::renewal_reason(&leaf, &subject, &["localhost".into(), "10.1.2.3".into()], today).unwrap();
        assert!(why.contains("10.1.2.3"), "{why}");
        let later = today + chrono::Days::new(800);
        assert!(ca::renewal_reason(&leaf, &subject, &names(), later).unwrap().contains("days left"));
        // A certificate this CA did not issue (one from a public CA, say) is left alone.
        assert_eq!(ca::renewal_reason(&leaf, b"other", &["10.1.2.3".into()], today), None);

        // refresh: nothing without a CA; a stale leaf is re-issued; a current one is kept.
        let none = ca::refresh(&p("c.pem"), &p("k.pem"), &p("no-ca.crt"), &p("no-ca.key"), &["x.example".into()]);
        assert_eq!(none.unwrap(), None);
        let why = ca::refresh(&p("c.pem"), &p("k.pem"), &p("ca.crt"), &p("ca.key"), &["x.example".into()]);
        assert!(why.unwrap().unwrap().contains("x.example"));
        let fp = load(&p("c.pem"), &p("k.pem"), None).unwrap().fingerprint;
        let again = ca::refresh(&p("c.pem"), &p("k.pem"), &p("ca.crt"), &p("ca.key"), &["x.example".into()]);
        assert_eq!(again.unwrap(), None);
        assert_eq!(load(&p("c.pem"), &p("k.pem"), None).unwrap().fingerprint, fp);
        std::fs::remove_file(p("c.pem")).unwrap();
        let why = ca::refresh(&p("c.pem"), &p("k.pem"), &p("ca.crt"), &p("ca.key"), &[]).unwrap().unwrap();
        assert!(why.contains("missing"), "{why}");
        let wanted = ca::wanted_names(&[]);
        assert!(wanted.contains(&"localhost".to_string()) && wanted.contains(&"127.0.0.1".to_string()), "{wanted:?}");
    }

    #[test]
    fn the_der_reader_survives_anything() {
        let d = tempfile::tempdir().unwrap();
        let ca = ca::make_ca(&d.path().join("ca.crt"), &d.path().join("ca.key")).unwrap();
        for n in 0..ca.der.len() {
            let _ = der::certificate(&ca.der[..n]);
            let mut bent = ca.der.clone();
            bent[n] ^= 0xff;
            let _ = der::certificate(&bent);
        }
        assert!(der::certificate(b"").is_none());
        assert_eq!(der::read(&[0x04, 0x82, 0x00, 0x01, 0x61]), Some((0x04, &b"a"[..], &b""[..])));
        assert_eq!(der::read(&[0x04, 0x85, 0, 0, 0, 0, 1]), None, "lengths past 4 bytes");
        assert_eq!(der::read(&[0x04, 0x05, 1]), None, "shorter than it says");
        let addrs = lan_addresses();
        assert!(addrs.iter().all(|a| !a.to_string().starts_with("fe80")), "{addrs:?}");
        let rank = |a: &std::net::IpAddr| (a.is_loopback(), a.is_ipv6());
        assert!(addrs.windows(2).all(|w| rank(&w[0]) <= rank(&w[1])), "non-loopback first, IPv4 first: {addrs:?}");
        assert!(addrs.contains(&"127.0.0.1".parse().unwrap()), "{addrs:?}");
    }

    #[test]
    fn missing_certificate_says_what_to_do() {
        let e = load(Path::new("/nonexistent/c.pem"), Path::new("/nonexistent/k.pem"), None).err().unwrap();
        assert!(e.to_string().contains("loft init"), "{e}");
    }
}
