//! Cluster mode: one room on many relays, through NATS JetStream (`[cluster]`,
//! docs/cluster.md).
//!
//! A room is an append-only, ordered, de-duplicated log, and JetStream is a proven,
//! Raft-replicated one: Loft keeps the rooms' log there instead of inventing a
//! replication protocol. This module is the only place that knows NATS; the room store
//! sees a [`Replicator`] and [`Rooms::apply_batch`] (see [`crate::room::replica`]).
//!
//! - **One stream for the whole group**, `<name>-rooms`, one subject per room:
//!   `<name>.rooms.<hex of the room's path below root>`. A stream per room would make one
//!   Raft group per room on every NATS node (a server holds thousands of streams badly,
//!   and rooms are many and small); one stream gives every relay one consumer and one
//!   total order to apply. Per-room order is all the rooms need, and one stream keeps it.
//! - **An append** is checked on the relay as always (against its replica), then
//!   published with `Nats-Msg-Id` = SHA-256 of the subject and the bytes: a retry within
//!   the stream's duplicate window (2 minutes), through any relay, is stored once. The
//!   client's `226` waits for JetStream's acknowledgement (the message is on a quorum of
//!   the stream's replicas) **and** for this relay to have applied the message, so a
//!   client reads its own message right after.
//! - **One consumer per relay** (an ordered consumer, from the last sequence applied)
//!   applies every message in stream order through the room store, which writes it as it
//!   is, in groups of what has arrived (see [`apply`]), and rotates at the same points on
//!   every relay. The last sequence applied is kept
//!   in `<root>/.cluster.loft/applied`; a relay whose root was wiped starts from the
//!   stream's first message and rebuilds every room.
//! - **Retention**: the stream keeps messages for `[chat] keep_days` (at least a day) and
//!   at most `[cluster] max_bytes`; each room's checkpoint and archives are kept in the
//!   object store `<name>-history` ([`history`]), and a relay whose unapplied messages
//!   are gone from the stream restores its rooms from there before it applies the rest.
//! - **NATS unreachable**: appends are refused at once (`cluster unavailable, nothing
//!   written`), reads go on from the replica, and the client reconnects by itself
//!   (async-nats), logging each change.

mod files;
mod history;
mod join;
mod seen;

use crate::base::sync::Unpoison;
use crate::config::ClusterConfig;
use crate::room::replica::Replicator;
use crate::room::rotate::RotateSettings;
use crate::room::{RoomError, Rooms};
use async_nats::connection::State;
use async_nats::jetstream::{self, consumer, stream};
use futures::{FutureExt, StreamExt};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

mod apply;
mod keys;

/// How long a retry is recognised as one by the stream (`Nats-Msg-Id`).
pub(crate) const DUPLICATE_WINDOW: Duration = Duration::from_secs(120);
/// How long an append waits before it sends its message again (see `Cluster::publish`).
const RESEND_AFTER: Duration = Duration::from_millis(200);
/// How long the consumer may deliver nothing while an append acknowledged by the stream
/// waits to be applied here, before it is taken for lost and made again (see
/// `Cluster::follow_once`).
const STALLED_AFTER: Duration = Duration::from_secs(3);
/// The longest pull request of the consumer: its idle heartbeat is half of it, and the
/// client makes a new consumer after two missed heartbeats.
const PULL_EXPIRES: Duration = Duration::from_secs(5);
/// The header that names whose share of the room's budget a message counts against.
pub(crate) const MEMBER: &str = "Loft-Member";
/// The global record of the last stream sequence applied, in `<root>/.cluster.loft/`.
pub(crate) const STATE_DIR: &str = ".cluster.loft";

/// A relay's link to the cluster.
pub(crate) struct Cluster {
    client: async_nats::Client,
    js: jetstream::Context,
    /// The canonical root: rooms are named by their path below it.
    root: PathBuf,
    prefix: String,
    stream: String,
    timeout: Duration,
    /// The last stream sequence applied to this relay's rooms.
    applied: watch::Sender<u64>,
    /// The highest stream sequence the stream acknowledged to an append through this relay.
    acked: watch::Sender<u64>,
    /// The stream exists (made or found since the last connection).
    ready: AtomicBool,
    /// A local fault that stops this relay's replica (its disk): appends are refused at
    /// once while it lasts (see [`apply`]).
    fault: watch::Sender<Option<String>>,
    /// The last sequence recorded as skipped (see [`apply`]).
    skipped_upto: std::sync::atomic::AtomicU64,
    /// This relay's `[chat]` rotation keys, as the stream's metadata holds them ([`keys`]).
    keys: std::collections::HashMap<String, String>,
    /// Set when they differ from the stream's: the relay does not apply the stream.
    refused: watch::Sender<Option<String>>,
    /// The task that applies the stream, ended by [`Cluster::stop`].
    follower: std::sync::Mutex<Option<tokio::task::AbortHandle>>,
    /// Read receipts in the KV bucket `<name>-seen` ([`seen`]).
    receipts: Arc<seen::Receipts>,
    /// The tasks of receipts, shared files ([`files`]) and checkpoints ([`history`]),
    /// ended by [`Cluster::stop`].
    shared_tasks: std::sync::Mutex<Vec<tokio::task::AbortHandle>>,
    /// The rooms' checkpoints and archives in the cluster ([`history`]).
    history: Arc<history::History>,
    /// Set while this relay has applied the whole stream (rooms are checkpointed then).
    live: Arc<AtomicBool>,
    /// Whether the relay serves yet, or restores rooms from their checkpoints.
    phase: watch::Sender<Phase>,
    /// The rooms' rotation keys (a restore prunes as the last rotation did).
    rotate: RotateSettings,
}

/// Where a relay is in its start: rooms are restored from their checkpoints only before
/// it serves (a room restored under a session that has it open would be torn).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Starting,
    Restoring,
    /// The last restore failed: not serving, another one is due.
    RestoreFailed,
    Serving,
}

/// The object store `bucket`: made with `replicas` replicas, file storage and no size
/// bound of its own, or found (another relay made it first).
async fn object_store(
    js: &jetstream::Context,
    bucket: &str,
    description: &str,
    replicas: usize,
) -> anyhow::Result<jetstream::object_store::ObjectStore> {
    let made = js
        .create_object_store(jetstream::object_store::Config {
            bucket: bucket.to_string(),
            description: Some(description.to_string()),
            max_bytes: -1,
            num_replicas: replicas,
            storage: stream::StorageType::File,
            ..Default::default()
        })
        .await;
    match made {
        Ok(s) => Ok(s),
        Err(e) => js.get_object_store(bucket).await.map_err(|g| anyhow::anyhow!("{e}; {g}")),
    }
}

/// The rooms' stream of the group `name`, and its subjects' prefix.
fn stream_names(name: &str) -> (String, String) {
    (format!("{name}-rooms"), format!("{name}.rooms"))
}

/// The age the stream keeps messages for: `keep_days` (an archive younger than that is
/// never pruned, so the stream never keeps a message the rooms have pruned), and a day
/// when the count of archives alone decides.
fn stream_age(keep_days: u64) -> Duration {
    Duration::from_secs(keep_days.max(1).saturating_mul(86_400))
}

impl Cluster {
    /// Connects (in the background: a relay starts while NATS is down, and serves its
    /// replica), makes sure the stream exists, and starts applying it to `rooms`. Returns
    /// once the relay has caught up with the stream as it was, or after `catch_up` when
    /// NATS cannot be reached (the relay then catches up when it can; appends wait for it
    /// in any case, as each waits for its own message to be applied).
    pub(crate) async fn start(
        cfg: &ClusterConfig,
        root: &Path,
        room_globs: &[String],
        rooms: Arc<Rooms>,
        catch_up: Duration,
    ) -> anyhow::Result<Arc<Cluster>> {
        let root = std::fs::canonicalize(root)?;
        let patterns = join::patterns(room_globs);
        let own = {
            let (root, patterns) = (root.clone(), patterns.clone());
            tokio::task::spawn_blocking(move || join::unrecorded_rooms(&root, &patterns)).await?
        };
        let mut opts = async_nats::ConnectOptions::new()
            .name("loft")
            .retry_on_initial_connect()
            .max_reconnects(None)
            .connection_timeout(Duration::from_secs(3))
            .event_callback(|event| async move {
                match event {
                    async_nats::Event::Connected => tracing::info!(target: "loft::cluster", "connected to NATS"),
                    async_nats::Event::Disconnected => {
                        tracing::warn!(target: "loft::cluster", "disconnected from NATS: appends refused until it is back; reconnecting")
                    }
                    other => tracing::info!(target: "loft::cluster", "NATS: {other}"),
                }
            });
        if let (Some(u), Some(p)) = (&cfg.user, &cfg.password) {
            opts = opts.user_and_password(u.clone(), p.clone());
        }
        if let Some(t) = &cfg.token {
            opts = opts.token(t.clone());
        }
        if let Some(f) = &cfg.nkey_seed_file {
            let seed = std::fs::read_to_string(f)?;
            opts = opts.nkey(seed.trim().to_string());
        }
        if let Some(ca) = &cfg.tls_ca {
            opts = opts.add_root_certificates(ca.clone());
        }
        if let (Some(c), Some(k)) = (&cfg.tls_cert, &cfg.tls_key) {
            opts = opts.add_client_certificate(c.clone(), k.clone());
        }
        if cfg.servers.iter().any(|s| s.starts_with("tls://")) {
            opts = opts.require_tls(true);
        }
        let client = opts.connect(cfg.servers.clone()).await?;
        let js = jetstream::new(client.clone());
        let applied = watch::Sender::new(load_applied(&root));
        let (stream_name, prefix) = stream_names(&cfg.name);
        // Rooms of its own are checked against the stream before anything else: NATS gets
        // a few seconds to answer even when `catch_up` is shorter.
        join::check(&client, &js, &cfg.name, &root, own, catch_up.max(Duration::from_secs(10))).await?;
        let receipts = Arc::new(seen::Receipts::new(client.clone(), js.clone(), root.clone(), &cfg.name, cfg.replicas));
        let files =
            Arc::new(files::Files::new(client.clone(), js.clone(), root.clone(), &cfg.name, cfg.replicas, cfg.timeout));
        let settings = rooms.settings();
        let max_age = stream_age(settings.rotate.keep_days);
        let max_bytes = if cfg.max_bytes == 0 { -1 } else { i64::try_from(cfg.max_bytes).unwrap_or(i64::MAX) };
        let limits = history::Limits::new(stream_name.clone(), max_age, max_bytes);
        let history = Arc::new(history::History::new(js.clone(), root.clone(), cfg, patterns, files.clone(), limits));
        let live = Arc::new(AtomicBool::new(false));
        let mut shared_tasks = receipts.start(rooms.clone());
        shared_tasks.push(files.start());
        shared_tasks.push(history.start(live.clone(), applied.subscribe()));
        rooms.set_seen_sink(receipts.clone());
        rooms.set_file_replicator(files);
        let cluster = Arc::new(Cluster {
            client,
            js,
            root: root.clone(),
            prefix,
            stream: stream_name,
            timeout: cfg.timeout,
            applied,
            acked: watch::Sender::new(0),
            ready: AtomicBool::new(false),
            fault: watch::Sender::new(None),
            skipped_upto: std::sync::atomic::AtomicU64::new(apply::last_skipped(&root)),
            keys: keys::metadata(&settings.rotate, cfg.max_bytes),
            refused: watch::Sender::new(None),
            follower: std::sync::Mutex::new(None),
            receipts,
            shared_tasks: std::sync::Mutex::new(shared_tasks),
            history,
            live,
            phase: watch::Sender::new(Phase::Starting),
            rotate: settings.rotate,
        });
        let (caught_up_tx, mut caught_up) = watch::channel(false);
        let task = tokio::spawn(cluster.clone().follow(rooms, cfg.replicas, caught_up_tx));
        *cluster.follower.lock().unpoisoned() = Some(task.abort_handle());
        let mut refused = cluster.refused.subscribe();
        let _ = tokio::time::timeout(catch_up, async {
            tokio::select! {
                _ = caught_up.wait_for(|c| *c) => {}
                _ = refused.wait_for(|r| r.is_some()) => {}
            }
        })
        .await;
        // A relay that has applied nothing of the stream yet (a new relay, a wiped root)
        // has nothing to serve but an empty root, and would have to be restarted to
        // restore its rooms once NATS answers: it waits for NATS instead, however long.
        if cluster.applied() == 0 && refused.borrow().is_none() {
            while !*caught_up.borrow() && cluster.refused.borrow().is_none() {
                tracing::warn!(target: "loft::cluster", "this relay has applied nothing of the rooms' stream yet: waiting for NATS before serving");
                let _ = tokio::time::timeout(Duration::from_secs(30), async {
                    tokio::select! {
                        _ = caught_up.wait_for(|c| *c) => {}
                        _ = refused.wait_for(|r| r.is_some()) => {}
                    }
                })
                .await;
            }
        }
        // Rooms being restored from their checkpoints are not served half-written: the
        // relay waits for the restore, however long it takes (NATS answered), and no
        // restore starts once it serves (see `follow_once`).
        let mut phase = cluster.phase.subscribe();
        loop {
            let serving = cluster.phase.send_if_modified(|p| {
                let starting = *p == Phase::Starting;
                if starting {
                    *p = Phase::Serving;
                }
                starting
            });
            if serving {
                break;
            }
            tracing::info!(target: "loft::cluster", "waiting for the rooms' restore from their checkpoints before serving");
            let _ = phase.wait_for(|p| *p == Phase::Starting).await;
            let _ = tokio::time::timeout(catch_up, caught_up.wait_for(|c| *c)).await;
        }
        let why = cluster.refused.borrow().clone();
        if let Some(why) = why {
            cluster.stop();
            anyhow::bail!("{why}");
        }
        Ok(cluster)
    }

    /// Stops applying the stream and refuses appends (the relay is stopping).
    pub(crate) fn stop(&self) {
        self.ready.store(false, Ordering::Relaxed);
        if let Some(t) = self.follower.lock().unpoisoned().take() {
            t.abort();
        }
        for t in self.shared_tasks.lock().unpoisoned().drain(..) {
            t.abort();
        }
        save_applied(&self.root, self.applied());
    }

    /// Writes the read receipts given here and not yet in the cluster, within `limit`
    /// (a clean stop; best effort).
    pub(crate) async fn flush_receipts(&self, limit: Duration) {
        self.receipts.flush_within(limit).await;
    }

    /// The last stream sequence applied here.
    pub(crate) fn applied(&self) -> u64 {
        *self.applied.borrow()
    }

    /// Applies the stream to the rooms, for as long as the relay runs: after an error
    /// (NATS gone, the consumer lost), again from the last sequence applied.
    async fn follow(self: Arc<Self>, rooms: Arc<Rooms>, replicas: usize, caught_up: watch::Sender<bool>) {
        let mut logged = false;
        let mut logged_at = None;
        let started = tokio::time::Instant::now();
        loop {
            // The first connection is made in the background: give it a few seconds
            // before saying that NATS cannot be reached.
            if self.client.connection_state() != State::Connected && started.elapsed() < Duration::from_secs(5) {
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
            match self.follow_once(&rooms, replicas, &caught_up).await {
                Ok(()) => {}
                Err(e) if e.downcast_ref::<keys::KeysDiffer>().is_some() => {
                    tracing::error!(target: "loft::cluster", "this relay does not apply the rooms' stream: {e}");
                    self.ready.store(false, Ordering::Relaxed);
                    self.fault.send_replace(Some(e.to_string()));
                    self.refused.send_replace(Some(e.to_string()));
                    return;
                }
                Err(e) => {
                    self.ready.store(false, Ordering::Relaxed);
                    self.live.store(false, Ordering::Relaxed);
                    // Said once per outage: again only once the relay applied something
                    // since the last time it said it.
                    if logged_at.is_some_and(|at| self.applied() > at) {
                        logged = false;
                    }
                    logged_at = Some(self.applied());
                    if !logged {
                        tracing::warn!(target: "loft::cluster", applied = self.applied(), "cannot follow the rooms' stream (retrying every second): {e}");
                        logged = true;
                    }
                }
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }

    async fn follow_once(&self, rooms: &Rooms, replicas: usize, caught_up: &watch::Sender<bool>) -> anyhow::Result<()> {
        if self.client.connection_state() != State::Connected {
            anyhow::bail!("not connected to NATS");
        }
        let mut stream = self
            .js
            .get_or_create_stream(stream::Config {
                name: self.stream.clone(),
                subjects: vec![format!("{}.>", self.prefix)],
                num_replicas: replicas,
                duplicate_window: DUPLICATE_WINDOW,
                storage: stream::StorageType::File,
                metadata: self.keys.clone(),
                max_age: self.history.limits().max_age,
                max_bytes: self.history.limits().max_bytes,
                ..Default::default()
            })
            .await?;
        let info = stream.info().await?.clone();
        let missing = keys::compare(&self.keys, &info.config.metadata).map_err(keys::KeysDiffer)?;
        // The limits of a stream made without them are set once every room has its
        // checkpoint (`history::Limits`), not here: the messages they drop must be in one.
        if missing {
            let mut config = info.config.clone();
            config.metadata.extend(self.keys.clone());
            self.js.update_stream(config).await?;
            tracing::info!(target: "loft::cluster", "recorded this relay's [chat] rotation keys and [cluster] max_bytes in the stream's metadata");
        }
        let last = info.state.last_sequence;
        let first = info.state.first_sequence;
        // An acknowledged message removed before it was delivered here (a purge, a trim)
        // must not keep the consumer's stall check firing.
        self.acked.send_if_modified(|a| {
            let over = *a > last;
            if over {
                *a = last;
            }
            over
        });
        if first > self.applied() + 1 {
            // The messages this relay has not applied are gone from the stream (its root
            // was wiped, or it was down longer than the stream keeps them).
            let restore = self.phase.send_if_modified(|p| {
                let may = matches!(*p, Phase::Starting | Phase::RestoreFailed);
                if may {
                    *p = Phase::Restoring;
                }
                may
            });
            if !restore {
                let why = format!(
                    "the stream no longer holds messages {} to {}, which this relay has not applied: restart it, and it restores its rooms from the cluster's checkpoints",
                    self.applied() + 1,
                    first - 1
                );
                self.fault.send_replace(Some(why.clone()));
                anyhow::bail!(why);
            }
            let restored = self.history.restore(&self.rotate, first).await;
            // A relay whose restore failed does not serve: it tries again (every second).
            self.phase.send_replace(if restored.is_ok() { Phase::Starting } else { Phase::RestoreFailed });
            let n = restored?;
            tracing::info!(target: "loft::cluster", rooms = n, from = first, "the stream starts past this relay's record: rooms restored from their checkpoints");
            self.applied.send_replace(first - 1);
            save_applied(&self.root, first - 1);
        }
        self.ready.store(true, Ordering::Relaxed);
        let start = self.applied() + 1;
        tracing::info!(target: "loft::cluster", stream = %self.stream, from = start, last, "following the rooms' stream");
        if self.applied() >= last {
            caught_up.send_replace(true);
            self.live.store(true, Ordering::Relaxed);
        }
        let consumer = stream
            .create_consumer(consumer::pull::OrderedConfig {
                filter_subject: format!("{}.>", self.prefix),
                deliver_policy: consumer::DeliverPolicy::ByStartSequence { start_sequence: start },
                // Pull requests of 5 s, so idle heartbeats every 2.5 s: a consumer lost with
                // its NATS node is made again in about 10 s, not the client's default 60.
                max_expires: PULL_EXPIRES,
                ..Default::default()
            })
            .await?;
        let mut messages = consumer.messages().await?;
        let mut saved = self.applied();
        loop {
            // A consumer lost with its NATS node delivers nothing until the client notices
            // (two missed heartbeats). When an append through this relay is acknowledged by
            // the stream and not delivered here within STALLED_AFTER, its client would wait
            // that long: the consumer is made again at once instead (from the last message
            // applied, so nothing is skipped or applied twice).
            let mut waited = Duration::ZERO;
            let next = loop {
                let tick = Duration::from_millis(500);
                tokio::select! {
                    m = messages.next() => break m,
                    _ = tokio::time::sleep(tick) => {
                        waited = if *self.acked.borrow() > self.applied() { waited + tick } else { Duration::ZERO };
                        if waited >= STALLED_AFTER {
                            anyhow::bail!("the stream's consumer delivered nothing for {STALLED_AFTER:?} while appends waited: making a new one");
                        }
                    }
                }
            };
            let Some(first) = next else { anyhow::bail!("the stream's consumer ended") };
            let first = first?;
            let mut pending = first.info().map_or(0, |i| i.pending);
            let mut batch = vec![apply::Arrived::of(&first)?];
            let mut bytes = first.payload.len();
            // What has arrived already, without waiting for more: one group commit.
            while batch.len() < apply::MAX_BATCH && bytes < apply::MAX_BATCH_BYTES {
                match messages.next().now_or_never() {
                    Some(Some(m)) => {
                        let m = m?;
                        pending = m.info().map_or(0, |i| i.pending);
                        bytes += m.payload.len();
                        batch.push(apply::Arrived::of(&m)?);
                    }
                    Some(None) => anyhow::bail!("the stream's consumer ended"),
                    None => break,
                }
            }
            let seq = batch.last().map_or(0, |m| m.seq);
            self.apply_batch(rooms, batch).await;
            if seq > self.applied() {
                self.applied.send_replace(seq);
            }
            if seq >= last {
                caught_up.send_replace(true);
            }
            self.live.store(pending == 0 && *caught_up.borrow(), Ordering::Relaxed);
            // The global record may lag (each room keeps its own, exactly); it only says
            // where to start reading.
            if seq >= saved + 256 || pending == 0 {
                save_applied(&self.root, seq);
                saved = seq;
            }
        }
    }

    /// The room a subject names: its path below root, hex-encoded, with nothing that
    /// leaves root.
    fn room_of(&self, subject: &str) -> Option<PathBuf> {
        let hex = subject.strip_prefix(&self.prefix)?.strip_prefix('.')?;
        let rel = String::from_utf8(unhex(hex)?).ok()?;
        let rel = Path::new(&rel);
        if rel.as_os_str().is_empty() || !rel.components().all(|c| matches!(c, std::path::Component::Normal(_))) {
            return None;
        }
        Some(self.root.join(rel))
    }

    /// The subject of the room at `room` (canonical).
    fn subject_of(&self, room: &Path) -> Option<String> {
        let rel = room.strip_prefix(&self.root).ok()?;
        let rel = rel.to_str()?;
        if rel.is_empty() {
            return None;
        }
        Some(format!("{}.{}", self.prefix, hex(rel.as_bytes())))
    }

    async fn publish(&self, room: &Path, data: Vec<u8>, member: Option<String>) -> Result<(), RoomError> {
        let unavailable = |why: &str| RoomError::Unavailable { why: why.to_string(), maybe: false };
        let subject = self.subject_of(room).ok_or_else(|| unavailable("the room is outside the relay's root"))?;
        if self.client.connection_state() != State::Connected {
            return Err(unavailable("no connection to NATS"));
        }
        if !self.ready.load(Ordering::Relaxed) {
            return Err(unavailable("the rooms' stream is not reachable yet"));
        }
        if let Some(why) = self.fault.borrow().clone() {
            return Err(unavailable(&format!("this relay cannot write its replica: {why}")));
        }
        let mut id = Sha256::new();
        id.update(subject.as_bytes());
        id.update(b"\n");
        id.update(&data);
        let id = hex(&id.finalize());
        let mut msg = jetstream::message::PublishMessage::build().payload(data.into()).message_id(id);
        if let Some(m) = member {
            msg = msg.header(MEMBER, m.as_str());
        }
        // Sent again until acknowledged or `timeout`: a stream that has just been made
        // and has no leader yet, a NATS node killed under the request, a leader election.
        // The message id makes every resend after the first one that was stored a
        // duplicate, so resending is safe.
        let deadline = tokio::time::Instant::now() + self.timeout;
        let mut sent = false;
        let ack = loop {
            let why = match self.js.send_publish(subject.clone(), msg.clone()).await {
                Ok(ack) => {
                    sent = true;
                    match tokio::time::timeout_at(deadline, std::future::IntoFuture::into_future(ack)).await {
                        Ok(Ok(ack)) => break ack,
                        Ok(Err(e)) => e.to_string(),
                        Err(_) => format!("no answer from NATS in {:?}", self.timeout),
                    }
                }
                Err(e) => e.to_string(),
            };
            if tokio::time::Instant::now() + RESEND_AFTER >= deadline {
                return Err(RoomError::Unavailable { why, maybe: sent });
            }
            tracing::debug!(target: "loft::cluster", "append not acknowledged ({why}); sending it again");
            tokio::time::sleep(RESEND_AFTER).await;
        };
        let mut rx = self.applied.subscribe();
        let mut fault = self.fault.subscribe();
        let seq = ack.sequence;
        self.acked.send_if_modified(|a| {
            let higher = seq > *a;
            *a = (*a).max(seq);
            higher
        });
        let here = async {
            tokio::select! {
                r = rx.wait_for(|a| *a >= seq) => r.map(|_| None).unwrap_or(Some("the relay is stopping".to_string())),
                f = fault.wait_for(|f| f.is_some()) => Some(f.map(|f| f.clone().unwrap_or_default()).unwrap_or_default()),
            }
        };
        match tokio::time::timeout(self.timeout, here).await {
            Ok(None) => Ok(()),
            Ok(Some(why)) => Err(RoomError::Unavailable {
                why: format!("stored in the cluster (message {seq}), but this relay cannot write its replica: {why}"),
                maybe: true,
            }),
            Err(_) => Err(RoomError::Unavailable {
                why: format!("stored in the cluster (message {seq}), not yet on this relay"),
                maybe: true,
            }),
        }
    }
}

impl Replicator for Cluster {
    fn append<'a>(
        &'a self,
        room: &'a Path,
        data: Vec<u8>,
        member: Option<String>,
    ) -> futures::future::BoxFuture<'a, Result<(), RoomError>> {
        Box::pin(self.publish(room, data, member))
    }
}

fn load_applied(root: &Path) -> u64 {
    std::fs::read_to_string(root.join(STATE_DIR).join("applied")).ok().and_then(|t| t.trim().parse().ok()).unwrap_or(0)
}

fn save_applied(root: &Path, seq: u64) {
    let dir = root.join(STATE_DIR);
    let result = std::fs::create_dir_all(&dir)
        .and_then(|()| crate::base::files::write_atomic(&dir.join("applied"), format!("{seq}\n").as_bytes()));
    if let Err(e) = result {
        tracing::warn!(target: "loft::cluster", "cannot record the stream sequence applied: {e}");
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stream_keeps_messages_for_keep_days_and_at_least_a_day() {
        assert_eq!(stream_age(7), Duration::from_secs(7 * 86_400));
        assert_eq!(stream_age(0), Duration::from_secs(86_400));
        assert_eq!(stream_names("loft"), ("loft-rooms".to_string(), "loft.rooms".to_string()));
    }

    #[test]
    fn hex_round_trips_and_refuses_junk() {
        let s = "family/lobby.txt";
        assert_eq!(unhex(&hex(s.as_bytes())).unwrap(), s.as_bytes());
        assert!(unhex("abc").is_none());
        assert!(unhex("zz").is_none());
    }
}
