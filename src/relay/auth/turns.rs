//! Whose password is checked next: one check at a time per user, real users first.
//!
//! A password check is a PBKDF2 run, seconds on a router's CPU. Checks for one user run
//! one at a time (a burst of FTPChat logins for one user runs the KDF once; the rest hit
//! the login cache), so the order of the queue decides who waits. In arrival order, 30
//! addresses guessing 5 passwords each put a real user's login behind 150 checks, over
//! a minute on a router (issue 19.10). So the queue has two lanes:
//!
//! - **known**: addresses this user has logged in from before (an IPv6 address by its
//!   /64), remembered for [`KNOWN_FOR`]: a member whose cached login expired, or who
//!   comes back the next day, waits for the check in progress only;
//! - **others**, taken in turn per address (round robin): a newcomer waits for one check
//!   per address in the queue, however many guesses each has queued.

use crate::base::sync::Unpoison;
use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

/// How long a successful login makes its address known for its user.
pub(crate) const KNOWN_FOR: Duration = Duration::from_secs(30 * 24 * 3600);
/// (user, address) pairs remembered at most; past it the oldest are forgotten.
const MAX_KNOWN: usize = 4096;

/// The queues of every user, and the addresses known for each.
#[derive(Debug, Default)]
pub(crate) struct Turns {
    queues: Mutex<HashMap<String, Arc<Queue>>>,
    known: Mutex<HashMap<(String, IpAddr), Instant>>,
}

/// One user's queue.
#[derive(Debug, Default)]
pub(crate) struct Queue {
    state: Mutex<Lanes>,
}

#[derive(Debug, Default)]
struct Lanes {
    /// A check is running.
    busy: bool,
    known: VecDeque<oneshot::Sender<()>>,
    /// Waiters per address, and the order the addresses take their turns in.
    others: HashMap<IpAddr, VecDeque<oneshot::Sender<()>>>,
    rotation: VecDeque<IpAddr>,
}

/// The turn to check a password; the next waiter's when dropped.
#[derive(Debug)]
pub(crate) struct Turn(Arc<Queue>);

impl Drop for Turn {
    fn drop(&mut self) {
        self.0.pass_on();
    }
}

/// A waiter that gives up (its client hung up) passes on a turn it was handed.
struct Waiting {
    rx: Option<oneshot::Receiver<()>>,
    queue: Arc<Queue>,
}

impl Drop for Waiting {
    fn drop(&mut self) {
        if let Some(mut rx) = self.rx.take() {
            rx.close();
            if rx.try_recv().is_ok() {
                self.queue.pass_on();
            }
        }
    }
}

impl Queue {
    /// Hands the turn to the next waiter (known addresses first, then the others in turn
    /// per address), or marks the queue idle.
    fn pass_on(&self) {
        let mut st = self.state.lock().unpoisoned();
        while let Some(tx) = st.next() {
            if tx.send(()).is_ok() {
                return;
            }
        }
        st.busy = false;
    }
}

impl Lanes {
    fn next(&mut self) -> Option<oneshot::Sender<()>> {
        if let Some(tx) = self.known.pop_front() {
            return Some(tx);
        }
        while let Some(addr) = self.rotation.pop_front() {
            let Some(waiters) = self.others.get_mut(&addr) else { continue };
            let tx = waiters.pop_front();
            if waiters.is_empty() {
                self.others.remove(&addr);
            } else {
                self.rotation.push_back(addr);
            }
            if tx.is_some() {
                return tx;
            }
        }
        None
    }
}

impl Turns {
    /// Waits for `user`'s turn to check a password sent from `addr` (already cut to the
    /// address a client counts as).
    pub(crate) async fn take(&self, user: &str, addr: IpAddr) -> Turn {
        let queue = {
            let mut queues = self.queues.lock().unpoisoned();
            queues.retain(|_, q| Arc::strong_count(q) > 1);
            queues.entry(user.to_string()).or_default().clone()
        };
        let known = self.is_known(user, addr);
        let rx = {
            let mut guard = queue.state.lock().unpoisoned();
            let st = &mut *guard;
            if !st.busy {
                st.busy = true;
                None
            } else {
                let (tx, rx) = oneshot::channel();
                if known {
                    st.known.push_back(tx);
                } else {
                    let waiters = st.others.entry(addr).or_default();
                    if waiters.is_empty() {
                        st.rotation.push_back(addr);
                    }
                    waiters.push_back(tx);
                }
                Some(rx)
            }
        };
        let Some(rx) = rx else { return Turn(queue) };
        let mut waiting = Waiting { rx: Some(rx), queue: queue.clone() };
        if let Some(rx) = waiting.rx.as_mut() {
            // The sender is dropped unsent only if the queue is gone, and it is not: we
            // hold it. Either way the turn is ours now.
            let _ = rx.await;
        }
        waiting.rx = None;
        Turn(queue)
    }

    /// Remembers that `user` logged in from `addr`.
    pub(crate) fn login_ok(&self, user: &str, addr: IpAddr) {
        let mut known = self.known.lock().unpoisoned();
        if known.len() >= MAX_KNOWN {
            known.retain(|_, t| t.elapsed() < KNOWN_FOR);
            if known.len() >= MAX_KNOWN {
                if let Some(oldest) = known.iter().min_by_key(|(_, t)| **t).map(|(k, _)| k.clone()) {
                    known.remove(&oldest);
                }
            }
        }
        known.insert((user.to_string(), addr), Instant::now());
    }

    fn is_known(&self, user: &str, addr: IpAddr) -> bool {
        let known = self.known.lock().unpoisoned();
        known.get(&(user.to_string(), addr)).is_some_and(|t| t.elapsed() < KNOWN_FOR)
    }

    /// Waiters for `user` now (tests).
    #[cfg(test)]
    pub(crate) fn waiting(&self, user: &str) -> usize {
        let queues = self.queues.lock().unpoisoned();
        queues.get(user).map_or(0, |q| {
            let st = q.state.lock().unpoisoned();
            st.known.len() + st.others.values().map(VecDeque::len).sum::<usize>()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    /// The order turns are handed in: known addresses first, then one per address in turn.
    #[tokio::test]
    async fn known_addresses_first_then_each_address_in_turn() {
        let turns = Arc::new(Turns::default());
        turns.login_ok("al", ip("10.0.0.9"));
        let first = turns.take("al", ip("10.0.0.1")).await;
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        // Queued in this order: three from .1, two from .2, then the known .9, then .3.
        for (n, addr) in
            ["10.0.0.1", "10.0.0.1", "10.0.0.1", "10.0.0.2", "10.0.0.2", "10.0.0.9", "10.0.0.3"].into_iter().enumerate()
        {
            let (t, order) = (turns.clone(), order.clone());
            tasks.push(tokio::spawn(async move {
                let _turn = t.take("al", ip(addr)).await;
                order.lock().unwrap().push(format!("{addr}#{n}"));
            }));
            while turns.waiting("al") < n + 1 {
                tokio::task::yield_now().await;
            }
        }
        drop(first);
        for t in tasks {
            t.await.unwrap();
        }
        let order = order.lock().unwrap().clone();
        assert_eq!(
            order,
            ["10.0.0.9#5", "10.0.0.1#0", "10.0.0.2#3", "10.0.0.3#6", "10.0.0.1#1", "10.0.0.2#4", "10.0.0.1#2"]
        );
    }

    /// A waiter that gives up, before or after it is handed the turn, does not stall the
    /// queue.
    #[tokio::test]
    async fn a_waiter_that_gives_up_passes_its_turn_on() {
        let turns = Arc::new(Turns::default());
        let first = turns.take("al", ip("10.0.0.1")).await;
        let quitter = tokio::spawn({
            let turns = turns.clone();
            async move { turns.take("al", ip("10.0.0.2")).await }
        });
        while turns.waiting("al") < 1 {
            tokio::task::yield_now().await;
        }
        quitter.abort();
        let _ = quitter.await;
        drop(first);
        let next = tokio::time::timeout(Duration::from_secs(2), turns.take("al", ip("10.0.0.3"))).await;
        assert!(next.is_ok(), "the queue stalled");
        // And a different user never waits for al.
        let other = tokio::time::timeout(Duration::from_secs(2), turns.take("bo", ip("10.0.0.3"))).await;
        assert!(other.is_ok());
    }
}
