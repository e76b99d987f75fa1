//! Password checks that stay cheap on a slow router, and the failed-login policy.
//!
//! The FTPChat client logs in once per message, and a PBKDF2 check with a serious
//! iteration count takes seconds on a 580 MHz MIPS CPU. So a password is verified with the
//! KDF once, and the success is remembered for a bounded time as a keyed hash (HMAC with a
//! key that lives only in this process) of the user entry and the password, never the
//! password itself. Any change to the user's entry (a new hash after `loft user passwd`, a
//! reload) changes the cache key, so an old password stops working at once.
//!
//! libunftp counts failed logins only for known users; here an unknown user and a wrong
//! password get the same reply, take the same path, and both count, so a scan of user
//! names is throttled like a password guess.

use crate::base::password::verify_phc;
use crate::base::sync::Unpoison;
use crate::config::{BlockBy, FailedLogins, UserEntry};
use async_trait::async_trait;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};
use unftp_core::auth::{AuthenticationError, Authenticator, Credentials, Principal};

/// How long a verified password is remembered.
pub const CACHE_TTL: Duration = Duration::from_secs(15 * 60);

/// Tracks failed logins and answers whether an address or a user is blocked.
#[derive(Debug)]
pub struct FailedLoginTracker {
    policy: RwLock<FailedLogins>,
    state: Mutex<HashMap<BlockKey, Strikes>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum BlockKey {
    Ip(IpAddr),
    User(String),
    Both(IpAddr, String),
}

#[derive(Debug)]
struct Strikes {
    count: u32,
    first: Instant,
    blocked_until: Option<Instant>,
}

/// The cap on tracked keys, so a flood of user names cannot grow memory without bound.
const MAX_TRACKED: usize = 4096;

impl FailedLoginTracker {
    pub fn new(policy: FailedLogins) -> Self {
        FailedLoginTracker { policy: RwLock::new(policy), state: Mutex::new(HashMap::new()) }
    }

    pub fn set_policy(&self, policy: FailedLogins) {
        *self.policy.write().unpoisoned() = policy;
    }

    fn key(&self, ip: IpAddr, user: &str) -> BlockKey {
        match self.policy.read().unpoisoned().block {
            BlockBy::Ip => BlockKey::Ip(ip),
            BlockBy::User => BlockKey::User(user.to_string()),
            BlockBy::Both => BlockKey::Both(ip, user.to_string()),
        }
    }

    /// Is a login from `ip` as `user` blocked now?
    pub fn is_blocked(&self, ip: IpAddr, user: &str) -> bool {
        let key = self.key(ip, user);
        let now = Instant::now();
        let mut st = self.state.lock().unpoisoned();
        match st.get(&key) {
            Some(Strikes { blocked_until: Some(t), .. }) if *t > now => true,
            Some(Strikes { blocked_until: Some(_), .. }) => {
                st.remove(&key);
                false
            }
            _ => false,
        }
    }

    /// Counts a failure; returns true if this one started a block.
    pub fn failed(&self, ip: IpAddr, user: &str) -> bool {
        let policy = self.policy.read().unpoisoned().clone();
        let window = Duration::from_secs(policy.window);
        let key = self.key(ip, user);
        let now = Instant::now();
        let mut st = self.state.lock().unpoisoned();
        if st.len() >= MAX_TRACKED && !st.contains_key(&key) {
            st.retain(|_, s| match s.blocked_until {
                Some(t) => t > now,
                None => now.duration_since(s.first) < window,
            });
            if st.len() >= MAX_TRACKED {
                // Still full of live entries: forget the oldest unblocked ones.
                let mut unblocked: Vec<_> =
                    st.iter().filter(|(_, s)| s.blocked_until.is_none()).map(|(k, s)| (k.clone(), s.first)).collect();
                unblocked.sort_by_key(|(_, t)| *t);
                for (k, _) in unblocked.into_iter().take(MAX_TRACKED / 4) {
                    st.remove(&k);
                }
            }
        }
        let s = st.entry(key).or_insert(Strikes { count: 0, first: now, blocked_until: None });
        if now.duration_since(s.first) >= window {
            s.count = 0;
            s.first = now;
            s.blocked_until = None;
        }
        s.count += 1;
        if s.count >= policy.attempts && s.blocked_until.is_none() {
            s.blocked_until = Some(now + window);
            return true;
        }
        false
    }

    /// A successful login clears the strikes of its key.
    pub fn succeeded(&self, ip: IpAddr, user: &str) {
        let key = self.key(ip, user);
        let mut st = self.state.lock().unpoisoned();
        if let Some(s) = st.get(&key) {
            if s.blocked_until.is_none() {
                st.remove(&key);
            }
        }
    }
}

/// The users the relay knows, swapped whole on reload.
#[derive(Debug, Default)]
pub struct UserTable {
    pub users: HashMap<String, UserEntry>,
    pub anonymous: bool,
}

/// Loft's authenticator: config users, a login cache, the failed-login policy.
#[derive(Debug)]
pub struct LoftAuthenticator {
    table: RwLock<Arc<UserTable>>,
    cache_key: [u8; 32],
    cache: Mutex<HashMap<String, (Vec<u8>, Instant)>>,
    pub failures: FailedLoginTracker,
}

/// What an unknown user's password is checked against, so that a login for a name that
/// does not exist takes as long as one that does. A fixed hash of a random password that
/// was thrown away: computing one at start-up would cost a whole PBKDF2 run (seconds on a
/// router's CPU) before the first greeting.
const DUMMY_PHC: &str =
    "$pbkdf2-sha256$i=100000,l=32$kXjNPQJic4cHmsQ3G7LquA$+wXAAljD6a4fU4ux7+mbefSynVQTlpUgjGRKoJQOXi8";

impl LoftAuthenticator {
    pub fn new(table: UserTable, policy: FailedLogins) -> Self {
        let mut cache_key = [0u8; 32];
        rand::Rng::fill(&mut rand::thread_rng(), &mut cache_key);
        LoftAuthenticator {
            table: RwLock::new(Arc::new(table)),
            cache_key,
            cache: Mutex::new(HashMap::new()),
            failures: FailedLoginTracker::new(policy),
        }
    }

    /// Replaces the user table (SIGHUP); cached logins of changed users stop matching.
    pub fn set_users(&self, table: UserTable) {
        *self.table.write().unpoisoned() = Arc::new(table);
    }

    pub fn users(&self) -> Arc<UserTable> {
        self.table.read().unpoisoned().clone()
    }

    fn mac(&self, entry: &UserEntry, password: &str) -> Vec<u8> {
        let mut m = <Hmac<Sha256> as Mac>::new_from_slice(&self.cache_key).expect("any key length");
        for part in [entry.name.as_bytes(), entry.password.as_bytes(), password.as_bytes()] {
            m.update(&(part.len() as u64).to_le_bytes());
            m.update(part);
        }
        m.finalize().into_bytes().to_vec()
    }

    fn cached(&self, entry: &UserEntry, password: &str) -> bool {
        let mac = self.mac(entry, password);
        let cache = self.cache.lock().unpoisoned();
        matches!(cache.get(&entry.name), Some((m, t)) if t.elapsed() < CACHE_TTL && hmac_eq(m, &mac))
    }

    fn remember(&self, entry: &UserEntry, password: &str) {
        let mac = self.mac(entry, password);
        let mut cache = self.cache.lock().unpoisoned();
        cache.retain(|_, (_, t)| t.elapsed() < CACHE_TTL);
        cache.insert(entry.name.clone(), (mac, Instant::now()));
    }

    /// The check itself, without the policy: true if `password` is right for `username`.
    pub async fn verify(&self, username: &str, password: &str) -> bool {
        let table = self.users();
        let Some(entry) = table.users.get(username).cloned() else {
            let pw = password.to_string();
            let _ = tokio::task::spawn_blocking(move || verify_phc(DUMMY_PHC, &pw)).await;
            return false;
        };
        if self.cached(&entry, password) {
            return true;
        }
        let (phc, pw) = (entry.password.clone(), password.to_string());
        let ok = tokio::task::spawn_blocking(move || verify_phc(&phc, &pw)).await.unwrap_or(false);
        if ok {
            self.remember(&entry, password);
        }
        ok
    }
}

fn hmac_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[async_trait]
impl Authenticator for LoftAuthenticator {
    async fn authenticate(&self, username: &str, creds: &Credentials) -> Result<Principal, AuthenticationError> {
        let ip = creds.source_ip;
        if self.failures.is_blocked(ip, username) {
            tracing::warn!(target: "loft::login", user = username, peer = %ip, "login refused: blocked after repeated failures");
            return Err(AuthenticationError::IpDisallowed);
        }
        if (username == "anonymous" || username == "ftp") && self.users().anonymous {
            tracing::info!(target: "loft::login", user = username, peer = %ip, "login ok (anonymous, read-only)");
            return Ok(Principal { username: "anonymous".into() });
        }
        let password = creds.password.as_deref().unwrap_or("");
        if self.verify(username, password).await {
            self.failures.succeeded(ip, username);
            tracing::info!(target: "loft::login", user = username, peer = %ip, "login ok");
            Ok(Principal { username: username.to_string() })
        } else {
            let blocked = self.failures.failed(ip, username);
            tracing::warn!(target: "loft::login", user = username, peer = %ip, "login refused: wrong user or password");
            if blocked {
                tracing::warn!(target: "loft::login", user = username, peer = %ip, "too many failed logins: blocking");
            }
            Err(AuthenticationError::BadPassword)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::password::{check_phc, hash_password, ROUNDS};
    use pbkdf2::password_hash::PasswordHash;

    #[test]
    fn the_unknown_user_hash_costs_what_a_real_one_does() {
        check_phc(DUMMY_PHC).unwrap();
        let h = PasswordHash::new(DUMMY_PHC).unwrap();
        assert_eq!(h.params.get_decimal("i"), Some(ROUNDS));
        assert_eq!(h.hash.map(|o| o.len()), Some(32));
        assert!(!verify_phc(DUMMY_PHC, "loft-dummy-password-for-unknown-users"));
    }

    fn entry(name: &str, pw: &str) -> UserEntry {
        UserEntry { name: name.into(), password: hash_password(pw), home: None, read_only: false, allow_delete: None }
    }

    #[tokio::test]
    async fn cache_is_invalidated_by_a_changed_entry() {
        let a = LoftAuthenticator::new(UserTable::default(), FailedLogins::default());
        let mut t = UserTable::default();
        t.users.insert("al".into(), entry("al", "one"));
        a.set_users(t);
        assert!(a.verify("al", "one").await);
        assert!(a.cached(&a.users().users["al"].clone(), "one"));
        assert!(!a.verify("al", "two").await);
        let mut t = UserTable::default();
        t.users.insert("al".into(), entry("al", "two"));
        a.set_users(t);
        assert!(!a.verify("al", "one").await, "old password must stop working after a change");
        assert!(a.verify("al", "two").await);
        assert!(!a.verify("nobody", "one").await);
    }

    #[test]
    fn failures_block_by_ip_only_that_ip() {
        let t = FailedLoginTracker::new(FailedLogins { attempts: 3, window: 60, block: BlockBy::Ip });
        let a: IpAddr = "127.0.0.1".parse().unwrap();
        let b: IpAddr = "127.0.0.2".parse().unwrap();
        assert!(!t.failed(a, "x"));
        assert!(!t.failed(a, "y"));
        assert!(t.failed(a, "z"));
        assert!(t.is_blocked(a, "anyone"));
        assert!(!t.is_blocked(b, "anyone"));
    }

    #[test]
    fn failures_block_by_user() {
        let t = FailedLoginTracker::new(FailedLogins { attempts: 2, window: 60, block: BlockBy::User });
        let a: IpAddr = "127.0.0.1".parse().unwrap();
        let b: IpAddr = "127.0.0.2".parse().unwrap();
        t.failed(a, "bob");
        t.failed(b, "bob");
        assert!(t.is_blocked("10.0.0.1".parse().unwrap(), "bob"));
        assert!(!t.is_blocked(a, "alice"));
    }
}
