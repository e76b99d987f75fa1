//! Password hashes in the PHC format (PBKDF2-SHA256), as `loft.toml` stores them.
//!
//! A leaf: `config` checks a hash is well formed, `loft user` writes new ones, the relay's
//! authenticator verifies logins; none of them should need the others for that. The one
//! PBKDF2-HMAC-SHA256 of Loft is here too ([`pbkdf2_sha256`]): FTPChat's room keys use it.
//! Both are ring's (already in the tree through rustls, and prebuilt: a debug build hashes
//! as fast as a release one); the tests check them against the RustCrypto `pbkdf2` crate.

use base64::engine::general_purpose::STANDARD_NO_PAD as PHC_B64;
use base64::Engine as _;
use ring::pbkdf2;
use std::num::NonZeroU32;

/// PBKDF2-HMAC-SHA256 with one 32-byte output block (RFC 8018), ring's.
pub fn pbkdf2_sha256(password: &[u8], salt: &[u8], rounds: u32) -> [u8; 32] {
    let mut out = [0u8; 32];
    pbkdf2::derive(pbkdf2::PBKDF2_HMAC_SHA256, rounds_of(rounds), salt, password, &mut out);
    out
}

fn rounds_of(rounds: u32) -> NonZeroU32 {
    NonZeroU32::new(rounds).unwrap_or(NonZeroU32::MIN)
}

/// PBKDF2 rounds for new hashes: about 0.1 s on a PC, a few seconds on a router, once
/// per user per [`CACHE_TTL`] without a login, thanks to the login cache.
pub(crate) const ROUNDS: u32 = 100_000;

/// The PHC string for a new password: `$pbkdf2-sha256$i=ROUNDS,l=32$SALT$HASH`, salt and
/// hash in the PHC's B64 (standard alphabet, no padding), as the `pbkdf2` crate writes it.
pub(crate) fn hash_password(password: &str) -> String {
    let mut salt = [0u8; 16];
    rand::Rng::fill(&mut rand::thread_rng(), &mut salt);
    let hash = pbkdf2_sha256(password.as_bytes(), &salt, ROUNDS);
    format!("$pbkdf2-sha256$i={ROUNDS},l=32${}${}", PHC_B64.encode(salt), PHC_B64.encode(hash))
}

/// A parsed PHC string of one of the PBKDF2 hashes Loft verifies.
struct Phc {
    algorithm: pbkdf2::Algorithm,
    rounds: u32,
    salt: Vec<u8>,
    hash: Vec<u8>,
}

impl Phc {
    /// `$ID$PARAMS$SALT$HASH`, ID `pbkdf2-sha256` or `pbkdf2-sha512`, PARAMS `i=ROUNDS`
    /// and an optional `l=LENGTH` (of the hash), each once, plain decimal; a salt of at
    /// least 4 bytes and a hash of 10 to 64. Stricter than the PHC format allows: a config
    /// is written by Loft or by a person copying what Loft wrote, and a string that only
    /// looks right should be refused when the config loads, not at the first login.
    fn parse(s: &str) -> Result<Phc, PhcError> {
        let mut parts = s.strip_prefix('$').ok_or(PhcError::NotPhc)?.split('$');
        let id = parts.next().filter(|id| !id.is_empty()).ok_or(PhcError::NotPhc)?;
        if !id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
            return Err(PhcError::NotPhc);
        }
        let algorithm = match id {
            "pbkdf2-sha256" => pbkdf2::PBKDF2_HMAC_SHA256,
            "pbkdf2-sha512" => pbkdf2::PBKDF2_HMAC_SHA512,
            other => return Err(PhcError::Algorithm(other.into())),
        };
        let (mut rounds, mut length) = (None, None);
        for param in parts.next().ok_or(PhcError::Incomplete)?.split(',') {
            let (k, v) = param.split_once('=').ok_or(PhcError::NotPhc)?;
            let plain = !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) && !(v.len() > 1 && v.starts_with('0'));
            let n: u32 = v.parse().ok().filter(|_| plain).ok_or_else(|| PhcError::Params(param.into()))?;
            let slot = match k {
                "i" => &mut rounds,
                "l" => &mut length,
                _ => return Err(PhcError::Params(param.into())),
            };
            if slot.replace(n).is_some() {
                return Err(PhcError::Params(format!("{k} given twice")));
            }
        }
        let rounds = rounds.ok_or_else(|| PhcError::Params("no i (rounds)".into()))?;
        if !(1..=MAX_ROUNDS).contains(&rounds) {
            return Err(PhcError::Params(format!("i={rounds}: rounds must be 1 to {MAX_ROUNDS}")));
        }
        let mut b64 = || -> Result<Vec<u8>, PhcError> {
            let p = parts.next().filter(|p| !p.is_empty()).ok_or(PhcError::Incomplete)?;
            PHC_B64.decode(p).map_err(|_| PhcError::NotPhc)
        };
        let (salt, hash) = (b64()?, b64()?);
        if parts.next().is_some() {
            return Err(PhcError::NotPhc);
        }
        if salt.len() < 4 || !(10..=64).contains(&hash.len()) || length.is_some_and(|l| l as usize != hash.len()) {
            return Err(PhcError::Params(format!("a salt of {} bytes and a hash of {}", salt.len(), hash.len())));
        }
        Ok(Phc { algorithm, rounds, salt, hash })
    }
}

/// The most PBKDF2 rounds a hash may ask for: 50 times Loft's own, well past any advice,
/// and short of a hash that ties up a router's CPU for minutes at every login.
const MAX_ROUNDS: u32 = 5_000_000;

/// Why a config `password` cannot be verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PhcError {
    /// Not a PHC string at all (a password written in clear, most likely).
    NotPhc,
    /// A hash Loft cannot verify.
    Algorithm(String),
    /// No salt or no hash in it.
    Incomplete,
    /// Its parameters (rounds, lengths) are not what Loft accepts: says which.
    Params(String),
}

impl std::fmt::Display for PhcError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PhcError::NotPhc => f.write_str("expected a PHC string like \"$pbkdf2-sha256$i=100000,l=32$…\" (set it with `loft user passwd NAME`), not a password"),
            PhcError::Algorithm(a) => write!(f, "unsupported hash algorithm {a:?}; expected pbkdf2-sha256 (or pbkdf2-sha512)"),
            PhcError::Incomplete => f.write_str("the PHC string has no salt or no hash"),
            PhcError::Params(p) => write!(f, "the PHC string's parameters are not usable ({p}); set the password again with `loft user passwd NAME`"),
        }
    }
}

impl std::error::Error for PhcError {}

/// Checks that a config `password` is a PHC string Loft can verify.
pub(crate) fn check_phc(phc: &str) -> Result<(), PhcError> {
    Phc::parse(phc).map(|_| ())
}

/// Verifies `password` against a PHC string, with the KDF (slow on purpose).
pub(crate) fn verify_phc(phc: &str, password: &str) -> bool {
    let Ok(h) = Phc::parse(phc) else { return false };
    pbkdf2::verify(h.algorithm, rounds_of(h.rounds), &h.salt, password.as_bytes(), &h.hash).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::pbkdf2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
    use ::pbkdf2::{Algorithm, Params, Pbkdf2};
    use sha2::Sha256;

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
        // SHA-512 and another length, as the crate writes them.
        let params = Params { rounds: 1000, output_length: 64 };
        let sha512 = Pbkdf2
            .hash_password_customized(b"s3cret", Some(Algorithm::Pbkdf2Sha512.ident()), None, params, &salt)
            .unwrap()
            .to_string();
        assert!(sha512.starts_with("$pbkdf2-sha512$"), "{sha512}");
        check_phc(&sha512).unwrap();
        assert!(verify_phc(&sha512, "s3cret") && !verify_phc(&sha512, "s3creT"));
    }

    #[test]
    fn bad_phc_strings_say_why() {
        assert_eq!(check_phc("hunter2"), Err(PhcError::NotPhc));
        assert_eq!(
            check_phc("$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"),
            Err(PhcError::Algorithm("argon2id".into()))
        );
        assert_eq!(check_phc("$pbkdf2-sha256$i=1000"), Err(PhcError::Incomplete));
        assert!(matches!(check_phc(&hash_password("x").replace("i=100000", "i=99999999")), Err(PhcError::Params(_))));
        assert_eq!(check_phc("$pbkdf2-sha256$i=1000$c2FsdHNhbHQ"), Err(PhcError::Incomplete));
        let good = hash_password("x");
        for bad in [
            good.replace("i=100000", "i=0"),
            good.replace("l=32", "l=31"),
            good.replace("i=100000", "rounds=100000"),
            format!("{good}$extra"),
            good.replace('$', "$!").replacen("$!", "$", 1),
            good.replace("i=100000", "i=+100000"),
            good.replace("i=100000", "i=0100000"),
            good.replace("i=100000,l=32", "i=100000,i=1,l=32"),
            good.replace("$pbkdf2-sha256$", "$pbkdf2-sha256$v=1$"),
        ] {
            assert!(check_phc(&bad).is_err(), "{bad}");
            assert!(!verify_phc(&bad, "x"), "{bad}");
        }
    }

    #[test]
    fn pbkdf2_matches_the_pbkdf2_crate() {
        for (password, rounds) in [("", 1), ("secret", 1000), (&*"long password ".repeat(8), 10)] {
            let mut raw = [0u8; 32];
            ::pbkdf2::pbkdf2_hmac::<Sha256>(password.as_bytes(), b"salt", rounds, &mut raw);
            assert_eq!(pbkdf2_sha256(password.as_bytes(), b"salt", rounds), raw, "{password:?}");
        }
    }
}
