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
//!
//! By concern: `paths` (which path is a room, a shared file or hidden state), this file
//! (the session: reads and writes of rooms and shared files), `backend` (each FTP command's
//! storage call), `quota` (upload limits), `adapters` (metadata and readers handed to
//! libunftp) and `errors` (room-store errors as FTP replies, in one place).

mod adapters;
mod backend;
mod errors;
mod paths;
mod quota;

pub(crate) use adapters::LoftMeta;
pub(crate) use paths::{FilesPath, NotARoom, StorageConfig};
pub(crate) use quota::{file_hold, note_sharer, size_from_disk};

use crate::base::sync::Unpoison;
use crate::ftpchat;
use crate::relay::rates::Member;
use crate::relay::user::LoftUser;
use crate::room::files::FileError;
use crate::room::rotate;
use crate::room::{Rooms, WriteMode};
use adapters::{Capped, SeenAtEnd, SharedReader};
use errors::{drain, file_error, reason, room_error};
use quota::{part_path, Limit};
use std::collections::HashMap;
use std::fmt::Debug;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncRead, AsyncReadExt};
use unftp_core::storage::{Error, ErrorKind, Metadata, Result, StorageBackend};
use unftp_sbe_fs::Filesystem;

/// A room's whole kept history as one file in its state folder
/// (`.lobby.txt.loft/history.txt`), for clients that download a file whole and check its
/// size: its `SIZE` is what its `RETR` sends, and a `REST` into it resumes where a cut
/// download stopped. The room file itself cannot be that for them: see docs/rooms.md,
/// "Generic clients".
pub(crate) const HISTORY_NAME: &str = "history.txt";

/// A room's real path (as [`StorageConfig::room`] gives it) as the file system backend
/// takes it: from the user's home, under the name it has on disk.
fn home_path(user: &LoftUser, real: &Path) -> Option<PathBuf> {
    let home = user.real_home().ok()?;
    real.strip_prefix(&*home).ok().map(|rel| Path::new("/").join(rel))
}

/// The bytes of a room's span, read in order.
fn span_reader(span: crate::room::Span) -> Box<dyn AsyncRead + Send + Sync + Unpin> {
    Box::new(crate::room::span::SpanReader::new(span.parts))
}

/// The key of a room's history in [`LoftStorage::sized`]: not a path a room can have.
fn history_key(real: &Path) -> PathBuf {
    rotate::state_dir(real).join(HISTORY_NAME)
}

/// One session's view of the files.
pub(crate) struct LoftStorage {
    /// The file system below the root, for what is not a room (listings, shared files,
    /// other files). Opened at first use: FTPChat's sessions only touch rooms, which the
    /// room store reaches by path, and an open and a close fewer per session count on a
    /// router. `None` when the root could not be opened (a USB disk gone): every
    /// operation then fails with a local error instead of the server stopping.
    fs_: std::sync::OnceLock<Option<Filesystem>>,
    shared: Arc<StorageConfig>,
    /// Per room (real path): the logical size this session's last `SIZE` (or `MLST`,
    /// `MDTM`) answered, which caps its next `RETR` of that room. The FTPChat client sets
    /// its offset to what SIZE said, not to what RETR delivered: a RETR that returned more
    /// would deliver a message now and again on the next poll.
    sized: Mutex<HashMap<PathBuf, u64>>,
    /// Per room: where its history started when this session's last `SIZE` of its
    /// [`HISTORY_NAME`] answered (offset 0 of that file, for the next `RETR` of it).
    history_origin: Mutex<HashMap<PathBuf, u64>>,
    /// The client's address: rate limits count per user at an address.
    peer: std::net::IpAddr,
}

/// libunftp's traits want `Debug`; what tells one session's storage from another's is
/// its client (the rest is the relay's, or the room caches', in the log already).
impl Debug for LoftStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoftStorage").field("peer", &self.peer).finish_non_exhaustive()
    }
}

impl LoftStorage {
    pub(crate) fn new(shared: Arc<StorageConfig>, peer: std::net::IpAddr) -> Self {
        LoftStorage { fs_: Default::default(), shared, sized: Mutex::default(), history_origin: Mutex::default(), peer }
    }

    /// The file system below the root, opened now if it was not.
    fn fs_mut(&mut self) -> Option<&mut Filesystem> {
        let _ = self.fs();
        self.fs_.get_mut()?.as_mut()
    }

    /// The room registry.
    pub(crate) fn rooms(&self) -> Arc<Rooms> {
        self.shared.rooms.clone()
    }

    /// The room a `SITE` command names; see [`StorageConfig::room_named`].
    pub(crate) fn site_room(&self, user: &LoftUser, name: &str) -> std::result::Result<PathBuf, NotARoom> {
        self.shared.room_named(user, name)
    }

    fn deny_state(path: &Path) -> Result<()> {
        if Self::in_state_dir(path) {
            return Err(Error::new(ErrorKind::PermissionDenied, reason("a room's archive folder is read-only")));
        }
        Ok(())
    }

    /// In a room's state folder only the archives may be read: the other files are the
    /// relay's own (`state`, receipts, and `shares`, which holds members' addresses).
    fn deny_state_file(path: &Path) -> Result<()> {
        let name = path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
        if Self::in_state_dir(path) && rotate::archive_range(&name).is_none() {
            return Err(Error::new(
                ErrorKind::PermissionDenied,
                reason("in a room's archive folder only the archives and history.txt can be read"),
            ));
        }
        Ok(())
    }

    fn fs(&self) -> Result<&Filesystem> {
        let root = &self.shared.root;
        self.fs_
            .get_or_init(|| {
                Filesystem::new(root)
                    .map_err(|e| tracing::error!(root = %root.display(), "cannot open the root folder: {e}"))
                    .ok()
            })
            .as_ref()
            .ok_or_else(|| Error::new(ErrorKind::LocalError, reason("the relay's storage is unavailable")))
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
        let reader = span_reader(span);
        // Seen up to `cap` once the whole answer has been read out for sending (not when
        // the transfer starts: an aborted download has not been seen).
        let seen = (start <= cap).then(|| (self.shared.rooms.clone(), real, user.name.clone(), cap));
        Ok(Box::new(SeenAtEnd { inner: reader, seen }))
    }

    /// `SIZE`, `MDTM` and the listing of a room's [`HISTORY_NAME`]: the room's file, with
    /// the length of its kept history (which caps this session's next `RETR` of it, as
    /// `SIZE` of a room does).
    async fn history_meta(&self, user: &LoftUser, real: PathBuf) -> Result<LoftMeta> {
        let view = self.shared.rooms.subscribe(&real).await.map_err(room_error)?.view();
        let own = home_path(user, &real).ok_or_else(|| Error::from(ErrorKind::PermissionDenied))?;
        let inner = self.fs()?.metadata(user, own).await?;
        self.sized.lock().unpoisoned().insert(history_key(&real), view.end);
        self.history_origin.lock().unpoisoned().insert(real, view.history);
        Ok(LoftMeta { inner: adapters::Stat::Fs(inner), len: Some(view.end - view.history.min(view.end)) })
    }

    /// A `RETR` of a room's [`HISTORY_NAME`] from `skip` bytes into it (a `REST`): the
    /// archives kept and the live part, whole lines, up to the size the session's last
    /// `SIZE` of it answered.
    async fn read_history(&self, real: PathBuf, skip: u64) -> Result<Box<dyn AsyncRead + Send + Sync + Unpin>> {
        let asked = self.sized.lock().unpoisoned().remove(&history_key(&real));
        let origin = self.history_origin.lock().unpoisoned().remove(&real);
        let (span, view) = self.shared.rooms.open_history(&real, origin, skip, asked).await.map_err(room_error)?;
        if origin.is_some_and(|o| o < view.history) {
            // The oldest archive went since SIZE: the bytes it answered for are not all
            // there, and sending what is would shift every offset after them.
            return Err(Error::new(
                ErrorKind::TransientFileNotAvailable,
                reason(
                    "the room's oldest archive was pruned since SIZE: ask SIZE again (the history now starts later)",
                ),
            ));
        }
        Ok(span_reader(span))
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
            let mode = match start {
                None => Some(WriteMode::Append),
                Some(0) => Some(WriteMode::Merge),
                // Logical, like the offsets clients see (a REST at the end is the logical
                // size). Only here: an `APPE`, every FTPChat message, needs no size.
                Some(p) => {
                    let len = rotate::logical_len(&real, std::fs::metadata(&real).map(|m| m.len()).unwrap_or(0));
                    (p >= len).then_some(WriteMode::Append)
                }
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
        // The most this upload may add: limits.max_upload_bytes, and what its hold may
        // take: the home's quota (what the file held from `at` on is replaced, so it
        // counts as free), shared with the uploads running beside it, and the disk reserve.
        let credit = existing.map_or(0, |len| len.saturating_sub(at));
        let mut hold = quota::hold(&self.shared.space, self.shared.reserve, user, credit).await;
        if let Err(short) = hold.take(0) {
            let e = Error::new(quota::short_kind(&short), reason(&quota::short_text(&short)));
            return Err(drain(&mut input, e).await);
        }
        let hold = Arc::new(Mutex::new(Some(hold)));
        let refused = Arc::new(Mutex::new(None));
        let max_upload = self.shared.max_upload_bytes;
        let input: Box<dyn AsyncRead + Send + Sync + Unpin> = Box::new(Capped {
            inner: input,
            left: if max_upload > 0 { max_upload } else { u64::MAX },
            hold: hold.clone(),
            refused: refused.clone(),
        });
        // A new file (or a whole new version) is written aside and renamed into place
        // only when complete: a STOR that fails (disk full, over a limit, the client gone)
        // leaves no partial file, and an old version stays as it was.
        let fresh = at == 0 && start.is_some();
        let target = path.to_path_buf();
        let part = if fresh { part_path(path) } else { target.clone() };
        // Kept here too, so that the rest of a refused upload can be drained (a full disk
        // found in the middle): the client then reads the 452, not a reset connection.
        let input = SharedReader(Arc::new(Mutex::new(input)));
        let written = self.fs()?.put(user, input.clone(), &part, at).await;
        let written = match written {
            Ok(n) if fresh => self.fs()?.rename(user, &part, &target).await.map(|()| n),
            r => r,
        };
        let hold = hold.lock().unpoisoned().take();
        match written {
            Ok(n) => {
                if let Some(h) = hold {
                    h.keep();
                }
                tracing::info!(target: "loft::transfer", user = %user.name, cmd, path = %crate::base::text::logged(path), bytes = n, "upload");
                Ok(n)
            }
            Err(e) => {
                if fresh {
                    let _ = self.fs()?.del(user, &part).await;
                }
                let e = drain(&mut input.clone(), e).await;
                tracing::warn!(target: "loft::transfer", user = %user.name, cmd, path = %crate::base::text::logged(path), "upload failed: {e}");
                match refused.lock().unpoisoned().take() {
                    Some(r) if r.kind == ErrorKind::ExceededStorageAllocationError && r.text.is_empty() => {
                        Err(Error::new(r.kind, reason(&Limit::Upload.text(max_upload))))
                    }
                    Some(r) => Err(Error::new(r.kind, reason(&r.text))),
                    None => Err(e),
                }
            }
        }
    }

    /// An upload into a room's files area: only a `STOR` of a new `ID.lff`, checked and
    /// capped by [`crate::room::files::store`] (through the room store, for cluster mode).
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
        let hold = file_hold(&self.shared.space, self.shared.reserve, user, &room, limits.quota_bytes).await;
        match self.shared.rooms.store_file(&room, id, input, limits, hold).await {
            Ok(n) => {
                note_sharer(user, &room, id);
                tracing::info!(target: "loft::transfer", user = %user.name, cmd, room = %crate::base::text::logged(&room), file = %name, bytes = n, "shared file stored");
                Ok(n)
            }
            Err(e) => {
                tracing::warn!(target: "loft::transfer", user = %user.name, cmd, room = %crate::base::text::logged(&room), file = %name, "shared file refused: {e}");
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
        // Room for a few messages at once: from empty, the buffer would grow 32, 64, 128…
        // bytes and take a read for each step (an FTPChat message is one read now).
        let mut data = Vec::with_capacity((limit + 1).min(4096));
        let read = input.take(limit as u64 + 1).read_to_end(&mut data).await.map_err(Error::from)?;
        if read > limit {
            tracing::warn!(target: "loft::transfer", user = %user.name, cmd, path = %crate::base::text::logged(real), "refused: upload over {limit} bytes");
            return Err(Error::new(
                ErrorKind::ExceededStorageAllocationError,
                reason(&format!(
                    "a room append may be at most {limit} bytes (chat.max_append_bytes); nothing was written"
                )),
            ));
        }
        // The rate limit counts what the room's writer finds new: a whole-room STOR (the
        // FTPChat fallback) is mostly lines the room holds.
        let by = self.shared.rates.author(Member::of(user, self.peer), self.shared.rate_limits);
        match self.shared.rooms.append(real, &data, mode, Some(by)).await {
            Ok(out) => {
                tracing::info!(
                    target: "loft::transfer",
                    user = %user.name, cmd, path = %crate::base::text::logged(real), bytes = out.bytes_written,
                    lines = out.written_lines, duplicates = out.duplicate_lines, "room append"
                );
                Ok(data.len() as u64)
            }
            Err(e) => {
                tracing::warn!(target: "loft::transfer", user = %user.name, cmd, path = %crate::base::text::logged(real), "refused: {e}");
                Err(room_error(e))
            }
        }
    }
}
