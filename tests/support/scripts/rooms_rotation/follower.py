"""rooms_rotation: an FTPChat follower (SIZE, then REST + RETR, every poll interval) against
FTPChat writers; it must see every message exactly once."""
from prelude import *  # noqa: F403
from rotation import *  # noqa: F403

# argv: what the room holds first ("empty" or "one"), writers, messages per writer, pause
# between a writer's messages, the follower's poll interval, the rotations it must see at
# least, rotate_bytes, keep_archives.
FIRST = b"" if sys.argv[1] == "empty" else seal(fernet_for("secret"), "alice", "before the burst")
MIN_ROTATIONS, ROTATE, KEEP_ARCHIVES = int(sys.argv[6]), int(sys.argv[7]), int(sys.argv[8])
fernet = fernet_for("secret")
put(connect(), "room.txt", FIRST, cmd="APPE")
# Where the follower starts, taken before any writer runs (as FTPChat's first download).
c = connect()
START = c.size("room.txt")
c.quit()
stop = threading.Event()
got, sizes, problems, rotations = [], [], [], set()
max_live = [0]

def follower():
    f = connect()
    last = START
    def poll():
        nonlocal last
        size = f.size("room.txt")
        if sizes and size < sizes[-1]:
            problems.append(f"SIZE went down: {sizes[-1]} -> {size}")
        sizes.append(size)
        if size > last:
            data = get(f, "room.txt", rest=last)
            if data and not data.endswith(b"\n"):
                problems.append(f"torn read at {last}: {data[-40:]!r}")
            for l in data.split(b"\n"):
                if l:
                    try:
                        got.append(unseal(fernet, l))
                    except Exception as e:
                        problems.append(f"undecryptable line at {last}: {e!r}")
            last = size
        rotations.add(base())
        max_live[0] = max(max_live[0], len(room_file("room.txt")))
    while not stop.is_set():
        poll()
        time.sleep(float(sys.argv[5]))
    poll()
    f.quit()

t = threading.Thread(target=follower)
t.start()
acked, errors = writers(int(sys.argv[2]), int(sys.argv[3]), pause=float(sys.argv[4]))
time.sleep(0.5)
stop.set()
t.join()
assert not errors, errors[:5]
assert not problems, problems[:5]
dups = len(got) - len(set(got))
assert dups == 0, f"{dups} duplicates"
missing = set(acked) - set(got)
assert not missing, f"{len(missing)} messages never seen, e.g. {sorted(missing)[:3]}"
f = connect()
size = f.size("room.txt")
assert size == base() + len(room_file("room.txt")), (size, base())
n_rot = len(rotations) - 1
assert n_rot >= MIN_ROTATIONS or base() >= MIN_ROTATIONS * 4096, f"only {n_rot} rotations seen, base {base()}"
assert max_live[0] <= ROTATE + 4096, max_live[0]   # rotate_bytes plus one batch
assert len(archives()) <= KEEP_ARCHIVES, archives()
print("ok", len(got), "messages", n_rot, "rotations seen, base", base())
