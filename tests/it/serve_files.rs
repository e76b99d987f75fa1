//! A room's files folder (`.ROOM.files/ID.lff`, for shared files) on a real `loft serve`:
//! what goes in (whole token files, new names only), the limits, read-only users, the
//! web API, and pruning with the room's history. Driven by ftplib and Python's HTTPS
//! client; the `loft` client's side is in `client_files`.

use crate::common;
use common::{set_key, Relay, Setup};
use std::time::{Duration, SystemTime};

fn scenario(r: &Relay, name: &str, tls: &str) {
    if common::skip_without_cryptography() {
        return;
    }
    let out = r.script_args("serve_files/scenarios.py", &[name, tls]);
    assert!(
        out.status.success() && String::from_utf8_lossy(&out.stdout).contains("ok"),
        "{name} {tls}\n--- stdout\n{}\n--- stderr\n{}\n--- server log\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        r.log()
    );
}

fn with_viewer() -> Setup {
    Setup::default().user("viewer", "viewer-pw", &["--read-only"])
}

#[test]
fn a_files_folder_takes_only_new_whole_token_files_over_ftp() {
    let r = Relay::with(with_viewer());
    scenario(&r, "rules", "plain");
    assert!(r.wait_log("shared file stored"), "{}", r.log());
}

#[test]
fn a_files_folder_takes_only_new_whole_token_files_over_ftps() {
    let r = Relay::with(with_viewer());
    scenario(&r, "rules", "tls");
}

#[test]
fn files_over_the_size_or_the_room_quota_get_552_and_leave_nothing() {
    let r = Relay::with(Setup::default().edit(|t| {
        let t = set_key(&t, "chat", "max_file_bytes", "100000");
        set_key(&t, "chat", "files_quota_bytes", "300000")
    }));
    scenario(&r, "limits", "tls");
}

/// Issue 19.7: 8 shared files at once against a room's files quota, and 4 plain uploads
/// at once against a user's quota: each limit holds (without the fix: 768,563 bytes
/// against 300,000, and 241,020 against 100,000).
#[test]
fn parallel_uploads_cannot_pass_the_quotas_together() {
    let r = Relay::with(
        Setup::default()
            .edit(|t| {
                let t = set_key(&t, "chat", "max_file_bytes", "100000");
                let t = set_key(&t, "chat", "files_quota_bytes", "300000");
                set_key(&t, "limits", "max_per_ip", "32")
            })
            .user("quota", "quota-pw", &["--home", "quota"]),
    );
    let cfg = std::fs::read_to_string(&r.config).unwrap();
    std::fs::write(&r.config, cfg.replace("name = \"quota\"", "name = \"quota\"\nquota_bytes = 100000")).unwrap();
    r.reload();
    scenario(&r, "parallel", "plain");
}

#[test]
fn with_file_sharing_off_uploads_are_refused() {
    let r = Relay::with(Setup::default().edit(|t| set_key(&t, "chat", "max_file_bytes", "0")));
    scenario(&r, "off", "plain");
}

#[cfg(feature = "web")]
#[test]
fn the_web_api_stores_and_serves_the_same_files_as_ftp() {
    let r = Relay::with(with_viewer());
    scenario(&r, "web", "plain");
}

#[test]
fn files_go_when_the_history_they_were_announced_in_is_pruned() {
    if common::skip_without_cryptography() {
        return;
    }
    let r = Relay::with(Setup::default().edit(|t| {
        let t = set_key(&t, "chat", "rotate_bytes", "2000");
        let t = set_key(&t, "chat", "keep_bytes", "500");
        set_key(&t, "chat", "keep_archives", "1")
    }));
    let dir = r.root.join(".lobby.txt.files");
    std::fs::create_dir_all(&dir).unwrap();
    let old = dir.join(format!("{:032x}.lff", 1));
    let new = dir.join(format!("{:032x}.lff", 2));
    for p in [&old, &new] {
        std::fs::write(p, "x\n").unwrap();
    }
    // The old file is from before anything the room keeps; the new one from now.
    let two_days_ago = SystemTime::now() - Duration::from_secs(2 * 86_400);
    std::fs::File::options().write(true).open(&old).unwrap().set_modified(two_days_ago).unwrap();
    // One rotation, one archive: nothing is pruned yet, so nothing goes.
    let out = r.script_args("serve_files/fill.py", &["12"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(old.exists() && new.exists(), "{}", r.log());
    // More rotations: archives beyond keep_archives are pruned, and with them the old file.
    let out = r.script_args("serve_files/fill.py", &["40"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(r.wait_log("archive pruned"), "{}", r.log());
    let t = std::time::Instant::now();
    while old.exists() && t.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(!old.exists(), "the old file outlived the history it was announced in\n{}", r.log());
    assert!(new.exists(), "a file announced in kept history was pruned\n{}", r.log());
    assert!(r.log().contains("shared file pruned"), "{}", r.log());
}
