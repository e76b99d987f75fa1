"""rooms_rotation::a_new_reader_gets_the_live_part_from_a_line_start_and_archives_are_hidden"""
from prelude import *  # noqa: F403
from rotation import *  # noqa: F403

fernet = fernet_for("secret")
acked, errors = writers(4, 60)
assert not errors, errors[:5]
# A rotation runs right after the 226 that triggered it: let it finish before reading
# the files directly (FTP readers never see one half-done).
time.sleep(0.5)
whole = everything()
texts = check_room(whole, fernet, acked)
assert len(texts) == 240, len(texts)
b = base()
assert b > 5 * 3072, b
f = connect()
size = f.size("room.txt")
live = room_file("room.txt")
assert size == b + len(live) == len(whole), (size, b, len(live), len(whole))
# From 0 (a new reader): the live part, whole lines.
for rest in (None, 0):
    data = get(f, "room.txt", rest=rest)
    assert data == live, (rest, len(data), len(live))
    check_room(data, fernet)
# From inside the archived part (a reader that fell behind rotations): every byte from
# there on, through the archives and the live part, up to the SIZE it asked.
starts = [0] + [i + 1 for i, c in enumerate(whole) if c == 10][:-1]
for rest in (starts[1], starts[len(starts) // 3], b - len(whole[:b].splitlines(True)[-1]), b - 1):
    f.size("room.txt")
    data = get(f, "room.txt", rest=rest)
    assert data == whole[rest:], (rest, len(data), len(whole) - rest)
check_room(get(f, "room.txt", rest=starts[7]), fernet)
# From inside the live part: the bytes from there.
data = get(f, "room.txt", rest=b + 5)
assert data == live[5:]
assert get(f, "room.txt", rest=size) == b""
assert get(f, "room.txt", rest=size + 100) == b""
# LIST and MLSD report the logical size, and do not show the state folder.
lines = []
f.retrlines("LIST", lines.append)
assert any(l.endswith("room.txt") and f" {size} " in l for l in lines), lines
assert not any(".loft" in l for l in lines), lines
assert ".room.txt.loft" not in f.nlst()
facts = [fa for name, fa in f.mlsd() if name == "room.txt"]
assert facts and int(facts[0]["size"]) == size, facts
# Archives: readable by path, not writable.
names = f.nlst(".room.txt.loft")
arch = sorted(n for n in names if n.endswith(".txt"))
assert arch, names
first = get(f, arch[0] if "/" in arch[0] else ".room.txt.loft/" + arch[0])
assert whole.startswith(first) and first.endswith(b"\n")
for cmd in ("STOR", "APPE"):
    expect_error("550", put, f, ".room.txt.loft/x.txt", b"x\n", cmd=cmd)
expect_error("550", f.delete, ".room.txt.loft/" + os.path.basename(arch[0]))
expect_error("550", f.mkd, ".room.txt.loft/sub")
print("ok", size, b)
