"""rooms_append::deleting_renaming_or_overwriting_a_room_is_refused: run by tests/it/rooms_append.rs against a real `loft serve`."""
from prelude import *  # noqa: F403

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
