//! Who a session is, as the storage backend sees it: a home, and what they may do.
//!
//! libunftp asks a `UserDetailProvider` for this after a login succeeds; the answer comes
//! from the user table at that moment, so a reload applies to the next login.

use crate::base::sync::Unpoison;
use crate::config::Config;
use async_trait::async_trait;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use unftp_core::auth::{Principal, UserDetail, UserDetailError, UserDetailProvider};

/// A logged-in user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LoftUser {
    pub(crate) name: String,
    /// Absolute home folder; the session cannot leave it.
    pub(crate) home: PathBuf,
    pub(crate) read_only: bool,
    /// May delete, rename or overwrite rooms.
    pub(crate) allow_delete: bool,
    /// What the home may hold in all for uploaded files, in bytes; 0: no limit.
    pub(crate) quota_bytes: u64,
    /// One person's own account: limits count for the user wherever they connect from,
    /// and `quota_bytes` for what they shared; the home as a whole still holds at most
    /// `home_quota_bytes` (`limits.quota_bytes`; 0: no limit).
    pub(crate) personal: bool,
    pub(crate) home_quota_bytes: u64,
    /// May make invite links from the page.
    pub(crate) may_invite: bool,
    /// `home` with its symbolic links resolved, once, at the login ([`lookup`]): every
    /// room command checks that a path stays inside it, and resolving it again each time
    /// took a `readlink` per component.
    pub(crate) resolved_home: Option<PathBuf>,
}

impl LoftUser {
    /// The home's real path: the one resolved at the login, or resolved now.
    pub(crate) fn real_home(&self) -> std::io::Result<std::borrow::Cow<'_, Path>> {
        match &self.resolved_home {
            Some(h) => Ok(std::borrow::Cow::Borrowed(h)),
            None => self.home.canonicalize().map(std::borrow::Cow::Owned),
        }
    }
}

impl fmt::Display for LoftUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

impl UserDetail for LoftUser {
    fn home(&self) -> Option<&Path> {
        Some(&self.home)
    }
}

/// Turns a login into a [`LoftUser`] from the current config.
#[derive(Debug)]
pub(crate) struct Provider {
    /// The config of the session's snapshot.
    pub(crate) config: Arc<Config>,
    /// The homes made and resolved under that config.
    pub(crate) homes: Arc<Homes>,
}

/// The homes made and resolved at logins under one config snapshot: configured path →
/// real path. The next login to a home checks with one `stat` that its real folder is
/// still there, instead of a `mkdir` and a `readlink` per component of its path (four
/// to six system calls on every FTPChat session, each a login; issue 25). A home removed
/// meanwhile is made again; a symbolic link on the way to a home that is changed while the
/// relay runs is followed from the next reload (a new snapshot starts empty). As many
/// entries as the config has homes (a few: a list, which is less code than a map on a
/// router).
#[derive(Debug, Default)]
pub(crate) struct Homes(std::sync::Mutex<Vec<(PathBuf, PathBuf)>>);

impl Homes {
    /// `home`'s real path, as resolved at an earlier login, if that folder is still there.
    fn known(&self, home: &Path) -> Option<PathBuf> {
        let real = self.0.lock().unpoisoned().iter().find(|(h, _)| h == home).map(|(_, r)| r.clone())?;
        if std::fs::metadata(&real).is_ok_and(|m| m.is_dir()) {
            return Some(real);
        }
        self.0.lock().unpoisoned().retain(|(h, _)| h != home);
        None
    }

    fn remember(&self, home: &Path, real: &Path) {
        let mut homes = self.0.lock().unpoisoned();
        homes.retain(|(h, _)| h != home);
        homes.push((home.to_path_buf(), real.to_path_buf()));
    }
}

#[async_trait]
impl UserDetailProvider for Provider {
    type User = LoftUser;

    async fn provide_user_detail(&self, principal: &Principal) -> Result<LoftUser, UserDetailError> {
        lookup(&self.config, &self.homes, &principal.username).map_err(|e| UserDetailError::new(e.to_string()))
    }
}

/// Why a user who logged in cannot be served.
#[derive(Debug)]
pub(crate) enum LookupError {
    /// The user was removed from the config (a reload) after the login.
    Gone(String),
    /// The home folder cannot be created.
    Home(std::io::Error),
}

impl std::fmt::Display for LookupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LookupError::Gone(name) => write!(f, "user {name} is no longer configured"),
            LookupError::Home(e) => write!(f, "home folder unavailable: {e}"),
        }
    }
}

impl std::error::Error for LookupError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            LookupError::Home(e) => Some(e),
            LookupError::Gone(_) => None,
        }
    }
}

/// The [`LoftUser`] a successful login of `name` runs as, under `cfg`; creates the home
/// folder if it is missing (`homes`: the ones this snapshot made and resolved already).
/// FTP sessions and web sessions both get theirs here.
pub(crate) fn lookup(cfg: &Config, homes: &Homes, name: &str) -> Result<LoftUser, LookupError> {
    let mut user = rights(cfg, name)?;
    if let Some(real) = homes.known(&user.home) {
        user.resolved_home = Some(real);
        return Ok(user);
    }
    if let Err(e) = std::fs::create_dir_all(&user.home) {
        tracing::error!(user = %user.name, home = %user.home.display(), "cannot create the home folder: {e}");
        return Err(LookupError::Home(e));
    }
    user.resolved_home = user.home.canonicalize().ok();
    if let Some(real) = &user.resolved_home {
        homes.remember(&user.home, real);
    }
    Ok(user)
}

/// What `name` may do under `cfg` (home, read-only, deletes, quota), without touching the
/// disk: for a web session, whose home was made at its login, on every request.
pub(crate) fn rights(cfg: &Config, name: &str) -> Result<LoftUser, LookupError> {
    if name == "anonymous" {
        return Ok(LoftUser {
            name: "anonymous".into(),
            home: cfg.root.clone(),
            read_only: true,
            allow_delete: false,
            quota_bytes: 0,
            personal: false,
            home_quota_bytes: 0,
            may_invite: false,
            resolved_home: None,
        });
    }
    let entry = cfg.users.iter().find(|u| u.name == name).ok_or_else(|| LookupError::Gone(name.to_string()))?;
    Ok(LoftUser {
        name: entry.name.clone(),
        home: cfg.home_of(entry),
        read_only: entry.read_only,
        allow_delete: entry.allow_delete.unwrap_or(cfg.chat.allow_delete),
        quota_bytes: entry.quota_bytes.or(cfg.limits.quota_bytes).unwrap_or(0),
        personal: entry.personal,
        home_quota_bytes: cfg.limits.quota_bytes.unwrap_or(0),
        may_invite: entry.may_invite.unwrap_or(!entry.read_only),
        resolved_home: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A home is made and resolved at its first login, found with one `stat` at the next,
    /// and made again when it was removed meanwhile.
    #[test]
    fn a_home_is_resolved_once_and_made_again_when_removed() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("real")).unwrap();
        std::os::unix::fs::symlink(dir.path().join("real"), dir.path().join("link")).unwrap();
        let root = dir.path().join("link").join("root");
        let text = format!("root = {:?}\n", root.display().to_string());
        let cfg = Config::parse(&text, &dir.path().join("loft.toml")).unwrap();
        let homes = Homes::default();
        let real = dir.path().canonicalize().unwrap().join("real").join("root");
        let u = lookup(&cfg, &homes, "anonymous").unwrap();
        assert!(real.is_dir());
        assert_eq!(u.resolved_home.as_deref(), Some(real.as_path()));
        assert_eq!(homes.known(&root), Some(real.clone()));
        std::fs::remove_dir(&real).unwrap();
        assert_eq!(homes.known(&root), None, "a removed home is forgotten");
        let u = lookup(&cfg, &homes, "anonymous").unwrap();
        assert!(real.is_dir(), "and made again at the next login");
        assert_eq!(u.resolved_home.as_deref(), Some(real.as_path()));
    }
}
