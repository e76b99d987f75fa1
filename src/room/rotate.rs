//! Room rotation behind stable, logical offsets.
//!
//! Why: routers have little storage, and the FTPChat client downloads a whole room when it
//! starts, so a room must stay small. But readers follow a room by byte offset (`SIZE`,
//! then `REST <last size>` + `RETR`): a file that shrinks stops them forever, and a read
//! that resumes in the middle of a line makes them retry the same bytes forever. So a room
//! has a *logical* size, the number of bytes ever appended to it, which never goes down:
//! `logical = base + live length`, where `base` is the logical offset of the live file's
//! first byte. The older lines move to archives; offsets do not move.
//!
//! Layout, for a room `dir/lobby.txt`:
//!
//! - `dir/lobby.txt`: the live part, always starting on a line boundary;
//! - `dir/.lobby.txt.loft/`: the room's hidden state folder (not listed, not writable by
//!   clients, readable by path):
//!   - `state`: `base <n>`, plus `next <m>` while a rotation is under way;
//!   - `<start>-<end>.txt` (20-digit, zero-padded): an archive holding the logical bytes
//!     `start..end`, complete lines;
//!   - `seen`: the read receipts (see `SITE SEEN`);
//!   - `live.new`, `*.tmp`: files being written, never meaningful after a crash.
//!
//! # Steps of a rotation
//!
//! Run by the room's single writer (the leader), so no append can happen in between. With
//! the live file `L` of length `len` at logical base `B`, and `cut` the first line start at
//! or after `len - keep_bytes`:
//!
//! 1. write `L[..cut]` to `B-(B+cut).txt.tmp`, fsync it, rename it to `B-(B+cut).txt`;
//! 2. write `L[cut..]` to `live.new`, fsync it;
//! 3. write the state `base B` + `next B+cut` (tmp file, fsync, rename, fsync the folder):
//!    this is the commit point's announcement;
//! 4. rename `live.new` over `L`, fsync the room's folder: the cut;
//! 5. write the state `base B+cut` (tmp, fsync, rename, fsync the folder);
//! 6. prune the oldest archives beyond `keep_archives`, but none younger than `keep_days`.
//!
//! # Crash recovery (run whenever a room is opened, so at the first use after a start)
//!
//! The rule behind every case: an archive that is a copy of the live file's beginning was
//! written by a rotation that had not cut yet (its bytes are still live, so the copy goes
//! and the base is its start); an archive that is not was cut from the live file (it is the
//! only copy of those bytes, so it stays and the base is its end). Chat lines are tokens
//! with random IVs and recent duplicates are refused, so a live file that begins, by
//! chance, with the bytes of the archive cut just before it does not happen.
//!
//! By the step a crash interrupted, with the state file:
//!
//! - during step 1 (`B-E.txt.tmp` partly written): the state says `base B`; the temporary
//!   copy goes.
//! - after step 1 or 2 (`B-E.txt` named, `live.new` maybe written): the state says
//!   `base B`; the archive is a copy of the live file's beginning: **undo** (it goes, with
//!   `live.new`).
//! - after step 3 (`base B` + `next E`, `live.new` still there): step 4 did not happen:
//!   **undo**, as above.
//! - after step 4 (`base B` + `next E`, `live.new` gone: a rename is atomic, and nothing
//!   else removes it): **finish** (write `base E`).
//! - after step 5 or 6: nothing to do.
//!
//! And when the state file is lost too (deleted by hand, a damaged file system), the base
//! comes back from the archives by the rule above: the newest archive's end, unless it is
//! a copy of the live file's beginning (a rotation stopped at steps 1 to 3), then its
//! start. A temporary archive `S-E.txt.tmp` is a partial copy of the live file (step 1
//! interrupted: it goes), or, only on a file system that reorders renames (the cut became
//! durable and the archive's name did not), the only copy of bytes cut from the live file:
//! if it is whole (`E - S` bytes) and starts at the base, it is named and the base moves
//! to `E`; otherwise it is kept as `S-E.txt.damaged` and logged, never deleted.
//!
//! Either way no line is lost (every byte is in the live file or an archive, exactly once),
//! `SIZE` (base + live bytes) equals the archived bytes + the live bytes, and the logical
//! size is what it was. A missing state folder means base 0.

use crate::base::files::write_atomic;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// The suffix of a room's hidden state folder (`.lobby.txt.loft`).
pub(crate) const STATE_SUFFIX: &str = ".loft";

/// The hidden state folder of the room at `room`.
pub(crate) fn state_dir(room: &Path) -> PathBuf {
    let name = room.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    room.with_file_name(format!(".{name}{STATE_SUFFIX}"))
}

/// Whether a file name is a room's state folder (hidden from listings, read-only).
pub(crate) fn is_state_name(name: &str) -> bool {
    // Any case: on FAT, `.LOBBY.TXT.LOFT` is the state folder too.
    name.starts_with('.') && name.len() > 1 + STATE_SUFFIX.len() && name.to_ascii_lowercase().ends_with(STATE_SUFFIX)
}

/// A room's persisted offsets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct State {
    /// Logical offset of the live file's first byte.
    pub(crate) base: u64,
    /// Set during a rotation (steps 3 to 5): the base it moves to.
    pub(crate) next: Option<u64>,
}

/// How rotation behaves (from `[chat]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RotateSettings {
    /// Rotate once the live file is longer than this; 0 = never.
    pub(crate) rotate_bytes: u64,
    /// What the live file keeps, cut at a line boundary.
    pub(crate) keep_bytes: u64,
    /// Archives kept per room; 0 = no limit.
    pub(crate) keep_archives: usize,
    /// Archives older than this many days are deleted; 0 = no limit.
    pub(crate) keep_days: u64,
}

/// Reads the state of the room at `room`; no state means base 0. A damaged state file is
/// an error: guessing a base would break every reader's offset.
pub(crate) fn read_state(room: &Path) -> io::Result<State> {
    let text = match fs::read_to_string(state_dir(room).join("state")) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(State::default()),
        Err(e) => return Err(e),
    };
    let mut st = State::default();
    let mut have_base = false;
    for line in text.lines() {
        let mut it = line.split_whitespace();
        let (Some(k), Some(v)) = (it.next(), it.next()) else { continue };
        let v: u64 = v.parse().map_err(|_| bad_state(room))?;
        match k {
            "base" => {
                st.base = v;
                have_base = true;
            }
            "next" => st.next = Some(v),
            _ => {}
        }
    }
    if !have_base {
        return Err(bad_state(room));
    }
    Ok(st)
}

fn bad_state(room: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("{}: damaged state file (expected `base <number>`)", state_dir(room).join("state").display()),
    )
}

pub(super) fn write_state(room: &Path, st: State) -> io::Result<()> {
    let mut text = format!("base {}\n", st.base);
    if let Some(n) = st.next {
        text.push_str(&format!("next {n}\n"));
    }
    write_atomic(&state_dir(room).join("state"), text.as_bytes())
}

fn archive_name(start: u64, end: u64) -> String {
    format!("{start:020}-{end:020}.txt")
}

/// The offsets an archive's file name says (`START-END.txt`), if it is one.
pub(crate) fn archive_range(name: &str) -> Option<(u64, u64)> {
    let (a, b) = name.strip_suffix(".txt")?.split_once('-')?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

/// A room's archives, oldest first: (start, end, path).
pub(crate) fn archives(room: &Path) -> Vec<(u64, u64, PathBuf)> {
    let Ok(rd) = fs::read_dir(state_dir(room)) else { return Vec::new() };
    let mut out: Vec<(u64, u64, PathBuf)> = rd
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let (a, b) = archive_range(&e.file_name().to_string_lossy())?;
            Some((a, b, e.path()))
        })
        .collect();
    out.sort();
    out
}

/// Whether the archive at `archive` is a copy of the beginning of the live file (what a
/// rotation writes before its cut).
fn is_live_prefix(room: &Path, archive: &Path) -> io::Result<bool> {
    let copy = fs::read(archive)?;
    let live = match File::open(room) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e),
    };
    let mut head = vec![0u8; copy.len()];
    match live.read_exact_at(&mut head, 0) {
        Ok(()) => Ok(head == copy),
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(false),
        Err(e) => Err(e),
    }
}

/// A state folder whose `state` file is gone (deleted by hand, a damaged file system):
/// the base is where the archives end, as their names say, unless the newest archive is
/// still a copy of the live file's beginning (a rotation stopped before its cut): then it
/// is its start, and [`recover`] removes the copy. Taking 0 instead would make every
/// archive look like a rotation cut short, delete them all, and move every reader's offset
/// back; taking the end of a copy would serve its bytes twice.
fn recover_lost_state(room: &Path) -> io::Result<()> {
    let arcs = archives(room);
    let Some((start, end, newest)) = arcs.last() else { return Ok(()) };
    let base = if is_live_prefix(room, newest)? { *start } else { *end };
    if base > 0 {
        tracing::error!(
            room = %crate::base::text::logged(room), base,
            "the room's state file is missing: its base is recovered from the archives"
        );
    }
    write_state(room, State { base, next: None })
}

/// Settles the temporary archives (`S-E.txt.tmp`) of rotations a crash interrupted, for a
/// room at `base`; returns the base, moved on if one of them turns out to hold the only
/// copy of bytes cut from the live file (see the module doc).
fn settle_archive_tmps(room: &Path, base: u64) -> io::Result<u64> {
    let dir = state_dir(room);
    let mut tmps: Vec<(u64, u64, PathBuf)> = match fs::read_dir(&dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                let (a, b) = name.strip_suffix(".txt.tmp")?.split_once('-')?;
                Some((a.parse().ok()?, b.parse().ok()?, e.path()))
            })
            .collect(),
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(base),
        Err(e) => return Err(e),
    };
    tmps.sort();
    let mut base = base;
    for (start, end, path) in tmps {
        let len = fs::metadata(&path)?.len();
        if is_live_prefix(room, &path)? || len == 0 {
            // A copy of bytes still live (step 1 interrupted).
            fs::remove_file(&path)?;
        } else if end == base && end > start && len == end - start {
            // Whole, cut, and the state already moved past it: only its name is missing.
            tracing::warn!(archive = %crate::base::text::logged(&path), "naming an archive whose rotation was cut before it was named");
            fs::rename(&path, dir.join(archive_name(start, end)))?;
            File::open(&dir)?.sync_all()?;
        } else if start == base && end > start && len == end - start {
            // Whole, and its bytes are no longer live: the cut is durable, the name was not.
            tracing::warn!(archive = %crate::base::text::logged(&path), "naming an archive whose rotation was cut before it was named");
            fs::rename(&path, dir.join(archive_name(start, end)))?;
            File::open(&dir)?.sync_all()?;
            write_state(room, State { base: end, next: None })?;
            base = end;
        } else {
            let kept = path.with_extension("damaged");
            tracing::error!(
                archive = %crate::base::text::logged(&path), base,
                "a temporary archive is neither a copy of the live file nor whole: kept as {}",
                kept.display()
            );
            fs::rename(&path, &kept)?;
        }
    }
    Ok(base)
}

/// Finishes or undoes a rotation that a crash interrupted (see the module doc), and
/// returns the room's base. Must run before the room file is opened for writing.
pub(crate) fn recover(room: &Path) -> io::Result<u64> {
    let dir = state_dir(room);
    if !dir.is_dir() {
        return Ok(0);
    }
    if !dir.join("state").exists() {
        recover_lost_state(room)?;
    }
    let st = read_state(room)?;
    let live_new = dir.join("live.new");
    let base = match st.next {
        Some(_) if live_new.exists() => {
            tracing::warn!(room = %crate::base::text::logged(room), "a rotation was interrupted before the cut: undoing it");
            fs::remove_file(&live_new)?;
            write_state(room, State { base: st.base, next: None })?;
            st.base
        }
        Some(next) => {
            tracing::warn!(room = %crate::base::text::logged(room), "a rotation was interrupted after the cut: finishing it");
            write_state(room, State { base: next, next: None })?;
            next
        }
        None => st.base,
    };
    // Leftovers of a rotation that never reached its commit (or was just undone): only
    // the rotation's own files. Others write here too (`seen.tmp`, by `SITE SEEN`'s
    // receipts, at any moment), and removing theirs would fail their rename.
    if let Ok(rd) = fs::read_dir(&dir) {
        for e in rd.filter_map(|e| e.ok()) {
            let name = e.file_name().to_string_lossy().into_owned();
            if name == "live.new" || name == "state.tmp" {
                let _ = fs::remove_file(e.path());
            }
        }
    }
    let base = settle_archive_tmps(room, base)?;
    for (start, end, path) in archives(room) {
        if end > base {
            // Only a copy of bytes the live file still holds may go: anything else is the
            // only copy of history, whatever the state says.
            if start == base && is_live_prefix(room, &path)? {
                tracing::warn!(archive = %crate::base::text::logged(&path), "removing an archive of a rotation that did not complete");
                fs::remove_file(&path)?;
            } else {
                tracing::error!(
                    archive = %crate::base::text::logged(&path), base,
                    "an archive reaches past the room's base but is not a copy of the live file: kept"
                );
            }
        }
    }
    Ok(base)
}

/// Where to cut a live file of `len` bytes to keep about `keep` bytes: the first line
/// start at or after `len - keep` (but at least one line stays). `None`: nothing to cut.
fn cut_point(file: &File, len: u64, keep: u64) -> io::Result<Option<u64>> {
    if len == 0 || keep >= len {
        return Ok(None);
    }
    let from = len.saturating_sub(keep).saturating_sub(1);
    let mut buf = vec![0u8; 8 * 1024];
    let mut pos = from;
    // The last byte is the final newline: a cut there would keep nothing.
    while pos < len - 1 {
        let n = ((len - 1 - pos) as usize).min(buf.len());
        file.read_exact_at(&mut buf[..n], pos)?;
        if let Some(i) = buf[..n].iter().position(|&b| b == b'\n') {
            let cut = pos + i as u64 + 1;
            return Ok((cut > 0 && cut < len).then_some(cut));
        }
        pos += n as u64;
    }
    // One line longer than `keep`: cut before it.
    let mut end = len - 1;
    while end > 0 {
        let start = end.saturating_sub(buf.len() as u64);
        let n = (end - start) as usize;
        file.read_exact_at(&mut buf[..n], start)?;
        if let Some(i) = buf[..n].iter().rposition(|&b| b == b'\n') {
            return Ok(Some(start + i as u64 + 1));
        }
        end = start;
    }
    Ok(None)
}

fn copy_range(from: &File, start: u64, end: u64, mut to: &File) -> io::Result<()> {
    let mut buf = vec![0u8; 64 * 1024];
    let mut pos = start;
    while pos < end {
        let n = ((end - pos) as usize).min(buf.len());
        from.read_exact_at(&mut buf[..n], pos)?;
        to.write_all(&buf[..n])?;
        pos += n as u64;
    }
    Ok(())
}

/// What a rotation did.
#[derive(Debug)]
pub(crate) struct Rotated {
    /// The new live file, open for reading and appending.
    pub(crate) file: File,
    pub(crate) base: u64,
    pub(crate) len: u64,
    /// fsync calls made.
    pub(crate) fsyncs: usize,
}

/// Rotates the room at `room` whose open live file `file` is `len` bytes at logical `base`
/// (steps 1 to 6 of the module doc). `Ok(None)`: nothing to cut. On error the room is left
/// for [`recover`] (the caller reopens it, which runs it).
pub(crate) fn rotate(room: &Path, file: &File, base: u64, len: u64, s: &RotateSettings) -> io::Result<Option<Rotated>> {
    rotate_full(room, file, base, len, s, u8::MAX, None)
}

/// [`rotate`] at a given time rather than the clock's (cluster mode: the stream time of
/// the message after which the room rotates). The archive's modification time is `time`,
/// and pruning measures ages against it, so every replica, and a replica rebuilt later,
/// keeps and prunes the same archives.
#[cfg_attr(not(feature = "cluster"), allow(dead_code))]
pub(crate) fn rotate_at(
    room: &Path,
    file: &File,
    base: u64,
    len: u64,
    s: &RotateSettings,
    time: SystemTime,
) -> io::Result<Option<Rotated>> {
    rotate_full(room, file, base, len, s, u8::MAX, Some(time))
}

/// [`rotate`], stopping (as a crash would) after step `stop` (tests).
#[cfg(test)]
pub(crate) fn rotate_until(
    room: &Path,
    file: &File,
    base: u64,
    len: u64,
    s: &RotateSettings,
    stop: u8,
) -> io::Result<Option<Rotated>> {
    rotate_full(room, file, base, len, s, stop, None)
}

fn rotate_full(
    room: &Path,
    file: &File,
    base: u64,
    len: u64,
    s: &RotateSettings,
    stop: u8,
    time: Option<SystemTime>,
) -> io::Result<Option<Rotated>> {
    let crash = |step: u8| -> io::Result<()> {
        if step >= stop {
            return Err(io::Error::other(format!("test: stopped after step {step}")));
        }
        Ok(())
    };
    let Some(cut) = cut_point(file, len, s.keep_bytes)? else { return Ok(None) };
    let dir = state_dir(room);
    match fs::create_dir(&dir) {
        Ok(()) => {
            if let Some(parent) = room.parent() {
                File::open(parent)?.sync_all()?;
            }
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e),
    }
    let mut fsyncs = 1;
    let new_base = base + cut;
    // 1. The archive, complete and durable before anything is cut.
    let name = archive_name(base, new_base);
    let tmp = dir.join(format!("{name}.tmp"));
    {
        let a = OpenOptions::new().write(true).create(true).truncate(true).open(&tmp)?;
        copy_range(file, 0, cut, &a)?;
        if let Some(t) = time {
            a.set_modified(t)?;
        }
        a.sync_all()?;
    }
    fs::rename(&tmp, dir.join(&name))?;
    File::open(&dir)?.sync_all()?;
    fsyncs += 2;
    crash(1)?;
    // 2. The new live file.
    let live_new = dir.join("live.new");
    let _ = fs::remove_file(&live_new);
    let new_file = OpenOptions::new().read(true).append(true).create_new(true).open(&live_new)?;
    copy_range(file, cut, len, &new_file)?;
    new_file.sync_all()?;
    fsyncs += 1;
    crash(2)?;
    // 3. Announce.
    write_state(room, State { base, next: Some(new_base) })?;
    fsyncs += 2;
    crash(3)?;
    // 4. Cut.
    fs::rename(&live_new, room)?;
    if let Some(parent) = room.parent() {
        File::open(parent)?.sync_all()?;
    }
    fsyncs += 1;
    crash(4)?;
    // 5. Commit.
    write_state(room, State { base: new_base, next: None })?;
    fsyncs += 2;
    crash(5)?;
    // 6. Prune.
    prune_at(room, s, time.unwrap_or_else(SystemTime::now));
    Ok(Some(Rotated { file: new_file, base: new_base, len: len - cut, fsyncs }))
}

/// Deletes archives beyond `keep_archives` (oldest first) and older than `keep_days`,
/// measuring their ages at `now`.
pub(crate) fn prune_at(room: &Path, s: &RotateSettings, now: SystemTime) {
    let all = archives(room);
    if s.keep_archives == 0 || all.len() <= s.keep_archives {
        super::files::prune(room, None);
        return;
    }
    let extra = all.len() - s.keep_archives;
    let min_age = Duration::from_secs(s.keep_days.saturating_mul(86_400));
    // The time of the newest archive removed: the room's history before it is gone, and
    // so are the files announced in it.
    let mut lost = None;
    // Oldest first, and never one younger than keep_days: a burst of messages must not
    // push a room's recent history out (max_room_bytes bounds the disk instead).
    for (_, _, p) in all.into_iter().take(extra) {
        let modified = fs::metadata(&p).and_then(|m| m.modified());
        let old_enough =
            s.keep_days == 0 || modified.as_ref().is_ok_and(|t| now.duration_since(*t).is_ok_and(|age| age >= min_age));
        if !old_enough {
            break;
        }
        remove_archive(&p);
        lost = modified.ok().max(lost);
    }
    super::files::prune(room, lost);
}

/// Where a room's history starts: the logical offset of its earliest archived byte, or
/// `base` when nothing is archived.
pub(crate) fn history_start(room: &Path, base: u64) -> u64 {
    archives(room).first().map_or(base, |a| a.0.min(base))
}

fn remove_archive(p: &Path) {
    match fs::remove_file(p) {
        Ok(()) => tracing::info!(archive = %crate::base::text::logged(p), "archive pruned"),
        Err(e) => tracing::warn!(archive = %crate::base::text::logged(p), "cannot prune archive: {e}"),
    }
}

/// The logical length of a room whose live file is `physical` bytes long, from its state
/// file (for listings, without opening the room). A room mid-rotation reports its base as
/// recovery will settle it only approximately; listings are informative.
pub(crate) fn logical_len(room: &Path, physical: u64) -> u64 {
    read_state(room).map(|s| s.base).unwrap_or(0) + physical
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> RotateSettings {
        RotateSettings { rotate_bytes: 100, keep_bytes: 30, keep_archives: 0, keep_days: 0 }
    }

    fn content(n: usize) -> String {
        (0..n).map(|i| format!("line-{i:04}\n")).collect()
    }

    /// Everything the room holds: archives in order, then the live file.
    fn everything(room: &Path) -> String {
        let mut s = String::new();
        for (_, _, p) in archives(room) {
            s.push_str(&fs::read_to_string(p).unwrap());
        }
        s.push_str(&fs::read_to_string(room).unwrap());
        s
    }

    #[test]
    fn cut_points_are_line_starts() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.txt");
        fs::write(&p, content(20)).unwrap();
        let f = File::open(&p).unwrap();
        let c = cut_point(&f, 200, 30).unwrap().unwrap();
        assert_eq!(c, 170);
        assert_eq!(cut_point(&f, 200, 35).unwrap(), Some(170));
        assert_eq!(cut_point(&f, 200, 5).unwrap(), Some(190), "one long line is kept whole");
        assert_eq!(cut_point(&f, 200, 1000).unwrap(), None);
    }

    #[test]
    fn a_rotation_moves_old_lines_and_keeps_offsets() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.txt");
        let text = content(20);
        fs::write(&p, &text).unwrap();
        let f = OpenOptions::new().read(true).append(true).open(&p).unwrap();
        let r = rotate(&p, &f, 0, 200, &settings()).unwrap().unwrap();
        assert_eq!((r.base, r.len), (170, 30));
        assert_eq!(read_state(&p).unwrap(), State { base: 170, next: None });
        assert_eq!(everything(&p), text);
        assert_eq!(recover(&p).unwrap(), 170);
        assert_eq!(everything(&p), text);
    }

    #[test]
    fn a_crash_at_any_step_is_finished_or_undone() {
        for stop in 1..=6u8 {
            let dir = tempfile::tempdir().unwrap();
            let p = dir.path().join("r.txt");
            let text = content(20);
            fs::write(&p, &text).unwrap();
            // An earlier rotation left base 1000.
            fs::create_dir(state_dir(&p)).unwrap();
            write_state(&p, State { base: 1000, next: None }).unwrap();
            let f = OpenOptions::new().read(true).append(true).open(&p).unwrap();
            let _ = rotate_until(&p, &f, 1000, 200, &settings(), stop);
            drop(f);
            let base = recover(&p).unwrap();
            let live = fs::metadata(&p).unwrap().len();
            assert_eq!(base + live, 1200, "step {stop}: logical size kept");
            assert!(base == 1000 || base == 1170, "step {stop}: base {base}");
            assert_eq!(everything(&p), text, "step {stop}: every line once");
            let names: Vec<String> = fs::read_dir(state_dir(&p))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            assert!(!names.iter().any(|n| n == "live.new" || n.ends_with(".tmp")), "{names:?}");
            // Another writer's temporary file is not the rotation's to remove.
            fs::write(state_dir(&p).join("seen.tmp"), "alice 1 2\n").unwrap();
            recover(&p).unwrap();
            assert!(state_dir(&p).join("seen.tmp").exists(), "step {stop}");
            fs::remove_file(state_dir(&p).join("seen.tmp")).unwrap();
            assert_eq!(read_state(&p).unwrap().next, None);
        }
    }

    #[test]
    fn a_lost_state_file_is_recovered_from_the_archive_names() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.txt");
        let text = content(60);
        fs::write(&p, "").unwrap();
        let (mut base, mut len) = (0, 0);
        for chunk in text.as_bytes().chunks(200) {
            let mut f = OpenOptions::new().read(true).append(true).open(&p).unwrap();
            f.write_all(chunk).unwrap();
            let r = rotate(&p, &f, base, len + chunk.len() as u64, &settings()).unwrap().unwrap();
            (base, len) = (r.base, r.len);
        }
        assert!(base > 0 && archives(&p).len() == 3);
        fs::remove_file(state_dir(&p).join("state")).unwrap();
        assert_eq!(recover(&p).unwrap(), base, "the base comes back from the archives");
        assert_eq!(archives(&p).len(), 3, "no archive is deleted");
        assert_eq!(everything(&p), text);
        assert_eq!(logical_len(&p, len), text.len() as u64);
    }

    /// A room with history: 100 lines archived as `0-1000`, 20 live at base 1000.
    fn room_with_history(dir: &Path) -> (PathBuf, String) {
        let p = dir.join("r.txt");
        let all = content(120);
        fs::create_dir(state_dir(&p)).unwrap();
        fs::write(state_dir(&p).join(archive_name(0, 1000)), &all[..1000]).unwrap();
        fs::write(&p, &all[1000..]).unwrap();
        write_state(&p, State { base: 1000, next: None }).unwrap();
        (p, all)
    }

    /// Recovers `p` and checks what readers will see: every byte once, in order; the
    /// archives contiguous from 0 to the base; SIZE (base + live) = archived + live bytes.
    fn recovered_whole(p: &Path, all: &str, what: &str) -> u64 {
        let base = recover(p).unwrap();
        let live = fs::metadata(p).unwrap().len();
        assert_eq!(base + live, all.len() as u64, "{what}: the logical size");
        let mut at = 0;
        for (start, end, path) in archives(p) {
            assert_eq!(start, at, "{what}: archives are contiguous");
            assert_eq!(fs::metadata(&path).unwrap().len(), end - start, "{what}: {}", path.display());
            at = end;
        }
        assert_eq!(at, base, "{what}: SIZE = archived + live bytes");
        assert_eq!(everything(p), all, "{what}: every line once, none lost");
        let names: Vec<String> = fs::read_dir(state_dir(p))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(!names.iter().any(|n| n == "live.new" || n.ends_with(".tmp")), "{what}: {names:?}");
        assert_eq!(read_state(p).unwrap(), State { base, next: None }, "{what}");
        base
    }

    /// Issue 23: a kill in the middle of a rotation, then the state file lost too. The
    /// base must come from the archives that are complete, whatever step was cut short.
    #[test]
    fn a_crash_at_any_step_with_the_state_file_lost_serves_every_byte_once() {
        for stop in 1..=6u8 {
            let dir = tempfile::tempdir().unwrap();
            let (p, all) = room_with_history(dir.path());
            let f = OpenOptions::new().read(true).append(true).open(&p).unwrap();
            let _ = rotate_until(&p, &f, 1000, 200, &settings(), stop);
            drop(f);
            fs::remove_file(state_dir(&p).join("state")).unwrap();
            let base = recovered_whole(&p, &all, &format!("stopped after step {stop}, state lost"));
            // Before the cut (steps 1 to 3) the rotation is undone; after it, it stands.
            assert_eq!(base, if stop <= 3 { 1000 } else { 1170 }, "step {stop}");
        }
    }

    #[test]
    fn a_partial_temporary_archive_is_a_copy_and_goes() {
        for lose_state in [false, true] {
            let dir = tempfile::tempdir().unwrap();
            let (p, all) = room_with_history(dir.path());
            // Step 1 cut short: the first 50 bytes of the live file copied.
            fs::write(state_dir(&p).join("00000000000000001000-00000000000000001170.txt.tmp"), &all[1000..1050])
                .unwrap();
            if lose_state {
                fs::remove_file(state_dir(&p).join("state")).unwrap();
            }
            assert_eq!(recovered_whole(&p, &all, "a partial copy"), 1000);
        }
    }

    /// A file system that reorders renames (FAT on a USB stick without barriers) may keep
    /// the cut and lose the archive's name: the whole temporary archive is then the only
    /// copy of the bytes cut, and is named, never deleted.
    #[test]
    fn a_cut_live_file_whose_archive_was_not_named_keeps_its_archive() {
        for state in ["lost", "base 1000", "base 1000 next 1170"] {
            let dir = tempfile::tempdir().unwrap();
            let (p, all) = room_with_history(dir.path());
            fs::write(state_dir(&p).join(format!("{}.tmp", archive_name(1000, 1170))), &all[1000..1170]).unwrap();
            fs::write(&p, &all[1170..]).unwrap();
            match state {
                "lost" => fs::remove_file(state_dir(&p).join("state")).unwrap(),
                "base 1000" => {}
                _ => write_state(&p, State { base: 1000, next: Some(1170) }).unwrap(),
            }
            assert_eq!(recovered_whole(&p, &all, state), 1170, "{state}");
        }
    }

    #[test]
    fn a_temporary_archive_that_is_neither_is_kept_aside() {
        let dir = tempfile::tempdir().unwrap();
        let (p, all) = room_with_history(dir.path());
        let tmp = state_dir(&p).join(format!("{}.tmp", archive_name(1000, 1170)));
        fs::write(&tmp, "not a copy of anything\n").unwrap();
        assert_eq!(recovered_whole(&p, &all, "a stray temporary archive"), 1000);
        assert!(state_dir(&p).join(format!("{}.damaged", archive_name(1000, 1170))).exists());
    }

    #[test]
    fn a_first_rotation_cut_short_before_any_state_is_undone() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.txt");
        let text = content(20);
        fs::write(&p, &text).unwrap();
        let f = OpenOptions::new().read(true).append(true).open(&p).unwrap();
        let _ = rotate_until(&p, &f, 0, 200, &settings(), 2);
        drop(f);
        fs::remove_file(state_dir(&p).join("state")).ok();
        assert_eq!(recover(&p).unwrap(), 0);
        assert_eq!(everything(&p), text, "every line once");
    }

    #[test]
    fn pruning_keeps_the_newest() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.txt");
        fs::create_dir(state_dir(&p)).unwrap();
        for i in 0..5u64 {
            fs::write(state_dir(&p).join(archive_name(i * 10, i * 10 + 10)), "x\n").unwrap();
        }
        prune_at(&p, &RotateSettings { keep_archives: 2, ..settings() }, SystemTime::now());
        let left: Vec<u64> = archives(&p).into_iter().map(|a| a.0).collect();
        assert_eq!(left, vec![30, 40]);
    }

    #[test]
    fn pruning_never_takes_an_archive_younger_than_keep_days() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.txt");
        fs::create_dir(state_dir(&p)).unwrap();
        let old = SystemTime::now() - Duration::from_secs(10 * 86_400);
        for i in 0..5u64 {
            let a = state_dir(&p).join(archive_name(i * 10, i * 10 + 10));
            fs::write(&a, "x\n").unwrap();
            if i < 2 {
                File::options().write(true).open(&a).unwrap().set_modified(old).unwrap();
            }
        }
        let s = RotateSettings { keep_archives: 1, keep_days: 7, ..settings() };
        prune_at(&p, &s, SystemTime::now());
        let left: Vec<u64> = archives(&p).into_iter().map(|a| a.0).collect();
        assert_eq!(left, vec![20, 30, 40], "only the two older than 7 days may go");
        assert_eq!(history_start(&p, 50), 20);
    }

    #[test]
    fn state_names() {
        assert_eq!(state_dir(Path::new("/a/lobby.txt")), PathBuf::from("/a/.lobby.txt.loft"));
        assert!(is_state_name(".lobby.txt.loft"));
        assert!(!is_state_name(".loft"));
        assert!(!is_state_name("lobby.txt"));
    }
}
