"""serve_slow_clients::a_silent_upload_is_aborted_with_426_and_the_room_keeps_no_partial_line: run by tests/it/serve_slow_clients.rs against a real `loft serve`."""
from prelude import *  # noqa: F403
from slow_clients import *  # noqa: F403

f = connect()
put(f, "room.txt", TOKENS[0], cmd="APPE")
before = room_file("room.txt")
f.voidcmd("TYPE I")
conn = f.transfercmd("APPE room.txt")
conn.sendall(TOKENS[1][:40])          # half a line, then silence
# Meanwhile another client logs in and appends: not held up by the silent one.
others_append(TOKENS[2])
assert room_file("room.txt") == before + TOKENS[2]
r = expect_reply(f, "426", 15)
assert "timed out" in r, r
conn.close()
assert room_file("room.txt") == before + TOKENS[2]
# The session itself is still usable after the abort...
f.voidcmd("NOOP")
# ...and, left silent, is closed by the idle timeout.
expect_closed(f, 15)
