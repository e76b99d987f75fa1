//! Following a room file by byte offset.
//!
//! A room is an append-only file on a server we may not control, shared with clients we
//! do not control, so the reader assumes little:
//! - A line is only read once its `\n` has arrived; a last line without one is taken when
//!   the size stays the same for one more poll (an older client that writes no newline).
//! - The file can be rotated or rewritten by someone else. A smaller size says so; so
//!   does the last line we read no longer being where it was (we re-read it with each
//!   read, as an anchor). Either way the file is read again from the start and tokens
//!   already shown are skipped: nothing is shown twice, nothing is missed.
//! - A Loft relay rotates rooms behind stable, logical offsets: `SIZE` never goes down,
//!   and a read from an offset that was archived returns the live part from its first
//!   line, ending at the size just asked. Offsets are therefore taken from where the data
//!   ends, not from where it was asked to start.
//! - Lines for another key and lines that are not tokens are counted, never fatal.

use super::session::Session;
use super::Result;
use crate::ftpchat::key::{LineError, RoomKey};
use crate::ftpchat::message::Message;
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

/// The tokens already shown (by hash), shared between a reader and the chat's sender so
/// that one's own message is shown once, whoever sees it first.
pub(crate) type Shown = Arc<Mutex<HashSet<[u8; 16]>>>;

pub(crate) fn token_id(token: &str) -> [u8; 16] {
    let d = Sha256::digest(token.trim().as_bytes());
    d[..16].try_into().expect("16 bytes")
}

/// What one read brought.
#[derive(Debug, Default)]
pub(crate) struct Batch {
    /// New messages with their tokens, in file order.
    pub(crate) messages: Vec<(Message, String)>,
    /// Lines for another key (new ones only).
    pub(crate) other_key: usize,
    /// Lines skipped, with why.
    pub(crate) skipped: Vec<String>,
    /// The file was rewritten or truncated and read again from the start.
    pub(crate) rewritten: bool,
    /// There is no such file (yet).
    pub(crate) missing: bool,
}

/// A reader's position in one room.
#[derive(Debug)]
pub(crate) struct RoomReader {
    pub(crate) file: String,
    offset: u64,
    /// The bytes just before `offset` (the last line read), to detect rewrites.
    anchor: Vec<u8>,
    /// File size when an unterminated last line was first seen.
    partial_at: Option<u64>,
    seen: Shown,
}

impl RoomReader {
    pub(crate) fn new(file: &str, seen: Shown) -> RoomReader {
        RoomReader { file: file.to_string(), offset: 0, anchor: Vec::new(), partial_at: None, seen }
    }

    /// Bytes consumed so far (where `SITE WAIT` should wait from).
    pub(crate) fn offset(&self) -> u64 {
        self.offset
    }

    /// Reads what is new. With `all`, an unterminated last line is taken at once (a one-shot
    /// read will not come back for it).
    pub(crate) async fn poll(&mut self, s: &mut Session, key: &RoomKey, all: bool) -> Result<Batch> {
        let mut b = Batch::default();
        let Some(size) = s.size(&self.file).await? else {
            if self.offset > 0 {
                b.rewritten = true;
                self.reset();
            }
            b.missing = true;
            return Ok(b);
        };
        if size < self.offset {
            b.rewritten = true;
            self.reset();
        }
        if size == self.offset {
            return Ok(b);
        }
        let start = self.offset - self.anchor.len() as u64;
        let got = s.read_from(&self.file, start).await?.unwrap_or_default();
        let (mut data, mut cut) = (got.data, got.cut);
        let mut base = start;
        if !self.anchor.is_empty() {
            if data.starts_with(&self.anchor) {
                data.drain(..self.anchor.len());
                base = self.offset;
            } else {
                b.rewritten = true;
                self.reset();
                let got = s.read_from(&self.file, 0).await?.unwrap_or_default();
                (data, cut) = (got.data, got.cut);
                base = 0;
            }
        }
        if cut {
            // A download stopped at the client's cap: whole lines only, and the rest on
            // the next read, from where these end.
            self.ingest(base, &data, false, key, &mut b);
            return Ok(b);
        }
        // A Loft relay counts offsets logically: a reader whose offset is older than every
        // archive gets the room from its earliest line kept, up to the SIZE it asked. So
        // the data ends at that size even when it starts later than asked.
        let end = (base + data.len() as u64).max(size);
        let base = end - data.len() as u64;
        let take_partial = all || self.partial_at == Some(end);
        self.ingest(base, &data, take_partial, key, &mut b);
        Ok(b)
    }

    fn reset(&mut self) {
        self.offset = 0;
        self.anchor.clear();
        self.partial_at = None;
    }

    /// Consumes the lines of `data` (which starts at byte `base` of the file).
    pub(crate) fn ingest(&mut self, base: u64, data: &[u8], take_partial: bool, key: &RoomKey, b: &mut Batch) {
        let mut pos = 0;
        while pos < data.len() {
            let (line, next) = match data[pos..].iter().position(|c| *c == b'\n') {
                Some(i) => (&data[pos..pos + i], pos + i + 1),
                None if take_partial => (&data[pos..], data.len()),
                None => {
                    self.partial_at = Some(base + data.len() as u64);
                    break;
                }
            };
            self.line(base + pos as u64, line, key, b);
            self.anchor = data[pos..next].to_vec();
            self.offset = base + next as u64;
            pos = next;
        }
        if pos >= data.len() {
            self.partial_at = None;
        }
    }

    fn line(&mut self, at: u64, line: &[u8], key: &RoomKey, b: &mut Batch) {
        let Ok(text) = std::str::from_utf8(line) else {
            b.skipped.push(format!("byte {at}: malformed line (not UTF-8)"));
            return;
        };
        let token = text.trim();
        if token.is_empty() {
            return;
        }
        if !self.seen.lock().unwrap().insert(token_id(token)) {
            return;
        }
        match key.open_line(token) {
            Ok(m) => b.messages.push((m, token.to_string())),
            Err(LineError::OtherKey) => b.other_key += 1,
            Err(e) => b.skipped.push(format!("byte {at}: {e}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ftpchat::message::compose;

    fn key() -> RoomKey {
        RoomKey::from_fernet_key(&fernet::Fernet::generate_key()).unwrap()
    }

    fn line(k: &RoomKey, text: &str) -> String {
        let t = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap().and_hms_opt(0, 0, 0).unwrap();
        format!("{}\n", k.seal(&compose(t, "u", text)))
    }

    #[test]
    fn partial_lines_wait_and_everything_else_is_counted() {
        let k = key();
        let other = key();
        let mut r = RoomReader::new("r.txt", Shown::default());
        let a = line(&k, "a");
        let b_line = line(&k, "b");
        let mut file = format!("{a}garbage\n\n{}{}", line(&other, "x"), &b_line[..20]);
        let mut batch = Batch::default();
        r.ingest(0, file.as_bytes(), false, &k, &mut batch);
        assert_eq!(batch.messages.len(), 1);
        assert_eq!(batch.other_key, 1);
        assert_eq!(batch.skipped.len(), 1);
        assert_eq!(r.offset() as usize, file.len() - 20);
        file.push_str(&b_line[20..]);
        let mut batch = Batch::default();
        let start = r.offset() as usize;
        r.ingest(start as u64, &file.as_bytes()[start..], false, &k, &mut batch);
        assert_eq!(batch.messages[0].0.text, "b");
        assert_eq!(r.offset() as usize, file.len());
        // Replaying the whole file shows nothing twice.
        let mut r2 = RoomReader::new("r.txt", r.seen.clone());
        let mut batch = Batch::default();
        r2.ingest(0, file.as_bytes(), true, &k, &mut batch);
        assert!(batch.messages.is_empty() && batch.other_key == 0 && batch.skipped.is_empty());
    }

    #[test]
    fn an_unterminated_last_line_is_taken_when_asked() {
        let k = key();
        let mut r = RoomReader::new("r.txt", Shown::default());
        let l = line(&k, "last");
        let l = l.trim_end();
        let mut batch = Batch::default();
        r.ingest(0, l.as_bytes(), true, &k, &mut batch);
        assert_eq!(batch.messages.len(), 1);
        assert_eq!(r.offset() as usize, l.len());
    }
}
