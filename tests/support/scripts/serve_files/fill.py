"""serve_files: appends N messages of about 300 bytes to lobby.txt in one session (to make it rotate)."""
from prelude import *  # noqa: F403

fernet = fernet_for("secret")
f = connect()
for i in range(int(sys.argv[1])):
    put(f, "lobby.txt", seal(fernet, "filler", f"message {i} " + "x" * 150), cmd="APPE")
f.quit()
print("ok")
