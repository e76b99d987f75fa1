//! The relay's local certificate authority, and the certificate it signs.
//!
//! A phone cannot pin a self-signed certificate the way the `loft` client does, and it
//! would have to be told again at every renewal. So `loft init` makes a small CA (P-256,
//! ten years, a common name unique to the install, its key 0600 on the relay and nowhere
//! else) and the relay's certificate signed by it: phones trust the CA once, from the
//! relay's `/trust` page, and every later certificate chains to it.
//!
//! The certificate names everything the relay is reached by: the host name, `localhost`,
//! `[tls] names`, and every address of its interfaces. Addresses change (DHCP, a new
//! IPv6 prefix), so [`refresh`] re-issues it at start when they no longer match or when
//! it nears its end; it lives at most 825 days, the most Apple accepts. The file holds
//! the chain: the certificate, then the CA's, so clients get both in the handshake.
//!
//! rcgen signs with an issuer object, which it can only build from parameters: a stored
//! CA is rebuilt from its common name (read back with [`super::der`]) and its key. Same
//! name and key give the same issuer name and key identifier, so the new certificate
//! chains to the stored CA certificate.

use super::{der, fingerprint, write_private, write_public, CertError};
use rcgen::{BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;

/// How long a leaf lives: Apple refuses TLS certificates valid for more than 825 days.
const LEAF_DAYS: u64 = 825;
/// A leaf this close to its end is re-issued at start.
const RENEW_DAYS: i64 = 30;
/// How long the CA lives, in years.
const CA_YEARS: u32 = 10;

/// A CA able to sign: its stored certificate, and an issuer rebuilt from it and its key.
pub(crate) struct Ca {
    issuer: rcgen::Certificate,
    key: KeyPair,
    /// The stored CA certificate, DER.
    pub(crate) der: Vec<u8>,
}

impl Ca {
    /// SHA-256 of the CA certificate, `AB:CD:…`.
    pub(crate) fn fingerprint(&self) -> String {
        fingerprint(&self.der)
    }
}

fn make_err(what: &str) -> impl Fn(rcgen::Error) -> CertError + '_ {
    move |e| CertError::Make(format!("{what}: {e}"))
}

/// Sets the validity, from the start of `from` to the start of `to` (UTC).
fn validity(p: &mut CertificateParams, from: chrono::NaiveDate, to: chrono::NaiveDate) {
    use chrono::Datelike;
    let day = |d: chrono::NaiveDate| rcgen::date_time_ymd(d.year(), d.month() as u8, d.day() as u8);
    p.not_before = day(from);
    p.not_after = day(to);
}

fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

/// The CA's parameters for a common name: the same for a new CA and a rebuilt one.
fn ca_params(cn: &str) -> CertificateParams {
    let mut p = CertificateParams::default();
    p.distinguished_name = rcgen::DistinguishedName::new();
    p.distinguished_name.push(DnType::CommonName, cn);
    p.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    p
}

/// The host name, when it is one a certificate can carry (routers may say `(none)`).
pub(crate) fn host_name() -> Option<String> {
    let h = std::fs::read_to_string("/proc/sys/kernel/hostname").ok()?;
    let h = h.trim();
    let ok = !h.is_empty() && h.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    ok.then(|| h.to_string())
}

/// Makes a new CA, writes it (a new key file is 0600), and returns it.
pub(crate) fn make_ca(cert: &Path, key: &Path) -> Result<Ca, CertError> {
    let mut tag = [0u8; 4];
    rand::Rng::fill(&mut rand::thread_rng(), &mut tag[..]);
    let tag: String = tag.iter().map(|b| format!("{b:02x}")).collect();
    let cn = format!("Loft relay {} CA {tag}", host_name().unwrap_or_else(|| "loft".into()));
    let mut p = ca_params(&cn);
    let now = today();
    let end = now.checked_add_months(chrono::Months::new(12 * CA_YEARS)).unwrap_or(now);
    validity(&mut p, now - chrono::Days::new(1), end);
    let kp = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(make_err("key generation"))?;
    let c = p.self_signed(&kp).map_err(make_err("self-signing the CA"))?;
    write_private(key, kp.serialize_pem().as_bytes()).map_err(|e| CertError::Write(key.into(), e))?;
    write_public(cert, c.pem().as_bytes()).map_err(|e| CertError::Write(cert.into(), e))?;
    Ok(Ca { der: c.der().to_vec(), issuer: c, key: kp })
}

/// The first PEM certificate of a file, DER.
pub(crate) fn first_cert(path: &Path) -> Result<Vec<u8>, CertError> {
    let data = std::fs::read(path).map_err(|e| CertError::ReadCert(path.into(), e))?;
    let first = rustls_pemfile::certs(&mut data.as_slice()).next().map(|r| r.map(|c| c.to_vec()));
    match first {
        Some(Ok(c)) => Ok(c),
        Some(Err(e)) => Err(CertError::NotPemCert(path.into(), e)),
        None => Err(CertError::NoCert(path.into())),
    }
}

/// Loads a stored CA to sign with.
pub(crate) fn load_ca(cert: &Path, key: &Path) -> Result<Ca, CertError> {
    let bad = |why: &str| CertError::BadCa(cert.into(), why.to_string());
    let der = first_cert(cert).map_err(|e| match e {
        CertError::ReadCert(p, e) => CertError::NoCa(p, e),
        e => e,
    })?;
    let info = der::certificate(&der).ok_or_else(|| bad("not a certificate Loft can read"))?;
    let cn = der::common_name(info.subject).ok_or_else(|| bad("no common name"))?;
    let pem = std::fs::read_to_string(key).map_err(|e| CertError::NoCa(key.into(), e))?;
    let kp = KeyPair::from_pem(&pem).map_err(|e| CertError::BadCa(key.into(), format!("not a usable key: {e}")))?;
    let issuer = ca_params(&cn).self_signed(&kp).map_err(make_err("rebuilding the CA"))?;
    // The stored certificate must be this key's: the same key identifier and name.
    if !contains(&der, &issuer.key_identifier())
        || der::certificate(issuer.der()).map(|i| i.subject) != Some(info.subject)
    {
        return Err(bad(&format!("it is not a CA Loft made with the key {}", key.display())));
    }
    Ok(Ca { issuer, key: kp, der })
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

/// Issues a certificate for `names` signed by `ca`; writes the chain (it, then the CA)
/// to `cert` and a new key to `key` (0600 if new; a replaced key keeps its mode).
/// Returns the new certificate's fingerprint.
pub(crate) fn issue(ca: &Ca, cert: &Path, key: &Path, names: &[String]) -> Result<String, CertError> {
    let start = today() - chrono::Days::new(1);
    let kp = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(make_err("key generation"))?;
    let c = sign_leaf(ca, &ca.key, &kp, names, start, start + chrono::Days::new(LEAF_DAYS - 1))?;
    let chain = format!("{}{}", c.pem(), pem(&ca.der));
    // Both written and fsynced before either replaces its file: a failure leaves the old
    // pair, and only a crash between the two renames could part them.
    use crate::base::files::{commit, stage};
    let new_cert = !cert.exists();
    let staged_key = stage(key, kp.serialize_pem().as_bytes()).map_err(|e| CertError::Write(key.into(), e))?;
    let staged_cert = match stage(cert, chain.as_bytes()) {
        Ok(t) => t,
        Err(e) => {
            let _ = std::fs::remove_file(&staged_key);
            return Err(CertError::Write(cert.into(), e));
        }
    };
    commit(&staged_key, key).map_err(|e| CertError::Write(key.into(), e))?;
    commit(&staged_cert, cert).map_err(|e| CertError::Write(cert.into(), e))?;
    if new_cert {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(cert, std::fs::Permissions::from_mode(0o644))
            .map_err(|e| CertError::Write(cert.into(), e))?;
    }
    Ok(fingerprint(c.der()))
}

/// A server certificate for `names` and the key `kp`, signed by `ca` with `ca_key` (its
/// key, or [`SameSignature`]), valid from the start of `from` to the start of `to`.
fn sign_leaf(
    ca: &Ca,
    ca_key: &KeyPair,
    kp: &KeyPair,
    names: &[String],
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
) -> Result<rcgen::Certificate, CertError> {
    let mut p = CertificateParams::new(names.to_vec()).map_err(make_err("certificate names"))?;
    p.distinguished_name = rcgen::DistinguishedName::new();
    p.distinguished_name.push(DnType::CommonName, names.first().map_or("loft", String::as_str));
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    p.use_authority_key_identifier_extension = true;
    validity(&mut p, from, to);
    p.signed_by(kp, &ca.issuer, ca_key).map_err(make_err("signing"))
}

/// An Ed25519 twin of a certificate (see [`ed25519_twin`]).
pub(crate) struct Twin {
    /// The certificate, DER.
    pub(crate) der: Vec<u8>,
    /// Its key, PKCS#8 DER.
    pub(crate) key: Vec<u8>,
}

/// The Ed25519 twin of `leaf` (DER), when `ca` issued it: a certificate with the same
/// names that ends with it, for a key kept in memory only. `None` for a certificate
/// `ca` did not issue (one from a public CA is the admin's, and clients that trust that
/// CA do not trust this one), or for a CA whose key is not P-256 (Loft's always is).
///
/// Why: a TLS 1.3 handshake's one signature (CertificateVerify) costs a MIPS router about
/// 2 million instructions less with Ed25519 than with P-256 (ring has no assembly for
/// either there), and FTPChat (Python's `ssl`), curl and lftp accept Ed25519; browsers
/// do not, so the P-256 certificate stays for them (docs/benchmarks.md).
///
/// The twin is the same at every start, byte for byte, until `leaf` changes: clients that
/// remember the certificate a person accepted (FileZilla, WinSCP, a leaf pin) must not ask
/// again after each restart, and storing it would need files the relay's user can read
/// beside root's `loft.key`. So everything in it comes from `leaf` and the CA's key: the
/// key's seed is an HMAC of `leaf` under the CA's key, the validity is the leaf's
/// ([`issue`]'s 825 days to its end), rcgen's serial is a hash of the public key, and the
/// CA signs with a nonce derived from its key and the message ([`SameSignature`]).
pub(crate) fn ed25519_twin(ca: &Ca, leaf: &[u8]) -> Result<Option<Twin>, CertError> {
    let (Some(info), Some(ca_info)) = (der::certificate(leaf), der::certificate(&ca.der)) else {
        return Ok(None);
    };
    if info.issuer != ca_info.subject || !contains(leaf, &ca.issuer.key_identifier()) {
        return Ok(None);
    }
    let Some(signer) = SameSignature::new(&ca.key) else { return Ok(None) };
    let names: Vec<String> = info
        .sans
        .iter()
        .map(|s| match s {
            der::San::Dns(d) => d.clone(),
            der::San::Ip(a) => a.to_string(),
        })
        .collect();
    // PKCS#8 v1 of an Ed25519 key (RFC 8410): this prefix, then the 32-byte seed.
    let mut pkcs8 = b"\x30\x2e\x02\x01\x00\x30\x05\x06\x03\x2b\x65\x70\x04\x22\x04\x20".to_vec();
    pkcs8.extend_from_slice(signer.derive(b"ed25519 twin key", leaf).as_ref());
    let kp = KeyPair::try_from(&pkcs8[..]).map_err(make_err("the Ed25519 key"))?;
    let signer = KeyPair::from_remote(Box::new(signer)).map_err(make_err("the CA's key"))?;
    let from = info.not_after - chrono::Days::new(LEAF_DAYS - 1);
    let c = sign_leaf(ca, &signer, &kp, &names, from, info.not_after)?;
    Ok(Some(Twin { der: c.der().to_vec(), key: pkcs8 }))
}

/// The CA's P-256 key, signing the same message with the same signature.
///
/// ring signs ECDSA with a nonce it hashes from the private key, the message and bytes of
/// its `SecureRandom`. Given bytes that are themselves an HMAC of the message under the
/// CA's key, the nonce is secret and differs between messages, as with RFC 6979's
/// deterministic ECDSA, and the signature is repeatable. ring seals `SecureRandom`; its
/// `FixedSliceRandom` (deprecated, hidden, kept by the locked ring 0.17) is the one way to
/// hand it such bytes; it must be asked for exactly 32 of them, as ring 0.17 does for
/// P-256. The unit test checks that two messages get two nonces, and would panic on a
/// ring that asked for another length before any relay does.
struct SameSignature {
    key: ring::signature::EcdsaKeyPair,
    secret: ring::hmac::Key,
}

impl SameSignature {
    fn new(ca: &KeyPair) -> Option<SameSignature> {
        use ring::signature::{EcdsaKeyPair, ECDSA_P256_SHA256_ASN1_SIGNING as P256};
        let pkcs8 = ca.serialize_der();
        let secret = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &pkcs8);
        let tag = ring::hmac::sign(&secret, b"loft ca key nonce");
        #[allow(deprecated)]
        let key = EcdsaKeyPair::from_pkcs8(&P256, &pkcs8, &ring::test::rand::FixedSliceRandom { bytes: tag.as_ref() });
        Some(SameSignature { key: key.ok()?, secret })
    }

    /// HMAC-SHA256 of `what` and `msg` under the CA's key.
    fn derive(&self, what: &[u8], msg: &[u8]) -> ring::hmac::Tag {
        let mut ctx = ring::hmac::Context::with_key(&self.secret);
        ctx.update(what);
        ctx.update(&[0]);
        ctx.update(msg);
        ctx.sign()
    }
}

impl rcgen::RemoteKeyPair for SameSignature {
    fn public_key(&self) -> &[u8] {
        use ring::signature::KeyPair as _;
        self.key.public_key().as_ref()
    }

    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        let tag = self.derive(b"signature nonce", msg);
        #[allow(deprecated)]
        let rng = ring::test::rand::FixedSliceRandom { bytes: tag.as_ref() };
        let sig = self.key.sign(&rng, msg).map_err(|_| rcgen::Error::RingUnspecified)?;
        Ok(sig.as_ref().to_vec())
    }

    fn algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
        &rcgen::PKCS_ECDSA_P256_SHA256
    }
}

/// A certificate as PEM.
pub(crate) fn pem(der: &[u8]) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap_or(""));
        out.push('\n');
    }
    out + "-----END CERTIFICATE-----\n"
}

/// SHA-256 of the CA certificate in `ca_cert`, `AB:CD:…`; `None` without one.
pub(crate) fn ca_fingerprint(ca_cert: &Path) -> Option<String> {
    first_cert(ca_cert).ok().map(|d| fingerprint(&d))
}

/// What the relay's certificate names: `extra` (`[tls] names`, `--name`), the host name,
/// `localhost`, and every address of the interfaces; without repeats.
pub(crate) fn wanted_names(extra: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |n: String| {
        let n = n.trim().trim_start_matches('[').trim_end_matches(']').to_string();
        if !n.is_empty() && !out.iter().any(|o| same_name(o, &n)) {
            out.push(n);
        }
    };
    extra.iter().cloned().for_each(&mut add);
    host_name().into_iter().for_each(&mut add);
    add("localhost".into());
    lan_addresses().into_iter().map(|a| a.to_string()).for_each(&mut add);
    out
}

fn same_name(a: &str, b: &str) -> bool {
    match (a.parse::<IpAddr>(), b.parse::<IpAddr>()) {
        (Ok(x), Ok(y)) => x == y,
        (Err(_), Err(_)) => a.eq_ignore_ascii_case(b),
        _ => false,
    }
}

/// Why the certificate `leaf` (DER) must be re-issued from the CA whose subject is
/// `ca_subject`, or `None`: it names everything in `wanted` and has more than
/// [`RENEW_DAYS`] left. A certificate the CA did not issue (one from a public CA, say)
/// is never Loft's to replace: `None`.
pub(crate) fn renewal_reason(
    leaf: &[u8],
    ca_subject: &[u8],
    wanted: &[String],
    today: chrono::NaiveDate,
) -> Option<String> {
    let info = der::certificate(leaf)?;
    if info.issuer != ca_subject {
        return None;
    }
    let has = |n: &str| {
        info.sans.iter().any(|s| match (s, n.parse::<IpAddr>()) {
            (der::San::Ip(a), Ok(b)) => *a == b,
            (der::San::Dns(a), Err(_)) => a.eq_ignore_ascii_case(n),
            _ => false,
        })
    };
    let missing: Vec<&str> = wanted.iter().map(String::as_str).filter(|n| !has(n)).collect();
    if !missing.is_empty() {
        return Some(format!("it does not name {}", missing.join(", ")));
    }
    let left = (info.not_after - today).num_days();
    (left <= RENEW_DAYS).then(|| format!("it ends on {} ({left} days left)", info.not_after))
}

/// At start: re-issues `cert` from the CA when [`renewal_reason`] says so, or when it is
/// missing. `Ok(None)` when nothing was done, always so without a CA (a lone self-signed
/// certificate is the admin's, until `loft cert renew --ca`). `Ok(Some(why))` otherwise.
pub(crate) fn refresh(
    cert: &Path,
    key: &Path,
    ca_cert: &Path,
    ca_key: &Path,
    names: &[String],
) -> Result<Option<String>, CertError> {
    if !ca_cert.exists() || !ca_key.exists() {
        return Ok(None);
    }
    let wanted = wanted_names(names);
    let why = if cert.exists() && key.exists() {
        let ca_der = first_cert(ca_cert)?;
        let Some(ca_subject) = der::certificate(&ca_der).map(|i| i.subject.to_vec()) else { return Ok(None) };
        match renewal_reason(&first_cert(cert)?, &ca_subject, &wanted, today()) {
            Some(why) => why,
            None => return Ok(None),
        }
    } else {
        "it is missing".to_string()
    };
    let ca = load_ca(ca_cert, ca_key)?;
    issue(&ca, cert, key, &wanted)?;
    Ok(Some(why))
}

/// Every address of the relay's interfaces (IPv4 and IPv6, without link-local IPv6,
/// which needs a zone no URL carries well): non-loopback first, IPv4 before IPv6.
pub(crate) fn lan_addresses() -> Vec<IpAddr> {
    let mut out: Vec<IpAddr> = Vec::new();
    let mut list: *mut libc::ifaddrs = std::ptr::null_mut();
    // SAFETY: getifaddrs fills `list` with a linked list we only read, then free once.
    unsafe {
        if libc::getifaddrs(&mut list) != 0 {
            return out;
        }
        let mut p = list;
        while !p.is_null() {
            let a = (*p).ifa_addr;
            if !a.is_null() {
                match i32::from((*a).sa_family) {
                    libc::AF_INET => {
                        let s = &*(a as *const libc::sockaddr_in);
                        out.push(IpAddr::V4(Ipv4Addr::from(u32::from_be(s.sin_addr.s_addr))));
                    }
                    libc::AF_INET6 => {
                        let s = &*(a as *const libc::sockaddr_in6);
                        let ip = Ipv6Addr::from(s.sin6_addr.s6_addr);
                        if ip.segments()[0] & 0xffc0 != 0xfe80 {
                            out.push(IpAddr::V6(ip));
                        }
                    }
                    _ => {}
                }
            }
            p = (*p).ifa_next;
        }
        libc::freeifaddrs(list);
    }
    // In four passes rather than with a sort: stable, without repeats, and without a
    // sort's code (about 3 KB) for a handful of addresses.
    let mut sorted: Vec<IpAddr> = Vec::with_capacity(out.len());
    for (loopback, v6) in [(false, false), (false, true), (true, false), (true, true)] {
        for a in &out {
            if a.is_loopback() == loopback && a.is_ipv6() == v6 && !sorted.contains(a) {
                sorted.push(*a);
            }
        }
    }
    sorted
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The twin's CA signature is repeatable, valid, and its nonce differs between
    /// messages (the same nonce for two messages would give away the CA's key).
    #[test]
    fn the_ca_signs_a_message_the_same_way_twice_and_two_messages_with_two_nonces() {
        use ring::signature::{UnparsedPublicKey, ECDSA_P256_SHA256_ASN1};
        let ca = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let signer = SameSignature::new(&ca).expect("a P-256 key");
        let sign = |m: &[u8]| rcgen::RemoteKeyPair::sign(&signer, m).unwrap();
        let (a, a2, b) = (sign(b"message one"), sign(b"message one"), sign(b"message two"));
        assert_eq!(a, a2, "the same message, the same signature");
        let r = |sig: &[u8]| der::read(der::read(sig).unwrap().1).unwrap().1.to_vec();
        assert_ne!(r(&a), r(&b), "two messages, two nonces");
        let public = UnparsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, ca.public_key_raw());
        public.verify(b"message one", &a).unwrap();
        public.verify(b"message two", &b).unwrap();
        assert!(public.verify(b"message two", &a).is_err());
        // Read back from its PEM (a restart), the key signs as before; another key does not.
        let reloaded = SameSignature::new(&KeyPair::from_pem(&ca.serialize_pem()).unwrap()).unwrap();
        assert_eq!(rcgen::RemoteKeyPair::sign(&reloaded, b"message one").unwrap(), a);
        let other = SameSignature::new(&KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap()).unwrap();
        assert_ne!(r(&rcgen::RemoteKeyPair::sign(&other, b"message one").unwrap()), r(&a));
        // An Ed25519 CA (Loft never makes one) gets no twin rather than a wrong signer.
        assert!(SameSignature::new(&KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap()).is_none());
    }
}
