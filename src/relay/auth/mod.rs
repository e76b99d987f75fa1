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
use crate::config::{BlockBy, Config, FailedLogins, UserEntry};
use async_trait::async_trait;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use unftp_core::auth::{AuthenticationError, Authenticator, Credentials, Principal};

mod turns;
use turns::Turns;

/// How long a verified password is remembered after its last use. Each use renews it: a
/// person polling every 5 s never pays the KDF again (about 3.4 s of a 580 MHz MIPS
/// router's CPU each time), while a password not used for this long must be checked anew.
/// A change of the user's entry (a new password, a reload) makes the remembered one stale
/// at once (it is keyed by the entry's hash).
pub(crate) const CACHE_TTL: Duration = Duration::from_secs(15 * 60);

/// Tracks failed logins and answers whether an address or a user is blocked. The counts
/// outlive reloads; the policy is the one in force at each call.
#[derive(Debug, Default)]
pub(crate) struct FailedLoginTracker {
    state: Mutex<HashMap<BlockKey, Strikes>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum BlockKey {
    Ip(IpAddr),
    User(String),
    Both(IpAddr, String),
    /// An IPv6 /64 (`block = "ip"`): blocked when [`NET_ADDRESSES`] addresses in it are.
    Net(IpAddr),
}

/// Blocked addresses in one IPv6 /64 that block the whole /64 (`block = "ip"`). A home
/// network is one /64, so one device's wrong passwords block that device only; a guesser
/// that hops addresses inside its /64 is blocked as a whole after this many.
const NET_ADDRESSES: u32 = 4;

/// The address itself, an IPv4-mapped IPv6 address as the IPv4 address.
fn exact_addr(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

#[derive(Debug)]
struct Strikes {
    count: u32,
    first: Instant,
    blocked_until: Option<Instant>,
    /// Password checks running now for this key: counted against the limit as if they
    /// had failed, so 16 parallel guesses cannot all be checked against a limit of 5.
    in_flight: u32,
}

/// The cap on tracked keys, so a flood of user names cannot grow memory without bound.
const MAX_TRACKED: usize = 4096;

/// An address with IPv6 by its /64, the block one machine or home usually has (and can
/// hop around in); an IPv4-mapped IPv6 address as the IPv4 address. Connection caps,
/// rate limits and web sessions count by it; failed logins block the address itself
/// first, and the /64 only when several of its addresses are blocked.
pub(crate) fn block_addr(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
        v4 => v4,
    }
}

/// A password check under way; see [`FailedLoginTracker::begin`].
pub(crate) struct Attempt<'a> {
    tracker: &'a FailedLoginTracker,
    key: BlockKey,
}

impl Drop for Attempt<'_> {
    fn drop(&mut self) {
        let mut st = self.tracker.state.lock().unpoisoned();
        if let Some(s) = st.get_mut(&self.key) {
            s.in_flight = s.in_flight.saturating_sub(1);
            if s.in_flight == 0 && s.count == 0 && s.blocked_until.is_none() {
                st.remove(&self.key);
            }
        }
    }
}

impl FailedLoginTracker {
    fn key(policy: &FailedLogins, ip: IpAddr, user: &str) -> BlockKey {
        let ip = exact_addr(ip);
        match policy.block {
            BlockBy::Ip => BlockKey::Ip(ip),
            BlockBy::User => BlockKey::User(user.to_string()),
            BlockBy::Both => BlockKey::Both(ip, user.to_string()),
        }
    }

    /// The /64 an address-based block widens to, for an IPv6 address.
    fn net_key(policy: &FailedLogins, ip: IpAddr) -> Option<BlockKey> {
        match (policy.block, exact_addr(ip)) {
            (BlockBy::Ip, IpAddr::V6(v6)) => Some(BlockKey::Net(block_addr(IpAddr::V6(v6)))),
            _ => None,
        }
    }

    /// Whether the /64 of `ip` is blocked as a whole now.
    fn net_blocked(st: &HashMap<BlockKey, Strikes>, net: Option<&BlockKey>, now: Instant) -> bool {
        net.and_then(|k| st.get(k)).is_some_and(|s| s.blocked_until.is_some_and(|t| t > now))
    }

    /// Is a login from `ip` as `user` blocked now?
    pub(crate) fn is_blocked(&self, policy: &FailedLogins, ip: IpAddr, user: &str) -> bool {
        let key = Self::key(policy, ip, user);
        let now = Instant::now();
        let mut st = self.state.lock().unpoisoned();
        if Self::net_blocked(&st, Self::net_key(policy, ip).as_ref(), now) {
            return true;
        }
        match st.get_mut(&key) {
            Some(Strikes { blocked_until: Some(t), .. }) if *t > now => true,
            Some(s) if s.blocked_until.is_some() => {
                if s.in_flight == 0 {
                    st.remove(&key);
                } else {
                    *s = Strikes { count: 0, first: now, blocked_until: None, in_flight: s.in_flight };
                }
                false
            }
            _ => false,
        }
    }

    /// The strikes of `key`, made if missing (the table bounded first), reset when its
    /// window has passed.
    fn strikes(st: &mut HashMap<BlockKey, Strikes>, key: BlockKey, window: Duration, now: Instant) -> &mut Strikes {
        if st.len() >= MAX_TRACKED && !st.contains_key(&key) {
            st.retain(|_, s| {
                s.in_flight > 0
                    || match s.blocked_until {
                        Some(t) => t > now,
                        None => now.duration_since(s.first) < window,
                    }
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
        let s = st.entry(key).or_insert(Strikes { count: 0, first: now, blocked_until: None, in_flight: 0 });
        if now.duration_since(s.first) >= window && s.blocked_until.is_none_or(|t| t <= now) {
            s.count = 0;
            s.first = now;
            s.blocked_until = None;
        }
        s
    }

    /// Starts a password check from `ip` as `user`, or `None` when the failures so far
    /// plus the checks already running reach the limit: that attempt is refused before
    /// the (slow, on purpose) key derivation runs.
    pub(crate) fn begin(&self, policy: &FailedLogins, ip: IpAddr, user: &str) -> Option<Attempt<'_>> {
        let key = Self::key(policy, ip, user);
        let now = Instant::now();
        let mut st = self.state.lock().unpoisoned();
        if Self::net_blocked(&st, Self::net_key(policy, ip).as_ref(), now) {
            return None;
        }
        let s = Self::strikes(&mut st, key.clone(), Duration::from_secs(policy.window), now);
        if s.blocked_until.is_some_and(|t| t > now) || s.count + s.in_flight >= policy.attempts {
            return None;
        }
        s.in_flight += 1;
        Some(Attempt { tracker: self, key })
    }

    /// Counts a failure; returns true if this one started a block.
    pub(crate) fn failed(&self, policy: &FailedLogins, ip: IpAddr, user: &str) -> bool {
        let window = Duration::from_secs(policy.window);
        let key = Self::key(policy, ip, user);
        let now = Instant::now();
        let mut st = self.state.lock().unpoisoned();
        let s = Self::strikes(&mut st, key, window, now);
        s.count += 1;
        if s.count >= policy.attempts && s.blocked_until.is_none() {
            s.blocked_until = Some(now + window);
            // One more address of its /64 blocked: enough of them block the /64.
            if let Some(net) = Self::net_key(policy, ip) {
                let n = Self::strikes(&mut st, net, window, now);
                n.count += 1;
                if n.count >= NET_ADDRESSES && n.blocked_until.is_none() {
                    n.blocked_until = Some(now + window);
                }
            }
            return true;
        }
        false
    }

    /// A successful login clears the strikes of its key.
    pub(crate) fn succeeded(&self, policy: &FailedLogins, ip: IpAddr, user: &str) {
        let key = Self::key(policy, ip, user);
        let mut st = self.state.lock().unpoisoned();
        if let Some(s) = st.get_mut(&key) {
            if s.blocked_until.is_none() {
                s.count = 0;
            }
        }
    }
}

/// The users the relay knows, from the config in force.
#[derive(Debug, Default)]
pub(crate) struct UserTable {
    pub users: HashMap<String, UserEntry>,
    pub(crate) anonymous: bool,
    pub(crate) failed_logins: FailedLogins,
}

impl UserTable {
    pub(crate) fn from_config(cfg: &Config) -> UserTable {
        UserTable {
            users: cfg.users.iter().map(|u| (u.name.clone(), u.clone())).collect(),
            anonymous: cfg.anonymous,
            failed_logins: cfg.limits.failed_logins.clone(),
        }
    }
}

/// What the relay remembers about logins across sessions and reloads: the login cache
/// and the failure counts. Its `Debug` names who is cached, not the cache's key or
/// digests (libunftp's debug logs print whole sessions).
pub(crate) struct Logins {
    /// HMAC-SHA256 keyed with a random key of this process, its key schedule done once:
    /// each login clones it (two SHA-256 blocks fewer per login).
    keyed: Hmac<Sha256>,
    cache: Mutex<HashMap<String, ([u8; 32], Instant)>>,
    failures: FailedLoginTracker,
    /// One password check at a time per user name: a burst of logins for one user (an
    /// FTPChat client logs in per message) runs the KDF once and the rest hit the cache;
    /// addresses the user logged in from go first ([`turns`]).
    turns: Turns,
}

impl std::fmt::Debug for Logins {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // try_lock: a log line written while the cache is held must not wait for itself.
        let cached: Vec<String> = self.cache.try_lock().map(|c| c.keys().cloned().collect()).unwrap_or_default();
        f.debug_struct("Logins").field("cached", &cached).field("failures", &self.failures).finish_non_exhaustive()
    }
}

impl Default for Logins {
    fn default() -> Self {
        let mut cache_key = [0u8; 32];
        rand::Rng::fill(&mut rand::thread_rng(), &mut cache_key);
        Logins {
            keyed: <Hmac<Sha256> as Mac>::new_from_slice(&cache_key).expect("any key length"),
            cache: Mutex::new(HashMap::new()),
            failures: FailedLoginTracker::default(),
            turns: Turns::default(),
        }
    }
}

/// Why a login was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refused {
    /// Too many failures lately, from this address or for this user (the policy says).
    Blocked,
    /// Unknown user or wrong password: the same answer for both.
    BadPassword,
}

/// Loft's authenticator: the users of one config snapshot, over the shared [`Logins`].
/// FTP sessions and the web API log in through the same one, so they share the cache
/// and the failed-login policy.
#[derive(Debug, Clone)]
pub(crate) struct LoftAuthenticator {
    pub(crate) table: Arc<UserTable>,
    pub(crate) logins: Arc<Logins>,
}

/// What an unknown user's password is checked against, so that a login for a name that
/// does not exist takes as long as one that does. A fixed hash of a random password that
/// was thrown away: computing one at start-up would cost a whole PBKDF2 run (seconds on a
/// router's CPU) before the first greeting.
const DUMMY_PHC: &str =
    "$pbkdf2-sha256$i=100000,l=32$kXjNPQJic4cHmsQ3G7LquA$+wXAAljD6a4fU4ux7+mbefSynVQTlpUgjGRKoJQOXi8";

impl LoftAuthenticator {
    fn mac(&self, entry: &UserEntry, password: &str) -> [u8; 32] {
        let mut m = self.logins.keyed.clone();
        for part in [entry.name.as_bytes(), entry.password.as_bytes(), password.as_bytes()] {
            m.update(&(part.len() as u64).to_le_bytes());
            m.update(part);
        }
        m.finalize().into_bytes().into()
    }

    fn cached(&self, entry: &UserEntry, password: &str) -> bool {
        let mac = self.mac(entry, password);
        let mut cache = self.logins.cache.lock().unpoisoned();
        match cache.get_mut(&entry.name) {
            Some((m, t)) if t.elapsed() < CACHE_TTL && hmac_eq(m, &mac) => {
                *t = Instant::now();
                true
            }
            _ => false,
        }
    }

    fn remember(&self, entry: &UserEntry, password: &str) {
        let mac = self.mac(entry, password);
        let mut cache = self.logins.cache.lock().unpoisoned();
        cache.retain(|_, (_, t)| t.elapsed() < CACHE_TTL);
        cache.insert(entry.name.clone(), (mac, Instant::now()));
    }

    /// The check itself, without the policy: true if `password` is right for `username`.
    pub(crate) async fn verify(&self, username: &str, password: &str) -> bool {
        let Some(entry) = self.table.users.get(username).cloned() else {
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

/// The name invite redeems count their failures under: a token that does not work
/// counts as a failed login (`limits.failed_logins`), so guessing tokens is as slow as
/// guessing passwords.
#[cfg(feature = "web")]
const INVITE: &str = "(invite)";

impl LoftAuthenticator {
    /// Whether invite redeems from `ip` are refused now, after too many bad tokens.
    #[cfg(feature = "web")]
    pub(crate) fn invite_blocked(&self, ip: IpAddr) -> bool {
        self.logins.failures.is_blocked(&self.table.failed_logins, ip, INVITE)
    }

    /// Counts a bad invite token from `ip`.
    #[cfg(feature = "web")]
    pub(crate) fn invite_failed(&self, ip: IpAddr) {
        if self.logins.failures.failed(&self.table.failed_logins, ip, INVITE) {
            tracing::warn!(target: "loft::login", peer = %ip, "invites refused for a while: repeated bad invite tokens");
        }
    }

    /// Checks a login from `ip` under the failed-login policy, and logs the outcome.
    /// Returns the name the session runs as.
    pub(crate) async fn login(&self, username: &str, password: &str, ip: IpAddr) -> Result<String, Refused> {
        let policy = &self.table.failed_logins;
        let failures = &self.logins.failures;
        if failures.is_blocked(policy, ip, username) {
            tracing::warn!(target: "loft::login", user = username, peer = %ip, "login refused: blocked after repeated failures");
            return Err(Refused::Blocked);
        }
        if (username == "anonymous" || username == "ftp") && self.table.anonymous {
            tracing::info!(target: "loft::login", user = username, peer = %ip, "login ok (anonymous, read-only)");
            return Ok("anonymous".into());
        }
        // A password the login cache knows costs no key derivation and counts as no
        // attempt: it does not wait its turn behind checks (or guesses) in progress for
        // the same user (issue 19.10).
        if self.table.users.get(username).is_some_and(|e| self.cached(e, password)) {
            failures.succeeded(policy, ip, username);
            self.logins.turns.login_ok(username, block_addr(ip));
            tracing::info!(target: "loft::login", user = username, peer = %ip, "login ok");
            return Ok(username.to_string());
        }
        let _turn = self.logins.turns.take(username, block_addr(ip)).await;
        if failures.is_blocked(policy, ip, username) {
            tracing::warn!(target: "loft::login", user = username, peer = %ip, "login refused: blocked after repeated failures");
            return Err(Refused::Blocked);
        }
        // A password the login cache knows costs no key derivation: no attempt to count.
        let cached = self.table.users.get(username).is_some_and(|e| self.cached(e, password));
        let attempt = if cached {
            None
        } else {
            match failures.begin(policy, ip, username) {
                Some(a) => Some(a),
                None => {
                    tracing::warn!(target: "loft::login", user = username, peer = %ip, "login refused: too many attempts at once or in a row");
                    return Err(Refused::Blocked);
                }
            }
        };
        let ok = cached || self.verify(username, password).await;
        // The failure is counted before the attempt stops counting as in flight.
        let outcome = if ok {
            failures.succeeded(policy, ip, username);
            self.logins.turns.login_ok(username, block_addr(ip));
            tracing::info!(target: "loft::login", user = username, peer = %ip, "login ok");
            Ok(username.to_string())
        } else {
            let blocked = failures.failed(policy, ip, username);
            tracing::warn!(target: "loft::login", user = username, peer = %ip, "login refused: wrong user or password");
            if blocked {
                tracing::warn!(target: "loft::login", user = username, peer = %ip, "too many failed logins: blocking");
            }
            Err(Refused::BadPassword)
        };
        drop(attempt);
        outcome
    }
}

#[async_trait]
impl Authenticator for LoftAuthenticator {
    async fn authenticate(&self, username: &str, creds: &Credentials) -> Result<Principal, AuthenticationError> {
        match self.login(username, creds.password.as_deref().unwrap_or(""), creds.source_ip).await {
            Ok(username) => Ok(Principal { username }),
            Err(Refused::Blocked) => Err(AuthenticationError::IpDisallowed),
            Err(Refused::BadPassword) => Err(AuthenticationError::BadPassword),
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
        UserEntry {
            name: name.into(),
            password: hash_password(pw),
            home: None,
            read_only: false,
            allow_delete: None,
            quota_bytes: None,
            may_invite: None,
            personal: false,
            invited_by: None,
        }
    }

    #[tokio::test]
    async fn cache_is_invalidated_by_a_changed_entry() {
        let logins = Arc::new(Logins::default());
        let mut t = UserTable::default();
        t.users.insert("al".into(), entry("al", "one"));
        let a = LoftAuthenticator { table: Arc::new(t), logins: logins.clone() };
        assert!(a.verify("al", "one").await);
        assert!(a.cached(&a.table.users["al"].clone(), "one"));
        assert!(!a.verify("al", "two").await);
        let mut t = UserTable::default();
        t.users.insert("al".into(), entry("al", "two"));
        // A reload: a new snapshot of the users over the same cache.
        let a = LoftAuthenticator { table: Arc::new(t), logins };
        assert!(!a.verify("al", "one").await, "old password must stop working after a change");
        assert!(a.verify("al", "two").await);
        assert!(!a.verify("nobody", "one").await);
    }

    /// A remembered password lasts CACHE_TTL after its last use, not after the first: an
    /// FTPChat client logging in every 5 s never runs the KDF again.
    #[tokio::test]
    async fn each_use_of_a_remembered_password_renews_it() {
        let mut t = UserTable::default();
        t.users.insert("al".into(), entry("al", "one"));
        let a = LoftAuthenticator { table: Arc::new(t), logins: Arc::new(Logins::default()) };
        assert!(a.verify("al", "one").await);
        let e = a.table.users["al"].clone();
        let nearly = Instant::now() - (CACHE_TTL - Duration::from_secs(1));
        a.logins.cache.lock().unwrap().get_mut("al").unwrap().1 = nearly;
        assert!(a.cached(&e, "one"));
        assert!(a.logins.cache.lock().unwrap()["al"].1.elapsed() < Duration::from_secs(1), "renewed");
        a.logins.cache.lock().unwrap().get_mut("al").unwrap().1 = Instant::now() - CACHE_TTL;
        assert!(!a.cached(&e, "one"), "an entry unused for CACHE_TTL is stale");
    }

    /// Issue 19.10: a login the cache knows does not queue behind the user's password
    /// checks in progress (on a router, seconds each while someone guesses).
    #[tokio::test]
    async fn a_cached_login_does_not_wait_behind_checks_in_progress() {
        let mut t = UserTable::default();
        t.users.insert("al".into(), entry("al", "one"));
        t.failed_logins = FailedLogins { attempts: 5, window: 60, block: BlockBy::Ip };
        let a = LoftAuthenticator { table: Arc::new(t), logins: Arc::new(Logins::default()) };
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        assert!(a.login("al", "one", ip).await.is_ok());
        // Al's turn held, as a slow check (a guess) holds it.
        let _held = a.logins.turns.take("al", "127.0.0.9".parse().unwrap()).await;
        let quick = tokio::time::timeout(Duration::from_secs(2), a.login("al", "one", ip)).await;
        assert_eq!(quick.expect("the cached login waited its turn"), Ok("al".into()));
        // An uncached password still waits its turn.
        let slow = tokio::time::timeout(Duration::from_millis(300), a.login("al", "two", ip)).await;
        assert!(slow.is_err(), "a password check runs one at a time per user");
    }

    /// Issue 19.10: a real user whose cached login expired, at an address they logged in
    /// from before, waits for the check in progress only, not for 30 addresses' guesses
    /// (real PBKDF2 checks, one at a time).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_known_address_is_checked_before_the_guesses_queued() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let mut t = UserTable::default();
        t.users.insert("al".into(), entry("al", "one"));
        t.failed_logins = FailedLogins { attempts: 5, window: 60, block: BlockBy::Ip };
        let a = Arc::new(LoftAuthenticator { table: Arc::new(t), logins: Arc::new(Logins::default()) });
        let home: IpAddr = "10.0.0.1".parse().unwrap();
        assert!(a.login("al", "one", home).await.is_ok());
        a.logins.cache.lock().unpoisoned().clear(); // 15 minutes later
        let guessed = Arc::new(AtomicUsize::new(0));
        let mut guesses = Vec::new();
        for i in 0..30 {
            let (a, guessed) = (a.clone(), guessed.clone());
            guesses.push(tokio::spawn(async move {
                let r = a.login("al", "guess", format!("10.1.0.{i}").parse().unwrap()).await;
                guessed.fetch_add(1, Ordering::SeqCst);
                r
            }));
        }
        while a.logins.turns.waiting("al") < 25 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert_eq!(a.login("al", "one", home).await, Ok("al".into()));
        let before = guessed.load(Ordering::SeqCst);
        assert!(before <= 5, "the real login waited for {before} guesses");
        for g in guesses {
            assert_eq!(g.await.unwrap(), Err(Refused::BadPassword));
        }
    }

    #[test]
    fn failures_block_by_ip_only_that_ip() {
        let p = FailedLogins { attempts: 3, window: 60, block: BlockBy::Ip };
        let t = FailedLoginTracker::default();
        let a: IpAddr = "127.0.0.1".parse().unwrap();
        let b: IpAddr = "127.0.0.2".parse().unwrap();
        assert!(!t.failed(&p, a, "x"));
        assert!(!t.failed(&p, a, "y"));
        assert!(t.failed(&p, a, "z"));
        assert!(t.is_blocked(&p, a, "anyone"));
        assert!(!t.is_blocked(&p, b, "anyone"));
    }

    #[test]
    fn checks_in_flight_count_against_the_limit() {
        let p = FailedLogins { attempts: 3, window: 60, block: BlockBy::Ip };
        let t = FailedLoginTracker::default();
        let a: IpAddr = "127.0.0.1".parse().unwrap();
        let running: Vec<_> = (0..3).map(|_| t.begin(&p, a, "x").expect("under the limit")).collect();
        assert!(t.begin(&p, a, "x").is_none(), "a 4th parallel check must not run the KDF");
        assert!(t.begin(&p, "127.0.0.2".parse().unwrap(), "x").is_some(), "other addresses are not affected");
        drop(running);
        assert!(t.begin(&p, a, "x").is_some(), "finished checks stop counting");
    }

    /// Issue 19.9: one device's wrong passwords block that device, not its whole home
    /// network (one /64); an address-hopping guesser blocks its /64 after a few addresses.
    #[test]
    fn ipv6_blocks_the_address_first_then_its_64() {
        let p = FailedLogins { attempts: 2, window: 60, block: BlockBy::Ip };
        let t = FailedLoginTracker::default();
        let ip = |s: &str| -> IpAddr { s.parse().unwrap() };
        t.failed(&p, ip("2001:db8:1:2::1"), "x");
        assert!(t.failed(&p, ip("2001:db8:1:2::1"), "y"));
        assert!(t.is_blocked(&p, ip("2001:db8:1:2::1"), "z"), "the address that guessed");
        assert!(!t.is_blocked(&p, ip("2001:db8:1:2:abcd::1"), "z"), "the rest of its home network");
        assert!(t.begin(&p, ip("2001:db8:1:2:abcd::1"), "z").is_some());
        // Failures spread over addresses of one /64 count per address ...
        t.failed(&p, ip("2001:db8:1:2::2"), "x");
        assert!(!t.is_blocked(&p, ip("2001:db8:1:2::3"), "z"));
        // ... until NET_ADDRESSES of its addresses are blocked: then the /64 is.
        for host in 2..=NET_ADDRESSES {
            let a = ip(&format!("2001:db8:1:2::{host}"));
            while !t.is_blocked(&p, a, "x") {
                t.failed(&p, a, "x");
            }
        }
        assert!(t.is_blocked(&p, ip("2001:db8:1:2:abcd::1"), "z"), "the /64, now");
        assert!(t.begin(&p, ip("2001:db8:1:2:beef::1"), "z").is_none());
        assert!(!t.is_blocked(&p, ip("2001:db8:1:3::1"), "z"), "another /64");
        t.failed(&p, "::ffff:10.0.0.1".parse().unwrap(), "x");
        t.failed(&p, "10.0.0.1".parse().unwrap(), "x");
        assert!(t.is_blocked(&p, "10.0.0.1".parse().unwrap(), "x"), "a mapped address is its IPv4 address");
    }

    #[test]
    fn failures_block_by_user() {
        let p = FailedLogins { attempts: 2, window: 60, block: BlockBy::User };
        let t = FailedLoginTracker::default();
        let a: IpAddr = "127.0.0.1".parse().unwrap();
        let b: IpAddr = "127.0.0.2".parse().unwrap();
        t.failed(&p, a, "bob");
        t.failed(&p, b, "bob");
        assert!(t.is_blocked(&p, "10.0.0.1".parse().unwrap(), "bob"));
        assert!(!t.is_blocked(&p, a, "alice"));
    }
}
