//! Rooms' checkpoints and archives in the cluster, so that the rooms' stream can be
//! trimmed: the object store `<name>-history` (docs/cluster.md "Retention and
//! checkpoints").
//!
//! The stream keeps messages for a bounded time (`max_age`, from `[chat] keep_days`) and
//! size (`[cluster] max_bytes`): a replica rebuilt from it (a wiped root, a relay down
//! longer than that) cannot replay its rooms from their first messages. So each room's
//! state after a message (its [`Checkpoint`]: live bytes, base, archive names and times,
//! record) is stored here, with its archives, and a rebuild starts each room from its
//! checkpoint and applies the stream's messages after it.
//!
//! - **Objects**: `<hex of the room's path>/checkpoint` (its stream sequence in the
//!   object's metadata, `seq`) and `<hex of the room's path>/<START-END.txt>`, one per
//!   archive. Archives are the same bytes on every replica (rotation depends only on the
//!   bytes applied and the rotation keys), so whichever relay stores one first stores it
//!   for all; a checkpoint is stored only over an older one.
//! - **When**: every `[cluster] checkpoint_every` (60 s), each relay that has applied the
//!   whole stream checkpoints each room whose record moved past the bucket's checkpoint:
//!   its new archives first, then the checkpoint, then the removal of the archives it
//!   pruned (older than its oldest kept archive). With several relays the first to come
//!   stores it, and the others find it there. What the relay knows to be stored is kept
//!   in `<root>/.cluster.loft/checkpoints`, so a restart does not store it again.
//! - **A rebuild**: when the stream's first message is past the relay's record (the
//!   messages it has not applied are gone), before it applies the stream, every room whose
//!   checkpoint is newer than its own record is restored from it.

use super::files::Files;
use super::{hex, join, unhex, STATE_DIR};
use crate::base::glob::GlobSet;
use crate::base::sync::Unpoison;
use crate::config::ClusterConfig;
use crate::room::checkpoint::{stamp, unstamp, Checkpoint};
use crate::room::rotate::{self, RotateSettings};
use async_nats::jetstream::{self, object_store};
use futures::StreamExt;
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};
use tokio::io::AsyncReadExt;

/// The object whose `seq` says that every room's checkpoint holds every message up to it
/// (written after a round that covered every room; no `/`, so no room's).
const MARK: &str = "checkpointed";
/// The object of a room's checkpoint, after its prefix.
const CHECKPOINT: &str = "checkpoint";
/// The relay's record of the checkpoints it knows stored, in `<root>/.cluster.loft/`.
const RECORD: &str = "checkpoints";

/// The rooms' history in the cluster (see the module's text).
pub(crate) struct History {
    js: jetstream::Context,
    root: PathBuf,
    bucket: String,
    replicas: usize,
    timeout: Duration,
    every: Duration,
    patterns: GlobSet,
    store: tokio::sync::OnceCell<object_store::ObjectStore>,
    /// Per room (the hex of its path): the newest checkpoint known to be stored.
    stored: Mutex<HashMap<String, u64>>,
    /// The shared files, pruned from their bucket with the history they were announced in.
    files: Arc<Files>,
    /// Rounds of [`History::pass`] so far.
    rounds: AtomicUsize,
    /// The stream's limits, set once every room has a checkpoint.
    limits: Limits,
}

/// The rooms' stream's limits (`max_age`, `max_bytes`). A new stream is made with them;
/// an existing one (made without them, by an earlier Loft) gets them only once a round
/// has checkpointed every room, so that the messages they drop are all in checkpoints.
pub(crate) struct Limits {
    pub(crate) stream: String,
    pub(crate) max_age: Duration,
    pub(crate) max_bytes: i64,
    set: AtomicBool,
}

impl Limits {
    pub(crate) fn new(stream: String, max_age: Duration, max_bytes: i64) -> Limits {
        Limits { stream, max_age, max_bytes, set: AtomicBool::new(false) }
    }

    /// Sets the limits on the stream if it lacks them (once per run).
    async fn ensure(&self, js: &jetstream::Context) -> anyhow::Result<()> {
        if self.set.load(Ordering::Relaxed) {
            return Ok(());
        }
        let mut stream = js.get_stream(&self.stream).await?;
        let mut config = stream.info().await?.config.clone();
        if config.max_age != self.max_age || config.max_bytes != self.max_bytes {
            config.max_age = self.max_age;
            config.max_bytes = self.max_bytes;
            js.update_stream(config).await?;
            tracing::info!(target: "loft::cluster", max_age = ?self.max_age, max_bytes = self.max_bytes, "every room has its checkpoint: the stream's limits are set");
        }
        self.set.store(true, Ordering::Relaxed);
        Ok(())
    }
}

/// What the bucket holds for one room.
#[derive(Default)]
struct Held {
    checkpoint: Option<u64>,
    /// Archive names, with their stream times.
    archives: Vec<(String, Option<SystemTime>)>,
}

impl History {
    pub(crate) fn new(
        js: jetstream::Context,
        root: PathBuf,
        cfg: &ClusterConfig,
        patterns: GlobSet,
        files: Arc<Files>,
        limits: Limits,
    ) -> History {
        let stored = load_record(&root);
        History {
            js,
            root,
            bucket: bucket(&cfg.name),
            replicas: cfg.replicas,
            timeout: cfg.timeout,
            every: cfg.checkpoint_every,
            patterns,
            store: tokio::sync::OnceCell::new(),
            stored: Mutex::new(stored),
            files,
            rounds: AtomicUsize::new(0),
            limits,
        }
    }

    /// The stream's limits (a new stream is made with them).
    pub(crate) fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The bucket, made at the first use.
    async fn store(&self) -> anyhow::Result<&object_store::ObjectStore> {
        self.store
            .get_or_try_init(|| {
                super::object_store(&self.js, &self.bucket, "Loft rooms' checkpoints and archives", self.replicas)
            })
            .await
    }

    /// The room an object's prefix names: a path below root that names a room (by the
    /// rooms' patterns), with no hidden part (state folders, files folders, the cluster's
    /// own record) and no symlink that leaves root. Anything else is not restored: a
    /// checkpoint replaces a file whole.
    fn room_of(&self, prefix: &str) -> Option<PathBuf> {
        let rel = String::from_utf8(unhex(prefix)?).ok()?;
        let relp = Path::new(&rel);
        let plain = |c: Component| matches!(c, Component::Normal(n) if !n.to_string_lossy().starts_with('.'));
        if rel.is_empty() || !relp.components().all(plain) {
            return None;
        }
        let name = relp.file_name()?.to_string_lossy().to_lowercase();
        if !self.patterns.is_match(rel.to_lowercase()) && !self.patterns.is_match(name) {
            return None;
        }
        let room = self.root.join(relp);
        // The deepest folder that exists must be below root once symlinks are resolved.
        let mut dir = room.parent()?;
        while !dir.exists() {
            dir = dir.parent()?;
        }
        std::fs::canonicalize(dir).ok()?.starts_with(&self.root).then_some(room)
    }

    /// Everything the bucket holds, by room prefix.
    async fn held(&self, store: &object_store::ObjectStore) -> anyhow::Result<HashMap<String, Held>> {
        let mut out: HashMap<String, Held> = HashMap::new();
        let mut list = tokio::time::timeout(self.timeout, store.list()).await??;
        loop {
            let next = tokio::time::timeout(self.timeout, list.next()).await?;
            let Some(info) = next else { break };
            let info = info?;
            if info.deleted {
                continue;
            }
            let Some((prefix, rest)) = info.name.split_once('/') else { continue };
            let held = out.entry(prefix.to_string()).or_default();
            if rest == CHECKPOINT {
                held.checkpoint = info.metadata.get("seq").and_then(|s| s.parse().ok());
            } else if rotate::archive_range(rest).is_some() {
                held.archives.push((rest.to_string(), info.metadata.get("time").and_then(|t| unstamp(t))));
            }
        }
        Ok(out)
    }

    /// Checkpoints the rooms every `every`, while the relay has applied the whole stream
    /// (`live`), for as long as the relay runs.
    pub(crate) fn start(
        self: &Arc<Self>,
        live: Arc<AtomicBool>,
        applied: tokio::sync::watch::Receiver<u64>,
    ) -> tokio::task::AbortHandle {
        let me = self.clone();
        tokio::spawn(async move {
            let mut logged = false;
            loop {
                tokio::time::sleep(me.every).await;
                if !live.load(Ordering::Relaxed) {
                    continue;
                }
                let upto = *applied.borrow();
                match me.pass(upto).await {
                    Ok(n) => {
                        if n > 0 {
                            tracing::debug!(target: "loft::cluster", rooms = n, "rooms checkpointed in the cluster");
                        }
                        logged = false;
                    }
                    Err(e) if !logged => {
                        tracing::warn!(target: "loft::cluster", bucket = %me.bucket, "cannot checkpoint the rooms (retrying): {e}");
                        logged = true;
                    }
                    Err(_) => {}
                }
            }
        })
        .abort_handle()
    }

    /// One round: checkpoints the rooms whose record moved past what is stored; returns
    /// how many it stored. Every tenth round first checks what this relay knows stored
    /// against the bucket (a bucket lost or made again: its quiet rooms are stored again).
    /// Once a round has covered every room, the stream's limits are set ([`Limits`]) and
    /// the bucket's mark says every message up to `upto` (what this relay had applied
    /// when the round began) is in a checkpoint ([`MARK`]).
    pub(crate) async fn pass(&self, upto: u64) -> anyhow::Result<usize> {
        let round = self.rounds.fetch_add(1, Ordering::Relaxed);
        if round % 10 == 9 {
            let held = self.held(self.store().await?).await?;
            self.stored
                .lock()
                .unpoisoned()
                .retain(|prefix, seq| held.get(prefix).and_then(|h| h.checkpoint).is_some_and(|s| s >= *seq));
        }
        let (root, patterns) = (self.root.clone(), self.patterns.clone());
        let rooms = tokio::task::spawn_blocking(move || join::rooms(&root, &patterns)).await?;
        let mut complete = true;
        let mut due = Vec::new();
        for (rel, recorded) in rooms {
            let Some(text) = rel.to_str().filter(|_| recorded) else { continue };
            let prefix = hex(text.as_bytes());
            let room = self.root.join(&rel);
            // Only a room whose record moved is read (its live bytes may be 256 KiB).
            let known = self.stored.lock().unpoisoned().get(&prefix).copied();
            let recorded = crate::room::replica::load_applied(&room).map(|(s, _)| s);
            if known.is_some() && known >= recorded {
                continue;
            }
            let cp = tokio::task::spawn_blocking(move || Checkpoint::take(&room)).await??;
            let Some(cp) = cp else {
                complete = false;
                continue;
            };
            if known.is_none_or(|k| k < cp.seq) {
                due.push((rel, prefix, cp));
            }
        }
        if due.is_empty() {
            if complete {
                self.covered(upto).await?;
            }
            return Ok(0);
        }
        let store = self.store().await?;
        let held = self.held(store).await?;
        let mut stored = 0;
        for (rel, prefix, cp) in due {
            let none = Held::default();
            let h = held.get(&prefix).unwrap_or(&none);
            if h.checkpoint.is_some_and(|s| s >= cp.seq) {
                self.remember(&prefix, h.checkpoint.unwrap_or(cp.seq));
                continue;
            }
            if self.put_room(store, &rel, &prefix, &cp, h).await? {
                stored += 1;
            } else {
                complete = false;
            }
        }
        save_record(&self.root, &self.stored.lock().unpoisoned());
        if complete {
            self.covered(upto).await?;
        }
        Ok(stored)
    }

    /// Every room has a checkpoint holding every message up to `upto`: the mark moves up
    /// to it (never down), and the stream gets its limits.
    async fn covered(&self, upto: u64) -> anyhow::Result<()> {
        let store = self.store().await?;
        if self.stored_seq(store, MARK).await?.is_none_or(|m| m < upto) {
            let meta = object_store::ObjectMetadata {
                name: MARK.to_string(),
                metadata: HashMap::from([("seq".to_string(), upto.to_string())]),
                ..Default::default()
            };
            tokio::time::timeout(self.timeout, store.put(meta, &mut &b""[..])).await??;
        }
        self.limits.ensure(&self.js).await
    }

    /// Stores one room's new archives, then its checkpoint, then removes the archives it
    /// pruned. `false` when an archive went meanwhile (pruned: the next round takes it).
    async fn put_room(
        &self,
        store: &object_store::ObjectStore,
        rel: &Path,
        prefix: &str,
        cp: &Checkpoint,
        held: &Held,
    ) -> anyhow::Result<bool> {
        let dir = rotate::state_dir(&self.root.join(rel));
        for (name, time) in &cp.archives {
            if held.archives.iter().any(|(n, _)| n == name) {
                continue;
            }
            let bytes = match tokio::fs::read(dir.join(name)).await {
                Ok(b) => b,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
                Err(e) => return Err(e.into()),
            };
            let within = self.timeout + Duration::from_secs(bytes.len() as u64 >> 20);
            let meta = object_store::ObjectMetadata {
                name: format!("{prefix}/{name}"),
                metadata: HashMap::from([("time".to_string(), stamp(*time))]),
                ..Default::default()
            };
            tokio::time::timeout(within, store.put(meta, &mut bytes.as_slice())).await??;
        }
        // Only over an older checkpoint: another relay may have stored a newer one since
        // the bucket was listed (it may have pruned archives this one lists).
        let name = format!("{prefix}/{CHECKPOINT}");
        if let Some(seq) = self.stored_seq(store, &name).await? {
            if seq >= cp.seq {
                self.remember(prefix, seq);
                return Ok(true);
            }
        }
        let body = cp.encode();
        let meta = object_store::ObjectMetadata {
            name: format!("{prefix}/{CHECKPOINT}"),
            metadata: HashMap::from([("seq".to_string(), cp.seq.to_string())]),
            ..Default::default()
        };
        let within = self.timeout + Duration::from_secs(body.len() as u64 >> 20);
        tokio::time::timeout(within, store.put(meta, &mut body.as_slice())).await??;
        self.remember(prefix, cp.seq);
        // Archives are removed only while the bucket's checkpoint is this one (one stored
        // meanwhile by a relay behind this one may still list them: the next round).
        if self.stored_seq(store, &name).await? != Some(cp.seq) {
            return Ok(true);
        }
        // Pruned here, so pruned on every replica (pruning is the same everywhere): what
        // ends before the oldest archive kept.
        let (gone, lost) = pruned(&held.archives, cp);
        for name in gone {
            tokio::time::timeout(self.timeout, store.delete(format!("{prefix}/{name}"))).await??;
        }
        // The shared files announced in the history pruned go from their bucket too.
        if let Some(lost) = lost {
            self.files.prune(&self.root.join(rel), lost).await?;
        }
        Ok(true)
    }

    /// The stream sequence of the checkpoint object `name` in the bucket, if there is one.
    async fn stored_seq(&self, store: &object_store::ObjectStore, name: &str) -> anyhow::Result<Option<u64>> {
        match tokio::time::timeout(self.timeout, store.info(name)).await? {
            Ok(info) if !info.deleted => Ok(info.metadata.get("seq").and_then(|s| s.parse().ok())),
            Ok(_) => Ok(None),
            Err(e) if e.kind() == object_store::InfoErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    fn remember(&self, prefix: &str, seq: u64) {
        let mut stored = self.stored.lock().unpoisoned();
        let e = stored.entry(prefix.to_string()).or_insert(seq);
        *e = (*e).max(seq);
    }

    /// Restores every room whose checkpoint is newer than its own record (the stream no
    /// longer holds the messages in between); returns how many it restored. A room that
    /// fails (an archive its checkpoint lists gone: replaced meanwhile by a newer one) is
    /// tried again with the bucket read again, up to 3 rounds; the rooms done stay done
    /// (their record is the checkpoint's). An error when some room could not be restored.
    pub(crate) async fn restore(&self, settings: &RotateSettings, first: u64) -> anyhow::Result<usize> {
        let store = self.store().await?;
        // The stream dropped messages up to `first - 1`: are they all in checkpoints?
        let mark = self.stored_seq(store, MARK).await?.unwrap_or(0);
        if mark + 1 < first {
            tracing::error!(
                target: "loft::cluster", dropped_upto = first - 1, checkpointed_upto = mark,
                "the stream no longer holds messages up to {}, and the rooms' checkpoints hold every message only up to {mark}: rooms written to in between may miss messages on this relay (the stream's max_bytes or max_age is too small for checkpoint_every, or no relay checkpointed); restoring what there is",
                first - 1
            );
        }
        let mut restored = 0;
        for round in 1..=3 {
            let held = self.held(store).await?;
            let mut failed = Vec::new();
            for (prefix, h) in &held {
                let Some(seq) = h.checkpoint else { continue };
                let Some(room) = self.room_of(prefix) else {
                    tracing::warn!(target: "loft::cluster", object = %prefix, "a checkpoint of no room of this relay (outside its rooms, or a hidden or state path): skipped");
                    continue;
                };
                let local = crate::room::replica::load_applied(&room).map_or(0, |(s, _)| s);
                if local >= seq {
                    continue;
                }
                match self.restore_room(store, prefix, &room, settings).await {
                    Ok(cp) => {
                        tracing::info!(
                            target: "loft::cluster",
                            room = %crate::base::text::logged(&room), seq = cp.seq, size = cp.end(), archives = cp.archives.len(),
                            "room restored from its checkpoint in the cluster (the stream no longer holds its earlier messages)"
                        );
                        self.remember(prefix, cp.seq);
                        restored += 1;
                    }
                    Err(e) => failed.push(format!("{}: {e}", crate::base::text::logged(&room))),
                }
            }
            save_record(&self.root, &self.stored.lock().unpoisoned());
            if failed.is_empty() {
                return Ok(restored);
            }
            if round == 3 {
                anyhow::bail!("cannot restore {} room(s) from their checkpoints: {}", failed.len(), failed.join("; "));
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        Ok(restored)
    }

    /// Fetches one room's checkpoint and every archive it lists, then restores the room.
    async fn restore_room(
        &self,
        store: &object_store::ObjectStore,
        prefix: &str,
        room: &Path,
        settings: &RotateSettings,
    ) -> anyhow::Result<Checkpoint> {
        let cp = self.get(store, &format!("{prefix}/{CHECKPOINT}")).await?;
        let cp = Checkpoint::decode(&cp).ok_or_else(|| anyhow::anyhow!("its checkpoint is not one this Loft reads"))?;
        let mut archives = Vec::with_capacity(cp.archives.len());
        for (name, _) in &cp.archives {
            let bytes = self
                .get(store, &format!("{prefix}/{name}"))
                .await
                .map_err(|e| anyhow::anyhow!("archive {name}: {e}"))?;
            archives.push(bytes);
        }
        let (room, cp2, settings) = (room.to_path_buf(), cp.clone(), *settings);
        tokio::task::spawn_blocking(move || cp2.restore(&room, &archives, &settings)).await??;
        Ok(cp)
    }

    async fn get(&self, store: &object_store::ObjectStore, name: &str) -> anyhow::Result<Vec<u8>> {
        let mut object = tokio::time::timeout(self.timeout, store.get(name)).await??;
        let mut out = Vec::new();
        tokio::time::timeout(self.timeout * 4, object.read_to_end(&mut out)).await??;
        Ok(out)
    }
}

/// The archives of `held` that the room of `cp` pruned (they end before its oldest kept
/// byte: not archives yet to come), and the newest time among them (the history lost).
fn pruned(held: &[(String, Option<SystemTime>)], cp: &Checkpoint) -> (Vec<String>, Option<SystemTime>) {
    let oldest = cp.archives.first().and_then(|(n, _)| rotate::archive_range(n)).map_or(cp.base, |r| r.0);
    let mut lost = None;
    let mut gone = Vec::new();
    for (name, time) in held {
        let before = rotate::archive_range(name).is_some_and(|(_, end)| end <= oldest);
        if before && !cp.archives.iter().any(|(n, _)| n == name) {
            gone.push(name.clone());
            lost = lost.max(*time);
        }
    }
    (gone, lost)
}

/// The bucket's name for the group `name`.
pub(super) fn bucket(name: &str) -> String {
    format!("{name}-history")
}

fn load_record(root: &Path) -> HashMap<String, u64> {
    let text = std::fs::read_to_string(root.join(STATE_DIR).join(RECORD)).unwrap_or_default();
    text.lines()
        .filter_map(|l| {
            let (seq, prefix) = l.split_once(' ')?;
            Some((prefix.to_string(), seq.parse().ok()?))
        })
        .collect()
}

fn save_record(root: &Path, stored: &HashMap<String, u64>) {
    let mut lines: Vec<String> = stored.iter().map(|(p, s)| format!("{s} {p}\n")).collect();
    lines.sort();
    let dir = root.join(STATE_DIR);
    let result = std::fs::create_dir_all(&dir)
        .and_then(|()| crate::base::files::write_atomic(&dir.join(RECORD), lines.concat().as_bytes()));
    if let Err(e) = result {
        tracing::warn!(target: "loft::cluster", "cannot record the checkpoints stored: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_archives_older_than_the_oldest_kept_are_pruned_ones() {
        let name = |a: u64, b: u64| format!("{a:020}-{b:020}.txt");
        let at = |s: u64| Some(std::time::UNIX_EPOCH + Duration::from_secs(s));
        let cp = Checkpoint {
            seq: 9,
            time: None,
            base: 300,
            live: Vec::new(),
            archives: vec![(name(100, 200), at(20).unwrap()), (name(200, 300), at(30).unwrap())],
            shares: Vec::new(),
        };
        let held = vec![
            (name(0, 50), at(5)),
            (name(50, 100), at(10)),
            (name(100, 200), at(20)),
            // Newer than this relay's newest: another relay's, not pruned here.
            (name(300, 400), at(40)),
        ];
        assert_eq!(pruned(&held, &cp), (vec![name(0, 50), name(50, 100)], at(10)));
        let none = Checkpoint { archives: Vec::new(), ..cp.clone() };
        assert_eq!(pruned(&held[3..], &none), (Vec::new(), None));
    }

    #[tokio::test]
    async fn only_rooms_below_root_are_restored() {
        let d = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(d.path()).unwrap();
        std::fs::create_dir_all(root.join("family")).unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(outside.path(), root.join("away")).unwrap();
        let client =
            async_nats::ConnectOptions::new().retry_on_initial_connect().connect("nats://127.0.0.1:1").await.unwrap();
        let js = jetstream::new(client.clone());
        let cfg: ClusterConfig = toml::from_str("servers = [\"nats://127.0.0.1:1\"]").unwrap();
        let files = Arc::new(Files::new(client, js.clone(), root.clone(), "loft", 1, Duration::from_secs(1)));
        let patterns = GlobSet::new(&["*.txt", "**/*.txt"]).unwrap();
        let limits = Limits::new("loft-rooms".into(), Duration::from_secs(86_400), -1);
        let h = History::new(js, root.clone(), &cfg, patterns, files, limits);
        let of = |rel: &str| h.room_of(&hex(rel.as_bytes()));
        assert_eq!(of("lobby.txt"), Some(root.join("lobby.txt")));
        assert_eq!(of("family/new/lobby.txt"), Some(root.join("family/new/lobby.txt")));
        for bad in ["../x.txt", ".cluster.loft/applied", "family/.lobby.txt.loft/state", "notes.pdf", "away/x.txt", ""]
        {
            assert_eq!(of(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_record_round_trips() {
        let d = tempfile::tempdir().unwrap();
        let m = HashMap::from([("6c6f62".to_string(), 42u64), ("6f74".to_string(), 7)]);
        save_record(d.path(), &m);
        assert_eq!(load_record(d.path()), m);
        assert!(load_record(&d.path().join("none")).is_empty());
    }
}
