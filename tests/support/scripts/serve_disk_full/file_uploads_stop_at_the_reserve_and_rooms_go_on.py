"""serve_disk_full: the user "files" has its home on a 4 MiB tmpfs, and the relay keeps
limits.disk_reserve = 2 MiB free for chat (issue 19.7). Uploads of files stop at the
reserve with 452 and leave nothing; room appends go on below it; freeing space lets files
in again. Run by tests/it/serve_disk_full.rs."""
from prelude import *  # noqa: F403
from cryptography.fernet import Fernet

HOME = os.path.join(ROOT, "filesdisk")
MIB = 1024 * 1024


def listing():
    """Every file under the home (a room's files folder made empty does not count)."""
    return sorted(os.path.relpath(os.path.join(d, n), HOME) for d, _, names in os.walk(HOME) for n in names)


def refused_452(f, name, data):
    before = listing()
    msg = expect_error("452", put, f, name, data)
    assert "disk_reserve" in msg and "kept for chat" in msg, msg
    assert listing() == before, (before, listing())
    return msg


f = connect("files", "files-pw")
fer = fernet_for("secret")
put(f, "room.txt", seal(fer, "alice", "hello"), cmd="APPE")
assert put(f, "a.bin", os.urandom(MIB)).startswith("226")
refused_452(f, "b.bin", os.urandom(MIB + MIB // 2))
# Rooms are what the reserve is for.
for i in range(20):
    assert put(f, "room.txt", seal(fer, "alice", f"still chatting {i}"), cmd="APPE").startswith("226")
# A shared file is a file too.
key = Fernet(Fernet.generate_key())
data = os.urandom(MIB + MIB // 2)
lff = b"".join(key.encrypt(data[i:i + 49152]) + b"\n" for i in range(0, len(data), 49152))
refused_452(f, f".room.txt.files/{1:032x}.lff", lff)
# Space freed: files fit again.
f.delete("a.bin")
assert put(f, "b.bin", os.urandom(MIB + MIB // 2)).startswith("226")
f.quit()
print("ok")
