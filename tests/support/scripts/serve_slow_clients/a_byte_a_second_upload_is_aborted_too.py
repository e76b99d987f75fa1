"""serve_slow_clients::a_byte_a_second_upload_is_aborted_too: run by tests/it/serve_slow_clients.rs against a real `loft serve`."""
from prelude import *  # noqa: F403
from slow_clients import *  # noqa: F403

f = connect()
f.voidcmd("TYPE I")
conn = f.transfercmd("APPE room.txt")
t = time.time()
line = TOKENS[0]
sent = 0
try:
    # Two bytes a second: the connection is never silent, but moves almost nothing.
    while sent < len(line) and time.time() - t < 20:
        conn.sendall(line[sent:sent + 1])
        sent += 1
        time.sleep(0.5)
except OSError:
    pass
assert sent < len(line), "the trickle was never cut off"
r = expect_reply(f, "426", 15)
conn.close()
others_append(TOKENS[1])
assert room_file("room.txt") == TOKENS[1], room_file("room.txt")
f.quit()
