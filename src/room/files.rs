//! Shared files: encrypted blobs kept beside a room, announced in it.
//!
//! Why files are not simply lines of the room: FTPChat reads a room line by line and
//! stops for good at the first line it cannot decrypt, and a room is capped, rotated and
//! read whole by every poll. So a file lives apart, in the room's files folder
//! (`.lobby.txt.files/ID.lff`), and what the room gets is one ordinary message that
//! carries the file's key (docs/files.md, "Shared files"). The relay never sees a key.
//!
//! What the relay can still do without a key, it does here, as it does for room lines:
//! - **The shape.** An upload is Fernet tokens, one per line ([`token::check_line`]),
//!   each line at most [`MAX_LINE`] bytes, the last one ending with `\n`. A stray `STOR`
//!   of a photo in the clear is refused, with the line it stopped at.
//! - **Write-once, whole or nothing.** A file is written to a hidden part file and renamed
//!   into place when complete and synced: no reader ever fetches half a file, a failed
//!   upload leaves nothing, and an existing id is never replaced (the id is the client's
//!   random name; replacing would let anyone swap a file someone announced).
//! - **The size.** `chat.max_file_bytes` bounds the original size, estimated from the
//!   tokens from below (a token of `57 + 16k` bytes holds at least `16k - 16` bytes), so a
//!   file that fits is never refused; `chat.files_quota_bytes` bounds what a room's
//!   files take on the disk. Both are checked while the upload streams in, so a router
//!   never holds or writes more than the limit.
//! - **Pruning.** A file goes when the room's history it was announced in goes:
//!   [`prune`] is called with the time of the newest archive that rotation pruned, and
//!   removes the files older than that (with a margin for the upload-then-announce gap).
//!   A room that never loses history never loses its files.

use crate::base::space::{Hold, Short};
use crate::base::text::human_size;
use crate::ftpchat::file::{files_dir, id_of, is_file_id, EXTENSION, MAX_LINE};
use crate::ftpchat::token;
use std::fmt;
use std::fs;
use std::io;
use std::path::Path;
use std::time::{Duration, SystemTime};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};

/// A file is removed only if it is this much older than the history pruned (an
/// announcement follows its upload, maybe after a slow link finished it).
const ANNOUNCE_MARGIN: Duration = Duration::from_secs(3600);
/// Whether a file uploaded at `modified` was announced in history pruned up to `lost`
/// (the time of the newest archive pruned): then it goes with that history.
pub(crate) fn announced_before(modified: SystemTime, lost: SystemTime) -> bool {
    modified + ANNOUNCE_MARGIN < lost
}

/// A part file left by a crash is removed once it is this old.
const STALE_PART: Duration = Duration::from_secs(86_400);

/// The files limits of `[chat]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FileLimits {
    /// Largest original size of one file (0: file sharing is off).
    pub(crate) max_file_bytes: u64,
    /// What one room's files may take on disk (0: no limit).
    pub(crate) quota_bytes: u64,
}

/// Why a file upload was refused; in every case nothing was kept.
#[derive(Debug)]
pub(crate) enum FileError {
    /// `chat.max_file_bytes = 0`.
    Off,
    /// The name is not `ID.lff`.
    BadName,
    /// Not a room: its folder does not exist, or its name is a folder.
    NoRoom,
    /// A file with this id exists (or is being uploaded).
    Exists,
    /// Line `line` (1-based) is not a token, or the upload is not whole lines.
    Invalid { line: usize, reason: String },
    /// Over `chat.max_file_bytes` of original size.
    TooLarge { limit: u64 },
    /// The room's files would take more than `chat.files_quota_bytes`.
    QuotaFull { limit: u64 },
    /// The user's files would take more than their `quota_bytes`.
    UserQuota { limit: u64 },
    /// The disk has less free than `limits.disk_reserve`, kept for chat messages.
    Reserve { bytes: u64 },
    /// The disk (or the file system's quota) is full.
    DiskFull(io::Error),
    /// Cluster mode: the cluster could not take it (NATS unreachable, no answer);
    /// `maybe` says the cluster may hold it all the same, so the same upload again is
    /// accepted.
    #[cfg_attr(not(feature = "cluster"), allow(dead_code))]
    Unavailable { why: String, maybe: bool },
    /// The file system failed otherwise.
    Io(io::Error),
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileError::Off => write!(f, "file sharing is off on this relay (chat.max_file_bytes = 0)"),
            FileError::BadName => {
                write!(f, "a shared file is named ID{EXTENSION}, ID being 32 lowercase hex digits")
            }
            FileError::Exists => write!(f, "a file with this id exists already: shared files are write-once"),
            FileError::NoRoom => {
                write!(f, "no such room: its folder does not exist (make it first), or the room's name is a folder")
            }
            FileError::Invalid { line, reason } => write!(f, "file refused: line {line}: {reason}"),
            FileError::TooLarge { limit } => write!(
                f,
                "file refused: larger than this relay's limit of {} (chat.max_file_bytes); nothing was kept",
                limit_text(*limit)
            ),
            FileError::QuotaFull { limit } => write!(
                f,
                "file refused: this room's files would take more than {} (chat.files_quota_bytes); older files go when the room's history is pruned; nothing was kept",
                limit_text(*limit)
            ),
            FileError::UserQuota { limit } => write!(
                f,
                "file refused: this account's files may take at most {} (quota_bytes); nothing was kept",
                limit_text(*limit)
            ),
            FileError::Reserve { bytes } => write!(f, "file refused: {}", crate::base::space::Reserve::refusal(*bytes)),
            FileError::DiskFull(_) => write!(f, "file refused: the relay's disk is full; nothing was kept"),
            FileError::Unavailable { why, maybe: false } => {
                write!(f, "cluster unavailable, nothing written ({why}); try again shortly")
            }
            FileError::Unavailable { why, maybe: true } => write!(
                f,
                "cluster did not confirm the file ({why}); it may be stored: send the same file again, a retry is accepted"
            ),
            FileError::Io(e) => write!(f, "file not stored: {e}"),
        }
    }
}

impl std::error::Error for FileError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            FileError::Io(e) | FileError::DiskFull(e) => Some(e),
            _ => None,
        }
    }
}

impl From<io::Error> for FileError {
    fn from(e: io::Error) -> Self {
        if super::is_disk_full(&e) {
            FileError::DiskFull(e)
        } else {
            FileError::Io(e)
        }
    }
}

/// A limit in a reply: `17 MB (16777216 bytes)`.
fn limit_text(n: u64) -> String {
    format!("{} ({n} bytes)", human_size(n))
}

/// Checks an upload line by line as it streams in.
#[derive(Debug, Default)]
struct Checker {
    /// Bytes of the line not yet ended.
    pending: Vec<u8>,
    /// Lines completed so far.
    lines: usize,
    /// The least the original file can hold, from the tokens so far.
    plain_at_least: u64,
}

impl Checker {
    /// Takes the next bytes of the upload.
    fn feed(&mut self, mut data: &[u8], limits: FileLimits) -> Result<(), FileError> {
        while let Some(nl) = data.iter().position(|&b| b == b'\n') {
            if self.pending.is_empty() {
                self.line(&data[..nl], limits)?;
            } else {
                self.pending.extend_from_slice(&data[..nl]);
                let whole = std::mem::take(&mut self.pending);
                self.line(&whole, limits)?;
            }
            data = &data[nl + 1..];
        }
        if self.pending.len() + data.len() > MAX_LINE {
            return Err(self.too_long());
        }
        self.pending.extend_from_slice(data);
        Ok(())
    }

    fn too_long(&self) -> FileError {
        FileError::Invalid {
            line: self.lines + 1,
            reason: format!("longer than {} KiB: not a token of a shared file", MAX_LINE / 1024),
        }
    }

    fn line(&mut self, line: &[u8], limits: FileLimits) -> Result<(), FileError> {
        self.lines += 1;
        if line.len() > MAX_LINE {
            self.lines -= 1;
            return Err(self.too_long());
        }
        token::check_line(line)
            .map_err(|reason| FileError::Invalid { line: self.lines, reason: reason.to_string() })?;
        // check_line accepted canonical padded base64: 4 symbols per 3 bytes.
        let pad = line.iter().rev().take_while(|&&b| b == b'=').count();
        let decoded = line.len() / 4 * 3 - pad;
        self.plain_at_least += (decoded - token::OVERHEAD - token::BLOCK) as u64;
        if self.plain_at_least > limits.max_file_bytes {
            return Err(FileError::TooLarge { limit: limits.max_file_bytes });
        }
        Ok(())
    }

    /// The upload ended: it must have been whole lines, at least one.
    fn finish(&self) -> Result<(), FileError> {
        if !self.pending.is_empty() {
            return Err(FileError::Invalid {
                line: self.lines + 1,
                reason: "the last line does not end with a newline (was the upload cut short?)".into(),
            });
        }
        if self.lines == 0 {
            return Err(FileError::Invalid {
                line: 1,
                reason: "empty upload: a file is at least one token line".into(),
            });
        }
        Ok(())
    }
}

impl From<Short> for FileError {
    fn from(s: Short) -> Self {
        match s {
            Short::Limit { key: "files_quota_bytes", max } => FileError::QuotaFull { limit: max },
            Short::Limit { max, .. } => FileError::UserQuota { limit: max },
            Short::Disk { reserve } => FileError::Reserve { bytes: reserve },
        }
    }
}

/// Stores the upload `input` as the file `id` of the room at `room` (a real path), after
/// checking it; returns the bytes stored. `hold` takes the bytes as they come (the room's
/// files quota, the user's, the disk reserve: see [`crate::base::space`]).
///
/// The caller has checked that `room` is a room's name for this user (`chat.rooms`, in
/// the home). The room need not have a file yet: the first thing shared in a new room
/// may be a file, and its announcement then creates the room, as any first message does.
/// Its folder must exist, as for a first message. A refused upload leaves nothing: no
/// part file, and no files folder that the refused upload made in a room that has no
/// file.
///
/// The input is a trait object: FTP and the web API each have their own reader type, and
/// one copy of this code is enough on a router's flash.
pub(crate) async fn store(
    room: &Path,
    id: &str,
    input: &mut (dyn AsyncRead + Unpin + Send),
    limits: FileLimits,
    hold: Hold,
) -> Result<u64, FileError> {
    store_with(room, id, input, limits, hold, None).await
}

/// [`store`] in cluster mode: the checked upload is handed to `cluster` before it takes
/// its name here, and takes it only once the cluster holds it. A file held already
/// under that name is no refusal when the upload is the same bytes (a retry after a
/// timeout); it is when they differ ([`FileError::Exists`]).
pub(crate) async fn store_replicated(
    room: &Path,
    id: &str,
    input: &mut (dyn AsyncRead + Unpin + Send),
    limits: FileLimits,
    hold: Hold,
    cluster: &dyn super::spread::FileReplicator,
) -> Result<u64, FileError> {
    store_with(room, id, input, limits, hold, Some(cluster)).await
}

async fn store_with(
    room: &Path,
    id: &str,
    input: &mut (dyn AsyncRead + Unpin + Send),
    limits: FileLimits,
    hold: Hold,
    cluster: Option<&dyn super::spread::FileReplicator>,
) -> Result<u64, FileError> {
    if limits.max_file_bytes == 0 {
        return Err(FileError::Off);
    }
    if !is_file_id(id) {
        return Err(FileError::BadName);
    }
    match fs::symlink_metadata(room) {
        Ok(m) if m.is_file() => {}
        Ok(_) => return Err(FileError::NoRoom),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            if !room.parent().is_some_and(|p| fs::metadata(p).is_ok_and(|m| m.is_dir())) {
                return Err(FileError::NoRoom);
            }
        }
        Err(e) => return Err(e.into()),
    }
    let dir = files_dir(room);
    let stored = store_in(room, &dir, id, input, limits, hold, cluster).await;
    if stored.is_err() && fs::symlink_metadata(room).is_err() {
        // A new room: the folder goes too, unless another upload is using it (then it
        // is not empty, and stays).
        let _ = fs::remove_dir(&dir);
    }
    stored
}

/// [`store`] once the room is known: into its files folder `dir`, made if missing.
async fn store_in(
    room: &Path,
    dir: &Path,
    id: &str,
    input: &mut (dyn AsyncRead + Unpin + Send),
    limits: FileLimits,
    mut hold: Hold,
    cluster: Option<&dyn super::spread::FileReplicator>,
) -> Result<u64, FileError> {
    match fs::symlink_metadata(dir) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => return Err(FileError::Io(io::Error::other("the room's files folder is not a folder"))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => make_dir(dir)?,
        Err(e) => return Err(e.into()),
    }
    let target = dir.join(format!("{id}{EXTENSION}"));
    // In cluster mode a file held already may be this very upload, sent again: the
    // cluster compares the bytes once they are in.
    if cluster.is_none() && fs::symlink_metadata(&target).is_ok() {
        return Err(FileError::Exists);
    }
    hold.take(0)?;
    let part = dir.join(format!(".{id}{EXTENSION}.part"));
    let open = || fs::OpenOptions::new().write(true).create_new(true).open(&part);
    let opened = match open() {
        // A refused upload in the same new room removed the folder meanwhile.
        Err(e) if e.kind() == io::ErrorKind::NotFound => make_dir(dir).and_then(|()| open()),
        r => r,
    };
    let file = match opened {
        Ok(f) => tokio::fs::File::from_std(f),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Err(FileError::Exists),
        Err(e) => return Err(e.into()),
    };
    let written = fill(file, input, limits, &mut hold).await;
    let done = match (written, cluster) {
        (Ok(n), None) => match fs::symlink_metadata(&target) {
            Ok(_) => Err(FileError::Exists),
            Err(_) => fs::rename(&part, &target).map(|()| n).map_err(FileError::from),
        },
        // The cluster holds exactly these bytes under this name once `put` is done: the
        // copy here is taken (or, held already, the same bytes).
        (Ok(n), Some(c)) => match c.put(room, id, &part, limits.quota_bytes).await {
            Ok(()) => match fs::symlink_metadata(&target) {
                Ok(_) => fs::remove_file(&part).map(|()| n).map_err(FileError::from),
                Err(_) => fs::rename(&part, &target).map(|()| n).map_err(FileError::from),
            },
            Err(e) => Err(e),
        },
        (Err(e), _) => Err(e),
    };
    match done {
        Ok(n) => {
            hold.keep();
            if let Ok(d) = fs::File::open(dir) {
                let _ = d.sync_all();
            }
            Ok(n)
        }
        Err(e) => {
            let _ = fs::remove_file(&part);
            Err(e)
        }
    }
}

/// Who shared which files of a room, for quotas counted per person: `ID\tNAME` lines in
/// the room's state folder (never listed or served: it names people).
const UPLOADERS: &str = "uploaders";

/// Notes that `who` shared the file `id` in `room` (after it was stored).
pub(crate) fn note_uploader(room: &Path, id: &str, who: &str) -> io::Result<()> {
    use std::io::Write;
    let dir = crate::room::rotate::state_dir(room);
    fs::create_dir_all(&dir)?;
    let mut f = fs::OpenOptions::new().create(true).append(true).open(dir.join(UPLOADERS))?;
    f.write_all(format!("{id}\t{who}\n").as_bytes())
}

/// What the files `who` shared in the rooms under `home` take now (files pruned with old
/// history no longer count). Bounded like [`crate::base::files::usage`]: past 100,000
/// entries the answer is `u64::MAX`.
pub(crate) fn shared_by(home: &Path, who: &str) -> u64 {
    let mut total = 0u64;
    let mut todo = vec![(home.to_path_buf(), 0)];
    let mut seen = 0usize;
    let mut counted = std::collections::HashSet::new();
    while let Some((d, depth)) = todo.pop() {
        let Ok(entries) = fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            seen += 1;
            if seen > 100_000 {
                return u64::MAX;
            }
            let name = e.file_name().to_string_lossy().into_owned();
            let Ok(ft) = e.file_type() else { continue };
            if !ft.is_dir() {
                continue;
            }
            let room = name.strip_prefix('.').and_then(|n| n.strip_suffix(crate::room::rotate::STATE_SUFFIX));
            match room {
                Some(room) => {
                    let Ok(text) = fs::read_to_string(e.path().join(UPLOADERS)) else { continue };
                    let files = files_dir(&d.join(room));
                    for (id, by) in text.lines().filter_map(|l| l.split_once('\t')) {
                        if by == who && is_file_id(id) && counted.insert(files.join(id)) {
                            let len =
                                fs::symlink_metadata(files.join(format!("{id}{EXTENSION}"))).map_or(0, |m| m.len());
                            total = total.saturating_add(len);
                        }
                    }
                }
                None if depth < 8 && !name.starts_with('.') => todo.push((e.path(), depth + 1)),
                None => {}
            }
        }
    }
    total
}

/// Makes a room's files folder (one made at the same moment by another upload is fine).
fn make_dir(dir: &Path) -> io::Result<()> {
    match fs::create_dir(dir) {
        Err(e) if e.kind() != io::ErrorKind::AlreadyExists => Err(e),
        _ => Ok(()),
    }
}

/// Copies `input` into `file` through the checker; returns the bytes written.
async fn fill(
    file: tokio::fs::File,
    input: &mut (dyn AsyncRead + Unpin + Send),
    limits: FileLimits,
    hold: &mut Hold,
) -> Result<u64, FileError> {
    let mut out = tokio::io::BufWriter::with_capacity(64 * 1024, file);
    let mut check = Checker::default();
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0u64;
    loop {
        let n = input.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        check.feed(&buf[..n], limits)?;
        total += n as u64;
        hold.take(n as u64)?;
        out.write_all(&buf[..n]).await?;
    }
    check.finish()?;
    out.flush().await?;
    out.get_ref().sync_all().await?;
    Ok(total)
}

/// Removes the files of the room at `room` older than `history_lost` (the time of the
/// newest archive just pruned) by more than the announcement margin, and part files a
/// crash left behind.
pub(crate) fn prune(room: &Path, history_lost: Option<SystemTime>) {
    let dir = files_dir(room);
    let Ok(rd) = fs::read_dir(&dir) else { return };
    let now = SystemTime::now();
    for e in rd.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Ok(modified) = e.metadata().and_then(|m| m.modified()) else { continue };
        let stale_part = name.starts_with('.')
            && name.ends_with(".part")
            && now.duration_since(modified).is_ok_and(|age| age > STALE_PART);
        let announced_in_lost_history =
            id_of(&name).is_some() && history_lost.is_some_and(|lost| announced_before(modified, lost));
        if stale_part || announced_in_lost_history {
            match fs::remove_file(e.path()) {
                Ok(()) => {
                    tracing::info!(file = %crate::base::text::logged(&e.path()), "shared file pruned with the room's history")
                }
                Err(err) => {
                    tracing::warn!(file = %crate::base::text::logged(&e.path()), "cannot prune shared file: {err}")
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE;
    use base64::Engine as _;

    const LIMITS: FileLimits = FileLimits { max_file_bytes: 1 << 20, quota_bytes: 0 };

    /// A token-shaped line holding `blocks` ciphertext blocks.
    fn token(blocks: usize) -> String {
        let mut raw = vec![0x80u8];
        raw.resize(token::OVERHEAD + token::BLOCK * blocks, 7);
        URL_SAFE.encode(raw)
    }

    #[test]
    fn the_checker_takes_lines_split_anywhere() {
        let body = format!("{}\n{}\n", token(3), token(1));
        for split in 0..body.len() {
            let mut c = Checker::default();
            c.feed(&body.as_bytes()[..split], LIMITS).unwrap();
            c.feed(&body.as_bytes()[split..], LIMITS).unwrap();
            c.finish().unwrap();
            assert_eq!(c.lines, 2);
            // 3 blocks hold at least 32 bytes, 1 block at least 0.
            assert_eq!(c.plain_at_least, 32);
        }
    }

    #[test]
    fn the_checker_refuses_what_a_reader_could_not_open() {
        let mut c = Checker::default();
        let e = c.feed(format!("{}\nhello\n", token(1)).as_bytes(), LIMITS).unwrap_err();
        assert!(matches!(e, FileError::Invalid { line: 2, .. }), "{e}");
        let mut c = Checker::default();
        c.feed(token(1).as_bytes(), LIMITS).unwrap();
        assert!(matches!(c.finish(), Err(FileError::Invalid { line: 1, .. })));
        assert!(matches!(Checker::default().finish(), Err(FileError::Invalid { line: 1, .. })));
        let mut c = Checker::default();
        assert!(matches!(c.feed(&vec![b'A'; MAX_LINE + 1], LIMITS), Err(FileError::Invalid { line: 1, .. })));
        let small = FileLimits { max_file_bytes: 100, quota_bytes: 0 };
        let mut c = Checker::default();
        c.feed(format!("{}\n", token(7)).as_bytes(), small).unwrap();
        assert!(matches!(c.feed(format!("{}\n", token(2)).as_bytes(), small), Err(FileError::TooLarge { .. })));
    }

    /// A hold under the limits given as (folder, max, key, what it holds now).
    fn hold(limits: &[(&Path, u64, &'static str, u64)]) -> Hold {
        use crate::base::space::{Ledger, Limit};
        let limits = limits
            .iter()
            .map(|(folder, max, key, measured)| Limit {
                folder: folder.to_path_buf(),
                max: *max,
                key,
                measured: Some(*measured),
                measured_at: std::time::Instant::now(),
            })
            .collect();
        std::sync::Arc::new(Ledger::default()).begin(limits, None, 0)
    }

    #[tokio::test]
    async fn a_refused_upload_leaves_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let room = tmp.path().join("lobby.txt");
        let id = "00000000000000000000000000000001";
        // A room with no file yet: a refused upload leaves no folder either.
        let mut bad: &[u8] = b"";
        assert!(matches!(store(&room, id, &mut bad, LIMITS, hold(&[])).await, Err(FileError::Invalid { .. })));
        let mut bad: &[u8] = b"not a token\n";
        assert!(store(&room, id, &mut bad, LIMITS, hold(&[])).await.is_err());
        assert!(!files_dir(&room).exists() && !room.exists());
        let missing = tmp.path().join("no-folder/lobby.txt");
        let mut bad: &[u8] = b"";
        assert!(matches!(store(&missing, id, &mut bad, LIMITS, hold(&[])).await, Err(FileError::NoRoom)));
        fs::write(&room, "").unwrap();
        let mut bad: &[u8] = b"not a token\n";
        assert!(store(&room, id, &mut bad, LIMITS, hold(&[])).await.is_err());
        let names: Vec<_> = fs::read_dir(files_dir(&room)).unwrap().flatten().map(|e| e.file_name()).collect();
        assert!(names.is_empty(), "{names:?}");
        let good = format!("{}\n", token(2));
        let n = store(&room, id, &mut good.as_bytes(), LIMITS, hold(&[])).await.unwrap();
        assert_eq!(n, good.len() as u64);
        assert!(matches!(store(&room, id, &mut good.as_bytes(), LIMITS, hold(&[])).await, Err(FileError::Exists)));
        let dir = files_dir(&room);
        let files = hold(&[(&dir, good.len() as u64 + 10, "files_quota_bytes", good.len() as u64)]);
        let other = "00000000000000000000000000000002";
        assert!(matches!(
            store(&room, other, &mut good.as_bytes(), LIMITS, files).await,
            Err(FileError::QuotaFull { .. })
        ));
        assert!(!files_dir(&room).join(format!("{other}.lff")).exists());
        let off = FileLimits { max_file_bytes: 0, quota_bytes: 0 };
        assert!(matches!(store(&room, other, &mut good.as_bytes(), off, hold(&[])).await, Err(FileError::Off)));
        let home = hold(&[(tmp.path(), 1000, "quota_bytes", 1000 - good.len() as u64 + 1)]);
        assert!(matches!(
            store(&room, other, &mut good.as_bytes(), LIMITS, home).await,
            Err(FileError::UserQuota { limit: 1000 })
        ));
        assert!(!files_dir(&room).join(format!("{other}.lff")).exists());
    }

    /// Issue 21: the first thing shared in a new room may be a file; its announcement
    /// then creates the room.
    #[tokio::test]
    async fn a_file_can_be_shared_in_a_room_with_no_file_yet() {
        let tmp = tempfile::tempdir().unwrap();
        let room = tmp.path().join("new.txt");
        let good = format!("{}\n", token(2));
        let id = "0123456789abcdef0123456789abcdef";
        assert_eq!(store(&room, id, &mut good.as_bytes(), LIMITS, hold(&[])).await.unwrap(), good.len() as u64);
        assert_eq!(fs::read_to_string(files_dir(&room).join(format!("{id}.lff"))).unwrap(), good);
        assert!(!room.exists(), "the announcement creates the room, not the file");
        let folder = tmp.path().join("a-folder.txt");
        fs::create_dir(&folder).unwrap();
        assert!(matches!(store(&folder, id, &mut good.as_bytes(), LIMITS, hold(&[])).await, Err(FileError::NoRoom)));
    }

    #[test]
    fn pruning_follows_the_history() {
        let tmp = tempfile::tempdir().unwrap();
        let room = tmp.path().join("lobby.txt");
        let dir = files_dir(&room);
        fs::create_dir(&dir).unwrap();
        let old = dir.join("00000000000000000000000000000001.lff");
        let new = dir.join("00000000000000000000000000000002.lff");
        let part = dir.join(".00000000000000000000000000000003.lff.part");
        for p in [&old, &new, &part] {
            fs::write(p, "x\n").unwrap();
        }
        let now = SystemTime::now();
        let two_days = Duration::from_secs(2 * 86_400);
        fs::File::options().write(true).open(&old).unwrap().set_modified(now - two_days).unwrap();
        fs::File::options().write(true).open(&part).unwrap().set_modified(now - two_days).unwrap();
        prune(&room, None);
        assert!(old.exists() && new.exists() && !part.exists());
        prune(&room, Some(now - Duration::from_secs(86_400)));
        assert!(!old.exists() && new.exists());
    }
}
