//! Why the client believes a relay's TLS certificate.
//!
//! A relay on a router has a self-signed certificate made by `loft init`; no CA will ever
//! sign it, and FTPChat verifies nothing at all. Loft does what ssh does: a certificate
//! from a public CA (webpki roots) is accepted as is; otherwise the first connection to a
//! `host:port` records the certificate's SHA-256 fingerprint in `known_hosts` and prints
//! it, so it can be compared with what `loft init` printed on the relay, and a later,
//! different certificate is refused until the line is removed. `--tls-fingerprint` pins
//! one explicitly and skips both.
//!
//! rustls only tells us "the verifier said no", so the verifier also leaves its
//! [`Verdict`] where the session can read it and explain the refusal like ssh would.

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use sha2::{Digest, Sha256};
use std::fmt;
use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// A certificate's SHA-256 fingerprint.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fingerprint(pub [u8; 32]);

impl Fingerprint {
    pub fn of(der: &[u8]) -> Fingerprint {
        Fingerprint(Sha256::digest(der).into())
    }

    /// Accepts `AB:CD:…` (what `loft init` prints), plain hex, either case, with an
    /// optional `SHA256:` prefix.
    pub(crate) fn parse(s: &str) -> Result<Fingerprint, String> {
        let t = s.trim();
        let t = t.strip_prefix("SHA256:").or_else(|| t.strip_prefix("sha256:")).unwrap_or(t);
        let hex: String = t.chars().filter(|c| !matches!(c, ':' | ' ' | '-')).collect();
        if hex.len() != 64 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(format!(
                "{s:?} is not a SHA-256 fingerprint: expected 32 hex pairs like AB:CD:… (as `loft init` prints it) or 64 hex digits"
            ));
        }
        let mut out = [0u8; 32];
        for (i, b) in out.iter_mut().enumerate() {
            *b = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).expect("checked hex");
        }
        Ok(Fingerprint(out))
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, b) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(":")?;
            }
            write!(f, "{b:02X}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({self})")
    }
}

/// A `known_hosts` entry found for a host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Known {
    pub(crate) fingerprint: Fingerprint,
    /// 1-based, for "remove line N" advice.
    pub(crate) line: usize,
}

/// Looks `host_port` up in the `known_hosts` file: `HOST:PORT FINGERPRINT` per line, `#`
/// comments. A missing file knows nothing.
pub(crate) fn lookup(path: &Path, host_port: &str) -> Option<Known> {
    let text = std::fs::read_to_string(path).ok()?;
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.starts_with('#') {
            continue;
        }
        let mut parts = line.split_whitespace();
        if let (Some(h), Some(f)) = (parts.next(), parts.next()) {
            if h == host_port {
                if let Ok(fingerprint) = Fingerprint::parse(f) {
                    return Some(Known { fingerprint, line: i + 1 });
                }
            }
        }
    }
    None
}

/// Appends `host_port fingerprint` to the `known_hosts` file, creating it.
pub(crate) fn record(path: &Path, host_port: &str, fp: &Fingerprint) -> std::io::Result<()> {
    if let Some(d) = path.parent() {
        std::fs::create_dir_all(d)?;
    }
    let mut f = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
    writeln!(f, "{host_port} {fp}")
}

/// What the verifier decided about the certificate it saw last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Valid for the host name under the webpki roots.
    PublicCa,
    /// The `--tls-fingerprint` matched.
    Pinned,
    /// Matches `known_hosts` (or the first-use certificate earlier in this session).
    Known,
    /// Never seen: accepted, to be recorded once the handshake completes.
    FirstUse(Fingerprint),
    /// Not the pinned certificate.
    PinMismatch { expected: Fingerprint, got: Fingerprint },
    /// Not the certificate recorded in `known_hosts`.
    Changed { known: Known, got: Fingerprint },
}

/// The rustls verifier implementing the policy above.
#[derive(Debug)]
pub(crate) struct Verifier {
    webpki: Option<Arc<WebPkiServerVerifier>>,
    provider: Arc<CryptoProvider>,
    pin: Option<Fingerprint>,
    /// From `known_hosts`, then the first-use certificate once accepted.
    known: Mutex<Option<Known>>,
    verdict: Arc<Mutex<Option<Verdict>>>,
}

impl Verifier {
    pub(crate) fn new(known_hosts: &Path, host_port: &str, pin: Option<Fingerprint>) -> Verifier {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone()).build().ok();
        Verifier {
            webpki,
            provider,
            pin,
            known: Mutex::new(lookup(known_hosts, host_port)),
            verdict: Arc::new(Mutex::new(None)),
        }
    }

    /// Where the verdict of each handshake is left.
    pub(crate) fn verdict(&self) -> Arc<Mutex<Option<Verdict>>> {
        self.verdict.clone()
    }

    fn decide(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        name: &ServerName<'_>,
        now: UnixTime,
    ) -> Verdict {
        let got = Fingerprint::of(end_entity);
        if let Some(expected) = self.pin {
            return if got == expected { Verdict::Pinned } else { Verdict::PinMismatch { expected, got } };
        }
        if let Some(w) = &self.webpki {
            if w.verify_server_cert(end_entity, intermediates, name, &[], now).is_ok() {
                return Verdict::PublicCa;
            }
        }
        let mut known = self.known.lock().unwrap();
        match &*known {
            Some(k) if k.fingerprint == got => Verdict::Known,
            Some(k) => Verdict::Changed { known: k.clone(), got },
            None => {
                // Data connections of this session must present the same certificate.
                *known = Some(Known { fingerprint: got, line: 0 });
                Verdict::FirstUse(got)
            }
        }
    }
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let v = self.decide(end_entity, intermediates, server_name, now);
        let ok = matches!(v, Verdict::PublicCa | Verdict::Pinned | Verdict::Known | Verdict::FirstUse(_));
        let mut slot = self.verdict.lock().unwrap();
        // Keep a first-use verdict: the session records it after the control handshake,
        // and the data connections that follow must not hide it.
        if !matches!((&*slot, &v), (Some(Verdict::FirstUse(_)), Verdict::Known)) {
            *slot = Some(v);
        }
        if ok {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General("certificate not trusted (see known_hosts)".into()))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

/// A rustls client configuration using [`Verifier`].
pub(crate) fn client_config(verifier: Arc<Verifier>) -> rustls::ClientConfig {
    rustls::ClientConfig::builder_with_provider(verifier.provider.clone())
        .with_safe_default_protocol_versions()
        .expect("ring supports the default protocol versions")
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth()
}

/// The ssh-like refusal for a verdict that failed, or `None` if it passed.
pub(crate) fn refusal(v: &Verdict, host_port: &str, known_hosts: &Path) -> Option<String> {
    match v {
        Verdict::PinMismatch { expected, got } => Some(format!(
            "the certificate of {host_port} is not the pinned one.\n  expected (--tls-fingerprint): {expected}\n  presented:                    {got}\nIf the relay's certificate was replaced on purpose, pin the new fingerprint."
        )),
        Verdict::Changed { known, got } => Some(format!(
            "@@@ THE CERTIFICATE OF {host_port} HAS CHANGED @@@\n\
             Someone could be intercepting the connection, or the relay got a new certificate.\n  \
             recorded: {}\n  presented: {got}\n\
             Compare with the fingerprint `loft init` (or the relay's log) shows on the relay. If the\n\
             change is expected, remove line {} of {} and connect again.",
            known.fingerprint,
            known.line,
            known_hosts.display()
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_parse_both_ways() {
        let f = Fingerprint::of(b"cert");
        let s = f.to_string();
        assert_eq!(s.len(), 32 * 3 - 1);
        assert!(s.chars().all(|c| c == ':' || c.is_ascii_digit() || c.is_ascii_uppercase()));
        assert_eq!(Fingerprint::parse(&s).unwrap(), f);
        assert_eq!(Fingerprint::parse(&s.replace(':', "").to_lowercase()).unwrap(), f);
        assert_eq!(Fingerprint::parse(&format!("SHA256:{s}")).unwrap(), f);
        assert!(Fingerprint::parse("AB:CD").is_err());
        assert!(Fingerprint::parse(&"zz".repeat(32)).is_err());
    }

    #[test]
    fn known_hosts_round_trip() {
        let p = std::env::temp_dir().join(format!("loft-kh-{}/sub/known_hosts", std::process::id()));
        assert_eq!(lookup(&p, "h:21"), None);
        let a = Fingerprint::of(b"a");
        let b = Fingerprint::of(b"b");
        record(&p, "h:21", &a).unwrap();
        record(&p, "[::1]:2121", &b).unwrap();
        assert_eq!(lookup(&p, "h:21"), Some(Known { fingerprint: a, line: 1 }));
        assert_eq!(lookup(&p, "[::1]:2121").unwrap().line, 2);
        assert_eq!(lookup(&p, "h:22"), None);
        std::fs::remove_dir_all(p.parent().unwrap().parent().unwrap()).unwrap();
    }

    #[test]
    fn first_use_then_changed() {
        let p = std::env::temp_dir().join(format!("loft-kh2-{}", std::process::id()));
        let v = Verifier::new(&p, "h:21", None);
        let name = ServerName::try_from("127.0.0.1").unwrap();
        let now = UnixTime::now();
        let c1 = CertificateDer::from(b"one".to_vec());
        let c2 = CertificateDer::from(b"two".to_vec());
        assert_eq!(v.decide(&c1, &[], &name, now), Verdict::FirstUse(Fingerprint::of(b"one")));
        assert_eq!(v.decide(&c1, &[], &name, now), Verdict::Known);
        assert!(matches!(v.decide(&c2, &[], &name, now), Verdict::Changed { .. }));
        let pinned = Verifier::new(&p, "h:21", Some(Fingerprint::of(b"two")));
        assert_eq!(pinned.decide(&c2, &[], &name, now), Verdict::Pinned);
        assert!(matches!(pinned.decide(&c1, &[], &name, now), Verdict::PinMismatch { .. }));
    }
}
