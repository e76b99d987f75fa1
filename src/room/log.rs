//! The open room file: recovery when it is opened, and the hashes of its recent lines.
//!
//! A crash or a power cut can leave a write cut short: the unterminated tail is cut off
//! when the room is opened, and a rotation that a crash interrupted is finished or undone
//! first. The last lines' hashes are seeded from the file so a client's retry after a
//! restart is still recognised as a duplicate.

use super::upload::normalize;
use super::{rotate, Store, MAX_SCAN_LINE, RECENT_LINES, SEED_BYTES};
use crate::config::SyncPolicy;
use std::collections::hash_map::Entry;
use std::collections::{HashMap, VecDeque};
use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::Path;
use std::sync::atomic::Ordering;

/// The open room file and what is known about it.
pub(super) struct Log {
    pub(super) file: File,
    pub(super) dev: u64,
    pub(super) ino: u64,
    /// Length after our last write: anything else means someone else changed the file.
    pub(super) len: u64,
    /// Logical offset of the file's first byte (see [`crate::room::rotate`]).
    pub(super) base: u64,
    pub(super) recent: Recent,
    /// Logical offset of the earliest byte the room still keeps (its oldest archive).
    pub(super) history: u64,
    /// What each member holds of the room, for their share of its budget.
    pub(super) shares: super::shares::Shares,
    /// Cluster mode: the stream sequence of the last message applied to the room, and
    /// the room's logical end after it (see [`crate::room::replica`]).
    #[cfg_attr(not(feature = "cluster"), allow(dead_code))]
    pub(super) applied: Option<(u64, u64)>,
}

/// The hashes of a room's last lines, in order, with a count for lookups.
pub(super) struct Recent {
    pub(super) order: VecDeque<u64>,
    pub(super) counts: HashMap<u64, u32>,
}

impl Recent {
    pub(super) fn new() -> Self {
        Recent { order: VecDeque::with_capacity(RECENT_LINES + 1), counts: HashMap::new() }
    }
    pub(super) fn contains(&self, h: u64) -> bool {
        self.counts.contains_key(&h)
    }
    pub(super) fn insert(&mut self, h: u64) {
        self.order.push_back(h);
        *self.counts.entry(h).or_insert(0) += 1;
        while self.order.len() > RECENT_LINES {
            let Some(old) = self.order.pop_front() else {
                break;
            };
            if let Entry::Occupied(mut e) = self.counts.entry(old) {
                *e.get_mut() -= 1;
                if *e.get() == 0 {
                    e.remove();
                }
            }
        }
    }
}

impl Log {
    /// Opens (or creates) a room file: cuts an unterminated tail, seeds the recent lines.
    pub(super) fn open(path: &Path, shared: &Store, sync: SyncPolicy, create: bool) -> io::Result<Log> {
        // A rotation cut short by a crash is finished or undone before the file is used.
        let base = rotate::recover(path)?;
        let mut opts = OpenOptions::new();
        opts.read(true).append(true);
        let (file, created) = match opts.open(path) {
            Ok(f) => (f, false),
            Err(e) if create && e.kind() == io::ErrorKind::NotFound => {
                match OpenOptions::new().read(true).append(true).create_new(true).open(path) {
                    Ok(f) => (f, true),
                    Err(e) if e.kind() == io::ErrorKind::AlreadyExists => (opts.open(path)?, false),
                    Err(e) => return Err(e),
                }
            }
            Err(e) => return Err(e),
        };
        let meta = file.metadata()?;
        if !meta.is_file() {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "a room must be a regular file"));
        }
        if created && sync != SyncPolicy::Never {
            // A new room is durable only once its folder entry is.
            if let Some(dir) = path.parent() {
                shared.fsyncs.fetch_add(1, Ordering::Relaxed);
                File::open(dir)?.sync_all()?;
            }
        }
        let cut = cut_tail(&file, meta.len())?;
        if cut > 0 {
            warn_cut(path, cut);
        }
        let len = meta.len() - cut;

        let mut recent = Recent::new();
        let start = len.saturating_sub(SEED_BYTES);
        // Read from one byte earlier and drop the first piece: it is a line cut by the
        // window (or, when that byte is a newline, an empty piece).
        let mut skip_first = start > 0;
        let mut hashes = VecDeque::with_capacity(RECENT_LINES + 1);
        scan_lines(&file, start.saturating_sub(1), len, |l| {
            if std::mem::take(&mut skip_first) {
                return;
            }
            if let Some(l) = normalize(l) {
                hashes.push_back(shared.hash(l));
                if hashes.len() > RECENT_LINES {
                    hashes.pop_front();
                }
            }
        })?;
        for h in hashes {
            recent.insert(h);
        }
        let history = rotate::history_start(path, base);
        let shares = super::shares::Shares::load(path);
        // Only a cluster relay's rooms have the record (a router's build never reads it).
        let applied = if cfg!(feature = "cluster") { super::replica::load_applied(path) } else { None };
        Ok(Log { file, dev: meta.dev(), ino: meta.ino(), len, base, history, recent, shares, applied })
    }
}

pub(super) fn warn_cut(path: &Path, cut: u64) {
    tracing::warn!(
        path = %path.display(),
        bytes_cut = cut,
        "room ended in an unterminated line (a write cut short by a crash?): cut it off"
    );
}

/// Calls `f` with every line of `file` between `from` and `to` (without the newline),
/// reading in chunks; a final piece without a newline is passed too. Lines longer than
/// [`MAX_SCAN_LINE`] are skipped (no token is that long).
pub(super) fn scan_lines(file: &File, from: u64, to: u64, mut f: impl FnMut(&[u8])) -> io::Result<()> {
    let mut chunk = vec![0u8; 64 * 1024];
    let mut carry: Vec<u8> = Vec::new();
    let mut overlong = false;
    let mut pos = from;
    while pos < to {
        let n = usize::try_from(to - pos).unwrap_or(usize::MAX).min(chunk.len());
        let buf = &mut chunk[..n];
        file.read_exact_at(buf, pos)?;
        pos += n as u64;
        let mut rest: &[u8] = buf;
        while let Some(i) = rest.iter().position(|&b| b == b'\n') {
            let (line, tail) = rest.split_at(i);
            if overlong || carry.len() + line.len() > MAX_SCAN_LINE {
                overlong = false;
            } else if carry.is_empty() {
                f(line);
            } else {
                carry.extend_from_slice(line);
                f(&carry);
            }
            carry.clear();
            rest = tail.get(1..).unwrap_or_default();
        }
        if !overlong {
            carry.extend_from_slice(rest);
            if carry.len() > MAX_SCAN_LINE {
                overlong = true;
                carry.clear();
            }
        }
    }
    if !carry.is_empty() && !overlong {
        f(&carry);
    }
    Ok(())
}

/// Cuts whatever follows the last newline of `file` (which is `len` bytes long); returns
/// the number of bytes cut.
pub(super) fn cut_tail(file: &File, len: u64) -> io::Result<u64> {
    if len == 0 {
        return Ok(0);
    }
    let mut last = [0u8; 1];
    file.read_exact_at(&mut last, len - 1)?;
    if last[0] == b'\n' {
        return Ok(0);
    }
    let mut chunk = vec![0u8; 8 * 1024];
    let mut end = len;
    let keep = loop {
        if end == 0 {
            break 0;
        }
        let start = end.saturating_sub(chunk.len() as u64);
        let buf = &mut chunk[..(end - start) as usize];
        file.read_exact_at(buf, start)?;
        if let Some(i) = buf.iter().rposition(|&b| b == b'\n') {
            break start + i as u64 + 1;
        }
        end = start;
    };
    file.set_len(keep)?;
    Ok(len - keep)
}
