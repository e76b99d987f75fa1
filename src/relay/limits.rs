//! Connection caps, enforced at accept time.
//!
//! libunftp has no connection-limit API, and a router has a few hundred file descriptors
//! and tens of megabytes to spare, so Loft counts sessions itself: over the total cap or
//! the per-address cap, a new connection gets `421` and is closed before any TLS or
//! libunftp state is made for it, and everyone already connected keeps working.

use crate::base::sync::Unpoison;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

/// Counts live sessions, in total and per address.
#[derive(Debug, Default)]
pub(crate) struct Limiter {
    state: Mutex<State>,
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
    pub(crate) fn acquire(self: &Arc<Self>, ip: IpAddr, max_total: usize, max_per_ip: usize) -> Result<Slot, Refusal> {
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_hold_and_slots_free() {
        let l = Arc::new(Limiter::default());
        let acquire = |ip| l.acquire(ip, 3, 2);
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
}
