//! A relay that joins a cluster with rooms of its own is refused at start.
//!
//! The rooms of a cluster are what its stream holds: a room that exists only in one
//! relay's root (made before that relay joined, or copied in by hand) would be served by
//! that relay alone and diverge from the other replicas, silently. So at start every room
//! in the root that was not applied from the stream (it has no `applied` record in its
//! state folder: see [`crate::room::replica`]) must be one the stream knows (a relay
//! stopped between writing a message and recording it); otherwise the relay does not
//! start, and says which room and what to do. An empty root, and a restart (every room
//! recorded), start at once, without asking NATS.

use super::hex;
use crate::base::glob::GlobSet;
use async_nats::connection::State;
use async_nats::jetstream::{self, context::GetStreamErrorKind, stream::LastRawMessageErrorKind};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Folders looked through below root, and entries at most (a root is rooms, not a disk).
const MAX_DEPTH: usize = 16;
const MAX_ENTRIES: usize = 200_000;

/// The room matcher of `chat.rooms`, in lower case (a pattern that does not parse
/// matches nothing: the config checked them).
pub(super) fn patterns(globs: &[String]) -> GlobSet {
    let lower: Vec<String> = globs.iter().map(|g| g.to_lowercase()).collect();
    let good: Vec<&String> = lower.iter().filter(|g| crate::base::glob::Glob::new(g).is_ok()).collect();
    GlobSet::new(&good).unwrap_or_default()
}

/// The rooms below `root` (by `patterns`, matched on the lower-case path below root or
/// the name alone: rooms are named from users' homes, which may be below root)
/// without an `applied` record: their paths below root, sorted.
pub(super) fn unrecorded_rooms(root: &Path, patterns: &GlobSet) -> Vec<PathBuf> {
    rooms(root, patterns).into_iter().filter(|(_, recorded)| !recorded).map(|(p, _)| p).collect()
}

/// The rooms below `root` (as [`unrecorded_rooms`]), sorted, each with whether it has an
/// `applied` record (it was applied from the stream).
pub(super) fn rooms(root: &Path, patterns: &GlobSet) -> Vec<(PathBuf, bool)> {
    let mut out = Vec::new();
    let mut todo = vec![(PathBuf::new(), 0)];
    let mut seen = 0;
    while let Some((rel, depth)) = todo.pop() {
        let Ok(rd) = std::fs::read_dir(root.join(&rel)) else { continue };
        for e in rd.flatten() {
            seen += 1;
            if seen > MAX_ENTRIES {
                break;
            }
            let name = e.file_name();
            let Some(n) = name.to_str() else { continue };
            // State folders, files folders, the cluster's own record: not rooms.
            if n.starts_with('.') {
                continue;
            }
            let Ok(ft) = e.file_type() else { continue };
            let path = rel.join(n);
            if ft.is_dir() && depth < MAX_DEPTH {
                todo.push((path, depth + 1));
            } else if ft.is_file()
                && (patterns.is_match(path.to_string_lossy().to_lowercase()) || patterns.is_match(n.to_lowercase()))
            {
                let room = root.join(&path);
                let recorded = crate::room::rotate::state_dir(&room).join("applied").is_file();
                out.push((path, recorded));
            }
        }
    }
    out.sort();
    out
}

/// Refuses (an error naming the first room and what to do) when `own` holds rooms that
/// the group `name`'s stream does not know, nor its checkpoints' bucket (the stream may
/// have dropped a room's messages since its checkpoint). Waits up to `within` for NATS
/// when there is something to check.
pub(super) async fn check(
    client: &async_nats::Client,
    js: &jetstream::Context,
    name: &str,
    root: &Path,
    own: Vec<PathBuf>,
    within: Duration,
) -> anyhow::Result<()> {
    if own.is_empty() {
        return Ok(());
    }
    let (stream, prefix) = super::stream_names(name);
    let (stream, prefix, history) = (stream.as_str(), prefix.as_str(), super::history::bucket(name));
    let deadline = tokio::time::Instant::now() + within;
    while client.connection_state() != State::Connected {
        if tokio::time::Instant::now() >= deadline {
            anyhow::bail!(
                "this relay's root {} holds rooms that were not applied from the cluster's stream ({}, …) and NATS cannot be reached to check them: start it when NATS is up",
                root.display(),
                own[0].display()
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let s = match js.get_stream(stream).await {
        Ok(s) => Some(s),
        Err(e) if matches!(e.kind(), GetStreamErrorKind::JetStream(j) if j.error_code() == jetstream::ErrorCode::STREAM_NOT_FOUND) => {
            None
        }
        Err(e) => anyhow::bail!("cannot check this relay's rooms against the stream {stream}: {e}"),
    };
    let checkpoints = js.get_object_store(&history).await.ok();
    let mut unknown = Vec::new();
    for rel in &own {
        let Some(text) = rel.to_str() else { continue };
        let known = match &s {
            None => false,
            Some(s) => match s.get_last_raw_message_by_subject(&format!("{prefix}.{}", hex(text.as_bytes()))).await {
                Ok(_) => true,
                Err(e) if e.kind() == LastRawMessageErrorKind::NoMessageFound => false,
                Err(e) => anyhow::bail!("cannot check the room {text} against the stream {stream}: {e}"),
            },
        };
        let known = known
            || match &checkpoints {
                None => false,
                Some(b) => b.info(format!("{}/checkpoint", hex(text.as_bytes()))).await.is_ok_and(|i| !i.deleted),
            };
        if !known {
            unknown.push(text.to_string());
        }
    }
    if let Some(first) = unknown.first() {
        let more = match unknown.len() {
            1 => String::new(),
            n => format!(
                " (and {} more: {})",
                n - 1,
                unknown[1..].iter().take(5).cloned().collect::<Vec<_>>().join(", ")
            ),
        };
        anyhow::bail!(
            "this relay has rooms of its own that the cluster does not know: {first}{more} in {}. A relay joins a cluster with an empty root (it then gets every room from the cluster), or with a copy of another relay's root of this cluster (state folders included); move these rooms out of the root and start again (their messages are not imported into the cluster)",
            root.display()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_rooms_not_applied_from_the_stream_are_listed() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path();
        std::fs::create_dir_all(root.join("family")).unwrap();
        std::fs::write(root.join("family/lobby.txt"), "x\n").unwrap();
        std::fs::write(root.join("applied.txt"), "x\n").unwrap();
        std::fs::create_dir_all(root.join(".applied.txt.loft")).unwrap();
        std::fs::write(root.join(".applied.txt.loft/applied"), "3 2\n").unwrap();
        std::fs::write(root.join("notes.pdf"), "x").unwrap();
        std::fs::create_dir_all(root.join(".lobby.txt.files")).unwrap();
        std::fs::write(root.join(".lobby.txt.files/a.txt"), "x").unwrap();
        let patterns = GlobSet::new(&["*.txt", "**/*.txt"]).unwrap();
        assert_eq!(unrecorded_rooms(root, &patterns), vec![PathBuf::from("family/lobby.txt")]);
        let empty = tempfile::tempdir().unwrap();
        assert!(unrecorded_rooms(empty.path(), &patterns).is_empty());
    }
}
