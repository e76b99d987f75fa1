//! The web client against a real `loft serve`: its HTTP API driven by Python's HTTPS
//! client (bad input, shared rooms with FTP, caps), and the page itself in headless
//! Chromium (log in, send, receive what `loft send` and an FTPChat-style ftplib client
//! write meanwhile, survive a relay restart, share an image and show the ones others share).

#![cfg(all(feature = "web", feature = "client"))]

use crate::common;
use common::{set_key, Relay, Setup};
use sha2::Digest;
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
    r.expect_ok(&format!("api.py {scenario}"), r.script_args("web_client/api.py", &[scenario]));
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

/// Issue 21: the page walks a rotated room back from its end to the oldest kept line.
#[test]
fn the_api_reads_a_rotated_room_backwards_to_its_kept_beginning() {
    let r = Relay::with(Setup::default().edit(|t| {
        let mut t = t;
        for (k, v) in [
            ("rotate_bytes", "131072"),
            ("keep_bytes", "32768"),
            ("keep_archives", "3"),
            ("keep_days", "0"),
            ("max_messages_per_minute", "0"),
            ("max_bytes_per_minute", "0"),
        ] {
            t = set_key(&t, "chat", k, v);
        }
        t
    }));
    api_scenario(&r, "read_backwards");
}

/// Issue 21: a file may be the first thing shared in a new room.
#[test]
fn a_file_shared_through_the_api_can_start_a_room() {
    let r = Relay::with(Setup::default().user("reader", "reader-pass", &["--read-only"]));
    api_scenario(&r, "file_starts_room");
    for name in [".newer.txt.files", ".notes.dat.files", "newer.txt"] {
        assert!(!r.root.join(name).exists(), "{name} left by a refused upload");
    }
    assert!(r.root.join(".fresh.txt.files").is_dir() && r.root.join("fresh.txt").is_file());
}

/// Issue 19.11: a reload that makes a user read-only applies to the pages they have open.
#[test]
fn a_reload_that_makes_a_user_read_only_applies_to_open_pages() {
    if common::skip_without_cryptography() {
        return;
    }
    let r = Relay::start();
    let child = r.spawn_script_args("web_client/api.py", &["rights_follow_reload"]);
    assert!(r.wait_file("ready"), "{}", r.log());
    let text = std::fs::read_to_string(&r.config).unwrap();
    let mut doc: toml_edit::DocumentMut = text.parse().unwrap();
    for t in doc["users"].as_array_of_tables_mut().unwrap().iter_mut() {
        if t["name"].as_str() == Some("chat") {
            t["read_only"] = toml_edit::value(true);
        }
    }
    std::fs::write(&r.config, doc.to_string()).unwrap();
    r.reload();
    std::fs::write(r.dir.path().join("reloaded"), b"").unwrap();
    r.expect_ok("api.py rights_follow_reload", child.wait_with_output().unwrap());
}

/// Issue 19.14: behind a trusted reverse proxy, one client's failed logins block that
/// client, not everyone the proxy carries.
#[test]
fn behind_a_trusted_proxy_each_client_is_counted_apart() {
    let r = Relay::with(Setup::default().edit(|t| {
        let t = set_key(&t, "limits.failed_logins", "attempts", "3");
        set_key(&t, "web", "trusted_proxies", "[\"127.0.0.1\"]")
    }));
    api_scenario(&r, "proxied");
}

/// Issue 19.1: a request body that never comes and answers nobody reads do not hold the
/// web port's slots (shared with FTP).
#[test]
fn stalled_web_clients_are_cut_and_their_slots_freed() {
    let r = Relay::with(Setup::default().edit(|t| {
        let t = set_key(&t, "web", "body_timeout", "\"1s\"");
        let t = set_key(&t, "web", "write_timeout", "\"1s\"");
        set_key(&t, "limits", "max_per_ip", "4")
    }));
    eprintln!("{}", r.expect_ok("stalls.py", r.script("web_client/stalls.py")));
}

/// Issue 19.2: 400 connections over the caps, all held open by the client, are closed at
/// once (a few answered 503 first) instead of each holding a handshake, a descriptor and
/// memory; FTP and the page keep working. The relay runs with `ulimit -n 192`, so its
/// total cap is fitted down to what that carries, and says so.
#[test]
fn connections_over_the_caps_are_refused_before_tls_and_starve_nobody() {
    if common::skip_without_cryptography() {
        return;
    }
    let r = Relay::process(Setup::default().open_files(192).edit(|t| set_key(&t, "limits", "max_per_ip", "4")));
    assert!(r.wait_log("enough for 32 sessions"), "{}", r.log());
    let pid = r.pid().to_string();
    eprintln!("{}", r.expect_ok("floods.py", r.script_args("web_client/floods.py", &[&pid])));
    assert!(r.log().contains("connection refused (closed): limits.max_per_ip (4) reached"), "{}", r.log());
    assert!(!r.log().contains("accept failed"), "{}", r.log());
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

/// Runs tests/web/e2e.mjs in headless Chromium against `r` as user `chat` in room
/// `lobby`, with `env` over that; `step` does what each `STEP expect-N` needs before the
/// driver looks for its text. Fails the test unless the driver says DONE.
fn drive_page(r: &mut Relay, env: &[(&str, String)], step: impl FnMut(&mut Relay, &str)) -> String {
    let mut all = vec![("LOFT_ROOM", "lobby".to_string())];
    all.extend(env.iter().cloned());
    r.drive("e2e.mjs", &all, step)
}

/// Issue 19.16: a room key that opens none of the room's messages (most likely mistyped;
/// FTPChat v1.7 readers would stop at the page's message for good) is flagged on the
/// page, as `loft send` flags it, until a message from someone else opens with it.
#[test]
fn the_page_warns_when_the_room_key_opens_no_message() {
    if !browser_available() || common::skip_without_cryptography() {
        return;
    }
    let mut r = Relay::start();
    let home = tempfile::tempdir().unwrap();
    loft_send(&r, home.path(), "under the room's real key");
    let shot = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("web-key-warning.png");
    let env = [
        ("LOFT_ROOM_KEY", "secreT".into()),
        ("LOFT_KEY_WARNING", shot.display().to_string()),
        ("LOFT_SEND", "sent under a mistyped key".into()),
        ("LOFT_EXPECT_1", "someone else under the same key".into()),
        ("LOFT_EXPECT_2", "key-ok".into()),
    ];
    drive_page(&mut r, &env, |r, step| {
        if step == "expect-1" {
            let server = format!("ftp://chat@127.0.0.1:{}/", r.port);
            let args = ["send", "-s", &server, "--room", "lobby", "--name", "cli", "someone else under the same key"];
            let o = common::loft_client(home.path(), "secreT", &args).output().unwrap();
            assert!(o.status.success(), "loft send: {}", String::from_utf8_lossy(&o.stderr));
        }
    });
    eprintln!("screenshot of the warning: {}", shot.display());
}

/// The page in WebKit, Safari's engine: Debian's MiniBrowser under Xvfb, driven over
/// WebDriver (webkit2gtk-driver), at 360 px: log in, open a room, send; an FTPChat-style
/// client's message shows; the page's opens with the room key (web_client/webkit.py).
#[test]
fn the_page_chats_in_webkit() {
    let minibrowser = std::fs::read_dir("/usr/lib").into_iter().flatten().flatten().any(|d| {
        d.path().join("webkit2gtk-4.1/MiniBrowser").exists() || d.path().join("webkit2gtk-4.0/MiniBrowser").exists()
    });
    let install = "apt-get install webkit2gtk-driver xvfb";
    if !common::require("WebKitWebDriver", common::have_tool("WebKitWebDriver"), install)
        || !common::require("Xvfb", common::have_tool("Xvfb"), install)
        || !common::require("MiniBrowser (libwebkit2gtk)", minibrowser, install)
        || common::skip_without_cryptography()
    {
        return;
    }
    let r = Relay::start();
    let shot = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("web-client-webkit.png");
    let out = r.expect_ok("webkit.py", r.script_args("web_client/webkit.py", &[shot.to_str().unwrap()]));
    eprintln!("{out}screenshot: {}", shot.display());
}

/// Whether the browser test can run here; says why not otherwise. Under CI (which
/// installs both) a missing piece is a failure, not a skip.
pub(crate) fn browser_available() -> bool {
    let chromium = Path::new("/usr/bin/chromium").exists();
    let driver = manifest().join("tests/web/node_modules/playwright-core").exists();
    if chromium && driver {
        return true;
    }
    common::require(
        &format!(
            "chromium ({}) or playwright-core ({})",
            if chromium { "present" } else { "missing" },
            if driver { "present" } else { "missing" }
        ),
        false,
        "apt-get install chromium; npm ci --prefix tests/web",
    )
}

fn loft_send(r: &Relay, home: &Path, text: &str) {
    loft_send_args(r, home, &[text]);
}

fn loft_send_args(r: &Relay, home: &Path, args: &[&str]) {
    let server = format!("ftp://chat@127.0.0.1:{}/", r.port);
    let mut all = vec!["send", "-s", &server, "--room", "lobby", "--name", "cli"];
    all.extend_from_slice(args);
    let o = common::loft_client(home, ROOM_KEY, &all).output().unwrap();
    assert!(o.status.success(), "loft send: {}", String::from_utf8_lossy(&o.stderr));
}

/// Writes a small PNG (`w`×`h`, an evening sky with a sun; `seed` moves the sun and shifts
/// the colours) with Python's zlib: an image the page must decrypt and show.
fn write_png(path: &Path, w: u32, h: u32, seed: u32) {
    const SCRIPT: &str = r#"
import struct, sys, zlib
path, w, h, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
sx, sy, r = w * (0.3 + 0.4 * seed), h * 0.55, h * 0.22
rows = bytearray()
for y in range(h):
    rows.append(0)
    t = y / h
    for x in range(w):
        if (x - sx) ** 2 + (y - sy) ** 2 < r * r:
            rows += bytes((255, 214, 90))
        elif y > h * 0.72:
            rows += bytes((30 + 20 * seed, 40, 70 - 20 * seed))
        else:
            rows += bytes((int(60 + 190 * t), int(40 + 80 * t * (1 - seed * 0.5)), int(140 - 60 * t + 40 * seed)))
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
png += chunk(b"IDAT", zlib.compress(bytes(rows), 9)) + chunk(b"IEND", b"")
open(path, "wb").write(png)
"#;
    let st = Command::new("python3")
        .args(["-c", SCRIPT])
        .arg(path)
        .args([w.to_string(), h.to_string(), seed.to_string()])
        .status()
        .unwrap();
    assert!(st.success(), "could not write {}", path.display());
}

/// The shared-file reference (`loft-file:ID?…`) of a message text: (id, size, sha256, key).
fn file_ref(text: &str) -> Option<(String, u64, String, String)> {
    let word = text.split_whitespace().rfind(|w| w.starts_with("loft-file:"))?;
    let (id, query) = word["loft-file:".len()..].split_once('?')?;
    let param = |k: &str| query.split('&').find_map(|p| p.strip_prefix(k)?.strip_prefix('=')).map(str::to_string);
    Some((id.to_string(), param("size")?.parse().ok()?, param("sha256")?, param("key")?))
}

/// Checks with Python's `cryptography` (tests/web/files_py.py) that the room's shared
/// file announced in `text` decrypts, per docs/files.md, to the bytes of `original`.
fn assert_shared_file(r: &Relay, text: &str, original: &Path) {
    let (id, size, sha256, key) = file_ref(text).unwrap_or_else(|| panic!("no file reference in {text:?}"));
    let lff = r.root.join(".lobby.txt.files").join(format!("{id}.lff"));
    assert!(lff.exists(), "{} is not on the relay", lff.display());
    let req = serde_json::json!({
        "key": format!("{key}="), "lff_path": lff, "size": size, "sha256": sha256, "original": original,
    });
    let mut py = Command::new("python3")
        .arg(manifest().join("tests/web/files_py.py"))
        .arg("check")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut py.stdin.take().unwrap(), req.to_string().as_bytes()).unwrap();
    let out = py.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "the shared file of {text:?} does not decrypt to {}: {}",
        original.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_page_chats_in_headless_chromium_and_survives_a_restart() {
    if !browser_available() || common::skip_without_cryptography() {
        return;
    }
    let mut r = Relay::start();
    let home = tempfile::tempdir().unwrap();
    let shot = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("web-client.png");
    // Shared files: the page shares a photo (name with a space: percent-encoded in the
    // reference), an FTPChat-style Python client shares a non-image over FTP, and
    // `loft send --file` shares an image; the page shows all three.
    let pics = tempfile::tempdir().unwrap();
    let photo = pics.path().join("phone photo.png");
    write_png(&photo, 240, 150, 0);
    let sunset = pics.path().join("sunset.png");
    write_png(&sunset, 240, 150, 1);
    let notes = pics.path().join("notes.txt");
    std::fs::write(&notes, "Café & co #1?\nSaturday 10:00, bring the map.\n").unwrap();
    let env = [
        ("LOFT_ROOM_KEY", ROOM_KEY.into()),
        ("LOFT_NAME", "phone".into()),
        ("LOFT_SEND", "hello from the phone".into()),
        ("LOFT_EXPECT_1", "hi from loft send".into()),
        ("LOFT_EXPECT_2", "hi from FTPChat".into()),
        ("LOFT_EXPECT_3", "still here after the restart".into()),
        ("LOFT_EXPECT_4", "file-error:broken.png".into()),
        ("LOFT_EXPECT_5", "file:café & co #1?.txt".into()),
        ("LOFT_EXPECT_6", "file:sunset.png".into()),
        ("LOFT_ATTACH", photo.display().to_string()),
        ("LOFT_ATTACH_CAPTION", "the view from here".into()),
        ("LOFT_SCREENSHOT", shot.display().to_string()),
    ];
    let transcript = drive_page(&mut r, &env, |r, step| match step {
        "expect-1" => loft_send(r, home.path(), "hi from loft send"),
        // FTPChat v1.7 as it is: SIZE, then one APPE of one token line.
        "expect-2" => {
            r.script_ok("web_client/the_page_chats_in_headless_chromium_and_survives_a_restart.py");
        }
        "expect-3" => {
            // The relay restarts (sessions are in memory: the page logs in again).
            r.restart();
            loft_send(r, home.path(), "still here after the restart");
        }
        "expect-4" => {
            // A file whose announcement does not match it: refused on the page, never shown.
            let out =
                r.script_args("web_client/share_file.py", &[sunset.to_str().unwrap(), "broken.png", "", "bad-sha256"]);
            assert!(out.status.success(), "share_file.py: {}", String::from_utf8_lossy(&out.stderr));
        }
        "expect-5" => {
            // Another client shares a file over FTP as docs/files.md says (STOR + APPE).
            let out = r.script_args(
                "web_client/share_file.py",
                &[notes.to_str().unwrap(), "café & co #1?.txt", "for Saturday"],
            );
            assert!(out.status.success(), "share_file.py: {}", String::from_utf8_lossy(&out.stderr));
        }
        "expect-6" => {
            loft_send_args(r, home.path(), &["--file", sunset.to_str().unwrap(), "--caption", "and from the terminal"])
        }
        other => panic!("no step {other}"),
    });
    // What the page sent is on the relay, readable by every client.
    let key = loft::ftpchat::key::RoomKey::derive(ROOM_KEY);
    let disk = std::fs::read_to_string(r.root.join("lobby.txt")).unwrap();
    let texts: Vec<String> = disk.lines().filter_map(|l| key.open_line(l).ok()).map(|m| m.text).collect();
    for t in ["hello from the phone", "hi from loft send", "hi from FTPChat", "still here after the restart"] {
        assert!(texts.iter().any(|x| x == t), "{t:?} not in {texts:?}");
    }
    // The page's photo: announced with its caption, stored encrypted, and readable by
    // any client that follows docs/files.md (here Python's `cryptography`).
    let shared = texts
        .iter()
        .find(|t| t.starts_with("📎 phone photo.png (") && t.contains(" — the view from here loft-file:"))
        .unwrap_or_else(|| panic!("the page's photo is not announced in {texts:?}"));
    assert!(shared.contains("?name=phone%20photo.png&"), "{shared}");
    assert_shared_file(&r, shared, &photo);
    // … and by `loft get`.
    let (id, ..) = file_ref(shared).unwrap();
    let got = home.path().join("got.png");
    let o = common::loft_client(
        home.path(),
        ROOM_KEY,
        &[
            "get",
            "-s",
            &format!("ftp://chat@127.0.0.1:{}/", r.port),
            "--room",
            "lobby",
            &id,
            "-o",
            got.to_str().unwrap(),
        ],
    )
    .output()
    .unwrap();
    assert!(o.status.success(), "loft get: {}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(std::fs::read(&got).unwrap(), std::fs::read(&photo).unwrap(), "loft get of the page's photo");
    // The page saved what FTP's client shared, byte for byte.
    let notes_sha =
        sha2::Sha256::digest(std::fs::read(&notes).unwrap()).iter().fold(String::new(), |s, b| format!("{s}{b:02x}"));
    assert!(transcript.contains(&format!("DOWNLOADED {notes_sha} café & co #1")), "{transcript}");
    assert!(
        transcript
            .contains("# refused: Cannot show broken.png: wrong SHA-256: this is not the file the message announced"),
        "{transcript}"
    );
    for start in ["📎 café & co #1?.txt (", "📎 sunset.png ("] {
        assert!(texts.iter().any(|t| t.starts_with(start)), "{start:?} not in {texts:?}");
    }
    assert!(std::fs::metadata(&shot).map(|m| m.len() > 10_000).unwrap_or(false), "no screenshot");
}
