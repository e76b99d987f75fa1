"""rooms_append::refused_uploads_leave_the_room_unchanged: run by tests/it/rooms_append.rs against a real `loft serve`."""
from prelude import *  # noqa: F403

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
