//! How fast one member may add to rooms.
//!
//! Anyone who may append to a room could otherwise flood it: with rotation, enough
//! traffic in a short time pushes the room's history out of its archives, and fills the
//! disk of a router. So every member gets a budget of messages (lines) and bytes per
//! minute, across all rooms and both front doors (FTP and the web API); past it, an
//! append is refused with a clear text and nothing is written. The counts outlive
//! reloads; the limits are the ones in force.
//!
//! A member is a user *at a client address* (an IPv6 address by its /64, the block one
//! home has): FTPChat groups share one account, and a budget per account let one member
//! over it silence everyone else on it (issue 19.4). Someone flooding from one place uses
//! up the budget of that place only.

use crate::base::sync::Unpoison;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The window the limits count over.
const WINDOW: Duration = Duration::from_secs(60);
/// Users tracked at most; past it, those with nothing in their window are forgotten.
const MAX_USERS: usize = 4096;

/// What one user appended in the last minute: (when, lines, bytes), oldest first.
type Recent = VecDeque<(Instant, u64, u64)>;

/// Per user, what they appended in the last minute.
#[derive(Debug, Default)]
pub(crate) struct Rates {
    users: Mutex<HashMap<String, Recent>>,
}

/// The limits in force (`[chat] max_messages_per_minute`, `max_bytes_per_minute`; 0: none).
#[derive(Debug, Clone, Copy)]
pub(crate) struct RateLimits {
    pub(crate) messages: u64,
    pub(crate) bytes: u64,
}

impl Rates {
    /// Admits an append of `lines` lines and `bytes` bytes by `user` and counts it, or
    /// says why not (for the client) without counting it.
    pub(crate) fn admit(&self, who: &Member, lines: u64, bytes: u64, l: RateLimits) -> Result<(), RateLimited> {
        let user = who.key.as_str();
        if l.messages == 0 && l.bytes == 0 {
            return Ok(());
        }
        let now = Instant::now();
        let mut users = self.users.lock().unpoisoned();
        if users.len() >= MAX_USERS && !users.contains_key(user) {
            users.retain(|_, q| q.back().is_some_and(|(t, _, _)| now.duration_since(*t) < WINDOW));
        }
        let q = users.entry(user.to_string()).or_default();
        while q.front().is_some_and(|(t, _, _)| now.duration_since(*t) >= WINDOW) {
            q.pop_front();
        }
        let (had_lines, had_bytes) = q.iter().fold((0, 0), |(a, b), (_, l, n)| (a + l, b + n));
        let retry = q.front().map_or(1, |(t, _, _)| (WINDOW.saturating_sub(now.duration_since(*t))).as_secs().max(1));
        if l.messages > 0 && had_lines + lines > l.messages {
            return Err(RateLimited::Messages { limit: l.messages, retry });
        }
        if l.bytes > 0 && had_bytes + bytes > l.bytes {
            return Err(RateLimited::Bytes { limit: l.bytes, retry });
        }
        q.push_back((now, lines, bytes));
        Ok(())
    }
}

/// Whose budget an append counts against: a person's own account (`personal`, made by an
/// invite) wherever they connect from; an account a group may share, per client address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Member {
    key: String,
}

impl Member {
    /// `user` appending from `peer` (an IPv6 address counts by its /64).
    pub(crate) fn new(user: &str, peer: std::net::IpAddr) -> Member {
        Member { key: format!("{user} {}", crate::relay::auth::block_addr(peer)) }
    }

    /// The member a session of `user` from `peer` appends as.
    pub(crate) fn of(user: &crate::relay::user::LoftUser, peer: std::net::IpAddr) -> Member {
        if user.personal {
            Member { key: user.name.clone() }
        } else {
            Member::new(&user.name, peer)
        }
    }
}

/// An append refused by a rate limit: nothing was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RateLimited {
    /// Over `chat.max_messages_per_minute`; `retry` seconds until there is room.
    Messages { limit: u64, retry: u64 },
    /// Over `chat.max_bytes_per_minute`.
    Bytes { limit: u64, retry: u64 },
}

impl std::fmt::Display for RateLimited {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RateLimited::Messages { limit, retry } => write!(
                f,
                "too many messages: at most {limit} a minute from each user (chat.max_messages_per_minute); nothing was written, try again in {retry} s"
            ),
            RateLimited::Bytes { limit, retry } => write!(
                f,
                "too much sent: at most {limit} bytes a minute from each user (chat.max_bytes_per_minute); nothing was written, try again in {retry} s"
            ),
        }
    }
}

impl RateLimited {
    /// Seconds until the budget has room again.
    pub(crate) fn retry(&self) -> u64 {
        match self {
            RateLimited::Messages { retry, .. } | RateLimited::Bytes { retry, .. } => *retry,
        }
    }
}

impl std::error::Error for RateLimited {}

impl Rates {
    /// `who` as the author of an append: the member whose share of the room it counts
    /// against, and the rate limit it passes in the room's writer once the room knows
    /// which of its lines are new (see [`crate::room::Admit`]): duplicates cost nothing,
    /// and parallel uploads are counted one after the other.
    pub(crate) fn author(self: &Arc<Self>, who: Member, limits: RateLimits) -> crate::room::Author {
        let rates = self.clone();
        let member = who.key.clone();
        let admit: crate::room::Admit = Box::new(move |lines, bytes| {
            rates
                .admit(&who, lines, bytes, limits)
                .map_err(|e| crate::room::NotAdmitted { why: e.to_string(), retry: e.retry() })
        });
        crate::room::Author { member, admit: Some(admit) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(user: &str) -> Member {
        Member::new(user, "127.0.0.1".parse().unwrap())
    }

    #[test]
    fn a_minute_of_messages_per_user() {
        let r = Rates::default();
        let l = RateLimits { messages: 3, bytes: 1000 };
        assert!(r.admit(&m("al"), 2, 10, l).is_ok());
        assert!(r.admit(&m("al"), 1, 10, l).is_ok());
        let e = r.admit(&m("al"), 1, 10, l).unwrap_err().to_string();
        assert!(e.contains("at most 3 a minute") && e.contains("try again in"), "{e}");
        assert!(r.admit(&m("bo"), 3, 10, l).is_ok(), "another user has their own budget");
        let e = r.admit(&m("cy"), 1, 1001, l).unwrap_err().to_string();
        assert!(e.contains("max_bytes_per_minute"), "{e}");
        assert!(r.admit(&m("cy"), 1, 999, l).is_ok(), "a refused append is not counted");
        assert!(r.admit(&m("al"), 50, 10, RateLimits { messages: 0, bytes: 0 }).is_ok());
    }

    /// Issue 19.4: on a shared account, one member's flood is counted against that
    /// member's address only; an IPv6 /64 is one member.
    #[test]
    fn members_of_one_account_have_budgets_of_their_own() {
        let r = Rates::default();
        let l = RateLimits { messages: 3, bytes: 0 };
        let at = |ip: &str| Member::new("chat", ip.parse().unwrap());
        assert!(r.admit(&at("2001:db8:0:1::5"), 3, 10, l).is_ok());
        assert!(r.admit(&at("2001:db8:0:1::6"), 1, 10, l).is_err(), "the same /64");
        assert!(r.admit(&at("192.0.2.9"), 3, 10, l).is_ok(), "another member of the account");
        assert!(r.admit(&Member::new("other", "2001:db8:0:1::5".parse().unwrap()), 3, 10, l).is_ok());
    }
}
