//! Chat rooms, part 2: rotation behind logical offsets, and reads that match SIZE.
//!
//! A follower written like the FTPChat v1.7 client (SIZE, then REST + RETR from the last
//! size) never sees a duplicate, a torn line or a shrinking size while writers rotate the
//! room many times; a new reader gets the live part from a line start; archives are hidden
//! and read-only but readable by path; a SIGKILL at any moment of a rotation loses and
//! doubles nothing.

use crate::common;
use common::{set_key, Relay, Setup};

fn rotating_relay(rotate: u64, keep: u64, archives: usize) -> Relay {
    Relay::with(rotating_setup(rotate, keep, archives))
}

fn rotating_setup(rotate: u64, keep: u64, archives: usize) -> Setup {
    Setup::default().edit(move |t| {
        let t = set_key(&t, "limits", "max_per_ip", "100");
        let t = set_key(&t, "limits", "max_connections", "200");
        let t = set_key(&t, "chat", "rotate_bytes", &rotate.to_string());
        let t = set_key(&t, "chat", "keep_bytes", &keep.to_string());
        set_key(&t, "chat", "keep_archives", &archives.to_string())
    })
}

#[test]
fn an_ftpchat_follower_sees_every_message_once_across_twenty_rotations() {
    if common::skip_without_cryptography() {
        return;
    }
    // The follower polls every 200 ms, at a chat's pace.
    let r = rotating_relay(16 * 1024, 12 * 1024, 4);
    let out = follow(&r, "empty", 8, 100, 0.02, 0.2, 20, 16 * 1024, 4);
    assert!(out.contains("ok 800 messages"), "{out}");
}

/// An FTPChat follower (SIZE, then REST + RETR, every `poll` seconds) against `writers`
/// FTPChat senders of `per` messages each (tests/support/scripts/rooms_rotation/follower.py);
/// it must see every message exactly once. `first`: what the room holds before ("empty",
/// or "one" message): the follower starts at its size, as FTPChat does after its first
/// download.
#[allow(clippy::too_many_arguments)]
fn follow(
    r: &Relay,
    first: &str,
    writers: usize,
    per: usize,
    pause: f64,
    poll: f64,
    min_rotations: usize,
    rotate: usize,
    keep_archives: usize,
) -> String {
    let args = [
        first.to_string(),
        writers.to_string(),
        per.to_string(),
        pause.to_string(),
        poll.to_string(),
        min_rotations.to_string(),
        rotate.to_string(),
        keep_archives.to_string(),
    ];
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = r.script_args("rooms_rotation/follower.py", &args);
    assert!(
        out.status.success(),
        "{}\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        r.log()
    );
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// Issue 13: a reader that falls behind (FTPChat runs one PBKDF2 per line, so a poll can
/// take seconds) used to skip to the live part and lose what rotated away meanwhile. With
/// `keep_bytes` small against the traffic between two polls, it now reads on through the
/// archives and misses nothing (before: 16 of 320 seen).
#[test]
fn a_follower_that_falls_behind_reads_on_through_the_archives() {
    if common::skip_without_cryptography() {
        return;
    }
    // Archives enough to hold the whole burst (about 14 rotations): the reader is within
    // retention however far behind it falls.
    let r = rotating_relay(4096, 1024, 64);
    let out = follow(&r, "one", 4, 80, 0.0, 1.0, 3, 4096, 64);
    assert!(out.contains("ok 320 messages"), "{out}");
}

#[test]
fn a_new_reader_gets_the_live_part_from_a_line_start_and_archives_are_hidden() {
    if common::skip_without_cryptography() {
        return;
    }
    let r = rotating_relay(4096, 1024, 0);
    let out = r.script_ok("rooms_rotation/new_reader.py");
    assert!(out.contains("ok "), "{out}");
}

#[test]
fn a_session_reads_up_to_the_size_it_asked() {
    if common::skip_without_cryptography() {
        return;
    }
    let r = rotating_relay(256 * 1024, 64 * 1024, 0);
    let out = r.script_ok("rooms_rotation/a_session_reads_up_to_the_size_it_asked.py");
    assert!(out.contains("ok"), "{out}");
}

#[test]
#[ignore = "slow hardening test: .ci/run runs it (cargo test --test it -- --ignored)"]
fn a_kill_during_rotation_loses_and_doubles_nothing() {
    if common::skip_without_cryptography() {
        return;
    }
    // A child process: what is tested is a SIGKILL.
    let mut r = Relay::process(rotating_setup(2048, 1024, 0));
    let ack = r.dir.path().join("acked.txt");
    std::fs::write(&ack, "").unwrap();
    r.script_ok("rooms_rotation/make_room.py");
    for round in 0..5u64 {
        let ack_path = ack.to_str().unwrap().to_string();
        let mut child = r.spawn_script_args("rooms_rotation/kill_writers.py", &[&ack_path, &format!("r{round}-")]);
        std::thread::sleep(std::time::Duration::from_millis(400 + 250 * round));
        r.kill();
        let _ = child.kill();
        let _ = child.wait();
        r.restart();
        let out = r.script_args("rooms_rotation/kill_check.py", &[&ack_path]);
        let out = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
        assert!(out.contains("ok "), "round {round}: {out}");
    }
}

/// Issue 19.17: the history file's offsets hold within a session: after a prune between
/// `SIZE` and `RETR`, the `RETR` is refused rather than shifted.
#[test]
fn the_history_file_refuses_a_read_shifted_by_a_prune() {
    if common::skip_without_cryptography() {
        return;
    }
    // (The tests run with keep_days = 0: archives go by count.)
    let r = rotating_relay(2048, 1024, 1);
    r.expect_ok("history_pruned_since_size.py", r.script("rooms_rotation/history_pruned_since_size.py"));
}
