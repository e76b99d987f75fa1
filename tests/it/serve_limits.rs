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
    r.python_ok(
        r#"
for i in range(3):
    expect_error("530", connect, password="wrong", source="127.0.0.1")
# Blocked now, even with the right password.
expect_error("530", connect, source="127.0.0.1")
# Another address is not blocked.
f = connect(source="127.0.0.2")
put(f, "ok.bin", b"x")
f.quit()
"#,
    );
    assert!(r.wait_log("too many failed logins"), "{}", r.log());
    assert!(r.log().contains("blocked after repeated failures"), "{}", r.log());
}

#[test]
fn unknown_users_count_against_the_policy() {
    let r = Relay::with(Setup::default().edit(|t| set_key(&t, "limits.failed_logins", "attempts", "2")));
    r.python_ok(
        r#"
expect_error("530", connect, user="ghost1", password="x")
expect_error("530", connect, user="ghost2", password="x")
expect_error("530", connect)
"#,
    );
}

#[test]
fn per_address_cap_answers_421_and_others_keep_working() {
    let r = Relay::with(Setup::default().edit(|t| set_key(&t, "limits", "max_per_ip", "2")));
    r.python_ok(
        r#"
a = connect(source="127.0.0.1")
b = connect(source="127.0.0.1")
s = socket.create_connection((HOST, PORT), timeout=10, source_address=("127.0.0.1", 0))
reply = s.makefile("rb").readline().decode()
assert reply.startswith("421"), reply
s.close()
# The two sessions still work, and another address is served.
put(a, "a.bin", b"a")
assert get(b, "a.bin") == b"a"
c = connect(source="127.0.0.3")
c.quit()
a.quit()
b.quit()
# Slots are freed when sessions end.
time.sleep(0.3)
d = connect(source="127.0.0.1")
d.quit()
"#,
    );
    assert!(r.wait_log("connection refused: limits.max_per_ip (2) reached"), "{}", r.log());
}

#[test]
fn total_cap_answers_421() {
    let r = Relay::with(Setup::default().edit(|t| set_key(&t, "limits", "max_connections", "2")));
    r.python_ok(
        r#"
a = connect(source="127.0.0.1")
b = connect(source="127.0.0.2")
s = socket.create_connection((HOST, PORT), timeout=10, source_address=("127.0.0.3", 0))
reply = s.makefile("rb").readline().decode()
assert reply.startswith("421"), reply
a.quit(); b.quit()
"#,
    );
}

#[test]
fn required_tls_refuses_plain_logins_and_plain_data_on_pasv_and_epsv() {
    let r = Relay::with(Setup::default().edit(|t| set_key(&t, "tls", "mode", "\"required\"")));
    r.python_ok(
        r#"
# A plain login is refused.
f = connect(login=False)
expect_error("5", f.login, "chat", PASSWORD)
f.close()
# TLS on the control channel, but no PROT P: data connections are refused, PASV and EPSV.
f = connect(tls=True, prot_p=False)
expect_error("5", f.sendcmd, "PASV")
expect_error("5", f.sendcmd, "EPSV")
# With PROT P all is well.
f.prot_p()
put(f, "secure.bin", b"s")
assert get(f, "secure.bin") == b"s"
f.quit()
"#,
    );
}

#[test]
fn a_client_that_breaks_off_the_data_tls_handshake_takes_nothing_down() {
    let r = Relay::start();
    r.python_ok(
        r#"
f = connect(tls=True)
f.sendcmd("TYPE I")
host, port = ftplib.parse227(f.sendcmd("PASV"))
f.putcmd("RETR nothing.bin")
s = socket.create_connection((host, port), timeout=10)
s.sendall(b"\x16\x03\x01\x00\x05hello")   # a broken ClientHello, then hang up
s.close()
try:
    f.getresp()
except ftplib.all_errors:
    pass
f.close()
# The relay still serves.
g = connect(tls=True)
put(g, "after.bin", b"fine")
assert get(g, "after.bin") == b"fine"
g.quit()
"#,
    );
}
