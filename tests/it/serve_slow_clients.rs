//! Slow and silent clients: a data connection that never sends (or trickles a byte at a
//! time), a download nobody reads, a TLS handshake that never comes. `limits.data_timeout`
//! aborts such a transfer with `426`, the room is left as it was (no partial line), the
//! session goes back to the idle timeout, and everybody else is served meanwhile.

use crate::common;
use common::{set_key, Relay, Setup};

/// Short timeouts, so the tests see them fire: 1.2 s on data connections, 2 s idle.
fn impatient_relay() -> Relay {
    Relay::with(Setup::default().edit(|t| {
        let t = set_key(&t, "limits", "data_timeout", "\"1200ms\"");
        set_key(&t, "limits", "idle_timeout", "\"2s\"")
    }))
}

#[test]
fn a_silent_upload_is_aborted_with_426_and_the_room_keeps_no_partial_line() {
    let r = impatient_relay();
    r.script_ok("serve_slow_clients/a_silent_upload_is_aborted_with_426_and_the_room_keeps_no_partial_line.py");
}

#[test]
fn a_byte_a_second_upload_is_aborted_too() {
    let r = impatient_relay();
    r.script_ok("serve_slow_clients/a_byte_a_second_upload_is_aborted_too.py");
}

#[test]
fn a_download_nobody_reads_is_aborted() {
    let r = impatient_relay();
    // Bigger than what the loopback socket buffers can hold, so the server's writes block.
    std::fs::create_dir_all(&r.root).unwrap();
    std::fs::write(r.root.join("big.bin"), vec![7u8; 64 << 20]).unwrap();
    r.script_ok("serve_slow_clients/a_download_nobody_reads_is_aborted.py");
}

#[test]
fn a_data_connection_without_a_command_does_not_hold_the_session() {
    let r = impatient_relay();
    r.script_ok("serve_slow_clients/a_data_connection_without_a_command_does_not_hold_the_session.py");
}

#[test]
fn pasv_without_connecting_does_not_hold_the_session() {
    let r = impatient_relay();
    r.script_ok("serve_slow_clients/pasv_without_connecting_does_not_hold_the_session.py");
}

#[test]
fn a_tls_data_connection_that_never_handshakes_is_aborted() {
    let r = impatient_relay();
    r.script_ok("serve_slow_clients/a_tls_data_connection_that_never_handshakes_is_aborted.py");
}

#[test]
fn auth_tls_without_a_handshake_does_not_hold_the_session() {
    let r = impatient_relay();
    r.script_ok("serve_slow_clients/auth_tls_without_a_handshake_does_not_hold_the_session.py");
}

#[test]
fn a_client_that_never_reads_its_replies_does_not_hold_its_slot() {
    // One session per address: a stuck session would refuse the next from its address.
    let r = Relay::with(Setup::default().edit(|t| {
        let t = set_key(&t, "limits", "max_per_ip", "1");
        set_key(&t, "limits", "idle_timeout", "3")
    }));
    r.script_ok("serve_slow_clients/a_client_that_never_reads_its_replies_does_not_hold_its_slot.py");
}

#[test]
fn a_login_that_never_completes_is_cut_off_however_busy() {
    // Before login, the session has min(idle timeout, 30 s) in all, not per command: a
    // client that keeps sending NOOPs without logging in is closed after 3 s here, while a
    // logged-in client doing the same stays.
    let r = impatient_relay();
    r.script_ok("serve_slow_clients/a_login_that_never_completes_is_cut_off_however_busy.py");
}
