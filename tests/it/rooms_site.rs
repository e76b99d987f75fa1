//! Chat rooms, part 2: `SITE WAIT` (instant delivery) and `SITE SEEN` (read receipts).

use crate::common;
use common::{set_key, Relay, Setup};

#[test]
fn site_wait_answers_on_append_times_out_and_survives_disconnects() {
    if common::skip_without_cryptography() {
        return;
    }
    // Four sessions per address: a waiting session that outlived its client would soon
    // lock the tests' own client out.
    let r = Relay::with(Setup::default().edit(|t| set_key(&t, "limits", "max_per_ip", "4")));
    let out = r.script_ok("rooms_site/site_wait_answers_on_append_times_out_and_survives_disconnects.py");
    assert!(out.contains("ok"), "{out}");
}

#[test]
fn site_seen_reports_who_read_what_across_a_restart() {
    if common::skip_without_cryptography() {
        return;
    }
    let mut r = Relay::with(common::Setup::default().user("bob", "bobs-password", &[]));
    let code = r#"
fernet = fernet_for("secret")
f = connect()
put(f, "room.txt", seal(fernet, "u", "one") + seal(fernet, "u", "two"), cmd="APPE")
size = f.size("room.txt")
get(f, "room.txt")
b = connect("bob", "bobs-password")
b.size("room.txt")
get(b, "room.txt", rest=size)
"#;
    r.python_ok(code);
    let check = r#"
f = connect()
size = f.size("room.txt")
resp = f.sendcmd("SITE SEEN room.txt")
lines = resp.splitlines()
assert lines[0].startswith("211-") and lines[-1].startswith("211 "), lines
rows = {l.split()[0]: l.split()[1:] for l in lines[1:-1]}
assert rows["chat"][0] == str(size), rows
assert rows["bob"][0] == str(size), rows
assert rows["chat"][1].endswith("Z"), rows
assert f.sendcmd("SITE SEEN room").splitlines()[1:-1] == lines[1:-1]
expect_error("550", f.sendcmd, "SITE SEEN nothere.jpg")
print("ok")
"#;
    assert!(r.python_ok(check).contains("ok"));
    r.restart();
    assert!(r.python_ok(check).contains("ok"));
}

// How fast `SITE WAIT` delivers, against polling every 1 s and 5 s (and against vsftpd),
// is measured by `cargo bench --bench load` (the delivery rows; see README, Benchmarks):
// speed is printed by a command, never asserted by a test.
