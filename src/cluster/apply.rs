//! Applying the rooms' stream to this relay's replica: in groups, with faults told apart.
//!
//! - **Group commit.** The consumer takes what has arrived (up to [`MAX_BATCH`] messages
//!   or [`MAX_BATCH_BYTES`]), without waiting for more, and hands each room its messages
//!   at once: the room store writes them with one write and one fsync per room (cut
//!   where the room rotates, which depends only on the bytes applied and the rotation
//!   keys, so grouping changes no byte), and records the room's last sequence once.
//!   Rooms of one batch are applied side by side.
//! - **A message that can never apply** (a subject that names no room below root, bytes
//!   that are not whole lines): every replica decides so from the message alone, so every
//!   replica skips the same ones and they stay identical. Each is logged and recorded in
//!   `<root>/.cluster.loft/skipped` (`<sequence> <subject> <why>`, one a line).
//! - **A local fault** (an I/O error, a full disk): the room's messages are retried with
//!   backoff (0.2 s doubling to 10 s), never skipped; meanwhile appends through this relay
//!   are answered at once (FTP `451`, HTTP `503`) instead of waiting for the timeout.

use super::Cluster;
use crate::room::replica::{self, StreamMessage};
use crate::room::Rooms;
use async_nats::jetstream::Message;
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// The most messages applied as one batch.
pub(super) const MAX_BATCH: usize = 1024;
/// The most bytes applied as one batch (the batch may pass it by one message).
pub(super) const MAX_BATCH_BYTES: usize = 8 << 20;
/// The first wait before a local fault is retried; it doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(200);
const MAX_BACKOFF: Duration = Duration::from_secs(10);
/// The record of skipped messages, in `<root>/.cluster.loft/`.
pub(super) const SKIPPED: &str = "skipped";

/// One stream message, as the batch needs it.
pub(super) struct Arrived {
    pub(super) seq: u64,
    pub(super) subject: String,
    pub(super) data: Vec<u8>,
    pub(super) member: Option<String>,
    pub(super) time: SystemTime,
}

impl Arrived {
    pub(super) fn of(m: &Message) -> anyhow::Result<Arrived> {
        let info = m.info().map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(Arrived {
            seq: info.stream_sequence,
            subject: m.subject.to_string(),
            data: m.payload.to_vec(),
            member: m.headers.as_ref().and_then(|h| h.get(super::MEMBER)).map(|v| v.as_str().to_string()),
            time: SystemTime::from(info.published),
        })
    }
}

impl Cluster {
    /// Applies one batch, in stream order per room; returns once every message of it is
    /// applied or skipped (a local fault is retried until it clears).
    pub(super) async fn apply_batch(&self, rooms: &Rooms, batch: Vec<Arrived>) {
        let mut order: Vec<(PathBuf, Vec<StreamMessage>)> = Vec::new();
        let mut index: HashMap<PathBuf, usize> = HashMap::new();
        for m in batch {
            if m.seq <= self.applied() {
                continue;
            }
            let Some(path) = self.room_of(&m.subject) else {
                self.skip(m.seq, &m.subject, "its subject names no room below the relay's root");
                continue;
            };
            if let Some(why) = replica::refusal(&m.data) {
                self.skip(m.seq, &m.subject, why);
                continue;
            }
            let i = *index.entry(path.clone()).or_insert_with(|| {
                order.push((path, Vec::new()));
                order.len() - 1
            });
            order[i].1.push(StreamMessage { seq: m.seq, data: m.data, member: m.member, time: m.time });
        }
        let mut pending = order;
        let mut backoff = FIRST_BACKOFF;
        let mut faulted = false;
        while !pending.is_empty() {
            let results =
                futures::future::join_all(pending.iter().map(|(p, msgs)| rooms.apply_batch(p, msgs.clone()))).await;
            let mut failed = Vec::new();
            let mut first_error = None;
            for ((path, msgs), r) in pending.into_iter().zip(results) {
                if let Err(e) = r {
                    let seq = msgs.first().map_or(0, |m| m.seq);
                    first_error.get_or_insert_with(|| {
                        format!("cannot write message {seq} to {}: {e}", crate::base::text::logged(&path))
                    });
                    failed.push((path, msgs));
                }
            }
            pending = failed;
            let Some(why) = first_error else { break };
            if !faulted {
                tracing::error!(target: "loft::cluster", "{why}; retrying (never skipped), appends here are refused meanwhile");
                faulted = true;
            }
            self.fault.send_replace(Some(why));
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
        if faulted {
            tracing::info!(target: "loft::cluster", "this relay writes its replica again");
        }
        if self.fault.borrow().is_some() {
            self.fault.send_replace(None);
        }
    }

    /// Records and logs a message that can never apply (see the module doc).
    fn skip(&self, seq: u64, subject: &str, why: &str) {
        tracing::warn!(target: "loft::cluster", seq, subject, "a message of the stream cannot be applied on any relay: skipped ({why})");
        if seq <= self.skipped_upto.load(std::sync::atomic::Ordering::Relaxed) {
            return;
        }
        if let Err(e) = record_skip(&self.root, seq, subject, why) {
            tracing::warn!(target: "loft::cluster", seq, "cannot record the skipped message: {e}");
        }
        self.skipped_upto.store(seq, std::sync::atomic::Ordering::Relaxed);
    }
}

/// The last sequence recorded as skipped (0 when none).
pub(super) fn last_skipped(root: &Path) -> u64 {
    std::fs::read_to_string(root.join(super::STATE_DIR).join(SKIPPED))
        .ok()
        .and_then(|t| t.lines().filter_map(|l| l.split(' ').next()?.parse::<u64>().ok()).max())
        .unwrap_or(0)
}

fn record_skip(root: &Path, seq: u64, subject: &str, why: &str) -> std::io::Result<()> {
    let dir = root.join(super::STATE_DIR);
    std::fs::create_dir_all(&dir)?;
    let mut f = std::fs::OpenOptions::new().create(true).append(true).open(dir.join(SKIPPED))?;
    // The subject is the stream's, not ours: keep it on one line, printable.
    let subject: String = subject.chars().map(|c| if c.is_ascii_graphic() { c } else { '?' }).collect();
    f.write_all(format!("{seq} {subject} {why}\n").as_bytes())?;
    f.sync_data()
}
