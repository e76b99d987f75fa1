"""Helpers of the rotation tests' scripts: everything a room holds (archives in order,
then the live file), and its base."""
from prelude import *  # noqa: F403

STATE = os.path.join(ROOT, ".room.txt.loft")

def archives():
    if not os.path.isdir(STATE):
        return []
    names = sorted(n for n in os.listdir(STATE) if n.endswith(".txt"))
    return [os.path.join(STATE, n) for n in names]

def everything():
    data = b"".join(open(p, "rb").read() for p in archives())
    return data + room_file("room.txt")

def base():
    if not os.path.exists(os.path.join(STATE, "state")):
        return 0
    for line in open(os.path.join(STATE, "state")):
        k, v = line.split()
        if k == "base":
            return int(v)
    raise AssertionError("no base")
