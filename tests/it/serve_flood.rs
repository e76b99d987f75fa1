//! Floods from loopback, in a bounded loop: thousands of connections in waves, half-open
//! logins held open, a command line that never ends. The connection caps hold (the excess
//! gets `421`), the relay's memory stays bounded, silent sessions are closed by the idle
//! timeout, and a legitimate client logs in and appends throughout.

use crate::common;
use common::{set_key, Relay, Setup};

#[test]
#[ignore = "slow hardening test: .ci/run runs it (cargo test --test it -- --ignored)"]
fn connection_floods_and_half_open_logins_leave_room_for_a_real_client() {
    // A child process: the script measures the relay's own memory.
    let r = Relay::process(Setup::default().edit(|t| {
        let t = set_key(&t, "limits", "max_connections", "40");
        let t = set_key(&t, "limits", "max_per_ip", "10");
        set_key(&t, "limits", "idle_timeout", "3")
    }));
    let pid = r.pid().to_string();
    let out = r.script_args("serve_flood/floods.py", &[&pid]);
    assert!(
        out.status.success(),
        "floods.py failed\n--- stdout\n{}\n--- stderr\n{}\n--- server log\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        r.log()
    );
    let out = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.starts_with("ok"), "{out}");
    eprintln!("{out}");
    assert!(r.log().contains("connection refused: limits.max_per_ip (10) reached"), "{}", r.log());
}
