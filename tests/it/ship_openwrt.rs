//! The OpenWrt package's shell scripts, run by `openwrt/test/run.sh` with the real
//! binary: UCI -> TOML (accepted by `loft check`), start_service under a procd stub,
//! `passwd`, the mount hotplug script, the .ipk layout, and shellcheck when installed.
//! Run once with `sh` and, when installed, once with busybox's ash (OpenWrt's shell).

use crate::common;
use std::path::Path;
use std::process::Command;

fn run(shell: &[&str]) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let script = root.join("openwrt/test/run.sh");
    let out = Command::new(shell[0])
        .args(&shell[1..])
        .arg(&script)
        .arg(shell.join(" "))
        .env("LOFT_BIN", env!("CARGO_BIN_EXE_loft"))
        .output()
        .expect("run openwrt/test/run.sh");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}{stderr}");
    assert!(out.status.success(), "openwrt/test/run.sh with {shell:?} failed:\n{stdout}{stderr}");
    assert!(!stdout.contains("skip - start_service"), "the binary was not used:\n{stdout}");
}

#[test]
fn openwrt_scripts_under_sh() {
    run(&["sh"]);
}

#[test]
fn openwrt_scripts_under_busybox_ash() {
    if !common::require_tool("busybox") {
        return;
    }
    run(&["busybox", "sh"]);
}
