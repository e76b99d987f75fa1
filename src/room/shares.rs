//! Shares of a room's budget: no member can freeze a room, and no flood erases history.
//!
//! A room keeps its history for `chat.keep_days` (archives younger than that are never
//! pruned), so a flood cannot push it out; and the room's budget (`chat.max_room_bytes`)
//! bounds the disk. Alone, those two let one member freeze a room: at the allowed rate
//! it reaches the budget in hours, and every append then got `452` for a week (issue
//! 19.6). So the budget is shared: an append of `n` bytes by a member who holds `b` of
//! the room's kept bytes is written only if
//!
//! ```text
//! b + 2n <= free        (free = max_room_bytes − what the room keeps)
//! ```
//!
//! that is, a member may hold at most half of what the others leave (one who holds nothing
//! yet is refused as "full", since then the room is nearly full for everyone). The rule binds only
//! near the budget: in a room with room to spare everyone writes. A flooder stops at half
//! the budget; the others keep the other half, and a second flooder (another address)
//! gets half of what is left, a third half of that: the room never freezes for the
//! people who write little, and its history stays. The members who wrote most are the
//! first refused as a room fills, with a `452` naming their share, and a log line for the
//! admin (at most one a minute per room), who can raise `max_room_bytes` or shorten
//! `keep_days`.
//!
//! A member is who the relay says (a user at a client address: see
//! [`crate::relay::rates::Member`]). What each holds is counted by where its appends
//! landed in the room, in 256 KiB steps of the room's offsets: what falls before the
//! room's oldest kept byte (its archives pruned) no longer counts. The counts are kept
//! in `.ROOM.txt.loft/shares`, saved at each rotation and at most once a minute besides;
//! a crash forgets at most the last minute.

use super::rotate::state_dir;
use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The step, in room offsets, that appends are counted in.
const STEP: u64 = 256 * 1024;
/// How often the counts are saved besides rotations.
const SAVE_EVERY: Duration = Duration::from_secs(60);
/// Members a room remembers at most (past it, those holding least are forgotten).
const MAX_MEMBERS: usize = 1024;

/// Per member: (step start, bytes appended in that step), oldest first. Saved when the
/// room is closed too (a relay that stops, a room nobody uses any more).
#[derive(Debug, Default)]
pub(super) struct Shares {
    members: HashMap<String, VecDeque<(u64, u64)>>,
    dirty: bool,
    saved: Option<Instant>,
    /// The room they are saved for.
    room: PathBuf,
}

impl Drop for Shares {
    fn drop(&mut self) {
        if self.dirty && !self.room.as_os_str().is_empty() {
            let room = std::mem::take(&mut self.room);
            self.save(&room, true);
        }
    }
}

impl Shares {
    /// The counts saved for `room`, or none, for the room being opened: a save cut short
    /// by a crash is cleared (the file itself is whole: it is replaced by rename).
    pub(super) fn load(room: &Path) -> Shares {
        let _ = std::fs::remove_file(crate::base::files::tmp_path(&state_dir(room).join("shares")));
        Shares::read(room)
    }

    /// The counts saved for `room`, or none, touching nothing.
    pub(super) fn read(room: &Path) -> Shares {
        let mut shares = Shares::default();
        shares.room = room.to_path_buf();
        let path = state_dir(room).join("shares");
        let Ok(text) = std::fs::read_to_string(&path) else { return shares };
        for line in text.lines() {
            let mut parts = line.split('\t');
            let (Some(member), Some(step), Some(bytes)) = (parts.next(), parts.next(), parts.next()) else {
                continue;
            };
            if let (Ok(step), Ok(bytes)) = (step.parse(), bytes.parse()) {
                shares.members.entry(member.to_string()).or_default().push_back((step, bytes));
            }
        }
        shares
    }

    /// What `member` holds of the room's history from `history` on.
    pub(super) fn held(&mut self, member: &str, history: u64) -> u64 {
        let Some(steps) = self.members.get_mut(member) else { return 0 };
        while steps.front().is_some_and(|(s, _)| s + STEP <= history) {
            steps.pop_front();
            self.dirty = true;
        }
        let held = steps.iter().map(|(_, b)| b).sum();
        if steps.is_empty() {
            self.members.remove(member);
        }
        held
    }

    /// Counts `bytes` appended by `member` at room offset `at`.
    pub(super) fn add(&mut self, member: &str, at: u64, bytes: u64) {
        if bytes == 0 {
            return;
        }
        if self.members.len() >= MAX_MEMBERS && !self.members.contains_key(member) {
            let least = self.members.iter().min_by_key(|(_, s)| s.iter().map(|(_, b)| b).sum::<u64>());
            if let Some(k) = least.map(|(k, _)| k.clone()) {
                self.members.remove(&k);
            }
        }
        let step = at - at % STEP;
        let steps = self.members.entry(member.to_string()).or_default();
        match steps.back_mut() {
            Some((s, b)) if *s == step => *b += bytes,
            _ => steps.push_back((step, bytes)),
        }
        self.dirty = true;
    }

    /// Saves the counts if they changed, when `now` is true or a minute has passed.
    pub(super) fn save(&mut self, room: &Path, now: bool) {
        if !self.dirty || (!now && self.saved.is_some_and(|t| t.elapsed() < SAVE_EVERY)) {
            return;
        }
        let mut text = String::new();
        for (member, steps) in &self.members {
            if member.contains(['\t', '\n']) {
                continue;
            }
            for (step, bytes) in steps {
                text.push_str(&format!("{member}\t{step}\t{bytes}\n"));
            }
        }
        let dir = state_dir(room);
        let write = || {
            std::fs::create_dir_all(&dir)
                .and_then(|()| crate::base::files::write_atomic(&dir.join("shares"), text.as_bytes()))
        };
        // A room reopened while this instance saves on drop clears the temporary file
        // (`load`) from under it: write it again.
        let written = write().or_else(|e| if e.kind() == std::io::ErrorKind::NotFound { write() } else { Err(e) });
        match written {
            Ok(()) => {
                self.dirty = false;
                self.saved = Some(Instant::now());
            }
            Err(e) => tracing::warn!(room = %crate::base::text::logged(room), "cannot save the members' shares: {e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_count_what_is_kept_and_survive_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let room = dir.path().join("lobby.txt");
        let mut s = Shares::default();
        s.add("al 10.0.0.1", 0, 100);
        s.add("al 10.0.0.1", 200, 50);
        s.add("al 10.0.0.1", STEP + 10, 30);
        s.add("bo 10.0.0.2", 2 * STEP, 7);
        assert_eq!(s.held("al 10.0.0.1", 0), 180);
        assert_eq!(s.held("nobody", 0), 0);
        s.save(&room, true);
        let stale = crate::base::files::tmp_path(&state_dir(&room).join("shares"));
        std::fs::write(&stale, "cut short").unwrap();
        let mut again = Shares::load(&room);
        assert!(!stale.exists(), "a save cut short by a crash is cleared when the room opens");
        assert_eq!(again.held("al 10.0.0.1", 0), 180);
        // History pruned up to the second step: the first step's bytes are gone.
        assert_eq!(again.held("al 10.0.0.1", STEP), 30);
        assert_eq!(again.held("al 10.0.0.1", 3 * STEP), 0);
        assert_eq!(again.held("bo 10.0.0.2", STEP), 7);
    }
}
