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
#[cfg_attr(not(feature = "cluster"), allow(dead_code))]
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
#[cfg_attr(not(feature = "cluster"), allow(dead_code))]
pub(super) fn load_applied(room: &Path) -> Option<(u64, u64)> {
    let text = std::fs::read_to_string(rotate::state_dir(room).join(APPLIED)).ok()?;
    let mut it = text.split_whitespace();
    let seq = it.next()?.parse().ok()?;
    let end = it.next()?.parse().ok()?;
    Some((seq, end))
}

/// Writes a room's record (durably unless the sync policy is `never`). A failure is
/// logged: the next start then finds the bytes after the older record and skips them.
#[cfg_attr(not(feature = "cluster"), allow(dead_code))]
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

#[cfg(all(test, feature = "cluster"))]
mod tests {
    use super::super::{rotate, RoomSettings, Rooms, WriteMode};
    use super::*;
    use std::sync::Arc;

    fn settings() -> RoomSettings {
        let mut s = RoomSettings { validate: false, max_room_bytes: 0, ..RoomSettings::default() };
        s.rotate = rotate::RotateSettings { rotate_bytes: 2048, keep_bytes: 512, keep_archives: 0, keep_days: 0 };
        s
    }

    /// Everything the room keeps: archives by name, then the live file.
    fn everything(room: &Path) -> Vec<(String, Vec<u8>)> {
        let mut out: Vec<_> = rotate::archives(room)
            .into_iter()
            .map(|(_, _, p)| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(p).unwrap()))
            .collect();
        out.push(("live".into(), std::fs::read(room).unwrap()));
        out
    }

    fn message(i: usize) -> Vec<u8> {
        // Messages of one to three lines, of varied lengths.
        (0..1 + i % 3)
            .map(|j| format!("m{i}-{j}-{}\n", "y".repeat(20 + (i * 7 + j) % 90)))
            .collect::<String>()
            .into_bytes()
    }

    #[tokio::test]
    async fn replicas_applying_one_stream_hold_the_same_bytes_and_archives() {
        let (d1, d2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (r1, r2) = (Rooms::new(settings()), Rooms::new(settings()));
        let (p1, p2) = (d1.path().join("sub/lobby.txt"), d2.path().join("sub/lobby.txt"));
        for i in 0..120 {
            r1.apply(&p1, i as u64 + 1, message(i), Some("m".into())).await.unwrap();
        }
        // The second replica gets the same stream while a reader keeps it open.
        let _w = {
            r2.apply(&p2, 1, message(0), None).await.unwrap();
            r2.subscribe(&p2).await.unwrap()
        };
        for i in 1..120 {
            r2.apply(&p2, i as u64 + 1, message(i), None).await.unwrap();
        }
        let (e1, e2) = (everything(&p1), everything(&p2));
        assert!(e1.len() > 3, "it should have rotated");
        assert_eq!(e1, e2);
        assert_eq!(r1.subscribe(&p1).await.unwrap().end(), (0..120).map(|i| message(i).len() as u64).sum::<u64>());
    }

    #[tokio::test]
    async fn a_message_is_applied_once_whenever_the_relay_stopped() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("lobby.txt");
        {
            let r = Rooms::new(settings());
            for i in 0..5 {
                r.apply(&p, i as u64 + 1, message(i), None).await.unwrap();
            }
            // Again: at or below the record, skipped.
            r.apply(&p, 3, message(2), None).await.unwrap();
        }
        let want = everything(&p);
        // A stop between the write of message 5 and its record: the record says 4.
        let end4: u64 = (0..4).map(|i| message(i).len() as u64).sum();
        std::fs::write(rotate::state_dir(&p).join(APPLIED), format!("4 {end4}\n")).unwrap();
        let r = Rooms::new(settings());
        r.apply(&p, 5, message(4), None).await.unwrap();
        assert_eq!(everything(&p), want, "message 5 was written twice");
        assert_eq!(load_applied(&p), Some((5, end4 + message(4).len() as u64)));
        r.apply(&p, 6, message(5), None).await.unwrap();
        assert!(std::fs::read_to_string(&p).unwrap().ends_with(std::str::from_utf8(&message(5)).unwrap()));
    }

    /// A replicator that refuses, as one without NATS does.
    struct Down;
    impl Replicator for Down {
        fn append<'a>(
            &'a self,
            _: &'a Path,
            _: Vec<u8>,
            _: Option<String>,
        ) -> futures::future::BoxFuture<'a, Result<(), RoomError>> {
            Box::pin(async { Err(RoomError::Unavailable { why: "test".into(), maybe: false }) })
        }
    }

    #[tokio::test]
    async fn an_append_the_replicator_refuses_writes_nothing() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("lobby.txt");
        let r = Rooms::new(settings());
        r.apply(&p, 1, message(0), None).await.unwrap();
        let before = everything(&p);
        r.set_replicator(Arc::new(Down));
        let e = r.append(&p, b"new line\n", WriteMode::Append, None).await.unwrap_err();
        assert!(e.to_string().contains("cluster unavailable, nothing written"), "{e}");
        // A retry of a line the room holds is answered as one, without the cluster.
        let dup = String::from_utf8(message(0)).unwrap();
        let out = r.append(&p, dup.lines().next().unwrap().as_bytes(), WriteMode::Append, None).await.unwrap();
        assert_eq!((out.written_lines, out.duplicate_lines), (0, 1));
        // A room not created yet is refused too, and not created.
        let q = d.path().join("new.txt");
        assert!(r.append(&q, b"", WriteMode::Append, None).await.is_err());
        assert!(!q.exists());
        assert_eq!(everything(&p), before);
    }
}
