//! Cluster mode, what the relays share beside the rooms' lines: read receipts (the KV
//! bucket `<name>-seen`) and shared files (the object store `<name>-files`), across two
//! relays on a real NATS cluster, with NATS gone and back; and a relay that joins with
//! rooms of its own, refused. Every wait polls, generously (a loaded 2-core machine).

use super::{line, relay, wait_until, Ftp};
use crate::common;
use base64::Engine as _;
use common::nats::{require_nats, Nats};
use common::{set_key, Relay, Setup, LOFT, PASSWORD};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long anything that crosses the cluster may take here.
const WITHIN: Duration = Duration::from_secs(60);

impl Ftp {
    /// `STOR path` of `data`: the final reply.
    fn stor(&mut self, path: &str, data: &[u8]) -> String {
        self.upload("STOR", path, data)
    }

    /// `RETR path`: the bytes, or `None` when refused (before or after its 150).
    fn get(&mut self, path: &str) -> Option<Vec<u8>> {
        let mut d = self.pasv();
        let r = self.cmd(&format!("RETR {path}"));
        if !r.starts_with("150") && !r.starts_with("125") {
            return None;
        }
        let mut buf = Vec::new();
        d.read_to_end(&mut buf).unwrap();
        // A file that is not there may be refused after the 150.
        self.reply().starts_with("226").then_some(buf)
    }

    /// `SITE SEEN room`: the whole reply.
    fn seen(&mut self, room: &str) -> String {
        self.cmd(&format!("SITE SEEN {room}"))
    }
}

/// A shared file's content: `lines` token-shaped lines (what the relay checks), marked by
/// `tag` so that two files differ.
fn file_body(tag: u8, lines: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for i in 0..lines {
        let mut raw = vec![0x80u8];
        raw.resize(57 + 16 * 64, tag.wrapping_add(i as u8));
        out.extend_from_slice(base64::engine::general_purpose::URL_SAFE.encode(raw).as_bytes());
        out.push(b'\n');
    }
    out
}

fn files_path(id: &str) -> String {
    format!(".lobby.txt.files/{id}.lff")
}

fn local_file(r: &Relay, id: &str) -> PathBuf {
    r.root.join(files_path(id))
}

/// Names in the room's files folder on one relay (part files included).
fn files_here(r: &Relay) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(r.root.join(".lobby.txt.files"))
        .map(|rd| rd.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    names.sort();
    names
}

/// A request to the chat page's API with curl, after `/api/login`: (status, body).
fn web(r: &Relay, method: &str, path: &str, body: &[u8]) -> (String, String) {
    let base = format!("https://127.0.0.1:{}", r.web_port);
    let login = Command::new("curl")
        .args(["-sk", "-X", "POST", "--data-binary"])
        .arg(format!("{{\"user\": \"chat\", \"password\": \"{PASSWORD}\"}}"))
        .arg(format!("{base}/api/login"))
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&login.stdout).expect("a login answer");
    let session = v["session"].as_str().expect("a session").to_string();
    let mut child = Command::new("curl")
        .args(["-sk", "-w", "\n%{http_code}", "-X", method, "--data-binary", "@-"])
        .args(["-H", &format!("Authorization: Bearer {session}")])
        .arg(format!("{base}{path}"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(body).unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let (body, code) = text.rsplit_once('\n').unwrap_or(("", &text));
    (code.to_string(), body.to_string())
}

/// `chat`'s receipt for the lobby through `GET /api/seen`, if any.
fn web_seen(r: &Relay) -> Option<u64> {
    let (code, body) = web(r, "GET", "/api/seen?room=lobby.txt", b"");
    assert_eq!(code, "200", "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    v["seen"].as_array()?.iter().find(|s| s["user"] == "chat").and_then(|s| s["offset"].as_u64())
}

/// `chat.allow_delete = true` (a `DELE` of a shared file needs it), by a reload.
fn allow_delete(r: &Relay) {
    let text = std::fs::read_to_string(&r.config).unwrap();
    std::fs::write(&r.config, set_key(&text, "chat", "allow_delete", "true")).unwrap();
    r.reload();
}

fn appe_ok(port: u16, data: &str) {
    let r = Ftp::login(port).appe("lobby.txt", data.as_bytes());
    assert!(r.starts_with("226"), "{r}");
}

#[test]
fn a_receipt_given_on_one_relay_is_seen_on_the_other() {
    if !require_nats() || !common::require_tool("curl") {
        return;
    }
    let nats = Nats::start(3);
    let a = relay(&nats, 3);
    let b = relay(&nats, 3);
    appe_ok(a.port, &format!("{}\n", line("seen", 0)));
    let size = Ftp::login(a.port).size("lobby.txt").unwrap();
    wait_until("B has the line", WITHIN, || Ftp::login(b.port).size("lobby.txt") == Some(size));
    // Reading the room to its end on A gives chat's receipt there (SITE SEEN on A at once)…
    assert_eq!(Ftp::login(a.port).retr_from("lobby.txt", 0).len() as u64, size);
    let want = format!(" chat {size} ");
    assert!(Ftp::login(a.port).seen("lobby.txt").contains(&want), "not on A at once");
    // …and on B, through the bucket.
    let t = Instant::now();
    wait_until("SITE SEEN on B shows A's receipt", WITHIN, || Ftp::login(b.port).seen("lobby.txt").contains(&want));
    eprintln!("a receipt given on A listed on B after {:?}", t.elapsed());
    // The page: a receipt given with POST /api/seen on B is listed by GET /api/seen on A.
    appe_ok(b.port, &format!("{}\n", line("seen", 1)));
    let size2 = Ftp::login(b.port).size("lobby.txt").unwrap();
    wait_until("A has the second line", WITHIN, || Ftp::login(a.port).size("lobby.txt") == Some(size2));
    let (code, body) = web(&b, "POST", "/api/seen?room=lobby.txt", format!("{{\"offset\": {size2}}}").as_bytes());
    assert!(code.starts_with('2'), "{code} {body}");
    wait_until("GET /api/seen on A shows B's receipt", WITHIN, || web_seen(&a) == Some(size2));
    // A receipt only moves forward: an older one given on A changes nothing anywhere.
    let (code, _) = web(&a, "POST", "/api/seen?room=lobby.txt", format!("{{\"offset\": {size}}}").as_bytes());
    assert!(code.starts_with('2'));
    assert_eq!(web_seen(&a), Some(size2));
    assert_eq!(web_seen(&b), Some(size2));
}

#[test]
fn a_receipt_given_while_nats_is_down_reaches_the_other_relay_when_it_is_back() {
    if !require_nats() {
        return;
    }
    let mut nats = Nats::start(1);
    let a = relay(&nats, 1);
    let b = relay(&nats, 1);
    appe_ok(a.port, &format!("{}\n", line("down", 0)));
    let size = Ftp::login(a.port).size("lobby.txt").unwrap();
    wait_until("B has the line", WITHIN, || Ftp::login(b.port).size("lobby.txt") == Some(size));
    wait_until("both follow the receipts", WITHIN, || {
        a.log().contains("following the read receipts") && b.log().contains("following the read receipts")
    });
    nats.kill(0);
    wait_until("A notices", WITHIN, || a.log().contains("disconnected from NATS"));
    assert_eq!(Ftp::login(a.port).retr_from("lobby.txt", 0).len() as u64, size);
    let want = format!(" chat {size} ");
    assert!(Ftp::login(a.port).seen("lobby.txt").contains(&want), "A lists its own receipt at once");
    assert!(!Ftp::login(b.port).seen("lobby.txt").contains(&want), "B cannot have it: NATS is down");
    nats.restart(0);
    let t = Instant::now();
    wait_until("B gets the receipt once NATS is back", WITHIN, || Ftp::login(b.port).seen("lobby.txt").contains(&want));
    eprintln!("a receipt given while NATS was down reached B {:?} after NATS restarted", t.elapsed());
}

#[test]
fn a_receipt_given_just_before_a_clean_stop_is_written_at_the_stop() {
    if !require_nats() {
        return;
    }
    let nats = Nats::start(1);
    let mut a = relay(&nats, 1);
    let b = relay(&nats, 1);
    appe_ok(a.port, &format!("{}\n", line("stop", 0)));
    let size = Ftp::login(a.port).size("lobby.txt").unwrap();
    wait_until("B has the line", WITHIN, || Ftp::login(b.port).size("lobby.txt") == Some(size));
    wait_until("A follows the receipts", WITHIN, || a.log().contains("following the read receipts"));
    // Given, then stopped at once: almost always before the next periodic write (every
    // 2 s), whose task the stop ends; only the write at the stop then sends it.
    assert_eq!(Ftp::login(a.port).retr_from("lobby.txt", 0).len() as u64, size);
    a.stop();
    let want = format!(" chat {size} ");
    wait_until("B gets the receipt A wrote as it stopped", WITHIN, || {
        Ftp::login(b.port).seen("lobby.txt").contains(&want)
    });
}

#[test]
fn a_file_shared_on_one_relay_is_read_byte_identical_on_the_other_and_write_once() {
    if !require_nats() || !common::require_tool("curl") {
        return;
    }
    let nats = Nats::start(3);
    let a = relay(&nats, 3);
    let b = relay(&nats, 3);
    allow_delete(&a);
    allow_delete(&b);
    let id = "0123456789abcdef0123456789abcdef";
    // About 200 KB: more than one chunk of the object store.
    let body = file_body(1, 140);
    assert!(body.len() > 128 * 1024);
    wait_until("A can store files", WITHIN, || a.log().contains("following the shared files"));
    let r = Ftp::login(a.port).stor(&files_path(id), &body);
    assert!(r.starts_with("226"), "{r}");
    let t = Instant::now();
    wait_until("B has the file", WITHIN, || std::fs::read(local_file(&b, id)).is_ok_and(|got| got == body));
    eprintln!("a {} byte file stored on A was on B after {:?}", body.len(), t.elapsed());
    assert_eq!(Ftp::login(b.port).get(&files_path(id)).unwrap(), body, "RETR on B");
    let (code, got) = web(&b, "GET", &format!("/api/files?room=lobby.txt&id={id}"), b"");
    assert_eq!((code.as_str(), got.len()), ("200", body.len()));
    // Write-once: the same bytes again (a client that timed out) are accepted, on either
    // relay and through the page; other bytes under the name are refused.
    let r = Ftp::login(b.port).stor(&files_path(id), &body);
    assert!(r.starts_with("226"), "a retry of the same file on B: {r}");
    let r = Ftp::login(a.port).stor(&files_path(id), &body);
    assert!(r.starts_with("226"), "a retry of the same file on A: {r}");
    let (code, text) = web(&b, "PUT", &format!("/api/files?room=lobby.txt&id={id}"), &body);
    assert_eq!(code, "201", "{text}");
    let other = file_body(2, 3);
    let r = Ftp::login(b.port).stor(&files_path(id), &other);
    assert!(r.starts_with("550") && r.contains("write-once"), "another file under the name on B: {r}");
    let (code, text) = web(&a, "PUT", &format!("/api/files?room=lobby.txt&id={id}"), &other);
    assert_eq!(code, "409", "{text}");
    for r in [&a, &b] {
        assert_eq!(std::fs::read(local_file(r, id)).unwrap(), body);
        assert_eq!(files_here(r), vec![format!("{id}.lff")], "nothing left behind");
    }
    // DELE on A removes it from B too; the name is then free again.
    let r = Ftp::login(a.port).cmd(&format!("DELE {}", files_path(id)));
    assert!(r.starts_with("250"), "{r}");
    assert!(!local_file(&a, id).exists());
    wait_until("B's copy goes", WITHIN, || !local_file(&b, id).exists());
    assert!(Ftp::login(b.port).get(&files_path(id)).is_none());
    let r = Ftp::login(b.port).cmd(&format!("DELE {}", files_path(id)));
    assert!(r.starts_with("550"), "a file that is gone: {r}");
    let r = Ftp::login(b.port).stor(&files_path(id), &other);
    assert!(r.starts_with("226"), "{r}");
    wait_until("A has the new file", WITHIN, || std::fs::read(local_file(&a, id)).is_ok_and(|got| got == other));
}

#[test]
fn a_relay_that_was_down_fetches_the_files_it_missed_and_drops_the_ones_deleted() {
    if !require_nats() {
        return;
    }
    let nats = Nats::start(1);
    let a = relay(&nats, 1);
    let mut b = relay(&nats, 1);
    allow_delete(&a);
    let (gone, added) = ("33333333333333333333333333333333", "44444444444444444444444444444444");
    let (gone_body, added_body) = (file_body(5, 2), file_body(6, 2));
    wait_until("A can store files", WITHIN, || a.log().contains("following the shared files"));
    assert!(Ftp::login(a.port).stor(&files_path(gone), &gone_body).starts_with("226"));
    wait_until("B has the file", WITHIN, || local_file(&b, gone).exists());
    b.kill();
    // While B is down: one file deleted, one added.
    let r = Ftp::login(a.port).cmd(&format!("DELE {}", files_path(gone)));
    assert!(r.starts_with("250"), "{r}");
    assert!(Ftp::login(a.port).stor(&files_path(added), &added_body).starts_with("226"));
    assert!(local_file(&b, gone).exists() && !local_file(&b, added).exists());
    b.restart();
    wait_until("B drops the deleted file", WITHIN, || !local_file(&b, gone).exists());
    wait_until("B fetches the added file", WITHIN, || {
        std::fs::read(local_file(&b, added)).is_ok_and(|g| g == added_body)
    });
    assert_eq!(files_here(&b), vec![format!("{added}.lff")]);
}

#[test]
fn with_nats_down_file_uploads_and_deletes_are_refused_and_change_nothing() {
    if !require_nats() || !common::require_tool("curl") {
        return;
    }
    let mut nats = Nats::start(1);
    let a = relay(&nats, 1);
    let b = relay(&nats, 1);
    allow_delete(&a);
    let (kept, new) = ("11111111111111111111111111111111", "22222222222222222222222222222222");
    let (kept_body, new_body) = (file_body(3, 2), file_body(4, 2));
    wait_until("A can store files", WITHIN, || a.log().contains("following the shared files"));
    assert!(Ftp::login(a.port).stor(&files_path(kept), &kept_body).starts_with("226"));
    wait_until("B has the file", WITHIN, || local_file(&b, kept).exists());
    let before = (files_here(&a), files_here(&b));
    nats.kill(0);
    wait_until("A notices", WITHIN, || a.log().contains("disconnected from NATS"));
    let r = Ftp::login(a.port).stor(&files_path(new), &new_body);
    assert!(r.starts_with("451") && r.contains("cluster unavailable, nothing written"), "{r}");
    let r = Ftp::login(a.port).cmd(&format!("DELE {}", files_path(kept)));
    assert!(r.starts_with("451") && r.contains("cluster unavailable, nothing written"), "{r}");
    let (code, text) = web(&a, "PUT", &format!("/api/files?room=lobby.txt&id={new}"), &new_body);
    assert_eq!(code, "503", "{text}");
    assert!(text.contains("cluster unavailable, nothing written"), "{text}");
    assert_eq!((files_here(&a), files_here(&b)), before, "the rooms' files changed while NATS was down");
    // Reads go on.
    assert_eq!(Ftp::login(a.port).get(&files_path(kept)).unwrap(), kept_body);
    // NATS back: the client's retry of the refused upload goes through, and again.
    nats.restart(0);
    let t = Instant::now();
    loop {
        let r = Ftp::login(a.port).stor(&files_path(new), &new_body);
        if r.starts_with("226") {
            break;
        }
        assert!(r.starts_with("451"), "{r}");
        assert!(t.elapsed() < WITHIN, "never accepted after NATS came back: {r}");
        std::thread::sleep(Duration::from_millis(250));
    }
    assert!(Ftp::login(a.port).stor(&files_path(new), &new_body).starts_with("226"));
    wait_until("B has the new file", WITHIN, || std::fs::read(local_file(&b, new)).is_ok_and(|g| g == new_body));
    // And the file that was not deleted is still everywhere.
    assert_eq!(std::fs::read(local_file(&b, kept)).unwrap(), kept_body);
}

#[test]
fn a_relay_joining_with_rooms_of_its_own_is_refused_with_the_room_named() {
    if !require_nats() {
        return;
    }
    let nats = Nats::start(1);
    let a = relay(&nats, 1);
    appe_ok(a.port, &format!("{}\n", line("cluster", 0)));
    // A single relay with a room of its own…
    let mut single = Relay::with(Setup::default().edit(|t| set_key(&t, "chat", "validate", "false")));
    let r = Ftp::login(single.port).appe("mine.txt", format!("{}\n", line("mine", 0)).as_bytes());
    assert!(r.starts_with("226"), "{r}");
    single.stop();
    // …joins the cluster: refused, the room named, nothing served.
    let text = std::fs::read_to_string(&single.config).unwrap();
    let text = nats.join()(&text);
    // The cluster's rotation keys (a relay with others is refused for that).
    let text = set_key(&text, "chat", "rotate_bytes", "4096");
    let text = set_key(&text, "chat", "keep_bytes", "1024");
    let text = set_key(&text, "chat", "keep_archives", "0");
    std::fs::write(&single.config, set_key(&text, "cluster", "replicas", "1")).unwrap();
    let serve = || {
        let mut child = Command::new(LOFT)
            .args(["serve", "-c", single.config.to_str().unwrap(), "--listen", "127.0.0.1:0"])
            .args(["--web-listen", "127.0.0.1:0"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let t = Instant::now();
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break s;
            }
            if t.elapsed() > WITHIN {
                let _ = child.kill();
                let _ = child.wait();
                panic!("loft serve did not refuse to start");
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let mut err = String::new();
        child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
        (status, err)
    };
    let (status, err) = serve();
    assert!(!status.success(), "{err}");
    assert!(err.contains("mine.txt") && err.contains("empty root"), "{err}");
    assert!(!err.contains("listening on"), "{err}");
    // The cluster's stream did not get the room, and the other relay does not have it.
    assert!(!a.root.join("mine.txt").exists());
    // The room moved out: the root holds nothing of its own any more, and it starts
    // (then stopped with SIGTERM).
    std::fs::remove_file(single.root.join("mine.txt")).unwrap();
    let mut child = Command::new(LOFT)
        .args(["serve", "-c", single.config.to_str().unwrap(), "--listen", "127.0.0.1:0"])
        .args(["--web-listen", "127.0.0.1:0"])
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let log = common::capture_lines(child.stderr.take().unwrap());
    let t = Instant::now();
    while !log.lock().unwrap().contains("listening on") {
        if let Some(s) = child.try_wait().unwrap() {
            panic!("exited {s}: {}", log.lock().unwrap());
        }
        assert!(t.elapsed() < WITHIN, "did not start: {}", log.lock().unwrap());
        std::thread::sleep(Duration::from_millis(50));
    }
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let _ = child.wait();
    wait_until("it applied the cluster's room", WITHIN, || single.root.join("lobby.txt").exists());
}
