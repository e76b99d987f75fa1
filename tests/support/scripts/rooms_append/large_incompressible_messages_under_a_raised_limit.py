"""rooms_append::large_incompressible_messages_under_a_raised_limit: run by tests/it/rooms_append.rs against a real `loft serve`."""
from prelude import *  # noqa: F403

acked, errors = writers(8, 4, size=200_000)
assert not errors, errors[:3]
texts = check_room(room_file("room.txt"), fernet_for("secret"), acked)
assert len(texts) == 32 and all(len(t) > 200_000 for t in texts)
acked, errors = writers(4, 2, size=200_000, tls=True, room="tls.txt")
assert not errors, errors[:3]
check_room(room_file("tls.txt"), fernet_for("secret"), acked)
