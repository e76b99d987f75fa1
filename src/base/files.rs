//! Files on a router's disk: replacing one so that a crash or a power cut leaves the old
//! one or the new one, and measuring what a folder takes.
//!
//! Routers lose power without warning, and Loft rewrites small files that must never be
//! half-written: the config (with password hashes), a room's rotation state, read
//! receipts, the client's outbox. One helper with the strongest guarantee serves them all.
//! Quotas need what a folder takes on disk: one bounded walk serves them all.

use std::fs::{self, File, OpenOptions, Permissions};
use std::io::{self, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// The temporary file [`write_atomic`] writes `path` through: `path` + `.tmp`, in the same
/// folder (a rename is atomic only within one file system).
pub(crate) fn tmp_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".tmp");
    path.with_file_name(name)
}

/// Replaces `path` with `data`: a temporary file created 0600 (it may hold secrets before
/// its final mode is set), written, fsynced, given the mode the old file had (0600 for a
/// new one), renamed over `path`, and the folder fsynced so the rename itself survives.
pub(crate) fn write_atomic(path: &Path, data: &[u8]) -> io::Result<()> {
    let tmp = stage(path, data)?;
    commit(&tmp, path)
}

/// The first half of [`write_atomic`]: `data` written and fsynced beside `path`, with its
/// mode; [`commit`] puts it in place. Two files that must change together (a certificate
/// and its key) are staged both, then committed one right after the other.
pub(crate) fn stage(path: &Path, data: &[u8]) -> io::Result<PathBuf> {
    let tmp = tmp_path(path);
    let mode = fs::metadata(path).map(|m| m.permissions().mode() & 0o7777).unwrap_or(0o600);
    let result = (|| {
        let mut f = OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&tmp)?;
        // A stale temporary file keeps its old mode through `open`: set it before writing.
        f.set_permissions(Permissions::from_mode(0o600))?;
        f.write_all(data)?;
        f.sync_all()?;
        if mode != 0o600 {
            f.set_permissions(Permissions::from_mode(mode))?;
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.map(|()| tmp)
}

/// The second half of [`write_atomic`]: the staged file renamed over `path`, and the
/// folder fsynced so the rename itself survives.
pub(crate) fn commit(tmp: &Path, path: &Path) -> io::Result<()> {
    if let Err(e) = fs::rename(tmp, path) {
        let _ = fs::remove_file(tmp);
        return Err(e);
    }
    sync_dir(path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")))
}

/// An exclusive `flock` of `lock` (made 0600 if missing), held until the file is
/// dropped: for files that two processes change (the relay and a `loft` command).
pub(crate) fn lock_exclusive(lock: &Path) -> io::Result<fs::File> {
    use std::os::fd::AsRawFd;
    let f = OpenOptions::new().create(true).truncate(false).write(true).mode(0o600).open(lock)?;
    loop {
        // SAFETY: flock on a descriptor owned by `f`; released when `f` is closed.
        if unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX) } == 0 {
            return Ok(f);
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

/// Reads into `buf` from `file` at `off` only what the kernel has in its page cache, on the
/// calling thread: `preadv2` with `RWF_NOWAIT` (Linux 4.14). `None` when it would wait for
/// the disk, or cannot say (an older kernel, a file system without the flag, a read
/// error): the caller then reads the ordinary way, off its async thread, which reports a
/// real error. Lines just appended to a room are in the cache, so a poll that fetches them
/// needs no thread hand-off (issue 25).
pub(crate) fn read_cached(file: &File, buf: &mut [u8], off: u64) -> Option<usize> {
    use std::os::fd::AsRawFd;
    /// `RWF_NOWAIT` of linux/fs.h (the libc crate has no constant for it).
    const RWF_NOWAIT: libc::c_int = 8;
    if buf.is_empty() {
        return None;
    }
    let iov = libc::iovec { iov_base: buf.as_mut_ptr().cast(), iov_len: buf.len() };
    // The raw call takes the offset as two words, low then high, whatever the word size.
    let half = usize::BITS / 2;
    let (low, high) = (off as libc::c_ulong, ((off >> half) >> half) as libc::c_ulong);
    // SAFETY: one iovec over `buf`, which outlives the call; the kernel writes at most
    // `buf.len()` bytes into it, and reads nothing else of ours.
    let n = unsafe {
        libc::syscall(libc::SYS_preadv2, file.as_raw_fd(), &iov as *const libc::iovec, 1, low, high, RWF_NOWAIT)
    };
    usize::try_from(n).ok()
}

/// fsyncs a folder, so that a rename or a new file in it survives a power cut.
pub(crate) fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// How deep [`usage`] looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Depth {
    /// The files directly in the folder (a room's shared files).
    Flat,
    /// Every file below it (a user's home, for `quota_bytes`).
    Tree,
}

/// The bytes the files under `dir` take; a folder that cannot be read counts as empty.
/// Bounded: past 100,000 entries the answer is `u64::MAX` (a quota check then refuses,
/// rather than a client making the relay walk for ever).
pub(crate) fn usage(dir: &Path, depth: Depth) -> u64 {
    let mut total = 0u64;
    let mut todo = vec![dir.to_path_buf()];
    let mut seen = 0usize;
    while let Some(d) = todo.pop() {
        let Ok(entries) = fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            seen += 1;
            if seen > 100_000 {
                return u64::MAX;
            }
            match e.metadata() {
                Ok(m) if m.is_dir() => {
                    if depth == Depth::Tree {
                        todo.push(e.path())
                    }
                }
                Ok(m) => total = total.saturating_add(m.len()),
                Err(_) => {}
            }
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_keeps_the_mode_and_leaves_no_temporary_file() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("loft.toml");
        write_atomic(&p, b"one").unwrap();
        assert_eq!(fs::metadata(&p).unwrap().permissions().mode() & 0o777, 0o600);
        fs::set_permissions(&p, Permissions::from_mode(0o640)).unwrap();
        // A stale, world-readable temporary file from a crash is not reused as it was.
        fs::write(tmp_path(&p), "stale").unwrap();
        fs::set_permissions(tmp_path(&p), Permissions::from_mode(0o644)).unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        assert_eq!(fs::metadata(&p).unwrap().permissions().mode() & 0o777, 0o640);
        assert!(!tmp_path(&p).exists());
    }

    #[test]
    fn a_failed_write_leaves_the_old_file() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("missing-folder").join("state");
        assert!(write_atomic(&p, b"x").is_err());
        assert!(!p.exists());
    }
}
