//! Upload limits: `limits.max_upload_bytes` and a user's `quota_bytes`, and where an
//! upload waits until it is whole.

use crate::relay::user::LoftUser;
use crate::room::files::{self};
use std::fmt::Debug;
use std::path::{Path, PathBuf};

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

/// What `user` may still store under their `quota_bytes`, if they have one.
pub(crate) async fn user_free(user: &LoftUser) -> files::UserRoom {
    if user.quota_bytes == 0 {
        return None;
    }
    let home = user.home.clone();
    let used = tokio::task::spawn_blocking(move || crate::base::files::usage(&home, crate::base::files::Depth::Tree))
        .await
        .unwrap_or(u64::MAX);
    Some((user.quota_bytes.saturating_sub(used), user.quota_bytes))
}
