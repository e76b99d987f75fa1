"""rooms_append::sigkill_while_appending_loses_no_acknowledged_message: after the restart,
every message acknowledged (listed in argv[1]) is in the room once, and no line is torn."""
from prelude import *  # noqa: F403

fe = fernet_for("secret")
f = connect()
data = get(f, "room.txt")
f.quit()
acked = [unseal(fe, l) for l in open(sys.argv[1], "rb").read().split(b"\n") if l]
texts = check_room(data, fe, acked)
assert len(acked) > 0
print(len(acked), len(texts))
