//! Chat rooms, part 1: appends to a room from many FTPChat-style senders at once (each
//! message its own session), over plain FTP and FTPS, are serialized, whole-line,
//! validated and de-duplicated; refused uploads leave the room byte-for-byte unchanged;
//! a SIGKILL loses no acknowledged message and leaves no torn line.

use crate::common;
use common::{set_key, Relay, Setup};

fn busy_relay() -> Relay {
    Relay::with(Setup::default().edit(|t| {
        let t = set_key(&t, "limits", "max_per_ip", "100");
        // These tests read the room file whole: no rotation (tested in rooms_rotation.rs).
        let t = set_key(&t, "chat", "rotate_bytes", "0");
        set_key(&t, "limits", "max_connections", "200")
    }))
}

#[test]
#[ignore = "slow hardening test: .ci/run runs it (cargo test --test it -- --ignored)"]
fn concurrent_writers_each_message_its_own_session_plain_ftp() {
    if common::skip_without_cryptography() {
        return;
    }
    let r = busy_relay();
    let out = r.python_ok(
        r#"
acked, errors = writers(32, 50)
assert not errors, errors[:5]
assert len(acked) == 1600
texts = check_room(room_file("room.txt"), fernet_for("secret"), acked)
assert len(texts) == 1600, len(texts)
print("ok", len(texts))
"#,
    );
    assert!(out.contains("ok 1600"), "{out}");
}

#[test]
#[ignore = "slow hardening test: .ci/run runs it (cargo test --test it -- --ignored)"]
fn concurrent_writers_each_message_its_own_session_ftps() {
    if common::skip_without_cryptography() {
        return;
    }
    let r = busy_relay();
    let out = r.python_ok(
        r#"
acked, errors = writers(32, 50, tls=True)
assert not errors, errors[:5]
texts = check_room(room_file("room.txt"), fernet_for("secret"), acked)
assert len(texts) == 1600, len(texts)
print("ok", len(texts))
"#,
    );
    assert!(out.contains("ok 1600"), "{out}");
}

#[test]
fn large_incompressible_messages_under_a_raised_limit() {
    if common::skip_without_cryptography() {
        return;
    }
    // This test reads the room file whole: no rotation (tested in rooms_rotation.rs).
    let r = Relay::with(Setup::default().edit(|t| {
        let t = set_key(&t, "chat", "max_append_bytes", "1048576");
        set_key(&t, "chat", "rotate_bytes", "0")
    }));
    r.python_ok(
        r#"
acked, errors = writers(8, 4, size=200_000)
assert not errors, errors[:3]
texts = check_room(room_file("room.txt"), fernet_for("secret"), acked)
assert len(texts) == 32 and all(len(t) > 200_000 for t in texts)
acked, errors = writers(4, 2, size=200_000, tls=True, room="tls.txt")
assert not errors, errors[:3]
check_room(room_file("tls.txt"), fernet_for("secret"), acked)
"#,
    );
}

#[test]
fn refused_uploads_leave_the_room_unchanged() {
    if common::skip_without_cryptography() {
        return;
    }
    let r = Relay::start();
    r.python_ok(
        r#"
fe = fernet_for("secret")
f = connect()
put(f, "room.txt", seal(fe, "ann", "first"), cmd="APPE")
before = room_file("room.txt")
e = expect_error("553", put, f, "room.txt", b"this is not a token\n", cmd="APPE")
assert "Fernet" in e or "token" in e, e
mixed = seal(fe, "a", "ok 1") + b"garbage-in-the-middle\n" + seal(fe, "a", "ok 2")
e = expect_error("553", put, f, "room.txt", mixed, cmd="APPE")
assert "line 2" in e, e
expect_error("552", put, f, "room.txt", seal(fe, "a", "x" * 10) * 2000, cmd="APPE")
expect_error("553", put, f, "room.txt", os.urandom(3000), cmd="APPE")
# STOR on a room validates too, and never truncates.
expect_error("553", put, f, "room.txt", b"junk\n")
assert room_file("room.txt") == before
for tls in (True,):
    g = connect(tls=True)
    expect_error("553", put, g, "room.txt", b"junk\n", cmd="APPE")
    expect_error("552", put, g, "room.txt", seal(fe, "a", "x" * 10) * 2000, cmd="APPE")
    g.quit()
assert room_file("room.txt") == before
# CRLF, empty lines and a missing final newline are accepted and normalized.
put(f, "room.txt", b"\r\n" + seal(fe, "a", "crlf").rstrip(b"\n") + b"\r\n\r\n" + seal(fe, "a", "no newline").rstrip(b"\n"), cmd="APPE")
texts = check_room(room_file("room.txt"), fe)
assert texts[-2:] == ["2026-11-22 10:00:a: crlf", "2026-11-22 10:00:a: no newline"], texts
assert b"\r" not in room_file("room.txt")
f.quit()
"#,
    );
}

#[test]
fn a_retried_token_is_stored_once() {
    if common::skip_without_cryptography() {
        return;
    }
    let r = Relay::start();
    r.python_ok(
        r#"
fe = fernet_for("secret")
line = seal(fe, "bob", "sent twice")
for i in range(3):
    f = connect()
    assert put(f, "room.txt", line, cmd="APPE").startswith("226")
    f.quit()
assert room_file("room.txt") == line
"#,
    );
}

#[test]
fn deleting_renaming_or_overwriting_a_room_is_refused() {
    let r = Relay::with(Setup::default().user("admin", "admin-pw", &[]).edit(|t| t));
    // Make admin allowed to delete, in the config itself.
    let text = std::fs::read_to_string(&r.config).unwrap();
    let mut doc: toml_edit::DocumentMut = text.parse().unwrap();
    let users = doc["users"].as_array_of_tables_mut().unwrap();
    for t in users.iter_mut() {
        if t["name"].as_str() == Some("admin") {
            t["allow_delete"] = toml_edit::value(true);
        }
    }
    std::fs::write(&r.config, doc.to_string()).unwrap();
    r.signal(libc::SIGHUP);
    assert!(r.wait_log("config reloaded"));
    let token = serde_json::from_str::<serde_json::Value>(&std::fs::read_to_string(common::vectors_path()).unwrap())
        .unwrap()["tokens"][0]["token"]
        .as_str()
        .unwrap()
        .to_string();
    std::fs::write(r.root.join("room.txt"), format!("{token}\n")).unwrap();
    r.python_ok(
        r#"
f = connect()
before = room_file("room.txt")
e = expect_error("550", f.delete, "room.txt")
assert "room" in e, e
expect_error("550", f.rename, "room.txt", "other.bin")
put(f, "plain.bin", b"x")
expect_error("550", f.rename, "plain.bin", "sneaky.txt")
expect_error("550", put, f, "room.txt", b"x", rest=3)
assert room_file("room.txt") == before
f.quit()
a = connect(user="admin", password="admin-pw")
a.rename("room.txt", "renamed.txt")
a.delete("renamed.txt")
a.quit()
assert not os.path.exists(os.path.join(ROOT, "room.txt"))
"#,
    );
}

#[test]
fn retr_stor_fallback_interleaved_with_appends_loses_nothing() {
    if common::skip_without_cryptography() {
        return;
    }
    let r = busy_relay();
    r.python_ok(
        r#"
fe = fernet_for("secret")
stop = threading.Event()
fallback_texts = []

def fallback():
    # The FTPChat fallback when APPE fails: RETR the whole room, add a line, STOR it whole.
    for i in range(15):
        f = connect()
        data = get(f, "room.txt") if "room.txt" in f.nlst() else b""
        text = f"fallback-{i}"
        put(f, "room.txt", data + seal(fe, "fb", text))
        f.quit()
        fallback_texts.append(f"2026-11-22 10:00:fb: {text}")

t = threading.Thread(target=fallback)
t.start()
acked, errors = writers(8, 15)
t.join()
assert not errors, errors[:3]
check_room(room_file("room.txt"), fe, acked + fallback_texts)
"#,
    );
}

#[test]
#[ignore = "slow hardening test: .ci/run runs it (cargo test --test it -- --ignored)"]
fn sigkill_while_appending_loses_no_acknowledged_message() {
    if common::skip_without_cryptography() {
        return;
    }
    let mut r = busy_relay();
    let ack = r.dir.path().join("acked.txt");
    for delay_ms in [30u64, 250, 700] {
        let before = std::fs::read(&ack).map(|d| d.len()).unwrap_or(0);
        let child = r.spawn_python(&format!(
            r#"
writers(16, 400, ack_file={ack:?}, stop_on_error=True, tag="r{delay_ms}-")
"#,
            ack = ack.to_str().unwrap()
        ));
        // Kill once appends are flowing, at a different moment each round.
        let t = std::time::Instant::now();
        while std::fs::read(&ack).map(|d| d.len()).unwrap_or(0) == before && t.elapsed().as_secs() < 20 {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        r.kill();
        let _ = child.wait_with_output();
        r.restart();
        // What clients see after the restart: whole lines only, every acknowledged message once.
        r.python_ok(&format!(
            r#"
fe = fernet_for("secret")
f = connect()
data = get(f, "room.txt")
f.quit()
acked = [unseal(fe, l) for l in open({ack:?}, "rb").read().split(b"\n") if l]
texts = check_room(data, fe, acked)
assert len(acked) > 0
print(len(acked), len(texts))
"#,
            ack = ack.to_str().unwrap()
        ));
    }
}
