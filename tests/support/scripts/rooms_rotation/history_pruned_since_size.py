"""rooms_rotation: `.room.txt.loft/history.txt` after its oldest archive was pruned between
a session's SIZE and its RETR (keep_archives = 1, keep_days = 0 here): the RETR is refused
with 450 rather than sending bytes shifted from the offsets SIZE answered for; a new SIZE
gives the new, shorter history, which RETR then sends whole."""
from prelude import *  # noqa: F403

fer = fernet_for("secret")
HISTORY = ".room.txt.loft/history.txt"


def append(n, tag):
    g = connect()
    for i in range(n):
        put(g, "room.txt", b"".join(seal(fer, "al", f"{tag} {i}.{j}") for j in range(10)), cmd="APPE")
    g.quit()


append(3, "first")
f = connect()
f.voidcmd("TYPE I")
before = f.size(HISTORY)
assert before > 0, before
append(6, "later")  # rotations, and the oldest archives pruned
time.sleep(0.5)
expect_error("450", get, f, HISTORY)
now = f.size(HISTORY)
whole = get(f, HISTORY)
assert len(whole) == now, (len(whole), now)
assert all(unseal(fer, line).split(": ", 1)[1].startswith(("first", "later")) for line in whole.splitlines())
f.quit()
print("ok", before, now)
