//! The leader: one task per room that alone writes the file, in group commits.
//!
//! Appends queue up; whoever finds no leader running starts one on the blocking pool, and
//! it drains the queue until it is empty. While one group is being written and fsynced,
//! the next group gathers, so a burst of N messages costs far fewer than N fsyncs.

use super::log::{cut_tail, scan_lines, warn_cut, Log};
use super::upload::{normalize, Upload};
use super::{lock, rotate, AppendOutcome, Author, Store, View, WriteMode};
use crate::config::SyncPolicy;
use std::collections::HashMap;
use std::collections::{HashSet, VecDeque};
use std::fs::File;
use std::io::{self, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use tokio::sync::{oneshot, watch};

/// The most stream messages applied to a room as one group (one write, one fsync).
const MAX_APPLY_GROUP: usize = 1024;

/// One room: its queue of uploads, and the open file that only the leader touches.
pub(super) struct Room {
    pub(super) path: PathBuf,
    pub(super) shared: Arc<Store>,
    pub(super) queue: Mutex<Queue>,
    /// Locked by the leader for as long as it runs (so, uncontended); lock order: log, then queue.
    pub(super) log: Mutex<Option<Log>>,
    /// The room's view after the last write.
    pub(super) len: watch::Sender<View>,
    /// When a refusal for the room's budget was last logged (see [`Room::note_budget`]).
    noted: Mutex<Option<std::time::Instant>>,
}

#[derive(Default)]
pub(super) struct Queue {
    pub(super) jobs: VecDeque<Job>,
    /// A leader is running (or about to): new jobs just wait for it.
    pub(super) leader: bool,
}

pub(super) struct Job {
    /// What to do with the upload: write it (a single relay), plan it, or apply it
    /// verbatim (cluster mode, see [`crate::room::replica`]).
    pub(super) kind: JobKind,
    pub(super) upload: Upload,
    pub(super) mode: WriteMode,
    /// Create the file if it is missing (uploads do, subscriptions do not).
    pub(super) create: bool,
    /// Whose share it counts against, and the check it must pass before it is written.
    pub(super) by: Option<Author>,
    pub(super) done: oneshot::Sender<io::Result<AppendOutcome>>,
}

/// What the leader does with a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum JobKind {
    /// Check and write it (a relay on its own).
    Write,
    /// Check it as [`JobKind::Write`] would, against the room as it is, but write nothing:
    /// the outcome's `planned` holds the bytes a write would have added (cluster mode
    /// publishes them, and they come back as an [`JobKind::Apply`]).
    Plan,
    /// Write the upload's bytes as they are, with no check and no de-duplication: one
    /// message of the cluster's stream, at stream sequence `seq`, stored at stream time
    /// `time`, by `member`. Consecutive applies are written as one group (one write, one
    /// fsync, one record), cut where the room rotates: the rotation check follows every
    /// message, so every replica writes and rotates at the same points (see
    /// [`crate::room::replica`]).
    #[cfg_attr(not(feature = "cluster"), allow(dead_code))]
    Apply { seq: u64, member: Option<String>, time: std::time::SystemTime },
}

impl Room {
    pub(super) fn new(path: PathBuf, shared: Arc<Store>) -> Room {
        Room {
            path,
            shared,
            queue: Mutex::default(),
            log: Mutex::new(None),
            len: watch::Sender::new(View::default()),
            noted: Mutex::new(None),
        }
    }

    /// Whether a refusal for the room's budget should be logged now: at most once a
    /// minute per room, so a client retrying at link speed does not fill the log.
    pub(super) fn note_budget(&self) -> bool {
        let mut noted = lock(&self.noted);
        let due = noted.is_none_or(|t| t.elapsed() >= std::time::Duration::from_secs(60));
        if due {
            *noted = Some(std::time::Instant::now());
        }
        due
    }

    /// Queues a job and waits for the leader to do it, starting a leader if none runs.
    pub(super) async fn submit(
        self: &Arc<Self>,
        upload: Upload,
        mode: WriteMode,
        create: bool,
        by: Option<Author>,
    ) -> io::Result<AppendOutcome> {
        self.submit_kind(JobKind::Write, upload, mode, create, by).await
    }

    /// [`Room::submit`] for any [`JobKind`].
    pub(super) async fn submit_kind(
        self: &Arc<Self>,
        kind: JobKind,
        upload: Upload,
        mode: WriteMode,
        create: bool,
        by: Option<Author>,
    ) -> io::Result<AppendOutcome> {
        let (done, rx) = oneshot::channel();
        self.enqueue(vec![Job { kind, upload, mode, create, by, done }]);
        match rx.await {
            Ok(result) => result,
            Err(_) => Err(io::Error::other("the room's writer stopped")),
        }
    }

    /// Queues stream messages to apply, all at once so that the leader takes them as one
    /// group, and waits for them: the first error, or every outcome.
    #[cfg(feature = "cluster")]
    pub(super) async fn submit_applies(
        self: &Arc<Self>,
        applies: Vec<(JobKind, Upload)>,
    ) -> io::Result<Vec<AppendOutcome>> {
        let mut jobs = Vec::with_capacity(applies.len());
        let mut waits = Vec::with_capacity(applies.len());
        for (kind, upload) in applies {
            let (done, rx) = oneshot::channel();
            jobs.push(Job { kind, upload, mode: WriteMode::Append, create: true, by: None, done });
            waits.push(rx);
        }
        self.enqueue(jobs);
        let mut out = Vec::with_capacity(waits.len());
        for rx in waits {
            match rx.await {
                Ok(result) => out.push(result?),
                Err(_) => return Err(io::Error::other("the room's writer stopped")),
            }
        }
        Ok(out)
    }

    /// Queues jobs, starting a leader if none runs.
    fn enqueue(self: &Arc<Self>, jobs: Vec<Job>) {
        let start_leader = {
            let mut q = lock(&self.queue);
            q.jobs.extend(jobs);
            !std::mem::replace(&mut q.leader, true)
        };
        if start_leader {
            let leader = Leader { room: self.clone(), finished: false };
            // If the runtime is shutting down, the closure is dropped unrun, and the
            // leader's Drop fails the queue instead of leaving it waiting forever.
            tokio::task::spawn_blocking(move || leader.run());
        }
    }

    /// Writes one group of jobs: one write, at most one fsync. Returns each job's outcome.
    pub(super) fn write_group(
        &self,
        slot: &mut Option<Log>,
        jobs: &[Job],
        sync: SyncPolicy,
    ) -> io::Result<Vec<AppendOutcome>> {
        #[cfg(feature = "cluster")]
        if jobs.first().is_some_and(|j| matches!(j.kind, JobKind::Apply { .. })) {
            return self.apply_group(slot, jobs, sync);
        }
        let plan = jobs.iter().all(|j| j.kind == JobKind::Plan);
        let create = !plan && jobs.iter().any(|j| j.create);
        let log = match self.open_log(slot, sync, create) {
            // A room not created yet, planned: everything is new to it.
            Err(e) if plan && e.kind() == io::ErrorKind::NotFound => return Ok(plan_fresh(jobs)),
            other => other?,
        };

        let before = self.settle_length(log)?;

        let mut buf = Vec::new();
        let mut outcomes = Vec::with_capacity(jobs.len());
        let mut fresh = HashSet::new();
        let mut fresh_order = Vec::new();
        let mut whole_file: Option<HashSet<u64>> = None;
        // The room's budget, checked here where the appends of a group are counted
        // together: parallel appends each checked against the size before any of them
        // was written would pass it (issue 19.5).
        let max = self.shared.settings().max_room_bytes;
        let held = (log.base + before).saturating_sub(log.history);
        let mut pending: HashMap<&str, u64> = HashMap::new();
        let mut written_by = Vec::new();
        for job in jobs {
            let (job_start, job_hashes) = (buf.len(), fresh_order.len());
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
            // The author's share of the budget: what they hold of the room (written
            // before, and earlier in this group) plus twice this upload must fit in what
            // is free (see super::shares).
            let member = job.by.as_ref().map(|a| a.member.as_str());
            let share = member.map_or(0, |m| log.shares.held(m, log.history) + pending.get(m).copied().unwrap_or(0));
            let free = max.saturating_sub(held + job_start as u64);
            let refused = if out.written_lines == 0 {
                None
            } else if max > 0 && held + buf.len() as u64 > max {
                Some(AppendOutcome { full: true, ..AppendOutcome::default() })
            } else if max > 0 && share + 2 * out.bytes_written > free {
                // A member who holds nothing yet is refused only when the room is nearly
                // full for everyone: say "full" then, not "your share".
                Some(if share == 0 {
                    AppendOutcome { full: true, ..AppendOutcome::default() }
                } else {
                    AppendOutcome { over_share: Some(share), ..AppendOutcome::default() }
                })
            } else {
                let admit = job.by.as_ref().and_then(|a| a.admit.as_ref());
                let admitted = admit.map_or(Ok(()), |admit| admit(out.written_lines as u64, out.bytes_written));
                admitted.err().map(|n| AppendOutcome { not_admitted: Some(n), ..AppendOutcome::default() })
            };
            if let Some(refusal) = refused {
                buf.truncate(job_start);
                for h in fresh_order.drain(job_hashes..) {
                    fresh.remove(&h);
                }
                out = refusal;
            } else if let Some(m) = member.filter(|_| out.bytes_written > 0) {
                *pending.entry(m).or_default() += out.bytes_written;
                written_by.push((m, job_start as u64, out.bytes_written));
            }
            if plan {
                out.planned = buf[job_start..].to_vec();
            }
            outcomes.push(out);
        }
        if buf.is_empty() || plan {
            return Ok(outcomes);
        }

        self.write_synced(&log.file, &buf, before, sync)?;
        log.len = before + buf.len() as u64;
        for h in fresh_order {
            log.recent.insert(h);
        }
        for (member, at, bytes) in written_by {
            log.shares.add(member, log.base + before + at, bytes);
        }
        log.shares.save(&self.path, false);
        self.publish(log);
        tracing::debug!(path = %crate::base::text::logged(&self.path), uploads = jobs.len(), bytes = buf.len(), ?sync, "room written");
        Ok(outcomes)
    }

    /// The open log, (re)opened if it is not open yet or the path is no longer that file.
    pub(super) fn open_log<'a>(
        &self,
        slot: &'a mut Option<Log>,
        sync: SyncPolicy,
        create: bool,
    ) -> io::Result<&'a mut Log> {
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

    pub(super) fn publish(&self, log: &Log) {
        self.len.send_replace(View {
            base: log.base,
            end: log.base + log.len,
            history: log.history,
            dev: log.dev,
            ino: log.ino,
        });
    }

    /// Rotates the room when its live file has grown past `rotate_bytes` (see
    /// [`crate::room::rotate`]). Runs in the leader, so no append races it. A failed
    /// rotation is recovered at once by reopening the room; the room stays usable.
    pub(super) fn maybe_rotate(&self, slot: &mut Option<Log>, sync: SyncPolicy) {
        self.maybe_rotate_at(slot, sync, None)
    }

    /// [`Room::maybe_rotate`], at stream time `time` when given (see [`rotate::rotate_at`]).
    pub(super) fn maybe_rotate_at(
        &self,
        slot: &mut Option<Log>,
        sync: SyncPolicy,
        time: Option<std::time::SystemTime>,
    ) {
        let s = self.shared.settings().rotate;
        let Some(log) = slot.as_mut() else { return };
        if s.rotate_bytes == 0 || log.len <= s.rotate_bytes {
            return;
        }
        let rotated = match time {
            Some(t) => rotate::rotate_at(&self.path, &log.file, log.base, log.len, &s, t),
            None => rotate::rotate(&self.path, &log.file, log.base, log.len, &s),
        };
        match rotated {
            Ok(Some(r)) => {
                self.shared.fsyncs.fetch_add(r.fsyncs, Ordering::Relaxed);
                match r.file.metadata() {
                    Ok(m) => {
                        log.dev = m.dev();
                        log.ino = m.ino();
                    }
                    Err(e) => tracing::warn!(path = %crate::base::text::logged(&self.path), "after rotation: {e}"),
                }
                log.file = r.file;
                log.base = r.base;
                log.len = r.len;
                log.history = rotate::history_start(&self.path, r.base);
                log.shares.save(&self.path, true);
                self.publish(log);
                tracing::info!(path = %crate::base::text::logged(&self.path), base = r.base, live = r.len, "room rotated");
            }
            Ok(None) => {}
            Err(e) => {
                tracing::error!(path = %crate::base::text::logged(&self.path), "room rotation failed, recovering: {e}");
                *slot = None;
                match Log::open(&self.path, &self.shared, sync, false) {
                    Ok(log) => {
                        self.publish(&log);
                        *slot = Some(log);
                    }
                    Err(e) => {
                        tracing::error!(path = %crate::base::text::logged(&self.path), "cannot reopen the room: {e}")
                    }
                }
            }
        }
    }

    /// The live file's length, made what the log says: a room changed outside Loft (a
    /// file manager, a copy) is cut back to its last whole line and published again.
    pub(super) fn settle_length(&self, log: &mut Log) -> io::Result<u64> {
        let mut before = log.file.metadata()?.len();
        if before != log.len {
            tracing::warn!(path = %crate::base::text::logged(&self.path), expected = log.len, found = before, "room changed outside Loft");
            let cut = cut_tail(&log.file, before)?;
            if cut > 0 {
                warn_cut(&self.path, cut);
            }
            before -= cut;
            log.len = before;
            self.publish(log);
        }
        Ok(before)
    }

    /// [`Room::write_batch`], then the fsync `sync` asks for; a failed fsync cuts the
    /// write off again, so nothing unconfirmed stays.
    pub(super) fn write_synced(&self, file: &File, buf: &[u8], before: u64, sync: SyncPolicy) -> io::Result<()> {
        self.write_batch(file, buf, before)?;
        if sync != SyncPolicy::Never {
            self.shared.fsyncs.fetch_add(1, Ordering::Relaxed);
            if let Err(e) = file.sync_data() {
                roll_back(&self.path, file, before);
                return Err(e);
            }
        }
        Ok(())
    }

    /// Writes `buf` at the end in one `write()`; on failure or a short write, cuts the file
    /// back to `before`, so no partial line stays.
    pub(super) fn write_batch(&self, file: &File, buf: &[u8], before: u64) -> io::Result<()> {
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
                tracing::warn!(path = %crate::base::text::logged(&self.path), written = n, wanted = buf.len(), "short write to room");
                io::Error::from_raw_os_error(libc::ENOSPC)
            }
            Err(e) => e,
        };
        roll_back(&self.path, file, before);
        Err(err)
    }
}

/// The plan of uploads to a room that does not exist yet: every line is new, but for the
/// repeats within the group. (No budget, no share: the room holds nothing; the admit
/// check, a rate limit, is asked as for a write.)
fn plan_fresh(jobs: &[Job]) -> Vec<AppendOutcome> {
    let mut fresh = HashSet::new();
    jobs.iter()
        .map(|job| {
            let mut out = AppendOutcome::default();
            let mut buf = Vec::new();
            for line in &job.upload.lines {
                if !fresh.insert(line.hash) {
                    out.duplicate_lines += 1;
                    continue;
                }
                buf.extend_from_slice(job.upload.line(line));
                buf.push(b'\n');
                out.written_lines += 1;
            }
            out.bytes_written = buf.len() as u64;
            if out.written_lines > 0 {
                if let Some(admit) = job.by.as_ref().and_then(|a| a.admit.as_ref()) {
                    if let Err(n) = admit(out.written_lines as u64, out.bytes_written) {
                        return AppendOutcome { not_admitted: Some(n), ..AppendOutcome::default() };
                    }
                }
            }
            out.planned = buf;
            out
        })
        .collect()
}

/// Cuts a failed write off again; if even that fails, says so loudly (the room may now end
/// in a partial line, which the next open repairs).
pub(super) fn roll_back(path: &Path, file: &File, before: u64) {
    if let Err(e) = file.set_len(before) {
        tracing::error!(path = %path.display(), error = %e, "cannot cut a failed write off the room");
    }
}

/// The leader: drains a room's queue on the blocking pool until it is empty.
pub(super) struct Leader {
    pub(super) room: Arc<Room>,
    /// Set when the queue was left empty and `leader` reset, the normal way out.
    pub(super) finished: bool,
}

impl Leader {
    pub(super) fn run(mut self) {
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
                // A group never mixes kinds (plans with writes would share one budget
                // count); consecutive stream messages are applied as one group, whatever
                // the sync policy (the rotation points do not depend on the grouping).
                let first = q.jobs.front().map(|j| j.kind.clone());
                let apply = matches!(first, Some(JobKind::Apply { .. }));
                let jobs: Vec<Job> = if apply {
                    let n = q
                        .jobs
                        .iter()
                        .take(MAX_APPLY_GROUP)
                        .take_while(|j| matches!(j.kind, JobKind::Apply { .. }))
                        .count();
                    q.jobs.drain(..n).collect()
                } else if sync == SyncPolicy::Always {
                    q.jobs.pop_front().into_iter().collect()
                } else {
                    let same = |j: &Job| Some(&j.kind) == first.as_ref();
                    let n = q.jobs.iter().take_while(|j| same(j)).count();
                    q.jobs.drain(..n).collect()
                };
                (jobs, sync)
            };
            // Replicas rotate after a stream message only, so all at the same points (the
            // group of stream messages checks after each one itself).
            let kind = jobs.first().map(|j| j.kind.clone());
            let rotate = match kind {
                Some(JobKind::Apply { .. }) => false,
                Some(JobKind::Plan) => false,
                _ => !room.shared.replicated.load(Ordering::Relaxed),
            };
            match room.write_group(&mut slot, &jobs, sync) {
                Ok(outcomes) => {
                    for (job, out) in jobs.into_iter().zip(outcomes) {
                        let _ = job.done.send(Ok(out));
                    }
                    if rotate {
                        room.maybe_rotate(&mut slot, sync);
                    }
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

/// An io::Error for each waiter of a failed group, keeping the OS error code (ENOSPC).
pub(super) fn copy_error(e: &io::Error) -> io::Error {
    match e.raw_os_error() {
        Some(code) => io::Error::from_raw_os_error(code),
        None => io::Error::new(e.kind(), e.to_string()),
    }
}
