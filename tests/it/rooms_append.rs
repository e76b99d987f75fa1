//! Chat rooms, part 1: appends to a room from many FTPChat-style senders at once (each
//! message its own session), over plain FTP and FTPS, are serialized, whole-line,
//! validated and de-duplicated; refused uploads leave the room byte-for-byte unchanged;
//! a SIGKILL loses no acknowledged message and leaves no torn line.

use crate::common;
use common::{set_key, Relay, Setup};

fn busy_relay() -> Relay {
    Relay::with(busy_setup())
}

fn busy_setup() -> Setup {
    Setup::default().edit(|t| {
        let t = set_key(&t, "limits", "max_per_ip", "100");
        // These tests read the room file whole: no rotation (tested in rooms_rotation.rs).
        let t = set_key(&t, "chat", "rotate_bytes", "0");
        set_key(&t, "limits", "max_connections", "200")
    })
}

#[test]
#[ignore = "slow hardening test: .ci/run runs it (cargo test --test it -- --ignored)"]
fn concurrent_writers_each_message_its_own_session_plain_ftp() {
    if common::skip_without_cryptography() {
        return;
    }
    let r = busy_relay();
    let out = r.script_ok("rooms_append/concurrent_writers_each_message_its_own_session_plain_ftp.py");
    assert!(out.contains("ok 1600"), "{out}");
}

#[test]
#[ignore = "slow hardening test: .ci/run runs it (cargo test --test it -- --ignored)"]
fn concurrent_writers_each_message_its_own_session_ftps() {
    if common::skip_without_cryptography() {
        return;
    }
    let r = busy_relay();
    let out = r.script_ok("rooms_append/concurrent_writers_each_message_its_own_session_ftps.py");
    assert!(out.contains("ok 1600"), "{out}");
}

#[test]
fn large_incompressible_messages_under_a_raised_limit() {
    if common::skip_without_cryptography() {
        return;
    }
    // This test reads the room file whole: no rotation (tested in rooms_rotation.rs).
    let r = Relay::with(Setup::default().edit(|t| {
        let t = set_key(&t, "chat", "max_append_bytes", "1048576");
        set_key(&t, "chat", "rotate_bytes", "0")
    }));
    r.script_ok("rooms_append/large_incompressible_messages_under_a_raised_limit.py");
}

#[test]
fn refused_uploads_leave_the_room_unchanged() {
    if common::skip_without_cryptography() {
        return;
    }
    let r = Relay::start();
    r.script_ok("rooms_append/refused_uploads_leave_the_room_unchanged.py");
}

#[test]
fn a_retried_token_is_stored_once() {
    if common::skip_without_cryptography() {
        return;
    }
    let r = Relay::start();
    r.script_ok("rooms_append/a_retried_token_is_stored_once.py");
}

#[test]
fn deleting_renaming_or_overwriting_a_room_is_refused() {
    let r = Relay::with(Setup::default().user("admin", "admin-pw", &[]).edit(|t| t));
    // Make admin allowed to delete, in the config itself.
    let text = std::fs::read_to_string(&r.config).unwrap();
    let mut doc: toml_edit::DocumentMut = text.parse().unwrap();
    let users = doc["users"].as_array_of_tables_mut().unwrap();
    for t in users.iter_mut() {
        if t["name"].as_str() == Some("admin") {
            t["allow_delete"] = toml_edit::value(true);
        }
    }
    std::fs::write(&r.config, doc.to_string()).unwrap();
    r.reload();
    let token = serde_json::from_str::<serde_json::Value>(&std::fs::read_to_string(common::vectors_path()).unwrap())
        .unwrap()["tokens"][0]["token"]
        .as_str()
        .unwrap()
        .to_string();
    std::fs::write(r.root.join("room.txt"), format!("{token}\n")).unwrap();
    r.script_ok("rooms_append/deleting_renaming_or_overwriting_a_room_is_refused.py");
}

#[test]
fn retr_stor_fallback_interleaved_with_appends_loses_nothing() {
    if common::skip_without_cryptography() {
        return;
    }
    let r = busy_relay();
    r.script_ok("rooms_append/retr_stor_fallback_interleaved_with_appends_loses_nothing.py");
}

#[test]
#[ignore = "slow hardening test: .ci/run runs it (cargo test --test it -- --ignored)"]
fn sigkill_while_appending_loses_no_acknowledged_message() {
    if common::skip_without_cryptography() {
        return;
    }
    // A child process: what is tested is a SIGKILL.
    let mut r = Relay::process(busy_setup());
    let ack = r.dir.path().join("acked.txt");
    for delay_ms in [30u64, 250, 700] {
        let before = std::fs::read(&ack).map(|d| d.len()).unwrap_or(0);
        let ack_path = ack.to_str().unwrap().to_string();
        let child = r.spawn_script_args("rooms_append/sigkill_writers.py", &[&ack_path, &format!("r{delay_ms}-")]);
        // Kill once appends are flowing, at a different moment each round.
        let t = std::time::Instant::now();
        while std::fs::read(&ack).map(|d| d.len()).unwrap_or(0) == before && t.elapsed().as_secs() < 20 {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        r.kill();
        let _ = child.wait_with_output();
        r.restart();
        // What clients see after the restart: whole lines only, every acknowledged message once.
        let out = r.script_args("rooms_append/sigkill_check.py", &[&ack_path]);
        assert!(out.status.success(), "{}\n{}", String::from_utf8_lossy(&out.stderr), r.log());
    }
}
