"""rooms_rotation::a_session_reads_up_to_the_size_it_asked: run by tests/it/rooms_rotation.rs against a real `loft serve`."""
from prelude import *  # noqa: F403

fernet = fernet_for("secret")
a, b2 = seal(fernet, "u", "one"), seal(fernet, "u", "two")
f, g = connect(), connect()
put(g, "room.txt", a, cmd="APPE")
size = f.size("room.txt")
put(g, "room.txt", b2, cmd="APPE")
# After SIZE, the next RETR stops at that size...
assert get(f, "room.txt", rest=0) == a
# ...and the one after that (no SIZE in between) reads to the last complete line.
assert get(f, "room.txt", rest=size) == b2
assert f.size("room.txt") == len(a) + len(b2)
print("ok")
