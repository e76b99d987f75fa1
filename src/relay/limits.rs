//! Connection caps, enforced at accept time.
//!
//! libunftp has no connection-limit API, and a router has a few hundred file descriptors
//! and tens of megabytes to spare, so Loft counts sessions itself: over the total cap or
//! the per-address cap, a new connection gets `421` and is closed before any TLS or
//! libunftp state is made for it, and everyone already connected keeps working.
//!
//! An IPv6 client is counted by its prefix (`limits.ipv6_prefix`, a /64 unless set): one
//! host has a whole /64 to pick addresses from, and counting each address would let it
//! take every slot (issue 19.3).
//!
//! The caps also keep file descriptors in hand: a slot may hold [`FDS_PER_SESSION`]
//! descriptors, and [`Limiter::fit_to_open_files`] lowers the total cap to what the
//! process's open-file limit (`ulimit -n`) can carry after [`FD_RESERVE`]. Without that,
//! a cap above the limit let one front door take every descriptor and `accept` fail for
//! both (issue 19.2: at 512 open files, web connections took FTP down).

use crate::base::sync::Unpoison;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// What one slot may hold open at once: an FTP session has its control connection, a
/// passive listener, a data connection and the file it moves; a web connection its
/// socket and a file.
pub(crate) const FDS_PER_SESSION: u64 = 4;
/// Descriptors kept out of the slots' reach: listeners, the log, room files being
/// rotated, state files written, connections being refused, the resolver.
pub(crate) const FD_RESERVE: u64 = 64;

/// Counts live sessions, in total and per address.
#[derive(Debug)]
pub(crate) struct Limiter {
    state: Mutex<State>,
    /// The total cap the open-file limit allows (`usize::MAX` until measured).
    ceiling: AtomicUsize,
}

impl Default for Limiter {
    fn default() -> Self {
        Limiter { state: Mutex::default(), ceiling: AtomicUsize::new(usize::MAX) }
    }
}

#[derive(Debug, Default)]
struct State {
    total: usize,
    per_ip: HashMap<IpAddr, usize>,
}

/// Why a connection was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    Total(usize),
    PerIp(usize),
}

impl Refusal {
    /// The reply line sent before closing.
    pub(crate) fn reply(&self) -> &'static str {
        match self {
            Refusal::Total(_) => "421 Too many connections to this relay, try again later.\r\n",
            Refusal::PerIp(_) => "421 Too many connections from your address, try again later.\r\n",
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Total(n) => write!(f, "limits.max_connections ({n}) reached"),
            Refusal::PerIp(n) => write!(f, "limits.max_per_ip ({n}) reached"),
        }
    }
}

/// The address a connection from `ip` counts as: an IPv6 address cut to its first
/// `prefix` bits (an IPv4-mapped one as the IPv4 address).
pub(crate) fn counted_as(ip: IpAddr, prefix: u8) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let bits = u128::from(v6);
                let keep = u32::from(prefix.min(128));
                let mask = if keep == 0 { 0 } else { u128::MAX << (128 - keep) };
                IpAddr::V6((bits & mask).into())
            }
        },
        v4 => v4,
    }
}

/// A live session's slot; dropping it frees the slot.
#[derive(Debug)]
pub(crate) struct Slot {
    limiter: Arc<Limiter>,
    ip: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut st = self.limiter.state.lock().unpoisoned();
        st.total = st.total.saturating_sub(1);
        if let Some(n) = st.per_ip.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                st.per_ip.remove(&self.ip);
            }
        }
    }
}

impl Limiter {
    /// Takes a slot for a connection from `ip` under the caps in force (after a reload,
    /// sessions over new caps are not closed; new ones wait for room), or says why not.
    pub(crate) fn acquire(self: &Arc<Self>, ip: IpAddr, limits: &crate::config::Limits) -> Result<Slot, Refusal> {
        let (max_total, max_per_ip) = (self.max_total(limits), limits.max_per_ip);
        let ip = counted_as(ip, limits.ipv6_prefix);
        let mut st = self.state.lock().unpoisoned();
        if st.total >= max_total {
            return Err(Refusal::Total(max_total));
        }
        let n = st.per_ip.entry(ip).or_insert(0);
        if *n >= max_per_ip {
            return Err(Refusal::PerIp(max_per_ip));
        }
        *n += 1;
        st.total += 1;
        Ok(Slot { limiter: self.clone(), ip })
    }

    /// Sessions now.
    pub(crate) fn active(&self) -> usize {
        self.state.lock().unpoisoned().total
    }

    /// The total cap in force: `limits.max_connections`, or less if the open-file limit
    /// cannot carry that many.
    pub(crate) fn max_total(&self, limits: &crate::config::Limits) -> usize {
        limits.max_connections.min(self.ceiling.load(Ordering::Relaxed))
    }

    /// Lowers the total cap to what `open_files` descriptors carry, and says so (once
    /// per config) when that is below `limits.max_connections`.
    pub(crate) fn fit_to_open_files(&self, open_files: u64, limits: &crate::config::Limits) {
        let fits = (open_files.saturating_sub(FD_RESERVE) / FDS_PER_SESSION).max(1);
        let fits = usize::try_from(fits).unwrap_or(usize::MAX);
        self.ceiling.store(fits, Ordering::Relaxed);
        if fits < limits.max_connections {
            tracing::warn!(
                target: "loft::conn",
                "limits.max_connections is {} but this process may open {open_files} files (ulimit -n), enough for {fits} sessions: at most {fits} are served; raise the limit (ulimit -n, or LimitNOFILE= in the systemd unit) or lower max_connections",
                limits.max_connections
            );
        }
    }
}

/// Raises this process's open-file limit to its hard limit (the soft one is often 1024
/// while 4096 or more is allowed) and returns the soft limit in force.
pub(crate) fn raise_open_files() -> u64 {
    let Some(lim) = nofile() else { return u64::MAX };
    if lim.rlim_cur < lim.rlim_max {
        let raised = libc::rlimit { rlim_cur: lim.rlim_max, rlim_max: lim.rlim_max };
        // SAFETY: setrlimit only reads the struct passed.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
            return open_files_limit(lim.rlim_max);
        }
    }
    open_files_limit(lim.rlim_cur)
}

/// The soft open-file limit now, without changing it.
pub(crate) fn open_files() -> u64 {
    nofile().map_or(u64::MAX, |lim| open_files_limit(lim.rlim_cur))
}

fn nofile() -> Option<libc::rlimit> {
    let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit only writes the struct passed.
    (unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } == 0).then_some(lim)
}

fn open_files_limit(cur: libc::rlim_t) -> u64 {
    if cur == libc::RLIM_INFINITY {
        u64::MAX
    } else {
        #[allow(clippy::useless_conversion)] // rlim_t is u32 on some 32-bit targets
        u64::from(cur)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(total: usize, per_ip: usize, prefix: u8) -> crate::config::Limits {
        crate::config::Limits { max_connections: total, max_per_ip: per_ip, ipv6_prefix: prefix, ..Default::default() }
    }

    #[test]
    fn caps_hold_and_slots_free() {
        let l = Arc::new(Limiter::default());
        let caps = limits(3, 2, 64);
        let acquire = |ip| l.acquire(ip, &caps);
        let a: IpAddr = "127.0.0.1".parse().unwrap();
        let b: IpAddr = "127.0.0.2".parse().unwrap();
        let s1 = acquire(a).unwrap();
        let _s2 = acquire(a).unwrap();
        assert_eq!(acquire(a).unwrap_err(), Refusal::PerIp(2));
        let _s3 = acquire(b).unwrap();
        assert_eq!(acquire(b).unwrap_err(), Refusal::Total(3));
        drop(s1);
        assert!(acquire(a).is_ok());
    }

    /// Issue 19.2: a total cap the open-file limit cannot carry is lowered to what it can.
    #[test]
    fn the_open_file_limit_lowers_the_total_cap() {
        let l = Arc::new(Limiter::default());
        let caps = limits(64, 64, 64);
        l.fit_to_open_files(FD_RESERVE + 3 * FDS_PER_SESSION + 1, &caps);
        assert_eq!(l.max_total(&caps), 3);
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let held: Vec<_> = (0..3).map(|_| l.acquire(ip, &caps).unwrap()).collect();
        assert_eq!(l.acquire(ip, &caps).unwrap_err(), Refusal::Total(3));
        drop(held);
        l.fit_to_open_files(u64::MAX, &caps);
        assert_eq!(l.max_total(&caps), 64);
        l.fit_to_open_files(0, &caps);
        assert_eq!(l.max_total(&caps), 1, "one session at least");
    }

    /// Issue 19.3: one IPv6 host cannot take several slots by changing its address
    /// inside its /64; `ipv6_prefix = 128` counts each address.
    #[test]
    fn ipv6_counts_by_prefix() {
        let l = Arc::new(Limiter::default());
        let ip = |s: &str| -> IpAddr { s.parse().unwrap() };
        let caps = limits(100, 2, 64);
        let _a = l.acquire(ip("2001:db8:1:2::1"), &caps).unwrap();
        let _b = l.acquire(ip("2001:db8:1:2:ffff::2"), &caps).unwrap();
        assert_eq!(l.acquire(ip("2001:db8:1:2:abcd::3"), &caps).unwrap_err(), Refusal::PerIp(2));
        assert!(l.acquire(ip("2001:db8:1:3::1"), &caps).is_ok(), "another /64");
        let each = limits(100, 2, 128);
        assert!(l.acquire(ip("2001:db8:1:2:abcd::3"), &each).is_ok());
        assert_eq!(counted_as(ip("::ffff:10.1.2.3"), 64), ip("10.1.2.3"));
        assert_eq!(counted_as(ip("2001:db8:1:2:3:4:5:6"), 48), ip("2001:db8:1::"));
    }
}
