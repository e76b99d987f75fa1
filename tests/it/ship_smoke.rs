//! cross/smoke.sh against the host build of `loft` (no qemu): the same login, FTPS
//! listing, APPE to a room and REST+RETR, and the web page with an API login, append and
//! read, that CI runs for the ARM and MIPS binaries, so
//! the smoke script itself is known to work. Skipped without python3.

use std::path::Path;
use std::process::Command;

#[test]
fn smoke_script_passes_on_the_host_binary() {
    let ok = Command::new("python3").arg("-c").arg("import ssl, ftplib").output().is_ok_and(|o| o.status.success());
    if !crate::common::require("python3 with ssl and ftplib", ok, "apt-get install python3") {
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new("sh")
        .arg(root.join("cross/smoke.sh"))
        .arg("host")
        .arg(env!("CARGO_BIN_EXE_loft"))
        .env("LOFT_QEMU", "")
        .output()
        .expect("run cross/smoke.sh");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    println!("{text}");
    assert!(out.status.success(), "cross/smoke.sh failed:\n{text}");
    assert!(text.contains("smoke: PASS"), "{text}");
    assert!(text.contains("smoke: web: OK"), "the web check did not run:\n{text}");
}
