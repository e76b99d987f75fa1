//! The web client against a real `loft serve`: its HTTP API driven by Python's HTTPS
//! client (bad input, shared rooms with FTP, caps), and the page itself in headless
//! Chromium (log in, send, receive what `loft send` and an FTPChat-style ftplib client
//! write meanwhile, survive a relay restart).

#![cfg(all(feature = "web", feature = "client"))]

use crate::common;
use common::{set_key, Relay, Setup, PASSWORD};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const ROOM_KEY: &str = "secret";

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs a scenario of tests/support/scripts/web_client/api.py against `r`.
fn api_scenario(r: &Relay, scenario: &str) {
    if common::skip_without_cryptography() {
        return;
    }
    let out = r.script_args("web_client/api.py", &[scenario]);
    assert!(
        out.status.success() && String::from_utf8_lossy(&out.stdout).contains("ok"),
        "api.py {scenario}\n--- stdout\n{}\n--- stderr\n{}\n--- server log\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        r.log()
    );
}

#[test]
fn api_refuses_bad_input_and_changes_nothing() {
    let r = Relay::with(
        Setup::default()
            .edit(|t| {
                let t = t.replace("# max_append_bytes = 65536", "max_append_bytes = 4096");
                set_key(&t, "limits.failed_logins", "attempts", "3")
            })
            .user("reader", "reader-pass", &["--read-only"]),
    );
    api_scenario(&r, "bad_input");
    assert!(r.wait_log("web session started"), "{}", r.log());
}

#[test]
fn web_ftp_and_site_seen_share_one_room() {
    let r = Relay::start();
    api_scenario(&r, "shared_rooms");
}

#[test]
fn over_the_connection_caps_the_page_gets_503() {
    let r = Relay::with(Setup::default().edit(|t| set_key(&t, "limits", "max_per_ip", "2")));
    api_scenario(&r, "busy");
}

#[test]
fn plain_http_only_when_asked_and_with_a_warning() {
    let r = Relay::with(Setup::default().edit(|t| t.replace("# https = true", "https = false")));
    assert!(r.wait_log("(web, http)"), "{}", r.log());
    assert!(r.log().contains("plain HTTP"), "{}", r.log());
}

/// Whether the browser test can run here; says why not otherwise. Under CI (which
/// installs both) a missing piece is a failure, not a skip.
fn browser_available() -> bool {
    let chromium = Path::new("/usr/bin/chromium").exists();
    let driver = manifest().join("tests/web/node_modules/playwright-core").exists();
    if chromium && driver {
        return true;
    }
    let why = format!(
        "chromium {} and playwright-core {} (apt-get install chromium; npm ci --prefix tests/web; .ci/run does both)",
        if chromium { "present" } else { "missing" },
        if driver { "present" } else { "missing" }
    );
    assert!(std::env::var_os("CI").is_none(), "the browser test cannot run: {why}");
    eprintln!("SKIP: {why}");
    false
}

fn loft_send(r: &Relay, home: &Path, text: &str) {
    let o = common::loft_client(
        home,
        ROOM_KEY,
        &["send", "-s", &format!("ftp://chat@127.0.0.1:{}/", r.port), "--room", "lobby", "--name", "cli", text],
    )
    .output()
    .unwrap();
    assert!(o.status.success(), "loft send: {}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn the_page_chats_in_headless_chromium_and_survives_a_restart() {
    if !browser_available() || common::skip_without_cryptography() {
        return;
    }
    let mut r = Relay::start();
    let home = tempfile::tempdir().unwrap();
    let step_file = r.dir.path().join("step");
    let shot = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("web-client.png");
    let mut child = Command::new("node")
        .arg(manifest().join("tests/web/e2e.mjs"))
        .env("LOFT_WEB_URL", format!("https://127.0.0.1:{}/", r.web_port))
        .env("LOFT_USER", "chat")
        .env("LOFT_PASSWORD", PASSWORD)
        .env("LOFT_ROOM", "lobby")
        .env("LOFT_ROOM_KEY", ROOM_KEY)
        .env("LOFT_NAME", "phone")
        .env("LOFT_SEND", "hello from the phone")
        .env("LOFT_EXPECT_1", "hi from loft send")
        .env("LOFT_EXPECT_2", "hi from FTPChat")
        .env("LOFT_EXPECT_3", "still here after the restart")
        .env("LOFT_STEP_FILE", &step_file)
        .env("LOFT_SCREENSHOT", &shot)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node");
    let stderr = common::capture_lines(child.stderr.take().unwrap());
    let mut transcript = String::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines().map_while(Result::ok) {
        transcript.push_str(&line);
        transcript.push('\n');
        let step = match line.as_str() {
            "STEP expect-1" => {
                loft_send(&r, home.path(), "hi from loft send");
                "expect-1"
            }
            "STEP expect-2" => {
                // FTPChat v1.7 as it is: SIZE, then one APPE of one token line.
                r.script_ok("web_client/the_page_chats_in_headless_chromium_and_survives_a_restart.py");
                "expect-2"
            }
            "STEP expect-3" => {
                // The relay restarts (sessions are in memory: the page logs in again).
                r.restart();
                loft_send(&r, home.path(), "still here after the restart");
                "expect-3"
            }
            l if l.starts_with("FAIL") => break,
            _ => continue,
        };
        std::fs::write(&step_file, format!("{step}\n")).unwrap();
    }
    let status = child.wait().unwrap();
    assert!(
        status.success() && transcript.contains("DONE"),
        "e2e failed ({status})\n--- driver\n{transcript}\n--- stderr\n{}\n--- relay log\n{}",
        stderr.lock().unwrap(),
        r.log()
    );
    // What the page sent is on the relay, readable by every client.
    let key = loft::client::codec::RoomKey::derive(ROOM_KEY);
    let disk = std::fs::read_to_string(r.root.join("lobby.txt")).unwrap();
    let texts: Vec<String> = disk.lines().filter_map(|l| key.open_line(l).ok()).map(|m| m.text).collect();
    for t in ["hello from the phone", "hi from loft send", "hi from FTPChat", "still here after the restart"] {
        assert!(texts.iter().any(|x| x == t), "{t:?} not in {texts:?}");
    }
    assert!(std::fs::metadata(&shot).map(|m| m.len() > 10_000).unwrap_or(false), "no screenshot");
}
