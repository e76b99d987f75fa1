//! Invites (issue 20): `loft invite` on the relay (its link, its QR code scanned by zbar,
//! list and revoke), the API that redeems them (every status, the race for the last use,
//! a restart), and the accounts they make working over FTP, from `loft`, and counted per
//! person. The page's side is in web_client.rs.

#![cfg(all(feature = "web", feature = "client"))]

use crate::common;
use common::{run_loft, set_key, Relay, Setup};
use std::path::Path;

/// `loft invite -c CONFIG ARGS`, which must succeed; returns (stdout, the link).
fn invite(r: &Relay, args: &[&str]) -> (String, String) {
    let mut all = vec!["invite", "-c", r.config.to_str().unwrap()];
    all.extend_from_slice(args);
    let out = run_loft(&all, None);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "loft invite: {text}{}", String::from_utf8_lossy(&out.stderr));
    let link = text.lines().find(|l| l.starts_with("https://")).unwrap_or_else(|| panic!("no link in {text}")).into();
    (text, link)
}

/// Invite links name the relay as tests reach it.
fn public_host(r: &Relay) {
    let text = std::fs::read_to_string(&r.config).unwrap();
    std::fs::write(&r.config, set_key(&text, "web", "public_host", &format!("\"127.0.0.1:{}\"", r.web_port))).unwrap();
}

fn script(r: &Relay, args: &[&str]) -> String {
    r.expect_ok(&format!("invites.py {}", args[0]), r.script_args("web_invites/invites.py", args))
}

/// The half-block QR code of `text` as a PBM image, 4 pixels a module, for zbarimg.
fn qr_to_pbm(qr: &[&str], out: &Path) {
    let rows: Vec<Vec<bool>> = qr
        .iter()
        .flat_map(|line| {
            let (top, bottom): (Vec<bool>, Vec<bool>) = line
                .chars()
                .map(|c| match c {
                    '█' => (false, false),
                    '▀' => (false, true),
                    '▄' => (true, false),
                    _ => (true, true),
                })
                .unzip();
            [top, bottom]
        })
        .collect();
    let (w, h) = (rows[0].len() * 4, rows.len() * 4);
    let mut pbm = format!("P1\n{w} {h}\n");
    for row in &rows {
        let line: String =
            row.iter().flat_map(|&dark| std::iter::repeat_n(if dark { "1 " } else { "0 " }, 4)).collect();
        for _ in 0..4 {
            pbm.push_str(&line);
            pbm.push('\n');
        }
    }
    std::fs::write(out, pbm).unwrap();
}

#[test]
fn loft_invite_prints_a_link_and_a_qr_code_that_scans() {
    let r = Relay::start();
    public_host(&r);
    let (text, link) = invite(&r, &["--room", "team/dev", "--uses", "3", "--expires", "2d", "--qr"]);
    let port = r.web_port;
    assert!(link.starts_with(&format!("https://127.0.0.1:{port}/#invite=")), "{link}");
    assert!(link.contains("&room=team%2Fdev"), "{link}");
    let token = link.split("invite=").nth(1).unwrap().split('&').next().unwrap();
    assert_eq!(token.len(), 22, "128 random bits in base64url: {token}");
    assert!(text.contains("0 of 3 uses") && text.contains("anyone holding this link"), "{text}");
    // The relay keeps a hash of the token, never the token.
    let stored = std::fs::read_to_string(r.dir.path().join("loft-invites.json")).unwrap();
    assert!(!stored.contains(token), "{stored}");
    // The QR code, as a phone's camera would read it.
    let qr: Vec<&str> = text.lines().filter(|l| !l.is_empty() && l.chars().all(|c| "█▀▄ ".contains(c))).collect();
    assert!(qr.len() > 10, "no QR code in {text}");
    if common::require_tool("zbarimg") {
        let pbm = r.dir.path().join("qr.pbm");
        qr_to_pbm(&qr, &pbm);
        let out = std::process::Command::new("zbarimg").args(["-q", "--raw"]).arg(&pbm).output().unwrap();
        // zbar may also print D-Bus noise: the code is the first line.
        let decoded = String::from_utf8_lossy(&out.stdout);
        assert_eq!(decoded.lines().next(), Some(link.as_str()), "zbarimg: {decoded}");
    }
    // Not a terminal and no --qr: the link alone.
    let (plain, _) = invite(&r, &[]);
    assert!(!plain.contains('█'), "{plain}");
    // list and revoke.
    let id = text.split_whitespace().nth(1).unwrap().trim_end_matches(':').to_string();
    let cfg = r.config.to_str().unwrap();
    let list = String::from_utf8_lossy(&run_loft(&["invite", "list", "-c", cfg], None).stdout).to_string();
    assert!(
        list.lines().any(|l| l.starts_with(&id) && l.contains("\topen\t") && l.contains("room team/dev")),
        "{list}"
    );
    let out = run_loft(&["invite", "revoke", &id, "-c", cfg], None);
    assert!(out.status.success() && String::from_utf8_lossy(&out.stdout).contains("revoked"), "{out:?}");
    let list = String::from_utf8_lossy(&run_loft(&["invite", "list", "-c", cfg], None).stdout).to_string();
    assert!(list.lines().any(|l| l.starts_with(&id) && l.contains("\trevoked\t")), "{list}");
    // Bad input: a clear error, nothing made.
    let before = std::fs::read_to_string(r.dir.path().join("loft-invites.json")).unwrap();
    for (args, want) in [
        (vec!["--uses", "0"], "--uses"),
        (vec!["--expires", "soon"], "--expires"),
        (vec!["--expires", "400d"], "--expires"),
        (vec!["--home", "../x"], "--home"),
        (vec!["--room", "../x"], "not a room name"),
    ] {
        let mut all = vec!["invite", "-c", cfg];
        all.extend_from_slice(&args);
        let out = run_loft(&all, None);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
    }
    let out = run_loft(&["invite", "revoke", "nope", "-c", cfg], None);
    assert!(out.status.code() == Some(1) && String::from_utf8_lossy(&out.stderr).contains("no invite"), "{out:?}");
    assert_eq!(std::fs::read_to_string(r.dir.path().join("loft-invites.json")).unwrap(), before);
}

#[test]
fn invites_make_accounts_that_work_from_ftp_loft_and_the_api() {
    if common::skip_without_cryptography() {
        return;
    }
    // The scenarios try a few bad tokens on purpose, and each counts as a failed login.
    let mut r = Relay::with(
        Setup::default()
            .user("reader", "reader-pass", &["--read-only"])
            .edit(|t| set_key(&t, "limits.failed_logins", "attempts", "50")),
    );
    public_host(&r);
    let (_, link) = invite(&r, &["--room", "lobby", "--uses", "2"]);
    script(&r, &["cli_invite", &link]);
    script(&r, &["page_invites"]);
    let cfg = r.config.to_str().unwrap();
    let list = String::from_utf8_lossy(&run_loft(&["invite", "list", "-c", cfg], None).stdout).to_string();
    assert!(list.contains("\tused up\t") && list.contains("used by ann, bo"), "{list}");
    // The account is in the config, marked as a person's own, and `loft user list` shows it.
    let text = std::fs::read_to_string(&r.config).unwrap();
    assert!(text.contains("name = \"ann\"") && text.contains("personal = true"), "{text}");
    let users = String::from_utf8_lossy(&run_loft(&["user", "list", "-c", cfg], None).stdout).to_string();
    assert!(users.lines().any(|l| l.starts_with("ann\t") && l.ends_with("invited by the relay's admin")), "{users}");
    // `loft` works with it.
    let home = tempfile::tempdir().unwrap();
    let server = format!("ftp://ann@127.0.0.1:{}/", r.port);
    let o = common::loft_client(home.path(), "secret", &["send", "-s", &server, "--room", "lobby", "hi from loft"])
        .env("LOFT_FTP_PASSWORD", "a-long-password")
        .output()
        .unwrap();
    assert!(o.status.success(), "loft send as ann: {}", String::from_utf8_lossy(&o.stderr));
    // Invites outlive a restart.
    let (_, again) = invite(&r, &["--room", "lobby"]);
    r.restart();
    let out = r.script_args("web_invites/invites.py", &["redeem", &again, "dee"]);
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("200"), "{out:?}\n{}", r.log());
    assert!(r.log().contains("account made from an invite"), "{}", r.log());
}

/// Issue 20.4: a person's own account is limited per person, wherever they connect from,
/// and one person over the limit holds nobody else back.
#[test]
fn a_personal_account_is_limited_per_person() {
    if common::skip_without_cryptography() {
        return;
    }
    let r = Relay::with(Setup::default().edit(|t| set_key(&t, "chat", "max_messages_per_minute", "3")));
    public_host(&r);
    let (_, link) = invite(&r, &["--uses", "2"]);
    for who in ["ann", "bo"] {
        let out = r.script_args("web_invites/invites.py", &["redeem", &link, who]);
        assert!(String::from_utf8_lossy(&out.stdout).starts_with("200"), "{out:?}");
    }
    script(&r, &["per_person", "ann", "bo"]);
}

#[test]
fn bad_invite_tokens_count_as_failed_logins() {
    if common::skip_without_cryptography() {
        return;
    }
    let r = Relay::with(Setup::default().edit(|t| set_key(&t, "limits.failed_logins", "attempts", "3")));
    public_host(&r);
    let (_, link) = invite(&r, &[]);
    script(&r, &["blocked", &link]);
}

/// A fresh `$HOME` whose NSS database (what Chromium on Linux trusts) holds the relay's
/// CA, as a phone has after "trust this relay"; `None` (and a visible skip off CI) when
/// certutil (libnss3-tools) is missing.
pub(crate) fn nss_home_trusting(ca: &Path) -> Option<tempfile::TempDir> {
    if !common::require_tool("certutil") {
        return None;
    }
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join(".pki/nssdb");
    std::fs::create_dir_all(&db).unwrap();
    let db = format!("sql:{}", db.display());
    let run = |args: &[&str]| {
        let o = std::process::Command::new("certutil").args(args).output().unwrap();
        assert!(o.status.success(), "certutil {args:?}: {}", String::from_utf8_lossy(&o.stderr));
    };
    run(&["-N", "-d", &db, "--empty-password"]);
    run(&["-A", "-d", &db, "-n", "loft relay CA", "-t", "C,,", "-i", ca.to_str().unwrap()]);
    Some(home)
}

/// The whole path in a browser: the inviter makes a link with the room key in the page;
/// a fresh phone whose browser trusts the relay's CA (no certificate exception) opens it,
/// is told who invited it and that this is the relay the link names, lets the page make a
/// password, joins, lands in the room with its key, and chats; the account then works
/// over FTP, as FTPChat uses it. Screenshots for docs/web.md.
#[test]
fn a_phone_joins_from_an_invite_link_with_the_relay_trusted() {
    if !crate::web_client::browser_available() || common::skip_without_cryptography() {
        return;
    }
    // The inviter's browser and the "phone" share 127.0.0.1 here (each opens up to six
    // connections, and more while a busy machine answers slowly): as two devices, they
    // would have an address each.
    let r = Relay::with(Setup::default().edit(|t| set_key(&t, "limits", "max_per_ip", "32")));
    let ca = r.dir.path().join("loft-ca.crt");
    assert!(ca.exists(), "loft init made no certificate authority");
    let Some(home) = nss_home_trusting(&ca) else { return };
    public_host(&r);
    let shots = r.dir.path().join("shots");
    std::fs::create_dir_all(&shots).unwrap();
    let out = std::process::Command::new("node")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/web/invite.mjs"))
        .env("LOFT_WEB_URL", format!("https://127.0.0.1:{}/", r.web_port))
        .env("LOFT_USER", "chat")
        .env("LOFT_PASSWORD", common::PASSWORD)
        .env("LOFT_ROOM", "lobby")
        .env("LOFT_ROOM_KEY", "secret")
        .env("LOFT_JOIN_NAME", "dana")
        .env("LOFT_TRUST_HOME", home.path())
        .env("LOFT_SHOTS", &shots)
        .output()
        .unwrap();
    let transcript = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success() && transcript.contains("DONE"),
        "invite.mjs failed\n{transcript}\n--- stderr\n{}\n--- relay log\n{}",
        String::from_utf8_lossy(&out.stderr),
        r.log()
    );
    // The QR code the page made (with the key, which the relay never saw) scans.
    let link = transcript.lines().find_map(|l| l.strip_prefix("LINK ")).unwrap();
    let png = transcript.lines().find_map(|l| l.strip_prefix("QR ")).unwrap();
    if common::require_tool("zbarimg") {
        let o = std::process::Command::new("zbarimg").args(["-q", "--raw", png]).output().unwrap();
        assert_eq!(String::from_utf8_lossy(&o.stdout).lines().next(), Some(link), "{o:?}");
    }
    // The account works over FTP, and its message is in the room as FTPChat reads it.
    let (name, password) = transcript.lines().find_map(|l| l.strip_prefix("JOINED ")?.split_once(' ')).unwrap();
    let said = transcript.lines().find_map(|l| l.strip_prefix("SENT ")).unwrap();
    let o = r.script_args("web_invites/invites.py", &["ftp_reads", name, password, said]);
    r.expect_ok("invites.py ftp_reads", o);
    if let Ok(keep) = std::env::var("LOFT_KEEP_SHOTS") {
        for f in ["invite.png", "join.png", "joined.png"] {
            let _ = std::fs::copy(shots.join(f), Path::new(&keep).join(f));
        }
    }
}

/// Issue 20.4: a person's own account has its own quota for what it shares, whoever else
/// shares the home, within the home's; an account a group shares counts the whole home.
#[test]
fn a_personal_account_has_its_own_quota_for_shared_files() {
    if common::skip_without_cryptography() {
        return;
    }
    let r = Relay::with(Setup::default().edit(|t| set_key(&t, "limits", "quota_bytes", "400000")));
    public_host(&r);
    let (_, link) = invite(&r, &["--uses", "2"]);
    for who in ["ann", "bo"] {
        let out = r.script_args("web_invites/invites.py", &["redeem", &link, who]);
        assert!(String::from_utf8_lossy(&out.stdout).starts_with("200"), "{out:?}");
    }
    // The admin gives each person 200 KB of their own, in a home of 400 KB.
    let text = std::fs::read_to_string(&r.config).unwrap();
    let mut doc: toml_edit::DocumentMut = text.parse().unwrap();
    for t in doc["users"].as_array_of_tables_mut().unwrap().iter_mut() {
        if t.get("personal").and_then(|v| v.as_bool()) == Some(true) {
            t["quota_bytes"] = toml_edit::value(200_000);
        }
    }
    std::fs::write(&r.config, doc.to_string()).unwrap();
    r.reload();
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("photo.bin");
    // 60 KB of noise: about 82 KB once encrypted, as the relay stores it.
    let noise: Vec<u8> = (0..60_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    std::fs::write(&file, noise).unwrap();
    let share = |who: &str, password: &str| {
        let server = format!("ftp://{who}@127.0.0.1:{}/", r.port);
        let args = ["send", "-s", &server, "--room", "lobby", "--file", file.to_str().unwrap()];
        common::loft_client(home.path(), "secret", &args).env("LOFT_FTP_PASSWORD", password).output().unwrap()
    };
    let ok = |o: &std::process::Output, what: &str| {
        assert!(o.status.success(), "{what}: {}", String::from_utf8_lossy(&o.stderr));
    };
    ok(&share("ann", "a-long-password"), "ann's first file");
    ok(&share("ann", "a-long-password"), "ann's second file");
    let third = share("ann", "a-long-password");
    let err = String::from_utf8_lossy(&third.stderr);
    assert!(!third.status.success() && err.contains("quota_bytes"), "ann's third file: {err}");
    // Bo's own quota is untouched by what ann shared.
    ok(&share("bo", "a-long-password"), "bo's first file");
    ok(&share("bo", "a-long-password"), "bo's second file");
    // The shared account counts the whole home, which cannot take another file now.
    let shared = share("chat", common::PASSWORD);
    let err = String::from_utf8_lossy(&shared.stderr);
    assert!(!shared.status.success() && err.contains("quota_bytes"), "the shared account: {err}");
    let third = share("bo", "a-long-password");
    assert!(!third.status.success(), "bo's third file");
    // Who shared what is not for anyone to read.
    let out = r.script_args("web_invites/invites.py", &["state_listing"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("uploaders hidden"), "{out:?}");
}

/// Where the relay may not write its config (a systemd unit's /etc, OpenWrt's config made
/// from UCI at each start), `users_file` names where invited accounts and the invites go:
/// they are read with the config, survive a restart, and `loft user` sees and removes them.
#[test]
fn invited_accounts_go_to_the_users_file_when_the_config_names_one() {
    if common::skip_without_cryptography() {
        return;
    }
    let mut r = Relay::with(Setup::default().edit(|t| set_key(&t, "", "users_file", "\"state/invited.toml\"")));
    let state = r.dir.path().join("state");
    std::fs::create_dir_all(&state).unwrap();
    public_host(&r);
    let before = std::fs::read_to_string(&r.config).unwrap();
    let (_, link) = invite(&r, &["--room", "lobby"]);
    assert!(state.join("loft-invites.json").exists(), "the invites are not beside the users file");
    let out = r.script_args("web_invites/invites.py", &["redeem", &link, "ann"]);
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("200"), "{out:?}\n{}", r.log());
    assert_eq!(std::fs::read_to_string(&r.config).unwrap(), before, "the config itself was changed");
    let users = std::fs::read_to_string(state.join("invited.toml")).unwrap();
    assert!(users.contains("name = \"ann\"") && users.contains("personal = true"), "{users}");
    // Read with the config after a restart, as loft user list shows.
    r.restart();
    r.expect_ok("ftp_reads", r.script_args("web_invites/invites.py", &["ftp_login", "ann", "a-long-password"]));
    let cfg = r.config.to_str().unwrap();
    let list = String::from_utf8_lossy(&run_loft(&["user", "list", "-c", cfg], None).stdout).to_string();
    assert!(list.lines().any(|l| l.starts_with("ann\t")), "{list}");
    // A name in both files is refused with the place.
    std::fs::write(state.join("invited.toml"), format!("{users}\n[[users]]\nname = \"chat\"\npassword = \"x\"\n"))
        .unwrap();
    let out = run_loft(&["check", "-c", cfg], None);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("invited.toml") && err.contains("defined twice"), "{err}");
    std::fs::write(state.join("invited.toml"), &users).unwrap();
    let out = run_loft(&["user", "del", "ann", "-c", cfg], None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!std::fs::read_to_string(state.join("invited.toml")).unwrap().contains("ann"));
}
