"""rooms_append::concurrent_writers_each_message_its_own_session_ftps: run by tests/it/rooms_append.rs against a real `loft serve`."""
from prelude import *  # noqa: F403

acked, errors = writers(32, 50, tls=True)
assert not errors, errors[:5]
texts = check_room(room_file("room.txt"), fernet_for("secret"), acked)
assert len(texts) == 1600, len(texts)
print("ok", len(texts))
