//! Path policy: which paths are rooms, shared files, or a room's hidden state, for a
//! user; names resolved as the client gave them, never climbing out of the home.

use super::errors::reason;
use crate::base::glob::GlobSet;
use crate::ftpchat;
use crate::relay::rates::{RateLimits, Rates};
use crate::relay::user::LoftUser;
use crate::room::rotate;
use crate::room::Rooms;
use std::fmt::Debug;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use unftp_core::storage::{Error, ErrorKind, Result};

/// A name (in `SITE` or the web API) that is no room of this user's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum NotARoom {
    /// `lobby: not a chat room`: outside the home, not matching `chat.rooms`, hidden.
    Missing(String),
    /// Not a name any room can have: control characters (a NUL), or too long for a file
    /// system (255 bytes a folder or file name, 1024 in all).
    BadName(String),
}

impl std::fmt::Display for NotARoom {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotARoom::Missing(name) => write!(f, "{name}: not a chat room"),
            NotARoom::BadName(name) => write!(
                f,
                "{:?}: not a room name (no control characters; at most 255 bytes a folder or file name, 1024 in all)",
                crate::base::text::clean_name(&name.chars().take(64).collect::<String>())
            ),
        }
    }
}

/// Whether `name` could name a file at all (see [`NotARoom::BadName`]).
fn plausible_name(name: &str) -> bool {
    name.len() <= 1024 && !name.chars().any(char::is_control) && name.split('/').all(|part| part.len() <= 255)
}

impl std::error::Error for NotARoom {}

/// What every session of the server shares.
pub(crate) struct StorageConfig {
    pub(crate) rooms: Arc<Rooms>,
    /// What each user appended lately, shared by every session and the web API.
    pub(crate) rates: Arc<Rates>,
    pub(crate) rate_limits: RateLimits,
    pub(crate) patterns: GlobSet,
    pub(crate) root: PathBuf,
    pub(crate) max_upload_bytes: u64,
    pub(crate) max_append_bytes: usize,
    /// Uploads of files in progress, against their folders' limits (outlives reloads).
    pub(crate) space: Arc<crate::base::space::Ledger>,
    /// Free space kept for room appends (`limits.disk_reserve`; 0: none).
    pub(crate) reserve: u64,
}

impl std::fmt::Debug for StorageConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StorageConfig")
            .field("root", &self.root)
            .field("patterns", &self.patterns)
            .finish_non_exhaustive()
    }
}

impl StorageConfig {
    /// Builds the room matcher from `chat.rooms` (validated at load).
    /// A pattern that does not parse matches nothing. Matching ignores case (see
    /// [`StorageConfig::room`]): patterns are kept in lower case.
    pub(crate) fn patterns(globs: &[String]) -> GlobSet {
        let lower: Vec<String> = globs.iter().map(|g| g.to_lowercase()).collect();
        let good: Vec<&String> = lower.iter().filter(|g| crate::base::glob::Glob::new(g).is_ok()).collect();
        GlobSet::new(&good).unwrap_or_default()
    }

    /// The room that a `SITE` command or the web API names (`lobby.txt`, or `lobby` for `lobby.txt` when the
    /// name has no extension), relative to the user's home; the reason for the client when
    /// there is none.
    pub(crate) fn room_named(&self, user: &LoftUser, name: &str) -> std::result::Result<PathBuf, NotARoom> {
        if !plausible_name(name) {
            return Err(NotARoom::BadName(name.to_string()));
        }
        let mut tries = vec![name.to_string()];
        if Path::new(name).extension().is_none() {
            tries.push(format!("{name}.txt"));
        }
        for n in tries {
            if let Ok(Some(real)) = self.room(user, Path::new(&n)) {
                return Ok(real);
            }
        }
        Err(NotARoom::Missing(name.to_string()))
    }

    /// Whether `path` is inside a room's hidden state folder (archives, offsets, receipts):
    /// readable, never writable, never a room itself.
    pub(super) fn in_state_dir(path: &Path) -> bool {
        path.components().any(|c| matches!(c, Component::Normal(n) if rotate::is_state_name(&n.to_string_lossy())))
    }

    /// If `path` is a room's whole kept history (`.ROOM.txt.loft/history.txt`, see
    /// [`super::HISTORY_NAME`]) and the room exists: the room's real path.
    pub(crate) fn history_of(&self, user: &LoftUser, path: &Path) -> Result<Option<PathBuf>> {
        let Some(rel) = Self::relative(path) else { return Ok(None) };
        let name = rel.file_name().map(|n| n.to_string_lossy().to_lowercase());
        let Some(dir) = rel.parent().filter(|_| name.as_deref() == Some(super::HISTORY_NAME)) else {
            return Ok(None);
        };
        let dir_name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if !rotate::is_state_name(&dir_name) {
            return Ok(None);
        }
        let room_name = &dir_name[1..dir_name.len() - rotate::STATE_SUFFIX.len()];
        let room_rel = dir.parent().unwrap_or(Path::new("")).join(room_name);
        Ok(self.room(user, &room_rel)?.filter(|real| real.is_file()))
    }

    /// Whether `path` is in (or is) a room's files folder: a folder named like
    /// `.lobby.txt.files` beside anything that the room patterns match.
    pub(super) fn in_files_dir(&self, path: &Path) -> bool {
        path.components().any(|c| matches!(c, Component::Normal(n) if ftpchat::file::room_of_files_dir(&n.to_string_lossy()).is_some_and(|r| self.patterns.is_match(r.to_lowercase()))))
    }

    /// What `path` is in the files area of a room, if it is there at all.
    pub(crate) fn shared_file(&self, user: &LoftUser, path: &Path) -> Result<Option<FilesPath>> {
        let Some(rel) = Self::relative(path) else {
            return Err(Error::from(ErrorKind::PermissionDenied));
        };
        let parts: Vec<_> = rel.components().collect();
        for (i, c) in parts.iter().enumerate() {
            let Component::Normal(n) = c else { continue };
            let n = n.to_string_lossy();
            let Some(room_name) = ftpchat::file::room_of_files_dir(&n) else { continue };
            let room_rel: PathBuf = parts[..i].iter().collect::<PathBuf>().join(room_name);
            let Some(room) = self.room(user, &room_rel)? else { continue };
            return Ok(Some(match parts.len() - i {
                1 => FilesPath::Folder,
                2 => FilesPath::File { room, name: parts[i + 1].as_os_str().to_string_lossy().into_owned() },
                _ => FilesPath::Deeper,
            }));
        }
        Ok(None)
    }

    /// The path relative to the user's home, with `.` and `..` resolved; `None` if it
    /// would climb out.
    fn relative(path: &Path) -> Option<PathBuf> {
        let mut out = PathBuf::new();
        for c in path.components() {
            match c {
                Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
                Component::ParentDir => {
                    if !out.pop() {
                        return None;
                    }
                }
                Component::Normal(n) => out.push(n),
            }
        }
        Some(out)
    }

    /// If `path` is a room, its real path on disk (inside the home, not through a
    /// symlink that leaves it).
    ///
    /// Names are compared without regard to case, always: the USB sticks routers serve
    /// from are FAT or exFAT, where `LOBBY.TXT` *is* `lobby.txt`, and a pattern that
    /// missed it would let `DELE LOBBY.TXT` or a truncating `STOR` past the room rules.
    /// So the patterns match case-insensitively, and a name that differs from an
    /// existing room's only in case is that room (one writer, one history) on any
    /// file system.
    pub(crate) fn room(&self, user: &LoftUser, path: &Path) -> Result<Option<PathBuf>> {
        Ok(self.room_stat(user, path)?.map(|(real, _)| real))
    }

    /// [`StorageConfig::room`], with what it found on the disk there: the room file's own
    /// `lstat` (a regular file), or `None` when there is no file yet. A `SIZE` answers
    /// from it; each `stat` less counts on a router, where every poll is a session.
    pub(crate) fn room_stat(
        &self,
        user: &LoftUser,
        path: &Path,
    ) -> Result<Option<(PathBuf, Option<std::fs::Metadata>)>> {
        let Some(rel) = Self::relative(path) else {
            return Err(Error::from(ErrorKind::PermissionDenied));
        };
        let lower = PathBuf::from(rel.to_string_lossy().to_lowercase());
        if rel.as_os_str().is_empty()
            || Self::in_state_dir(&rel)
            || !self.patterns.is_match(&lower)
            || self.in_files_dir(&rel)
        {
            return Ok(None);
        }
        let real = user.home.join(&rel);
        let parent = real.parent().unwrap_or(&user.home);
        let Ok(canon_home) = user.real_home() else {
            return Err(Error::from(ErrorKind::PermanentDirectoryNotAvailable));
        };
        // Most rooms are at the top of the home: its path resolved once.
        let canon_parent = if parent == user.home { Ok(canon_home.to_path_buf()) } else { parent.canonicalize() };
        let Ok(canon_parent) = canon_parent else {
            return Err(Error::from(ErrorKind::PermanentDirectoryNotAvailable));
        };
        if !canon_parent.starts_with(&*canon_home) {
            return Err(Error::from(ErrorKind::PermissionDenied));
        }
        let name = real.file_name().unwrap_or_default().to_os_string();
        let (real, meta) =
            same_name_ignoring_case(&canon_parent, &name).unwrap_or_else(|| (canon_parent.join(&name), None));
        if let Some(m) = &meta {
            if m.file_type().is_symlink() {
                return Err(Error::new(ErrorKind::PermissionDenied, reason("a room cannot be a symbolic link")));
            }
            if !m.is_file() {
                return Err(Error::new(ErrorKind::PermissionDenied, reason("a room must be a regular file")));
            }
        }
        Ok(Some((real, meta)))
    }

    /// Whether `rel` (relative to a home) is a room's name by the patterns alone: what a
    /// file there would be, whatever is there now.
    fn is_room_name(&self, rel: &Path) -> bool {
        let lower = PathBuf::from(rel.to_string_lossy().to_lowercase());
        !rel.as_os_str().is_empty()
            && !Self::in_state_dir(rel)
            && self.patterns.is_match(&lower)
            && !self.in_files_dir(rel)
    }

    /// Whether renaming the folder `from` to `to` would give a file in it a room's name
    /// that it does not have now: a room made of a file whose lines were never checked
    /// (bounded: a folder too big to look through counts as yes).
    pub(super) fn rename_makes_rooms(&self, user: &LoftUser, from: &Path, to: &Path) -> bool {
        let (Some(from), Some(to)) = (Self::relative(from), Self::relative(to)) else { return true };
        let mut todo = vec![PathBuf::new()];
        let mut seen = 0usize;
        while let Some(sub) = todo.pop() {
            let Ok(entries) = std::fs::read_dir(user.home.join(&from).join(&sub)) else { continue };
            for e in entries.flatten() {
                seen += 1;
                if seen > 10_000 || todo.len() > 1_000 {
                    return true;
                }
                let child = sub.join(e.file_name());
                match e.file_type() {
                    Ok(t) if t.is_dir() => todo.push(child),
                    Ok(t)
                        if t.is_file()
                            && self.is_room_name(&to.join(&child))
                            && !self.is_room_name(&from.join(&child)) =>
                    {
                        return true
                    }
                    _ => {}
                }
            }
        }
        false
    }

    /// Whether the folder `dir` (relative to the user's home) holds a room, at any depth
    /// (bounded: a folder too deep or too big to look through counts as holding one).
    pub(super) fn holds_rooms(&self, user: &LoftUser, dir: &Path) -> bool {
        let Some(rel) = Self::relative(dir) else { return true };
        let mut todo = vec![rel];
        let mut seen = 0usize;
        while let Some(d) = todo.pop() {
            let Ok(entries) = std::fs::read_dir(user.home.join(&d)) else { continue };
            for e in entries.flatten() {
                seen += 1;
                if seen > 10_000 || todo.len() > 1_000 {
                    return true;
                }
                let child = d.join(e.file_name());
                match e.file_type() {
                    Ok(t) if t.is_dir() && rotate::is_state_name(&e.file_name().to_string_lossy()) => return true,
                    Ok(t) if t.is_dir() && self.in_files_dir(&child) => return true,
                    Ok(t) if t.is_dir() => todo.push(child),
                    Ok(t) if t.is_file() && matches!(self.room(user, &child), Ok(Some(_))) => return true,
                    _ => {}
                }
            }
        }
        false
    }
}

/// The entry of `dir` named `name`, or regardless of case when there is no entry with
/// exactly that name; with its `lstat` (`None` if it went away meanwhile). `None` when
/// there is neither.
fn same_name_ignoring_case(dir: &Path, name: &std::ffi::OsStr) -> Option<(PathBuf, Option<std::fs::Metadata>)> {
    let exact = dir.join(name);
    if let Ok(m) = std::fs::symlink_metadata(&exact) {
        return Some((exact, Some(m)));
    }
    let wanted = name.to_string_lossy().to_lowercase();
    let found = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .find(|e| e.file_name().to_string_lossy().to_lowercase() == wanted)
        .map(|e| e.path())?;
    let m = std::fs::symlink_metadata(&found).ok();
    Some((found, m))
}

/// Where in a room's files area a path is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FilesPath {
    /// The files folder itself (`.lobby.txt.files`).
    Folder,
    /// A file in it, of the room at `room` (real path).
    File { room: PathBuf, name: String },
    /// Below a folder in it: there is nothing there.
    Deeper,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_cannot_climb() {
        assert_eq!(StorageConfig::relative(Path::new("/a/./b/../c.txt")), Some(PathBuf::from("a/c.txt")));
        assert_eq!(StorageConfig::relative(Path::new("/../etc/passwd")), None);
        assert_eq!(StorageConfig::relative(Path::new("a/../../x")), None);
    }

    #[test]
    fn room_patterns_match_at_any_depth() {
        let p = StorageConfig::patterns(&["*.txt".into()]);
        assert!(p.is_match("lobby.txt"));
        assert!(p.is_match("team/lobby.txt"));
        assert!(!p.is_match("photo.jpg"));
    }
}
