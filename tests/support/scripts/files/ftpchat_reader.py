"""files: reads a whole room over FTP (RETR ROOM.txt) the way an FTPChat v1.7 reader
does, and prints each message as `user: text`. Exits 1, naming the line, at the first
line that would stop an FTPChat reader for good (does not decrypt with the room key, is
not zlib UTF-8 of `YYYY-MM-DD HH:MM:<user>: <text>`, is empty, or is a torn last line).

    python3 ftpchat_reader.py ROOM ROOM_PASSWORD [--tls] [--user NAME] [--ftp-password PW]

ROOM is `lobby` or `lobby.txt` (or `team/lobby`); run with PYTHONPATH=tests/support and
the prelude's environment (FTP_PORT, FTP_PASSWORD, FTP_ROOT, FTP_CERT, VECTORS)."""
from prelude import *  # noqa: F403
from loftfile import FileError, read_room, room_path, split_args

opts, (room, room_password) = split_args(sys.argv[1:], "ftpchat_reader.py ROOM ROOM_PASSWORD", 2, 2)
fernet = fernet_for(room_password)
try:
    f = connect(user=opts["user"], password=opts["password"] or PASSWORD, tls=opts["tls"])
    try:
        data = get(f, room_path(room))
    except ftplib.error_perm as e:
        if not str(e).startswith("550"):
            raise
        print(f"ftpchat_reader: no room {room_path(room)} ({e}); it has no messages", file=sys.stderr)
        data = b""
    try:
        f.quit()
    except ftplib.all_errors:
        pass
except ftplib.all_errors as e:
    print(f"ftpchat_reader: FTP error: {e}", file=sys.stderr)
    sys.exit(1)

count = 0
try:
    for _n, _when, user, text in read_room(data, fernet):
        print(f"{user}: {text}", flush=True)
        count += 1
except FileError as e:
    print(f"ftpchat_reader: {room_path(room)}: {e}; {count} messages were read before it", file=sys.stderr)
    sys.exit(1)
