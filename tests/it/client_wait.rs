//! The client against what a Loft relay will do beyond plain FTP (issue 5: `SITE WAIT`,
//! `SITE SEEN`, rotation behind logical offsets) and against a generic server that does
//! none of it, using the small in-memory server in `tests/support/client_fakeftp.py`.

#![cfg(feature = "client")]

use crate::common;
use common::Follower;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const KEY: &str = "wait key";

struct Fake {
    child: Child,
    port: u16,
}

impl Fake {
    fn start(args: &[&str]) -> Option<Fake> {
        if !common::require_tool("python3") {
            return None;
        }
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/client_fakeftp.py");
        let mut child =
            Command::new("python3").arg(script).args(args).stdout(Stdio::piped()).spawn().expect("start python3");
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().unwrap()).read_line(&mut line).unwrap();
        let port = line.trim().strip_prefix("PORT ").expect("the fake server prints its port").parse().unwrap();
        Some(Fake { child, port })
    }

    fn url(&self) -> String {
        format!("ftp://chat@127.0.0.1:{}/", self.port)
    }
}

impl Drop for Fake {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The client against the fake server (which takes any password).
fn loft(home: &std::path::Path, args: &[&str]) -> Command {
    common::loft_client(home, KEY, args)
}

fn send(f: &Fake, home: &std::path::Path, text: &str) {
    let o = loft(home, &["send", "-s", &f.url(), "--tls", "off", "--room", "r", text]).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// `loft read --follow` against the fake server.
fn follow(f: &Fake, home: &std::path::Path, interval: &str) -> Follower {
    Follower::spawn(loft(home, &["read", "-s", &f.url(), "--tls", "off", "--room", "r", "-f", "--interval", interval]))
}

#[test]
fn site_wait_delivers_without_waiting_for_the_poll_interval() {
    let Some(f) = Fake::start(&[]) else { return };
    let home = tempfile::tempdir().unwrap();
    send(&f, home.path(), "first");
    // A 60 s poll interval: anything faster than that came through SITE WAIT.
    let r = follow(&f, home.path(), "60");
    r.wait_for("first", Duration::from_secs(20));
    std::thread::sleep(Duration::from_millis(300));
    for i in 0..3 {
        let t = Instant::now();
        send(&f, home.path(), &format!("instant {i}"));
        let sent = t.elapsed();
        let seen = r.wait_for(&format!("instant {i}"), Duration::from_secs(10));
        assert!(seen < sent + Duration::from_secs(2), "took {seen:?} (send {sent:?})");
    }
}

#[test]
fn a_generic_server_is_polled() {
    let Some(f) = Fake::start(&["--generic"]) else { return };
    let home = tempfile::tempdir().unwrap();
    send(&f, home.path(), "hello");
    let r = follow(&f, home.path(), "0.3");
    r.wait_for("hello", Duration::from_secs(20));
    send(&f, home.path(), "polled");
    r.wait_for("polled", Duration::from_secs(10));
    assert!(!r.err.lock().unwrap().contains("refused"), "{}", r.err.lock().unwrap());
}

#[test]
fn rotation_behind_logical_offsets_neither_stalls_nor_repeats() {
    // Rotate past 2 KiB, keep 1 KiB: a few messages each time.
    let Some(f) = Fake::start(&["--generic", "--rotate", "2048", "--keep", "1024"]) else { return };
    let home = tempfile::tempdir().unwrap();
    let r = follow(&f, home.path(), "1.5");
    std::thread::sleep(Duration::from_millis(500));
    // Bursts between polls: the follower's offset is archived under it several times.
    for burst in 0..4 {
        for i in 0..12 {
            send(&f, home.path(), &format!("b{burst} m{i:02}"));
        }
        r.wait_for(&format!("b{burst} m11"), Duration::from_secs(20));
    }
    send(&f, home.path(), "after all that");
    r.wait_for("after all that", Duration::from_secs(20));
    std::thread::sleep(Duration::from_millis(400));
    let out = r.out.lock().unwrap().clone();
    let err = r.err.lock().unwrap().clone();
    let mut lines: Vec<&str> = out.lines().map(|l| l.split_once(": ").unwrap().1).collect();
    let n = lines.len();
    lines.sort();
    lines.dedup();
    assert_eq!(lines.len(), n, "a message was shown twice:\n{out}");
    assert!(!err.contains("skipped"), "no half lines:\n{err}");
    // A new reader gets the live part, from a line boundary.
    let o = loft(home.path(), &["read", "-s", &f.url(), "--tls", "off", "--room", "r"]).output().unwrap();
    assert!(o.status.success());
    let live = String::from_utf8_lossy(&o.stdout);
    assert!(live.contains("after all that") && !live.contains("b0 m00"), "{live}");
    assert!(!String::from_utf8_lossy(&o.stderr).contains("skipped"), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn who_uses_site_seen() {
    let Some(f) = Fake::start(&[]) else { return };
    let home = tempfile::tempdir().unwrap();
    send(&f, home.path(), "hi");
    let mut c = loft(home.path(), &["chat", "-s", &f.url(), "--tls", "off", "--room", "r", "--interval", "60"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    use std::io::Write;
    let mut stdin = c.stdin.take().unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    writeln!(stdin, "/who").unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    writeln!(stdin, "/quit").unwrap();
    let o = c.wait_with_output().unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("seen in r:") && out.contains("chat "), "{out}");
}
