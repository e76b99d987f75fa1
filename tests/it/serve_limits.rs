//! Router-grade limits: failed-login blocking per address, connection caps answered with
//! 421, and `tls.mode = "required"` enforced on logins and on PASV and EPSV alike.

use crate::common;
use common::{set_key, Relay, Setup};

#[test]
fn repeated_bad_passwords_block_one_address_while_another_logs_in() {
    let r = Relay::with(Setup::default().edit(|t| {
        let t = set_key(&t, "limits.failed_logins", "attempts", "3");
        set_key(&t, "limits.failed_logins", "block", "\"ip\"")
    }));
    r.script_ok("serve_limits/repeated_bad_passwords_block_one_address_while_another_logs_in.py");
    assert!(r.wait_log("too many failed logins"), "{}", r.log());
    assert!(r.log().contains("blocked after repeated failures"), "{}", r.log());
}

#[test]
fn unknown_users_count_against_the_policy() {
    let r = Relay::with(Setup::default().edit(|t| set_key(&t, "limits.failed_logins", "attempts", "2")));
    r.script_ok("serve_limits/unknown_users_count_against_the_policy.py");
}

#[test]
fn per_address_cap_answers_421_and_others_keep_working() {
    let r = Relay::with(Setup::default().edit(|t| set_key(&t, "limits", "max_per_ip", "2")));
    r.script_ok("serve_limits/per_address_cap_answers_421_and_others_keep_working.py");
    assert!(r.wait_log("connection refused: limits.max_per_ip (2) reached"), "{}", r.log());
}

#[test]
fn total_cap_answers_421() {
    let r = Relay::with(Setup::default().edit(|t| set_key(&t, "limits", "max_connections", "2")));
    r.script_ok("serve_limits/total_cap_answers_421.py");
}

#[test]
fn required_tls_refuses_plain_logins_and_plain_data_on_pasv_and_epsv() {
    let r = Relay::with(Setup::default().edit(|t| set_key(&t, "tls", "mode", "\"required\"")));
    r.script_ok("serve_limits/required_tls_refuses_plain_logins_and_plain_data_on_pasv_and_epsv.py");
}

#[test]
fn a_client_that_breaks_off_the_data_tls_handshake_takes_nothing_down() {
    let r = Relay::start();
    r.script_ok("serve_limits/a_client_that_breaks_off_the_data_tls_handshake_takes_nothing_down.py");
}
