//! The client against a hostile server (the small in-memory server in
//! `tests/support/client_fakeftp.py` with `--flood`): what a server sends cannot make
//! `loft read` hold more than its cap in memory.

#![cfg(feature = "client")]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

const LOFT: &str = env!("CARGO_BIN_EXE_loft");

/// Issue 13: a server that never stops sending took `loft read` from 5 MB to 6.2 GB.
#[test]
fn a_flooding_server_cannot_blow_up_loft_read() {
    if !crate::common::require_tool("python3") {
        return;
    }
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/client_fakeftp.py");
    let flood = (300u64 << 20).to_string();
    let Ok(mut server) =
        Command::new("python3").args([script, "--generic", "--flood", &flood]).stdout(Stdio::piped()).spawn()
    else {
        panic!("python3 did not start");
    };
    let mut line = String::new();
    BufReader::new(server.stdout.as_mut().unwrap()).read_line(&mut line).unwrap();
    let port: u16 = line.trim().strip_prefix("PORT ").unwrap().parse().unwrap();
    let home = tempfile::tempdir().unwrap();
    let url = format!("ftp://chat@127.0.0.1:{port}/");
    let base = |args: &[&str]| {
        let mut c = Command::new(LOFT);
        c.args(args)
            .env("HOME", home.path())
            .env_remove("XDG_CONFIG_HOME")
            .env_remove("XDG_STATE_HOME")
            .env_remove("LOFT_SERVER")
            .env_remove("LOFT_PROFILE")
            .env("LOFT_FTP_PASSWORD", "x")
            .env("LOFT_ROOM_KEY", "k");
        c
    };
    let o = base(&["send", "-s", &url, "--tls", "off", "--room", "r", "hello"]).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let child = base(&["read", "-s", &url, "--tls", "off", "--room", "r", "--timeout", "60"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id() as libc::pid_t;
    let out = child.wait_with_output().unwrap();
    // The child is reaped by wait_with_output; its peak memory is in our children's usage.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    let _ = server.kill();
    let _ = server.wait();
    let peak_mb = usage.ru_maxrss / 1024;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("hello"), "the real message is shown: {stdout:.300}");
    assert!(peak_mb < 150, "loft read (pid {pid}) peaked at {peak_mb} MB against a flooding server");
}
