"""rooms_site::site_seen_reports_who_read_what_across_a_restart: two users read the room; run by
tests/it/rooms_site.rs against a real `loft serve`."""
from prelude import *  # noqa: F403

fernet = fernet_for("secret")
f = connect()
put(f, "room.txt", seal(fernet, "u", "one") + seal(fernet, "u", "two"), cmd="APPE")
size = f.size("room.txt")
get(f, "room.txt")
b = connect("bob", "bobs-password")
b.size("room.txt")
get(b, "room.txt", rest=size)
