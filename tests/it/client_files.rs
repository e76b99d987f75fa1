//! Shared files with the `loft` client against a real `loft serve`: `loft send --file`,
//! `loft read`, `loft get`, `/file` and `/get` in `loft chat`, damaged and missing files,
//! and the other implementations of docs/files.md's format (Python, written from that document
//! alone, and an FTPChat v1.7-style reader of the same room).

#![cfg(feature = "client")]

use crate::common;
use common::Relay;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

const ROOM_KEY: &str = "files room key";
const CHUNK: usize = 49152;

fn url(r: &Relay) -> String {
    format!("ftp://chat@127.0.0.1:{}/", r.port)
}

/// `loft CMD -s URL ARGS…` as a client with its own home, run in `cwd`.
fn loft(r: &Relay, home: &Path, cwd: &Path, cmd: &str, args: &[&str]) -> Output {
    let u = url(r);
    let mut all = vec![cmd, "-s", &u];
    all.extend_from_slice(args);
    common::loft_client(home, ROOM_KEY, &all).current_dir(cwd).output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Bytes that do not repeat within a chunk (so that reordered chunks would show).
fn data(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (x >> 56) as u8
        })
        .collect()
}

/// The `file` objects of `loft read --json`.
fn shared_files(r: &Relay, home: &Path) -> Vec<serde_json::Value> {
    let o = loft(r, home, home, "read", &["--room", "lobby", "--json"]);
    assert!(o.status.success(), "{}", text(&o));
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter_map(|m| m.get("file").cloned())
        .collect()
}

fn lff(r: &Relay, id: &str) -> PathBuf {
    r.root.join(".lobby.txt.files").join(format!("{id}.lff"))
}

/// Nothing but `keep` in `dir`: no output and no part file left by a refused download.
fn only(dir: &Path, keep: &[&str]) {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    names.retain(|n| n != ".loft" && n != ".config" && n != ".local");
    names.sort();
    assert_eq!(names, keep, "{}", dir.display());
}

#[test]
fn a_file_sent_with_loft_send_is_fetched_checked_and_decrypted_by_loft_get() {
    let r = Relay::start();
    let home = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let o = loft(&r, home.path(), work.path(), "send", &["--room", "lobby", "hello"]);
    assert!(o.status.success(), "{}", text(&o));
    let sizes = [0, 1, CHUNK, CHUNK + 1, 150_000];
    for (i, n) in sizes.iter().enumerate() {
        let name = format!("file {i} café.bin");
        std::fs::write(work.path().join(&name), data(*n, i as u64)).unwrap();
        let o =
            loft(&r, home.path(), work.path(), "send", &["--room", "lobby", "--file", &name, "--caption", "see this"]);
        assert!(o.status.success(), "{}", text(&o));
        assert!(String::from_utf8_lossy(&o.stderr).contains("loft get --room lobby"), "{}", text(&o));
    }
    // `loft read` shows a file line: what FTPChat users read, and how to fetch it.
    let o = loft(&r, home.path(), work.path(), "read", &["--room", "lobby"]);
    let shown = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(shown.contains("chat: 📎 file 4 café.bin (150 KB) — see this [loft get "), "{}", text(&o));
    assert!(!shown.contains("loft-file:") && !shown.contains("key="), "{shown}");
    let files = shared_files(&r, home.path());
    assert_eq!(files.len(), sizes.len(), "{files:?}");
    let out = tempfile::tempdir().unwrap();
    for (i, (f, n)) in files.iter().zip(sizes).enumerate() {
        assert_eq!(f["size"], n as u64);
        let id = f["id"].as_str().unwrap();
        let name = f["name"].as_str().unwrap();
        assert_eq!(name, format!("file {i} café.bin"));
        // By the start of its id, as `loft read` shows it, into the current folder.
        let o = loft(&r, home.path(), out.path(), "get", &["--room", "lobby", &id[..8]]);
        assert!(o.status.success(), "{}", text(&o));
        assert!(String::from_utf8_lossy(&o.stderr).contains("SHA-256 checked"), "{}", text(&o));
        assert_eq!(std::fs::read(out.path().join(name)).unwrap(), data(n, i as u64), "{name}");
        // The stored file is token lines, one a chunk: the relay never saw the bytes.
        let stored = std::fs::read_to_string(lff(&r, id)).unwrap();
        assert_eq!(stored.lines().count(), n.div_ceil(CHUNK).max(1));
        assert!(stored.lines().all(|l| l.starts_with("gAAAAA")));
    }
    // By name (the latest of that name), and with a whole reference and no room key.
    let o = loft(&r, home.path(), out.path(), "get", &["--room", "lobby", "file 2 café.bin", "-o", "by-name.bin"]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(std::fs::read(out.path().join("by-name.bin")).unwrap(), data(CHUNK, 2));
    let reference = files[4]["ref"].as_str().unwrap();
    let o = common::loft_client(home.path(), "", &["get", "-s", &url(&r), "--room", "lobby", reference, "-o", "-"])
        .env_remove("LOFT_ROOM_KEY")
        .current_dir(out.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(o.stdout, data(150_000, 4));
    // An existing output is not replaced without --force.
    let o = loft(&r, home.path(), out.path(), "get", &["--room", "lobby", "file 2 café.bin", "-o", "by-name.bin"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--force"), "{}", text(&o));
}

/// Issue 21: the first thing sent to a new room may be a file; its announcement then
/// creates the room.
#[test]
fn a_file_can_be_the_first_thing_sent_to_a_new_room() {
    let r = Relay::start();
    let home = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    std::fs::write(work.path().join("first.bin"), data(70_000, 9)).unwrap();
    assert!(!r.root.join("fresh.txt").exists());
    let o = loft(&r, home.path(), work.path(), "send", &["--room", "fresh", "--file", "first.bin"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(r.root.join("fresh.txt").is_file(), "the announcement made the room");
    let out = tempfile::tempdir().unwrap();
    let o = loft(&r, home.path(), out.path(), "get", &["--room", "fresh", "first.bin"]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(std::fs::read(out.path().join("first.bin")).unwrap(), data(70_000, 9));
}

#[test]
fn truncated_tampered_replaced_or_missing_files_are_refused_and_leave_no_output() {
    let r = Relay::start();
    let home = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    std::fs::write(work.path().join("photo.jpg"), data(3 * CHUNK - 100, 9)).unwrap();
    let o = loft(&r, home.path(), work.path(), "send", &["--room", "lobby", "hi"]);
    assert!(o.status.success(), "{}", text(&o));
    let o = loft(&r, home.path(), work.path(), "send", &["--room", "lobby", "--file", "photo.jpg"]);
    assert!(o.status.success(), "{}", text(&o));
    let id = shared_files(&r, home.path())[0]["id"].as_str().unwrap().to_string();
    let stored = std::fs::read_to_string(lff(&r, &id)).unwrap();
    let lines: Vec<&str> = stored.lines().collect();
    assert_eq!(lines.len(), 3);
    let out = tempfile::tempdir().unwrap();
    let get = |why: &str| {
        let o = loft(&r, home.path(), out.path(), "get", &["--room", "lobby", &id]);
        assert!(!o.status.success(), "{why}: {}", text(&o));
        only(out.path(), &[]);
        String::from_utf8_lossy(&o.stderr).to_string()
    };
    // One character of the second chunk changed.
    let mut chars: Vec<char> = lines[1].chars().collect();
    chars[200] = if chars[200] == 'A' { 'B' } else { 'A' };
    let tampered: String = chars.into_iter().collect();
    std::fs::write(lff(&r, &id), format!("{}\n{tampered}\n{}\n", lines[0], lines[2])).unwrap();
    let e = get("tampered");
    assert!(e.contains("line 2") && e.contains("nothing was saved"), "{e}");
    // The last chunk dropped, or the last line cut short.
    std::fs::write(lff(&r, &id), format!("{}\n{}\n", lines[0], lines[1])).unwrap();
    let e = get("a chunk dropped");
    assert!(e.contains("truncated"), "{e}");
    std::fs::write(lff(&r, &id), &stored[..stored.len() - 10]).unwrap();
    let e = get("cut short");
    assert!(e.contains("truncated"), "{e}");
    // Chunks in another order: each opens, the whole is not the file announced.
    std::fs::write(lff(&r, &id), format!("{}\n{}\n{}\n", lines[1], lines[0], lines[2])).unwrap();
    let e = get("reordered");
    assert!(e.contains("SHA-256"), "{e}");
    // Replaced by another file with another key.
    std::fs::write(work.path().join("other.jpg"), data(3 * CHUNK - 100, 10)).unwrap();
    let o = loft(&r, home.path(), work.path(), "send", &["--room", "lobby", "--file", "other.jpg"]);
    assert!(o.status.success(), "{}", text(&o));
    let other = shared_files(&r, home.path())[1]["id"].as_str().unwrap().to_string();
    std::fs::copy(lff(&r, &other), lff(&r, &id)).unwrap();
    let e = get("replaced");
    assert!(e.contains("file's key"), "{e}");
    // Gone from the relay.
    std::fs::remove_file(lff(&r, &id)).unwrap();
    let e = get("missing");
    assert!(e.contains("no longer has this file"), "{e}");
    // Nothing by that name or id.
    let e = get_other(&r, home.path(), out.path(), "nothing.jpg");
    assert!(e.contains("no file \"nothing.jpg\""), "{e}");
    only(out.path(), &[]);
    // A file to send that is not there: a clear error, and the room is unchanged.
    let before = std::fs::read(r.root.join("lobby.txt")).unwrap();
    let o = loft(&r, home.path(), work.path(), "send", &["--room", "lobby", "--file", "missing.jpg"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("missing.jpg: No such file"), "{}", text(&o));
    let o = loft(&r, home.path(), work.path(), "send", &["--room", "lobby", "--file", "."]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert_eq!(std::fs::read(r.root.join("lobby.txt")).unwrap(), before);
}

fn get_other(r: &Relay, home: &Path, cwd: &Path, wanted: &str) -> String {
    let o = loft(r, home, cwd, "get", &["--room", "lobby", wanted]);
    assert!(!o.status.success(), "{}", text(&o));
    String::from_utf8_lossy(&o.stderr).to_string()
}

#[test]
fn a_file_over_the_relays_limit_is_refused_and_nothing_is_announced() {
    let r = Relay::with(common::Setup::default().edit(|t| common::set_key(&t, "chat", "max_file_bytes", "100000")));
    let home = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    std::fs::write(work.path().join("big.bin"), data(200_000, 1)).unwrap();
    let o = loft(&r, home.path(), work.path(), "send", &["--room", "lobby", "first"]);
    assert!(o.status.success(), "{}", text(&o));
    let before = std::fs::read(r.root.join("lobby.txt")).unwrap();
    let o = loft(&r, home.path(), work.path(), "send", &["--room", "lobby", "--file", "big.bin"]);
    assert_eq!(o.status.code(), Some(6), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("max_file_bytes"), "{}", text(&o));
    assert_eq!(std::fs::read(r.root.join("lobby.txt")).unwrap(), before);
    let left: Vec<_> = std::fs::read_dir(r.root.join(".lobby.txt.files")).unwrap().flatten().collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn chat_shares_with_file_and_fetches_with_get() {
    let r = Relay::start();
    let home = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    std::fs::write(work.path().join("notes.pdf"), data(70_000, 3)).unwrap();
    let o = loft(&r, home.path(), work.path(), "send", &["--room", "lobby", "hello"]);
    assert!(o.status.success(), "{}", text(&o));
    let u = url(&r);
    let args = ["chat", "-s", &u, "--room", "lobby", "--name", "alice", "--interval", "0.2", "--timeout", "5"];
    let mut child = common::loft_client(home.path(), ROOM_KEY, &args)
        .current_dir(work.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    for stream in [
        Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
        Box::new(child.stderr.take().unwrap()),
    ] {
        let o = out.clone();
        std::thread::spawn(move || {
            for l in BufReader::new(stream).lines().map_while(Result::ok) {
                o.lock().unwrap().push_str(&(l + "\n"));
            }
        });
    }
    let wait_for = |needle: &str| {
        let t = Instant::now();
        while !out.lock().unwrap().contains(needle) {
            assert!(t.elapsed() < Duration::from_secs(30), "no {needle:?} in:\n{}", out.lock().unwrap());
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    let mut stdin = child.stdin.take().unwrap();
    wait_for("hello");
    writeln!(stdin, "/file notes.pdf").unwrap();
    wait_for("📎 notes.pdf (70 KB) [loft get ");
    std::fs::create_dir(work.path().join("got")).unwrap();
    std::fs::rename(work.path().join("notes.pdf"), work.path().join("sent.pdf")).unwrap();
    writeln!(stdin, "/get notes.pdf").unwrap();
    wait_for("saved as notes.pdf");
    assert_eq!(std::fs::read(work.path().join("notes.pdf")).unwrap(), data(70_000, 3));
    writeln!(stdin, "/file nowhere.pdf").unwrap();
    wait_for("nowhere.pdf: No such file");
    writeln!(stdin, "/quit").unwrap();
    let _ = child.wait();
    let files = shared_files(&r, home.path());
    assert_eq!(files.len(), 1, "{files:?}");
}

/// docs/files.md's format is enough to write another client: Python scripts written from it
/// alone (tests/support/scripts/files, with `cryptography`) fetch what `loft send --file`
/// shares and share what `loft get` fetches, over FTP and FTPS; and an FTPChat v1.7-style
/// reader of the same room (which stops for good at a line it cannot decrypt) opens every
/// line, announcements included.
#[test]
fn python_written_from_the_format_doc_and_loft_share_files_both_ways() {
    if common::skip_without_cryptography() {
        return;
    }
    let r = Relay::start();
    let home = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let script = |name: &str, args: &[&str]| {
        let o = r.script_args(name, args);
        assert!(o.status.success(), "{name} {args:?}\n{}\n--- server log\n{}", text(&o), r.log());
        String::from_utf8_lossy(&o.stdout).to_string()
    };
    let o = loft(&r, home.path(), work.path(), "send", &["--room", "lobby", "hello from loft"]);
    assert!(o.status.success(), "{}", text(&o));
    // loft → Python, over plain FTP and over FTPS.
    std::fs::write(work.path().join("été photo+1.bin"), data(123_457, 5)).unwrap();
    let o = loft(
        &r,
        home.path(),
        work.path(),
        "send",
        &["--room", "lobby", "--file", "été photo+1.bin", "--caption", "from loft"],
    );
    assert!(o.status.success(), "{}", text(&o));
    for tls in [None, Some("--tls")] {
        let out = work.path().join(format!("py-got-{}.bin", tls.is_some()));
        let mut args = vec!["lobby", ROOM_KEY, out.to_str().unwrap(), "été photo+1.bin"];
        args.extend(tls);
        let said = script("files/get_file.py", &args);
        assert!(said.starts_with("ok été photo+1.bin 123457 "), "{said}");
        assert_eq!(std::fs::read(&out).unwrap(), data(123_457, 5));
    }
    // Python → loft.
    let py_file = work.path().join("from-python.bin");
    std::fs::write(&py_file, data(2 * CHUNK + 1, 6)).unwrap();
    let said = script("files/put_file.py", &["lobby", ROOM_KEY, py_file.to_str().unwrap(), "made in Python", "--tls"]);
    assert!(said.contains("📎 from-python.bin") && said.contains("loft-file:"), "{said}");
    let out = tempfile::tempdir().unwrap();
    let o = loft(&r, home.path(), out.path(), "get", &["--room", "lobby", "from-python.bin"]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(std::fs::read(out.path().join("from-python.bin")).unwrap(), data(2 * CHUNK + 1, 6));
    // The scripts' own checks of the format (damaged files, references), without a relay.
    assert!(script("files/offline_selftest.py", &[]).contains("ok"));
    // An FTPChat v1.7 reader opens every line of the room, the announcements too.
    for tls in [None, Some("--tls")] {
        let mut args = vec!["lobby", ROOM_KEY];
        args.extend(tls);
        let read = script("files/ftpchat_reader.py", &args);
        assert_eq!(read.lines().count(), 3, "{read}");
        assert!(read.contains("chat: hello from loft"), "{read}");
        assert!(read.contains("chat: 📎 été photo+1.bin (123 KB) — from loft loft-file:"), "{read}");
        assert!(read.contains("py-interop: 📎 from-python.bin"), "{read}");
    }
}
