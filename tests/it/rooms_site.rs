//! Chat rooms, part 2: `SITE WAIT` (instant delivery) and `SITE SEEN` (read receipts).

use crate::common;
use common::{set_key, Relay, Setup};

#[test]
fn site_wait_answers_on_append_times_out_and_survives_disconnects() {
    if common::skip_without_cryptography() {
        return;
    }
    // Four sessions per address: a waiting session that outlived its client would soon
    // lock the tests' own client out.
    let r = Relay::with(Setup::default().edit(|t| set_key(&t, "limits", "max_per_ip", "4")));
    let out = r.script_ok("rooms_site/site_wait_answers_on_append_times_out_and_survives_disconnects.py");
    assert!(out.contains("ok"), "{out}");
}

#[test]
fn site_seen_reports_who_read_what_across_a_restart() {
    if common::skip_without_cryptography() {
        return;
    }
    let mut r = Relay::with(common::Setup::default().user("bob", "bobs-password", &[]));
    r.script_ok("rooms_site/seen_read.py");
    assert!(r.script_ok("rooms_site/seen_check.py").contains("ok"));
    // A clean stop writes the receipts not written yet (they wait up to 2 s to be
    // written together); after a kill, those of the last 2 s may be gone.
    r.restart_cleanly();
    assert!(r.script_ok("rooms_site/seen_check.py").contains("ok"));
}

// How fast `SITE WAIT` delivers, against polling every 1 s and 5 s (and against vsftpd),
// is measured by `cargo bench --bench load` (the delivery rows; see docs/benchmarks.md):
// speed is printed by a command, never asserted by a test.
