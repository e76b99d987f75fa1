//! Why the client believes a relay's TLS certificate.
//!
//! A relay on a router has a certificate signed by its own local CA (made by `loft
//! init`), or, installed before that, a lone self-signed one; no public CA will ever sign
//! it, and FTPChat verifies nothing at all. Loft does what ssh does: a certificate from a
//! public CA (webpki roots) is accepted as is; otherwise the first connection to a
//! `host:port` records a SHA-256 fingerprint in `known_hosts` and prints it, so it can be
//! compared with what `loft init` printed on the relay, and a later certificate that does
//! not match is refused until the line is removed. `--tls-fingerprint` pins one
//! explicitly (the certificate's, or its CA's) and skips both.
//!
//! What is recorded is the CA when the relay sends one that signed its certificate
//! (`HOST:PORT ca=FINGERPRINT`): the relay re-issues its certificate when its addresses
//! change or it nears its end, and those renewals must not look like an attack. A later
//! certificate is then accepted when it chains to that CA, checked by webpki with the
//! recorded CA as the only root. Its names are not checked: the relay is reached by
//! addresses its certificate may not list (a NAT's, a new DHCP lease), and the pin, not
//! the name, is the trust, as with a recorded lone certificate (`HOST:PORT FINGERPRINT`),
//! which keeps working as before.
//!
//! rustls only tells us "the verifier said no", so the verifier also leaves its
//! [`Verdict`] where the session can read it and explain the refusal like ssh would.

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::CertificateError;
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
    /// The fingerprint is a CA's: any certificate it signed is this host's.
    pub(crate) ca: bool,
}

/// Looks `host_port` up in the `known_hosts` file: `HOST:PORT FINGERPRINT` (a
/// certificate) or `HOST:PORT ca=FINGERPRINT` (a CA) per line, `#` comments. A missing
/// file knows nothing.
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
                let (ca, f) = match f.strip_prefix("ca=") {
                    Some(f) => (true, f),
                    None => (false, f),
                };
                if let Ok(fingerprint) = Fingerprint::parse(f) {
                    return Some(Known { fingerprint, line: i + 1, ca });
                }
            }
        }
    }
    None
}

/// Appends `host_port fingerprint` (`ca=fingerprint` for a CA) to the `known_hosts`
/// file, creating it.
pub(crate) fn record(path: &Path, host_port: &str, fp: &Fingerprint, ca: bool) -> std::io::Result<()> {
    if let Some(d) = path.parent() {
        std::fs::create_dir_all(d)?;
    }
    let mut f = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
    writeln!(f, "{host_port} {}{fp}", if ca { "ca=" } else { "" })
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
    /// Never seen: accepted, to be recorded once the handshake completes; `ca`: the
    /// fingerprint is of the CA that signed the certificate.
    FirstUse { fingerprint: Fingerprint, ca: bool },
    /// Not the pinned certificate.
    PinMismatch { expected: Fingerprint, got: Fingerprint },
    /// Not the certificate recorded in `known_hosts`, nor signed by the CA recorded there;
    /// `ca`: the CA that signed it, if it came with one.
    Changed { known: Known, got: Fingerprint, ca: Option<Fingerprint> },
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
        let signer = || self.signing_ca(end_entity, intermediates, name, now);
        if let Some(expected) = self.pin {
            return if got == expected || signer() == Some(expected) {
                Verdict::Pinned
            } else {
                Verdict::PinMismatch { expected, got }
            };
        }
        if let Some(w) = &self.webpki {
            if w.verify_server_cert(end_entity, intermediates, name, &[], now).is_ok() {
                return Verdict::PublicCa;
            }
        }
        let mut known = self.known.lock().unwrap();
        let signer = signer();
        match &*known {
            Some(k) if !k.ca && k.fingerprint == got => Verdict::Known,
            Some(k) if k.ca && signer == Some(k.fingerprint) => Verdict::Known,
            Some(k) => Verdict::Changed { known: k.clone(), got, ca: signer },
            None => {
                let (fingerprint, ca) = signer.map_or((got, false), |c| (c, true));
                // Data connections of this session must present the same certificate (or CA).
                *known = Some(Known { fingerprint, line: 0, ca });
                Verdict::FirstUse { fingerprint, ca }
            }
        }
    }

    /// The fingerprint of the certificate among `intermediates` that, as the only root,
    /// makes `end_entity` a valid chain for webpki, whatever names it carries.
    fn signing_ca(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        name: &ServerName<'_>,
        now: UnixTime,
    ) -> Option<Fingerprint> {
        intermediates.iter().find_map(|ca| {
            let mut roots = rustls::RootCertStore::empty();
            roots.add(ca.clone().into_owned()).ok()?;
            let v = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), self.provider.clone()).build().ok()?;
            match v.verify_server_cert(end_entity, intermediates, name, &[], now) {
                Ok(_)
                | Err(rustls::Error::InvalidCertificate(
                    CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
                )) => Some(Fingerprint::of(ca)),
                Err(_) => None,
            }
        })
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
        let ok = matches!(v, Verdict::PublicCa | Verdict::Pinned | Verdict::Known | Verdict::FirstUse { .. });
        let mut slot = self.verdict.lock().unwrap();
        // Keep a first-use verdict: the session records it after the control handshake,
        // and the data connections that follow must not hide it.
        if !matches!((&*slot, &v), (Some(Verdict::FirstUse { .. }), Verdict::Known)) {
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
        Verdict::Changed { known, got, ca } => Some(format!(
            "@@@ THE CERTIFICATE OF {host_port} HAS CHANGED @@@\n\
             Someone could be intercepting the connection, or the relay got a new certificate{}.\n  \
             recorded:  {}{}\n  presented: {got}{}\n\
             Compare with the fingerprint `loft init` (or `loft check`) shows on the relay. If the\n\
             change is expected, remove line {} of {} and connect again.",
            if known.ca { " authority" } else { "" },
            known.fingerprint,
            if known.ca { " (certificate authority)" } else { "" },
            ca.map(|c| format!("\n  signed by the certificate authority {c}")).unwrap_or_default(),
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
        record(&p, "h:21", &a, false).unwrap();
        record(&p, "[::1]:2121", &b, true).unwrap();
        assert_eq!(lookup(&p, "h:21"), Some(Known { fingerprint: a, line: 1, ca: false }));
        assert_eq!(lookup(&p, "[::1]:2121"), Some(Known { fingerprint: b, line: 2, ca: true }));
        assert!(std::fs::read_to_string(&p).unwrap().contains(&format!("[::1]:2121 ca={b}\n")));
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
        let first = Verdict::FirstUse { fingerprint: Fingerprint::of(b"one"), ca: false };
        assert_eq!(v.decide(&c1, &[], &name, now), first);
        assert_eq!(v.decide(&c1, &[], &name, now), Verdict::Known);
        assert!(matches!(v.decide(&c2, &[], &name, now), Verdict::Changed { .. }));
        let pinned = Verifier::new(&p, "h:21", Some(Fingerprint::of(b"two")));
        assert_eq!(pinned.decide(&c2, &[], &name, now), Verdict::Pinned);
        assert!(matches!(pinned.decide(&c1, &[], &name, now), Verdict::PinMismatch { .. }));
    }

    #[test]
    fn a_recorded_ca_accepts_its_renewed_certificates_whatever_their_names() {
        use crate::base::cert::ca;
        let d = tempfile::tempdir().unwrap();
        let p = |n: &str| d.path().join(n);
        let chain = |n: &str| -> Vec<CertificateDer<'static>> {
            rustls_pemfile::certs(&mut std::fs::read(p(n)).unwrap().as_slice()).collect::<Result<_, _>>().unwrap()
        };
        let authority = ca::make_ca(&p("ca.crt"), &p("ca.key")).unwrap();
        let other = ca::make_ca(&p("ca2.crt"), &p("ca2.key")).unwrap();
        let names = vec!["relay.example".to_string()];
        ca::issue(&authority, &p("one.pem"), &p("k"), &names).unwrap();
        ca::issue(&authority, &p("two.pem"), &p("k"), &names).unwrap();
        ca::issue(&other, &p("stranger.pem"), &p("k"), &names).unwrap();
        let (one, two, stranger) = (chain("one.pem"), chain("two.pem"), chain("stranger.pem"));
        let ca_fp = Fingerprint::parse(&authority.fingerprint()).unwrap();
        // Reached by an address the certificate does not name: the recorded CA is the trust.
        let name = ServerName::try_from("10.9.9.9").unwrap();
        let now = UnixTime::now();
        let kh = p("known_hosts");
        let v = Verifier::new(&kh, "h:21", None);
        assert_eq!(v.decide(&one[0], &one[1..], &name, now), Verdict::FirstUse { fingerprint: ca_fp, ca: true });
        record(&kh, "h:21", &ca_fp, true).unwrap();
        let v = Verifier::new(&kh, "h:21", None);
        assert_eq!(v.decide(&two[0], &two[1..], &name, now), Verdict::Known);
        let changed = v.decide(&stranger[0], &stranger[1..], &name, now);
        let other_fp = Fingerprint::parse(&other.fingerprint()).unwrap();
        assert!(
            matches!(&changed, Verdict::Changed { ca: Some(c), known, .. } if *c == other_fp && known.ca),
            "{changed:?}"
        );
        let text = refusal(&changed, "h:21", &kh).unwrap();
        assert!(text.contains("(certificate authority)") && text.contains(&other_fp.to_string()), "{text}");
        // A leaf sent without its CA, or with the CA of someone else, does not pass.
        assert!(matches!(v.decide(&two[0], &[], &name, now), Verdict::Changed { ca: None, .. }));
        assert!(matches!(v.decide(&two[0], &stranger[1..], &name, now), Verdict::Changed { ca: None, .. }));
        // --tls-fingerprint may name the CA.
        let pinned = Verifier::new(&kh, "h:21", Some(ca_fp));
        assert_eq!(pinned.decide(&two[0], &two[1..], &name, now), Verdict::Pinned);
        assert!(matches!(pinned.decide(&stranger[0], &stranger[1..], &name, now), Verdict::PinMismatch { .. }));
    }
}
