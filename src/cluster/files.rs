//! Shared files across relays: the object-store bucket `<name>-files` (the stream's
//! replicas), one object per file, named `<hex of the room's path below root>/<id>`.
//!
//! Why an object store and not the rooms' stream: a file is big (up to
//! `chat.max_file_bytes`, megabytes, where a message is a few hundred bytes), is cut into
//! chunks to be stored and read back, has no order with the room's messages (it is
//! uploaded before its announcement, which is an ordinary message), and is removed by
//! name (`DELE`, pruning). In the rooms' stream it would bloat the log every relay
//! applies at start and weigh on its retention; JetStream's object store is a stream of
//! its own made for exactly this (chunks, a SHA-256 digest per object, deletes by name).
//!
//! - **An upload** is checked on the relay as on a single relay, written to a part file,
//!   then put into the bucket; only then does it take its name here and the client get
//!   its `226` (the page its `201`). A name is write-once: a different file under a name
//!   the bucket holds is refused, the same bytes again (a retry after a timeout) are
//!   accepted. The room's files quota (`chat.files_quota_bytes`) is checked against what
//!   the bucket holds for the room, so it holds cluster-wide.
//! - **Every relay keeps a copy** of every file, fetched when the bucket's watch shows
//!   it (from the bucket's start at each connection, so a relay that was down, or whose
//!   root was wiped, fetches what it lacks); reads stay local. A delete in the bucket
//!   removes every relay's copy.
//! - **NATS unreachable**: uploads and deletes are refused, nothing written; so a file
//!   removed while NATS is down cannot come back.

use super::hex;
use crate::base::sync::Unpoison;
use crate::ftpchat::file::{files_dir, is_file_id, EXTENSION};
use crate::room::files::FileError;
use crate::room::spread::FileReplicator;
use async_nats::connection::State;
use async_nats::jetstream::{self, object_store};
use base64::Engine as _;
use futures::StreamExt;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};
use tokio::io::AsyncReadExt;

/// The files' link to the cluster (see the module's text).
pub(crate) struct Files {
    client: async_nats::Client,
    js: jetstream::Context,
    root: PathBuf,
    bucket: String,
    replicas: usize,
    timeout: Duration,
    store: tokio::sync::OnceCell<object_store::ObjectStore>,
    /// What the bucket holds, by object name: its size (from the watch and this relay's
    /// puts), for the rooms' files quota, and its time, for pruning.
    index: Mutex<HashMap<String, (u64, Option<SystemTime>)>>,
}

impl Files {
    pub(crate) fn new(
        client: async_nats::Client,
        js: jetstream::Context,
        root: PathBuf,
        name: &str,
        replicas: usize,
        timeout: Duration,
    ) -> Self {
        Files {
            client,
            js,
            root,
            bucket: format!("{name}-files"),
            replicas,
            timeout,
            store: tokio::sync::OnceCell::new(),
            index: Mutex::default(),
        }
    }

    /// The object prefix of a room (`<hex of its path below root>/`); `None` outside root.
    fn prefix_of(&self, room: &Path) -> Option<String> {
        let rel = match room.strip_prefix(&self.root) {
            Ok(rel) => rel.to_path_buf(),
            // A real path that is not canonical (a room not created yet, a symlink).
            Err(_) => {
                let canon = std::fs::canonicalize(room.parent()?).ok()?.join(room.file_name()?);
                canon.strip_prefix(&self.root).ok()?.to_path_buf()
            }
        };
        let rel = rel.to_str()?;
        (!rel.is_empty()).then(|| format!("{}/", hex(rel.as_bytes())))
    }

    /// The room and file id an object names, with nothing that leaves root.
    fn parse_name(&self, name: &str) -> Option<(PathBuf, String)> {
        let (room, id) = name.split_once('/')?;
        let rel = String::from_utf8(super::unhex(room)?).ok()?;
        let relp = Path::new(&rel);
        if rel.is_empty() || !is_file_id(id) || !relp.components().all(|c| matches!(c, std::path::Component::Normal(_)))
        {
            return None;
        }
        Some((self.root.join(relp), id.to_string()))
    }

    /// The bucket, made at the first connection.
    async fn store(&self) -> anyhow::Result<&object_store::ObjectStore> {
        // No bound of the bucket's own: the config bounds each room's files
        // (files_quota_bytes), not the number of rooms (docs/cluster.md).
        self.store
            .get_or_try_init(|| super::object_store(&self.js, &self.bucket, "Loft shared files", self.replicas))
            .await
    }

    /// Follows the bucket for as long as the relay runs: fetches the files this relay
    /// lacks, removes the ones deleted.
    pub(crate) fn start(self: &Arc<Self>) -> tokio::task::AbortHandle {
        let me = self.clone();
        tokio::spawn(async move {
            let mut logged = false;
            loop {
                if me.client.connection_state() == State::Connected {
                    if let Err(e) = me.follow().await {
                        if !logged {
                            tracing::warn!(target: "loft::cluster", bucket = %me.bucket, "cannot follow the shared files (retrying every second): {e}");
                            logged = true;
                        }
                    }
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        })
        .abort_handle()
    }

    async fn follow(&self) -> anyhow::Result<()> {
        let store = self.store().await?;
        let mut w = store.watch_with_history().await?;
        tracing::info!(target: "loft::cluster", bucket = %self.bucket, "following the shared files");
        while let Some(info) = w.next().await {
            let info = info?;
            let Some((room, id)) = self.parse_name(&info.name) else {
                tracing::warn!(target: "loft::cluster", object = %info.name, "an object of no room of this relay: skipped");
                continue;
            };
            let local = files_dir(&room).join(format!("{id}{EXTENSION}"));
            if info.deleted {
                self.index.lock().unpoisoned().remove(&info.name);
                match tokio::fs::remove_file(&local).await {
                    Ok(()) => {
                        tracing::info!(target: "loft::cluster", file = %crate::base::text::logged(&local), "shared file removed (deleted in the cluster)")
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => {
                        tracing::warn!(target: "loft::cluster", file = %crate::base::text::logged(&local), "cannot remove a shared file deleted in the cluster: {e}")
                    }
                }
                continue;
            }
            self.index.lock().unpoisoned().insert(info.name.clone(), (info.size as u64, time_of(&info)));
            let have = tokio::fs::symlink_metadata(&local).await.map(|m| m.len()).ok();
            if have == Some(info.size as u64) {
                continue;
            }
            if let Err(e) = self.fetch(store, &info, &local).await {
                // Still in the bucket: fetched at the next connection, or refetched by a
                // restart; the file is missing here meanwhile.
                tracing::warn!(target: "loft::cluster", file = %crate::base::text::logged(&local), "cannot fetch a shared file from the cluster: {e}");
                if self.client.connection_state() != State::Connected {
                    anyhow::bail!("connection lost while fetching a shared file");
                }
            }
        }
        anyhow::bail!("the watch ended")
    }

    /// Copies the object `info` to `local`: into a part file, renamed into place when
    /// whole (the bucket checks the digest as it reads), with the object's time (pruning
    /// compares files' times with the history lost, the same on every relay).
    async fn fetch(
        &self,
        store: &object_store::ObjectStore,
        info: &object_store::ObjectInfo,
        local: &Path,
    ) -> anyhow::Result<()> {
        let dir = local.parent().ok_or_else(|| anyhow::anyhow!("no folder"))?;
        tokio::fs::create_dir_all(dir).await?;
        let name = local.file_name().and_then(|n| n.to_str()).unwrap_or("file");
        let part = dir.join(format!(".{name}.fetch"));
        let fetched = async {
            let mut object = tokio::time::timeout(self.timeout, store.get(&info.name)).await??;
            let mut out = tokio::fs::File::create(&part).await?;
            let copied = tokio::time::timeout(
                self.timeout + Duration::from_secs(info.size as u64 >> 20),
                tokio::io::copy(&mut object, &mut out),
            )
            .await??;
            if copied != info.size as u64 {
                anyhow::bail!("{copied} bytes of {}", info.size);
            }
            out.sync_all().await?;
            let out = out.into_std().await;
            if let Some(t) = time_of(info) {
                let _ = out.set_modified(t);
            }
            drop(out);
            tokio::fs::rename(&part, local).await?;
            Ok(())
        }
        .await;
        if fetched.is_err() {
            let _ = tokio::fs::remove_file(&part).await;
        } else {
            tracing::info!(target: "loft::cluster", file = %crate::base::text::logged(local), bytes = info.size, "shared file fetched from the cluster");
        }
        fetched
    }

    fn ready(&self) -> Result<&object_store::ObjectStore, String> {
        if self.client.connection_state() != State::Connected {
            return Err("no connection to NATS".into());
        }
        self.store.get().ok_or_else(|| "the shared files' bucket is not reachable yet".into())
    }

    async fn put_file(&self, room: &Path, id: &str, part: &Path, quota: u64) -> Result<(), FileError> {
        let unavailable = |why: String| FileError::Unavailable { why, maybe: false };
        let store = self.ready().map_err(unavailable)?;
        let prefix = self.prefix_of(room).ok_or_else(|| unavailable("the room is outside the relay's root".into()))?;
        let name = format!("{prefix}{id}");
        let (digest, size) = digest_of(part).await?;
        match tokio::time::timeout(self.timeout, store.info(&name)).await {
            Ok(Ok(info)) if !info.deleted => {
                return match info.digest.as_deref() == Some(digest.as_str()) {
                    true => Ok(()),
                    false => Err(FileError::Exists),
                };
            }
            Ok(Ok(_)) => {}
            Ok(Err(e)) if e.kind() == object_store::InfoErrorKind::NotFound => {}
            Ok(Err(e)) => return Err(unavailable(e.to_string())),
            Err(_) => return Err(unavailable(format!("no answer from NATS in {:?}", self.timeout))),
        }
        if quota > 0 {
            let held: u64 = self
                .index
                .lock()
                .unpoisoned()
                .iter()
                .filter(|(n, _)| n.starts_with(&prefix))
                .map(|(_, (s, _))| *s)
                .sum();
            if held + size > quota {
                return Err(FileError::QuotaFull { limit: quota });
            }
        }
        let mut f = tokio::fs::File::open(part).await?;
        let within = self.timeout + Duration::from_secs(size >> 20);
        match tokio::time::timeout(within, store.put(name.as_str(), &mut f)).await {
            Ok(Ok(_)) => {
                self.index.lock().unpoisoned().insert(name, (size, Some(SystemTime::now())));
                Ok(())
            }
            // Chunks may have been stored: the same upload again is accepted.
            Ok(Err(e)) => Err(FileError::Unavailable { why: e.to_string(), maybe: true }),
            Err(_) => Err(FileError::Unavailable { why: format!("no answer from NATS in {within:?}"), maybe: true }),
        }
    }

    async fn delete_file(&self, room: &Path, id: &str) -> Result<bool, FileError> {
        let unavailable = |why: String| FileError::Unavailable { why, maybe: false };
        let store = self.ready().map_err(unavailable)?;
        let prefix = self.prefix_of(room).ok_or_else(|| unavailable("the room is outside the relay's root".into()))?;
        let name = format!("{prefix}{id}");
        match tokio::time::timeout(self.timeout, store.info(&name)).await {
            Ok(Ok(info)) if !info.deleted => {}
            Ok(Ok(_)) => return Ok(false),
            Ok(Err(e)) if e.kind() == object_store::InfoErrorKind::NotFound => return Ok(false),
            Ok(Err(e)) => return Err(unavailable(e.to_string())),
            Err(_) => return Err(unavailable(format!("no answer from NATS in {:?}", self.timeout))),
        }
        match tokio::time::timeout(self.timeout, store.delete(&name)).await {
            Ok(Ok(())) => {
                self.index.lock().unpoisoned().remove(&name);
                Ok(true)
            }
            Ok(Err(e)) => Err(unavailable(e.to_string())),
            Err(_) => Err(unavailable(format!("no answer from NATS in {:?}", self.timeout))),
        }
    }
}

impl Files {
    /// Removes from the bucket the files of the room at `room` that went with its history
    /// pruned up to `lost` (the rule each relay's pruning applies to its copies, with the
    /// bucket's time of each file): so they neither come back to a relay that fetches
    /// the bucket again nor count in the room's files quota. Returns how many went.
    pub(crate) async fn prune(&self, room: &Path, lost: SystemTime) -> anyhow::Result<usize> {
        let store = self.store().await?;
        let Some(prefix) = self.prefix_of(room) else { return Ok(0) };
        let gone = announced_before(&self.index.lock().unpoisoned(), &prefix, lost);
        for name in &gone {
            tokio::time::timeout(self.timeout, store.delete(name)).await??;
            self.index.lock().unpoisoned().remove(name);
            tracing::info!(target: "loft::cluster", object = %name, "shared file pruned from the cluster with the room's history");
        }
        Ok(gone.len())
    }
}

/// The objects of `index` below `prefix` announced in history pruned up to `lost`.
fn announced_before(index: &HashMap<String, (u64, Option<SystemTime>)>, prefix: &str, lost: SystemTime) -> Vec<String> {
    let mut out: Vec<String> = index
        .iter()
        .filter(|(n, (_, t))| n.starts_with(prefix) && t.is_some_and(|t| crate::room::files::announced_before(t, lost)))
        .map(|(n, _)| n.clone())
        .collect();
    out.sort();
    out
}

/// The bucket's time of an object (whole seconds), as every relay's copy carries it.
fn time_of(info: &object_store::ObjectInfo) -> Option<SystemTime> {
    let t = info.modified?;
    Some(std::time::UNIX_EPOCH + Duration::from_secs(t.unix_timestamp().max(0) as u64))
}

/// The object store's digest of a file (`SHA-256=` and URL-safe base64), and its size.
async fn digest_of(path: &Path) -> Result<(String, u64), FileError> {
    let mut f = tokio::fs::File::open(path).await?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut size = 0u64;
    loop {
        let n = f.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        size += n as u64;
    }
    Ok((format!("SHA-256={}", base64::engine::general_purpose::URL_SAFE.encode(h.finalize())), size))
}

impl FileReplicator for Files {
    fn available(&self) -> Result<(), String> {
        self.ready().map(|_| ())
    }

    fn put<'a>(
        &'a self,
        room: &'a Path,
        id: &'a str,
        part: &'a Path,
        quota: u64,
    ) -> futures::future::BoxFuture<'a, Result<(), FileError>> {
        Box::pin(self.put_file(room, id, part, quota))
    }

    fn delete<'a>(&'a self, room: &'a Path, id: &'a str) -> futures::future::BoxFuture<'a, Result<bool, FileError>> {
        Box::pin(self.delete_file(room, id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn names_round_trip_and_refuse_what_leaves_root() {
        let client =
            async_nats::ConnectOptions::new().retry_on_initial_connect().connect("nats://127.0.0.1:1").await.unwrap();
        let js = jetstream::new(client.clone());
        let f = Files::new(client, js, PathBuf::from("/srv/root"), "loft", 1, Duration::from_secs(1));
        let id = "0123456789abcdef0123456789abcdef";
        let name = format!("{}{id}", f.prefix_of(Path::new("/srv/root/family/lobby.txt")).unwrap());
        assert!(name.bytes().all(|b| b.is_ascii_hexdigit() || b == b'/'), "{name}");
        assert_eq!(f.parse_name(&name), Some((PathBuf::from("/srv/root/family/lobby.txt"), id.to_string())));
        assert!(f.parse_name(&format!("{}/{id}", hex(b"../x.txt"))).is_none());
        assert!(f.parse_name(&format!("{}/not-an-id", hex(b"x.txt"))).is_none());
        // Nothing is refused as a duplicate or stored without NATS.
        assert!(f.available().unwrap_err().contains("no connection to NATS"));
    }

    #[test]
    fn files_go_with_the_history_they_were_announced_in_and_only_theirs() {
        let t = |h: u64| Some(std::time::UNIX_EPOCH + Duration::from_secs(1_000_000 + h * 3600));
        let index = HashMap::from([
            ("6c/old".to_string(), (1, t(0))),
            ("6c/recent".to_string(), (1, t(9))),
            ("6c/untimed".to_string(), (1, None)),
            ("6d/other-room".to_string(), (1, t(0))),
        ]);
        // Pruned up to hour 10: a file of hour 0 goes, one of hour 9 (within the hour's
        // margin) stays, as does one of another room.
        assert_eq!(announced_before(&index, "6c/", t(10).unwrap()), vec!["6c/old".to_string()]);
        assert!(announced_before(&index, "6c/", t(1).unwrap()).is_empty());
    }

    #[tokio::test]
    async fn the_digest_is_the_object_stores() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, b"hello\n").unwrap();
        let (d, n) = digest_of(&p).await.unwrap();
        assert_eq!(n, 6);
        // sha256("hello\n"), URL-safe base64 with padding, as async-nats writes it.
        assert_eq!(d, "SHA-256=WJG1tSLV3whtD_CxEPvZ0hu0_HFjrzTQgoai6Eb2vgM=");
    }
}
