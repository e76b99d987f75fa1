"""files: fetches the file of the latest announcement in a room (of the file named NAME,
if given), per docs/files.md "Shared files": RETR of `DIR/.NAME.files/ID.lff`, decrypted and
checked per step 5, and written to OUT_PATH (temp file + rename) only if all checks.
Prints `ok NAME BYTES SHA256`; on any failure exits 1 with a message and no OUT_PATH.

    python3 get_file.py ROOM ROOM_PASSWORD OUT_PATH [NAME] [--tls] [--user NAME] [--ftp-password PW]

Run with PYTHONPATH=tests/support and the prelude's environment."""
from prelude import *  # noqa: F403
from loftfile import FileError, decrypt_file, file_path, parse_reference, read_room, room_path, split_args

opts, pos = split_args(sys.argv[1:], "get_file.py ROOM ROOM_PASSWORD OUT_PATH [NAME]", 3, 4)
room, room_password, out_path = pos[:3]
want = pos[3] if len(pos) > 3 else None


def fail(msg):
    print(f"get_file: {msg}", file=sys.stderr)
    sys.exit(1)


fernet = fernet_for(room_password)
try:
    f = connect(user=opts["user"], password=opts["password"] or PASSWORD, tls=opts["tls"])
    try:
        data = get(f, room_path(room))
    except ftplib.error_perm as e:
        fail(f"cannot read the room {room_path(room)}: {e}")

    # The latest announcement: the last message, in room order, whose text ends with a
    # `loft-file:` reference (of the file named `want`, if given). Unlike an FTPChat
    # reader, lines that do not decrypt with the room key are skipped (with a warning),
    # as `loft read` does, so that one foreign line does not hide later announcements.
    found, bad = None, []

    def skipped(e):
        print(f"get_file: warning: {room_path(room)}: {e}; skipped", file=sys.stderr)

    for n, _when, user, text in read_room(data, fernet, skip=skipped):
        try:
            ref = parse_reference(text)
        except FileError as e:
            bad.append(f"line {n}: {e}")
            continue
        if ref and (want is None or ref["name"] == want):
            found = (n, user, ref)
    for b in bad:
        print(f"get_file: warning: malformed reference skipped, {b}", file=sys.stderr)
    if found is None:
        fail(f"no file announcement{' of ' + repr(want) if want else ''} in {room_path(room)}")
    n, user, ref = found
    path = file_path(room, ref["id"])
    try:
        body = get(f, path)
    except ftplib.error_perm as e:
        fail(f"cannot fetch {path} (announced by {user} on line {n}): {e}")
    try:
        f.quit()
    except ftplib.all_errors:
        pass
except ftplib.all_errors as e:
    fail(f"FTP error: {e}")

try:
    plain = decrypt_file(body, ref["key"], ref["size"], ref["sha256"])
except FileError as e:
    fail(f"{path} ({ref['name']!r}) does not check: {e}; nothing written")

out_dir = os.path.dirname(os.path.abspath(out_path))
tmp = os.path.join(out_dir, f".{os.path.basename(out_path)}.{os.getpid()}.part")
try:
    with open(tmp, "wb") as w:
        w.write(plain)
        w.flush()
        os.fsync(w.fileno())
    os.replace(tmp, out_path)
except OSError as e:
    try:
        os.unlink(tmp)
    except OSError:
        pass
    fail(f"cannot write {out_path}: {e}")
print(f"ok {ref['name']} {len(plain)} {ref['sha256']}")
