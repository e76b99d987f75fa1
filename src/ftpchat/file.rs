//! Shared files: the encrypted file, where it lives beside its room, and the reference in
//! the message that announces it. docs/files.md is the specification; this module, the
//! page's `files.js` and the Python of tests/support/scripts/files implement it.
//!
//! Why this shape:
//! - **A key per file, carried by the announcement.** The announcement is an ordinary
//!   message under the room key, so whoever can read the room can fetch the file, and
//!   nobody else, the relay included. A key of its own means a file can be passed on (its
//!   reference) without giving away the room key.
//! - **Chunks of [`CHUNK`] bytes, one Fernet token per line.** Neither end ever holds the
//!   whole file, the relay checks the shape with the same rule as room lines, and any
//!   Fernet library opens it. No compression: what people share (photos, PDFs) is
//!   compressed already.
//! - **Size and SHA-256 in the reference.** Tokens are authenticated one by one, not as a
//!   sequence: the hash (under the room key's protection) is what makes a dropped,
//!   repeated or reordered chunk an error. So nothing is written to its final name until
//!   the whole file has checked out.

#[cfg(feature = "client")]
use super::key::{LineError, RoomKey};
use crate::base::text::{clean, human_size, percent_decode, percent_encode, Decode};
use base64::Engine as _;
#[cfg(feature = "client")]
use sha2::{Digest, Sha256};
use std::fmt::Write as _;
#[cfg(feature = "client")]
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// Bytes of the original file per token line.
pub const CHUNK: usize = 49152;
/// What starts a reference in a message.
pub const SCHEME: &str = "loft-file:";
/// The mark that starts an announcement.
pub const CLIP: &str = "📎";
/// The suffix of a room's files folder (`.lobby.txt.files`).
pub const FILES_SUFFIX: &str = ".files";
/// The extension of a stored file (`ID.lff`: Loft file format).
pub const EXTENSION: &str = ".lff";
/// The longest line a file may have: a token of 256 KiB holds a chunk of about 190 KiB
/// (Loft writes 48 KiB chunks; other clients may choose larger ones).
pub const MAX_LINE: usize = 256 * 1024;

/// The files folder of the room at `room`.
pub fn files_dir(room: &Path) -> PathBuf {
    let name = room.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    room.with_file_name(format!(".{name}{FILES_SUFFIX}"))
}

/// Whether a file name is a room's files folder; the room's name when it is
/// (`.lobby.txt.files` → `lobby.txt`). Any case: FAT does not tell them apart.
pub fn room_of_files_dir(name: &str) -> Option<&str> {
    let inner = name.strip_prefix('.')?;
    let cut = inner.len().checked_sub(FILES_SUFFIX.len())?;
    if cut == 0 || !inner.is_char_boundary(cut) || !inner[cut..].eq_ignore_ascii_case(FILES_SUFFIX) {
        return None;
    }
    Some(&inner[..cut])
}

/// Whether `id` is a file id: 32 lowercase hex digits (128 random bits).
pub fn is_file_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The id in a stored file's name (`ID.lff`), if it is one.
pub fn id_of(name: &str) -> Option<&str> {
    name.strip_suffix(EXTENSION).filter(|id| is_file_id(id))
}

/// What a Loft client needs to fetch, open and check a shared file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRef {
    /// 32 lowercase hex digits: the file's name on the relay (`ID.lff`).
    pub id: String,
    /// The file's name, as the sender had it.
    pub name: String,
    /// The original size in bytes.
    pub size: u64,
    /// SHA-256 of the original bytes, lowercase hex.
    pub sha256: String,
    /// The file's Fernet key without its final `=` (43 characters).
    pub key: String,
}

impl FileRef {
    /// A new reference for a file about to be shared: a fresh key and id.
    pub fn fresh(name: &str) -> FileRef {
        let key = base64::engine::general_purpose::URL_SAFE.encode(rand::random::<[u8; 32]>());
        let id: [u8; 16] = rand::random();
        FileRef {
            id: hex(&id),
            name: name.to_string(),
            size: 0,
            sha256: String::new(),
            key: key.trim_end_matches('=').to_string(),
        }
    }

    /// The key as a Fernet key.
    #[cfg(feature = "client")]
    pub(crate) fn room_key(&self) -> Result<RoomKey, RefError> {
        RoomKey::from_fernet_key(&format!("{}=", self.key)).ok_or(RefError::KeyUnusable)
    }

    /// `loft-file:ID?name=…&size=…&sha256=…&key=…`
    pub fn uri(&self) -> String {
        format!(
            "{SCHEME}{}?name={}&size={}&sha256={}&key={}",
            self.id,
            percent_encode(&self.name),
            self.size,
            self.sha256,
            self.key
        )
    }

    /// The message text that announces the file: readable in FTPChat, parsable here.
    pub fn announcement(&self, caption: Option<&str>) -> String {
        let mut text = format!("{CLIP} {} ({})", display_name(&self.name), human_size(self.size));
        if let Some(c) = caption.map(str::trim).filter(|c| !c.is_empty()) {
            let _ = write!(text, " — {c}");
        }
        let _ = write!(text, " {}", self.uri());
        text
    }

    /// The reference in a message text, and the text before it (what people read).
    pub fn find(text: &str) -> Option<(FileRef, String)> {
        let (at, word) = text
            .split_whitespace()
            .rfind(|w| w.starts_with(SCHEME))
            .map(|w| (w.as_ptr() as usize - text.as_ptr() as usize, w))?;
        let r = FileRef::parse(word).ok()?;
        let before = text[..at].trim_end().to_string();
        Some((r, before))
    }

    /// Parses a `loft-file:` reference; `Err` says what is wrong.
    pub fn parse(s: &str) -> Result<FileRef, RefError> {
        let rest = s.trim().strip_prefix(SCHEME).ok_or(RefError::Scheme)?;
        let (id, query) = rest.split_once('?').ok_or(RefError::NoParameters)?;
        if !is_file_id(id) {
            return Err(RefError::Id(id.to_string()));
        }
        let (mut name, mut size, mut sha256, mut key) = (None, None, None, None);
        for pair in query.split('&') {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            match k {
                "name" => name = Some(percent_decode(v, Decode::Strict).map_err(RefError::Name)?),
                "size" => size = Some(v.parse::<u64>().map_err(|_| RefError::Size(v.to_string()))?),
                "sha256" if v.len() == 64 && v.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) => {
                    sha256 = Some(v.to_string())
                }
                "sha256" => return Err(RefError::Sha256),
                "key" if v.len() == 43 && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') => {
                    key = Some(v.to_string())
                }
                "key" => return Err(RefError::Key),
                _ => {}
            }
        }
        let r = FileRef {
            id: id.to_string(),
            name: name.ok_or(RefError::Missing("name"))?,
            size: size.ok_or(RefError::Missing("size"))?,
            sha256: sha256.ok_or(RefError::Missing("sha256"))?,
            key: key.ok_or(RefError::Missing("key"))?,
        };
        #[cfg(feature = "client")]
        r.room_key()?;
        Ok(r)
    }

    /// Where the file is on the relay, for the room file `room` (`team/lobby.txt` →
    /// `team/.lobby.txt.files/ID.lff`).
    pub fn remote_path(&self, room: &str) -> String {
        let (dir, base) = match room.rsplit_once('/') {
            Some((d, b)) => (format!("{d}/"), b),
            None => (String::new(), room),
        };
        format!("{dir}.{base}.files/{}.lff", self.id)
    }
}

/// Why a `loft-file:` reference cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefError {
    Scheme,
    NoParameters,
    Id(String),
    Name(crate::base::text::PercentError),
    Size(String),
    Sha256,
    Key,
    Missing(&'static str),
    KeyUnusable,
}

impl std::fmt::Display for RefError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RefError::Scheme => write!(f, "a file reference starts with {SCHEME}"),
            RefError::NoParameters => f.write_str("the reference has no parameters (…?name=…&size=…)"),
            RefError::Id(id) => write!(f, "{id:?}: a file id is 32 lowercase hex digits"),
            RefError::Name(e) => write!(f, "name: {e}"),
            RefError::Size(v) => write!(f, "size={v:?}: not a number of bytes"),
            RefError::Sha256 => f.write_str("sha256 is 64 lowercase hex digits"),
            RefError::Key => f.write_str("key is 43 URL-safe base64 characters"),
            RefError::Missing(what) => write!(f, "the reference has no {what}"),
            RefError::KeyUnusable => f.write_str("the reference's key is not a Fernet key"),
        }
    }
}

impl std::error::Error for RefError {}

/// Why a downloaded file is not the one announced; nothing of it may be kept.
#[cfg(feature = "client")]
#[derive(Debug)]
pub(crate) enum CheckError {
    /// The reference itself cannot be used.
    Ref(RefError),
    /// Line `n` is longer than any token of a shared file.
    LineTooLong(usize),
    /// Line `n` is not a token.
    NotToken(usize, String),
    /// Line `n` is a token under another key: the file was changed or replaced.
    OtherKey(usize),
    /// Line `n` opens, but not as a chunk.
    Unreadable(usize, String),
    /// More bytes than announced.
    Longer(u64),
    /// The last line has no end.
    CutLine,
    /// Nothing at all.
    Empty,
    /// Fewer bytes than announced.
    Shorter { got: u64, announced: u64 },
    /// Every chunk opened, the whole is not the file announced.
    Hash,
    /// The output could not be written.
    Write(io::Error),
}

#[cfg(feature = "client")]
impl std::fmt::Display for CheckError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CheckError::Ref(e) => e.fmt(f),
            CheckError::LineTooLong(n) => {
                write!(f, "line {n} is longer than {} KiB: not a shared file", MAX_LINE / 1024)
            }
            CheckError::NotToken(n, why) if why.is_empty() => write!(f, "line {n} is not a token"),
            CheckError::NotToken(n, why) => write!(f, "line {n} is not a token ({why}): the file is damaged"),
            CheckError::OtherKey(n) => {
                write!(f, "line {n} does not open with the file's key: the file was changed or replaced")
            }
            CheckError::Unreadable(n, why) => write!(f, "line {n}: {why}"),
            CheckError::Longer(announced) => write!(
                f,
                "the file is longer than the {announced} bytes announced: it was changed or is not the one announced"
            ),
            CheckError::CutLine => f.write_str("the file ends in the middle of a line: it is truncated"),
            CheckError::Empty => f.write_str("the file is empty on the relay: it is truncated"),
            CheckError::Shorter { got, announced } => write!(
                f,
                "the file holds {got} bytes, the announcement says {announced}: it is truncated or not the one announced"
            ),
            CheckError::Hash => {
                f.write_str("the file's SHA-256 is not the one announced: chunks were changed, dropped or reordered")
            }
            CheckError::Write(e) => write!(f, "cannot write the output: {e}"),
        }
    }
}

#[cfg(feature = "client")]
impl std::error::Error for CheckError {}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// The name as shown in the announcement's readable part: one line, no control or
/// direction-changing characters (which could fake another line).
fn display_name(name: &str) -> String {
    clean(name).chars().filter(|c| !c.is_control()).collect()
}

/// Encrypts `input` into `out`, one token line per [`CHUNK`]; fills in `r.size` and
/// `r.sha256`.
#[cfg(feature = "client")]
pub(crate) fn encrypt(r: &mut FileRef, input: &mut impl Read, out: &mut impl Write) -> io::Result<()> {
    let key = r.room_key().map_err(io::Error::other)?;
    let mut hash = Sha256::new();
    let mut size = 0u64;
    let mut buf = vec![0u8; CHUNK];
    loop {
        // Fill the whole chunk (a read may return less) so that chunks are CHUNK bytes.
        let mut n = 0;
        while n < CHUNK {
            match input.read(&mut buf[n..]) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        // An empty file is one empty chunk; otherwise no empty chunk at the end.
        if n == 0 && size > 0 {
            break;
        }
        hash.update(&buf[..n]);
        size += n as u64;
        out.write_all(key.seal_bytes(&buf[..n]).as_bytes())?;
        out.write_all(b"\n")?;
        if n < CHUNK {
            break;
        }
    }
    r.size = size;
    r.sha256 = hex(&hash.finalize());
    Ok(())
}

/// Opens an encrypted file as it streams in, and checks it against its reference.
#[cfg(feature = "client")]
pub(crate) struct Decryptor {
    key: RoomKey,
    expected: FileRef,
    pending: Vec<u8>,
    hash: Sha256,
    size: u64,
    lines: usize,
}

#[cfg(feature = "client")]
impl Decryptor {
    pub(crate) fn new(r: &FileRef) -> Result<Decryptor, CheckError> {
        Ok(Decryptor {
            key: r.room_key().map_err(CheckError::Ref)?,
            expected: r.clone(),
            pending: Vec::new(),
            hash: Sha256::new(),
            size: 0,
            lines: 0,
        })
    }

    /// Takes the next downloaded bytes, writing what they decrypt to into `out`.
    pub(crate) fn feed(&mut self, mut data: &[u8], out: &mut impl Write) -> Result<(), CheckError> {
        while let Some(nl) = data.iter().position(|&b| b == b'\n') {
            self.pending.extend_from_slice(&data[..nl]);
            let line = std::mem::take(&mut self.pending);
            self.line(&line, out)?;
            data = &data[nl + 1..];
        }
        if self.pending.len() + data.len() > MAX_LINE {
            return Err(CheckError::LineTooLong(self.lines + 1));
        }
        self.pending.extend_from_slice(data);
        Ok(())
    }

    fn line(&mut self, line: &[u8], out: &mut impl Write) -> Result<(), CheckError> {
        self.lines += 1;
        let n = self.lines;
        let token = std::str::from_utf8(line).map_err(|_| CheckError::NotToken(n, String::new()))?;
        let plain = self.key.open_bytes(token).map_err(|e| match e {
            LineError::OtherKey => CheckError::OtherKey(n),
            LineError::Malformed(why) => CheckError::NotToken(n, why),
            LineError::NotAMessage(why) => CheckError::Unreadable(n, why),
        })?;
        self.size += plain.len() as u64;
        if self.size > self.expected.size {
            return Err(CheckError::Longer(self.expected.size));
        }
        self.hash.update(&plain);
        out.write_all(&plain).map_err(CheckError::Write)
    }

    /// The download ended: the file must be whole and the one announced.
    pub(crate) fn finish(self) -> Result<(), CheckError> {
        if !self.pending.is_empty() {
            return Err(CheckError::CutLine);
        }
        if self.lines == 0 {
            return Err(CheckError::Empty);
        }
        if self.size != self.expected.size {
            return Err(CheckError::Shorter { got: self.size, announced: self.expected.size });
        }
        if hex(&self.hash.finalize()) != self.expected.sha256 {
            return Err(CheckError::Hash);
        }
        Ok(())
    }
}

#[cfg(all(test, feature = "client"))]
mod tests {
    use super::*;

    fn round_trip(data: &[u8]) -> (FileRef, Vec<u8>) {
        let mut r = FileRef::fresh("x.bin");
        let mut enc = Vec::new();
        encrypt(&mut r, &mut &data[..], &mut enc).unwrap();
        (r, enc)
    }

    /// The error of opening a damaged file (never the bytes: they are large).
    fn damage(r: &FileRef, enc: &[u8]) -> String {
        match open(r, enc) {
            Ok(v) => format!("opened, {} bytes", v.len()),
            Err(e) => e,
        }
    }

    fn open(r: &FileRef, enc: &[u8]) -> Result<Vec<u8>, String> {
        let mut d = Decryptor::new(r).map_err(|e| e.to_string())?;
        let mut out = Vec::new();
        for piece in enc.chunks(1000) {
            d.feed(piece, &mut out).map_err(|e| e.to_string())?;
        }
        d.finish().map(|()| out).map_err(|e| e.to_string())
    }

    #[test]
    fn files_of_every_chunk_boundary_round_trip() {
        for n in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK] {
            let data: Vec<u8> = (0..n).map(|i| (i * 7 % 251) as u8).collect();
            let (r, enc) = round_trip(&data);
            let lines = enc.iter().filter(|&&b| b == b'\n').count();
            assert_eq!(lines, n.div_ceil(CHUNK).max(1), "{n}");
            assert_eq!(open(&r, &enc).unwrap(), data, "{n}");
            assert_eq!(r.size, n as u64);
        }
    }

    #[test]
    fn damage_is_named() {
        let data: Vec<u8> = (0..2 * CHUNK + 10).map(|i| (i % 253) as u8).collect();
        let (r, enc) = round_trip(&data);
        let text = String::from_utf8(enc.clone()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        // Truncated: the last line dropped, or cut short.
        let dropped = format!("{}\n{}\n", lines[0], lines[1]);
        assert!(damage(&r, dropped.as_bytes()).contains("truncated"));
        assert!(damage(&r, &enc[..enc.len() - 1]).contains("truncated"));
        // Tampered: one character changed.
        let mut bad = enc.clone();
        bad[100] = if bad[100] == b'A' { b'B' } else { b'A' };
        assert!(damage(&r, &bad).contains("line 1"));
        // Reordered: every token opens, the hash does not match.
        let swapped = format!("{}\n{}\n{}\n", lines[1], lines[0], lines[2]);
        assert!(damage(&r, swapped.as_bytes()).contains("SHA-256"));
        // Another file's key.
        let other = FileRef { key: FileRef::fresh("y").key, ..r.clone() };
        assert!(damage(&other, &enc).contains("key"));
    }

    #[test]
    fn references_round_trip_through_the_announcement() {
        let mut r = FileRef::fresh("café & co #1?.jpg");
        r.size = 2_100_000;
        r.sha256 = "ab".repeat(32);
        let text = r.announcement(Some("the view"));
        assert!(text.starts_with("📎 café & co #1?.jpg (2.1 MB) — the view loft-file:"), "{text}");
        let (back, shown) = FileRef::find(&text).unwrap();
        assert_eq!(back, r);
        assert_eq!(shown, "📎 café & co #1?.jpg (2.1 MB) — the view");
        assert!(r.uri().contains("name=caf%C3%A9%20%26%20co%20%231%3F.jpg&"), "{}", r.uri());
        assert!(FileRef::find("no file here").is_none());
        assert!(FileRef::parse("loft-file:xyz?name=a").is_err());
        // Parameters in any order, unknown ones ignored.
        let shuffled = format!(
            "{SCHEME}{}?key={}&v=2&sha256={}&size=2100000&name=caf%C3%A9%20%26%20co%20%231%3F.jpg",
            r.id, r.key, r.sha256
        );
        assert_eq!(FileRef::parse(&shuffled).unwrap(), r);
    }

    #[test]
    fn names() {
        assert_eq!(room_of_files_dir(".lobby.txt.files"), Some("lobby.txt"));
        assert_eq!(room_of_files_dir(".LOBBY.TXT.FILES"), Some("LOBBY.TXT"));
        assert_eq!(room_of_files_dir(".files"), None);
        assert_eq!(room_of_files_dir("lobby.txt.files"), None);
        assert_eq!(room_of_files_dir(".é.files"), Some("é"));
        assert_eq!(files_dir(Path::new("/a/lobby.txt")), PathBuf::from("/a/.lobby.txt.files"));
        assert!(is_file_id("0123456789abcdef0123456789abcdef"));
        assert!(!is_file_id("0123456789ABCDEF0123456789abcdef"));
        assert!(!is_file_id("0123456789abcdef"));
        assert_eq!(id_of("0123456789abcdef0123456789abcdef.lff"), Some("0123456789abcdef0123456789abcdef"));
        assert_eq!(id_of("0123456789abcdef0123456789abcdef.txt"), None);
    }

    #[test]
    fn places() {
        let r = FileRef::fresh("a");
        assert_eq!(r.remote_path("team/lobby.txt"), format!("team/.lobby.txt.files/{}.lff", r.id));
        assert_eq!(r.remote_path("lobby.txt"), format!(".lobby.txt.files/{}.lff", r.id));
    }
}
