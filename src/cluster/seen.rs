//! Read receipts across relays: the KV bucket `<name>-seen` (history 1, the stream's
//! replicas), one key per room and member: `<hex of the room's path below root>.<hex of
//! the user's name>`, the value `OFFSET UNIX_SECONDS`.
//!
//! - A receipt given here (`SITE SEEN`, the page's `/api/seen`, every FTPChat poll) is in
//!   the relay's seen book at once, as on a single relay, and waits in [`Receipts`] to be
//!   written to the bucket with the others every [`FLUSH_EVERY`]: a poll must not cost a
//!   round trip to NATS. Each key is written with compare-and-swap on its revision and
//!   only when it moves forward (the merge is the maximum), so two relays writing the
//!   same member's receipt never move it back.
//! - Every relay watches the bucket and merges what other relays wrote into its seen
//!   book (kept if higher), so `SITE SEEN` on relay B shows a receipt given on relay A
//!   within about [`FLUSH_EVERY`].
//! - Receipts not written (NATS unreachable) stay waiting and are written when it is
//!   back; at a clean stop they are written within a bounded time
//!   ([`Receipts::flush_within`]), best effort: a receipt is a courtesy, and the reader's
//!   next poll gives it again.

use super::{hex, unhex};
use crate::base::sync::Unpoison;
use crate::room::spread::SeenSink;
use crate::room::Rooms;
use async_nats::connection::State;
use async_nats::jetstream::{self, kv};
use futures::StreamExt;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How often the receipts given here are written to the bucket, together.
pub(crate) const FLUSH_EVERY: Duration = Duration::from_secs(2);
/// Tries of one key's compare-and-swap against writers on other relays.
const CAS_TRIES: usize = 16;

/// The receipts' link to the cluster (see the module's text).
pub(crate) struct Receipts {
    client: async_nats::Client,
    js: jetstream::Context,
    root: PathBuf,
    bucket: String,
    replicas: usize,
    store: tokio::sync::OnceCell<kv::Store>,
    /// Given here, not in the bucket yet: key -> (offset, unix seconds).
    pending: Mutex<HashMap<String, (u64, u64)>>,
    /// The highest offset known to be in the bucket, per key (so a poll that gives the
    /// same receipt again costs nothing).
    known: Mutex<HashMap<String, u64>>,
    /// One flush at a time.
    flushing: tokio::sync::Mutex<()>,
}

impl Receipts {
    pub(crate) fn new(
        client: async_nats::Client,
        js: jetstream::Context,
        root: PathBuf,
        name: &str,
        replicas: usize,
    ) -> Self {
        Receipts {
            client,
            js,
            root,
            bucket: format!("{name}-seen"),
            replicas,
            store: tokio::sync::OnceCell::new(),
            pending: Mutex::default(),
            known: Mutex::default(),
            flushing: tokio::sync::Mutex::new(()),
        }
    }

    /// The key of a receipt: `None` for a room outside root.
    fn key(&self, room: &Path, user: &str) -> Option<String> {
        let rel = room.strip_prefix(&self.root).ok()?.to_str()?;
        (!rel.is_empty() && !user.is_empty()).then(|| format!("{}.{}", hex(rel.as_bytes()), hex(user.as_bytes())))
    }

    /// The room and user a key names, with nothing that leaves root.
    fn parse_key(&self, key: &str) -> Option<(PathBuf, String)> {
        let (room, user) = key.split_once('.')?;
        let rel = String::from_utf8(unhex(room)?).ok()?;
        let user = String::from_utf8(unhex(user)?).ok()?;
        let relp = Path::new(&rel);
        if rel.is_empty() || user.is_empty() || !relp.components().all(|c| matches!(c, std::path::Component::Normal(_)))
        {
            return None;
        }
        Some((self.root.join(relp), user))
    }

    /// The bucket, made at the first connection.
    async fn store(&self) -> anyhow::Result<&kv::Store> {
        self.store
            .get_or_try_init(|| async {
                let made = self
                    .js
                    .create_key_value(kv::Config {
                        bucket: self.bucket.clone(),
                        description: "Loft read receipts".into(),
                        history: 1,
                        num_replicas: self.replicas,
                        storage: jetstream::stream::StorageType::File,
                        ..Default::default()
                    })
                    .await;
                match made {
                    Ok(s) => Ok(s),
                    // Made by another relay with other settings (replicas): use it as it is.
                    Err(e) => self.js.get_key_value(&self.bucket).await.map_err(|g| anyhow::anyhow!("{e}; {g}")),
                }
            })
            .await
    }

    /// Watches the bucket for as long as the relay runs, and writes the receipts given
    /// here every [`FLUSH_EVERY`].
    pub(crate) fn start(self: &Arc<Self>, rooms: Arc<Rooms>) -> Vec<tokio::task::AbortHandle> {
        let flusher = {
            let me = self.clone();
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(FLUSH_EVERY);
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    tick.tick().await;
                    if let Err(e) = me.flush().await {
                        tracing::debug!(target: "loft::cluster", "read receipts not written yet: {e}");
                    }
                }
            })
        };
        let watcher = {
            let me = self.clone();
            tokio::spawn(async move {
                let mut logged = false;
                loop {
                    if me.client.connection_state() == State::Connected {
                        if let Err(e) = me.watch(&rooms).await {
                            if !logged {
                                tracing::warn!(target: "loft::cluster", bucket = %me.bucket, "cannot watch the read receipts (retrying every second): {e}");
                                logged = true;
                            }
                        }
                    }
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            })
        };
        vec![flusher.abort_handle(), watcher.abort_handle()]
    }

    async fn watch(&self, rooms: &Arc<Rooms>) -> anyhow::Result<()> {
        let store = self.store().await?;
        let mut w = store.watch_with_history(">").await?;
        tracing::info!(target: "loft::cluster", bucket = %self.bucket, "following the read receipts");
        while let Some(entry) = w.next().await {
            let entry = entry?;
            if entry.operation != kv::Operation::Put {
                continue;
            }
            let (Some((room, user)), Some((offset, at))) = (self.parse_key(&entry.key), parse_value(&entry.value))
            else {
                tracing::warn!(target: "loft::cluster", key = %entry.key, "a read receipt of no room of this relay: skipped");
                continue;
            };
            {
                let mut known = self.known.lock().unpoisoned();
                let k = known.entry(entry.key.clone()).or_insert(0);
                *k = (*k).max(offset);
            }
            rooms.merge_seen(&room, &user, offset, at);
        }
        anyhow::bail!("the watch ended")
    }

    /// Writes the receipts waiting here; those that could not be written wait for the
    /// next flush. Returns how many were written.
    pub(crate) async fn flush(&self) -> Result<usize, String> {
        let _one = self.flushing.lock().await;
        if self.pending.lock().unpoisoned().is_empty() {
            return Ok(0);
        }
        if self.client.connection_state() != State::Connected {
            return Err("no connection to NATS".into());
        }
        let store = self.store().await.map_err(|e| e.to_string())?;
        let batch: Vec<(String, (u64, u64))> = self.pending.lock().unpoisoned().drain().collect();
        let mut written = 0;
        let mut failed = None;
        let mut left = Vec::new();
        for (key, (offset, at)) in batch {
            if failed.is_some() {
                left.push((key, (offset, at)));
                continue;
            }
            match self.put_max(store, &key, offset, at).await {
                Ok(()) => written += 1,
                Err(e) => {
                    failed = Some(e);
                    left.push((key, (offset, at)));
                }
            }
        }
        if !left.is_empty() {
            let mut pending = self.pending.lock().unpoisoned();
            for (key, (offset, at)) in left {
                let e = pending.entry(key).or_insert((offset, at));
                if e.0 < offset {
                    *e = (offset, at);
                }
            }
        }
        match failed {
            Some(e) => Err(e),
            None => Ok(written),
        }
    }

    /// Writes one receipt if it moves the bucket's forward: compare-and-swap on the key's
    /// revision, again when another relay wrote it meanwhile.
    async fn put_max(&self, store: &kv::Store, key: &str, offset: u64, at: u64) -> Result<(), String> {
        let value: bytes::Bytes = format!("{offset} {at}").into();
        for _ in 0..CAS_TRIES {
            let current = store.entry(key).await.map_err(|e| e.to_string())?;
            let done = match current.filter(|e| e.operation == kv::Operation::Put) {
                Some(e) => {
                    let have = parse_value(&e.value).map_or(0, |v| v.0);
                    if have >= offset {
                        self.knows(key, have);
                        return Ok(());
                    }
                    match store.update(key, value.clone(), e.revision).await {
                        Ok(_) => true,
                        Err(e) if e.kind() == kv::UpdateErrorKind::WrongLastRevision => false,
                        Err(e) => return Err(e.to_string()),
                    }
                }
                None => match store.create(key, value.clone()).await {
                    Ok(_) => true,
                    Err(e) if e.kind() == kv::CreateErrorKind::AlreadyExists => false,
                    Err(e) => return Err(e.to_string()),
                },
            };
            if done {
                self.knows(key, offset);
                return Ok(());
            }
        }
        Err(format!("the receipt {key} kept changing under {CAS_TRIES} tries"))
    }

    fn knows(&self, key: &str, offset: u64) {
        let mut known = self.known.lock().unpoisoned();
        let k = known.entry(key.to_string()).or_insert(0);
        *k = (*k).max(offset);
    }

    /// Writes what is waiting, within `limit` (a clean stop); logs what is left.
    pub(crate) async fn flush_within(&self, limit: Duration) {
        let outcome = tokio::time::timeout(limit, self.flush()).await;
        let left = self.pending.lock().unpoisoned().len();
        match outcome {
            Ok(Ok(n)) if left == 0 => {
                if n > 0 {
                    tracing::info!(target: "loft::cluster", receipts = n, "read receipts written to the cluster");
                }
            }
            Ok(Err(e)) => {
                tracing::warn!(target: "loft::cluster", left, "read receipts not written to the cluster at stop: {e}")
            }
            _ => {
                tracing::warn!(target: "loft::cluster", left, "read receipts not written to the cluster at stop in {limit:?}")
            }
        }
    }

    /// Receipts waiting to be written (tests, logs).
    #[cfg(test)]
    pub(crate) fn waiting(&self) -> usize {
        self.pending.lock().unpoisoned().len()
    }
}

impl SeenSink for Receipts {
    fn noted(&self, room: &Path, user: &str, offset: u64, at: u64) {
        let Some(key) = self.key(room, user) else { return };
        if self.known.lock().unpoisoned().get(&key).is_some_and(|k| *k >= offset) {
            return;
        }
        let mut pending = self.pending.lock().unpoisoned();
        let e = pending.entry(key).or_insert((offset, at));
        if e.0 < offset {
            *e = (offset, at);
        }
    }
}

/// `OFFSET UNIX_SECONDS`.
fn parse_value(v: &[u8]) -> Option<(u64, u64)> {
    let text = std::str::from_utf8(v).ok()?;
    let mut it = text.split_whitespace();
    let offset = it.next()?.parse().ok()?;
    let at = it.next().map_or(Some(0), |t| t.parse().ok())?;
    Some((offset, at))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn keys_round_trip_and_refuse_what_leaves_root() {
        let client =
            async_nats::ConnectOptions::new().retry_on_initial_connect().connect("nats://127.0.0.1:1").await.unwrap();
        let js = jetstream::new(client.clone());
        let r = Receipts::new(client, js, PathBuf::from("/srv/root"), "loft", 1);
        let key = r.key(Path::new("/srv/root/family/lobby.txt"), "bob smith").unwrap();
        assert!(key.bytes().all(|b| b.is_ascii_hexdigit() || b == b'.'), "{key}");
        assert_eq!(r.parse_key(&key), Some((PathBuf::from("/srv/root/family/lobby.txt"), "bob smith".into())));
        assert!(r.key(Path::new("/elsewhere/lobby.txt"), "bob").is_none());
        let up = format!("{}.{}", hex(b"../etc/passwd"), hex(b"bob"));
        assert!(r.parse_key(&up).is_none());
        assert!(r.parse_key("zz.00").is_none() && r.parse_key("nodot").is_none());
        // Only moving forward waits to be written, and the highest wins.
        r.noted(Path::new("/srv/root/lobby.txt"), "bob", 10, 1);
        r.noted(Path::new("/srv/root/lobby.txt"), "bob", 5, 2);
        r.knows(&r.key(Path::new("/srv/root/a.txt"), "bob").unwrap(), 30);
        r.noted(Path::new("/srv/root/a.txt"), "bob", 20, 3);
        assert_eq!(r.waiting(), 1);
        let k = r.key(Path::new("/srv/root/lobby.txt"), "bob").unwrap();
        assert_eq!(r.pending.lock().unwrap().get(&k), Some(&(10, 1)));
        assert_eq!(parse_value(b"12 34"), Some((12, 34)));
        assert_eq!(parse_value(b"x"), None);
    }
}
