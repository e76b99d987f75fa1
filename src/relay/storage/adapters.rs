//! What the backend hands libunftp: metadata with a room's logical size, and the readers
//! that count a download, record it for `SITE SEEN`, and cut an upload at its limit.

use crate::base::space::Hold;
use crate::base::sync::Unpoison;
use crate::room::Rooms;
use std::fmt::Debug;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::SystemTime;
use tokio::io::{AsyncRead, ReadBuf};
use unftp_core::storage::{ErrorKind, Metadata, Permissions, Result};

/// Metadata as clients see it.
#[derive(Debug)]
pub(crate) struct LoftMeta {
    pub(super) inner: Stat,
    /// A room's logical size (see [`crate::room::rotate`]), reported instead of the live
    /// file's length.
    pub(super) len: Option<u64>,
}

/// Where a file's metadata came from: the file system backend (listings, files that are
/// not rooms), or the relay's own `stat` of a room it checked (`SIZE` of a room, every
/// FTPChat poll: no trip to the blocking pool for a file in use).
#[derive(Debug)]
pub(crate) enum Stat {
    Fs(unftp_sbe_fs::Meta),
    Room(std::fs::Metadata),
}

impl Metadata for LoftMeta {
    fn len(&self) -> u64 {
        self.len.unwrap_or_else(|| match &self.inner {
            Stat::Fs(m) => m.len(),
            Stat::Room(m) => m.len(),
        })
    }
    fn is_dir(&self) -> bool {
        match &self.inner {
            Stat::Fs(m) => m.is_dir(),
            Stat::Room(m) => m.is_dir(),
        }
    }
    fn is_file(&self) -> bool {
        match &self.inner {
            Stat::Fs(m) => m.is_file(),
            Stat::Room(m) => m.is_file(),
        }
    }
    fn is_symlink(&self) -> bool {
        match &self.inner {
            Stat::Fs(m) => m.is_symlink(),
            Stat::Room(m) => m.file_type().is_symlink(),
        }
    }
    fn modified(&self) -> Result<SystemTime> {
        match &self.inner {
            Stat::Fs(m) => m.modified(),
            Stat::Room(m) => m.modified().map_err(Into::into),
        }
    }
    fn gid(&self) -> u32 {
        match &self.inner {
            Stat::Fs(m) => m.gid(),
            Stat::Room(m) => std::os::unix::fs::MetadataExt::gid(m),
        }
    }
    fn uid(&self) -> u32 {
        match &self.inner {
            Stat::Fs(m) => m.uid(),
            Stat::Room(m) => std::os::unix::fs::MetadataExt::uid(m),
        }
    }
    fn links(&self) -> u64 {
        match &self.inner {
            Stat::Fs(m) => m.links(),
            Stat::Room(m) => std::os::unix::fs::MetadataExt::nlink(m),
        }
    }
    fn permissions(&self) -> Permissions {
        match &self.inner {
            Stat::Fs(m) => m.permissions(),
            Stat::Room(m) => Permissions(std::os::unix::fs::MetadataExt::mode(m)),
        }
    }
    fn readlink(&self) -> Option<&Path> {
        match &self.inner {
            Stat::Fs(m) => m.readlink(),
            Stat::Room(_) => None,
        }
    }
}

/// Counts what a download sent, and logs it at the end.
pub(super) struct CountingReader {
    pub(super) inner: Box<dyn AsyncRead + Send + Sync + Unpin>,
    pub(super) bytes: u64,
    pub(super) user: String,
    pub(super) path: String,
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
pub(super) struct SeenAtEnd<R> {
    pub(super) inner: R,
    pub(super) seen: Option<(Arc<Rooms>, PathBuf, String, u64)>,
}

impl<R: AsyncRead + Unpin> AsyncRead for SeenAtEnd<R> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(r, Poll::Ready(Ok(()))) && buf.filled().len() == before && buf.remaining() > 0 {
            if let Some((rooms, real, name, cap)) = self.seen.take() {
                rooms.note_seen(&real, &name, cap);
            }
        }
        r
    }
}

/// An upload's input, cut at `limits.max_upload_bytes` and at what its [`Hold`] may take
/// (the home's quota, the disk reserve): bytes are taken as they arrive, so parallel
/// uploads share the limits as they go. The first refusal is kept in `refused` (the FTP
/// reply), and the read fails.
pub(super) struct Capped<R> {
    pub(super) inner: R,
    /// Bytes left under `limits.max_upload_bytes` (`u64::MAX`: none).
    pub(super) left: u64,
    pub(super) hold: Arc<Mutex<Option<Hold>>>,
    pub(super) refused: Arc<Mutex<Option<Refusal>>>,
}

/// Why [`Capped`] cut an upload, as the reply says it.
#[derive(Debug, Clone)]
pub(super) struct Refusal {
    pub(super) kind: ErrorKind,
    pub(super) text: String,
}

impl<R: AsyncRead + Unpin> AsyncRead for Capped<R> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        let n = (buf.filled().len() - before) as u64;
        if n == 0 {
            return r;
        }
        let refusal = if n > self.left {
            Some(Refusal { kind: ErrorKind::ExceededStorageAllocationError, text: String::new() })
        } else {
            let mut hold = self.hold.lock().unpoisoned();
            match hold.as_mut().map(|h| h.take(n)) {
                Some(Err(short)) => {
                    Some(Refusal { kind: super::quota::short_kind(&short), text: super::quota::short_text(&short) })
                }
                _ => None,
            }
        };
        if let Some(refusal) = refusal {
            let text = refusal.text.clone();
            *self.refused.lock().unpoisoned() = Some(refusal);
            return Poll::Ready(Err(io::Error::new(io::ErrorKind::FileTooLarge, text)));
        }
        self.left -= n;
        r
    }
}

/// One reader shared by two owners (a storage call that takes its input by value, and the
/// code that drains what is left of it after a failure); only one reads at a time.
#[derive(Clone)]
pub(super) struct SharedReader(pub(super) Arc<Mutex<Box<dyn AsyncRead + Send + Sync + Unpin>>>);

impl AsyncRead for SharedReader {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let mut inner = self.0.lock().unpoisoned();
        Pin::new(&mut **inner).poll_read(cx, buf)
    }
}
