//! Upload limits: `limits.max_upload_bytes` and a user's `quota_bytes`, and where an
//! upload waits until it is whole.

use crate::base::files::Depth;
use crate::base::space::{self, Ledger, Limit as SpaceLimit, Reserve};
use crate::base::text::human_size;
use crate::config::Config;
use crate::relay::user::LoftUser;
use std::fmt::Debug;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

/// Which limit cut an upload short.
#[derive(Debug, Clone, Copy)]
pub(super) enum Limit {
    Upload,
    Quota,
}

impl Limit {
    pub(super) fn text(self, n: u64) -> String {
        match self {
            Limit::Upload => format!("uploads may be at most {n} bytes (limits.max_upload_bytes); nothing was kept"),
            Limit::Quota => format!("this account's files may take at most {n} bytes (quota_bytes); nothing was kept"),
        }
    }
}

/// Where a new upload is written until it is complete: a hidden name beside it.
pub(super) fn part_path(path: &Path) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    path.with_file_name(format!(".{name}.loft-part"))
}

/// Fills in the sizes the config leaves to the disk (`limits.quota_bytes`: a quarter of
/// the file system holding the root; `limits.disk_reserve`: 5% of it, between 16 MiB and
/// 1 GiB) and says what they are. Called at start and on every reload.
pub(crate) fn size_from_disk(cfg: &mut Config) {
    let Some((total, free)) = space::disk(&cfg.root) else {
        tracing::warn!(root = %cfg.root.display(), "cannot tell the size of the disk: limits.quota_bytes and disk_reserve stay off unless set");
        return;
    };
    let limits = &mut cfg.limits;
    let (quota_set, reserve_set) = (limits.quota_bytes.is_some(), limits.disk_reserve.is_some());
    let quota = *limits.quota_bytes.get_or_insert(total / 4);
    let reserve = *limits.disk_reserve.get_or_insert((total / 20).clamp(16 << 20, 1 << 30));
    let how = |set: bool| if set { "set" } else { "from the disk" };
    tracing::info!(
        "disk {} ({} free): each home may hold {} of files (limits.quota_bytes, {}); {} kept free for chat (limits.disk_reserve, {})",
        human_size(total),
        human_size(free),
        if quota == 0 { "any amount".to_string() } else { human_size(quota) },
        how(quota_set),
        human_size(reserve),
        how(reserve_set)
    );
}

/// The claim of an upload into `user`'s home: their quota (measured now, unless uploads
/// into the home are running: the ledger knows it then) and the disk reserve. `credit`:
/// bytes of an existing file that the upload replaces.
pub(crate) async fn hold(ledger: &Arc<Ledger>, reserve: u64, user: &LoftUser, credit: u64) -> space::Hold {
    let limits = home_limit(ledger, user).await.into_iter().collect();
    ledger.begin(limits, reserve_in(&user.home, reserve), credit)
}

/// The claim of a shared file for the room at `room` (a real path) by `user`: their
/// home's quota, the room's `chat.files_quota_bytes`, and the disk reserve.
pub(crate) async fn file_hold(
    ledger: &Arc<Ledger>,
    reserve: u64,
    user: &LoftUser,
    room: &Path,
    files_quota: u64,
) -> space::Hold {
    let dir = crate::ftpchat::file::files_dir(room);
    let files = measure(ledger, &dir, files_quota, "files_quota_bytes", Depth::Flat).await;
    // A person's own account: what they shared counts against their quota, whoever else
    // shares the home, and the home as a whole against `limits.quota_bytes`; an account a
    // group may share counts the whole home against its quota.
    let limits = if user.personal {
        let home = measure(ledger, &user.home, user.home_quota_bytes, "quota_bytes", Depth::Tree).await;
        person_limit(ledger, user).await.into_iter().chain(home).chain(files).collect()
    } else {
        home_limit(ledger, user).await.into_iter().chain(files).collect()
    };
    ledger.begin(limits, reserve_in(room.parent().unwrap_or(&user.home), reserve), 0)
}

/// Records who shared a file, for a personal account's quota (see [`file_hold`]).
pub(crate) fn note_sharer(user: &LoftUser, room: &Path, id: &str) {
    if user.personal {
        if let Err(e) = crate::room::files::note_uploader(room, id, &user.name) {
            tracing::warn!(user = %user.name, room = %crate::base::text::logged(room), "cannot record who shared a file (their quota will not count it): {e}");
        }
    }
}

fn reserve_in(folder: &Path, bytes: u64) -> Option<Reserve> {
    (bytes > 0).then(|| Reserve { folder: folder.to_path_buf(), bytes })
}

/// The limit of what a personal account shared (its `quota_bytes`), measured from the
/// rooms' records of who shared what; its ledger key is a name in the home, never a folder.
async fn person_limit(ledger: &Ledger, user: &LoftUser) -> Option<SpaceLimit> {
    if user.quota_bytes == 0 {
        return None;
    }
    let key = user.home.join(format!(".loft-person-{}", user.name));
    let measured_at = Instant::now();
    let measured = if ledger.running(&key) {
        None
    } else {
        let (home, name) = (user.home.clone(), user.name.clone());
        Some(tokio::task::spawn_blocking(move || crate::room::files::shared_by(&home, &name)).await.unwrap_or(u64::MAX))
    };
    if measured == Some(u64::MAX) {
        tracing::warn!(user = %user.name, "over 100,000 files in the home: this person's quota_bytes is not enforced for this upload");
        return None;
    }
    Some(SpaceLimit { folder: key, max: user.quota_bytes, key: "quota_bytes", measured, measured_at })
}

async fn home_limit(ledger: &Ledger, user: &LoftUser) -> Option<SpaceLimit> {
    measure(ledger, &user.home, user.quota_bytes, "quota_bytes", Depth::Tree).await
}

/// `folder`'s limit (none when `max` is 0) with what it holds now. The folder is walked
/// only when no upload into it is running (the ledger has the count then). A folder too
/// big to walk (over 100,000 entries) has no limit for this upload, and the log says so:
/// refusing every upload would be worse, and the disk reserve still holds.
async fn measure(ledger: &Ledger, folder: &Path, max: u64, key: &'static str, depth: Depth) -> Option<SpaceLimit> {
    if max == 0 {
        return None;
    }
    let measured_at = Instant::now();
    let measured = if ledger.running(folder) {
        None
    } else {
        let dir = folder.to_path_buf();
        Some(tokio::task::spawn_blocking(move || crate::base::files::usage(&dir, depth)).await.unwrap_or(u64::MAX))
    };
    if measured == Some(u64::MAX) {
        tracing::warn!(folder = %folder.display(), "over 100,000 files: {key} cannot be measured and is not enforced for this upload");
        return None;
    }
    Some(SpaceLimit { folder: folder.to_path_buf(), max, key, measured, measured_at })
}

/// The FTP reply for a refusal of the ledger: `452` for the disk reserve (space), `552`
/// for a quota (the account's allocation).
pub(crate) fn short_kind(short: &space::Short) -> unftp_core::storage::ErrorKind {
    use unftp_core::storage::ErrorKind;
    match short {
        space::Short::Disk { .. } => ErrorKind::InsufficientStorageSpaceError,
        space::Short::Limit { .. } => ErrorKind::ExceededStorageAllocationError,
    }
}

/// The refusal of an upload that a limit or the reserve stopped.
pub(crate) fn short_text(short: &space::Short) -> String {
    match short {
        space::Short::Limit { key: "quota_bytes", max } => Limit::Quota.text(*max),
        space::Short::Limit { key, max } => format!("over {key} ({}); nothing was kept", human_size(*max)),
        space::Short::Disk { reserve } => Reserve::refusal(*reserve),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 19.7: unset, the quota and the reserve come from the disk; set, they stay.
    #[test]
    fn unset_sizes_come_from_the_disk() {
        let dir = tempfile::tempdir().unwrap();
        let (total, _) = space::disk(dir.path()).unwrap();
        let text = format!("root = {:?}\n", dir.path().display().to_string());
        let mut cfg = Config::parse(&text, &dir.path().join("loft.toml")).unwrap();
        size_from_disk(&mut cfg);
        assert_eq!(cfg.limits.quota_bytes, Some(total / 4));
        let reserve = cfg.limits.disk_reserve.unwrap();
        assert!(
            (16 << 20..=1 << 30).contains(&reserve)
                && (reserve == total / 20 || total / 20 < 16 << 20 || total / 20 > 1 << 30)
        );
        cfg.limits.quota_bytes = Some(0);
        cfg.limits.disk_reserve = Some(5);
        size_from_disk(&mut cfg);
        assert_eq!((cfg.limits.quota_bytes, cfg.limits.disk_reserve), (Some(0), Some(5)));
    }
}
