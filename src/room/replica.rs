//! Rooms as replicas of a replicated log (cluster mode, `[cluster]`, docs/cluster.md).
//!
//! In cluster mode a relay never writes a room line of its own accord. An upload is
//! checked as on a single relay (its tokens, the room's budget, the author's share, the
//! rate limits, the recent lines it repeats, a `STOR` merge), against the room as this
//! replica holds it, and the bytes it would add are handed to a [`Replicator`], which
//! stores them in the log (NATS JetStream, `crate::cluster`) and returns once the log
//! holds them and this replica has applied them. Every relay applies every message of the
//! log, in the log's order, with [`super::Rooms::apply`]: written as they are, one message
//! at a time, each followed by the rotation check. So every replica holds the same bytes,
//! cut into the same archives at the same logical offsets: rotation depends only on the
//! bytes applied and on `[chat] rotate_bytes`/`keep_bytes`, which must be the same on
//! every relay.
//!
//! Each room records, in its state folder (`applied`), the stream sequence of the last
//! message applied to it and the room's logical end after it. The record is written after
//! the message, so it may lag the file by one message (a relay stopped in between), never
//! lead it: a message whose sequence is at or below the record is skipped; one whose bytes
//! are already the room's bytes after the recorded end is recorded, not written again.
//! So a relay that restarts anywhere in the log applies each message exactly once.
//!
//! The room layer knows nothing of NATS: [`Replicator`] is the whole interface.

use super::{rotate, RoomError};
use crate::config::SyncPolicy;
use std::path::Path;

/// Where appends go in cluster mode.
pub(crate) trait Replicator: Send + Sync {
    /// Stores `data` (whole lines, or nothing to create the room) as the next message of
    /// the room at `room` (its canonical path), by `member`; returns once the log holds it
    /// and this replica has applied it. On an error nothing was written, unless the error
    /// says it may have been ([`RoomError::Unavailable`] `maybe`).
    fn append<'a>(
        &'a self,
        room: &'a Path,
        data: Vec<u8>,
        member: Option<String>,
    ) -> futures::future::BoxFuture<'a, Result<(), RoomError>>;
}

/// The name of the record in a room's state folder.
const APPLIED: &str = "applied";

/// A room's record: (stream sequence, logical end after it); `None` when never applied.
pub(super) fn load_applied(room: &Path) -> Option<(u64, u64)> {
    let text = std::fs::read_to_string(rotate::state_dir(room).join(APPLIED)).ok()?;
    let mut it = text.split_whitespace();
    let seq = it.next()?.parse().ok()?;
    let end = it.next()?.parse().ok()?;
    Some((seq, end))
}

/// Writes a room's record (durably unless the sync policy is `never`). A failure is
/// logged: the next start then finds the bytes after the older record and skips them.
pub(super) fn save_applied(room: &Path, applied: Option<(u64, u64)>, sync: SyncPolicy) {
    let Some((seq, end)) = applied else { return };
    let dir = rotate::state_dir(room);
    let text = format!("{seq} {end}\n");
    let result = std::fs::create_dir_all(&dir).and_then(|()| {
        let p = dir.join(APPLIED);
        if sync == SyncPolicy::Never {
            let tmp = dir.join("applied.tmp");
            std::fs::write(&tmp, &text)?;
            std::fs::rename(tmp, p)
        } else {
            crate::base::files::write_atomic(&p, text.as_bytes())
        }
    });
    if let Err(e) = result {
        tracing::warn!(room = %crate::base::text::logged(room), "cannot record the stream sequence applied: {e}");
    }
}
