//! The FTPChat v1.7 wire format, byte for byte.
//!
//! Loft has to share rooms with people who run the original FTPChat client, so nothing here
//! is a design choice: the key is PBKDF2-HMAC-SHA256 over the room password with FTPChat's
//! fixed salt and 100 000 rounds, URL-safe base64 encoded and used as a Fernet key; a
//! message is `YYYY-MM-DD HH:MM:<user>: <text>` (sender's local time, trailing whitespace
//! stripped), zlib-compressed, then Fernet-encrypted; a room file holds one token per line.
//! `tests/fixtures/ftpchat-v1.7.json` pins all of it.
//!
//! Deriving a key costs 100 000 HMAC rounds, so a [`RoomKey`] is derived once per room and
//! reused for every line. Reading never fails on a bad line: [`RoomKey::open_line`] says
//! *why* a line is not a message (another key, not a token at all, not a chat message) so
//! the reader can count and report it, because a room is shared with clients we do not
//! control.

use base64::engine::general_purpose::{STANDARD, URL_SAFE};
use base64::Engine as _;
use chrono::{Local, NaiveDateTime};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::fmt;
use std::io::{Read, Write};

/// FTPChat's fixed PBKDF2 salt (the same for every room and every installation).
pub const SALT: &[u8] = b"q6334#Q0q8294%E$(#$%^&^%$#@!#%^YHB>$W#CX>E";
/// FTPChat's PBKDF2 round count.
pub const ITERATIONS: u32 = 100_000;
/// The timestamp format at the start of every plaintext.
pub(crate) const TIME_FORMAT: &str = "%Y-%m-%d %H:%M";
/// Length of a formatted [`TIME_FORMAT`] timestamp.
const TIME_LEN: usize = 16;
/// A decompressed message larger than this is refused rather than expanded (a zlib bomb
/// in a shared room must not eat a router's memory).
const MAX_PLAINTEXT: u64 = 4 * 1024 * 1024;
/// Fernet: version byte, 8-byte timestamp, 16-byte IV, at least one AES block, 32-byte HMAC.
const MIN_TOKEN_BYTES: usize = 1 + 8 + 16 + 16 + 32;

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
///
/// The HMAC is ring's, reached through rustls' TLS 1.3 HKDF provider, rather than the
/// `pbkdf2` crate's: the RustCrypto code is generic and `#[inline]`, so it is compiled at
/// the *caller's* optimisation level, and a debug build took a second per room key (ring
/// is prebuilt assembly: 0.15 s). The tests check it against the `pbkdf2` crate.
pub fn derive_fernet_key(password: &str) -> String {
    use rustls::crypto::tls13::OkmBlock;
    let suite = rustls::crypto::ring::cipher_suite::TLS13_AES_128_GCM_SHA256;
    let hkdf = suite.tls13().expect("a TLS 1.3 suite").hkdf_provider;
    // HMAC hashes keys longer than the 64-byte block first (RFC 2104); OkmBlock holds 64.
    let key = if password.len() > 64 {
        OkmBlock::new(&Sha256::digest(password.as_bytes()))
    } else {
        OkmBlock::new(password.as_bytes())
    };
    let prf = |msg: &[u8]| -> [u8; 32] { hkdf.hmac_sign(&key, msg).as_ref().try_into().expect("SHA-256 is 32 bytes") };
    // One output block (32 bytes = the SHA-256 size): U1 = PRF(salt || INT(1)).
    let mut first = SALT.to_vec();
    first.extend_from_slice(&1u32.to_be_bytes());
    let mut u = prf(&first);
    let mut out = u;
    for _ in 1..ITERATIONS {
        u = prf(&u);
        out.iter_mut().zip(u.iter()).for_each(|(o, x)| *o ^= x);
    }
    URL_SAFE.encode(out)
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
    pub(crate) fn seal_bytes(&self, data: &[u8]) -> String {
        self.fernet.encrypt(data)
    }

    /// Decrypts one token into its bytes, without decompression (a chunk of a shared file).
    pub(crate) fn open_bytes(&self, token: &str) -> Result<Vec<u8>, LineError> {
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
        let (time, user, text) = parse(&plain).map_err(LineError::NotAMessage)?;
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

/// The bytes of a token that looks like Fernet (version 0x80, whole AES blocks), without
/// checking any key.
fn token_bytes(token: &str) -> Result<Vec<u8>, LineError> {
    if token.is_empty() {
        return Err(LineError::Malformed("empty line".into()));
    }
    let raw = URL_SAFE
        .decode(token)
        .or_else(|_| STANDARD.decode(token))
        .map_err(|_| LineError::Malformed("not base64".into()))?;
    if raw.len() < MIN_TOKEN_BYTES || raw[0] != 0x80 || (raw.len() - 57) % 16 != 0 {
        return Err(LineError::Malformed("not a Fernet token".into()));
    }
    Ok(raw)
}

/// Whether `line` has the shape of a Fernet token (any key).
pub fn is_token(line: &str) -> bool {
    token_bytes(line.trim()).is_ok()
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

/// One chat message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// When the token was made (Unix seconds, from the Fernet header): comparable across
    /// time zones, unlike [`Message::time`].
    pub sent: u64,
    /// The time the sender wrote in the message, in the sender's local time.
    pub time: NaiveDateTime,
    pub user: String,
    pub text: String,
}

/// The plaintext of a message: `YYYY-MM-DD HH:MM:<user>: <text>`, trailing whitespace
/// stripped (so an empty text leaves `…:<user>:`).
pub fn compose(time: NaiveDateTime, user: &str, text: &str) -> String {
    let s = format!("{}:{}: {}", time.format(TIME_FORMAT), user, text);
    rstrip(&s).to_string()
}

/// Python's `str.rstrip()`: FTPChat strips with it, and it also strips U+001C..U+001F,
/// which Rust's `trim_end` keeps.
fn rstrip(s: &str) -> &str {
    s.trim_end_matches(|c: char| c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c))
}

/// Splits a plaintext into time, user and text. A user name cannot contain `": "`, so the
/// first `": "` after the timestamp ends it; the text is everything after (colons and
/// newlines included). With no `": "` at all the message had an empty text and the
/// plaintext ends in `:`.
pub fn parse(plain: &str) -> Result<(NaiveDateTime, String, String), String> {
    let ts = plain.get(..TIME_LEN).ok_or("too short for a timestamp")?;
    let time = NaiveDateTime::parse_from_str(ts, TIME_FORMAT).map_err(|_| "no YYYY-MM-DD HH:MM timestamp")?;
    let rest = plain[TIME_LEN..].strip_prefix(':').ok_or("no ':' after the timestamp")?;
    if let Some((user, text)) = rest.split_once(": ") {
        return Ok((time, user.to_string(), text.to_string()));
    }
    match rest.strip_suffix(':') {
        Some(user) if !user.contains('\n') => Ok((time, user.to_string(), String::new())),
        _ => Err("no ': ' after the user name".into()),
    }
}

/// Checks a name for use as the sender of messages: it must survive [`parse`].
pub(crate) fn check_user_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("the name is empty".into());
    }
    if name.contains(": ") {
        return Err(format!("{name:?} contains \": \", which ends a name in the FTPChat format"));
    }
    if name.chars().any(char::is_control) {
        return Err(format!("{name:?} contains a control character (a newline?)"));
    }
    if name.ends_with(':') || name != rstrip(name) || name.starts_with(char::is_whitespace) {
        return Err(format!("{name:?} starts or ends with a space or ends with ':', which other clients misread"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn t(h: u32, m: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap().and_hms_opt(h, m, 0).unwrap()
    }

    #[test]
    fn compose_strips_trailing_whitespace_like_python() {
        assert_eq!(compose(t(10, 19), "dave", ""), "2026-11-22 10:19:dave:");
        assert_eq!(compose(t(10, 19), "dave", "hi \n\t\u{1f}"), "2026-11-22 10:19:dave: hi");
        assert_eq!(compose(t(9, 5), "a", " lead"), "2026-11-22 09:05:a:  lead");
    }

    #[test]
    fn parse_handles_colons_newlines_and_empty_text() {
        let p = |s: &str| parse(s).map(|(_, u, x)| (u, x));
        assert_eq!(
            p("2026-11-22 10:18:carol: colons: in: the: text"),
            Ok(("carol".into(), "colons: in: the: text".into()))
        );
        assert_eq!(p("2026-11-22 10:19:dave:"), Ok(("dave".into(), "".into())));
        assert_eq!(p("2026-11-22 10:19:a:b: x"), Ok(("a:b".into(), "x".into())));
        assert_eq!(p("2026-11-22 10:16:bob: 1\n2: 3\n"), Ok(("bob".into(), "1\n2: 3\n".into())));
        assert_eq!(p("2026-11-22 10:16:bob:x"), Err("no ': ' after the user name".into()));
        assert!(p("2026-11-22 10:16").is_err());
        assert!(p("hello world, this is not it").is_err());
        assert!(p("2026-13-22 10:16:bob: x").is_err());
        assert!(p("").is_err());
        // Multi-byte characters right where the timestamp would end must not panic.
        assert!(p("ééééééééé: x").is_err());
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

    #[test]
    fn user_names() {
        assert!(check_user_name("alice").is_ok());
        assert!(check_user_name("a:b").is_ok());
        assert!(check_user_name("أحمد").is_ok());
        for bad in ["", "a: b", "a\nb", "bob:", " bob", "bob "] {
            assert!(check_user_name(bad).is_err(), "{bad:?}");
        }
    }
}
