//! The room log: every write to a room goes through here.
//!
//! An FTPChat room is a text file, one Fernet token per line, that every client appends to
//! with `APPE`, one FTP session per message, many at once, and that readers follow by byte
//! offset. A plain FTP server appends without a lock: two sessions interleave, a line is
//! torn or lost, and every reader that hits it is stuck. This module is why that cannot
//! happen here. Each choice below answers one way a room gets damaged:
//!
//! - **One writer per room.** [`Rooms`] is a registry shared by every session; a room is
//!   keyed by its canonical path, so `a/room.txt`, `a/./room.txt` and a symlink to it are
//!   one room with one queue. Appends enqueue; one "leader" task (on the blocking pool, so
//!   an fsync never stalls the async runtime) drains the queue, and it alone touches the
//!   file. Entries are weak references and die with the last session that uses the room:
//!   a relay that saw ten thousand rooms does not keep ten thousand open files.
//! - **One `write()` per batch, at the true end.** The file is opened `O_APPEND`, and the
//!   whole batch (every line of the upload, or of every upload in a group commit) goes in a
//!   single `write()`. A reader polling the file sees either none or all of it, and an admin
//!   who appends by hand cannot be overwritten.
//! - **Validate everything before writing anything.** A bad line refuses the whole upload
//!   with its 1-based line number (counting the upload's lines as the client sent them,
//!   empty ones included, so the number points at what the person sees), and the room is
//!   left byte-for-byte as it was: a half-applied upload would be impossible to retry.
//! - **Durability is a policy, and group commit makes `always`-like durability cheap.**
//!   `Always` fsyncs each append on its own; `Batch` lets appends that queued up while the
//!   previous write+fsync ran share the next write and fsync, so a burst of N messages costs
//!   far fewer than N fsyncs (the flash in a router wears, and fsync is slow); `Never`
//!   leaves it to the OS. A call returns only once its lines are as durable as the policy
//!   says. [`Rooms::fsyncs`] counts them for benchmarks.
//! - **Retries are not doubled.** A client that timed out waiting for `226` sends the same
//!   token again. Tokens carry a random IV, so two equal lines are the same message: the
//!   last [`RECENT_LINES`] lines of each room (seeded from the file's last [`SEED_BYTES`]
//!   when the room is opened) are remembered as keyed hashes, and a line already among them,
//!   or repeated within the same upload, is counted in `duplicate_lines`, not written. The
//!   hashes are SipHash with a per-process random key, so nobody can craft a collision to
//!   suppress someone else's message.
//! - **`STOR` on a room merges, never truncates** ([`WriteMode::Merge`]). The FTPChat
//!   fallback uploads the whole room; replacing the file would drop every message sent
//!   since that client downloaded it. So the upload's lines that the file does not hold
//!   anywhere (the whole file is read, under the room's writer; rooms are small) are
//!   appended, in order.
//! - **A crash or a full disk leaves whole lines only.** When a room is opened, bytes after
//!   the last newline (a write cut short by power loss) are cut off and logged. A failed or short write (ENOSPC) is truncated back to the
//!   length before it, and the call fails: a room never keeps a partial line, and the
//!   client's retry is not mistaken for a duplicate. A failed fsync is rolled back the same
//!   way: an error reply means the room does not hold the lines.
//! - **The room may change under us.** Before each batch the path is checked to still be
//!   the open file (a room deleted or renamed through FTP is reopened, and recreated by the
//!   next append, as `APPE` would), and the length to still be ours (an outside writer's
//!   unterminated tail is cut, as at open).
//!
//! An upload with no lines at all (empty, or only newlines) succeeds with nothing written,
//! but still creates the room if it is missing: `APPE`/`STOR` of an empty file creates it
//! on any FTP server, and clients create rooms that way. Once an append is queued, dropping
//! its future (a session that went away) does not cancel it: the leader writes it anyway.
//!
//! Rooms rotate behind logical offsets ([`crate::room::rotate`]): the leader rotates a
//! room right after the write that took it past `rotate_bytes` (after answering that
//! write), so no append races a rotation, and opening a room first finishes or undoes a
//! rotation a crash cut short. The recent-line hashes survive a rotation, and a `STOR`
//! merge also checks the newest archive.
//!
//! Each room publishes its [`View`] (logical base and end, and which file is live) in a
//! [`tokio::sync::watch`] channel after every write and rotation: `SITE WAIT` waits on it
//! ([`Rooms::subscribe`]), and readers map logical offsets through it onto a file checked
//! to be that live file ([`Rooms::open_read`]), so a rotation between the two cannot shift
//! what they read.

#[cfg(feature = "cluster")]
pub(crate) mod checkpoint;
pub mod files;
mod leader;
mod log;
pub(crate) mod replica;
pub mod rotate;
pub mod seen;
mod shares;
pub(crate) mod span;
pub(crate) mod spread;
mod upload;

use crate::base::sync::Unpoison;
use crate::config::{ChatConfig, SyncPolicy};
use leader::Room;
use rotate::RotateSettings;
use seen::SeenBook;
use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::fs::File;
use std::hash::{BuildHasher, RandomState};
use std::io;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use tokio::sync::watch;
use upload::Upload;

/// How many of a room's last lines are remembered to spot a retried message.
pub(crate) const RECENT_LINES: usize = 1024;
/// How much of a room's end is read to seed the recent lines when it is opened.
pub(crate) const SEED_BYTES: u64 = 64 * 1024;
/// Lines longer than this, met while reading a room, are skipped rather than buffered.
const MAX_SCAN_LINE: usize = 1024 * 1024;

/// How rooms behave; taken from `[chat]` in the config, replaced on reload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RoomSettings {
    /// Refuse lines that are not well-formed Fernet tokens.
    pub(crate) validate: bool,
    /// When an append is durable.
    pub(crate) sync: SyncPolicy,
    /// Largest single upload to a room, in bytes.
    pub(crate) max_append_bytes: usize,
    /// When and how rooms rotate (see [`crate::room::rotate`]).
    pub(crate) rotate: RotateSettings,
    /// What a room may hold, archives and live part together (0: no limit).
    pub(crate) max_room_bytes: u64,
    /// The limits of shared files (see [`crate::room::files`]).
    pub(crate) files: files::FileLimits,
}

impl From<&ChatConfig> for RoomSettings {
    fn from(c: &ChatConfig) -> Self {
        RoomSettings {
            validate: c.validate,
            sync: c.sync,
            max_append_bytes: c.max_append_bytes,
            rotate: RotateSettings {
                rotate_bytes: c.rotate_bytes,
                keep_bytes: c.keep_bytes,
                keep_archives: c.keep_archives,
                keep_days: c.keep_days,
            },
            max_room_bytes: c.max_room_bytes,
            files: files::FileLimits { max_file_bytes: c.max_file_bytes, quota_bytes: c.files_quota_bytes },
        }
    }
}

impl Default for RoomSettings {
    fn default() -> Self {
        RoomSettings::from(&ChatConfig::default())
    }
}

/// What an upload to a room does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WriteMode {
    /// `APPE`: append the upload's lines (minus recent duplicates).
    Append,
    /// `STOR` on a room: append only the upload's lines that the room does not already
    /// hold anywhere, in order; never truncate.
    Merge,
}

/// What one upload did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct AppendOutcome {
    /// Lines added to the room.
    pub(crate) written_lines: usize,
    /// Lines skipped because the room (or the upload itself) already held them.
    pub(crate) duplicate_lines: usize,
    /// Bytes added to the room, newlines included.
    pub(crate) bytes_written: u64,
    /// Refused whole: it would have taken the room past `chat.max_room_bytes`, counted
    /// in the room's writer with the appends before it in the same group.
    pub(crate) full: bool,
    /// Refused whole by its [`Admit`] check.
    pub(crate) not_admitted: Option<NotAdmitted>,
    /// Refused whole: its author holds this much of the room already, their share of
    /// the budget (see [`shares`]).
    pub(crate) over_share: Option<u64>,
    /// Cluster mode: the bytes the upload adds to the room (what is published).
    pub(crate) planned: Vec<u8>,
}

/// Who appends: the member whose share of the room's budget it counts against (a user
/// at a client address, as the relay names them), and the check it must pass.
pub(crate) struct Author {
    pub(crate) member: String,
    pub(crate) admit: Option<Admit>,
}

/// A check that the room's writer makes on an upload once it knows exactly what the
/// upload adds, lines and bytes that are new to the room, and before writing any of it.
/// The relay's rate limits are one: a whole-room `STOR` (the FTPChat fallback) is mostly
/// lines the room already holds, and only the writer, which alone writes the file, knows
/// how many are new; a check made before queueing would let parallel uploads pass it
/// together (issue 19.5).
pub(crate) type Admit = Box<dyn Fn(u64, u64) -> Result<(), NotAdmitted> + Send + Sync>;

/// Why an [`Admit`] check refused an upload, for the client; nothing was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NotAdmitted {
    pub(crate) why: String,
    /// Seconds after which the same upload may pass.
    pub(crate) retry: u64,
}

/// Why an upload to a room was refused; in every case nothing was written.
#[derive(Debug)]
pub(crate) enum RoomError {
    /// The upload is larger than `max_append_bytes` (reply `552`).
    TooLarge { limit: usize },
    /// Line `line` (1-based, in the upload) is not a Fernet token (reply `553`).
    Invalid { line: usize, reason: String },
    /// The room holds `chat.max_room_bytes` already (reply `452`).
    Full { limit: u64 },
    /// The room is near its budget and the author holds `held` bytes of it, their share
    /// (reply `452`); others can still write.
    OverShare { held: u64, limit: u64 },
    /// The disk (or the file system's quota) is full.
    DiskFull(io::Error),
    /// No room by that name (or its folder) exists.
    NoRoom,
    /// Its [`Admit`] check refused it (a rate limit).
    NotAdmitted(NotAdmitted),
    /// Cluster mode: the replicated log could not take it; `maybe` says the cluster may
    /// hold it all the same (it was sent, and no answer came), so a retry is stored once.
    #[cfg_attr(not(feature = "cluster"), allow(dead_code))]
    Unavailable { why: String, maybe: bool },
    /// The file system failed otherwise.
    Io(io::Error),
}

/// Whether an I/O error means that the disk, or a quota of the file system, is full.
pub(crate) fn is_disk_full(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(libc::ENOSPC) | Some(libc::EDQUOT) | Some(libc::EFBIG))
        || e.kind() == io::ErrorKind::StorageFull
}

impl fmt::Display for RoomError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RoomError::TooLarge { limit } => {
                write!(f, "upload too large: a room takes at most {limit} bytes at a time")
            }
            RoomError::Invalid { line, reason } => {
                write!(f, "line {line}: not a Fernet token: {reason}")
            }
            RoomError::Full { limit } => write!(
                f,
                "room not written: it holds its maximum of {limit} bytes (chat.max_room_bytes); the relay's admin can raise it"
            ),
            RoomError::OverShare { held, limit } => write!(
                f,
                "room not written: it is near its maximum of {limit} bytes (chat.max_room_bytes), and {held} bytes of what it keeps are yours, your share of what is left; others can still write, and your share grows back as old history expires (chat.keep_days)"
            ),
            RoomError::DiskFull(_) => write!(f, "room not written: the relay's disk is full; the room is unchanged"),
            RoomError::NoRoom => write!(f, "no such room"),
            RoomError::NotAdmitted(n) => f.write_str(&n.why),
            RoomError::Unavailable { why, maybe: false } => {
                write!(f, "cluster unavailable, nothing written ({why}); try again shortly")
            }
            RoomError::Unavailable { why, maybe: true } => write!(
                f,
                "cluster did not confirm the append ({why}); it may be in the room: send it again, a retry is stored once"
            ),
            RoomError::Io(e) => write!(f, "room not written: {e}"),
        }
    }
}

impl std::error::Error for RoomError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            RoomError::Io(e) | RoomError::DiskFull(e) => Some(e),
            _ => None,
        }
    }
}

impl From<io::Error> for RoomError {
    fn from(e: io::Error) -> Self {
        match e.kind() {
            _ if is_disk_full(&e) => RoomError::DiskFull(e),
            io::ErrorKind::NotFound => RoomError::NoRoom,
            _ => RoomError::Io(e),
        }
    }
}

/// The registry of rooms, shared by every session (`Arc<Rooms>`).
pub(crate) struct Rooms {
    shared: Arc<Store>,
    registry: Mutex<Registry>,
    /// Who read which room how far (`SITE SEEN`).
    pub(crate) seen: SeenBook,
    /// Cluster mode: where receipts and shared files go too (see [`spread`]).
    spread: spread::Hooks,
    /// Cluster mode: where appends go instead of the room files (see [`replica`]).
    #[cfg(feature = "cluster")]
    replicator: std::sync::OnceLock<Arc<dyn replica::Replicator>>,
}

/// What every room of a registry shares.
struct Store {
    settings: Mutex<RoomSettings>,
    // AtomicUsize, not AtomicU64: 32-bit MIPS has no 64-bit atomics.
    fsyncs: AtomicUsize,
    hasher: RandomState,
    /// Cluster mode: the room files are replicas of a stream (see [`replica`]).
    replicated: std::sync::atomic::AtomicBool,
    /// Tests only: make the next write stop after this many bytes, as a full disk does.
    #[cfg(test)]
    short_write: Mutex<Option<usize>>,
}

impl Store {
    fn settings(&self) -> RoomSettings {
        lock(&self.settings).clone()
    }
    fn hash(&self, line: &[u8]) -> u64 {
        self.hasher.hash_one(line)
    }
}

struct Registry {
    rooms: HashMap<PathBuf, Weak<Room>>,
    /// Dead entries are swept when the map reaches this size (amortized O(1)).
    sweep_at: usize,
    /// The most recently used rooms, most recent first, kept open: every FTPChat message
    /// is a session of its own, and without this a quiet room would be opened, repaired
    /// and its recent lines hashed again for every message.
    hot: VecDeque<Arc<Room>>,
    /// How many rooms `hot` keeps (one open file each).
    keep_open: usize,
}

/// Rooms kept open after their last use (see `Registry::hot`).
pub(crate) const KEEP_OPEN: usize = 16;

impl Rooms {
    /// A new, empty registry.
    pub(crate) fn new(settings: RoomSettings) -> Arc<Rooms> {
        Arc::new(Rooms {
            shared: Arc::new(Store {
                settings: Mutex::new(settings),
                fsyncs: AtomicUsize::new(0),
                hasher: RandomState::new(),
                replicated: std::sync::atomic::AtomicBool::new(false),
                #[cfg(test)]
                short_write: Mutex::new(None),
            }),
            registry: Mutex::new(Registry {
                rooms: HashMap::new(),
                sweep_at: 64,
                hot: VecDeque::new(),
                keep_open: KEEP_OPEN,
            }),
            seen: SeenBook::default(),
            spread: spread::Hooks::default(),
            #[cfg(feature = "cluster")]
            replicator: std::sync::OnceLock::new(),
        })
    }

    /// Replaces the settings (config reload). Uploads already validated keep the old
    /// `validate`/`max_append_bytes`; the next batch written uses the new `sync`.
    pub(crate) fn set_settings(&self, s: RoomSettings) {
        *lock(&self.shared.settings) = s;
    }

    /// The settings in force.
    pub(crate) fn settings(&self) -> RoomSettings {
        self.shared.settings()
    }

    /// fsync calls made so far, over all rooms (room files, and their folder when a room
    /// is created), for benchmarks: fsyncs per message.
    pub(crate) fn fsyncs(&self) -> u64 {
        self.shared.fsyncs.load(Ordering::Relaxed) as u64
    }

    /// How many recently used rooms stay open when nothing uses them ([`KEEP_OPEN`]).
    #[cfg(test)]
    pub(crate) fn set_keep_open(&self, n: usize) {
        let mut reg = lock(&self.registry);
        reg.keep_open = n;
        reg.hot.truncate(n);
    }

    /// Rooms open right now (used by an upload or a [`RoomWatch`], or recently used).
    pub(crate) fn rooms_open(&self) -> usize {
        lock(&self.registry).rooms.values().filter(|w| w.strong_count() > 0).count()
    }

    /// Writes an upload to the room at `path` (absolute, already confined by the caller),
    /// creating the room if it is missing. Returns once the lines are as durable as the
    /// `sync` setting says. On any error the room is left as it was. `by`, if given, says
    /// whose share of the room's budget the upload counts against, and what its
    /// [`Admit`] check is, asked in the room's writer once it knows what the upload adds.
    pub(crate) async fn append(
        &self,
        path: &Path,
        data: &[u8],
        mode: WriteMode,
        by: Option<Author>,
    ) -> Result<AppendOutcome, RoomError> {
        let settings = self.shared.settings();
        let upload = Upload::parse(data, &settings, &self.shared)?;
        let room = self.room(path).await?;
        let max = settings.max_room_bytes;
        // The room's budget: what it keeps (archives and live part) stays under it. A
        // room that reaches it refuses appends until the admin decides (raise it, or let
        // older archives go with a smaller keep_days): its history is not deleted early.
        let held = {
            let v = room.len.borrow();
            v.end.saturating_sub(v.history)
        };
        // Refusals for the budget are logged at most once a minute per room.
        if max > 0 && held + data.len() as u64 > max {
            if room.note_budget() {
                tracing::error!(room = %crate::base::text::logged(path), held, limit = max, "room full: appends refused (chat.max_room_bytes)");
            }
            return Err(RoomError::Full { limit: max });
        }
        let member = by.as_ref().map(|a| a.member.clone());
        #[cfg(not(feature = "cluster"))]
        let out = room.submit(upload, mode, true, by).await?;
        #[cfg(feature = "cluster")]
        let out = match self.replicator.get() {
            None => room.submit(upload, mode, true, by).await?,
            Some(r) => {
                let mut out = room.submit_kind(leader::JobKind::Plan, upload, mode, true, by).await?;
                let refused = out.full || out.not_admitted.is_some() || out.over_share.is_some();
                // Nothing new for a room that exists: a retry, answered as one. A room
                // not created yet is created through the stream too, even empty.
                let exists = out.written_lines > 0 || room_exists(&room.path).await;
                if !refused && (out.written_lines > 0 || !exists) {
                    let data = std::mem::take(&mut out.planned);
                    r.append(&room.path, data, member.clone()).await?;
                }
                out
            }
        };
        if out.full {
            if room.note_budget() {
                tracing::error!(room = %crate::base::text::logged(path), limit = max, "room full: appends refused (chat.max_room_bytes)");
            }
            return Err(RoomError::Full { limit: max });
        }
        if let Some(n) = out.not_admitted {
            return Err(RoomError::NotAdmitted(n));
        }
        if let Some(held) = out.over_share {
            if room.note_budget() {
                tracing::warn!(
                    room = %crate::base::text::logged(path), member = member.as_deref().unwrap_or("?"), held, limit = max,
                    "room near its budget: this member's share is used up, their appends are refused, others go on (chat.max_room_bytes, keep_days)"
                );
            }
            return Err(RoomError::OverShare { held, limit: max });
        }
        Ok(out)
    }

    /// Records that `user` has read `room` up to `offset` (see [`seen`]): visible at once,
    /// written to the room's state folder within [`seen::SAVE_DELAY`] (and at a clean
    /// stop, [`Rooms::save_receipts`]).
    pub(crate) fn note_seen(self: &Arc<Self>, room: &Path, user: &str, offset: u64) {
        self.spread_seen(room, user, offset);
        if self.seen.note(room, user, offset) {
            let rooms = self.clone();
            tokio::spawn(async move {
                tokio::time::sleep(seen::SAVE_DELAY).await;
                let _ = tokio::task::spawn_blocking(move || rooms.seen.save_due()).await;
            });
        }
    }

    /// Writes the read receipts not written yet (a clean stop). Blocking.
    pub(crate) fn save_receipts(&self) {
        self.seen.save_due();
    }

    /// Follows the room at `path`: its current length, and a wake-up after every append.
    /// Opens (and repairs) the room, but does not create it: a missing room is `Io`
    /// (`NotFound`). The room stays open while the [`RoomWatch`] lives.
    pub(crate) async fn subscribe(&self, path: &Path) -> Result<RoomWatch, RoomError> {
        if let Some((room, _, _)) = self.settled(path, false) {
            let rx = room.len.subscribe();
            return Ok(RoomWatch { room, rx });
        }
        let room = self.room(path).await?;
        room.submit(Upload::default(), WriteMode::Append, false, None).await?;
        let rx = room.len.subscribe();
        Ok(RoomWatch { room, rx })
    }

    /// The fast way in for readers (`SIZE`, `RETR`, every FTPChat poll): a room in use,
    /// whose writer is not running, and whose file on disk is still what its last write
    /// published (the same file, the same length) needs no trip to its writer, whose
    /// empty job would only find that out on the blocking pool. `None` sends the caller
    /// the slow way: the writer opens the room, repairs what changed outside Loft and
    /// publishes the view.
    ///
    /// The check is a `stat` of a file in use (opened too, with `open`), so of an inode
    /// in the cache: it runs on the async thread, like the path checks before it, where a
    /// hand-off to the blocking pool and back would cost more than the call.
    fn settled(&self, path: &Path, open: bool) -> Option<(Arc<Room>, Option<File>, View)> {
        let room = self.registered(path)?;
        // Not while the writer runs: it may be rotating the room after answering an
        // append, and a reader that comes after that answer must find the rotation done,
        // as it would behind the writer.
        if lock(&room.queue).leader {
            return None;
        }
        // The view first, then the disk: a write between the two shows as a longer file
        // than the view says, and the slow way takes over.
        let view = *room.len.borrow();
        if view.ino == 0 {
            return None;
        }
        let (file, meta) = if open {
            let f = File::open(&room.path).ok()?;
            let m = f.metadata().ok()?;
            (Some(f), m)
        } else {
            (None, std::fs::metadata(&room.path).ok()?)
        };
        let same = (meta.dev(), meta.ino()) == (view.dev, view.ino) && meta.len() == view.end - view.base;
        same.then_some((room, file, view))
    }

    /// Opens the room at `path` for reading: the live file, and the [`View`] that maps
    /// logical offsets onto it. The file is checked to be the one the view describes (a
    /// rotation between the two would otherwise shift every offset), else tried again.
    pub(crate) async fn open_read(&self, path: &Path) -> Result<(File, View), RoomError> {
        if let Some((_, Some(file), view)) = self.settled(path, true) {
            return Ok((file, view));
        }
        for _ in 0..8 {
            let w = self.subscribe(path).await?;
            let view = w.view();
            let p = w.room.path.clone();
            let (file, dev, ino) = tokio::task::spawn_blocking(move || {
                let f = File::open(&p)?;
                let m = f.metadata()?;
                Ok::<_, io::Error>((f, m.dev(), m.ino()))
            })
            .await
            .map_err(|e| io::Error::other(format!("room read failed: {e}")))??;
            if (dev, ino) == (view.dev, view.ino) {
                return Ok((file, view));
            }
        }
        Err(RoomError::Io(io::Error::other("the room keeps being replaced; try again")))
    }

    /// The room for `path`, from the registry or new.
    async fn room(&self, path: &Path) -> io::Result<Arc<Room>> {
        // The relay names rooms by their canonical path already: a room in use is found
        // under it without touching the disk.
        if let Some(room) = self.registered(path) {
            return Ok(room);
        }
        let p = path.to_path_buf();
        let key = tokio::task::spawn_blocking(move || room_key(&p))
            .await
            .map_err(|e| io::Error::other(format!("room lookup failed: {e}")))??;
        Ok(self.register(key))
    }

    /// The room registered under `key` (a canonical path), if it is in use.
    fn registered(&self, key: &Path) -> Option<Arc<Room>> {
        let mut reg = lock(&self.registry);
        let room = reg.rooms.get(key).and_then(Weak::upgrade)?;
        Self::used(&mut reg, &room);
        Some(room)
    }

    /// The room registered under `key` (a canonical path), registered now if it was not.
    fn register(&self, key: PathBuf) -> Arc<Room> {
        let mut reg = lock(&self.registry);
        let room = match reg.rooms.get(&key).and_then(Weak::upgrade) {
            Some(room) => room,
            None => {
                let room = Arc::new(Room::new(key.clone(), self.shared.clone()));
                reg.rooms.insert(key, Arc::downgrade(&room));
                if reg.rooms.len() >= reg.sweep_at {
                    reg.rooms.retain(|_, w| w.strong_count() > 0);
                    reg.sweep_at = (reg.rooms.len() * 2).max(64);
                }
                room
            }
        };
        Self::used(&mut reg, &room);
        room
    }

    /// Moves `room` to the front of the rooms kept open.
    fn used(reg: &mut Registry, room: &Arc<Room>) {
        if reg.keep_open > 0 && !reg.hot.front().is_some_and(|h| Arc::ptr_eq(h, room)) {
            if let Some(i) = reg.hot.iter().position(|h| Arc::ptr_eq(h, room)) {
                reg.hot.remove(i);
            }
            reg.hot.push_front(room.clone());
            let n = reg.keep_open;
            reg.hot.truncate(n);
        }
    }
}

impl Rooms {
    /// Waits until the room's logical end passes `offset`, or until `deadline`, and returns
    /// the end then (0 for a room not created yet). `SITE WAIT` and the web API's
    /// long-poll both follow a room this way. A room that does not exist yet has no watch,
    /// so it is looked for again every 200 ms.
    pub(crate) async fn wait_past(
        &self,
        path: &Path,
        offset: u64,
        deadline: tokio::time::Instant,
    ) -> Result<u64, RoomError> {
        loop {
            match self.subscribe(path).await {
                Ok(mut w) => {
                    let first = w.end();
                    loop {
                        let end = w.end();
                        // Past the offset: news. Below it and changed: the room was
                        // rewritten outside Loft, and the waiter must learn it now.
                        if end > offset || (end != first && end < offset) {
                            return Ok(end);
                        }
                        tokio::select! {
                            _ = w.changed() => {}
                            _ = tokio::time::sleep_until(deadline) => return Ok(w.end()),
                        }
                    }
                }
                Err(RoomError::NoRoom) => {
                    if tokio::time::Instant::now() >= deadline {
                        return Ok(0);
                    }
                    let nap = tokio::time::Instant::now() + std::time::Duration::from_millis(200);
                    tokio::time::sleep_until(nap.min(deadline)).await;
                }
                Err(e) => return Err(e),
            }
        }
    }
}

/// Where the bytes of a room from one logical offset on are: pieces of files (archives,
/// then the live file), each as (file, offset in that file, length), in order. (The web
/// API reads lines through it; a build without `web` only streams it to FTP.)
#[cfg_attr(not(feature = "web"), allow(dead_code))]
pub(crate) struct Span {
    /// The logical offset of the first byte.
    pub(crate) start: u64,
    pub(crate) parts: Vec<(File, u64, u64)>,
}

#[cfg_attr(not(feature = "web"), allow(dead_code))]
impl Span {
    pub(crate) fn len(&self) -> u64 {
        self.parts.iter().map(|p| p.2).sum()
    }

    /// Reads up to `buf.len()` bytes from `at` bytes into the span (blocking).
    pub(crate) fn read_at(&self, mut at: u64, buf: &mut [u8]) -> io::Result<usize> {
        let mut done = 0;
        for (file, off, len) in &self.parts {
            if done == buf.len() {
                break;
            }
            if at >= *len {
                at -= len;
                continue;
            }
            let n = ((len - at) as usize).min(buf.len() - done);
            file.read_exact_at(&mut buf[done..done + n], off + at)?;
            done += n;
            at = 0;
        }
        Ok(done)
    }
}

impl Rooms {
    /// The bytes of a room from logical offset `from` up to `cap` (or its end), for a
    /// reader: from the archives when `from` is in one of them, so a reader that fell
    /// behind a rotation still gets every line it has not seen; from the earliest archive
    /// kept when `from` is older than all of them; and from the live part for `from` 0,
    /// a new reader (FTPChat downloads the whole room when it starts: that is the live
    /// part, small on purpose). Returns the span and the room's view when it was taken.
    pub(crate) async fn open_span(&self, path: &Path, from: u64, cap: Option<u64>) -> Result<(Span, View), RoomError> {
        self.span(path, from, cap, None).await
    }

    /// The room's whole kept history as one file: its bytes from `skip` bytes after
    /// `origin` (the earliest byte it keeps, unless given), up to `cap` (a logical offset)
    /// or its end. Unlike [`Rooms::open_span`], offset 0 here is the start of the history,
    /// not the live part. The caller compares `origin` with the view's `history` to know
    /// whether archives were pruned since it took `origin`.
    pub(crate) async fn open_history(
        &self,
        path: &Path,
        origin: Option<u64>,
        skip: u64,
        cap: Option<u64>,
    ) -> Result<(Span, View), RoomError> {
        self.span(path, skip, cap, Some(origin)).await
    }

    /// `history`: `Some(origin)` for [`Rooms::open_history`].
    async fn span(
        &self,
        path: &Path,
        from: u64,
        cap: Option<u64>,
        history: Option<Option<u64>>,
    ) -> Result<(Span, View), RoomError> {
        let (live, view) = self.open_read(path).await?;
        let from = match history {
            Some(origin) => origin.unwrap_or(view.history).saturating_add(from),
            None => from,
        };
        let history = history.is_some();
        let end = cap.map_or(view.end, |c| c.min(view.end)).max(view.base);
        // Only a reader behind the live part needs the archives, listed and opened on the
        // blocking pool; the live part alone is offsets into the file already open.
        if !((from > 0 || history) && from < view.base) {
            return Ok((span_parts(path, live, view, from, end, history)?, view));
        }
        let room = path.to_path_buf();
        let span = tokio::task::spawn_blocking(move || span_parts(&room, live, view, from, end, history))
            .await
            .map_err(|e| io::Error::other(format!("room read failed: {e}")))??;
        Ok((span, view))
    }

    /// Whole lines of a room from logical offset `from`, at most `max` bytes of them:
    /// `(start, bytes)`, where `start` is the logical offset of `bytes[0]` (see
    /// [`Rooms::open_span`] for where a reader that fell behind starts) and `bytes` ends
    /// with a newline or is empty. A `from` in the middle of a line starts at the next
    /// whole line (`start` says where), never with the torn end of one. A line longer than
    /// `max` is returned whole, so a reader always moves on.
    #[cfg_attr(not(feature = "web"), allow(dead_code))]
    pub(crate) async fn read_lines(&self, path: &Path, from: u64, max: usize) -> Result<(u64, Vec<u8>), RoomError> {
        // One byte before `from`, to see whether `from` starts a line. (Offset 0 means a
        // new reader to `open_span`, so `from` 1 is read from 1: a room's first line is a
        // token, longer than one byte, so 1 is inside it.)
        let probe = if from >= 2 { from - 1 } else { from };
        let (span, _) = self.open_span(path, probe, None).await?;
        let avail = span.len();
        let mut start = span.start;
        let (skipped, buf) = tokio::task::spawn_blocking(move || -> io::Result<(u64, Vec<u8>)> {
            // Where the first whole line begins, counted from the span's start.
            let skip = if from == 1 && span.start == 1 {
                match next_line_start(&span, avail)? {
                    Some(at) => at,
                    None => return Ok((avail, Vec::new())),
                }
            } else if from >= 2 && span.start + 1 == from {
                let mut b = [0u8; 1];
                if span.read_at(0, &mut b)? == 0 {
                    return Ok((0, Vec::new()));
                }
                if b[0] == b'\n' {
                    1
                } else {
                    match next_line_start(&span, avail)? {
                        Some(at) => at,
                        None => return Ok((avail, Vec::new())),
                    }
                }
            } else {
                // `from` is 0, or before the history kept: the span starts on a line.
                0
            };
            let avail = avail - skip;
            let mut want = avail.min(max as u64);
            loop {
                let mut buf = vec![0u8; want as usize];
                let n = span.read_at(skip, &mut buf)?;
                buf.truncate(n);
                match buf.iter().rposition(|&b| b == b'\n') {
                    Some(i) => {
                        buf.truncate(i + 1);
                        return Ok((skip, buf));
                    }
                    None if want < avail => want = (want * 2).clamp(4096, avail),
                    // The logical end is always at a line's end: no newline means nothing.
                    None => return Ok((skip, Vec::new())),
                }
            }
        })
        .await
        .map_err(|e| io::Error::other(format!("room read failed: {e}")))??;
        start += skipped;
        Ok((start, buf))
    }
}

impl Rooms {
    /// The logical offset of the oldest byte a room still keeps: the start of its oldest
    /// archive (or of its live part when nothing is archived). Any offset before it reads
    /// from it. A room not created yet is `NoRoom`.
    #[cfg_attr(not(feature = "web"), allow(dead_code))]
    pub(crate) async fn first_kept(&self, path: &Path) -> Result<u64, RoomError> {
        Ok(self.subscribe(path).await?.view().history)
    }

    /// Whole lines of a room that end at or before logical offset `before`, at most `max`
    /// bytes of them, the newest ones: `(start, bytes, first)`, where `start` is the
    /// logical offset of `bytes[0]`, `bytes` ends where the last line that ends by `before`
    /// ends (`before` itself when it is a line's end) and `first` is where the room's kept
    /// history starts ([`Rooms::first_kept`]). A page that opens a room at its end walks
    /// back this way, page by page, until `start == first`: the same lines, at the same
    /// offsets, as reading forward from `first` through the archives. A line that ends
    /// after `before` (`before` inside it) is not included; a line longer than `max` is
    /// returned alone, so a reader always moves on. No line before `before`: `(first,
    /// [], first)`. `before` past the end counts as the end.
    #[cfg_attr(not(feature = "web"), allow(dead_code))]
    pub(crate) async fn read_before(
        &self,
        path: &Path,
        before: u64,
        max: usize,
    ) -> Result<(u64, Vec<u8>, u64), RoomError> {
        let max = max.max(1) as u64;
        let mut window = max;
        let mut before = before;
        loop {
            // One byte more than the window, to see whether the window starts a line.
            let lo = before.saturating_sub(window + 1);
            let (span, view) = self.open_history(path, Some(lo), 0, Some(before)).await?;
            let first = view.history;
            if before > view.end {
                // Past the end: from the end.
                before = view.end;
                continue;
            }
            if before <= first {
                return Ok((first, Vec::new(), first));
            }
            let start = span.start;
            // The span may run on past `before` (it never ends before the live part).
            let len = span.len().min(before.saturating_sub(start));
            // The span starts at a line when it starts elsewhere than asked (the oldest
            // archive kept, or the next one after a gap), or at the room's very start.
            let reached_first = start <= first;
            let aligned = start != lo || lo == 0 || reached_first;
            let got = tokio::task::spawn_blocking(move || -> io::Result<Option<(u64, Vec<u8>)>> {
                let mut buf = vec![0u8; len as usize];
                let n = span.read_at(0, &mut buf)?;
                buf.truncate(n);
                let Some(last) = buf.iter().rposition(|&b| b == b'\n') else {
                    // Not one line's end in reach: a longer line (look further back), or
                    // none at all before `before`.
                    return Ok(if aligned { Some((0, Vec::new())) } else { None });
                };
                buf.truncate(last + 1);
                let head = if aligned {
                    0
                } else {
                    match buf.iter().position(|&b| b == b'\n') {
                        Some(i) if i < last => i + 1,
                        // One line's end only, and its start out of reach.
                        _ => return Ok(None),
                    }
                };
                // The newest lines that fit in `max`, at least one: walk back line by line.
                let mut cut = last + 1;
                while cut > head {
                    let line_start =
                        buf[head..cut - 1].iter().rposition(|&b| b == b'\n').map_or(head, |i| head + i + 1);
                    if (buf.len() - line_start) as u64 > max && cut <= last {
                        break;
                    }
                    cut = line_start;
                }
                Ok(Some((cut as u64, buf.split_off(cut))))
            })
            .await
            .map_err(|e| io::Error::other(format!("room read failed: {e}")))??;
            match got {
                Some((_, bytes)) if bytes.is_empty() => return Ok((first, Vec::new(), first)),
                Some((at, bytes)) => return Ok((start + at, bytes, first)),
                None if reached_first || window >= before => return Ok((first, Vec::new(), first)),
                None => window = window.saturating_mul(2),
            }
        }
    }
}

/// The offset in `span` just after its first newline: where the first whole line starts
/// when the span starts inside a line. `None`: no newline in the `avail` bytes.
#[cfg_attr(not(feature = "web"), allow(dead_code))]
fn next_line_start(span: &Span, avail: u64) -> io::Result<Option<u64>> {
    let mut buf = vec![0u8; 4096];
    let mut at = 0;
    while at < avail {
        let n = span.read_at(at, &mut buf)?;
        if n == 0 {
            break;
        }
        if let Some(i) = buf[..n].iter().position(|&b| b == b'\n') {
            return Ok(Some(at + i as u64 + 1));
        }
        at += n as u64;
    }
    Ok(None)
}

impl fmt::Debug for Rooms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rooms")
            .field("settings", &self.settings())
            .field("rooms_open", &self.rooms_open())
            .field("fsyncs", &self.fsyncs())
            .finish()
    }
}

/// The pieces of a room to read from logical offset `from` to `end`: the archives a
/// reader behind the live part needs, then the live file `live` (as `view` maps it).
fn span_parts(room: &Path, live: File, view: View, from: u64, end: u64, history: bool) -> io::Result<Span> {
    let mut parts = Vec::new();
    let mut start = from.max(view.base);
    if (from > 0 || history) && from < view.base {
        // Only archives older than the live file we opened: a rotation since then
        // made a newer one whose bytes our (old) live file still holds.
        let arcs: Vec<_> = rotate::archives(room).into_iter().filter(|a| a.1 <= view.base).collect();
        if let Some(first) = arcs.iter().position(|a| a.1 > from) {
            start = from.max(arcs[first].0);
            let mut at = start;
            for (a_start, a_end, p) in &arcs[first..] {
                if *a_start > at {
                    // A gap (an archive lost by hand): go on from what is there.
                    at = *a_start;
                }
                if *a_end <= at {
                    // Overlapping archive names (made by hand): nothing new here.
                    continue;
                }
                match File::open(p) {
                    Ok(f) => parts.push((f, at - a_start, a_end - at)),
                    // Pruned meanwhile: its lines are gone for everyone.
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                    Err(e) => return Err(e),
                }
                at = *a_end;
            }
            if parts.is_empty() {
                start = view.base;
            } else if at != view.base {
                tracing::warn!(room = %crate::base::text::logged(room), "the room's archives do not reach its live part");
            }
        }
    }
    if start < end && end > view.base {
        let from_live = start.max(view.base);
        parts.push((live, from_live - view.base, end - from_live));
    }
    // Never more than `end`: trim the archive pieces too (a cap inside them).
    let mut left = end.saturating_sub(start);
    for p in parts.iter_mut() {
        p.2 = p.2.min(left);
        left -= p.2;
    }
    parts.retain(|p| p.2 > 0);
    Ok(Span { start: start.min(end), parts })
}

#[cfg(feature = "cluster")]
async fn room_exists(path: &Path) -> bool {
    tokio::fs::try_exists(path).await.unwrap_or(true)
}

#[cfg(feature = "cluster")]
impl Rooms {
    /// Turns cluster mode on: appends go to `r`, and come back through [`Rooms::apply_batch`].
    /// Set once, before the relay serves.
    pub(crate) fn set_replicator(&self, r: Arc<dyn replica::Replicator>) {
        self.shared.replicated.store(true, Ordering::Relaxed);
        let _ = self.replicator.set(r);
    }

    /// Cluster mode: writes messages of the stream (in stream order) to the room at `path`
    /// as they are (creating the room and its folders), but those the room has already
    /// (see [`replica`]). Every replica calls this for every message, in stream order, so
    /// every replica holds the same bytes, rotated at the same points; the messages given
    /// together are written as one group (one write, one fsync per rotation interval).
    pub(crate) async fn apply_batch(
        &self,
        path: &Path,
        messages: Vec<replica::StreamMessage>,
    ) -> Result<Vec<AppendOutcome>, RoomError> {
        if let Some(dir) = path.parent() {
            let dir = dir.to_path_buf();
            tokio::task::spawn_blocking(move || std::fs::create_dir_all(dir))
                .await
                .map_err(|e| io::Error::other(format!("room folder: {e}")))??;
        }
        let jobs = messages
            .into_iter()
            .map(|m| {
                let kind = leader::JobKind::Apply { seq: m.seq, member: m.member, time: m.time };
                (kind, Upload::verbatim(m.data, &self.shared))
            })
            .collect();
        let room = self.room(path).await?;
        Ok(room.submit_applies(jobs).await?)
    }

    /// [`Rooms::apply_batch`] for one message (stored at the epoch).
    #[cfg(test)]
    pub(crate) async fn apply(
        &self,
        path: &Path,
        seq: u64,
        data: Vec<u8>,
        member: Option<String>,
    ) -> Result<AppendOutcome, RoomError> {
        let m = replica::StreamMessage { seq, data, member, time: std::time::UNIX_EPOCH };
        let mut out = self.apply_batch(path, vec![m]).await?;
        out.pop().ok_or_else(|| RoomError::from(io::Error::other("no outcome")))
    }
}

/// The key of a room: its canonical path, or, for a room not created yet, its folder's
/// canonical path joined with its name.
fn room_key(path: &Path) -> io::Result<PathBuf> {
    match std::fs::canonicalize(path) {
        Ok(p) => Ok(p),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let name = path
                .file_name()
                .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "a room is a file, not a folder"))?;
            let parent = match path.parent() {
                Some(p) if !p.as_os_str().is_empty() => p,
                _ => Path::new("."),
            };
            Ok(std::fs::canonicalize(parent)?.join(name))
        }
        Err(e) => Err(e),
    }
}

/// What readers need to know of a room, published after every write and rotation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct View {
    /// The logical offset of the live file's first byte (always a line start).
    pub(crate) base: u64,
    /// The logical size: every byte ever appended, up to the last complete line.
    pub(crate) end: u64,
    /// The logical offset of the earliest byte still kept (the oldest archive's start).
    pub(crate) history: u64,
    dev: u64,
    ino: u64,
}

/// Follows one room: see [`Rooms::subscribe`].
pub(crate) struct RoomWatch {
    room: Arc<Room>,
    rx: watch::Receiver<View>,
}

impl fmt::Debug for RoomWatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RoomWatch").field("path", &self.room.path).field("end", &self.end()).finish()
    }
}

impl RoomWatch {
    /// The room's logical length in bytes after the last successful write.
    pub(crate) fn end(&self) -> u64 {
        self.rx.borrow().end
    }
    /// The room's [`View`] now.
    pub(crate) fn view(&self) -> View {
        *self.rx.borrow()
    }
    /// Waits for the next change of length (an append, or the room replaced) and returns
    /// the new length.
    pub(crate) async fn changed(&mut self) -> u64 {
        // The sender lives in `self.room`, so this cannot fail while `self` exists.
        let _ = self.rx.changed().await;
        self.rx.borrow_and_update().end
    }
}

/// Locks, ignoring poisoning: a panicked leader resets what it guarded (see `Leader`).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unpoisoned()
}

#[cfg(test)]
mod tests;
