//! Signals: SIGTERM stops accepting and lets a running transfer finish within the grace
//! period, then exits 0; SIGHUP reloads users without dropping sessions.

use crate::common;
use common::{run_loft, Relay, Setup};

#[test]
fn sigterm_lets_a_running_transfer_finish_and_exits_0() {
    let mut r = Relay::process(Setup::default());
    let child = r.spawn_script("serve_signals/sigterm_lets_a_running_transfer_finish_and_exits_0.py");
    assert!(r.wait_file("started"), "the upload did not start: {}", r.log());
    r.signal(libc::SIGTERM);
    let status = r.wait_exit(15).expect("the relay did not exit after SIGTERM");
    assert_eq!(status.code(), Some(0), "{}", r.log());
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "the in-flight upload failed: {}\n{}", String::from_utf8_lossy(&out.stderr), r.log());
    assert_eq!(std::fs::read(r.root.join("inflight.bin")).unwrap().len(), 11_000);
    assert!(r.log().contains("stopping: no new connections"), "{}", r.log());
    // No new connections after the stop.
    assert!(std::net::TcpStream::connect(("127.0.0.1", r.port)).is_err());
}

#[test]
fn sighup_reloads_users_without_dropping_sessions() {
    let r = Relay::process(Setup::default());
    let child = r.spawn_script("serve_signals/sighup_reloads_users_without_dropping_sessions.py");
    assert!(r.wait_file("ready"), "{}", r.log());
    let o = run_loft(&["user", "add", "newbie", "-c", r.config.to_str().unwrap(), "--password-stdin"], Some("fresh\n"));
    assert!(o.status.success());
    r.signal(libc::SIGHUP);
    assert!(r.wait_log("config reloaded"), "{}", r.log());
    std::fs::write(r.dir.path().join("reloaded"), b"").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}\n{}", String::from_utf8_lossy(&out.stderr), r.log());
}
