"""serve_disk_full::a_full_disk_refuses_appends_with_452_and_leaves_the_room_whole: run by tests/it/serve_disk_full.rs against a real `loft serve`."""
from prelude import *  # noqa: F403

def token():
    # The shape the relay checks (it cannot check the HMAC): 0x80, 8 + 16 bytes, one block, 32.
    return base64.urlsafe_b64encode(b"\x80" + os.urandom(8 + 16 + 16 + 32)) + b"\n"

def lines_ok(data):
    assert data == b"" or data.endswith(b"\n"), data[-80:]
    for l in data.split(b"\n")[:-1]:
        assert len(l) == 100 and l[:1] == b"g", l

room = "full/room.txt"
f = connect()
for i in range(5):
    assert put(f, room, token(), cmd="APPE").startswith("226")

# Fill the filesystem to the last byte, beside the room.
path = os.path.join(ROOT, "full", "filler.bin")
with open(path, "wb", buffering=0) as fill:
    try:
        while True:
            fill.write(b"\0" * 4096)
    except OSError as e:
        assert e.errno == 28, e   # ENOSPC
before = room_file(room)

# A batch of lines bigger than a page: cannot fit. 452, and nothing of it in the room.
batch = b"".join(token() for _ in range(200))
e = expect_error("452", put, f, room, batch, cmd="APPE")
assert "full" in e, e
assert room_file(room) == before, (len(room_file(room)), len(before))
# Line by line: a line either goes in whole (the page may have room) or is refused whole.
for i in range(40):
    line = token()
    cur = room_file(room)
    try:
        put(f, room, line, cmd="APPE")
        assert room_file(room) == cur + line
    except ftplib.error_temp as e:
        assert str(e).startswith("452"), e
        assert room_file(room) == cur
lines_ok(room_file(room))
# A plain file on the full disk: 452 too.
expect_error("452", put, f, "full/plain.bin", b"x" * 65536)

# The relay keeps serving: this session, and a new one, elsewhere.
assert get(f, room) == room_file(room)
g = connect()
assert put(g, "elsewhere.txt", token(), cmd="APPE").startswith("226")
g.quit()

# Space again: appends work, and the room is whole lines.
os.remove(path)
kept = room_file(room)
line = token()
assert put(f, room, line, cmd="APPE").startswith("226")
assert put(f, room, batch, cmd="APPE").startswith("226")
assert room_file(room) == kept + line + batch
lines_ok(room_file(room))
f.quit()
