//! Read receipts: how far each user has read each room.
//!
//! The server cannot read messages, but it knows who has downloaded a room up to which
//! logical offset, and that gives a chat "seen" receipts without touching the end-to-end
//! encryption. `SITE SEEN` and the web API read them from memory at once; the file in
//! the room's state folder (`.ROOM.txt.loft/seen`) is written at most once every
//! [`SAVE_DELAY`] per room, and on a clean stop, so they survive restarts.
//!
//! Why not at once: every FTPChat poll that finds new lines moves its reader's receipt,
//! and a file written (and fsynced, twice) per poll cost a sixth of a poll session's CPU
//! and wore a router's USB stick with a write per person per message. A receipt is a
//! courtesy, not a message: a crash loses at most the last [`SAVE_DELAY`] of them, and the
//! reader's next poll records them again.
//!
//! Bounded: receipts are kept only for rooms that exist (asking about a name, or marking
//! one read, creates nothing, on disk or in memory), and at most [`MAX_ROOMS`] rooms'
//! receipts are held in memory at once; the rest are read from their files again when
//! asked for.

use crate::base::files::write_atomic;
use crate::base::sync::Unpoison;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Per room, per user: (highest offset read, unix seconds when).
type SeenRoom = BTreeMap<String, (u64, u64)>;

/// Rooms whose receipts stay in memory at once (each is a few users' names and offsets).
pub(crate) const MAX_ROOMS: usize = 1024;

/// How long a moved receipt waits in memory before its room's file is written: the
/// receipts that move meanwhile, in that room or others, go in the same write.
pub(crate) const SAVE_DELAY: Duration = Duration::from_secs(2);

/// Read receipts of every room, loaded lazily from each room's state folder.
#[derive(Debug, Default)]
pub(crate) struct SeenBook {
    rooms: Mutex<HashMap<PathBuf, SeenRoom>>,
    /// Rooms whose receipts moved since their file was last written; a save is due
    /// (scheduled by the caller of [`SeenBook::note`] that made the set non-empty).
    dirty: Mutex<HashSet<PathBuf>>,
    /// Held by a save from its snapshot to its last write, so files are written in the
    /// order their snapshots were taken (a later save never loses to an earlier one).
    saving: Mutex<()>,
}

impl SeenBook {
    fn load(room: &Path) -> SeenRoom {
        let mut out = SeenRoom::new();
        let Ok(text) = std::fs::read_to_string(super::rotate::state_dir(room).join("seen")) else { return out };
        for line in text.lines() {
            let mut it = line.rsplitn(3, ' ');
            let (Some(t), Some(o), Some(name)) = (it.next(), it.next(), it.next()) else { continue };
            if let (Ok(o), Ok(t)) = (o.parse(), t.parse()) {
                out.insert(name.to_string(), (o, t));
            }
        }
        out
    }

    /// Records that `user` has read `room` up to `offset` (kept if higher than before), in
    /// memory, where `SITE SEEN` sees it at once. Returns true when this made a save due
    /// (no other was): the caller then runs [`SeenBook::save_due`] after [`SAVE_DELAY`],
    /// off the async threads. The first use of a room reads its small receipts file.
    pub(crate) fn note(&self, room: &Path, user: &str, offset: u64) -> bool {
        self.note_at(room, user, offset, now())
    }

    /// [`SeenBook::note`] of a receipt given at unix second `at` (cluster mode: one given
    /// on another relay keeps its time).
    pub(crate) fn note_at(&self, room: &Path, user: &str, offset: u64, at: u64) -> bool {
        // Only a room that exists has readers; a name alone must not hold memory. A room
        // kept here was a file when first noted (most notes are a poll's read of it): only
        // a new one is looked at on the disk, and the save looks again.
        if !self.rooms.lock().unpoisoned().contains_key(room) && !room.is_file() {
            return false;
        }
        let mut all = self.rooms.lock().unpoisoned();
        if all.len() >= MAX_ROOMS && !all.contains_key(room) {
            // What is dropped must be on disk: write the rooms with unsaved receipts first
            // (rare: a relay serving over a thousand rooms at once).
            let dirty: Vec<PathBuf> = self.dirty.lock().unpoisoned().drain().collect();
            for r in dirty {
                if let Some(entry) = all.get(&r) {
                    Self::write(&r, entry);
                }
            }
            all.clear();
        }
        let entry = all.entry(room.to_path_buf()).or_insert_with(|| Self::load(room));
        if entry.get(user).is_some_and(|(o, _)| *o >= offset) {
            return false;
        }
        entry.insert(user.to_string(), (offset, at));
        let mut dirty = self.dirty.lock().unpoisoned();
        let first = dirty.is_empty();
        dirty.insert(room.to_path_buf());
        first
    }

    /// Writes the receipts of every room whose receipts moved since they were last
    /// written (tmp + rename each). Blocking: call from the blocking pool, after
    /// [`SAVE_DELAY`] when [`SeenBook::note`] said a save is due, and at a clean stop.
    pub(crate) fn save_due(&self) {
        let _order = self.saving.lock().unpoisoned();
        // Snapshots under the lock, files written without it: `note` never waits for a disk.
        let texts: Vec<(PathBuf, String)> = {
            let all = self.rooms.lock().unpoisoned();
            let dirty: Vec<PathBuf> = self.dirty.lock().unpoisoned().drain().collect();
            dirty.into_iter().filter_map(|r| Some((Self::text(all.get(&r)?), r))).map(|(t, r)| (r, t)).collect()
        };
        for (room, text) in texts {
            Self::write_text(&room, &text);
        }
    }

    fn text(entry: &SeenRoom) -> String {
        entry.iter().map(|(u, (o, t))| format!("{u} {o} {t}\n")).collect()
    }

    fn write(room: &Path, entry: &SeenRoom) {
        Self::write_text(room, &Self::text(entry));
    }

    fn write_text(room: &Path, text: &str) {
        // A room deleted since its receipts were noted gets no state folder again.
        if !room.is_file() {
            return;
        }
        let dir = super::rotate::state_dir(room);
        let written = std::fs::create_dir_all(&dir).and_then(|_| write_atomic(&dir.join("seen"), text.as_bytes()));
        if let Err(e) = written {
            tracing::warn!(room = %crate::base::text::logged(room), "cannot save read receipts: {e}");
        }
    }

    /// Who has read `room` how far: (user, offset, unix seconds), by user name.
    pub(crate) fn list(&self, room: &Path) -> Vec<(String, u64, u64)> {
        let rows = |entry: &SeenRoom| entry.iter().map(|(u, (o, t))| (u.clone(), *o, *t)).collect();
        if let Some(entry) = self.rooms.lock().unpoisoned().get(room) {
            return rows(entry);
        }
        // Not kept: asking about a name (a room or not) holds no memory.
        rows(&Self::load(room))
    }
}

/// Unix seconds now.
pub(crate) fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(book: &SeenBook, room: &Path, user: &str, offset: u64) {
        book.note(room, user, offset);
        book.save_due();
    }

    #[test]
    fn receipts_only_grow_and_persist() {
        let dir = tempfile::tempdir().unwrap();
        let room = dir.path().join("r.txt");
        std::fs::write(&room, "").unwrap();
        let book = SeenBook::default();
        record(&book, &room, "alice", 10);
        record(&book, &room, "alice", 5);
        record(&book, &room, "bob smith", 7);
        let fresh = SeenBook::default();
        let rows = fresh.list(&room);
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].0.as_str(), rows[0].1), ("alice", 10));
        assert_eq!((rows[1].0.as_str(), rows[1].1), ("bob smith", 7));
    }

    /// Receipts moved between two saves go in one write per room; a save is asked for
    /// once until it ran, and each save writes the latest state.
    #[test]
    fn moved_receipts_wait_for_one_save() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.txt"), dir.path().join("b.txt"));
        std::fs::write(&a, "").unwrap();
        std::fs::write(&b, "").unwrap();
        let book = SeenBook::default();
        assert!(book.note(&a, "alice", 10), "the first move makes a save due");
        assert!(!book.note(&a, "alice", 20) && !book.note(&b, "bob", 5), "then it is already due");
        assert!(!book.note(&a, "alice", 15), "a receipt never moves back");
        assert_eq!(book.list(&a)[0].1, 20, "visible before it is written");
        assert!(SeenBook::default().list(&a).is_empty(), "not written yet");
        book.save_due();
        let fresh = SeenBook::default();
        assert_eq!((fresh.list(&a)[0].1, fresh.list(&b)[0].1), (20, 5));
        assert!(book.note(&a, "alice", 30), "after a save, the next move makes one due again");
        book.save_due();
        book.save_due();
        assert_eq!(SeenBook::default().list(&a)[0].1, 30);
    }

    /// Issue 19.8: names that are not rooms cost nothing, and memory stays bounded.
    #[test]
    fn receipts_are_bounded_and_only_for_rooms_that_exist() {
        let dir = tempfile::tempdir().unwrap();
        let book = SeenBook::default();
        for i in 0..20_000 {
            let name = dir.path().join(format!("nothing-{i}.txt"));
            assert!(book.list(&name).is_empty());
            assert!(!book.note(&name, "mallory", 5), "no receipt for a room that does not exist");
        }
        assert_eq!(book.rooms.lock().unpoisoned().len(), 0);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "no state folder made");
        for i in 0..MAX_ROOMS + 10 {
            let room = dir.path().join(format!("r{i}.txt"));
            std::fs::write(&room, "").unwrap();
            record(&book, &room, "alice", 3);
        }
        assert!(book.rooms.lock().unpoisoned().len() <= MAX_ROOMS);
        // What left memory is still on disk.
        let rows = book.list(&dir.path().join("r0.txt"));
        assert_eq!((rows.len(), rows[0].0.as_str(), rows[0].1), (1, "alice", 3));
        // A room deleted (with its state folder) after a receipt was noted gets no state
        // folder back from a later receipt.
        let gone = dir.path().join(format!("r{}.txt", MAX_ROOMS + 9));
        assert!(book.rooms.lock().unpoisoned().contains_key(&gone));
        std::fs::remove_file(&gone).unwrap();
        std::fs::remove_dir_all(crate::room::rotate::state_dir(&gone)).unwrap();
        record(&book, &gone, "alice", 9);
        assert!(!crate::room::rotate::state_dir(&gone).exists());
    }
}
