//! Web sessions: a random bearer token per login, so the page does not send the FTP
//! password with every request (nor keep it), and the PBKDF2 check runs once per login.
//!
//! A session ends when it has been idle for [`IDLE`], [`LIFETIME`] after its login however
//! busy, at logout, and as soon as its user is removed from the config or given another
//! password (checked on every request against the snapshot in force), the way a changed
//! password stops cached FTP logins. Its rights (read-only, deletes, quota, home) are the
//! user's in the config in force, looked up on every request, so a reload that makes a
//! user read-only applies to their open pages at once.
//!
//! Bounded per address: one address (an IPv6 /64) holds at most [`PER_ADDRESS`] sessions,
//! its oldest going first, and when all [`MAX_SESSIONS`] are taken the oldest session of
//! the address holding the most goes. So logins in a loop from one place cannot push
//! anyone else's session out.

use crate::base::sync::Unpoison;
use crate::relay::user::LoftUser;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Idle time after which a session is forgotten.
pub(super) const IDLE: Duration = Duration::from_secs(12 * 3600);
/// How long a session lasts at most, used or not: then the page logs in again.
pub(super) const LIFETIME: Duration = Duration::from_secs(7 * 86_400);
/// Sessions kept at most.
const MAX_SESSIONS: usize = 4096;
/// Sessions one address (an IPv6 /64) holds at most.
const PER_ADDRESS: usize = 32;

#[derive(Debug, Default)]
pub(super) struct Sessions {
    map: Mutex<HashMap<String, Session>>,
}

/// One logged-in page.
#[derive(Debug, Clone)]
pub(super) struct Session {
    pub(super) user: LoftUser,
    /// The user's password hash at login: a different one now means "log in again".
    pub(super) phc: String,
    /// Where it logged in from (an IPv6 address by its /64).
    from: IpAddr,
    created: Instant,
    last: Instant,
}

impl Session {
    fn live(&self, now: Instant) -> bool {
        now.duration_since(self.last) < IDLE && now.duration_since(self.created) < LIFETIME
    }
}

impl Sessions {
    /// A new session for `user`, logged in from `peer`; returns its token.
    pub(super) fn create(&self, user: LoftUser, phc: String, peer: IpAddr) -> String {
        let mut raw = [0u8; 32];
        rand::Rng::fill(&mut rand::thread_rng(), &mut raw);
        let token = URL_SAFE_NO_PAD.encode(raw);
        let now = Instant::now();
        let from = crate::relay::auth::block_addr(peer);
        let mut map = self.map.lock().unpoisoned();
        let oldest_of = |map: &HashMap<String, Session>, addr: IpAddr| {
            map.iter().filter(|(_, s)| s.from == addr).min_by_key(|(_, s)| s.last).map(|(k, _)| k.clone())
        };
        while map.values().filter(|s| s.from == from).count() >= PER_ADDRESS {
            let Some(oldest) = oldest_of(&map, from) else { break };
            map.remove(&oldest);
        }
        if map.len() >= MAX_SESSIONS {
            map.retain(|_, s| s.live(now));
        }
        while map.len() >= MAX_SESSIONS {
            let mut per: HashMap<IpAddr, usize> = HashMap::new();
            for s in map.values() {
                *per.entry(s.from).or_default() += 1;
            }
            let Some((&busiest, _)) = per.iter().max_by_key(|(_, n)| **n) else { break };
            let Some(oldest) = oldest_of(&map, busiest) else { break };
            map.remove(&oldest);
        }
        map.insert(token.clone(), Session { user, phc, from, created: now, last: now });
        token
    }

    /// The session of `token`, if it is live (and marks it used).
    pub(super) fn get(&self, token: &str) -> Option<Session> {
        let now = Instant::now();
        let mut map = self.map.lock().unpoisoned();
        let s = map.get_mut(token)?;
        if !s.live(now) {
            map.remove(token);
            return None;
        }
        s.last = now;
        Some(s.clone())
    }

    pub(super) fn remove(&self, token: &str) {
        self.map.lock().unpoisoned().remove(token);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(name: &str) -> LoftUser {
        LoftUser {
            name: name.into(),
            home: "/tmp".into(),
            read_only: false,
            allow_delete: false,
            quota_bytes: 0,
            personal: false,
            home_quota_bytes: 0,
            may_invite: false,
            resolved_home: None,
        }
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn tokens_are_distinct_and_end_at_logout() {
        let s = Sessions::default();
        let a = s.create(user("a"), "h".into(), ip("127.0.0.1"));
        let b = s.create(user("b"), "h".into(), ip("127.0.0.1"));
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(s.get(&a).unwrap().user.name, "a");
        s.remove(&a);
        assert!(s.get(&a).is_none());
        assert!(s.get("made-up").is_none());
        assert_eq!(s.get(&b).unwrap().user.name, "b");
    }

    /// Issue 19.11: logins in a loop from one address (here 4,100, as the review sent)
    /// cannot push another address's session out; each address keeps its newest.
    #[test]
    fn a_login_flood_from_one_address_evicts_only_its_own_sessions() {
        let s = Sessions::default();
        let victim = s.create(user("alice"), "h".into(), ip("192.0.2.7"));
        let mut flood = Vec::new();
        for _ in 0..4100 {
            flood.push(s.create(user("chat"), "h".into(), ip("2001:db8:1:2::9")));
        }
        assert_eq!(s.get(&victim).unwrap().user.name, "alice");
        assert!(s.get(&flood[0]).is_none(), "the flood's oldest went");
        assert!(s.get(flood.last().unwrap()).is_some());
        // The same /64 is one address; another /64 is another.
        let n = s.map.lock().unpoisoned().values().filter(|x| x.from == ip("2001:db8:1:2::")).count();
        assert_eq!(n, PER_ADDRESS);
        // Many addresses filling every slot: the busiest loses its oldest, not the victim.
        for i in 0..(MAX_SESSIONS as u32 + 10) {
            let a = std::net::Ipv4Addr::from(0x0a00_0000 + i / 2);
            s.create(user("chat"), "h".into(), IpAddr::V4(a));
        }
        assert!(s.map.lock().unpoisoned().len() <= MAX_SESSIONS);
        assert_eq!(s.get(&victim).unwrap().user.name, "alice");
    }

    #[test]
    fn a_session_ends_after_its_lifetime_however_busy() {
        let s = Sessions::default();
        let t = s.create(user("a"), "h".into(), ip("127.0.0.1"));
        assert!(s.get(&t).is_some());
        let past = Instant::now().checked_sub(LIFETIME + Duration::from_secs(1));
        let Some(past) = past else { return }; // a clock too young to go back that far
        s.map.lock().unpoisoned().get_mut(&t).unwrap().created = past;
        assert!(s.get(&t).is_none(), "used a second ago, but logged in over 7 days ago");
    }
}
