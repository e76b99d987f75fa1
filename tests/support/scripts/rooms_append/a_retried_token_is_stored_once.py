"""rooms_append::a_retried_token_is_stored_once: run by tests/it/rooms_append.rs against a real `loft serve`."""
from prelude import *  # noqa: F403

fe = fernet_for("secret")
line = seal(fe, "bob", "sent twice")
for i in range(3):
    f = connect()
    assert put(f, "room.txt", line, cmd="APPE").startswith("226")
    f.quit()
assert room_file("room.txt") == line
