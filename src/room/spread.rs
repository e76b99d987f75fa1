//! Cluster mode beyond the rooms' lines: read receipts and shared files held by the
//! cluster (`[cluster]`, docs/cluster.md), seen by the room store through two small
//! traits, as the rooms' log is through [`super::replica::Replicator`].
//!
//! - **Receipts** stay what they are on a single relay (in memory at once, in the room's
//!   state folder within two seconds); a [`SeenSink`] is told of every one given here, and
//!   receipts given on other relays come back through [`Rooms::merge_seen`] (kept only if
//!   higher, so a receipt only moves forward wherever it was given).
//! - **Shared files** go through a [`FileReplicator`]: an upload is checked here as on a
//!   single relay, and kept only once the cluster holds it; a `DELE` removes it from the
//!   cluster first. Without the cluster (NATS unreachable) both are refused and nothing
//!   changes, so a file removed meanwhile cannot come back.
//!
//! The room layer knows nothing of NATS: these traits are the whole interface.

use super::files::{self, FileError, FileLimits};
use super::Rooms;
use crate::base::space::Hold;
use std::path::Path;
use std::sync::{Arc, OnceLock};
use tokio::io::AsyncRead;

/// Where read receipts given on this relay go in cluster mode.
pub(crate) trait SeenSink: Send + Sync {
    /// `user` has read the room at `room` (canonical) up to `offset`, at unix second `at`.
    fn noted(&self, room: &Path, user: &str, offset: u64, at: u64);
}

/// Where shared files go in cluster mode.
pub(crate) trait FileReplicator: Send + Sync {
    /// Whether the cluster can take an upload or a delete now; `Err` says why not.
    fn available(&self) -> Result<(), String>;

    /// Stores the complete, checked upload at `part` as the file `id` of the room at
    /// `room` (canonical). Returns once the cluster holds exactly these bytes under that
    /// name: stored now, or held already (a retry of the same file). A different file
    /// under that name is [`FileError::Exists`]; `quota` (0: none) bounds what the room's
    /// files take in the whole cluster ([`FileError::QuotaFull`]).
    fn put<'a>(
        &'a self,
        room: &'a Path,
        id: &'a str,
        part: &'a Path,
        quota: u64,
    ) -> futures::future::BoxFuture<'a, Result<(), FileError>>;

    /// Removes the file `id` of the room at `room` from the cluster (every relay's copy
    /// goes with it); `Ok(false)` when the cluster does not hold it.
    fn delete<'a>(&'a self, room: &'a Path, id: &'a str) -> futures::future::BoxFuture<'a, Result<bool, FileError>>;
}

/// The cluster's hooks, set once before the relay serves.
#[derive(Default)]
pub(crate) struct Hooks {
    seen: OnceLock<Arc<dyn SeenSink>>,
    files: OnceLock<Arc<dyn FileReplicator>>,
}

impl Rooms {
    /// Cluster mode: receipts given here are also told to `s`.
    #[cfg_attr(not(feature = "cluster"), allow(dead_code))]
    pub(crate) fn set_seen_sink(&self, s: Arc<dyn SeenSink>) {
        let _ = self.spread.seen.set(s);
    }

    /// Cluster mode: shared files go through `f`.
    #[cfg_attr(not(feature = "cluster"), allow(dead_code))]
    pub(crate) fn set_file_replicator(&self, f: Arc<dyn FileReplicator>) {
        let _ = self.spread.files.set(f);
    }

    /// Tells the cluster of a receipt given here (see [`Rooms::note_seen`]).
    pub(super) fn spread_seen(&self, room: &Path, user: &str, offset: u64) {
        // Only a room that exists has readers (as in the seen book).
        if let Some(s) = self.spread.seen.get().filter(|_| room.is_file()) {
            s.noted(room, user, offset, super::seen::now());
        }
    }

    /// A receipt given on another relay: kept if higher than the one held here (visible
    /// at once, written to the room's state folder with the next save).
    #[cfg_attr(not(feature = "cluster"), allow(dead_code))]
    pub(crate) fn merge_seen(self: &Arc<Self>, room: &Path, user: &str, offset: u64, at: u64) {
        if self.seen.note_at(room, user, offset, at) {
            let rooms = self.clone();
            tokio::spawn(async move {
                tokio::time::sleep(super::seen::SAVE_DELAY).await;
                let _ = tokio::task::spawn_blocking(move || rooms.seen.save_due()).await;
            });
        }
    }

    /// Stores an upload as the shared file `id` of the room at `room` (see
    /// [`files::store`]); in cluster mode, only once the cluster holds it, and refused
    /// with nothing kept when the cluster cannot take it.
    pub(crate) async fn store_file(
        &self,
        room: &Path,
        id: &str,
        input: &mut (dyn AsyncRead + Unpin + Send),
        limits: FileLimits,
        hold: Hold,
    ) -> Result<u64, FileError> {
        match self.spread.files.get() {
            None => files::store(room, id, input, limits, hold).await,
            Some(r) => {
                r.available().map_err(|why| FileError::Unavailable { why, maybe: false })?;
                files::store_replicated(room, id, input, limits, hold, r.as_ref()).await
            }
        }
    }

    /// Cluster mode: removes the shared file `id` of the room at `room` from the cluster
    /// and from this relay. `None` on a single relay (the caller deletes the file as any
    /// other); `Some(false)` when the cluster does not hold it.
    pub(crate) async fn delete_file(&self, room: &Path, id: &str) -> Option<Result<bool, FileError>> {
        let r = self.spread.files.get()?;
        Some(
            async {
                r.available().map_err(|why| FileError::Unavailable { why, maybe: false })?;
                let held = r.delete(room, id).await?;
                let path =
                    crate::ftpchat::file::files_dir(room).join(format!("{id}{}", crate::ftpchat::file::EXTENSION));
                match tokio::fs::remove_file(&path).await {
                    Ok(()) => Ok(true),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(held),
                    Err(e) => Err(FileError::from(e)),
                }
            }
            .await,
        )
    }
}
