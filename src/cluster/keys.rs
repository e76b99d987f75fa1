//! The `[chat]` keys every relay of a group must share, kept in the stream's metadata,
//! and `[cluster] max_bytes`, the stream's own bound, for the same reason (two relays
//! with different values would set the stream's limits back and forth).
//!
//! A replica rotates and prunes where `rotate_bytes`, `keep_bytes`, `keep_archives` and
//! `keep_days` say: two relays with different values would hold the same lines cut into
//! different archives, and prune different ones. The first relay to make the stream
//! records its values in the stream's metadata (`loft.chat.<key>`); every relay compares
//! its own with them at each connection, and a relay whose values differ refuses to
//! start (or, when it learns it later, stops applying and refuses appends), naming the
//! key and both values. A stream made by a Loft that did not record them gets this
//! relay's values. Changing them for a running group is not supported: replicas, and
//! replicas rebuilt later, would rotate old messages differently.

use crate::room::rotate::RotateSettings;
use std::collections::HashMap;

/// The prefix of the metadata keys: `loft.<section>.<key>`.
const PREFIX: &str = "loft.";

/// The keys and this relay's values, as the stream's metadata holds them.
pub(super) fn metadata(s: &RotateSettings, max_bytes: u64) -> HashMap<String, String> {
    [
        ("chat.rotate_bytes", s.rotate_bytes.to_string()),
        ("chat.keep_bytes", s.keep_bytes.to_string()),
        ("chat.keep_archives", s.keep_archives.to_string()),
        ("chat.keep_days", s.keep_days.to_string()),
        ("cluster.max_bytes", max_bytes.to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (format!("{PREFIX}{k}"), v))
    .collect()
}

/// A relay whose keys differ from the stream's: it must not apply the stream.
#[derive(Debug)]
pub(super) struct KeysDiffer(pub(super) String);

impl std::fmt::Display for KeysDiffer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for KeysDiffer {}

/// Compares this relay's values with the stream's: `Err` names every key that differs
/// and both values; `Ok(true)` when the stream lacks some key (to be recorded).
pub(super) fn compare(ours: &HashMap<String, String>, stream: &HashMap<String, String>) -> Result<bool, String> {
    let mut differ = Vec::new();
    let mut missing = false;
    let mut keys: Vec<_> = ours.keys().collect();
    keys.sort();
    for k in keys {
        match stream.get(k) {
            Some(v) if v != &ours[k] => {
                let name = k.strip_prefix(PREFIX).unwrap_or(k);
                let (section, name) = name.split_once('.').unwrap_or(("chat", name));
                differ.push(format!("[{section}] {name} is {} here but {v} on the cluster's other relays", ours[k]));
            }
            Some(_) => {}
            None => missing = true,
        }
    }
    if differ.is_empty() {
        Ok(missing)
    } else {
        Err(format!(
            "{}: every relay of a cluster must rotate, prune and bound its rooms alike; set the values the stream records (changing them for a running group is not supported)",
            differ.join("; ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differing_keys_are_named_with_both_values() {
        let a = RotateSettings { rotate_bytes: 4096, keep_bytes: 1024, keep_archives: 0, keep_days: 0 };
        let b = RotateSettings { rotate_bytes: 8192, ..a };
        assert_eq!(compare(&metadata(&a, 0), &metadata(&a, 0)), Ok(false));
        assert_eq!(compare(&metadata(&a, 0), &HashMap::new()), Ok(true));
        let e = compare(&metadata(&a, 0), &metadata(&b, 0)).unwrap_err();
        assert!(e.contains("[chat] rotate_bytes is 4096 here but 8192"), "{e}");
        assert!(!e.contains("keep_bytes"), "{e}");
        let e = compare(&metadata(&a, 1 << 30), &metadata(&a, 0)).unwrap_err();
        assert!(e.contains("[cluster] max_bytes is 1073741824 here but 0"), "{e}");
    }
}
