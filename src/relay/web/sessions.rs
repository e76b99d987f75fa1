//! Web sessions: a random bearer token per login, so the page does not send the FTP
//! password with every request (nor keep it), and the PBKDF2 check runs once per login.
//!
//! A session ends when it has been idle for [`IDLE`], at logout, and as soon as its user
//! is removed from the config or given another password (checked on every request
//! against the snapshot in force), the way a changed password stops cached FTP logins.

use crate::base::sync::Unpoison;
use crate::relay::user::LoftUser;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Idle time after which a session is forgotten.
pub(super) const IDLE: Duration = Duration::from_secs(12 * 3600);
/// Sessions kept at most; past it the least recently used go first.
const MAX_SESSIONS: usize = 4096;

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
    last: Instant,
}

impl Sessions {
    /// A new session for `user`; returns its token.
    pub(super) fn create(&self, user: LoftUser, phc: String) -> String {
        let mut raw = [0u8; 32];
        rand::Rng::fill(&mut rand::thread_rng(), &mut raw);
        let token = URL_SAFE_NO_PAD.encode(raw);
        let now = Instant::now();
        let mut map = self.map.lock().unpoisoned();
        if map.len() >= MAX_SESSIONS {
            map.retain(|_, s| now.duration_since(s.last) < IDLE);
            while map.len() >= MAX_SESSIONS {
                let Some(oldest) = map.iter().min_by_key(|(_, s)| s.last).map(|(k, _)| k.clone()) else { break };
                map.remove(&oldest);
            }
        }
        map.insert(token.clone(), Session { user, phc, last: now });
        token
    }

    /// The session of `token`, if it is live (and marks it used).
    pub(super) fn get(&self, token: &str) -> Option<Session> {
        let now = Instant::now();
        let mut map = self.map.lock().unpoisoned();
        let s = map.get_mut(token)?;
        if now.duration_since(s.last) >= IDLE {
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
        LoftUser { name: name.into(), home: "/tmp".into(), read_only: false, allow_delete: false, quota_bytes: 0 }
    }

    #[test]
    fn tokens_are_distinct_and_end_at_logout() {
        let s = Sessions::default();
        let a = s.create(user("a"), "h".into());
        let b = s.create(user("b"), "h".into());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(s.get(&a).unwrap().user.name, "a");
        s.remove(&a);
        assert!(s.get(&a).is_none());
        assert!(s.get("made-up").is_none());
        assert_eq!(s.get(&b).unwrap().user.name, "b");
    }
}
