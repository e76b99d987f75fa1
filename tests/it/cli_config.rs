//! The config commands: `loft init`, `loft user …`, `loft check`, and how a bad config is
//! refused by `loft serve` (file, key, line and column; exit status 2).

use crate::common;
use common::run_loft;

fn text(o: &std::process::Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

#[test]
fn init_writes_config_certificate_and_user_and_refuses_to_overwrite() {
    let d = tempfile::tempdir().unwrap();
    let cfg = d.path().join("etc/loft.toml");
    let root = d.path().join("usb/loft");
    let o = run_loft(&["init", "--root", root.to_str().unwrap(), "-c", cfg.to_str().unwrap()], None);
    assert!(o.status.success(), "{}", text(&o));
    let out = text(&o);
    assert!(out.contains("password: "), "a random password is printed once: {out}");
    assert!(out.contains("certificate authority SHA-256 fingerprint: "), "{out}");
    for f in ["loft.crt", "loft.key", "loft-ca.crt", "loft-ca.key"] {
        assert!(d.path().join("etc").join(f).exists(), "{f}");
    }
    assert!(root.is_dir());
    let written = std::fs::read_to_string(&cfg).unwrap();
    assert!(written.contains("# Loft relay configuration"), "commented: {written}");
    assert!(
        !written.contains(out.split("password: ").nth(1).unwrap().split_whitespace().next().unwrap()),
        "no plain password in the file"
    );
    // The check command accepts it and shows the same fingerprint.
    let fp = out.split("fingerprint: ").nth(1).unwrap().lines().next().unwrap().trim().to_string();
    let c = run_loft(&["check", "-c", cfg.to_str().unwrap()], None);
    assert!(c.status.success(), "{}", text(&c));
    assert!(text(&c).contains(&fp));
    // No overwrite without --force.
    let again = run_loft(&["init", "--root", root.to_str().unwrap(), "-c", cfg.to_str().unwrap()], None);
    assert!(!again.status.success());
    assert!(text(&again).contains("--force"));
    assert_eq!(std::fs::read_to_string(&cfg).unwrap(), written);
    // With --force the certificate and its CA are kept.
    let forced = run_loft(&["init", "--root", root.to_str().unwrap(), "-c", cfg.to_str().unwrap(), "--force"], None);
    assert!(forced.status.success(), "{}", text(&forced));
    assert!(text(&forced).contains(&fp), "same certificate kept");
}

#[test]
fn config_path_comes_from_loft_config_env() {
    let d = tempfile::tempdir().unwrap();
    let cfg = d.path().join("x.toml");
    std::fs::write(&cfg, "root = \"r\"\n[tls]\nmode = \"off\"\n").unwrap();
    let o = std::process::Command::new(common::LOFT).args(["check"]).env("LOFT_CONFIG", &cfg).output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains(cfg.to_str().unwrap()));
}

#[test]
fn user_add_passwd_del_list_keep_comments() {
    let d = tempfile::tempdir().unwrap();
    let cfg = d.path().join("loft.toml");
    let c = cfg.to_str().unwrap();
    let o = run_loft(&["init", "--root", "root", "-c", c, "--password-stdin"], Some("first\n"));
    assert!(o.status.success(), "{}", text(&o));
    let mut t = std::fs::read_to_string(&cfg).unwrap();
    t.insert_str(0, "# kept comment\n");
    std::fs::write(&cfg, t).unwrap();
    let o = run_loft(
        &["user", "add", "alice", "-c", c, "--password-stdin", "--read-only", "--home", "alice"],
        Some("pw\n"),
    );
    assert!(o.status.success(), "{}", text(&o));
    let o = run_loft(&["user", "list", "-c", c], None);
    let list = text(&o);
    assert!(list.contains("alice") && list.contains("read-only") && list.contains("chat"), "{list}");
    let o = run_loft(&["user", "add", "alice", "-c", c, "--password-stdin"], Some("pw\n"));
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("exists already"));
    let before = std::fs::read_to_string(&cfg).unwrap();
    let o = run_loft(&["user", "passwd", "alice", "-c", c, "--password-stdin"], Some("new\n"));
    assert!(o.status.success(), "{}", text(&o));
    assert_ne!(before, std::fs::read_to_string(&cfg).unwrap());
    let o = run_loft(&["user", "del", "alice", "-c", c], None);
    assert!(o.status.success(), "{}", text(&o));
    let after = std::fs::read_to_string(&cfg).unwrap();
    assert!(after.starts_with("# kept comment\n") && !after.contains("alice"), "{after}");
    let o = run_loft(&["user", "add", "bad name", "-c", c, "--password-stdin"], Some("pw\n"));
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn a_bad_config_is_refused_with_file_key_line_and_column() {
    let d = tempfile::tempdir().unwrap();
    let cfg = d.path().join("loft.toml");
    let cases: &[(&str, &str, &str)] = &[
        ("root = \"r\"\n[limits]\nmax_per_ip = \"lots\"\n", ":3:", "limits.max_per_ip"),
        ("root = \"r\"\n\n[tls]\nmod = \"optional\"\n", ":4:1", "tls.mod"),
        ("root = \"r\"\nlisten = [\"0.0.0.0:21\", \"here\"]\n", ":2:", "listen[1]"),
        ("root = \"r\"\n[tls]\nmode = \"sometimes\"\n", ":3:", "tls.mode"),
        ("root = \"r\"\n[[users]]\nname = \"a\"\npassword = \"plaintext\"\n", ":4:", "users[0].password"),
        ("listen = [\"127.0.0.1:2121\"]\n", "", "root"),
    ];
    for (body, pos, key) in cases {
        std::fs::write(&cfg, body).unwrap();
        for cmd in ["serve", "check"] {
            let o = run_loft(&[cmd, "-c", cfg.to_str().unwrap()], None);
            let msg = text(&o);
            assert_eq!(o.status.code(), Some(2), "{cmd} {body:?}: {msg}");
            assert!(msg.contains(&format!("{}{pos}", cfg.display())), "{cmd} {body:?}: no file:line:col in {msg}");
            assert!(msg.contains(key), "{cmd} {body:?}: key {key} not named in {msg}");
        }
    }
}

#[test]
fn help_is_a_manual_and_version_works() {
    let o = run_loft(&["--version"], None);
    assert!(o.status.success() && text(&o).starts_with("loft "));
    let client: &[&str] = if cfg!(feature = "client") { &["send", "read", "chat", "rooms"] } else { &[] };
    for &cmd in ["serve", "init", "user", "check"].iter().chain(client) {
        let o = run_loft(&[cmd, "--help"], None);
        assert!(o.status.success(), "{cmd} --help: {}", text(&o));
        assert!(text(&o).len() > 200, "{cmd} --help is too thin: {}", text(&o));
    }
}

#[test]
fn every_commented_setting_in_the_initial_config_can_be_uncommented() {
    let d = tempfile::tempdir().unwrap();
    let cfg = d.path().join("loft.toml");
    let c = cfg.to_str().unwrap();
    let o = run_loft(&["init", "--root", "root", "-c", c, "--password-stdin"], Some("pw\n"));
    assert!(o.status.success(), "{}", text(&o));
    let o = run_loft(&["user", "add", "second", "-c", c, "--password-stdin"], Some("pw\n"));
    assert!(o.status.success(), "{}", text(&o));
    let original = std::fs::read_to_string(&cfg).unwrap();
    let setting = regex_free_settings(&original);
    assert!(setting.len() > 15, "{setting:?}");
    for line in setting {
        let edited = original.replacen(&line, line.trim_start_matches("# "), 1);
        std::fs::write(&cfg, &edited).unwrap();
        let o = run_loft(&["check", "-c", c], None);
        assert!(o.status.success(), "uncommenting {line:?} breaks the config: {}", text(&o));
    }
}

/// The `# key = value` lines of the template.
fn regex_free_settings(t: &str) -> Vec<String> {
    t.lines()
        .filter(|l| {
            l.starts_with("# ")
                && l[2..].split_once(" = ").is_some_and(|(k, _)| k.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        })
        .map(str::to_string)
        .collect()
}

/// The log filter end to end: `RUST_LOG` with a debug target lets that target's debug
/// lines through (and keeps others at their level).
#[test]
fn a_debug_log_filter_shows_debug_lines() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    use std::time::Duration;
    let d = tempfile::tempdir().unwrap();
    let cfg = d.path().join("loft.toml");
    let root = d.path().join("root");
    let o = run_loft(
        &[
            "init",
            "--root",
            root.to_str().unwrap(),
            "-c",
            cfg.to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
            "--password-stdin",
        ],
        Some("a-long-password\n"),
    );
    assert!(o.status.success(), "{}", text(&o));
    let mut child = Command::new(common::LOFT)
        .args(["serve", "-c", cfg.to_str().unwrap(), "--web-listen", "127.0.0.1:0"])
        .env("RUST_LOG", "warn,loft::conn=debug")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut seen = String::new();
    let mut connected = false;
    while let Ok(line) = rx.recv_timeout(Duration::from_secs(20)) {
        seen.push_str(&line);
        seen.push('\n');
        if let Some(addr) = line.split("listening on ").nth(1).and_then(|r| r.split_whitespace().next()) {
            drop(std::net::TcpStream::connect(addr).unwrap());
            connected = true;
        }
        if connected && line.contains("DEBUG") && line.contains("connection") {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(connected && seen.contains("DEBUG"), "no debug line for loft::conn:\n{seen}");
    assert!(!seen.contains(" INFO loft::login") && !seen.contains("DEBUG libunftp"), "{seen}");
}
