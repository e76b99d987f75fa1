//! What a room line must look like: one Fernet token.
//!
//! Why the relay looks at lines it cannot read: a room is shared by every FTPChat client
//! that follows it, and they read it line by line, by byte offset. One line of garbage (a
//! stray `STOR` of a text file, a client with a bug, someone poking at the server) is not
//! only noise: older clients stop at the first line they cannot decrypt. So Loft refuses,
//! at upload time and with a reason in the FTP reply, anything that is not shaped like a
//! token. It checks only the shape (the relay has no key, so it cannot check the HMAC):
//!
//! ```text
//! base64url( 0x80 | timestamp: 8 | IV: 16 | ciphertext: 16·k, k ≥ 1 | HMAC-SHA256: 32 )
//! ```
//!
//! so a token decodes to 57 + 16k bytes, that is 73 + 16k with k ≥ 0.
//!
//! **Padding is required** (`=`, as Python's `cryptography` emits it), and the alphabet is
//! strictly the URL-safe one. Why strict: whatever the relay stores, every reader must be
//! able to decode, and FTPChat readers use Python's `base64.urlsafe_b64decode`, which fails
//! with "Incorrect padding" on an unpadded token; the Rust `fernet` crate requires the
//! padding as well. Accepting unpadded (or `+`/`/`, or non-zero trailing bits, which Python
//! would tolerate but no encoder emits) would store lines that some reader cannot open.
//!
//! The timestamp is not checked: clients' clocks differ and the TTL is the reader's
//! business. [`check_line`] must never panic, whatever the bytes: it is the first thing
//! that sees client input, and it is fuzzed.

use base64::engine::general_purpose::URL_SAFE;
use base64::{DecodeError, Engine as _};

/// The version byte of every Fernet token (spec version 0x80).
pub const VERSION: u8 = 0x80;
/// Decoded bytes around the ciphertext: version 1 + timestamp 8 + IV 16 + HMAC 32.
pub const OVERHEAD: usize = 1 + 8 + 16 + 32;
/// AES block size: the ciphertext is a positive multiple of it.
pub const BLOCK: usize = 16;
/// The shortest possible token, decoded (one ciphertext block).
pub const MIN_DECODED: usize = OVERHEAD + BLOCK;

/// Why a line is not a token. Its text is a short reason, fit for an FTP reply, such as
/// `version byte is 0x12, expected 0x80` or `not URL-safe base64: byte '+' at column 5`
/// (columns are 1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenError {
    /// Nothing on the line.
    Empty,
    /// Not URL-safe, padded, canonical base64; the words say where and what.
    Base64(String),
    /// The first byte is not Fernet's version byte.
    Version(u8),
    /// Not 57 + 16k bytes once decoded.
    Length(usize),
}

impl std::fmt::Display for TokenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TokenError::Empty => f.write_str("empty line"),
            TokenError::Base64(why) => f.write_str(why),
            TokenError::Version(v) => write!(f, "version byte is {v:#04x}, expected {VERSION:#04x}"),
            TokenError::Length(n) => write!(f, "a token is {MIN_DECODED} + {BLOCK}k bytes long, this one is {n}"),
        }
    }
}

impl std::error::Error for TokenError {}

/// Is `line` (without its newline) one well-formed Fernet token?
pub fn check_line(line: &[u8]) -> Result<(), TokenError> {
    decode(line).map(drop)
}

/// Whether `line` (surrounding whitespace and line end ignored) is shaped like a token.
pub fn is_token(line: &str) -> bool {
    check_line(line.trim().as_bytes()).is_ok()
}

/// The bytes of a well-formed token (see [`check_line`]), checked against no key.
pub fn decode(line: &[u8]) -> Result<Vec<u8>, TokenError> {
    if line.is_empty() {
        return Err(TokenError::Empty);
    }
    let decoded = URL_SAFE.decode(line).map_err(|e| TokenError::Base64(base64_reason(line, e)))?;
    // Non-empty input that decoded cleanly has at least one byte, but do not index blindly.
    match decoded.first() {
        Some(&VERSION) => {}
        Some(&v) => return Err(TokenError::Version(v)),
        None => return Err(TokenError::Empty),
    }
    let n = decoded.len();
    if n < MIN_DECODED || !(n - OVERHEAD).is_multiple_of(BLOCK) {
        return Err(TokenError::Length(n));
    }
    Ok(decoded)
}

/// Says what is wrong with the base64, in words a person can act on.
fn base64_reason(line: &[u8], e: DecodeError) -> String {
    match e {
        DecodeError::InvalidByte(at, b'=') => {
            format!("not URL-safe base64: '=' padding at column {} is not at the end", at + 1)
        }
        DecodeError::InvalidByte(at, byte) => {
            let hint = match byte {
                b'+' | b'/' => " (standard base64: a token uses '-' and '_')",
                _ => "",
            };
            format!("not URL-safe base64: byte {} at column {}{hint}", show(byte), at + 1)
        }
        DecodeError::InvalidLength(_) => {
            format!("not URL-safe base64: {} symbols cannot be base64", symbols(line))
        }
        DecodeError::InvalidLastSymbol(at, byte) => {
            format!("not canonical base64: last symbol {} at column {} has stray low bits", show(byte), at + 1)
        }
        DecodeError::InvalidPadding => {
            if line.ends_with(b"=") {
                "not URL-safe base64: wrong '=' padding".into()
            } else {
                let missing = (4 - line.len() % 4) % 4;
                format!("not URL-safe base64: the '=' padding is missing ({missing} expected)")
            }
        }
    }
}

/// The number of base64 symbols, not counting `=` padding.
fn symbols(line: &[u8]) -> usize {
    line.iter().rev().skip_while(|&&b| b == b'=').count()
}

/// A byte as a person wants to read it in a reply: `'x'` when printable, else `0x1f`.
fn show(b: u8) -> String {
    if b.is_ascii_graphic() {
        format!("'{}'", b as char)
    } else {
        format!("{b:#04x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use rand::{Rng, SeedableRng};

    fn fixture_tokens() -> Vec<String> {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/ftpchat-v1.7.json");
        let text = std::fs::read_to_string(path).expect("fixture");
        let v: serde_json::Value = serde_json::from_str(&text).expect("fixture is JSON");
        let tokens: Vec<String> = v["tokens"]
            .as_array()
            .expect("tokens[]")
            .iter()
            .map(|t| t["token"].as_str().expect("tokens[].token").to_string())
            .collect();
        assert!(tokens.len() >= 3, "fixture has tokens");
        tokens
    }

    /// A token-shaped line: version, then `k` ciphertext blocks, everything else zero.
    fn forge(version: u8, decoded_len: usize) -> String {
        let mut raw = vec![0u8; decoded_len];
        if let Some(b) = raw.first_mut() {
            *b = version;
        }
        URL_SAFE.encode(raw)
    }

    #[test]
    fn real_ftpchat_tokens_pass() {
        for t in fixture_tokens() {
            assert_eq!(check_line(t.as_bytes()), Ok(()), "{t}");
        }
    }

    #[test]
    fn every_legal_length_passes() {
        for k in 1..40 {
            let t = forge(VERSION, OVERHEAD + BLOCK * k);
            assert_eq!(check_line(t.as_bytes()), Ok(()), "k = {k}");
        }
    }

    #[test]
    fn wrong_version_is_named() {
        let t = forge(0x12, MIN_DECODED);
        assert_eq!(check_line(t.as_bytes()).unwrap_err().to_string(), "version byte is 0x12, expected 0x80");
    }

    #[test]
    fn wrong_lengths_are_named() {
        for n in [1, 2, 56, 57, 70, 72, 74, 88, 90] {
            let t = forge(VERSION, n);
            assert_eq!(
                check_line(t.as_bytes()).unwrap_err().to_string(),
                format!("a token is 73 + 16k bytes long, this one is {n}"),
                "n = {n}"
            );
        }
    }

    #[test]
    fn unpadded_token_is_refused_with_the_reason() {
        // 89 decoded bytes: 89 % 3 = 2, so the padded form ends in one '='.
        let raw = URL_SAFE.decode(forge(VERSION, 89)).unwrap();
        let unpadded = URL_SAFE_NO_PAD.encode(&raw);
        let e = check_line(unpadded.as_bytes()).unwrap_err().to_string();
        assert_eq!(e, "not URL-safe base64: the '=' padding is missing (1 expected)");
        for t in fixture_tokens() {
            let bare = t.trim_end_matches('=');
            if bare.len() != t.len() {
                let e = check_line(bare.as_bytes()).unwrap_err().to_string();
                assert!(e.contains("padding is missing"), "{e}");
            }
        }
    }

    #[test]
    fn extra_padding_is_refused() {
        let t = forge(VERSION, 89) + "=";
        let e = check_line(t.as_bytes()).unwrap_err().to_string();
        assert!(e.starts_with("not URL-safe base64"), "{e}");
    }

    #[test]
    fn standard_alphabet_gets_a_hint() {
        let t = fixture_tokens().into_iter().find(|t| t.contains('_') || t.contains('-')).unwrap();
        let std_t = t.replace('_', "/").replace('-', "+");
        let e = check_line(std_t.as_bytes()).unwrap_err().to_string();
        assert!(e.starts_with("not URL-safe base64: byte '"), "{e}");
        assert!(e.contains("standard base64"), "{e}");
    }

    #[test]
    fn garbage_is_refused_with_a_reason() {
        let cases: &[(&[u8], &str)] = &[
            (b"", "empty line"),
            (b"hello world", "not URL-safe base64: byte 0x20 at column 6"),
            (b"hello", "not URL-safe base64: 5 symbols cannot be base64"),
            (b"gAAAAA\x00AA", "not URL-safe base64: byte 0x00 at column 7"),
            (b"gA==AAAA", "not URL-safe base64: '=' padding at column 3 is not at the end"),
            (b"\xff\xfe", "not URL-safe base64: byte 0xff at column 1"),
            (b"gB==", "not canonical base64: last symbol 'B' at column 2 has stray low bits"),
        ];
        for (line, want) in cases {
            assert_eq!(check_line(line).unwrap_err().to_string(), *want, "{:?}", String::from_utf8_lossy(line));
        }
        // A token with its newline, CR or surrounding spaces is not a line's content.
        let t = fixture_tokens().remove(0);
        for bad in [format!("{t}\n"), format!("{t}\r"), format!(" {t}"), format!("{t} ")] {
            assert!(check_line(bad.as_bytes()).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_flipped_version_in_a_real_token_is_caught() {
        let t = fixture_tokens().remove(0);
        let mut raw = URL_SAFE.decode(&t).unwrap();
        raw[0] = 0x81;
        let e = check_line(URL_SAFE.encode(raw).as_bytes()).unwrap_err().to_string();
        assert_eq!(e, "version byte is 0x81, expected 0x80");
    }

    /// A small in-process fuzz: random bytes, random base64, and mutated real tokens must
    /// never panic, and a verdict is always either Ok or a short non-empty reason.
    #[test]
    fn never_panics_on_random_input() {
        let tokens = fixture_tokens();
        let mut rng = rand::rngs::StdRng::seed_from_u64(0x10f7);
        let check = |line: &[u8]| {
            match check_line(line) {
                Ok(()) => {
                    // Anything accepted really is a token shape.
                    let raw = URL_SAFE.decode(line).unwrap();
                    assert_eq!(raw[0], VERSION);
                    assert!(raw.len() >= MIN_DECODED && (raw.len() - OVERHEAD).is_multiple_of(BLOCK));
                }
                Err(e) => assert!(!e.to_string().is_empty() && e.to_string().len() < 120, "{e}"),
            }
        };
        for _ in 0..3000 {
            let n = rng.gen_range(0..300);
            let bytes: Vec<u8> = (0..n).map(|_| rng.gen()).collect();
            check(&bytes);
            check(URL_SAFE.encode(&bytes).as_bytes());
            let mut t = tokens[rng.gen_range(0..tokens.len())].clone().into_bytes();
            for _ in 0..rng.gen_range(1..4) {
                match rng.gen_range(0..3) {
                    0 if !t.is_empty() => {
                        let i = rng.gen_range(0..t.len());
                        t[i] = rng.gen();
                    }
                    1 if !t.is_empty() => {
                        let i = rng.gen_range(0..t.len());
                        t.remove(i);
                    }
                    _ => {
                        let i = rng.gen_range(0..=t.len());
                        t.insert(i, rng.gen());
                    }
                }
            }
            check(&t);
        }
    }
}
