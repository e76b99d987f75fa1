"""rooms_rotation::a_kill_during_rotation_loses_and_doubles_nothing: after the restart,
the sizes agree, every acknowledged message (listed in argv[1]) is there once."""
from prelude import *  # noqa: F403
from rotation import *  # noqa: F403

fernet = fernet_for("secret")
f = connect()
# The first SIZE opens the room (recovery), and the room may then rotate at once, in the
# background, if the recovered live part is over rotate_bytes. A second SIZE is queued
# behind that rotation, so once it answers the files are at rest and can be read.
f.size("room.txt")
size = f.size("room.txt")
whole = everything()
if not size == len(whole) == base() + len(room_file("room.txt")):
    for p in archives():
        print("ARCHIVE", os.path.basename(p), os.path.getsize(p))
    print("STATE", open(os.path.join(STATE, "state")).read())
    print("LIVE", len(room_file("room.txt")))
    raise AssertionError((size, len(whole), base()))
acked = [l.strip() for l in open(sys.argv[1], "rb") if l.strip()]
seen_at = {}
for p in archives() + [os.path.join(ROOT, "room.txt")]:
    for i, l in enumerate(open(p, "rb").read().split(b"\n")):
        if l:
            if l in seen_at:
                print("DUP", os.path.basename(p), i, "first in", seen_at[l])
            seen_at[l] = (os.path.basename(p), i)
texts = check_room(whole, fernet, [unseal(fernet, l) for l in acked])
names = os.listdir(STATE) if os.path.isdir(STATE) else []
assert not any(n.endswith(".tmp") or n == "live.new" for n in names), names
print("ok", len(texts), base())
