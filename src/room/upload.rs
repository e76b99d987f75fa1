//! An upload, split into lines and checked before anything is written.
//!
//! A bad line refuses the whole upload with its 1-based line number (counting the lines as
//! the client sent them, empty ones included, so the number points at what the person
//! sees); a half-applied upload would be impossible to retry.

use super::{RoomError, RoomSettings, Store};
use crate::ftpchat::token::check_line;

/// A validated upload: its bytes, and where its non-empty lines are.
#[derive(Default)]
pub(super) struct Upload {
    pub(super) data: Vec<u8>,
    pub(super) lines: Vec<Line>,
}

pub(super) struct Line {
    pub(super) hash: u64,
    pub(super) start: usize,
    pub(super) end: usize,
}

impl Upload {
    /// Splits `data` into lines (LF or CRLF; empty lines dropped) and checks each one.
    pub(super) fn parse(data: &[u8], settings: &RoomSettings, shared: &Store) -> Result<Upload, RoomError> {
        if data.len() > settings.max_append_bytes {
            return Err(RoomError::TooLarge { limit: settings.max_append_bytes });
        }
        let mut lines = Vec::new();
        let mut start = 0;
        for (i, piece) in data.split(|&b| b == b'\n').enumerate() {
            let content = piece.strip_suffix(b"\r").unwrap_or(piece);
            if !content.is_empty() {
                if settings.validate {
                    check_line(content)
                        .map_err(|reason| RoomError::Invalid { line: i + 1, reason: reason.to_string() })?;
                }
                lines.push(Line { hash: shared.hash(content), start, end: start + content.len() });
            }
            start += piece.len() + 1;
        }
        Ok(Upload { data: data.to_vec(), lines })
    }

    /// Bytes from the cluster's stream, written as they are: only split into lines for
    /// the recent-line hashes.
    #[cfg_attr(not(feature = "cluster"), allow(dead_code))]
    pub(super) fn verbatim(data: Vec<u8>, shared: &Store) -> Upload {
        let mut lines = Vec::new();
        let mut start = 0;
        for piece in data.split(|&b| b == b'\n') {
            let content = piece.strip_suffix(b"\r").unwrap_or(piece);
            if !content.is_empty() {
                lines.push(Line { hash: shared.hash(content), start, end: start + content.len() });
            }
            start += piece.len() + 1;
        }
        Upload { data, lines }
    }

    pub(super) fn line(&self, l: &Line) -> &[u8] {
        self.data.get(l.start..l.end).unwrap_or_default()
    }
}

/// A stored line as it is compared: without a trailing CR; `None` when empty.
pub(super) fn normalize(line: &[u8]) -> Option<&[u8]> {
    let l = line.strip_suffix(b"\r").unwrap_or(line);
    (!l.is_empty()).then_some(l)
}
