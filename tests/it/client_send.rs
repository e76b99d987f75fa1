//! `loft send` against a real `loft serve`: what it says before sending.

#![cfg(feature = "client")]

use crate::common;
use common::Relay;
use std::process::Output;

fn send(r: &Relay, home: &std::path::Path, key: &str, text: &str) -> Output {
    common::loft_client(
        home,
        key,
        &["send", "-s", &format!("ftp://chat@127.0.0.1:{}/", r.port), "--room", "lobby", "--name", "al", text],
    )
    .output()
    .unwrap()
}

/// Issue 13: FTPChat v1.7 readers freeze for good at a line they cannot decrypt, so a
/// message under a key none of the recent lines use (a typo) gets a warning first.
#[test]
fn a_key_no_recent_message_uses_is_warned_about() {
    let r = Relay::start();
    let home = tempfile::tempdir().unwrap();
    let err = |o: &Output| String::from_utf8_lossy(&o.stderr).to_string();
    let first = send(&r, home.path(), "right key", "one");
    assert!(first.status.success() && !err(&first).contains("warning"), "{}", err(&first));
    let again = send(&r, home.path(), "right key", "two");
    assert!(again.status.success() && !err(&again).contains("warning"), "{}", err(&again));
    let typo = send(&r, home.path(), "rihgt key", "three");
    assert!(typo.status.success(), "{}", err(&typo));
    assert!(err(&typo).contains("none of the last 2 messages") && err(&typo).contains("FTPChat"), "{}", err(&typo));
    // One line under the right key among the recent ones is enough: no warning.
    let fine = send(&r, home.path(), "right key", "four");
    assert!(fine.status.success() && !err(&fine).contains("warning"), "{}", err(&fine));
    let disk = std::fs::read_to_string(r.root.join("lobby.txt")).unwrap();
    assert_eq!(disk.lines().count(), 4);
}
