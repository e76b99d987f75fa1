//! Rooms as replicas of a replicated log (cluster mode, `[cluster]`, docs/cluster.md).
//!
//! In cluster mode a relay never writes a room line of its own accord. An upload is
//! checked as on a single relay (its tokens, the room's budget, the author's share, the
//! rate limits, the recent lines it repeats, a `STOR` merge), against the room as this
//! replica holds it, and the bytes it would add are handed to a [`Replicator`], which
//! stores them in the log (NATS JetStream, `crate::cluster`) and returns once the log
//! holds them and this replica has applied them. Every relay applies every message of the
//! log, in the log's order, with [`super::Rooms::apply_batch`]: written as they are, in
//! groups (one write and one fsync per group), with the rotation check after each
//! message as if each were written alone. So every replica holds the same bytes,
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

#[cfg(feature = "cluster")]
use super::leader::{Job, JobKind, Room};
#[cfg(feature = "cluster")]
use super::log::Log;
#[cfg(feature = "cluster")]
use super::AppendOutcome;
#[cfg(feature = "cluster")]
use std::io;

/// One message of the cluster's stream, for [`super::Rooms::apply_batch`].
#[cfg(feature = "cluster")]
#[derive(Debug, Clone)]
pub(crate) struct StreamMessage {
    /// Its stream sequence.
    pub(crate) seq: u64,
    /// Its bytes: whole lines, or nothing (a room created).
    pub(crate) data: Vec<u8>,
    /// Whose share of the room's budget it counts against.
    pub(crate) member: Option<String>,
    /// When the stream stored it: the time of a rotation after it, for every replica.
    pub(crate) time: std::time::SystemTime,
}

/// Why a message of the stream can never be applied on any replica, from the message
/// alone (so that every replica skips the same ones): its bytes are not whole lines.
/// Anything else that fails while applying is this relay's fault (its disk), and is
/// retried, never skipped.
#[cfg(feature = "cluster")]
pub(crate) fn refusal(data: &[u8]) -> Option<&'static str> {
    if !data.is_empty() && data.last() != Some(&b'\n') {
        return Some("its bytes do not end with a newline (not whole lines)");
    }
    if data.contains(&0) {
        return Some("its bytes hold a NUL byte");
    }
    None
}

#[cfg(feature = "cluster")]
impl Room {
    /// Applies a group of stream messages, in order, to the room (see [`JobKind::Apply`]):
    /// the messages between two rotation points are written with one write and one fsync,
    /// and the room's record once after them; the rotation check follows every message,
    /// as if each were applied alone, so every replica rotates at the same points however
    /// its messages were grouped. A message the room has already (its sequence at or
    /// below the record, or its bytes right after the recorded end: written, and the relay
    /// stopped before it recorded them) is recorded, not written again.
    pub(super) fn apply_group(
        &self,
        slot: &mut Option<Log>,
        jobs: &[Job],
        sync: SyncPolicy,
    ) -> io::Result<Vec<AppendOutcome>> {
        let rotate_bytes = self.shared.settings().rotate.rotate_bytes;
        let mut outcomes = Vec::with_capacity(jobs.len());
        let mut next = 0;
        while next < jobs.len() {
            let log = self.open_log(slot, sync, true)?;
            // A relay stopped after a message and before the rotation that follows it
            // rotates now, before the next message: at the same point as every replica.
            if rotate_bytes > 0 && log.len > rotate_bytes {
                // Dated as the others dated it: by the message after which it is due.
                let time = load_applied_time(&self.path).or_else(|| {
                    jobs.get(next).and_then(|j| match &j.kind {
                        JobKind::Apply { time, .. } => Some(*time),
                        _ => None,
                    })
                });
                self.maybe_rotate_at(slot, sync, time);
                continue_if_rotated(slot)?;
            }
            let log = self.open_log(slot, sync, true)?;
            let before = self.settle_length(log)?;
            let mut buf: Vec<u8> = Vec::new();
            let mut record = log.applied;
            let mut hashes = Vec::new();
            let mut shares = Vec::new();
            let mut rotate_at = None;
            let mut last_time = None;
            while let Some(job) = jobs.get(next) {
                next += 1;
                let JobKind::Apply { seq, member, time } = &job.kind else {
                    return Err(io::Error::other("not an apply job"));
                };
                let data = &job.upload.data;
                let dup = AppendOutcome { duplicate_lines: job.upload.lines.len(), ..AppendOutcome::default() };
                if record.is_some_and(|(s, _)| *seq <= s) {
                    outcomes.push(dup);
                    continue;
                }
                let file_end = log.base + log.len;
                if let Some((_, at)) = record.filter(|&(_, at)| buf.is_empty() && file_end > at && at >= log.base) {
                    let mut have = vec![0u8; data.len()];
                    let same = file_end - at >= data.len() as u64
                        && std::os::unix::fs::FileExt::read_exact_at(&log.file, &mut have, at - log.base).is_ok()
                        && have == *data;
                    if same {
                        record = Some((*seq, at + data.len() as u64));
                        outcomes.push(dup);
                        continue;
                    }
                    tracing::warn!(path = %crate::base::text::logged(&self.path), seq, "the room holds bytes the stream does not: applying the stream's message after them");
                }
                if let Some(m) = member.as_deref().filter(|_| !data.is_empty()) {
                    shares.push((m.to_string(), log.base + before + buf.len() as u64, data.len() as u64));
                }
                buf.extend_from_slice(data);
                hashes.extend(job.upload.lines.iter().map(|l| l.hash));
                record = Some((*seq, log.base + before + buf.len() as u64));
                last_time = Some(*time);
                outcomes.push(AppendOutcome {
                    written_lines: job.upload.lines.len(),
                    bytes_written: data.len() as u64,
                    ..AppendOutcome::default()
                });
                if rotate_bytes > 0 && before + buf.len() as u64 > rotate_bytes {
                    rotate_at = Some(*time);
                    break;
                }
            }
            if !buf.is_empty() {
                self.write_synced(&log.file, &buf, before, sync)?;
            }
            log.len = before + buf.len() as u64;
            for h in hashes {
                log.recent.insert(h);
            }
            if !shares.is_empty() {
                for (m, at, n) in &shares {
                    log.shares.add(m, *at, *n);
                }
                log.shares.save(&self.path, false);
            }
            if record != log.applied {
                log.applied = record;
                save_applied(&self.path, log.applied, last_time, sync);
            }
            self.publish(log);
            if rotate_at.is_some() {
                self.maybe_rotate_at(slot, sync, rotate_at);
            }
        }
        Ok(outcomes)
    }
}

/// After a rotation: the room must be open again (a failed rotation that could not even
/// reopen the room is an error, retried by the caller).
#[cfg(feature = "cluster")]
fn continue_if_rotated(slot: &Option<Log>) -> io::Result<()> {
    match slot {
        Some(_) => Ok(()),
        None => Err(io::Error::other("the room could not be reopened after its rotation")),
    }
}

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
pub(crate) fn load_applied(room: &Path) -> Option<(u64, u64)> {
    let text = std::fs::read_to_string(rotate::state_dir(room).join(APPLIED)).ok()?;
    let mut it = text.split_whitespace();
    let seq = it.next()?.parse().ok()?;
    let end = it.next()?.parse().ok()?;
    Some((seq, end))
}

/// The stream time of the last message written by the room's record, if it has one.
#[cfg(feature = "cluster")]
pub(super) fn load_applied_time(room: &Path) -> Option<std::time::SystemTime> {
    let text = std::fs::read_to_string(rotate::state_dir(room).join(APPLIED)).ok()?;
    let (secs, nanos) = text.split_whitespace().nth(2)?.split_once('.')?;
    let d = std::time::Duration::new(secs.parse().ok()?, nanos.parse().ok()?);
    std::time::UNIX_EPOCH.checked_add(d)
}

/// Writes a room's record (durably unless the sync policy is `never`). A failure is
/// logged: the next start then finds the bytes after the older record and skips them.
#[cfg_attr(not(feature = "cluster"), allow(dead_code))]
pub(super) fn save_applied(
    room: &Path,
    applied: Option<(u64, u64)>,
    time: Option<std::time::SystemTime>,
    sync: SyncPolicy,
) {
    let Some((seq, end)) = applied else { return };
    let dir = rotate::state_dir(room);
    // The stream time of the last message written, when known: a rotation still due
    // after it (the relay stopped in between) is dated with it, as every replica dates it.
    let at = time.and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
    let text = match at {
        Some(d) => format!("{seq} {end} {}.{:09}\n", d.as_secs(), d.subsec_nanos()),
        None => format!("{seq} {end}\n"),
    };
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

    fn stream_message(i: usize) -> StreamMessage {
        StreamMessage { seq: i as u64 + 1, data: message(i), member: Some("m".into()), time: std::time::UNIX_EPOCH }
    }

    #[tokio::test]
    async fn messages_applied_in_groups_give_the_bytes_and_archives_of_one_at_a_time_with_fewer_fsyncs() {
        let (d1, d2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let mut s = settings();
        s.sync = SyncPolicy::Batch;
        let (r1, r2) = (Rooms::new(s.clone()), Rooms::new(s));
        let (p1, p2) = (d1.path().join("lobby.txt"), d2.path().join("lobby.txt"));
        for i in 0..200 {
            r1.apply_batch(&p1, vec![stream_message(i)]).await.unwrap();
        }
        let alone = r1.fsyncs();
        // Groups of every size from 1 to 19, cut anywhere relative to the rotations.
        let (mut i, mut size) = (0, 1);
        while i < 200 {
            let group: Vec<_> = (i..(i + size).min(200)).map(stream_message).collect();
            i += group.len();
            size = size % 19 + 1;
            r2.apply_batch(&p2, group).await.unwrap();
        }
        let (e1, e2) = (everything(&p1), everything(&p2));
        assert!(e1.len() > 5, "it should have rotated");
        assert_eq!(e1, e2);
        assert_eq!(load_applied(&p1), load_applied(&p2));
        // The rotations cost the same fsyncs both ways; one at a time, each of the 200
        // messages costs one more, in groups each group (cut at every rotation) one.
        let saved = alone - r2.fsyncs();
        assert!(saved >= 150, "groups took {} fsyncs, one at a time {alone}", r2.fsyncs());
    }

    #[tokio::test]
    async fn a_group_recorded_late_is_not_written_twice() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("lobby.txt");
        {
            let r = Rooms::new(settings());
            r.apply_batch(&p, (0..4).map(stream_message).collect()).await.unwrap();
        }
        let want = everything(&p);
        // A stop after the write of messages 3 and 4 and before their record.
        let end2: u64 = (0..2).map(|i| message(i).len() as u64).sum();
        std::fs::write(rotate::state_dir(&p).join(APPLIED), format!("2 {end2}\n")).unwrap();
        let r = Rooms::new(settings());
        let out = r.apply_batch(&p, (0..6).map(stream_message).collect()).await.unwrap();
        assert_eq!(out.iter().filter(|o| o.bytes_written > 0).count(), 2, "{out:?}");
        let end6: u64 = (0..6).map(|i| message(i).len() as u64).sum();
        assert_eq!(load_applied(&p), Some((6, end6)));
        let mut more = want.clone();
        let live = more.pop().unwrap().1;
        let got = everything(&p).pop().unwrap().1;
        assert_eq!(got[..live.len()], live[..], "messages 3 and 4 were written twice");
        assert_eq!(got.len(), live.len() + message(4).len() + message(5).len());
    }

    #[tokio::test]
    async fn a_rotation_due_when_the_relay_stopped_is_dated_by_the_message_that_called_for_it() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("lobby.txt");
        let at = |i: usize| std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000 + i as u64);
        let msg = |i: usize| StreamMessage { seq: i as u64 + 1, data: message(i), member: None, time: at(i) };
        {
            // A relay that stopped after message 30 and before the rotation it called
            // for (as if: rotation off while it wrote).
            let mut s = settings();
            s.rotate.rotate_bytes = 0;
            let r = Rooms::new(s);
            for i in 0..30 {
                r.apply_batch(&p, vec![msg(i)]).await.unwrap();
            }
        }
        assert!(rotate::archives(&p).is_empty());
        assert!(std::fs::metadata(&p).unwrap().len() > 2048);
        let r = Rooms::new(settings());
        r.apply_batch(&p, vec![msg(30)]).await.unwrap();
        let arcs = rotate::archives(&p);
        assert_eq!(arcs.len(), 1);
        assert_eq!(std::fs::metadata(&arcs[0].2).unwrap().modified().unwrap(), at(29));
        assert!(std::fs::read_to_string(&p).unwrap().ends_with(std::str::from_utf8(&message(30)).unwrap()));
    }

    #[test]
    fn only_whole_lines_can_be_applied() {
        assert_eq!(refusal(b""), None);
        assert_eq!(refusal(b"a\nb\n"), None);
        assert!(refusal(b"a\nb").is_some());
        assert!(refusal(b"a\0\n").is_some());
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
