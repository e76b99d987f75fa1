//! The holes an outside review found in the relay (issue 13), each tried the way it was
//! found: by a real FTP client (Python's ftplib) against a real `loft serve`.

mod common;
use common::{vectors_path, Relay, PASSWORD};
use std::process::Command;

/// Runs a scenario of tests/support/hardening.py against `r`.
fn scenario(r: &Relay, name: &str) {
    if common::skip_without_cryptography() {
        return;
    }
    let out = Command::new("python3")
        .arg(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/hardening.py"))
        .arg(name)
        .env("FTP_PORT", r.port.to_string())
        .env("FTP_PASSWORD", PASSWORD)
        .env("FTP_ROOT", &r.root)
        .env("FTP_CERT", r.cert())
        .env("VECTORS", vectors_path())
        .output()
        .unwrap();
    assert!(
        out.status.success() && String::from_utf8_lossy(&out.stdout).contains("ok"),
        "hardening.py {name}\n--- stdout\n{}\n--- stderr\n{}\n--- server log\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        r.log()
    );
}

#[test]
fn a_folder_holding_rooms_cannot_be_renamed() {
    scenario(&Relay::start(), "folders_with_rooms_stay_put");
}

#[test]
fn room_rules_hold_under_any_case() {
    scenario(&Relay::start(), "room_names_ignore_case");
}

#[test]
fn a_fifo_is_refused_not_served() {
    scenario(&Relay::start(), "a_fifo_is_not_served");
}
