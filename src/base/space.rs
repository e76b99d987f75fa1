//! Disk space for uploads: what the file system has free, and a ledger of the bytes that
//! uploads running at the same time hold against their limits.
//!
//! A quota checked against what a folder held when each upload started lets parallel
//! uploads pass it together: 8 shared files at once stored 768,563 bytes against a
//! 300,000-byte quota, 4 STORs 241,020 against 100,000 (issue 19.7). So every upload
//! *takes* its bytes from a [`Ledger`] as it receives them, and the ledger answers for
//! all the uploads in a folder (a user's home, a room's files folder) under one lock:
//! what the folder held when the first of them started, plus what each has taken since.
//!
//! And the disk is shared by rooms and files: files filling it at link speed stopped
//! every room. Below a reserve of free space ([`Reserve`]) only room appends are written
//! (they are small, rate-limited, and what the relay is for); uploads of files are
//! refused.

use crate::base::sync::Unpoison;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// The size of the file system holding `path`, and what an unprivileged writer may still
/// use of it (`statvfs`: `f_blocks`, `f_bavail`); `None` if it cannot be asked.
pub fn disk(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).ok()?;
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `c` is a NUL-terminated path and `st` a struct statvfs to fill.
    if unsafe { libc::statvfs(c.as_ptr(), &mut st) } != 0 {
        return None;
    }
    #[allow(clippy::unnecessary_cast, clippy::useless_conversion)] // the field types vary by target
    let (frsize, blocks, avail) = (st.f_frsize as u64, u64::from(st.f_blocks), u64::from(st.f_bavail));
    Some((blocks.saturating_mul(frsize), avail.saturating_mul(frsize)))
}

/// Free space kept for room appends: below `bytes` free on the file system holding
/// `folder` (where the upload goes), uploads of files are refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reserve {
    pub folder: PathBuf,
    pub bytes: u64,
}

impl Reserve {
    /// What a refused upload is told: the same words over FTP and the web.
    pub fn refusal(bytes: u64) -> String {
        format!(
            "the relay's disk is nearly full: its last {} are kept for chat messages (limits.disk_reserve); nothing was kept",
            crate::base::text::human_size(bytes)
        )
    }
}

/// A folder's limit, for one upload into it.
#[derive(Debug, Clone)]
pub struct Limit {
    /// The folder the limit is for (the ledger's key).
    pub folder: PathBuf,
    /// Its limit in bytes (0: none, then it is not tracked).
    pub max: u64,
    /// The config key that sets it, for the refusal.
    pub key: &'static str,
    /// What the folder held when measured, and when that measure started; `None` when it
    /// was not measured because uploads into it were running (see [`Ledger::running`]).
    pub measured: Option<u64>,
    pub measured_at: Instant,
}

/// Why an upload may not take more bytes; nothing it wrote is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Short {
    /// Over the limit set by `key`, of `max` bytes.
    Limit { key: &'static str, max: u64 },
    /// The disk has less free than the reserve.
    Disk { reserve: u64 },
}

/// The uploads in progress, per folder.
#[derive(Debug, Default)]
pub struct Ledger {
    folders: Mutex<HashMap<PathBuf, Folder>>,
}

#[derive(Debug, Default)]
struct Folder {
    /// What the folder held when its first running upload started, plus what uploads
    /// kept since.
    used: u64,
    /// What the running uploads have taken so far.
    held: u64,
    uploads: usize,
    last_kept: Option<Instant>,
    /// When an upload into it last began or ended (idle folders are forgotten).
    last_active: Option<Instant>,
}

/// How long a folder with no upload running is remembered.
const FORGET_AFTER: std::time::Duration = std::time::Duration::from_secs(600);

/// One upload's claim on its folders' limits and on the disk; what it took is given back
/// when it is dropped, unless it was [kept](Hold::keep).
#[derive(Debug)]
pub struct Hold {
    ledger: Arc<Ledger>,
    limits: Vec<(PathBuf, u64, &'static str)>,
    reserve: Option<Reserve>,
    /// Bytes this upload replaces (the part of a file it overwrites): free for it.
    credit: u64,
    taken: u64,
    kept: bool,
}

impl Ledger {
    /// Starts an upload under `limits` (those with a `max` of 0 are not tracked) and
    /// `reserve`. `credit` is what it replaces of an existing file.
    pub fn begin(self: &Arc<Self>, limits: Vec<Limit>, reserve: Option<Reserve>, credit: u64) -> Hold {
        let mut folders = self.folders.lock().unpoisoned();
        folders.retain(|_, f| f.uploads > 0 || f.last_active.is_some_and(|t| t.elapsed() < FORGET_AFTER));
        let mut tracked = Vec::new();
        for l in limits.into_iter().filter(|l| l.max > 0) {
            let f = folders.entry(l.folder.clone()).or_default();
            if f.uploads == 0 {
                // Nothing running: the measure is the truth, unless an upload was kept
                // since it started (then it may have missed that one's bytes). No measure
                // (uploads were running a moment ago): what the ledger counted.
                if let Some(m) = l.measured {
                    f.used = if f.last_kept.is_some_and(|t| t >= l.measured_at) { f.used.max(m) } else { m };
                }
                f.held = 0;
            }
            f.uploads += 1;
            f.last_active = Some(Instant::now());
            tracked.push((l.folder, l.max, l.key));
        }
        Hold { ledger: self.clone(), limits: tracked, reserve, credit, taken: 0, kept: false }
    }
}

impl Ledger {
    /// Whether uploads into `folder` are running (then [`Ledger::begin`] ignores a new
    /// measure of it, and the caller need not take one).
    pub fn running(&self, folder: &Path) -> bool {
        self.folders.lock().unpoisoned().get(folder).is_some_and(|f| f.uploads > 0)
    }
}

impl Hold {
    /// Takes `n` more bytes for this upload, or says which limit it would pass.
    pub fn take(&mut self, n: u64) -> Result<(), Short> {
        if let Some(r) = &self.reserve {
            if r.bytes > 0 {
                if let Some((_, free)) = disk(&r.folder) {
                    if free < r.bytes.saturating_add(n) {
                        return Err(Short::Disk { reserve: r.bytes });
                    }
                }
            }
        }
        let mut folders = self.ledger.folders.lock().unpoisoned();
        let after = (self.taken + n).saturating_sub(self.credit) - self.taken.saturating_sub(self.credit);
        for (folder, max, key) in &self.limits {
            let f = folders.get(folder).map_or((0, 0), |f| (f.used, f.held));
            if f.0.saturating_add(f.1).saturating_add(after) > *max {
                return Err(Short::Limit { key, max: *max });
            }
        }
        for (folder, ..) in &self.limits {
            if let Some(f) = folders.get_mut(folder) {
                f.held += after;
            }
        }
        self.taken += n;
        Ok(())
    }

    /// The upload is kept: what it took stays counted as used.
    pub fn keep(mut self) {
        self.kept = true;
    }
}

impl Drop for Hold {
    fn drop(&mut self) {
        let mut folders = self.ledger.folders.lock().unpoisoned();
        let net = self.taken.saturating_sub(self.credit);
        for (folder, ..) in &self.limits {
            if let Some(f) = folders.get_mut(folder) {
                f.held = f.held.saturating_sub(net);
                f.uploads = f.uploads.saturating_sub(1);
                if self.kept {
                    f.used = f.used.saturating_add(net);
                    f.last_kept = Some(Instant::now());
                }
                f.last_active = Some(Instant::now());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limit(folder: &str, max: u64, measured: u64) -> Limit {
        Limit { folder: folder.into(), max, key: "quota_bytes", measured: Some(measured), measured_at: Instant::now() }
    }

    /// Issue 19.7: parallel uploads into one folder share its limit as they go.
    #[test]
    fn parallel_uploads_share_the_limit() {
        let ledger = Arc::new(Ledger::default());
        let mut a = ledger.begin(vec![limit("/h", 100, 10)], None, 0);
        let mut b = ledger.begin(vec![limit("/h", 100, 10)], None, 0);
        a.take(50).unwrap();
        assert_eq!(b.take(41).unwrap_err(), Short::Limit { key: "quota_bytes", max: 100 });
        b.take(40).unwrap();
        // A refused take takes nothing; a dropped upload gives back what it took.
        drop(b);
        let mut c = ledger.begin(vec![limit("/h", 100, 10)], None, 0);
        c.take(40).unwrap();
        // A kept upload stays counted for the uploads still running, whatever they measured.
        a.keep();
        let mut d = ledger.begin(vec![limit("/h", 100, 10)], None, 0);
        assert!(d.take(1).is_err(), "10 + 50 kept + 40 held");
        // Not measured (an upload was running when this one looked): what the ledger
        // counted holds, even if that upload is over by now.
        assert!(ledger.running(Path::new("/h")));
        let unmeasured = Limit { measured: None, ..limit("/h", 100, 0) };
        drop((c, d));
        let mut late = ledger.begin(vec![unmeasured], None, 0);
        assert!(late.take(41).is_err(), "10 + 50 kept");
        drop(late);
        // Nothing running: a new measure is the truth (files deleted meanwhile).
        let mut e = ledger.begin(vec![limit("/h", 100, 0)], None, 0);
        e.take(100).unwrap();
    }

    #[test]
    fn replaced_bytes_are_free_and_untracked_limits_cost_nothing() {
        let ledger = Arc::new(Ledger::default());
        let mut a = ledger.begin(vec![limit("/h", 100, 90), limit("/other", 0, 0)], None, 30);
        a.take(30).unwrap();
        a.take(10).unwrap();
        assert!(a.take(1).is_err());
        a.keep();
        let folders = ledger.folders.lock().unwrap();
        assert_eq!(folders[Path::new("/h")].used, 100);
        assert!(!folders.contains_key(Path::new("/other")));
    }

    #[test]
    fn the_reserve_refuses_what_would_eat_into_it() {
        let dir = tempfile::tempdir().unwrap();
        let (_, free) = disk(dir.path()).expect("statvfs");
        let ledger = Arc::new(Ledger::default());
        let mut fits = ledger.begin(vec![], Some(Reserve { folder: dir.path().into(), bytes: 1 }), 0);
        fits.take(1).unwrap();
        // (1 GiB over what is free: other tests may free some meanwhile.)
        let reserve = free + (1 << 30);
        let mut over = ledger.begin(vec![], Some(Reserve { folder: dir.path().into(), bytes: reserve }), 0);
        assert_eq!(over.take(1).unwrap_err(), Short::Disk { reserve });
    }
}
