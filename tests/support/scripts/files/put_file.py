"""files: shares a file per docs/files.md "Shared files": a fresh key and id, chunks of 49152
bytes each Fernet-encrypted, STOR into the room's files folder, then the announcement
appended to the room with APPE as user `py-interop` (local time). Prints the
announcement text.

    python3 put_file.py ROOM ROOM_PASSWORD PATH [CAPTION] [--tls] [--user NAME] [--ftp-password PW]

Run with PYTHONPATH=tests/support and the prelude's environment."""
from prelude import *  # noqa: F403
from loftfile import announcement, encrypt_file, file_path, new_id, new_key, room_path, seal, split_args

opts, pos = split_args(sys.argv[1:], "put_file.py ROOM ROOM_PASSWORD PATH [CAPTION]", 3, 4)
room, room_password, path = pos[:3]
caption = pos[3] if len(pos) > 3 else None


def fail(msg):
    print(f"put_file: {msg}", file=sys.stderr)
    sys.exit(1)


try:
    data = open(path, "rb").read()
except OSError as e:
    fail(f"cannot read {path}: {e}")
name = os.path.basename(path)
key, file_id = new_key(), new_id()
body = encrypt_file(data, key)
text = announcement(file_id, name, data, key, caption)
line = seal(fernet_for(room_password), "py-interop", text)

try:
    f = connect(user=opts["user"], password=opts["password"] or PASSWORD, tls=opts["tls"])
    target = file_path(room, file_id)
    try:
        put(f, target, body)
    except ftplib.error_perm as e:
        # docs/files.md is silent on it, but Loft makes the files folder itself and refuses a
        # file beside a room that does not exist yet (550): say the relay's reply.
        fail(f"STOR {target} refused: {e}")
    try:
        put(f, room_path(room), line, cmd="APPE")
    except ftplib.error_perm as e:
        fail(f"the file is uploaded as {target} but APPE of the announcement to {room_path(room)} was refused: {e}")
    try:
        f.quit()
    except ftplib.all_errors:
        pass
except ftplib.all_errors as e:
    fail(f"FTP error: {e}")
print(text)
