//! The outbox: every message is on disk before it is sent.
//!
//! FTPChat promises "offline operations", and a chat over a router's flaky uplink needs
//! them: what someone typed must survive the relay being down, the laptop sleeping, or
//! the client being killed. So a message (already encrypted: no plaintext on disk) is
//! written here first, and removed only once the relay has confirmed the append.
//!
//! Exactly once is the hard part: if the connection drops after the relay appended but
//! before its `226` arrived, a naive retry would post the message twice. Fernet tokens are
//! unique (random IV), so before each attempt the entry records the room's size, and a
//! retry of an entry that was attempted first reads the room from that offset and looks
//! for its own token. Entries are sent in the order they were written, and a lock file
//! keeps two `loft` processes from flushing the same outbox at once.

use super::session::Session;
use super::target::Target;
use super::{Error, Exit, Result};
use crate::base::files::write_atomic;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// One message waiting to be sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Entry {
    /// The room file, `lobby.txt`.
    pub(crate) room: String,
    /// The Fernet token (no newline).
    pub(crate) token: String,
    /// Unix seconds when it was queued.
    pub(crate) queued: u64,
    /// The room's size before the last attempt to append: where to look for the token if
    /// that attempt's outcome is unknown.
    #[serde(default)]
    pub(crate) attempted_at: Option<u64>,
}

/// The outbox of one relay account (`state_dir/outbox/USER@HOST:PORT[/FOLDER]`).
#[derive(Debug, Clone)]
pub(crate) struct Outbox {
    dir: PathBuf,
}

/// The held flush lock (released on drop).
pub(crate) struct Lock {
    _file: std::fs::File,
}

/// What a flush did.
#[derive(Debug, Default)]
pub(crate) struct Flushed {
    /// Delivered entries, in order.
    pub(crate) delivered: Vec<Entry>,
    /// Entries the relay refused for good (moved to `rejected/`), with the reason.
    pub(crate) rejected: Vec<(Entry, String)>,
    /// Entries still waiting.
    pub(crate) remaining: usize,
    /// Another `loft` held the lock: it is delivering them.
    pub(crate) busy: bool,
}

static SEQ: AtomicU32 = AtomicU32::new(0);

fn now_unix() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

impl Outbox {
    pub(crate) fn at(dir: PathBuf) -> Outbox {
        Outbox { dir }
    }

    /// The outbox for a relay account.
    pub(crate) fn for_target(t: &Target) -> Outbox {
        let mut id = format!("{}@{}", t.url.user, t.url.host_port());
        if !t.url.folder.is_empty() {
            id.push('/');
            id.push_str(&t.url.folder);
        }
        let safe: String =
            id.chars().map(|c| if c.is_alphanumeric() || "@.:-_[]".contains(c) { c } else { '_' }).collect();
        Outbox::at(super::target::state_dir().join("outbox").join(safe))
    }

    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes a new entry (durably) and returns its path.
    pub(crate) fn add(&self, room: &str, token: &str) -> std::io::Result<PathBuf> {
        std::fs::create_dir_all(&self.dir)?;
        let nanos =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        let name = format!("{nanos:024}-{:010}-{:06}.json", std::process::id(), SEQ.fetch_add(1, Ordering::Relaxed));
        let path = self.dir.join(name);
        let e = Entry { room: room.to_string(), token: token.to_string(), queued: now_unix(), attempted_at: None };
        save(&path, &e)?;
        Ok(path)
    }

    /// The waiting entries, oldest first. Unreadable files are set aside, not fatal.
    pub(crate) fn pending(&self) -> Vec<(PathBuf, Entry)> {
        let Ok(rd) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut names: Vec<PathBuf> =
            rd.flatten().map(|d| d.path()).filter(|p| p.extension().is_some_and(|x| x == "json")).collect();
        names.sort();
        let mut out = Vec::new();
        for p in names {
            match std::fs::read(&p).ok().and_then(|b| serde_json::from_slice::<Entry>(&b).ok()) {
                Some(e) => out.push((p, e)),
                None => {
                    let _ = self.set_aside(&p, "unreadable");
                }
            }
        }
        out
    }

    pub(crate) fn len(&self) -> usize {
        self.pending().len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Takes the flush lock, waiting up to `wait` for another process to finish.
    pub(crate) fn lock(&self, wait: Duration) -> std::io::Result<Option<Lock>> {
        std::fs::create_dir_all(&self.dir)?;
        let f = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(self.dir.join(".lock"))?;
        let start = Instant::now();
        loop {
            // SAFETY: flock on a descriptor owned by `f`, which outlives the lock.
            if unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0 {
                return Ok(Some(Lock { _file: f }));
            }
            if start.elapsed() >= wait {
                return Ok(None);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn set_aside(&self, p: &Path, why: &str) -> std::io::Result<()> {
        let d = self.dir.join("rejected");
        std::fs::create_dir_all(&d)?;
        let name = p.file_name().unwrap_or_default();
        std::fs::rename(p, d.join(name))?;
        let mut note = std::fs::OpenOptions::new().create(true).append(true).open(d.join("REASONS"))?;
        writeln!(note, "{}: {why}", name.to_string_lossy())
    }

    /// Sends the waiting entries in order, exactly once each. Stops at the first network
    /// failure (returned alongside what was delivered before it).
    pub(crate) async fn flush(&self, s: &mut Session) -> (Flushed, Option<Error>) {
        let mut out = Flushed::default();
        if self.pending().is_empty() {
            return (out, None);
        }
        let start = Instant::now();
        let lock = loop {
            match self.lock(Duration::ZERO) {
                Ok(None) if start.elapsed() < Duration::from_secs(10) => {
                    tokio::time::sleep(Duration::from_millis(50)).await
                }
                other => break other,
            }
        };
        let lock = match lock {
            Ok(Some(l)) => l,
            Ok(None) => {
                out.busy = true;
                out.remaining = self.len();
                return (out, None);
            }
            Err(e) => return (out, Some(Error::new(Exit::Failure, format!("outbox {}: {e}", self.dir.display())))),
        };
        let pending = self.pending();
        let total = pending.len();
        for (i, (path, mut e)) in pending.into_iter().enumerate() {
            match deliver(s, &path, &mut e).await {
                Ok(()) => {
                    let _ = std::fs::remove_file(&path);
                    out.delivered.push(e);
                }
                Err(err) if err.exit == Exit::Refused => {
                    let _ = self.set_aside(&path, &err.message);
                    out.rejected.push((e, err.message));
                }
                Err(err) => {
                    out.remaining = total - i;
                    drop(lock);
                    return (out, Some(err));
                }
            }
        }
        drop(lock);
        (out, None)
    }
}

/// One entry: unless an earlier attempt is found in the room, record the offset, append.
async fn deliver(s: &mut Session, path: &Path, e: &mut Entry) -> Result<()> {
    if let Some(at) = e.attempted_at {
        if already_there(s, e, at).await? {
            return Ok(());
        }
    }
    let size = s.size(&e.room).await?.unwrap_or(0);
    e.attempted_at = Some(size);
    save(path, e)
        .map_err(|io| Error::new(Exit::Failure, format!("cannot update the outbox entry {}: {io}", path.display())))?;
    let mut line = e.token.clone().into_bytes();
    line.push(b'\n');
    s.append(&e.room, &line).await
}

/// Whether the token of `e` is in the room at or after `at` (or anywhere, if the room got
/// shorter since).
async fn already_there(s: &mut Session, e: &Entry, at: u64) -> Result<bool> {
    let size = s.size(&e.room).await?;
    let Some(size) = size else { return Ok(false) };
    let from = if size < at { 0 } else { at };
    let data = s.read_from(&e.room, from).await?.unwrap_or_default().data;
    Ok(data.split(|b| *b == b'\n').any(|l| l.trim_ascii() == e.token.as_bytes()))
}

fn save(path: &Path, e: &Entry) -> std::io::Result<()> {
    write_atomic(path, &serde_json::to_vec(e).expect("an entry serializes"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(name: &str) -> Outbox {
        let d = std::env::temp_dir().join(format!("loft-outbox-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        Outbox::at(d)
    }

    #[test]
    fn entries_come_back_in_order_and_junk_is_set_aside() {
        let o = tmp("order");
        for i in 0..30 {
            o.add("r.txt", &format!("tok{i}")).unwrap();
        }
        std::fs::write(o.dir().join("0000-broken.json"), b"{not json").unwrap();
        let p = o.pending();
        assert_eq!(p.len(), 30);
        assert!(p.iter().enumerate().all(|(i, (_, e))| e.token == format!("tok{i}")));
        assert!(o.dir().join("rejected/0000-broken.json").exists());
        std::fs::remove_dir_all(o.dir()).unwrap();
    }

    #[test]
    fn the_lock_is_exclusive_across_descriptors() {
        let o = tmp("lock");
        let held = o.lock(Duration::ZERO).unwrap();
        assert!(held.is_some());
        assert!(o.lock(Duration::from_millis(120)).unwrap().is_none());
        drop(held);
        assert!(o.lock(Duration::ZERO).unwrap().is_some());
        std::fs::remove_dir_all(o.dir()).unwrap();
    }

    #[test]
    fn saving_keeps_the_attempt_offset() {
        let o = tmp("save");
        let p = o.add("r.txt", "t").unwrap();
        let mut e = o.pending()[0].1.clone();
        e.attempted_at = Some(42);
        save(&p, &e).unwrap();
        assert_eq!(o.pending()[0].1.attempted_at, Some(42));
        std::fs::remove_dir_all(o.dir()).unwrap();
    }
}
