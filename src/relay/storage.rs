//! The libunftp storage backend: the local filesystem, with rooms routed to the room log.
//!
//! Files are served by unftp-sbe-fs, which opens everything through a capability handle
//! on the user's home (cap-std), so `..`, absolute paths and symlinks cannot leave it.
//! On top of that this backend decides three things a plain FTP server does not:
//!
//! - what a session may do: read-only users get `550` on every write;
//! - what is a room (a path matching `chat.rooms`), and sends every write to a room
//!   through [`crate::room`], which serializes, validates and de-duplicates it;
//!   deleting, renaming or overwriting a room in the middle is refused unless the user is
//!   allowed (`chat.allow_delete`);
//! - how a room is read: through logical offsets that survive rotation
//!   ([`crate::room::rotate`]), up to the size this session's last `SIZE` answered (so a
//!   client that trusts SIZE never gets a message twice), with each read recorded for
//!   `SITE SEEN`; a room's hidden state folder (archives) is unlisted and read-only;
//! - the bookkeeping the server needs: one log line per transfer. (Transfers in flight,
//!   for a graceful stop, are counted by libunftp's `DataConnections`, from the data
//!   connection's accept on: the backend is called only after the client got its `150`.)
//!
//! libunftp makes one backend per session (Loft builds a libunftp server per
//! connection), so per-session state can live here.

use crate::base::glob::GlobSet;
use crate::base::sync::Unpoison;
use crate::ftpchat;
use crate::relay::rates::{lines_in, RateLimits, Rates};
use crate::relay::user::LoftUser;
use crate::room::files::{self, FileError};
use crate::room::rotate;
use crate::room::{RoomError, Rooms, WriteMode};
use async_trait::async_trait;
use std::collections::HashMap;
use std::fmt::Debug;
use std::io;
use std::path::{Component, Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::SystemTime;
use tokio::io::{AsyncRead, AsyncReadExt, ReadBuf};
use unftp_core::storage::{Error, ErrorKind, Fileinfo, Metadata, Permissions, Result, StorageBackend};
use unftp_sbe_fs::Filesystem;

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
    pub(crate) fn room_named(&self, user: &LoftUser, name: &str) -> std::result::Result<PathBuf, String> {
        let mut tries = vec![name.to_string()];
        if Path::new(name).extension().is_none() {
            tries.push(format!("{name}.txt"));
        }
        for n in tries {
            if let Ok(Some(real)) = self.room(user, Path::new(&n)) {
                return Ok(real);
            }
        }
        Err(format!("{name}: not a chat room"))
    }

    /// Whether `path` is inside a room's hidden state folder (archives, offsets, receipts):
    /// readable, never writable, never a room itself.
    fn in_state_dir(path: &Path) -> bool {
        path.components().any(|c| matches!(c, Component::Normal(n) if rotate::is_state_name(&n.to_string_lossy())))
    }

    /// Whether `path` is in (or is) a room's files folder: a folder named like
    /// `.lobby.txt.files` beside anything that the room patterns match.
    fn in_files_dir(&self, path: &Path) -> bool {
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
        let (Ok(canon_parent), Ok(canon_home)) = (parent.canonicalize(), user.home.canonicalize()) else {
            return Err(Error::from(ErrorKind::PermanentDirectoryNotAvailable));
        };
        if !canon_parent.starts_with(&canon_home) {
            return Err(Error::from(ErrorKind::PermissionDenied));
        }
        let name = real.file_name().unwrap_or_default().to_os_string();
        let real = same_name_ignoring_case(&canon_parent, &name).unwrap_or_else(|| canon_parent.join(&name));
        if let Ok(m) = std::fs::symlink_metadata(&real) {
            if m.file_type().is_symlink() {
                return Err(Error::new(ErrorKind::PermissionDenied, reason("a room cannot be a symbolic link")));
            }
            if !m.is_file() {
                return Err(Error::new(ErrorKind::PermissionDenied, reason("a room must be a regular file")));
            }
        }
        Ok(Some(real))
    }

    /// Whether the folder `dir` (relative to the user's home) holds a room, at any depth
    /// (bounded: a folder too deep or too big to look through counts as holding one).
    fn holds_rooms(&self, user: &LoftUser, dir: &Path) -> bool {
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

/// The entry of `dir` named `name` regardless of case, when there is no entry with
/// exactly that name.
fn same_name_ignoring_case(dir: &Path, name: &std::ffi::OsStr) -> Option<PathBuf> {
    if std::fs::symlink_metadata(dir.join(name)).is_ok() {
        return Some(dir.join(name));
    }
    let wanted = name.to_string_lossy().to_lowercase();
    std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .find(|e| e.file_name().to_string_lossy().to_lowercase() == wanted)
        .map(|e| e.path())
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

/// One session's view of the files.
#[derive(Debug)]
pub(crate) struct LoftStorage {
    /// `None` when the root could not be opened (a USB disk gone): every operation then
    /// fails with a local error instead of the server stopping.
    fs_: Option<Filesystem>,
    shared: Arc<StorageConfig>,
    /// Per room (real path): the logical size this session's last `SIZE` (or `MLST`,
    /// `MDTM`) answered, which caps its next `RETR` of that room. The FTPChat client sets
    /// its offset to what SIZE said, not to what RETR delivered: a RETR that returned more
    /// would deliver a message now and again on the next poll.
    sized: Mutex<HashMap<PathBuf, u64>>,
}

impl LoftStorage {
    pub(crate) fn new(shared: Arc<StorageConfig>) -> Self {
        let fs_ = match Filesystem::new(shared.root.clone()) {
            Ok(fs) => Some(fs),
            Err(e) => {
                tracing::error!(root = %shared.root.display(), "cannot open the root folder: {e}");
                None
            }
        };
        LoftStorage { fs_, shared, sized: Mutex::default() }
    }

    /// The room registry.
    pub(crate) fn rooms(&self) -> Arc<Rooms> {
        self.shared.rooms.clone()
    }

    /// The room a `SITE` command names; see [`StorageConfig::room_named`].
    pub(crate) fn site_room(&self, user: &LoftUser, name: &str) -> std::result::Result<PathBuf, String> {
        self.shared.room_named(user, name)
    }

    fn deny_state(path: &Path) -> Result<()> {
        if Self::in_state_dir(path) {
            return Err(Error::new(ErrorKind::PermissionDenied, reason("a room's archive folder is read-only")));
        }
        Ok(())
    }

    fn fs(&self) -> Result<&Filesystem> {
        self.fs_.as_ref().ok_or_else(|| Error::new(ErrorKind::LocalError, reason("the relay's storage is unavailable")))
    }

    fn room(&self, user: &LoftUser, path: &Path) -> Result<Option<PathBuf>> {
        self.shared.room(user, path)
    }

    fn in_state_dir(path: &Path) -> bool {
        StorageConfig::in_state_dir(path)
    }

    fn deny_read_only(user: &LoftUser) -> Result<()> {
        if user.read_only {
            return Err(Error::new(ErrorKind::PermissionDenied, reason("this account is read-only")));
        }
        Ok(())
    }

    fn deny_room_change(&self, user: &LoftUser, path: &Path, what: &str) -> Result<()> {
        if !user.allow_delete && self.room(user, path)?.is_some() {
            return Err(Error::new(
                ErrorKind::PermissionDenied,
                reason(&format!(
                    "{what} a chat room is not allowed: rooms only grow (chat.allow_delete is off for this user)"
                )),
            ));
        }
        Ok(())
    }

    /// A `RETR` of a room from logical offset `start`. The room log knows where the last
    /// complete line ends (and cuts a tail torn by a crash when it first opens the room), so
    /// a reader racing a write, or reading after a crash, never gets half a line. After a
    /// `SIZE`, the read ends exactly at the size it answered. An offset inside an archive
    /// (a reader that fell behind a rotation) reads on from there through the archives
    /// and the live part; see [`Rooms::open_span`].
    async fn read_room(
        &self,
        user: &LoftUser,
        real: PathBuf,
        start: u64,
    ) -> Result<Box<dyn AsyncRead + Send + Sync + Unpin>> {
        let asked = self.sized.lock().unpoisoned().remove(&real);
        let (span, view) = self.shared.rooms.open_span(&real, start, asked).await.map_err(room_error)?;
        let cap = asked.map_or(view.end, |s| s.min(view.end)).max(view.base);
        let mut reader: Box<dyn AsyncRead + Send + Sync + Unpin> = Box::new(tokio::io::empty());
        for (mut file, off, len) in span.parts {
            // Positioned before tokio takes the file: a seek through tokio's `File` is
            // applied at its first read, and that must not race the chain.
            std::io::Seek::seek(&mut file, io::SeekFrom::Start(off)).map_err(Error::from)?;
            reader = Box::new(reader.chain(tokio::fs::File::from_std(file).take(len)));
        }
        // Seen up to `cap` once the whole answer has been read out for sending (not when
        // the transfer starts: an aborted download has not been seen).
        let seen = (start <= cap).then(|| (self.shared.rooms.clone(), real, user.name.clone(), cap));
        Ok(Box::new(SeenAtEnd { inner: reader, seen }))
    }

    /// An upload: `STOR` at `start` (0, or where `REST` said), or `APPE` (`start` is
    /// `None`: at the end, as it is when the data is written).
    async fn upload<R: AsyncRead + Send + Sync + Unpin + 'static>(
        &self,
        user: &LoftUser,
        mut input: R,
        path: &Path,
        start: Option<u64>,
    ) -> Result<u64> {
        let cmd = if start.is_none() { "APPE" } else { "STOR" };
        match self.shared.shared_file(user, path) {
            Ok(None) => {}
            Ok(Some(place)) => {
                return match self.store_shared_file(user, place, &mut input, start, cmd).await {
                    Ok(n) => Ok(n),
                    Err(e) => Err(drain(&mut input, e).await),
                }
            }
            Err(e) => return Err(drain(&mut input, e).await),
        }
        let checked =
            Self::deny_read_only(user).and_then(|_| Self::deny_state(path)).and_then(|_| self.room(user, path));
        let room = match checked {
            Ok(room) => room,
            Err(e) => return Err(drain(&mut input, e).await),
        };
        if let Some(real) = room {
            // Logical, like the offsets clients see (a REST at the end is the logical size).
            let len = rotate::logical_len(&real, std::fs::metadata(&real).map(|m| m.len()).unwrap_or(0));
            let mode = match start {
                None => Some(WriteMode::Append),
                Some(0) => Some(WriteMode::Merge),
                Some(p) if p >= len => Some(WriteMode::Append),
                Some(_) => None,
            };
            if let Some(mode) = mode {
                return match self.append_room(user, &real, &mut input, mode, cmd).await {
                    Ok(n) => Ok(n),
                    Err(e) => Err(drain(&mut input, e).await),
                };
            }
            if let Err(e) = self.deny_room_change(user, path, "overwriting the middle of") {
                return Err(drain(&mut input, e).await);
            }
        }
        let existing = self.fs()?.metadata(user, path).await.ok().filter(|m| m.is_file()).map(|m| m.len());
        // Not a room: an APPE appends at the end as it is now (no lock across sessions
        // needed for ordinary files; rooms are where concurrent appends matter).
        let at = start.unwrap_or(existing.unwrap_or(0));
        if at > existing.unwrap_or(0) {
            // Writing past the end makes a sparse file (on FAT: zeros to the disk's end).
            let e = Error::new(
                ErrorKind::PermanentFileNotAvailable,
                reason(&format!(
                    "REST {at} is past the end of the file ({} bytes): an upload resumes at or before its end",
                    existing.unwrap_or(0)
                )),
            );
            return Err(drain(&mut input, e).await);
        }
        // The most this upload may add: limits.max_upload_bytes, and what is left of the
        // home's quota (what the file held from `at` on is replaced, so it counts as free).
        let mut cap = (self.shared.max_upload_bytes > 0).then(|| (self.shared.max_upload_bytes, Limit::Upload));
        if user.quota_bytes > 0 {
            let home = user.home.clone();
            let used =
                tokio::task::spawn_blocking(move || crate::base::files::usage(&home, crate::base::files::Depth::Tree))
                    .await
                    .unwrap_or(u64::MAX);
            let replaced = existing.map_or(0, |len| len.saturating_sub(at));
            let free = user.quota_bytes.saturating_sub(used.saturating_sub(replaced));
            if free == 0 {
                let e =
                    Error::new(ErrorKind::ExceededStorageAllocationError, reason(&Limit::Quota.text(user.quota_bytes)));
                return Err(drain(&mut input, e).await);
            }
            if cap.is_none_or(|(c, _)| free < c) {
                cap = Some((free, Limit::Quota));
            }
        }
        let limit = cap.map(|c| c.1);
        let input: Box<dyn AsyncRead + Send + Sync + Unpin> = match cap {
            Some((left, _)) => Box::new(LimitedReader { inner: input, left }),
            None => Box::new(input),
        };
        // A new file (or a whole new version) is written aside and renamed into place
        // only when complete: a STOR that fails (disk full, over a limit, the client gone)
        // leaves no partial file, and an old version stays as it was.
        let fresh = at == 0 && start.is_some();
        let target = path.to_path_buf();
        let part = if fresh { part_path(path) } else { target.clone() };
        let written = self.fs()?.put(user, input, &part, at).await;
        let written = match written {
            Ok(n) if fresh => self.fs()?.rename(user, &part, &target).await.map(|()| n),
            r => r,
        };
        match written {
            Ok(n) => {
                tracing::info!(target: "loft::transfer", user = %user.name, cmd, path = %path.display(), bytes = n, "upload");
                Ok(n)
            }
            Err(e) => {
                if fresh {
                    let _ = self.fs()?.del(user, &part).await;
                }
                let too_large = e.get_io_error().is_some_and(|io| io.kind() == io::ErrorKind::FileTooLarge);
                tracing::warn!(target: "loft::transfer", user = %user.name, cmd, path = %path.display(), "upload failed: {e}");
                match limit {
                    Some(l) if too_large => Err(Error::new(
                        ErrorKind::ExceededStorageAllocationError,
                        reason(&l.text(match l {
                            Limit::Upload => self.shared.max_upload_bytes,
                            Limit::Quota => user.quota_bytes,
                        })),
                    )),
                    _ => Err(e),
                }
            }
        }
    }

    /// An upload into a room's files area: only a `STOR` of a new `ID.lff`, checked and
    /// capped by [`files::store`].
    async fn store_shared_file<R: AsyncRead + Send + Unpin>(
        &self,
        user: &LoftUser,
        place: FilesPath,
        input: &mut R,
        start: Option<u64>,
        cmd: &str,
    ) -> Result<u64> {
        Self::deny_read_only(user)?;
        let FilesPath::File { room, name } = place else {
            return Err(Error::new(
                ErrorKind::PermissionDenied,
                reason("a room's files folder holds files only: STOR ID.lff into it"),
            ));
        };
        if start != Some(0) {
            return Err(Error::new(
                ErrorKind::PermissionDenied,
                reason("shared files are write-once: upload a new one with STOR (no APPE, no REST)"),
            ));
        }
        let Some(id) = ftpchat::file::id_of(&name) else { return Err(file_error(FileError::BadName)) };
        let limits = self.shared.rooms.settings().files;
        match files::store(&room, id, input, limits, user_free(user).await).await {
            Ok(n) => {
                tracing::info!(target: "loft::transfer", user = %user.name, cmd, room = %room.display(), file = %name, bytes = n, "shared file stored");
                Ok(n)
            }
            Err(e) => {
                tracing::warn!(target: "loft::transfer", user = %user.name, cmd, room = %room.display(), file = %name, "shared file refused: {e}");
                Err(file_error(e))
            }
        }
    }

    /// Refuses changes in a room's files area other than a new file (and a `DELE` by a
    /// user allowed to delete rooms).
    fn deny_files_change(&self, user: &LoftUser, path: &Path, dele: bool) -> Result<()> {
        match self.shared.shared_file(user, path)? {
            None => Ok(()),
            Some(FilesPath::File { .. }) if dele && user.allow_delete => Ok(()),
            Some(_) => Err(Error::new(
                ErrorKind::PermissionDenied,
                reason("a room's shared files are write-once and go with the room's history (chat.allow_delete is off for this user)"),
            )),
        }
    }

    async fn append_room<R: AsyncRead + Send + Unpin>(
        &self,
        user: &LoftUser,
        real: &Path,
        input: &mut R,
        mode: WriteMode,
        cmd: &str,
    ) -> Result<u64> {
        let limit = self.shared.max_append_bytes;
        let mut data = Vec::new();
        let read = input.take(limit as u64 + 1).read_to_end(&mut data).await.map_err(Error::from)?;
        if read > limit {
            tracing::warn!(target: "loft::transfer", user = %user.name, cmd, path = %real.display(), "refused: upload over {limit} bytes");
            return Err(Error::new(
                ErrorKind::ExceededStorageAllocationError,
                reason(&format!(
                    "a room append may be at most {limit} bytes (chat.max_append_bytes); nothing was written"
                )),
            ));
        }
        // A whole-room STOR (the FTPChat fallback) is mostly lines the room holds: its
        // new lines are what counts, and the room knows them only after the merge.
        let merge = mode == WriteMode::Merge;
        let (lines, bytes) = if merge { (0, 0) } else { (lines_in(&data), data.len() as u64) };
        if let Err(why) = self.shared.rates.admit(&user.name, lines, bytes, self.shared.rate_limits) {
            tracing::warn!(target: "loft::transfer", user = %user.name, cmd, path = %real.display(), "refused: {why}");
            return Err(Error::new(ErrorKind::TransientFileNotAvailable, reason(&why)));
        }
        match self.shared.rooms.append(real, &data, mode).await {
            Ok(out) => {
                if merge {
                    self.shared.rates.record(&user.name, out.written_lines as u64, out.bytes_written);
                }
                tracing::info!(
                    target: "loft::transfer",
                    user = %user.name, cmd, path = %real.display(), bytes = out.bytes_written,
                    lines = out.written_lines, duplicates = out.duplicate_lines, "room append"
                );
                Ok(data.len() as u64)
            }
            Err(e) => {
                tracing::warn!(target: "loft::transfer", user = %user.name, cmd, path = %real.display(), "refused: {e}");
                Err(room_error(e))
            }
        }
    }
}

/// Reads what is left of a refused upload (bounded in size and time), so the client sees
/// the refusal as a reply, not as a connection reset in the middle of sending (over TLS,
/// Python's ftplib would report a broken pipe instead of the 55x). Returns `err`.
async fn drain<R: AsyncRead + Unpin>(input: &mut R, err: Error) -> Error {
    const CAP: u64 = 4 * 1024 * 1024;
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        tokio::io::copy(&mut input.take(CAP), &mut tokio::io::sink()).await
    })
    .await;
    err
}

/// A reason for the client, carried as the storage error's source.
fn reason(s: &str) -> Box<dyn std::error::Error + Send + Sync> {
    s.to_string().into()
}

fn file_error(e: FileError) -> Error {
    let kind = match &e {
        FileError::Off | FileError::Exists | FileError::NoRoom => ErrorKind::PermissionDenied,
        FileError::BadName | FileError::Invalid { .. } => ErrorKind::FileNameNotAllowedError,
        FileError::TooLarge { .. } | FileError::QuotaFull { .. } | FileError::UserQuota { .. } => {
            ErrorKind::ExceededStorageAllocationError
        }
        FileError::DiskFull(_) => ErrorKind::InsufficientStorageSpaceError,
        FileError::Io(_) => ErrorKind::LocalError,
    };
    Error::new(kind, reason(&e.to_string()))
}

fn room_error(e: RoomError) -> Error {
    match e {
        RoomError::TooLarge { .. } => Error::new(ErrorKind::ExceededStorageAllocationError, reason(&e.to_string())),
        RoomError::Invalid { .. } => Error::new(ErrorKind::FileNameNotAllowedError, reason(&e.to_string())),
        RoomError::Full { .. } => Error::new(ErrorKind::InsufficientStorageSpaceError, reason(&e.to_string())),
        RoomError::DiskFull(_) => Error::new(ErrorKind::InsufficientStorageSpaceError, reason(&e.to_string())),
        RoomError::NoRoom => Error::new(ErrorKind::PermanentFileNotAvailable, reason(&e.to_string())),
        RoomError::Io(io) => Error::from(io),
    }
}

/// Metadata as clients see it.
#[derive(Debug)]
pub(crate) struct LoftMeta {
    inner: unftp_sbe_fs::Meta,
    /// A room's logical size (see [`crate::room::rotate`]), reported instead of the live
    /// file's length.
    len: Option<u64>,
}

impl Metadata for LoftMeta {
    fn len(&self) -> u64 {
        self.len.unwrap_or_else(|| self.inner.len())
    }
    fn is_dir(&self) -> bool {
        self.inner.is_dir()
    }
    fn is_file(&self) -> bool {
        self.inner.is_file()
    }
    fn is_symlink(&self) -> bool {
        self.inner.is_symlink()
    }
    fn modified(&self) -> Result<SystemTime> {
        self.inner.modified()
    }
    fn gid(&self) -> u32 {
        self.inner.gid()
    }
    fn uid(&self) -> u32 {
        self.inner.uid()
    }
    fn links(&self) -> u64 {
        self.inner.links()
    }
    fn permissions(&self) -> Permissions {
        self.inner.permissions()
    }
    fn readlink(&self) -> Option<&Path> {
        self.inner.readlink()
    }
}

/// Counts what a download sent, and logs it at the end.
struct CountingReader {
    inner: Box<dyn AsyncRead + Send + Sync + Unpin>,
    bytes: u64,
    user: String,
    path: String,
}

impl AsyncRead for CountingReader {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        self.bytes += (buf.filled().len() - before) as u64;
        r
    }
}

impl Drop for CountingReader {
    fn drop(&mut self) {
        tracing::info!(target: "loft::transfer", user = %self.user, cmd = "RETR", path = %self.path, bytes = self.bytes, "download");
    }
}

/// A room download that records the read receipt (`SITE SEEN`) when it reaches its end.
struct SeenAtEnd<R> {
    inner: R,
    seen: Option<(Arc<Rooms>, PathBuf, String, u64)>,
}

impl<R: AsyncRead + Unpin> AsyncRead for SeenAtEnd<R> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(r, Poll::Ready(Ok(()))) && buf.filled().len() == before && buf.remaining() > 0 {
            if let Some((rooms, real, name, cap)) = self.seen.take() {
                if rooms.seen.note(&real, &name, cap) {
                    tokio::task::spawn_blocking(move || rooms.seen.save(&real));
                }
            }
        }
        r
    }
}

/// Which limit cut an upload short.
#[derive(Debug, Clone, Copy)]
enum Limit {
    Upload,
    Quota,
}

impl Limit {
    fn text(self, n: u64) -> String {
        match self {
            Limit::Upload => format!("uploads may be at most {n} bytes (limits.max_upload_bytes); nothing was kept"),
            Limit::Quota => format!("this account's files may take at most {n} bytes (quota_bytes); nothing was kept"),
        }
    }
}

/// Where a new upload is written until it is complete: a hidden name beside it.
fn part_path(path: &Path) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    path.with_file_name(format!(".{name}.loft-part"))
}

/// What `user` may still store under their `quota_bytes`, if they have one.
pub(crate) async fn user_free(user: &LoftUser) -> files::UserRoom {
    if user.quota_bytes == 0 {
        return None;
    }
    let home = user.home.clone();
    let used = tokio::task::spawn_blocking(move || crate::base::files::usage(&home, crate::base::files::Depth::Tree))
        .await
        .unwrap_or(u64::MAX);
    Some((user.quota_bytes.saturating_sub(used), user.quota_bytes))
}

/// Fails the upload once it passes its limit (`max_upload_bytes` or the quota).
struct LimitedReader<R> {
    inner: R,
    left: u64,
}

impl<R: AsyncRead + Unpin> AsyncRead for LimitedReader<R> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        let n = (buf.filled().len() - before) as u64;
        if n > self.left {
            return Poll::Ready(Err(io::Error::new(io::ErrorKind::FileTooLarge, "upload over its limit")));
        }
        self.left -= n;
        r
    }
}

#[async_trait]
impl StorageBackend<LoftUser> for LoftStorage {
    type Metadata = LoftMeta;

    fn enter(&mut self, user: &LoftUser) -> io::Result<()> {
        match self.fs_.as_mut() {
            // Home = root: the root handle is the home already (cap-std cannot open "").
            Some(_) if user.home == self.shared.root => Ok(()),
            Some(fs) => StorageBackend::<LoftUser>::enter(fs, user),
            None => Err(io::Error::other("the relay's storage is unavailable")),
        }
    }

    fn supported_features(&self) -> u32 {
        unftp_core::storage::FEATURE_RESTART
    }

    async fn metadata<P: AsRef<Path> + Send + Debug>(&self, user: &LoftUser, path: P) -> Result<LoftMeta> {
        let room = self.room(user, path.as_ref())?;
        // A room asked for under another case is looked up under its own name.
        let own = room.as_ref().and_then(|real| {
            let home = user.home.canonicalize().ok()?;
            real.strip_prefix(home).ok().map(|rel| Path::new("/").join(rel))
        });
        let inner = match own {
            Some(p) => self.fs()?.metadata(user, p).await?,
            None => self.fs()?.metadata(user, path).await?,
        };
        let mut len = None;
        if let Some(real) = room.filter(|_| inner.is_file()) {
            let end = self.shared.rooms.subscribe(&real).await.map_err(room_error)?.end();
            self.sized.lock().unpoisoned().insert(real, end);
            len = Some(end);
        }
        Ok(LoftMeta { inner, len })
    }

    async fn list<P: AsRef<Path> + Send + Debug>(
        &self,
        user: &LoftUser,
        path: P,
    ) -> Result<Vec<Fileinfo<PathBuf, LoftMeta>>> {
        let dir = path.as_ref().to_path_buf();
        let list = self.fs()?.list(user, path).await?;
        Ok(list
            .into_iter()
            .filter(|f| {
                let name = f.path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
                !rotate::is_state_name(&name) && !self.shared.in_files_dir(Path::new(&*name))
            })
            .map(|f| {
                let mut len = None;
                if f.metadata.is_file() {
                    if let Ok(Some(real)) = self.room(user, &dir.join(&f.path)) {
                        len = Some(rotate::logical_len(&real, f.metadata.len()));
                    }
                }
                Fileinfo { path: f.path, metadata: LoftMeta { inner: f.metadata, len } }
            })
            .collect())
    }

    async fn get<P: AsRef<Path> + Send + Debug>(
        &self,
        user: &LoftUser,
        path: P,
        start_pos: u64,
    ) -> Result<Box<dyn AsyncRead + Send + Sync + Unpin>> {
        let shown = path.as_ref().display().to_string();
        let room = self.room(user, path.as_ref())?;
        let inner: Box<dyn AsyncRead + Send + Sync + Unpin> = match room {
            Some(real) => self.read_room(user, real, start_pos).await?,
            None => {
                // A FIFO or a device would block the transfer (and its slot) forever.
                let meta = self.fs()?.metadata(user, path.as_ref()).await?;
                if !meta.is_file() {
                    return Err(Error::new(ErrorKind::PermanentFileNotAvailable, reason("not a regular file")));
                }
                self.fs()?.get(user, path, start_pos).await?
            }
        };
        Ok(Box::new(CountingReader { inner, bytes: 0, user: user.name.clone(), path: shown }))
    }

    async fn put<P: AsRef<Path> + Send + Debug, R: AsyncRead + Send + Sync + Unpin + 'static>(
        &self,
        user: &LoftUser,
        input: R,
        path: P,
        start_pos: u64,
    ) -> Result<u64> {
        self.upload(user, input, path.as_ref(), Some(start_pos)).await
    }

    async fn append<P: AsRef<Path> + Send + Debug, R: AsyncRead + Send + Sync + Unpin + 'static>(
        &self,
        user: &LoftUser,
        input: R,
        path: P,
    ) -> Result<u64> {
        self.upload(user, input, path.as_ref(), None).await
    }

    async fn del<P: AsRef<Path> + Send + Debug>(&self, user: &LoftUser, path: P) -> Result<()> {
        Self::deny_read_only(user)?;
        Self::deny_state(path.as_ref())?;
        self.deny_files_change(user, path.as_ref(), true)?;
        self.deny_room_change(user, path.as_ref(), "deleting")?;
        self.fs()?.del(user, path.as_ref()).await?;
        tracing::info!(target: "loft::transfer", user = %user.name, cmd = "DELE", path = %path.as_ref().display(), "deleted");
        Ok(())
    }

    async fn mkd<P: AsRef<Path> + Send + Debug>(&self, user: &LoftUser, path: P) -> Result<()> {
        Self::deny_read_only(user)?;
        Self::deny_state(path.as_ref())?;
        self.deny_files_change(user, path.as_ref(), false)?;
        self.fs()?.mkd(user, path).await
    }

    async fn rename<P: AsRef<Path> + Send + Debug>(&self, user: &LoftUser, from: P, to: P) -> Result<()> {
        Self::deny_read_only(user)?;
        Self::deny_state(from.as_ref())?;
        Self::deny_state(to.as_ref())?;
        self.deny_files_change(user, from.as_ref(), false)?;
        self.deny_files_change(user, to.as_ref(), false)?;
        self.deny_room_change(user, from.as_ref(), "renaming")?;
        self.deny_room_change(user, to.as_ref(), "replacing")?;
        if !user.allow_delete {
            for (p, what) in [(from.as_ref(), "renaming"), (to.as_ref(), "replacing")] {
                let is_dir = self.fs()?.metadata(user, p).await.map(|m| m.is_dir()).unwrap_or(false);
                if is_dir && self.shared.holds_rooms(user, p) {
                    return Err(Error::new(
                        ErrorKind::PermissionDenied,
                        reason(&format!(
                            "{what} a folder with chat rooms in it is not allowed: rooms only grow (chat.allow_delete is off for this user)"
                        )),
                    ));
                }
            }
        }
        self.fs()?.rename(user, from, to).await
    }

    async fn rmd<P: AsRef<Path> + Send + Debug>(&self, user: &LoftUser, path: P) -> Result<()> {
        Self::deny_read_only(user)?;
        Self::deny_state(path.as_ref())?;
        self.deny_files_change(user, path.as_ref(), false)?;
        self.fs()?.rmd(user, path).await
    }

    async fn cwd<P: AsRef<Path> + Send + Debug>(&self, user: &LoftUser, path: P) -> Result<()> {
        self.fs()?.cwd(user, path).await
    }
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
