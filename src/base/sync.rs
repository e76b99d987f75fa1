//! Locks that survive a panic elsewhere.
//!
//! A panic while a lock is held poisons it; every later `lock()` would then fail and take
//! the whole relay down with it. The data behind Loft's locks (caches, counters, tables
//! swapped whole) is consistent between statements, so the guard is taken anyway.

use std::sync::LockResult;

/// `.lock().unpoisoned()`: the guard, poisoned or not.
pub(crate) trait Unpoison<G> {
    fn unpoisoned(self) -> G;
}

impl<G> Unpoison<G> for LockResult<G> {
    fn unpoisoned(self) -> G {
        self.unwrap_or_else(|e| e.into_inner())
    }
}
