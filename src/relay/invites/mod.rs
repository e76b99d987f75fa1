//! Invites: a link (and its QR code) that lets one person make their own account.
//!
//! FTPChat groups share one FTP account, so nobody can be told apart or removed. An invite
//! makes joining one scan and gives each person a user of their own, with the rights and
//! home the inviter chose. The link is `https://HOST:PORT/#invite=TOKEN…`: the token is in
//! the fragment, which browsers never send, so it reaches the relay only in the body of
//! the redeem request.
//!
//! The relay keeps invites in `loft-invites.json` beside the config (0600): for each one
//! the SHA-256 of its token (never the token), who made it, when it expires, how many
//! uses it has and who used them, and the rights it grants. `loft invite` (another
//! process) and the relay both change the file, each under an exclusive `flock` of
//! `loft-invites.lock` and with an atomic replace: a redeem racing another for the last
//! use makes exactly one user, and a crash leaves the old file or the new one.
//!
//! Redeeming adds a `[[users]]` entry to the config the way `loft user add` does (checked
//! whole, comments kept, atomic write), marked `personal = true` and `invited_by`; the
//! relay then reloads its users at once. If the config cannot be written, the use is not
//! spent; if the invite file cannot be written after the user was added, the user is
//! taken out again: nothing is left half made.

pub mod cli;

use crate::base::files::write_atomic;
#[cfg(feature = "web")]
use crate::config::users::{add_user, check_name, edit_users, remove_user};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// Random bytes in a token: 128 bits, as the issue asks, written in 22 base64url digits.
const TOKEN_BYTES: usize = 16;
/// The shortest password a redeem accepts.
#[cfg(feature = "web")]
pub(crate) const MIN_PASSWORD: usize = 8;
/// Invites that can no longer be used are kept this long for `loft invite list`.
const KEEP_ENDED_SECS: u64 = 30 * 86400;
/// The most open invites the file holds, and the most one inviter may have open or make
/// in an hour; ended invites are dropped, oldest first, past `MAX_KEPT`.
const MAX_INVITES: usize = 1000;
const MAX_PER_INVITER: usize = 50;
const MAX_KEPT: usize = 2000;

/// One invite, as the file holds it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct Invite {
    /// A short public name, for `loft invite list` and `revoke` (not the token).
    pub(crate) id: String,
    /// Hex SHA-256 of the token.
    hash: String,
    /// Who made it: the user in the page, or `--by` of `loft invite`.
    pub(crate) by: String,
    /// Unix seconds.
    pub(crate) created: u64,
    pub(crate) expires: u64,
    /// How many accounts it may make.
    pub(crate) uses: u32,
    /// The users it made, in order.
    pub(crate) used_by: Vec<String>,
    /// The new users' home, relative to the root (`None`: the root).
    pub(crate) home: Option<String>,
    /// The room the link opens (a hint for the page; the user may open any room of the home).
    pub(crate) room: Option<String>,
    pub(crate) read_only: bool,
    pub(crate) revoked: bool,
}

impl Invite {
    /// Whether it can still make an account at `now`.
    pub(crate) fn open(&self, now: u64) -> bool {
        !self.revoked && now < self.expires && (self.used_by.len() as u32) < self.uses
    }

    /// `open`, or why not, for `loft invite list`.
    pub(crate) fn state(&self, now: u64) -> &'static str {
        if self.revoked {
            "revoked"
        } else if (self.used_by.len() as u32) >= self.uses {
            "used up"
        } else if now >= self.expires {
            "expired"
        } else {
            "open"
        }
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct InviteFile {
    invites: Vec<Invite>,
}

/// What a new invite grants.
#[derive(Debug, Clone)]
pub(crate) struct Grant {
    pub(crate) by: String,
    pub(crate) home: Option<String>,
    pub(crate) room: Option<String>,
    pub(crate) read_only: bool,
    pub(crate) uses: u32,
    pub(crate) lifetime: std::time::Duration,
}

/// Why an invite call failed.
#[derive(Debug)]
#[cfg_attr(not(feature = "web"), allow(dead_code))]
pub(crate) enum InviteError {
    /// Unknown, used up, expired or revoked: one answer for all (a guesser learns nothing).
    Gone,
    /// The name is taken.
    Taken(String),
    /// A name or password the relay does not accept.
    Unacceptable(String),
    /// `revoke` of an id that is not there.
    NoSuchId(String),
    /// The files could not be read or written; nothing changed.
    Store(String),
}

impl std::fmt::Display for InviteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InviteError::Gone => f.write_str(
                "this invite cannot be used: it was used up, it expired or was withdrawn, or the link is incomplete; ask for a new one",
            ),
            InviteError::Taken(n) => write!(f, "the name {n:?} is taken on this relay; choose another"),
            InviteError::Unacceptable(why) => f.write_str(why),
            InviteError::NoSuchId(id) => write!(f, "no invite {id:?}; `loft invite list` shows them"),
            InviteError::Store(why) => write!(f, "{why}; nothing was changed"),
        }
    }
}

impl std::error::Error for InviteError {}

/// Now, in Unix seconds.
pub(crate) fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

fn hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(feature = "web")]
/// A name and password a redeem accepts: `loft user add`'s rules for the name (and
/// `anonymous` is never one), at least [`MIN_PASSWORD`] characters of password.
pub(crate) fn check_new_user(name: &str, password: &str) -> Result<(), InviteError> {
    check_name(name).map_err(InviteError::Unacceptable)?;
    if matches!(name, "anonymous" | "ftp") {
        return Err(InviteError::Taken(name.into()));
    }
    if password.chars().count() < MIN_PASSWORD {
        return Err(InviteError::Unacceptable(format!("a password has at least {MIN_PASSWORD} characters")));
    }
    Ok(())
}

/// The invites of one relay: the file beside its config.
#[derive(Debug, Clone)]
pub(crate) struct Invites {
    path: PathBuf,
    lock: PathBuf,
}

impl Invites {
    /// The invites of the relay with `cfg`: beside its `users_file` if it has one (the
    /// place the relay may write), else beside the config file.
    pub(crate) fn of(cfg: &crate::config::Config, config: &Path) -> Invites {
        Invites::beside(cfg.users_file.as_deref().unwrap_or(config))
    }

    /// The invites kept beside `file`.
    pub(crate) fn beside(config: &Path) -> Invites {
        let dir = config.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        Invites { path: dir.join("loft-invites.json"), lock: dir.join("loft-invites.lock") }
    }

    fn locked(&self) -> Result<std::fs::File, InviteError> {
        crate::base::files::lock_exclusive(&self.lock)
            .map_err(|e| InviteError::Store(format!("cannot lock {}: {e}", self.lock.display())))
    }

    fn load(&self) -> Result<InviteFile, InviteError> {
        match std::fs::read(&self.path) {
            Ok(b) => serde_json::from_slice(&b).map_err(|e| {
                InviteError::Store(format!("{} is damaged ({e}); move it away to start afresh", self.path.display()))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(InviteFile::default()),
            Err(e) => Err(InviteError::Store(format!("cannot read {}: {e}", self.path.display()))),
        }
    }

    fn save(&self, file: &mut InviteFile, now: u64) -> Result<(), InviteError> {
        file.invites.retain(|i| i.open(now) || now.saturating_sub(i.expires.min(now)) < KEEP_ENDED_SECS);
        let mut ended = file.invites.iter().filter(|i| !i.open(now)).count();
        if file.invites.len() > MAX_KEPT {
            // Oldest first: the file is in the order they were made.
            let mut over = file.invites.len() - MAX_KEPT;
            file.invites.retain(|i| {
                if over > 0 && ended > 0 && !i.open(now) {
                    over -= 1;
                    ended -= 1;
                    return false;
                }
                true
            });
        }
        let text = serde_json::to_vec_pretty(file).expect("invites serialize");
        write_atomic(&self.path, &text)
            .map_err(|e| InviteError::Store(format!("cannot write {}: {e}", self.path.display())))
    }

    /// Makes an invite; returns it and its token (shown once, never stored).
    pub(crate) fn create(&self, grant: Grant) -> Result<(Invite, String), InviteError> {
        use base64::Engine;
        use rand::RngCore;
        let mut bytes = [0u8; TOKEN_BYTES];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        let mut idb = [0u8; 4];
        rand::rngs::OsRng.fill_bytes(&mut idb);
        let now = now();
        let mut invite = Invite {
            id: idb.iter().map(|b| format!("{b:02x}")).collect(),
            hash: hash(&token),
            by: grant.by,
            created: now,
            expires: now.saturating_add(grant.lifetime.as_secs()),
            uses: grant.uses,
            used_by: Vec::new(),
            home: grant.home,
            room: grant.room,
            read_only: grant.read_only,
            revoked: false,
        };
        let _lock = self.locked()?;
        let mut file = self.load()?;
        if file.invites.iter().filter(|i| i.open(now)).count() >= MAX_INVITES {
            return Err(InviteError::Unacceptable(format!(
                "this relay holds {MAX_INVITES} open invites already; revoke some (`loft invite list`)"
            )));
        }
        while file.invites.iter().any(|i| i.id == invite.id) {
            let mut idb = [0u8; 4];
            rand::rngs::OsRng.fill_bytes(&mut idb);
            invite.id = idb.iter().map(|b| format!("{b:02x}")).collect();
        }
        let recent = |i: &&Invite| i.by == invite.by && (i.open(now) || now.saturating_sub(i.created) < 3600);
        if file.invites.iter().filter(recent).count() >= MAX_PER_INVITER {
            return Err(InviteError::Unacceptable(format!(
                "{} has made {MAX_PER_INVITER} invites that are open or less than an hour old; wait, or revoke some",
                invite.by
            )));
        }
        file.invites.push(invite.clone());
        self.save(&mut file, now)?;
        Ok((invite, token))
    }

    /// Every invite the file holds (open ones and those ended in the last 30 days).
    pub(crate) fn list(&self) -> Result<Vec<Invite>, InviteError> {
        let _lock = self.locked()?;
        Ok(self.load()?.invites)
    }

    /// Withdraws an invite by its id (accounts it made stay).
    pub(crate) fn revoke(&self, id: &str) -> Result<Invite, InviteError> {
        let _lock = self.locked()?;
        let mut file = self.load()?;
        let i = file.invites.iter_mut().find(|i| i.id == id).ok_or_else(|| InviteError::NoSuchId(id.into()))?;
        i.revoked = true;
        let out = i.clone();
        self.save(&mut file, now())?;
        Ok(out)
    }

    /// The open invite a token names.
    #[cfg(feature = "web")]
    pub(crate) fn find(&self, token: &str) -> Result<Invite, InviteError> {
        let _lock = self.locked()?;
        let h = hash(token.trim());
        let now = now();
        self.load()?.invites.into_iter().find(|i| i.hash == h && i.open(now)).ok_or(InviteError::Gone)
    }

    /// Spends one use of `token` on a new user `name` with the password hash `phc`, added
    /// to the config file `config`. Returns the invite as it was before.
    #[cfg(feature = "web")]
    pub(crate) fn redeem(&self, token: &str, name: &str, phc: &str, config: &Path) -> Result<Invite, InviteError> {
        let _lock = self.locked()?;
        let mut file = self.load()?;
        let h = hash(token.trim());
        let now = now();
        let i = file.invites.iter().position(|i| i.hash == h && i.open(now)).ok_or(InviteError::Gone)?;
        let invite = file.invites[i].clone();
        let mut taken = false;
        edit_users(config, |doc| {
            let r = add_user(doc, name, phc, invite.read_only, invite.home.as_deref());
            if r.as_ref().is_err_and(|e| e.contains("exists already")) {
                taken = true;
            }
            r?;
            let users = doc["users"].as_array_of_tables_mut().expect("add_user made [[users]]");
            let t = users.iter_mut().last().expect("add_user pushed one");
            t.insert("personal", toml_edit::value(true));
            t.insert("invited_by", toml_edit::value(invite.by.as_str()));
            // No more rights than the inviter had: no deletes, and no invites of their own
            // (an admin may allow either later, by hand).
            t.insert("allow_delete", toml_edit::value(false));
            t.insert("may_invite", toml_edit::value(false));
            Ok(())
        })
        .map_err(|e| if taken { InviteError::Taken(name.into()) } else { InviteError::Store(e) })?;
        file.invites[i].used_by.push(name.to_string());
        if let Err(e) = self.save(&mut file, now) {
            if let Err(undo) = edit_users(config, |doc| remove_user(doc, name)) {
                tracing::error!(
                    user = name,
                    "invite: the user was added but the invite not spent, and taking the user out failed too: {undo}"
                );
            }
            return Err(e);
        }
        Ok(invite)
    }
}

#[cfg(all(test, feature = "web"))]
mod tests {
    use super::*;

    fn setup() -> (tempfile::TempDir, PathBuf, Invites) {
        let d = tempfile::tempdir().unwrap();
        let cfg = d.path().join("loft.toml");
        std::fs::write(&cfg, "root = \"rooms\"\n").unwrap();
        let inv = Invites::beside(&cfg);
        (d, cfg, inv)
    }

    fn grant(uses: u32) -> Grant {
        Grant {
            by: "chat".into(),
            home: Some("team".into()),
            room: Some("lobby".into()),
            read_only: false,
            uses,
            lifetime: std::time::Duration::from_secs(3600),
        }
    }

    #[test]
    fn a_token_makes_users_until_used_up_and_is_stored_only_hashed() {
        let (_d, cfg, inv) = setup();
        let (invite, token) = inv.create(grant(2)).unwrap();
        assert_eq!(token.len(), 22);
        let stored = std::fs::read_to_string(&inv.path).unwrap();
        assert!(!stored.contains(&token) && stored.contains(&invite.id));
        let phc = crate::base::password::hash_password("pw");
        inv.redeem(&token, "ann", &phc, &cfg).unwrap();
        assert!(matches!(inv.redeem(&token, "ann", &phc, &cfg), Err(InviteError::Taken(_))));
        inv.redeem(&token, "bo", &phc, &cfg).unwrap();
        assert!(matches!(inv.redeem(&token, "cy", &phc, &cfg), Err(InviteError::Gone)));
        assert!(matches!(inv.redeem("x", "cy", &phc, &cfg), Err(InviteError::Gone)));
        let c = crate::config::Config::load(&cfg).unwrap();
        let ann = c.users.iter().find(|u| u.name == "ann").unwrap();
        assert!(ann.personal && ann.invited_by.as_deref() == Some("chat") && ann.home.as_deref() == Some("team"));
        assert_eq!(inv.list().unwrap()[0].used_by, ["ann", "bo"]);
    }

    #[test]
    fn revoked_and_expired_invites_are_gone() {
        let (_d, cfg, inv) = setup();
        let phc = crate::base::password::hash_password("pw");
        let (invite, token) = inv.create(grant(5)).unwrap();
        inv.revoke(&invite.id).unwrap();
        assert!(matches!(inv.redeem(&token, "ann", &phc, &cfg), Err(InviteError::Gone)));
        assert!(matches!(inv.revoke("nope"), Err(InviteError::NoSuchId(_))));
        let (_, token) = inv.create(Grant { lifetime: std::time::Duration::ZERO, ..grant(1) }).unwrap();
        assert!(matches!(inv.find(&token), Err(InviteError::Gone)));
    }

    #[test]
    fn a_config_that_cannot_be_written_spends_nothing() {
        let (_d, cfg, inv) = setup();
        let phc = crate::base::password::hash_password("pw");
        let (_, token) = inv.create(grant(1)).unwrap();
        let broken = cfg.with_file_name("missing.toml");
        assert!(matches!(inv.redeem(&token, "ann", &phc, &broken), Err(InviteError::Store(_))));
        assert!(inv.find(&token).is_ok(), "the use was not spent");
    }

    /// The user is added, then the invite file cannot be written: the user goes again.
    #[test]
    fn an_invite_file_that_cannot_be_written_leaves_no_user() {
        let (_d, cfg, inv) = setup();
        let phc = crate::base::password::hash_password("pw");
        let (_, token) = inv.create(grant(1)).unwrap();
        // Its temporary file cannot be made: the atomic write of the invites fails.
        std::fs::create_dir(crate::base::files::tmp_path(&inv.path)).unwrap();
        assert!(matches!(inv.redeem(&token, "ann", &phc, &cfg), Err(InviteError::Store(_))));
        assert!(crate::config::Config::load(&cfg).unwrap().users.is_empty(), "the user was taken out again");
        std::fs::remove_dir(crate::base::files::tmp_path(&inv.path)).unwrap();
        inv.redeem(&token, "ann", &phc, &cfg).unwrap();
    }

    #[test]
    fn the_last_use_makes_one_user_however_many_race_for_it() {
        let (_d, cfg, inv) = setup();
        let phc = crate::base::password::hash_password("pw");
        let (_, token) = inv.create(grant(1)).unwrap();
        let made: usize = std::thread::scope(|s| {
            let hs: Vec<_> = (0..8)
                .map(|n| {
                    let (inv, token, phc, cfg) = (inv.clone(), token.clone(), phc.clone(), cfg.clone());
                    s.spawn(move || inv.redeem(&token, &format!("u{n}"), &phc, &cfg).is_ok() as usize)
                })
                .collect();
            hs.into_iter().map(|h| h.join().unwrap()).sum()
        });
        assert_eq!(made, 1);
        assert_eq!(crate::config::Config::load(&cfg).unwrap().users.len(), 1);
    }

    #[test]
    fn names_and_passwords() {
        assert!(check_new_user("ann", "longenough").is_ok());
        assert!(matches!(check_new_user("a b", "longenough"), Err(InviteError::Unacceptable(_))));
        assert!(matches!(check_new_user("ann", "short"), Err(InviteError::Unacceptable(_))));
        assert!(matches!(check_new_user("anonymous", "longenough"), Err(InviteError::Taken(_))));
    }
}
