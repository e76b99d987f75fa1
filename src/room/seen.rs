//! Read receipts: how far each user has read each room.
//!
//! The server cannot read messages, but it knows who has downloaded a room up to which
//! logical offset, and that gives a chat "seen" receipts without touching the end-to-end
//! encryption. Kept in the room's state folder (`.ROOM.txt.loft/seen`), rewritten only
//! when an offset grows, so at most once per message read, not once per poll; it survives
//! restarts. `SITE SEEN` and the web API read it.
//!
//! Bounded: receipts are kept only for rooms that exist (asking about a name, or marking
//! one read, creates nothing, on disk or in memory), and at most [`MAX_ROOMS`] rooms'
//! receipts are held in memory at once; the rest are read from their files again when
//! asked for.

use crate::base::files::write_atomic;
use crate::base::sync::Unpoison;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

/// Per room, per user: (highest offset read, unix seconds when).
type SeenRoom = BTreeMap<String, (u64, u64)>;

/// Rooms whose receipts stay in memory at once (each is a few users' names and offsets).
pub(crate) const MAX_ROOMS: usize = 1024;

/// Read receipts of every room, loaded lazily from each room's state folder.
#[derive(Debug, Default)]
pub(crate) struct SeenBook {
    rooms: Mutex<HashMap<PathBuf, SeenRoom>>,
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
    /// memory; returns whether it changed, then [`SeenBook::save`] writes it. Split so the
    /// receipt is visible to `SITE SEEN` at once, while the file is written off the async
    /// threads. The first use of a room reads its small receipts file.
    pub(crate) fn note(&self, room: &Path, user: &str, offset: u64) -> bool {
        // Only a room that exists has readers; a name alone must not make a state folder.
        if !room.is_file() {
            return false;
        }
        let mut all = self.rooms.lock().unpoisoned();
        if all.len() >= MAX_ROOMS && !all.contains_key(room) {
            // Every receipt in memory is on disk too, or about to be written by the save
            // its `note` asked for; a room dropped here is read from its file again.
            all.clear();
        }
        let entry = all.entry(room.to_path_buf()).or_insert_with(|| Self::load(room));
        if entry.get(user).is_some_and(|(o, _)| *o >= offset) {
            return false;
        }
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        entry.insert(user.to_string(), (offset, now));
        true
    }

    /// Writes the receipts of `room` as they are now (tmp + rename). Blocking: call from
    /// the blocking pool. Each save writes the latest state, so saves may run in any order.
    pub(crate) fn save(&self, room: &Path) {
        let all = self.rooms.lock().unpoisoned();
        let Some(entry) = all.get(room) else { return };
        let text: String = entry.iter().map(|(u, (o, t))| format!("{u} {o} {t}\n")).collect();
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

#[cfg(test)]
mod tests {
    use super::*;

    fn record(book: &SeenBook, room: &Path, user: &str, offset: u64) {
        if book.note(room, user, offset) {
            book.save(room);
        }
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
    }
}
