//! Password hashes in the PHC format (PBKDF2-SHA256), as `loft.toml` stores them.
//!
//! A leaf: `config` checks a hash is well formed, `loft user` writes new ones, the relay's
//! authenticator verifies logins; none of them should need the others for that. The one
//! PBKDF2-HMAC-SHA256 of Loft is here too ([`pbkdf2_sha256`]): FTPChat's room keys use it.

use pbkdf2::password_hash::{Output, PasswordHash, PasswordVerifier, SaltString};
use pbkdf2::{Algorithm, Params, Pbkdf2};
use sha2::{Digest, Sha256};

/// PBKDF2-HMAC-SHA256 with one 32-byte output block (RFC 8018), the HMAC being ring's.
///
/// ring's HMAC is reached through rustls' TLS 1.3 HKDF provider, rather than the `pbkdf2`
/// crate's: the RustCrypto code is generic and `#[inline]`, so it is compiled at the
/// *caller's* optimisation level, and a debug build took a third of a second per hash and
/// a second per room key (ring is prebuilt: 0.05 s). The tests check it against the
/// `pbkdf2` crate.
pub fn pbkdf2_sha256(password: &[u8], salt: &[u8], rounds: u32) -> [u8; 32] {
    use rustls::crypto::tls13::OkmBlock;
    let suite = rustls::crypto::ring::cipher_suite::TLS13_AES_128_GCM_SHA256;
    let hkdf = suite.tls13().expect("a TLS 1.3 suite").hkdf_provider;
    // HMAC hashes keys longer than the 64-byte block first (RFC 2104); OkmBlock holds 64.
    let key = if password.len() > 64 { OkmBlock::new(&Sha256::digest(password)) } else { OkmBlock::new(password) };
    let prf = |msg: &[u8]| -> [u8; 32] { hkdf.hmac_sign(&key, msg).as_ref().try_into().expect("SHA-256 is 32 bytes") };
    // One output block (32 bytes = the SHA-256 size): U1 = PRF(salt || INT(1)).
    let mut first = salt.to_vec();
    first.extend_from_slice(&1u32.to_be_bytes());
    let mut u = prf(&first);
    let mut out = u;
    for _ in 1..rounds.max(1) {
        u = prf(&u);
        out.iter_mut().zip(u.iter()).for_each(|(o, x)| *o ^= x);
    }
    out
}

/// PBKDF2 rounds for new hashes: about 0.1 s on a PC, a few seconds on a router, once
/// per user per [`CACHE_TTL`] thanks to the login cache.
pub(crate) const ROUNDS: u32 = 100_000;

/// The PHC string for a new password.
pub(crate) fn hash_password(password: &str) -> String {
    let mut salt = [0u8; 16];
    rand::Rng::fill(&mut rand::thread_rng(), &mut salt);
    let hash = pbkdf2_sha256(password.as_bytes(), &salt, ROUNDS);
    // The PHC string holds the salt in B64; the KDF takes its bytes (as the pbkdf2 crate).
    let salt = SaltString::encode_b64(&salt).expect("16 bytes is a valid salt");
    PasswordHash {
        algorithm: Algorithm::Pbkdf2Sha256.ident(),
        version: None,
        params: Params { rounds: ROUNDS, output_length: 32 }.try_into().expect("valid params"),
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&hash).expect("32 bytes is a valid output")),
    }
    .to_string()
}

/// Why a config `password` cannot be verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PhcError {
    /// Not a PHC string at all (a password written in clear, most likely).
    NotPhc,
    /// A hash Loft cannot verify.
    Algorithm(String),
    /// No salt or no hash in it.
    Incomplete,
}

impl std::fmt::Display for PhcError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PhcError::NotPhc => f.write_str("expected a PHC string like \"$pbkdf2-sha256$i=100000,l=32$…\" (set it with `loft user passwd NAME`), not a password"),
            PhcError::Algorithm(a) => write!(f, "unsupported hash algorithm {a:?}; expected pbkdf2-sha256"),
            PhcError::Incomplete => f.write_str("the PHC string has no salt or no hash"),
        }
    }
}

impl std::error::Error for PhcError {}

/// Checks that a config `password` is a PHC string Loft can verify.
pub(crate) fn check_phc(phc: &str) -> Result<(), PhcError> {
    let h = PasswordHash::new(phc).map_err(|_| PhcError::NotPhc)?;
    match h.algorithm.as_str() {
        "pbkdf2-sha256" | "pbkdf2-sha512" => {}
        other => return Err(PhcError::Algorithm(other.into())),
    }
    if h.hash.is_none() || h.salt.is_none() {
        return Err(PhcError::Incomplete);
    }
    Ok(())
}

/// Verifies `password` against a PHC string, with the KDF (slow on purpose).
pub(crate) fn verify_phc(phc: &str, password: &str) -> bool {
    let Ok(h) = PasswordHash::new(phc) else { return false };
    // The common case, Loft's own hashes, through the fast PBKDF2 above; anything else
    // (pbkdf2-sha512, another output length) through the pbkdf2 crate.
    if h.algorithm == Algorithm::Pbkdf2Sha256.ident() {
        if let (Some(salt), Some(expected), Ok(params)) = (h.salt, h.hash, Params::try_from(&h)) {
            let mut buf = [0u8; 64];
            if let (Ok(salt), 32, 32) = (salt.decode_b64(&mut buf), expected.len(), params.output_length) {
                let got = pbkdf2_sha256(password.as_bytes(), salt, params.rounds);
                return Output::new(&got).is_ok_and(|got| got == expected);
            }
        }
    }
    Pbkdf2.verify_password(password.as_bytes(), &h).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use pbkdf2::password_hash::PasswordHasher;

    #[test]
    fn hash_round_trip() {
        let h = hash_password("s3cret");
        assert!(h.starts_with("$pbkdf2-sha256$i=100000"), "{h}");
        check_phc(&h).unwrap();
        assert!(verify_phc(&h, "s3cret"));
        assert!(!verify_phc(&h, "s3cret "));
        assert!(check_phc("hunter2").is_err());
        // The same hash as the pbkdf2 crate makes, and verified by it.
        let salt = SaltString::encode_b64(b"0123456789abcdef").unwrap();
        let crate_made = Pbkdf2.hash_password(b"s3cret", &salt).unwrap().to_string();
        assert!(verify_phc(&crate_made, "s3cret") && !verify_phc(&crate_made, "s3cret "));
        assert!(Pbkdf2.verify_password(b"s3cret", &PasswordHash::new(&h).unwrap()).is_ok());
    }

    #[test]
    fn pbkdf2_matches_the_pbkdf2_crate() {
        for (password, rounds) in [("", 1), ("secret", 1000), (&*"long password ".repeat(8), 10)] {
            let mut raw = [0u8; 32];
            pbkdf2::pbkdf2_hmac::<Sha256>(password.as_bytes(), b"salt", rounds, &mut raw);
            assert_eq!(pbkdf2_sha256(password.as_bytes(), b"salt", rounds), raw, "{password:?}");
        }
    }
}
