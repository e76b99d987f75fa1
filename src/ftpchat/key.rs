//! The room key: FTPChat's key derivation, and sealing and opening room lines with it.
//!
//! The key is PBKDF2-HMAC-SHA256 over the room password with FTPChat's fixed salt and
//! 100 000 rounds, URL-safe base64 encoded and used as a Fernet key; a line is a
//! [`message`](super::message) plaintext, zlib-compressed, then Fernet-encrypted.
//!
//! Deriving a key costs 100 000 HMAC rounds, so a [`RoomKey`] is derived once per room and
//! reused for every line. Reading never fails on a bad line: [`RoomKey::open_line`] says
//! *why* a line is not a message (another key, not a token at all, not a chat message) so
//! the reader can count and report it, because a room is shared with clients we do not
//! control.

use super::message::{compose, parse, Message};
use super::token;
use base64::engine::general_purpose::URL_SAFE;
use base64::Engine as _;
use chrono::Local;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::fmt;
use std::io::{Read, Write};

/// FTPChat's fixed PBKDF2 salt (the same for every room and every installation).
pub const SALT: &[u8] = b"q6334#Q0q8294%E$(#$%^&^%$#@!#%^YHB>$W#CX>E";
/// FTPChat's PBKDF2 round count.
pub const ITERATIONS: u32 = 100_000;
/// A decompressed message larger than this is refused rather than expanded (a zlib bomb
/// in a shared room must not eat a router's memory).
const MAX_PLAINTEXT: u64 = 4 * 1024 * 1024;

/// The secret of one room: its Fernet key, derived from the room password.
#[derive(Clone)]
pub struct RoomKey {
    fernet: fernet::Fernet,
    signing_key: [u8; 16],
}

impl fmt::Debug for RoomKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RoomKey(..)")
    }
}

/// Derives the Fernet key of a room password, as FTPChat does: URL-safe base64 (with
/// padding) of PBKDF2-HMAC-SHA256(password, [`SALT`], [`ITERATIONS`], 32 bytes).
pub fn derive_fernet_key(password: &str) -> String {
    URL_SAFE.encode(crate::base::password::pbkdf2_sha256(password.as_bytes(), SALT, ITERATIONS))
}

impl RoomKey {
    /// Derives the key of a room from its password (slow on purpose: do it once per room).
    pub fn derive(password: &str) -> RoomKey {
        Self::from_fernet_key(&derive_fernet_key(password)).expect("a derived key is always a valid Fernet key")
    }

    /// A key given directly as URL-safe base64 of 32 bytes.
    pub fn from_fernet_key(key_b64: &str) -> Option<RoomKey> {
        let fernet = fernet::Fernet::new(key_b64)?;
        let raw = URL_SAFE.decode(key_b64).ok()?;
        let mut signing_key = [0u8; 16];
        signing_key.copy_from_slice(&raw[..16]);
        Some(RoomKey { fernet, signing_key })
    }

    /// Compresses and encrypts one plaintext into a token (no newline).
    pub fn seal(&self, plaintext: &str) -> String {
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(plaintext.as_bytes()).expect("writing to a Vec cannot fail");
        let compressed = z.finish().expect("writing to a Vec cannot fail");
        self.fernet.encrypt(&compressed)
    }

    /// The token line for a message from `user` now: what `loft send` appends.
    pub fn seal_message(&self, user: &str, text: &str) -> String {
        self.seal(&compose(Local::now().naive_local(), user, text))
    }

    /// Decrypts and decompresses one token into the plaintext.
    pub fn open(&self, token: &str) -> Result<String, LineError> {
        let token = token.trim();
        let raw = token_bytes(token)?;
        if !self.signature_matches(&raw) {
            return Err(LineError::OtherKey);
        }
        // Like Python's Fernet without a TTL: a token stamped in the future (a sender whose
        // clock runs fast) is still read; the fernet crate alone would refuse it.
        let stamp = u64::from_be_bytes(raw[1..9].try_into().expect("8 bytes"));
        let compressed = self
            .fernet
            .decrypt_at_time(token, None, stamp.max(now_unix()))
            .map_err(|_| LineError::NotAMessage("the token is signed with this key but does not decrypt".into()))?;
        decompress(&compressed)
    }

    /// Encrypts bytes as they are, without compression (a chunk of a shared file).
    pub fn seal_bytes(&self, data: &[u8]) -> String {
        self.fernet.encrypt(data)
    }

    /// Decrypts one token into its bytes, without decompression (a chunk of a shared file).
    pub fn open_bytes(&self, token: &str) -> Result<Vec<u8>, LineError> {
        let raw = token_bytes(token)?;
        if !self.signature_matches(&raw) {
            return Err(LineError::OtherKey);
        }
        let stamp = u64::from_be_bytes(raw[1..9].try_into().expect("8 bytes"));
        self.fernet
            .decrypt_at_time(token, None, stamp.max(now_unix()))
            .map_err(|_| LineError::NotAMessage("the token is signed with this key but does not decrypt".into()))
    }

    /// Reads one room line: the message, or why it is not one.
    pub fn open_line(&self, line: &str) -> Result<Message, LineError> {
        let token = line.trim();
        let plain = self.open(token)?;
        let raw = token_bytes(token)?;
        let sent = u64::from_be_bytes(raw[1..9].try_into().expect("8 bytes"));
        let (time, user, text) = parse(&plain).map_err(|e| LineError::NotAMessage(e.to_string()))?;
        Ok(Message { sent, time, user, text })
    }

    /// The Fernet HMAC check on its own, so that "another key" can be told apart from
    /// "this key, but unreadable".
    fn signature_matches(&self, raw: &[u8]) -> bool {
        let (body, tag) = raw.split_at(raw.len() - 32);
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.signing_key).expect("any key length works");
        mac.update(body);
        mac.verify_slice(tag).is_ok()
    }
}

fn now_unix() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// The bytes of a line shaped like a token ([`token::decode`]), without checking any key.
fn token_bytes(token: &str) -> Result<Vec<u8>, LineError> {
    token::decode(token.as_bytes()).map_err(|e| LineError::Malformed(e.to_string()))
}

fn decompress(data: &[u8]) -> Result<String, LineError> {
    let mut out = Vec::new();
    let inflated = flate2::read::ZlibDecoder::new(data).take(MAX_PLAINTEXT + 1).read_to_end(&mut out);
    match inflated {
        Ok(_) if out.len() as u64 > MAX_PLAINTEXT => {
            Err(LineError::NotAMessage(format!("larger than {} MiB once decompressed", MAX_PLAINTEXT >> 20)))
        }
        Ok(_) => String::from_utf8(out).map_err(|_| LineError::NotAMessage("not UTF-8 text".into())),
        // FTPChat before zlib wrote the plaintext itself; accept it when it looks like one.
        Err(_) => match std::str::from_utf8(data) {
            Ok(s) if parse(s).is_ok() => Ok(s.to_string()),
            _ => Err(LineError::NotAMessage("not zlib data".into())),
        },
    }
}

/// Why a room line is not a message. None of these stops a reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineError {
    /// Not a Fernet token at all (garbage, a truncated write, another program's file).
    Malformed(String),
    /// A token, but for another room password.
    OtherKey,
    /// Decrypts with this key, but what is inside is not an FTPChat message.
    NotAMessage(String),
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LineError::Malformed(why) => write!(f, "malformed line ({why})"),
            LineError::OtherKey => write!(f, "encrypted with another room key"),
            LineError::NotAMessage(why) => write!(f, "decrypts, but is not a chat message ({why})"),
        }
    }
}

impl std::error::Error for LineError {}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, NaiveDateTime};

    fn t(h: u32, m: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap().and_hms_opt(h, m, 0).unwrap()
    }

    #[test]
    fn round_trip_and_line_errors() {
        let k = RoomKey::from_fernet_key(&fernet::Fernet::generate_key()).unwrap();
        let other = RoomKey::from_fernet_key(&fernet::Fernet::generate_key()).unwrap();
        let tok = k.seal(&compose(t(1, 2), "me", "x: y\nz"));
        let m = k.open_line(&format!("{tok}\r\n")).unwrap();
        assert_eq!((m.user.as_str(), m.text.as_str(), m.time), ("me", "x: y\nz", t(1, 2)));
        assert!(m.sent.abs_diff(now_unix()) < 5);
        assert_eq!(other.open_line(&tok), Err(LineError::OtherKey));
        assert!(matches!(k.open_line("hello"), Err(LineError::Malformed(_))));
        assert!(matches!(k.open_line(""), Err(LineError::Malformed(_))));
        assert!(matches!(k.open_line(&tok[..tok.len() - 8]), Err(LineError::Malformed(_))));
        let not_chat = k.seal("just some text");
        assert!(matches!(k.open_line(&not_chat), Err(LineError::NotAMessage(_))));
    }

    #[test]
    fn key_derivation_matches_the_pbkdf2_crate() {
        for password in ["", "secret", &"long password ".repeat(8)] {
            let mut raw = [0u8; 32];
            pbkdf2::pbkdf2_hmac::<Sha256>(password.as_bytes(), SALT, ITERATIONS, &mut raw);
            assert_eq!(derive_fernet_key(password), URL_SAFE.encode(raw), "{password:?}");
        }
    }
}
