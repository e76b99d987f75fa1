//! systemd/loft.service passes `systemd-analyze verify` and stays under the exposure
//! limit of `systemd-analyze security --offline` (systemd/test.sh). Skipped where
//! systemd-analyze is not installed.

use std::path::Path;
use std::process::Command;

#[test]
fn unit_verifies_and_is_hardened() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new("sh").arg(root.join("systemd/test.sh")).output().expect("run systemd/test.sh");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    println!("{text}");
    if out.status.code() == Some(77) {
        crate::common::require(&format!("systemd-analyze ({})", text.trim()), false, "apt-get install systemd");
        return;
    }
    assert!(out.status.success(), "systemd/test.sh failed:\n{text}");
}
