//! `loft send | read | rooms` against a real `loft serve` on loopback: round trips, the
//! exit codes scripts depend on, certificate trust, FTPChat (Python) interoperability, and
//! the outbox across a relay restart.

#![cfg(feature = "client")]

use crate::common;
use common::{set_key, Follower, Relay, Setup, PASSWORD};
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

const ROOM_KEY: &str = "room secret";

/// A client "machine": its own HOME (known_hosts, outbox), pointed at one relay.
struct Client {
    home: tempfile::TempDir,
    url: String,
}

impl Client {
    fn new(r: &Relay) -> Client {
        Client { home: tempfile::tempdir().unwrap(), url: format!("ftp://chat@127.0.0.1:{}/", r.port) }
    }

    fn cmd(&self, args: &[&str]) -> Command {
        common::loft_client(self.home.path(), ROOM_KEY, args)
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }

    fn send(&self, room: &str, text: &str) -> Output {
        self.run(&["send", "-s", &self.url, "--room", room, "--timeout", "5", text])
    }

    fn read(&self, room: &str, extra: &[&str]) -> Output {
        let mut a = vec!["read", "-s", self.url.as_str(), "--room", room, "--timeout", "5"];
        a.extend_from_slice(extra);
        self.run(&a)
    }

    fn known_hosts(&self) -> PathBuf {
        self.home.path().join(".config/loft/known_hosts")
    }

    fn outbox_len(&self) -> usize {
        let d = self.home.path().join(".local/state/loft/outbox");
        let Ok(rd) = std::fs::read_dir(&d) else { return 0 };
        rd.flatten()
            .flat_map(|acct| std::fs::read_dir(acct.path()).into_iter().flatten().flatten())
            .filter(|f| f.path().extension().is_some_and(|x| x == "json"))
            .count()
    }
}

fn text(o: &[u8]) -> String {
    String::from_utf8_lossy(o).to_string()
}

#[track_caller]
fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        o.status.code(),
        text(&o.stdout),
        text(&o.stderr)
    );
    text(&o.stdout)
}

#[track_caller]
fn code(o: &Output, want: i32) -> String {
    assert_eq!(o.status.code(), Some(want), "\n--- stdout\n{}\n--- stderr\n{}", text(&o.stdout), text(&o.stderr));
    text(&o.stderr)
}

/// The SHA-256 fingerprint of the relay's certificate (the first of its chain).
fn cert_fingerprint(r: &Relay) -> String {
    first_fingerprint(&r.cert())
}

/// The SHA-256 fingerprint of the relay's certificate authority, as `loft init` prints it.
fn ca_fingerprint(r: &Relay) -> String {
    first_fingerprint(&r.dir.path().join("loft-ca.crt"))
}

fn first_fingerprint(path: &std::path::Path) -> String {
    let pem = std::fs::read(path).unwrap();
    let der = rustls_pemfile::certs(&mut pem.as_slice()).next().unwrap().unwrap();
    loft::client::trust::Fingerprint::of(&der).to_string()
}

fn room_file(r: &Relay, room: &str) -> PathBuf {
    r.root.join(format!("{room}.txt"))
}

fn helper() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/client_ftpchat.py").to_string()
}

fn python_ok() -> bool {
    !common::skip_without_cryptography()
}

#[test]
fn send_then_read_round_trip_over_tls_with_first_use_trust() {
    let r = Relay::start();
    let c = Client::new(&r);
    let o = c.send("lobby", "hello: world");
    ok(&o);
    // First use: the CA's fingerprint is printed and recorded, the one `loft init` printed.
    let fp = ca_fingerprint(&r);
    assert!(
        text(&o.stderr).contains(&format!("certificate authority SHA-256 fingerprint: {fp}")),
        "{}",
        text(&o.stderr)
    );
    assert!(std::fs::read_to_string(c.known_hosts()).unwrap().contains(&format!("127.0.0.1:{} ca={fp}", r.port)));
    let o = c.run(&["send", "-s", &c.url, "--room", "lobby.txt", "--name", "bob", "-"]);
    code(&o, 2); // `-` with no input is an empty message
    let mut child = c
        .cmd(&["send", "-s", &c.url, "--room", "lobby.txt", "--name", "bob", "-"])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all("two\nlines  \n\n".as_bytes()).unwrap();
    let o = child.wait_with_output().unwrap();
    ok(&o);
    assert!(!text(&o.stderr).contains("first connection"), "second use is silent: {}", text(&o.stderr));
    let out = ok(&c.read("lobby", &[]));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(lines[0].ends_with(" chat: hello: world"), "{out}");
    assert!(lines[1].ends_with(" bob: two"), "{out}");
    assert_eq!(lines[2].trim(), "lines", "{out}");
    assert!(!out.contains('\x1b'), "no colour in a pipe");
    // JSON for scripts.
    let out = ok(&c.read("lobby", &["--json"]));
    let v: Vec<serde_json::Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(v[1]["user"], "bob");
    assert_eq!(v[1]["text"], "two\nlines");
    assert_eq!(v[0]["own"], true);
    assert_eq!(v[1]["own"], false);
    assert_eq!(v[0]["room"], "lobby");
    // --last and --since.
    let out = ok(&c.read("lobby", &["--last", "1", "--json"]));
    assert_eq!(out.lines().count(), 1);
    let out = ok(&c.read("lobby", &["--since", "@4000000000"]));
    assert_eq!(out, "");
    let out = ok(&c.read("lobby", &["--since", "10m"]));
    assert_eq!(out.lines().count(), 3);
    // Every line on disk is a token, one per line, newline-terminated.
    let disk = std::fs::read_to_string(room_file(&r, "lobby")).unwrap();
    assert!(disk.ends_with('\n') && disk.lines().all(|l| l.starts_with("gAAAAA")), "{disk}");
    // rooms
    ok(&c.send("kitchen", "x"));
    assert_eq!(ok(&c.run(&["rooms", "-s", &c.url])), "kitchen\nlobby\n");
    let v: serde_json::Value =
        serde_json::from_str(ok(&c.run(&["rooms", "-s", &c.url, "--json"])).lines().next().unwrap()).unwrap();
    assert_eq!(v["room"], "kitchen");
    assert!(v["size"].as_u64().unwrap() > 100);
}

#[test]
fn reading_a_missing_room_and_bad_usage_have_exit_codes() {
    let r = Relay::start();
    let c = Client::new(&r);
    let e = code(&c.read("nowhere", &[]), 6);
    assert!(e.contains("loft rooms"), "{e}");
    code(&c.run(&["read", "--room", "x"]), 2); // no server anywhere
    code(&c.run(&["read", "-s", &c.url]), 2); // no room
    code(&c.run(&["send", "-s", &c.url, "--room", "../etc", "x"]), 2);
    code(&c.run(&["send", "-s", &c.url, "--room", "r", "--name", "a: b", "x"]), 2);
    code(&c.run(&["read", "-s", &c.url, "--room", "r", "--since", "yesterday"]), 2);
    code(&c.run(&["read", "-s", &c.url, "--room", "r", "--tls", "maybe"]), 2);
    let o = c.cmd(&["send", "-s", &c.url, "--room", "r", "x"]).env_remove("LOFT_ROOM_KEY").output().unwrap();
    let e = code(&o, 2);
    assert!(e.contains("LOFT_ROOM_KEY") && e.contains("--key-file"), "{e}");
    let help = ok(&c.run(&["send", "--help"]));
    for needle in ["Exit codes:", "5  TLS trust", "7  (send)", "known_hosts", "client.toml"] {
        assert!(help.contains(needle), "send --help lacks {needle:?}");
    }
}

#[test]
fn wrong_password_is_an_authentication_error() {
    let r = Relay::start();
    let c = Client::new(&r);
    let o = c.cmd(&["send", "-s", &c.url, "--room", "r", "x"]).env("LOFT_FTP_PASSWORD", "wrong").output().unwrap();
    let e = code(&o, 3);
    assert!(e.contains("refused the login"), "{e}");
    assert_eq!(c.outbox_len(), 0, "a message refused for bad credentials is not queued");
    // Password from a file: first line only.
    let pw = c.home.path().join("pw");
    std::fs::write(&pw, format!("{PASSWORD}\nrest\n")).unwrap();
    let o = c
        .cmd(&["send", "-s", &c.url, "--room", "r", "--password-file", pw.to_str().unwrap(), "x"])
        .env_remove("LOFT_FTP_PASSWORD")
        .output()
        .unwrap();
    ok(&o);
}

#[test]
fn tls_require_against_a_plain_only_relay_is_a_tls_error() {
    let r = Relay::with(Setup::default().edit(|t| set_key(&t, "tls", "mode", "\"off\"")));
    let c = Client::new(&r);
    let e = code(&c.run(&["send", "-s", &c.url, "--tls", "require", "--room", "r", "x"]), 5);
    assert!(e.contains("does not offer TLS"), "{e}");
    let ftps = format!("ftps://chat@127.0.0.1:{}/", r.port);
    code(&c.run(&["send", "-s", &ftps, "--room", "r", "x"]), 5);
    assert_eq!(c.outbox_len(), 0);
    // prefer: works, and says so loudly.
    let o = c.send("r", "in the clear");
    ok(&o);
    assert!(text(&o.stderr).contains("PLAIN FTP"), "{}", text(&o.stderr));
    assert!(ok(&c.read("r", &["--tls", "off"])).contains("in the clear"));
}

#[test]
fn a_changed_certificate_is_refused_like_ssh() {
    // With the Ed25519 twin (the default on 32-bit ARM and MIPS relays).
    let r = Relay::with(Setup::default().edit(|t| set_key(&t, "tls", "ed25519", "true")));
    let c = Client::new(&r);
    let kh = c.known_hosts();
    std::fs::create_dir_all(kh.parent().unwrap()).unwrap();
    let other = "AB:".repeat(31) + "AB";
    std::fs::write(&kh, format!("# comment\n127.0.0.1:{} {other}\n", r.port)).unwrap();
    let e = code(&c.send("r", "x"), 5);
    // The client accepts Ed25519, so it is shown the relay's Ed25519 twin, signed by the
    // CA whose fingerprint `loft init` printed.
    let ca = ca_fingerprint(&r);
    assert!(e.contains("HAS CHANGED") && e.contains("line 2") && e.contains(&format!("authority {ca}")), "{e}");
    assert_eq!(c.outbox_len(), 0);
    // Pinning overrides known_hosts: the right pin connects (the CA's, or the
    // certificate's when the relay has no twin), a wrong one is refused.
    ok(&c.run(&["send", "-s", &c.url, "--tls-fingerprint", &ca.replace(':', "").to_lowercase(), "--room", "r", "x"]));
    let e = code(&c.run(&["send", "-s", &c.url, "--tls-fingerprint", &other, "--room", "r", "x"]), 5);
    assert!(e.contains("not the pinned one"), "{e}");
    let mut r = r;
    let cfg = std::fs::read_to_string(&r.config).unwrap();
    std::fs::write(&r.config, set_key(&cfg, "tls", "ed25519", "false")).unwrap();
    r.restart();
    let fp = cert_fingerprint(&r);
    ok(&c.run(&["send", "-s", &c.url, "--tls-fingerprint", &fp, "--room", "r", "x"]));
    // A relay that did TLS before and now refuses it is a downgrade, not a fallback.
    std::fs::write(&kh, format!("127.0.0.1:{} {fp}\n", r.port)).unwrap();
    let cfg = std::fs::read_to_string(&r.config).unwrap();
    std::fs::write(&r.config, set_key(&cfg, "tls", "mode", "\"off\"")).unwrap();
    r.restart();
    let e = code(&c.send("r", "x"), 5);
    assert!(e.contains("used TLS before"), "{e}");
    ok(&c.run(&["send", "-s", &c.url, "--tls", "off", "--room", "r", "x"]));
}

#[test]
fn python_written_room_is_read_by_loft_and_loft_written_room_by_python() {
    if !python_ok() {
        return;
    }
    let r = Relay::start();
    let c = Client::new(&r);
    let py = |args: &[&str]| {
        let o = Command::new("python3")
            .arg(helper())
            .args(args)
            .env("FTP_PASSWORD", PASSWORD)
            .env("ROOM_KEY", ROOM_KEY)
            .output()
            .unwrap();
        ok(&o)
    };
    let port = r.port.to_string();
    py(&[
        "send",
        "--port",
        &port,
        "--user",
        "chat",
        "--room",
        "mixed",
        "--name",
        "py",
        "from python: 1",
        "multi\nline",
    ]);
    py(&["send", "--port", &port, "--user", "chat", "--room", "mixed", "--tls", "--name", "pytls", "over TLS"]);
    ok(&c.send("mixed", "from loft ✓"));
    let out = ok(&c.read("mixed", &["--json"]));
    let v: Vec<serde_json::Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let got: Vec<(&str, &str)> = v.iter().map(|m| (m["user"].as_str().unwrap(), m["text"].as_str().unwrap())).collect();
    assert_eq!(got, [("py", "from python: 1"), ("py", "multi\nline"), ("pytls", "over TLS"), ("chat", "from loft ✓")]);
    let dumped = py(&["dump", "--port", &port, "--user", "chat", "--room", "mixed"]);
    let plains: Vec<String> =
        dumped.lines().map(|l| serde_json::from_str::<Option<String>>(l).unwrap().unwrap()).collect();
    assert_eq!(plains.len(), 4);
    let (_, user, text) = loft::ftpchat::message::parse(&plains[3]).unwrap();
    assert_eq!((user.as_str(), text.as_str()), ("chat", "from loft ✓"));
}

#[test]
fn undecryptable_and_malformed_lines_do_not_stop_reading() {
    let r = Relay::start();
    let c = Client::new(&r);
    ok(&c.send("noisy", "first"));
    let other = loft::ftpchat::key::RoomKey::derive("another room");
    let mut f = std::fs::OpenOptions::new().append(true).open(room_file(&r, "noisy")).unwrap();
    writeln!(f, "{}", other.seal_message("mallory", "you cannot read me")).unwrap();
    writeln!(f, "{}", other.seal_message("mallory", "nor me")).unwrap();
    f.write_all(b"this is not a token\n\xff\xfe binary\n\n").unwrap();
    let key = loft::ftpchat::key::RoomKey::derive(ROOM_KEY);
    writeln!(f, "{}", key.seal("decrypts but is not a chat message")).unwrap();
    drop(f);
    ok(&c.send("noisy", "last"));
    let o = c.read("noisy", &[]);
    let out = ok(&o);
    assert_eq!(out.lines().count(), 2, "{out}");
    assert!(out.contains("first") && out.contains("last"));
    let err = text(&o.stderr);
    assert!(err.contains("2 lines encrypted with another key"), "{err}");
    assert_eq!(err.matches("skipped").count(), 3, "{err}");
    // A wrong key: nothing readable, said once, still exit 0.
    let o = c.cmd(&["read", "-s", &c.url, "--room", "noisy"]).env("LOFT_ROOM_KEY", "wrong").output().unwrap();
    assert_eq!(ok(&o), "");
    assert!(text(&o.stderr).contains("5 lines encrypted with another key"), "{}", text(&o.stderr));
}

/// A `loft read --follow` in the background, its stdout collected.
/// `loft read --follow` of `room` as this client.
fn follow(c: &Client, room: &str) -> Follower {
    Follower::spawn(c.cmd(&["read", "-s", &c.url, "--room", room, "--follow", "--interval", "0.2", "--timeout", "3"]))
}

#[test]
fn follow_survives_a_relay_restart_and_delivers_the_outbox_once() {
    let mut r = Relay::start();
    let c = Client::new(&r);
    ok(&c.send("live", "before"));
    let f = follow(&c, "live");
    f.wait_for_count("before", 1);
    ok(&c.send("live", "while following"));
    f.wait_for_count("while following", 1);

    r.kill();
    let o = c.send("live", "while the relay is down");
    let e = code(&o, 7);
    assert!(e.contains("outbox"), "{e}");
    let o = c.run(&["send", "-s", &c.url, "--room", "live", "--no-queue", "--timeout", "3", "not kept"]);
    code(&o, 4);
    assert_eq!(c.outbox_len(), 1);

    r.restart();
    // The follower reconnects, delivers the outbox, and shows the message exactly once.
    let out = f.wait_for_count("while the relay is down", 1);
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(f.out.lock().unwrap().matches("while the relay is down").count(), 1, "{out}");
    assert_eq!(c.outbox_len(), 0);
    let err = f.err.lock().unwrap().clone();
    assert!(err.contains("reconnecting") && err.contains("connected to"), "{err}");
    // On the relay, once.
    let disk = std::fs::read_to_string(room_file(&r, "live")).unwrap();
    assert_eq!(disk.lines().count(), 3, "{disk}");
    assert!(!ok(&c.read("live", &[])).contains("not kept"));
}

#[test]
fn a_rewritten_room_is_read_again_without_duplicates() {
    let r = Relay::start();
    let c = Client::new(&r);
    for m in ["one", "two", "three"] {
        ok(&c.send("rot", m));
    }
    let f = follow(&c, "rot");
    f.wait_for_count("three", 1);
    // Someone else rotates the file: keeps the last line, then a new message comes.
    let path = room_file(&r, "rot");
    let disk = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, disk.lines().last().unwrap().to_string() + "\n").unwrap();
    ok(&c.send("rot", "four"));
    let out = f.wait_for_count("four", 1);
    std::thread::sleep(Duration::from_millis(600));
    let out = f.out.lock().unwrap().clone() + &out[..0];
    for m in ["one", "two", "three", "four"] {
        assert_eq!(out.matches(&format!(": {m}\n")).count(), 1, "{m} in\n{out}");
    }
    assert!(f.err.lock().unwrap().contains("rewritten"), "{}", f.err.lock().unwrap());
}

#[test]
fn an_interrupted_append_is_not_delivered_twice() {
    // The outbox entry says an append was attempted at some offset and its outcome is
    // unknown; the token is in fact in the room. The next flush must notice, not re-send.
    let r = Relay::start();
    let c = Client::new(&r);
    ok(&c.send("once", "already here"));
    let key = loft::ftpchat::key::RoomKey::derive(ROOM_KEY);
    let token = key.seal_message("chat", "appended, but the 226 was lost");
    let mut f = std::fs::OpenOptions::new().append(true).open(room_file(&r, "once")).unwrap();
    let at = f.metadata().unwrap().len();
    writeln!(f, "{token}").unwrap();
    drop(f);
    let dir = c.home.path().join(format!(".local/state/loft/outbox/chat@127.0.0.1:{}", r.port));
    std::fs::create_dir_all(&dir).unwrap();
    let entry = serde_json::json!({"room": "once.txt", "token": token, "queued": 0, "attempted_at": at});
    std::fs::write(dir.join("00000000000000000000001-0000000001-000000.json"), entry.to_string()).unwrap();
    assert_eq!(c.outbox_len(), 1);
    ok(&c.send("once", "next"));
    assert_eq!(c.outbox_len(), 0);
    let out = ok(&c.read("once", &[]));
    assert_eq!(out.matches("the 226 was lost").count(), 1, "{out}");
    assert_eq!(out.lines().count(), 3, "{out}");
}

#[test]
fn profiles_and_environment_pick_the_relay() {
    let r = Relay::start();
    let c = Client::new(&r);
    let cfg = c.home.path().join(".config/loft");
    std::fs::create_dir_all(&cfg).unwrap();
    std::fs::write(cfg.join("home.pw"), format!("{PASSWORD}\n")).unwrap();
    std::fs::write(cfg.join("lobby.key"), format!("{ROOM_KEY}\n")).unwrap();
    std::fs::write(
        cfg.join("client.toml"),
        format!(
            "default = \"home\"\n[profile.home]\nserver = \"ftp://chat@127.0.0.1:{}/\"\nroom = \"lobby\"\nname = \"prof\"\npassword_file = \"home.pw\"\nkey_file = \"lobby.key\"\n[profile.nowhere]\nserver = \"ftp://x@127.0.0.1:1/\"\n",
            r.port
        ),
    )
    .unwrap();
    let bare =
        |args: &[&str]| c.cmd(args).env_remove("LOFT_FTP_PASSWORD").env_remove("LOFT_ROOM_KEY").output().unwrap();
    ok(&bare(&["send", "via profile"]));
    let out = ok(&bare(&["read"]));
    assert!(out.contains(" prof: via profile"), "{out}");
    // An explicit --profile beats $LOFT_SERVER, which beats the default profile.
    let o = c
        .cmd(&["read", "--profile", "nowhere", "--room", "lobby", "--timeout", "2"])
        .env("LOFT_SERVER", &c.url)
        .output()
        .unwrap();
    code(&o, 4);
    let o = c.cmd(&["read", "--room", "lobby"]).env("LOFT_SERVER", "ftp://chat@127.0.0.1:1/").output().unwrap();
    code(&o, 4);
    code(&bare(&["read", "--profile", "missing"]), 2);
}
