//! Password hashes in the PHC format (PBKDF2-SHA256), as `loft.toml` stores them.
//!
//! A leaf: `config` checks a hash is well formed, `loft user` writes new ones, the relay's
//! authenticator verifies logins; none of them should need the others for that.

use pbkdf2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use pbkdf2::{Algorithm, Params, Pbkdf2};

/// PBKDF2 rounds for new hashes: about 0.1 s on a PC, a few seconds on a router, once
/// per user per [`CACHE_TTL`] thanks to the login cache.
pub(crate) const ROUNDS: u32 = 100_000;

/// The PHC string for a new password.
pub(crate) fn hash_password(password: &str) -> String {
    let mut salt = [0u8; 16];
    rand::Rng::fill(&mut rand::thread_rng(), &mut salt);
    let salt = SaltString::encode_b64(&salt).expect("16 bytes is a valid salt");
    let params = Params { rounds: ROUNDS, output_length: 32 };
    Pbkdf2
        .hash_password_customized(password.as_bytes(), Some(Algorithm::Pbkdf2Sha256.ident()), None, params, &salt)
        .expect("pbkdf2 with valid params")
        .to_string()
}

/// Checks that a config `password` is a PHC string Loft can verify.
pub(crate) fn check_phc(phc: &str) -> Result<(), String> {
    let h = PasswordHash::new(phc)
        .map_err(|_| "expected a PHC string like \"$pbkdf2-sha256$i=100000,l=32$…\" (set it with `loft user passwd NAME`), not a password".to_string())?;
    match h.algorithm.as_str() {
        "pbkdf2-sha256" | "pbkdf2-sha512" => {}
        other => return Err(format!("unsupported hash algorithm {other:?}; expected pbkdf2-sha256")),
    }
    if h.hash.is_none() || h.salt.is_none() {
        return Err("the PHC string has no salt or no hash".into());
    }
    Ok(())
}

/// Verifies `password` against a PHC string, with the KDF (slow on purpose).
pub(crate) fn verify_phc(phc: &str, password: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(h) => Pbkdf2.verify_password(password.as_bytes(), &h).is_ok(),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_round_trip() {
        let h = hash_password("s3cret");
        assert!(h.starts_with("$pbkdf2-sha256$i=100000"), "{h}");
        check_phc(&h).unwrap();
        assert!(verify_phc(&h, "s3cret"));
        assert!(!verify_phc(&h, "s3cret "));
        assert!(check_phc("hunter2").is_err());
    }
}
