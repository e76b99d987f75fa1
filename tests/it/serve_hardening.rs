//! The holes an outside review found in the relay (issue 13), each tried the way it was
//! found: by a real FTP client (Python's ftplib) against a real `loft serve`.

use crate::common;
use common::{set_key, Relay, Setup};

/// Runs a scenario of tests/support/scripts/serve_hardening/scenarios.py against `r`.
fn scenario(r: &Relay, name: &str) {
    if common::skip_without_cryptography() {
        return;
    }
    r.expect_ok(&format!("scenarios.py {name}"), r.script_args("serve_hardening/scenarios.py", &[name]));
}

#[test]
fn a_folder_holding_rooms_cannot_be_renamed() {
    scenario(&Relay::start(), "folders_with_rooms_stay_put");
}

#[test]
fn room_rules_hold_under_any_case() {
    scenario(&Relay::start(), "room_names_ignore_case");
}

#[test]
fn a_fifo_is_refused_not_served() {
    scenario(&Relay::start(), "a_fifo_is_not_served");
}

/// 16 parallel guesses from one address against `attempts = 5`: only 5 get as far as the
/// (slow) password check, the rest are refused before it, and the address is blocked.
#[test]
fn parallel_guesses_are_counted_while_they_run() {
    let r = Relay::with(Setup::default().edit(|t| common::set_key(&t, "limits", "max_per_ip", "32")));
    scenario(&r, "parallel_guesses");
    let log = r.log();
    let checked = log.matches("login refused: wrong user or password").count();
    assert!((1..=5).contains(&checked), "{checked} guesses reached the password check:\n{log}");
    assert!(
        log.contains("too many attempts at once or in a row") || log.contains("blocked after repeated failures"),
        "{log}"
    );
}

/// REST past the end, a STOR over a limit, an account's quota: bounded, and nothing left
/// half-written.
#[test]
fn uploads_cannot_grow_sparse_leave_parts_or_pass_the_quota() {
    let r = Relay::with(Setup::default().edit(|t| common::set_key(&t, "limits", "max_upload_bytes", "1000")).user(
        "quota",
        "quota-pass",
        &["--home", "quota"],
    ));
    let cfg = std::fs::read_to_string(&r.config).unwrap();
    let cfg = cfg.replace("name = \"quota\"", "name = \"quota\"\nquota_bytes = 3000");
    std::fs::write(&r.config, cfg).unwrap();
    r.reload();
    scenario(&r, "uploads_stay_bounded");
}

/// Issue 13.3: a member flooding a room cannot push its history out: archives younger
/// than keep_days stay, and the room's budget refuses appends (452) instead. Issue 19.6:
/// nor freeze it: the flooder stops at its share of the budget, another member goes on.
#[test]
fn a_flood_can_neither_erase_a_rooms_history_nor_freeze_it() {
    let r = Relay::with(Setup::default().edit(|t| {
        let t = common::set_key(&t, "chat", "rotate_bytes", "4096");
        let t = common::set_key(&t, "chat", "keep_bytes", "1024");
        let t = common::set_key(&t, "chat", "keep_archives", "2");
        let t = common::set_key(&t, "chat", "keep_days", "7");
        let t = common::set_key(&t, "chat", "max_room_bytes", "200000");
        let t = common::set_key(&t, "chat", "max_bytes_per_minute", "0");
        common::set_key(&t, "chat", "max_messages_per_minute", "0")
    }));
    scenario(&r, "a_flood_cannot_erase_history");
    assert!(r.log().contains("this member's share is used up"), "{}", r.log());
}

/// Issue 13.3: each user may append so many messages a minute (450 past it).
#[test]
fn appends_are_rate_limited_per_user() {
    let r = Relay::with(Setup::default().edit(|t| common::set_key(&t, "chat", "max_messages_per_minute", "10")).user(
        "other",
        "other-pass",
        &[],
    ));
    scenario(&r, "appends_are_rate_limited");
}

/// Issue 19.5: parallel whole-room STORs are counted by the lines they add, in the room's
/// writer, so together they stay within the rate limit.
#[test]
fn parallel_merges_cannot_pass_the_rate_limit_together() {
    let r = Relay::with(Setup::default().edit(|t| {
        let t = common::set_key(&t, "chat", "max_messages_per_minute", "50");
        common::set_key(&t, "limits", "max_per_ip", "40")
    }));
    scenario(&r, "parallel_merges_keep_the_rate_limit");
}

/// Issue 13.9: a connection to a session's passive port from another address is dropped,
/// and the session's own data connection is still accepted.
#[test]
fn a_passive_port_intruder_cannot_break_a_transfer() {
    scenario(&Relay::start(), "passive_port_intruder");
}

/// Issue 13.9, behind one NAT: with `tls.require_session_reuse`, a TLS data connection
/// must resume its own control connection's session: clients that resume (curl here, and
/// ftplib taught to) work; stock ftplib (FTPChat) is refused; a stranger from the same
/// address with a session of its own cannot write into the victim's upload.
#[test]
fn with_session_reuse_required_only_the_sessions_own_tls_data_connection_transfers() {
    let r = Relay::with(Setup::default().edit(|t| common::set_key(&t, "tls", "require_session_reuse", "true")));
    scenario(&r, "session_reuse_required");
    // curl resumes the control connection's session on every data connection.
    let url = format!("ftp://127.0.0.1:{}/", r.port);
    let o = std::process::Command::new("curl")
        .args([
            "-sS",
            "--ssl-reqd",
            "--cacert",
            r.cert().to_str().unwrap(),
            "-u",
            &format!("chat:{}", common::PASSWORD),
        ])
        .args([format!("{url}lobby.txt"), format!("{url}lobby.txt")])
        .output();
    match o {
        Ok(o) => {
            assert!(
                o.status.success(),
                "curl: {}
{}",
                String::from_utf8_lossy(&o.stderr),
                r.log()
            );
            let disk = std::fs::read(r.root.join("lobby.txt")).unwrap();
            assert_eq!(o.stdout.len(), 2 * disk.len(), "{}", r.log());
        }
        Err(e) => assert!(std::env::var_os("CI").is_none(), "curl: {e}"),
    }
    assert!(r.log().contains("must resume the control connection's TLS session"), "{}", r.log());
}

/// Issue 13 (small): HELP before login names no software version, and FTPChat's SIZE of a
/// room that does not exist yet is not a warning in the log.
#[test]
fn help_is_discreet_and_polling_a_missing_room_is_quiet() {
    let r = Relay::start();
    scenario(&r, "quiet_and_discreet");
    assert!(!r.log().contains("SIZE: Command failed"), "{}", r.log());
}

/// Issue 13.11: with TLS required, a refused plain login names the likely real cause, and
/// `loft read --tls off` says that TLS is required rather than "check the password".
#[test]
fn tls_required_refusals_name_the_real_cause() {
    let r = Relay::with(Setup::default().edit(|t| t.replace("mode = \"optional\"", "mode = \"required\"")));
    scenario(&r, "tls_required_names_the_cause");
    #[cfg(feature = "client")]
    {
        let home = tempfile::tempdir().unwrap();
        let o = common::loft_client(
            home.path(),
            "k",
            &["read", "-s", &format!("ftp://chat@127.0.0.1:{}/", r.port), "--tls", "off", "--room", "lobby"],
        )
        .output()
        .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success() && err.contains("TLS only") && err.contains("--tls on"), "{err}");
        assert!(!err.contains("Check the user"), "{err}");
    }
}

/// Issue 19.12: a room name with escape sequences or a carriage return is logged
/// escaped, so a client cannot rewrite an admin's terminal or forge a log line.
#[test]
fn room_names_with_control_characters_are_logged_escaped() {
    let r = Relay::start();
    scenario(&r, "control_characters_in_room_names");
    assert!(r.wait_log("lob\\u{1b}]0;pwned\\u{7}by.txt"), "{}", r.log());
    assert!(r.wait_log("x\\u{1b}[2Jy.txt"), "{}", r.log());
    let log = r.log();
    assert!(
        !log.contains('\x1b') && !log.contains('\x07') && !log.contains('\r'),
        "raw control characters in the log:\n{log:?}"
    );
}

/// Issue 19.13: with path-based rooms, a rename (of a file, or of a folder around it)
/// cannot make a room of a file whose lines were never checked.
#[test]
fn renames_cannot_make_rooms_of_unchecked_files() {
    let r = Relay::with(Setup::default().edit(|t| {
        let t = set_key(&t, "chat", "rooms", "[\"rooms/*.txt\"]");
        set_key(&t, "chat", "allow_delete", "true")
    }));
    scenario(&r, "renames_cannot_make_rooms");
}
