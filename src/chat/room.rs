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
//!   the last newline (a write cut short by power loss) are cut off and logged; [`repair`]
//!   does the same at start-up. A failed or short write (ENOSPC) is truncated back to the
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
//! Rooms rotate behind logical offsets ([`crate::chat::rotate`]): the leader rotates a
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

use crate::chat::rotate::{self, RotateSettings};
use crate::chat::site::SeenBook;
use crate::chat::token::check_line;
use crate::config::{ChatConfig, SyncPolicy};
use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;
use std::fs::{File, OpenOptions};
use std::hash::{BuildHasher, RandomState};
use std::io::{self, Write};
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use tokio::sync::{oneshot, watch};

/// How many of a room's last lines are remembered to spot a retried message.
pub const RECENT_LINES: usize = 1024;
/// How much of a room's end is read to seed the recent lines when it is opened.
pub const SEED_BYTES: u64 = 64 * 1024;
/// Lines longer than this, met while reading a room, are skipped rather than buffered.
const MAX_SCAN_LINE: usize = 1024 * 1024;

/// How rooms behave; taken from `[chat]` in the config, replaced on reload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomSettings {
    /// Refuse lines that are not well-formed Fernet tokens.
    pub validate: bool,
    /// When an append is durable.
    pub sync: SyncPolicy,
    /// Largest single upload to a room, in bytes.
    pub max_append_bytes: usize,
    /// When and how rooms rotate (see [`crate::chat::rotate`]).
    pub rotate: RotateSettings,
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
pub enum WriteMode {
    /// `APPE`: append the upload's lines (minus recent duplicates).
    Append,
    /// `STOR` on a room: append only the upload's lines that the room does not already
    /// hold anywhere, in order; never truncate.
    Merge,
}

/// What one upload did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AppendOutcome {
    /// Lines added to the room.
    pub written_lines: usize,
    /// Lines skipped because the room (or the upload itself) already held them.
    pub duplicate_lines: usize,
    /// Bytes added to the room, newlines included.
    pub bytes_written: u64,
}

/// Why an upload to a room was refused; in every case nothing was written.
#[derive(Debug)]
pub enum RoomError {
    /// The upload is larger than `max_append_bytes` (reply `552`).
    TooLarge { limit: usize },
    /// Line `line` (1-based, in the upload) is not a Fernet token (reply `553`).
    Invalid { line: usize, reason: String },
    /// The file system failed (reply `452` when the disk is full, else `451`).
    Io(io::Error),
}

impl RoomError {
    /// The FTP reply code for this error: `552`, `553`, `452` (disk full) or `451`.
    pub fn ftp_code(&self) -> u16 {
        match self {
            RoomError::TooLarge { .. } => 552,
            RoomError::Invalid { .. } => 553,
            RoomError::Io(e) if is_disk_full(e) => 452,
            RoomError::Io(_) => 451,
        }
    }
}

fn is_disk_full(e: &io::Error) -> bool {
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
            RoomError::Io(e) if is_disk_full(e) => write!(f, "room not written: disk full"),
            RoomError::Io(e) => write!(f, "room not written: {e}"),
        }
    }
}

impl std::error::Error for RoomError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            RoomError::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<io::Error> for RoomError {
    fn from(e: io::Error) -> Self {
        RoomError::Io(e)
    }
}

/// The registry of rooms, shared by every session (`Arc<Rooms>`).
pub struct Rooms {
    shared: Arc<Shared>,
    registry: Mutex<Registry>,
    /// Who read which room how far (`SITE SEEN`).
    pub seen: SeenBook,
}

/// What every room of a registry shares.
struct Shared {
    settings: Mutex<RoomSettings>,
    // AtomicUsize, not AtomicU64: 32-bit MIPS has no 64-bit atomics.
    fsyncs: AtomicUsize,
    hasher: RandomState,
    /// Tests only: make the next write stop after this many bytes, as a full disk does.
    #[cfg(test)]
    short_write: Mutex<Option<usize>>,
}

impl Shared {
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
pub const KEEP_OPEN: usize = 16;

impl Rooms {
    /// A new, empty registry.
    pub fn new(settings: RoomSettings) -> Arc<Rooms> {
        Arc::new(Rooms {
            shared: Arc::new(Shared {
                settings: Mutex::new(settings),
                fsyncs: AtomicUsize::new(0),
                hasher: RandomState::new(),
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
        })
    }

    /// Replaces the settings (config reload). Uploads already validated keep the old
    /// `validate`/`max_append_bytes`; the next batch written uses the new `sync`.
    pub fn set_settings(&self, s: RoomSettings) {
        *lock(&self.shared.settings) = s;
    }

    /// The settings in force.
    pub fn settings(&self) -> RoomSettings {
        self.shared.settings()
    }

    /// fsync calls made so far, over all rooms (room files, and their folder when a room
    /// is created), for benchmarks: fsyncs per message.
    pub fn fsyncs(&self) -> u64 {
        self.shared.fsyncs.load(Ordering::Relaxed) as u64
    }

    /// How many recently used rooms stay open when nothing uses them ([`KEEP_OPEN`]).
    pub fn set_keep_open(&self, n: usize) {
        let mut reg = lock(&self.registry);
        reg.keep_open = n;
        reg.hot.truncate(n);
    }

    /// Rooms open right now (used by an upload or a [`RoomWatch`], or recently used).
    pub fn rooms_open(&self) -> usize {
        lock(&self.registry).rooms.values().filter(|w| w.strong_count() > 0).count()
    }

    /// Writes an upload to the room at `path` (absolute, already confined by the caller),
    /// creating the room if it is missing. Returns once the lines are as durable as the
    /// `sync` setting says. On any error the room is left as it was.
    pub async fn append(&self, path: &Path, data: &[u8], mode: WriteMode) -> Result<AppendOutcome, RoomError> {
        let upload = Upload::parse(data, &self.shared.settings(), &self.shared)?;
        let room = self.room(path).await?;
        Ok(room.submit(upload, mode, true).await?)
    }

    /// Follows the room at `path`: its current length, and a wake-up after every append.
    /// Opens (and repairs) the room, but does not create it: a missing room is `Io`
    /// (`NotFound`). The room stays open while the [`RoomWatch`] lives.
    pub async fn subscribe(&self, path: &Path) -> Result<RoomWatch, RoomError> {
        let room = self.room(path).await?;
        room.submit(Upload::default(), WriteMode::Append, false).await?;
        let rx = room.len.subscribe();
        Ok(RoomWatch { room, rx })
    }

    /// Opens the room at `path` for reading: the live file, and the [`View`] that maps
    /// logical offsets onto it. The file is checked to be the one the view describes (a
    /// rotation between the two would otherwise shift every offset), else tried again.
    pub async fn open_read(&self, path: &Path) -> Result<(File, View), RoomError> {
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
        let p = path.to_path_buf();
        let key = tokio::task::spawn_blocking(move || room_key(&p))
            .await
            .map_err(|e| io::Error::other(format!("room lookup failed: {e}")))??;
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
        if reg.keep_open > 0 && !reg.hot.front().is_some_and(|h| Arc::ptr_eq(h, &room)) {
            if let Some(i) = reg.hot.iter().position(|h| Arc::ptr_eq(h, &room)) {
                reg.hot.remove(i);
            }
            reg.hot.push_front(room.clone());
            let n = reg.keep_open;
            reg.hot.truncate(n);
        }
        Ok(room)
    }
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
pub struct View {
    /// The logical offset of the live file's first byte (always a line start).
    pub base: u64,
    /// The logical size: every byte ever appended, up to the last complete line.
    pub end: u64,
    dev: u64,
    ino: u64,
}

/// Follows one room: see [`Rooms::subscribe`].
pub struct RoomWatch {
    room: Arc<Room>,
    rx: watch::Receiver<View>,
}

impl fmt::Debug for RoomWatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RoomWatch").field("path", &self.room.path).field("end", &self.end()).finish()
    }
}

impl RoomWatch {
    /// The room's canonical path.
    pub fn path(&self) -> &Path {
        &self.room.path
    }
    /// The room's logical length in bytes after the last successful write.
    pub fn end(&self) -> u64 {
        self.rx.borrow().end
    }
    /// The room's [`View`] now.
    pub fn view(&self) -> View {
        *self.rx.borrow()
    }
    /// Waits for the next change of length (an append, or the room replaced) and returns
    /// the new length.
    pub async fn changed(&mut self) -> u64 {
        // The sender lives in `self.room`, so this cannot fail while `self` exists.
        let _ = self.rx.changed().await;
        self.rx.borrow_and_update().end
    }
}

/// One room: its queue of uploads, and the open file that only the leader touches.
struct Room {
    path: PathBuf,
    shared: Arc<Shared>,
    queue: Mutex<Queue>,
    /// Locked by the leader for as long as it runs (so, uncontended); lock order: log, then queue.
    log: Mutex<Option<Log>>,
    /// The room's view after the last write.
    len: watch::Sender<View>,
}

#[derive(Default)]
struct Queue {
    jobs: VecDeque<Job>,
    /// A leader is running (or about to): new jobs just wait for it.
    leader: bool,
}

struct Job {
    upload: Upload,
    mode: WriteMode,
    /// Create the file if it is missing (uploads do, subscriptions do not).
    create: bool,
    done: oneshot::Sender<io::Result<AppendOutcome>>,
}

/// A validated upload: its bytes, and where its non-empty lines are.
#[derive(Default)]
struct Upload {
    data: Vec<u8>,
    lines: Vec<Line>,
}

struct Line {
    hash: u64,
    start: usize,
    end: usize,
}

impl Upload {
    /// Splits `data` into lines (LF or CRLF; empty lines dropped) and checks each one.
    fn parse(data: &[u8], settings: &RoomSettings, shared: &Shared) -> Result<Upload, RoomError> {
        if data.len() > settings.max_append_bytes {
            return Err(RoomError::TooLarge { limit: settings.max_append_bytes });
        }
        let mut lines = Vec::new();
        let mut start = 0;
        for (i, piece) in data.split(|&b| b == b'\n').enumerate() {
            let content = piece.strip_suffix(b"\r").unwrap_or(piece);
            if !content.is_empty() {
                if settings.validate {
                    check_line(content).map_err(|reason| RoomError::Invalid { line: i + 1, reason })?;
                }
                lines.push(Line { hash: shared.hash(content), start, end: start + content.len() });
            }
            start += piece.len() + 1;
        }
        Ok(Upload { data: data.to_vec(), lines })
    }

    fn line(&self, l: &Line) -> &[u8] {
        self.data.get(l.start..l.end).unwrap_or_default()
    }
}

/// The open room file and what is known about it.
struct Log {
    file: File,
    dev: u64,
    ino: u64,
    /// Length after our last write: anything else means someone else changed the file.
    len: u64,
    /// Logical offset of the file's first byte (see [`crate::chat::rotate`]).
    base: u64,
    recent: Recent,
}

/// The hashes of a room's last lines, in order, with a count for lookups.
struct Recent {
    order: VecDeque<u64>,
    counts: HashMap<u64, u32>,
}

impl Recent {
    fn new() -> Self {
        Recent { order: VecDeque::with_capacity(RECENT_LINES + 1), counts: HashMap::new() }
    }
    fn contains(&self, h: u64) -> bool {
        self.counts.contains_key(&h)
    }
    fn insert(&mut self, h: u64) {
        self.order.push_back(h);
        *self.counts.entry(h).or_insert(0) += 1;
        while self.order.len() > RECENT_LINES {
            let Some(old) = self.order.pop_front() else {
                break;
            };
            if let Entry::Occupied(mut e) = self.counts.entry(old) {
                *e.get_mut() -= 1;
                if *e.get() == 0 {
                    e.remove();
                }
            }
        }
    }
}

impl Room {
    fn new(path: PathBuf, shared: Arc<Shared>) -> Room {
        Room { path, shared, queue: Mutex::default(), log: Mutex::new(None), len: watch::Sender::new(View::default()) }
    }

    /// Queues a job and waits for the leader to do it, starting a leader if none runs.
    async fn submit(self: &Arc<Self>, upload: Upload, mode: WriteMode, create: bool) -> io::Result<AppendOutcome> {
        let (done, rx) = oneshot::channel();
        let start_leader = {
            let mut q = lock(&self.queue);
            q.jobs.push_back(Job { upload, mode, create, done });
            !std::mem::replace(&mut q.leader, true)
        };
        if start_leader {
            let leader = Leader { room: self.clone(), finished: false };
            // If the runtime is shutting down, the closure is dropped unrun, and the
            // leader's Drop fails the queue instead of leaving it waiting forever.
            tokio::task::spawn_blocking(move || leader.run());
        }
        match rx.await {
            Ok(result) => result,
            Err(_) => Err(io::Error::other("the room's writer stopped")),
        }
    }

    /// Writes one group of jobs: one write, at most one fsync. Returns each job's outcome.
    fn write_group(&self, slot: &mut Option<Log>, jobs: &[Job], sync: SyncPolicy) -> io::Result<Vec<AppendOutcome>> {
        let create = jobs.iter().any(|j| j.create);
        let log = self.open_log(slot, sync, create)?;

        let mut before = log.file.metadata()?.len();
        if before != log.len {
            tracing::warn!(path = %self.path.display(), expected = log.len, found = before, "room changed outside Loft");
            let cut = cut_tail(&log.file, before)?;
            if cut > 0 {
                warn_cut(&self.path, cut);
            }
            before -= cut;
            log.len = before;
            self.publish(log);
        }

        let mut buf = Vec::new();
        let mut outcomes = Vec::with_capacity(jobs.len());
        let mut fresh = HashSet::new();
        let mut fresh_order = Vec::new();
        let mut whole_file: Option<HashSet<u64>> = None;
        for job in jobs {
            let merge = job.mode == WriteMode::Merge;
            if merge && whole_file.is_none() {
                let mut all = HashSet::new();
                scan_lines(&log.file, 0, before, |l| {
                    if let Some(l) = normalize(l) {
                        all.insert(self.shared.hash(l));
                    }
                })?;
                // The newest archive too: the FTPChat fallback uploads what it downloaded,
                // and a rotation in between may have moved those lines there.
                if let Some((_, _, newest)) = rotate::archives(&self.path).pop() {
                    if let Ok(f) = File::open(&newest) {
                        let n = f.metadata().map(|m| m.len()).unwrap_or(0);
                        scan_lines(&f, 0, n, |l| {
                            if let Some(l) = normalize(l) {
                                all.insert(self.shared.hash(l));
                            }
                        })?;
                    }
                }
                whole_file = Some(all);
            }
            let mut out = AppendOutcome::default();
            for line in &job.upload.lines {
                let h = line.hash;
                let held = fresh.contains(&h)
                    || log.recent.contains(h)
                    || (merge && whole_file.as_ref().is_some_and(|all| all.contains(&h)));
                if held {
                    out.duplicate_lines += 1;
                    continue;
                }
                fresh.insert(h);
                fresh_order.push(h);
                let at = buf.len();
                buf.extend_from_slice(job.upload.line(line));
                buf.push(b'\n');
                out.written_lines += 1;
                out.bytes_written += (buf.len() - at) as u64;
            }
            outcomes.push(out);
        }
        if buf.is_empty() {
            return Ok(outcomes);
        }

        self.write_batch(&log.file, &buf, before)?;
        if sync != SyncPolicy::Never {
            self.shared.fsyncs.fetch_add(1, Ordering::Relaxed);
            if let Err(e) = log.file.sync_data() {
                roll_back(&self.path, &log.file, before);
                return Err(e);
            }
        }
        log.len = before + buf.len() as u64;
        for h in fresh_order {
            log.recent.insert(h);
        }
        self.publish(log);
        tracing::debug!(path = %self.path.display(), uploads = jobs.len(), bytes = buf.len(), ?sync, "room written");
        Ok(outcomes)
    }

    /// The open log, (re)opened if it is not open yet or the path is no longer that file.
    fn open_log<'a>(&self, slot: &'a mut Option<Log>, sync: SyncPolicy, create: bool) -> io::Result<&'a mut Log> {
        let current = match slot.as_ref() {
            Some(log) => std::fs::metadata(&self.path).is_ok_and(|m| m.dev() == log.dev && m.ino() == log.ino),
            None => false,
        };
        if !current {
            *slot = None;
            let log = Log::open(&self.path, &self.shared, sync, create)?;
            self.publish(&log);
            *slot = Some(log);
        }
        slot.as_mut().ok_or_else(|| io::Error::other("room log not open"))
    }

    fn publish(&self, log: &Log) {
        self.len.send_replace(View { base: log.base, end: log.base + log.len, dev: log.dev, ino: log.ino });
    }

    /// Rotates the room when its live file has grown past `rotate_bytes` (see
    /// [`crate::chat::rotate`]). Runs in the leader, so no append races it. A failed
    /// rotation is recovered at once by reopening the room; the room stays usable.
    fn maybe_rotate(&self, slot: &mut Option<Log>, sync: SyncPolicy) {
        let s = self.shared.settings().rotate;
        let Some(log) = slot.as_mut() else { return };
        if s.rotate_bytes == 0 || log.len <= s.rotate_bytes {
            return;
        }
        match rotate::rotate(&self.path, &log.file, log.base, log.len, &s) {
            Ok(Some(r)) => {
                self.shared.fsyncs.fetch_add(r.fsyncs, Ordering::Relaxed);
                match r.file.metadata() {
                    Ok(m) => {
                        log.dev = m.dev();
                        log.ino = m.ino();
                    }
                    Err(e) => tracing::warn!(path = %self.path.display(), "after rotation: {e}"),
                }
                log.file = r.file;
                log.base = r.base;
                log.len = r.len;
                self.publish(log);
                tracing::info!(path = %self.path.display(), base = r.base, live = r.len, "room rotated");
            }
            Ok(None) => {}
            Err(e) => {
                tracing::error!(path = %self.path.display(), "room rotation failed, recovering: {e}");
                *slot = None;
                match Log::open(&self.path, &self.shared, sync, false) {
                    Ok(log) => {
                        self.publish(&log);
                        *slot = Some(log);
                    }
                    Err(e) => tracing::error!(path = %self.path.display(), "cannot reopen the room: {e}"),
                }
            }
        }
    }

    /// Writes `buf` at the end in one `write()`; on failure or a short write, cuts the file
    /// back to `before`, so no partial line stays.
    fn write_batch(&self, file: &File, buf: &[u8], before: u64) -> io::Result<()> {
        #[cfg(test)]
        let buf_to_write = match lock(&self.shared.short_write).take() {
            Some(n) => &buf[..n.min(buf.len())],
            None => buf,
        };
        #[cfg(not(test))]
        let buf_to_write = buf;
        let result = loop {
            match (&*file).write(buf_to_write) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => break other,
            }
        };
        let err = match result {
            Ok(n) if n == buf.len() => return Ok(()),
            // A regular file writes everything unless the disk (or quota) is full.
            Ok(n) => {
                tracing::warn!(path = %self.path.display(), written = n, wanted = buf.len(), "short write to room");
                io::Error::from_raw_os_error(libc::ENOSPC)
            }
            Err(e) => e,
        };
        roll_back(&self.path, file, before);
        Err(err)
    }
}

/// Cuts a failed write off again; if even that fails, says so loudly (the room may now end
/// in a partial line, which the next open repairs).
fn roll_back(path: &Path, file: &File, before: u64) {
    if let Err(e) = file.set_len(before) {
        tracing::error!(path = %path.display(), error = %e, "cannot cut a failed write off the room");
    }
}

/// The leader: drains a room's queue on the blocking pool until it is empty.
struct Leader {
    room: Arc<Room>,
    /// Set when the queue was left empty and `leader` reset, the normal way out.
    finished: bool,
}

impl Leader {
    fn run(mut self) {
        let room = self.room.clone();
        let mut slot = lock(&room.log);
        loop {
            let (jobs, sync) = {
                let mut q = lock(&room.queue);
                if q.jobs.is_empty() {
                    q.leader = false;
                    self.finished = true;
                    return;
                }
                let sync = room.shared.settings().sync;
                let jobs: Vec<Job> = match sync {
                    SyncPolicy::Always => q.jobs.pop_front().into_iter().collect(),
                    SyncPolicy::Batch | SyncPolicy::Never => q.jobs.drain(..).collect(),
                };
                (jobs, sync)
            };
            match room.write_group(&mut slot, &jobs, sync) {
                Ok(outcomes) => {
                    for (job, out) in jobs.into_iter().zip(outcomes) {
                        let _ = job.done.send(Ok(out));
                    }
                    room.maybe_rotate(&mut slot, sync);
                }
                Err(e) => {
                    for job in jobs {
                        let _ = job.done.send(Err(copy_error(&e)));
                    }
                }
            }
        }
    }
}

impl Drop for Leader {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        // The leader panicked or never ran: fail everything queued (their senders drop),
        // forget the open file (its state is suspect), and let the next append lead.
        let jobs = {
            let mut q = lock(&self.room.queue);
            q.leader = false;
            std::mem::take(&mut q.jobs)
        };
        drop(jobs);
        *lock(&self.room.log) = None;
    }
}

impl Log {
    /// Opens (or creates) a room file: cuts an unterminated tail, seeds the recent lines.
    fn open(path: &Path, shared: &Shared, sync: SyncPolicy, create: bool) -> io::Result<Log> {
        // A rotation cut short by a crash is finished or undone before the file is used.
        let base = rotate::recover(path)?;
        let mut opts = OpenOptions::new();
        opts.read(true).append(true);
        let (file, created) = match opts.open(path) {
            Ok(f) => (f, false),
            Err(e) if create && e.kind() == io::ErrorKind::NotFound => {
                match OpenOptions::new().read(true).append(true).create_new(true).open(path) {
                    Ok(f) => (f, true),
                    Err(e) if e.kind() == io::ErrorKind::AlreadyExists => (opts.open(path)?, false),
                    Err(e) => return Err(e),
                }
            }
            Err(e) => return Err(e),
        };
        let meta = file.metadata()?;
        if !meta.is_file() {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "a room must be a regular file"));
        }
        if created && sync != SyncPolicy::Never {
            // A new room is durable only once its folder entry is.
            if let Some(dir) = path.parent() {
                shared.fsyncs.fetch_add(1, Ordering::Relaxed);
                File::open(dir)?.sync_all()?;
            }
        }
        let cut = cut_tail(&file, meta.len())?;
        if cut > 0 {
            warn_cut(path, cut);
        }
        let len = meta.len() - cut;

        let mut recent = Recent::new();
        let start = len.saturating_sub(SEED_BYTES);
        // Read from one byte earlier and drop the first piece: it is a line cut by the
        // window (or, when that byte is a newline, an empty piece).
        let mut skip_first = start > 0;
        let mut hashes = VecDeque::with_capacity(RECENT_LINES + 1);
        scan_lines(&file, start.saturating_sub(1), len, |l| {
            if std::mem::take(&mut skip_first) {
                return;
            }
            if let Some(l) = normalize(l) {
                hashes.push_back(shared.hash(l));
                if hashes.len() > RECENT_LINES {
                    hashes.pop_front();
                }
            }
        })?;
        for h in hashes {
            recent.insert(h);
        }
        Ok(Log { file, dev: meta.dev(), ino: meta.ino(), len, base, recent })
    }
}

fn warn_cut(path: &Path, cut: u64) {
    tracing::warn!(
        path = %path.display(),
        bytes_cut = cut,
        "room ended in an unterminated line (a write cut short by a crash?): cut it off"
    );
}

/// A stored line as it is compared: without a trailing CR; `None` when empty.
fn normalize(line: &[u8]) -> Option<&[u8]> {
    let l = line.strip_suffix(b"\r").unwrap_or(line);
    (!l.is_empty()).then_some(l)
}

/// Calls `f` with every line of `file` between `from` and `to` (without the newline),
/// reading in chunks; a final piece without a newline is passed too. Lines longer than
/// [`MAX_SCAN_LINE`] are skipped (no token is that long).
fn scan_lines(file: &File, from: u64, to: u64, mut f: impl FnMut(&[u8])) -> io::Result<()> {
    let mut chunk = vec![0u8; 64 * 1024];
    let mut carry: Vec<u8> = Vec::new();
    let mut overlong = false;
    let mut pos = from;
    while pos < to {
        let n = usize::try_from(to - pos).unwrap_or(usize::MAX).min(chunk.len());
        let buf = &mut chunk[..n];
        file.read_exact_at(buf, pos)?;
        pos += n as u64;
        let mut rest: &[u8] = buf;
        while let Some(i) = rest.iter().position(|&b| b == b'\n') {
            let (line, tail) = rest.split_at(i);
            if overlong || carry.len() + line.len() > MAX_SCAN_LINE {
                overlong = false;
            } else if carry.is_empty() {
                f(line);
            } else {
                carry.extend_from_slice(line);
                f(&carry);
            }
            carry.clear();
            rest = tail.get(1..).unwrap_or_default();
        }
        if !overlong {
            carry.extend_from_slice(rest);
            if carry.len() > MAX_SCAN_LINE {
                overlong = true;
                carry.clear();
            }
        }
    }
    if !carry.is_empty() && !overlong {
        f(&carry);
    }
    Ok(())
}

/// Cuts whatever follows the last newline of `file` (which is `len` bytes long); returns
/// the number of bytes cut.
fn cut_tail(file: &File, len: u64) -> io::Result<u64> {
    if len == 0 {
        return Ok(0);
    }
    let mut last = [0u8; 1];
    file.read_exact_at(&mut last, len - 1)?;
    if last[0] == b'\n' {
        return Ok(0);
    }
    let mut chunk = vec![0u8; 8 * 1024];
    let mut end = len;
    let keep = loop {
        if end == 0 {
            break 0;
        }
        let start = end.saturating_sub(chunk.len() as u64);
        let buf = &mut chunk[..(end - start) as usize];
        file.read_exact_at(buf, start)?;
        if let Some(i) = buf.iter().rposition(|&b| b == b'\n') {
            break start + i as u64 + 1;
        }
        end = start;
    };
    file.set_len(keep)?;
    Ok(len - keep)
}

/// Cuts an unterminated last line (left by a crash in the middle of a write) off the room
/// at `path`, and returns how many bytes were cut. Rooms are also repaired when the
/// registry first opens them, so calling this at start-up is for reporting early, not a
/// requirement. Must not run while Loft writes to the same file.
pub fn repair(path: &Path) -> io::Result<u64> {
    let file = OpenOptions::new().read(true).write(true).open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "a room must be a regular file"));
    }
    let cut = cut_tail(&file, meta.len())?;
    if cut > 0 {
        warn_cut(path, cut);
        file.sync_data()?;
    }
    Ok(cut)
}

/// An io::Error for each waiter of a failed group, keeping the OS error code (ENOSPC).
fn copy_error(e: &io::Error) -> io::Error {
    match e.raw_os_error() {
        Some(code) => io::Error::from_raw_os_error(code),
        None => io::Error::new(e.kind(), e.to_string()),
    }
}

/// Locks, ignoring poisoning: a panicked leader resets what it guarded (see `Leader`).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE;
    use base64::Engine as _;
    use rand::Rng;
    use std::time::{Duration, Instant};

    /// A fresh, random, well-formed token (shape only).
    fn token() -> String {
        let mut rng = rand::thread_rng();
        let k = rng.gen_range(1..4);
        let mut raw = vec![0u8; 57 + 16 * k];
        rng.fill(&mut raw[..]);
        raw[0] = 0x80;
        URL_SAFE.encode(raw)
    }

    fn tokens(n: usize) -> Vec<String> {
        (0..n).map(|_| token()).collect()
    }

    fn settings(sync: SyncPolicy) -> RoomSettings {
        RoomSettings { validate: true, sync, max_append_bytes: 64 * 1024, rotate: RoomSettings::default().rotate }
    }

    fn lines_of(path: &Path) -> Vec<String> {
        let text = std::fs::read_to_string(path).unwrap();
        assert!(text.is_empty() || text.ends_with('\n'), "room ends in a partial line: {text:?}");
        text.lines().map(str::to_string).collect()
    }

    fn room_file(dir: &tempfile::TempDir, content: &str) -> PathBuf {
        let p = dir.path().join("room.txt");
        std::fs::write(&p, content).unwrap();
        p
    }

    async fn wait_for(mut cond: impl FnMut() -> bool) {
        let t = Instant::now();
        while !cond() {
            assert!(t.elapsed() < Duration::from_secs(5), "timed out");
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }

    #[tokio::test]
    async fn appends_lines_and_creates_the_room() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.txt");
        let rooms = Rooms::new(settings(SyncPolicy::Never));
        let t = tokens(2);
        let out = rooms.append(&path, format!("{}\n{}\n", t[0], t[1]).as_bytes(), WriteMode::Append).await.unwrap();
        assert_eq!(out.written_lines, 2);
        assert_eq!(out.duplicate_lines, 0);
        assert_eq!(out.bytes_written, (t[0].len() + t[1].len() + 2) as u64);
        assert_eq!(lines_of(&path), t);
    }

    #[tokio::test]
    async fn crlf_empty_lines_and_missing_final_newline_are_normalized() {
        let dir = tempfile::tempdir().unwrap();
        let path = room_file(&dir, "");
        let rooms = Rooms::new(settings(SyncPolicy::Never));
        let t = tokens(3);
        let data = format!("\r\n{}\r\n\n\n{}\r\n\r\n{}", t[0], t[1], t[2]);
        let out = rooms.append(&path, data.as_bytes(), WriteMode::Append).await.unwrap();
        assert_eq!(out.written_lines, 3);
        let expected = format!("{}\n{}\n{}\n", t[0], t[1], t[2]);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), expected);
        assert_eq!(out.bytes_written, expected.len() as u64);
    }

    #[tokio::test]
    async fn an_upload_without_lines_writes_nothing_but_creates_the_room() {
        let dir = tempfile::tempdir().unwrap();
        let rooms = Rooms::new(settings(SyncPolicy::Always));
        for (name, data) in [("a.txt", ""), ("b.txt", "\n\r\n\n")] {
            let path = dir.path().join(name);
            let out = rooms.append(&path, data.as_bytes(), WriteMode::Append).await.unwrap();
            assert_eq!(out, AppendOutcome::default());
            assert_eq!(std::fs::read(&path).unwrap(), b"");
        }
        // Merge (STOR) of nothing onto a room with lines does not truncate it.
        let t = token();
        let path = room_file(&dir, &format!("{t}\n"));
        let out = rooms.append(&path, b"", WriteMode::Merge).await.unwrap();
        assert_eq!(out, AppendOutcome::default());
        assert_eq!(lines_of(&path), vec![t]);
    }

    #[tokio::test]
    async fn an_invalid_line_refuses_the_whole_upload_and_leaves_the_room_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let t = tokens(3);
        // Starts with an unterminated line: a refused upload must not even repair it.
        let before = format!("{}\n{}", t[0], &t[1][..20]);
        let path = room_file(&dir, &before);
        let rooms = Rooms::new(settings(SyncPolicy::Always));
        let data = format!("{}\n\nnot a token\n{}\n", t[1], t[2]);
        let err = rooms.append(&path, data.as_bytes(), WriteMode::Append).await.unwrap_err();
        match &err {
            RoomError::Invalid { line, reason } => {
                assert_eq!(*line, 3, "empty lines count in the numbering");
                assert!(reason.contains("not URL-safe base64"), "{reason}");
            }
            e => panic!("expected Invalid, got {e:?}"),
        }
        assert_eq!(err.ftp_code(), 553);
        assert!(err.to_string().starts_with("line 3: not a Fernet token: not URL-safe base64"), "{err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), before);
        assert_eq!(rooms.fsyncs(), 0);

        // Wrong version byte: the reason says so.
        let mut raw = URL_SAFE.decode(&t[2]).unwrap();
        raw[0] = 0x12;
        let bad = URL_SAFE.encode(raw);
        let err = rooms.append(&path, format!("{}\r\n{bad}", t[1]).as_bytes(), WriteMode::Merge).await.unwrap_err();
        assert_eq!(err.to_string(), "line 2: not a Fernet token: version byte is 0x12, expected 0x80");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), before);
    }

    #[tokio::test]
    async fn validation_can_be_turned_off_and_on_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = room_file(&dir, "");
        let rooms = Rooms::new(RoomSettings { validate: false, ..settings(SyncPolicy::Never) });
        let out = rooms.append(&path, b"hello\r\nworld", WriteMode::Append).await.unwrap();
        assert_eq!(out.written_lines, 2);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "hello\nworld\n");
        rooms.set_settings(settings(SyncPolicy::Never));
        assert!(matches!(
            rooms.append(&path, b"again", WriteMode::Append).await,
            Err(RoomError::Invalid { line: 1, .. })
        ));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "hello\nworld\n");
    }

    #[tokio::test]
    async fn too_large_is_refused_before_anything() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("room.txt");
        let rooms = Rooms::new(RoomSettings { max_append_bytes: 200, ..settings(SyncPolicy::Always) });
        let t = tokens(2);
        let data = format!("{}\n{}\n", t[0], t[1]);
        assert!(data.len() > 200);
        let err = rooms.append(&path, data.as_bytes(), WriteMode::Append).await.unwrap_err();
        assert!(matches!(err, RoomError::TooLarge { limit: 200 }), "{err:?}");
        assert_eq!(err.ftp_code(), 552);
        assert!(err.to_string().contains("200 bytes"), "{err}");
        assert!(!path.exists(), "a refused upload creates nothing");
        // Exactly at the limit is fine.
        let one = format!("{}\n", t[0]);
        rooms.set_settings(RoomSettings { max_append_bytes: one.len(), ..settings(SyncPolicy::Never) });
        rooms.append(&path, one.as_bytes(), WriteMode::Append).await.unwrap();
        assert_eq!(lines_of(&path), vec![t[0].clone()]);
    }

    #[tokio::test]
    async fn retried_and_repeated_lines_are_written_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = room_file(&dir, "");
        let rooms = Rooms::new(settings(SyncPolicy::Never));
        let t = tokens(3);
        let first = rooms.append(&path, format!("{}\n", t[0]).as_bytes(), WriteMode::Append).await.unwrap();
        assert_eq!((first.written_lines, first.duplicate_lines), (1, 0));
        // The client timed out and sends it again.
        let retry = rooms.append(&path, format!("{}\n", t[0]).as_bytes(), WriteMode::Append).await.unwrap();
        assert_eq!(retry, AppendOutcome { written_lines: 0, duplicate_lines: 1, bytes_written: 0 });
        // Repeated within one upload (CRLF or not), and mixed with a retried one.
        let data = format!("{a}\n{b}\r\n{a}\n{b}\n{c}\n", a = t[1], b = t[0], c = t[2]);
        let out = rooms.append(&path, data.as_bytes(), WriteMode::Append).await.unwrap();
        assert_eq!((out.written_lines, out.duplicate_lines), (2, 3));
        assert_eq!(lines_of(&path), vec![t[0].clone(), t[1].clone(), t[2].clone()]);
    }

    #[tokio::test]
    async fn duplicates_are_found_in_the_tail_of_an_existing_room() {
        let dir = tempfile::tempdir().unwrap();
        // Older than the seed window: more than SEED_BYTES of other lines follow it.
        let ancient = token();
        let mut content = format!("{ancient}\r\n");
        let mut recent = Vec::new();
        while content.len() < SEED_BYTES as usize + 10_000 {
            let t = token();
            content.push_str(&t);
            content.push('\n');
            recent.push(t);
        }
        assert!(recent.len() < RECENT_LINES, "the window, not the line count, limits this test");
        let path = room_file(&dir, &content);
        let rooms = Rooms::new(settings(SyncPolicy::Never));
        let last = recent.last().unwrap().clone();
        let out = rooms.append(&path, format!("{last}\n").as_bytes(), WriteMode::Append).await.unwrap();
        assert_eq!(out.duplicate_lines, 1, "the last line of the file is known");
        // A line a bit before the window edge is known too; the line cut by the window and
        // older ones are not (Append only looks at recent lines).
        let inside = &recent[recent.len() - 300];
        let out = rooms.append(&path, format!("{inside}\n").as_bytes(), WriteMode::Append).await.unwrap();
        assert_eq!(out.duplicate_lines, 1);
        let out = rooms.append(&path, format!("{ancient}\n").as_bytes(), WriteMode::Append).await.unwrap();
        assert_eq!(out.written_lines, 1, "beyond the window, an old line is new again");
    }

    #[tokio::test]
    async fn the_recent_set_is_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let path = room_file(&dir, "");
        let rooms = Rooms::new(RoomSettings { max_append_bytes: 1 << 20, ..settings(SyncPolicy::Never) });
        // Keeps the room (and its recent lines) open, to look inside at the end.
        let _watch = rooms.subscribe(&path).await.unwrap();
        let first = token();
        rooms.append(&path, format!("{first}\n").as_bytes(), WriteMode::Append).await.unwrap();
        let others = tokens(RECENT_LINES - 1).join("\n");
        rooms.append(&path, others.as_bytes(), WriteMode::Append).await.unwrap();
        let out = rooms.append(&path, first.as_bytes(), WriteMode::Append).await.unwrap();
        assert_eq!(out.duplicate_lines, 1, "{RECENT_LINES} lines back is still recent");
        rooms.append(&path, token().as_bytes(), WriteMode::Append).await.unwrap();
        let out = rooms.append(&path, first.as_bytes(), WriteMode::Append).await.unwrap();
        assert_eq!(out.written_lines, 1, "{} lines back is forgotten", RECENT_LINES + 1);
        let room = rooms.room(&path).await.unwrap();
        let log = lock(&room.log);
        let recent = &log.as_ref().unwrap().recent;
        assert_eq!(recent.order.len(), RECENT_LINES);
        assert!(recent.counts.len() <= RECENT_LINES);
    }

    #[tokio::test]
    async fn merge_appends_only_what_the_whole_room_lacks_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let old = token();
        let filler = tokens(RECENT_LINES + 50);
        let mut content = format!("{old}\n");
        for t in &filler {
            content.push_str(t);
            content.push('\n');
        }
        let path = room_file(&dir, &content);
        let rooms = Rooms::new(RoomSettings { max_append_bytes: 1 << 20, ..settings(SyncPolicy::Batch) });
        // The FTPChat fallback: the whole room as the client saw it, plus two new lines
        // at different places, with CRLF.
        let new = tokens(2);
        let mut upload = format!("{old}\r\n{}\r\n", new[0]);
        for t in &filler[..10] {
            upload.push_str(t);
            upload.push_str("\r\n");
        }
        upload.push_str(&format!("{}\r\n{}\r\n{old}", new[1], new[0]));
        let out = rooms.append(&path, upload.as_bytes(), WriteMode::Merge).await.unwrap();
        assert_eq!(out.written_lines, 2);
        assert_eq!(out.duplicate_lines, 13);
        let expected = format!("{content}{}\n{}\n", new[0], new[1]);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), expected);
        // Merging a subset changes nothing; the file is never truncated.
        let out = rooms.append(&path, format!("{}\n{old}\n", new[1]).as_bytes(), WriteMode::Merge).await.unwrap();
        assert_eq!((out.written_lines, out.duplicate_lines), (0, 2));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), expected);
        // Append only looks at recent lines: the very first line is beyond them.
        let out = rooms.append(&path, format!("{old}\n").as_bytes(), WriteMode::Append).await.unwrap();
        assert_eq!(out.written_lines, 1);
    }

    #[tokio::test]
    async fn an_unterminated_tail_is_cut_when_the_room_opens() {
        let dir = tempfile::tempdir().unwrap();
        let t = tokens(3);
        let path = room_file(&dir, &format!("{}\n{}\n{}", t[0], t[1], &t[2][..30]));
        let rooms = Rooms::new(settings(SyncPolicy::Never));
        rooms.append(&path, t[2].as_bytes(), WriteMode::Append).await.unwrap();
        assert_eq!(lines_of(&path), t);
    }

    #[test]
    fn repair_cuts_to_the_last_newline() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.txt");
        let cases: &[(&str, u64, &str)] = &[
            ("", 0, ""),
            ("a\nb\n", 0, "a\nb\n"),
            ("a\nb\npart", 4, "a\nb\n"),
            ("no newline at all", 17, ""),
            ("a\r\nb\r", 2, "a\r\n"),
        ];
        for (before, cut, after) in cases {
            std::fs::write(&p, before).unwrap();
            assert_eq!(repair(&p).unwrap(), *cut, "{before:?}");
            assert_eq!(std::fs::read_to_string(&p).unwrap(), *after, "{before:?}");
        }
        // A tail longer than one read chunk, and a file with no newline at all.
        let long = format!("x\n{}", "y".repeat(20_000));
        std::fs::write(&p, &long).unwrap();
        assert_eq!(repair(&p).unwrap(), 20_000);
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "x\n");
        std::fs::write(&p, "z".repeat(20_000)).unwrap();
        assert_eq!(repair(&p).unwrap(), 20_000);
        assert_eq!(std::fs::read(&p).unwrap(), b"");
        assert_eq!(repair(&dir.path().join("missing.txt")).unwrap_err().kind(), io::ErrorKind::NotFound);
        assert!(repair(dir.path()).is_err());
    }

    #[tokio::test]
    async fn a_full_disk_leaves_no_partial_line_and_the_retry_is_not_a_duplicate() {
        let dir = tempfile::tempdir().unwrap();
        let t = tokens(3);
        let before = format!("{}\n", t[0]);
        let path = room_file(&dir, &before);
        let rooms = Rooms::new(settings(SyncPolicy::Batch));
        let data = format!("{}\n{}\n", t[1], t[2]);
        // The next write stops in the middle of the second line, as a full disk does.
        *lock(&rooms.shared.short_write) = Some(t[1].len() + 10);
        let err = rooms.append(&path, data.as_bytes(), WriteMode::Append).await.unwrap_err();
        assert!(matches!(&err, RoomError::Io(e) if e.raw_os_error() == Some(libc::ENOSPC)), "{err:?}");
        assert_eq!(err.ftp_code(), 452);
        assert_eq!(err.to_string(), "room not written: disk full");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), before, "cut back to the length before");
        let out = rooms.append(&path, data.as_bytes(), WriteMode::Append).await.unwrap();
        assert_eq!((out.written_lines, out.duplicate_lines), (2, 0));
        assert_eq!(lines_of(&path), t);
    }

    #[tokio::test]
    async fn sync_always_fsyncs_every_append() {
        let dir = tempfile::tempdir().unwrap();
        let path = room_file(&dir, "");
        let rooms = Rooms::new(settings(SyncPolicy::Always));
        for t in tokens(4) {
            rooms.append(&path, t.as_bytes(), WriteMode::Append).await.unwrap();
        }
        assert_eq!(rooms.fsyncs(), 4);
        // A duplicate writes nothing, so it needs no fsync.
        let t = lines_of(&path).remove(0);
        rooms.append(&path, t.as_bytes(), WriteMode::Append).await.unwrap();
        assert_eq!(rooms.fsyncs(), 4);
        // Creating a room also syncs its folder.
        rooms.append(&dir.path().join("new.txt"), token().as_bytes(), WriteMode::Append).await.unwrap();
        assert_eq!(rooms.fsyncs(), 6);
    }

    #[tokio::test]
    async fn sync_never_does_not_fsync() {
        let dir = tempfile::tempdir().unwrap();
        let rooms = Rooms::new(settings(SyncPolicy::Never));
        for t in tokens(4) {
            rooms.append(&dir.path().join("room.txt"), t.as_bytes(), WriteMode::Append).await.unwrap();
        }
        assert_eq!(lines_of(&dir.path().join("room.txt")).len(), 4);
        assert_eq!(rooms.fsyncs(), 0);
    }

    /// Holds the room's writer, queues `n` appends behind it, then lets go: what the
    /// leader does with a full queue is then deterministic.
    #[allow(clippy::await_holding_lock)] // on purpose: the leader must wait for it
    async fn queue_behind_a_held_writer(rooms: &Arc<Rooms>, path: &Path, n: usize) -> Vec<AppendOutcome> {
        let room = rooms.room(path).await.unwrap();
        let held = lock(&room.log);
        let t = tokens(n);
        let mut tasks = Vec::new();
        for (i, tok) in t.iter().enumerate() {
            let (rooms, path) = (rooms.clone(), path.to_path_buf());
            // Every third upload also repeats the previous upload's token.
            let data = if i % 3 == 2 { format!("{}\n{tok}\n", t[i - 1]) } else { format!("{tok}\n") };
            tasks.push(tokio::spawn(async move { rooms.append(&path, data.as_bytes(), WriteMode::Append).await }));
            // Keep the order of the queue the order of the tokens.
            wait_for(|| lock(&room.queue).jobs.len() == i + 1).await;
        }
        drop(held);
        let mut outs = Vec::new();
        for task in tasks {
            outs.push(task.await.unwrap().unwrap());
        }
        assert_eq!(lines_of(path), t, "every line once, in queue order");
        outs
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sync_batch_commits_a_queue_with_one_write_and_one_fsync() {
        let dir = tempfile::tempdir().unwrap();
        let path = room_file(&dir, "");
        let rooms = Rooms::new(settings(SyncPolicy::Batch));
        let outs = queue_behind_a_held_writer(&rooms, &path, 10).await;
        assert_eq!(rooms.fsyncs(), 1, "ten appends, one group commit");
        for (i, out) in outs.iter().enumerate() {
            let dup = usize::from(i % 3 == 2);
            assert_eq!((out.written_lines, out.duplicate_lines), (1, dup), "upload {i}");
            assert!(out.bytes_written > 73);
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sync_always_does_not_group() {
        let dir = tempfile::tempdir().unwrap();
        let path = room_file(&dir, "");
        let rooms = Rooms::new(settings(SyncPolicy::Always));
        queue_behind_a_held_writer(&rooms, &path, 6).await;
        assert_eq!(rooms.fsyncs(), 6);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[allow(clippy::await_holding_lock)] // on purpose: the queued append must wait for it
    async fn a_queued_append_whose_session_went_away_is_still_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = room_file(&dir, "");
        let rooms = Rooms::new(settings(SyncPolicy::Batch));
        let room = rooms.room(&path).await.unwrap();
        let held = lock(&room.log);
        let t = tokens(2);
        let (r, p, data) = (rooms.clone(), path.clone(), t[0].clone());
        let task = tokio::spawn(async move { r.append(&p, data.as_bytes(), WriteMode::Append).await });
        wait_for(|| lock(&room.queue).jobs.len() == 1).await;
        task.abort();
        assert!(task.await.unwrap_err().is_cancelled());
        drop(held);
        let out = rooms.append(&path, t[1].as_bytes(), WriteMode::Append).await.unwrap();
        assert_eq!(out.written_lines, 1);
        assert_eq!(lines_of(&path), t, "queued means written, even if nobody waits");
    }

    /// `tasks` sessions each append `per_task` messages at once; every line must be in
    /// the room exactly once, whole.
    async fn hammer(rooms: &Arc<Rooms>, paths: &[PathBuf], tasks: usize, per_task: usize) -> Vec<String> {
        let mut handles = Vec::new();
        let mut all = Vec::new();
        for i in 0..tasks {
            let mine = tokens(per_task);
            all.extend(mine.iter().cloned());
            let rooms = rooms.clone();
            let path = paths[i % paths.len()].clone();
            handles.push(tokio::spawn(async move {
                for t in mine {
                    let out = rooms.append(&path, format!("{t}\n").as_bytes(), WriteMode::Append).await.unwrap();
                    assert_eq!(out.written_lines, 1);
                }
            }));
        }
        for h in handles {
            h.await.unwrap();
        }
        let mut stored = lines_of(&paths[0]);
        for l in &stored {
            assert_eq!(check_line(l.as_bytes()), Ok(()), "torn line {l:?}");
        }
        assert_eq!(stored.len(), tasks * per_task);
        stored.sort();
        all.sort();
        assert_eq!(stored, all, "every message exactly once");
        stored
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_appends_to_one_room_are_all_kept_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = room_file(&dir, "");
        let rooms = Rooms::new(settings(SyncPolicy::Never));
        hammer(&rooms, &[path], 32, 50).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn group_commit_batches_under_contention() {
        let dir = tempfile::tempdir().unwrap();
        let path = room_file(&dir, "");
        let rooms = Rooms::new(settings(SyncPolicy::Batch));
        hammer(&rooms, &[path], 16, 8).await;
        let fsyncs = rooms.fsyncs();
        assert!((1..128).contains(&fsyncs), "{fsyncs} fsyncs for 128 appends");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn two_spellings_of_a_path_are_one_room() {
        let dir = tempfile::tempdir().unwrap();
        let path = room_file(&dir, "");
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::os::unix::fs::symlink(&path, dir.path().join("link.txt")).unwrap();
        let spellings = vec![
            path.clone(),
            dir.path().join(".").join("room.txt"),
            dir.path().join("sub").join("..").join("room.txt"),
            dir.path().join("link.txt"),
        ];
        let rooms = Rooms::new(settings(SyncPolicy::Never));
        let a = rooms.subscribe(&spellings[1]).await.unwrap();
        let b = rooms.subscribe(&spellings[3]).await.unwrap();
        assert_eq!(a.path(), b.path());
        assert_eq!(rooms.rooms_open(), 1);
        hammer(&rooms, &spellings, 8, 20).await;
        // A room not created yet: its folder is canonicalized.
        let new_a = dir.path().join("sub").join("..").join("fresh.txt");
        let new_b = dir.path().join("fresh.txt");
        let t = token();
        rooms.append(&new_a, t.as_bytes(), WriteMode::Append).await.unwrap();
        let out = rooms.append(&new_b, t.as_bytes(), WriteMode::Append).await.unwrap();
        assert_eq!(out.duplicate_lines, 1);
    }

    #[tokio::test]
    async fn idle_rooms_are_released() {
        let dir = tempfile::tempdir().unwrap();
        let rooms = Rooms::new(settings(SyncPolicy::Never));
        for i in 0..300 {
            let p = dir.path().join(format!("room{i}.txt"));
            rooms.append(&p, token().as_bytes(), WriteMode::Append).await.unwrap();
        }
        // The most recently used stay open, the others are released.
        wait_for(|| rooms.rooms_open() == KEEP_OPEN).await;
        let newest = dir.path().join("room299.txt").canonicalize().unwrap();
        assert!(lock(&rooms.registry).hot.front().is_some_and(|r| r.path == newest));
        rooms.set_keep_open(0);
        wait_for(|| rooms.rooms_open() == 0).await;
        let reg = lock(&rooms.registry);
        assert!(reg.rooms.len() < 300, "dead entries are swept: {}", reg.rooms.len());
        assert!(reg.rooms.len() <= reg.sweep_at);
    }

    #[tokio::test]
    async fn a_watch_sees_every_append_and_keeps_the_room_open() {
        let dir = tempfile::tempdir().unwrap();
        let t = tokens(2);
        let path = room_file(&dir, &format!("{}\npartial", t[0]));
        let rooms = Rooms::new(settings(SyncPolicy::Never));
        rooms.set_keep_open(0);
        assert!(matches!(
            rooms.subscribe(&dir.path().join("missing.txt")).await,
            Err(RoomError::Io(e)) if e.kind() == io::ErrorKind::NotFound
        ));
        assert!(!dir.path().join("missing.txt").exists(), "subscribing creates nothing");
        let mut w = rooms.subscribe(&path).await.unwrap();
        assert_eq!(w.end(), t[0].len() as u64 + 1, "opened and repaired");
        let waiter = tokio::spawn(async move {
            let n = w.changed().await;
            (n, w)
        });
        rooms.append(&path, t[1].as_bytes(), WriteMode::Append).await.unwrap();
        let (n, w) = waiter.await.unwrap();
        assert_eq!(n, std::fs::metadata(&path).unwrap().len());
        assert_eq!(rooms.rooms_open(), 1);
        drop(w);
        wait_for(|| rooms.rooms_open() == 0).await;
    }

    #[tokio::test]
    async fn a_room_deleted_while_open_is_recreated_by_the_next_append() {
        let dir = tempfile::tempdir().unwrap();
        let t = tokens(2);
        let path = room_file(&dir, &format!("{}\n", t[0]));
        let rooms = Rooms::new(settings(SyncPolicy::Never));
        let w = rooms.subscribe(&path).await.unwrap();
        std::fs::remove_file(&path).unwrap();
        rooms.append(&path, t[1].as_bytes(), WriteMode::Append).await.unwrap();
        assert_eq!(lines_of(&path), vec![t[1].clone()]);
        // And one replaced by another file (rename over it) is followed too.
        let other = dir.path().join("other.txt");
        std::fs::write(&other, format!("{}\n", t[0])).unwrap();
        std::fs::rename(&other, &path).unwrap();
        let out = rooms.append(&path, t[1].as_bytes(), WriteMode::Append).await.unwrap();
        assert_eq!(out.written_lines, 1, "the new file's lines are what counts");
        assert_eq!(lines_of(&path), t);
        assert_eq!(w.end(), std::fs::metadata(&path).unwrap().len());
    }

    #[tokio::test]
    async fn an_outside_append_is_respected_and_its_partial_line_cut() {
        let dir = tempfile::tempdir().unwrap();
        let t = tokens(4);
        let path = room_file(&dir, "");
        let rooms = Rooms::new(settings(SyncPolicy::Never));
        let _w = rooms.subscribe(&path).await.unwrap();
        rooms.append(&path, t[0].as_bytes(), WriteMode::Append).await.unwrap();
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        write!(f, "{}\n{}", t[1], &t[2][..10]).unwrap();
        rooms.append(&path, t[3].as_bytes(), WriteMode::Append).await.unwrap();
        assert_eq!(lines_of(&path), vec![t[0].clone(), t[1].clone(), t[3].clone()]);
    }

    #[tokio::test]
    async fn a_folder_is_not_a_room() {
        let dir = tempfile::tempdir().unwrap();
        let rooms = Rooms::new(settings(SyncPolicy::Never));
        let err = rooms.append(dir.path(), token().as_bytes(), WriteMode::Append).await.unwrap_err();
        assert_eq!(err.ftp_code(), 451, "{err}");
        let err = rooms.append(&dir.path().join("nope/room.txt"), token().as_bytes(), WriteMode::Append).await;
        assert!(matches!(err, Err(RoomError::Io(e)) if e.kind() == io::ErrorKind::NotFound));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn rotation_keeps_logical_offsets_and_every_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = room_file(&dir, "");
        let mut s = settings(SyncPolicy::Batch);
        s.rotate = RotateSettings { rotate_bytes: 2048, keep_bytes: 512, keep_archives: 0, keep_days: 0 };
        let rooms = Rooms::new(s);
        let t = tokens(200);
        let mut w = rooms.subscribe(&path).await.unwrap();
        let mut total = 0u64;
        let mut last_end = 0;
        for tok in &t {
            rooms.append(&path, tok.as_bytes(), WriteMode::Append).await.unwrap();
            total += tok.len() as u64 + 1;
            let v = w.view();
            assert!(v.end >= last_end, "the logical size never goes down");
            last_end = v.end;
        }
        let v = w.view();
        assert_eq!(v.end, total);
        assert!(v.base > 0, "rotated");
        let live = std::fs::metadata(&path).unwrap().len();
        assert_eq!(v.base + live, total);
        assert!(live <= 2048 + 200);
        // Archives then the live file hold every line once, in order.
        let mut all = String::new();
        for (_, _, p) in rotate::archives(&path) {
            all.push_str(&std::fs::read_to_string(p).unwrap());
        }
        all.push_str(&std::fs::read_to_string(&path).unwrap());
        let lines: Vec<String> = all.lines().map(str::to_string).collect();
        assert_eq!(lines, t);
        // A read maps onto the live file the view describes.
        let (f, view) = rooms.open_read(&path).await.unwrap();
        assert_eq!(view, w.view());
        assert_eq!(f.metadata().unwrap().len(), view.end - view.base);
        // A restart (a new registry) keeps the logical size, and duplicates still count.
        drop(w);
        drop(rooms);
        let rooms = Rooms::new(settings(SyncPolicy::Batch));
        w = rooms.subscribe(&path).await.unwrap();
        assert_eq!(w.end(), total);
        let out = rooms.append(&path, t[199].as_bytes(), WriteMode::Append).await.unwrap();
        assert_eq!(out.duplicate_lines, 1);
    }

    #[test]
    fn settings_come_from_the_config() {
        let c =
            ChatConfig { validate: false, sync: SyncPolicy::Always, max_append_bytes: 999, ..ChatConfig::default() };
        assert_eq!(
            RoomSettings::from(&c),
            RoomSettings {
                validate: false,
                sync: SyncPolicy::Always,
                max_append_bytes: 999,
                rotate: RotateSettings {
                    rotate_bytes: 256 * 1024,
                    keep_bytes: 64 * 1024,
                    keep_archives: 16,
                    keep_days: 0
                }
            }
        );
        assert_eq!(RoomSettings::default().sync, SyncPolicy::Batch);
    }

    #[test]
    fn scan_lines_handles_chunk_edges_and_overlong_lines() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.txt");
        let a = "a".repeat(64 * 1024 - 1);
        let huge = "h".repeat(MAX_SCAN_LINE + 10);
        let content = format!("{a}\nb\n{huge}\nc\r\n\nd");
        std::fs::write(&p, &content).unwrap();
        let f = File::open(&p).unwrap();
        let mut seen = Vec::new();
        scan_lines(&f, 0, content.len() as u64, |l| seen.push(String::from_utf8_lossy(l).into_owned())).unwrap();
        let lens: Vec<usize> = seen.iter().map(String::len).collect();
        assert_eq!(lens, vec![a.len(), 1, 2, 0, 1]);
        assert_eq!(seen[1..], ["b", "c\r", "", "d"]);
        assert!(seen[0] == a);
    }
}
