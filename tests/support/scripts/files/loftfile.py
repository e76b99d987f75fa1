"""Loft's file sharing format (docs/files.md, "Shared files") and the FTPChat v1.7 message
format, written from docs/files.md alone: pure functions, no server, no environment.

The FTP scripts beside this module (`put_file.py`, `get_file.py`, `ftpchat_reader.py`)
import it after the prelude; `offline_selftest.py` imports it alone."""
import base64
import hashlib
import os
import re
import time
import urllib.parse
import zlib

from cryptography.fernet import Fernet, InvalidToken

# FTPChat v1.7
SALT = "q6334#Q0q8294%E$(#$%^&^%$#@!#%^YHB>$W#CX>E"
ITERATIONS = 100000

# Loft file sharing (docs/files.md step 2)
CHUNK = 49152
EMOJI = "\U0001F4CE"  # 📎
DASH = "\u2014"  # —
UNRESERVED = "-._~"  # plus A-Z a-z 0-9, which quote() always keeps
MESSAGE = re.compile(r"(\d{4}-\d{2}-\d{2} \d{2}:\d{2}):(.*?): (.*)\Z", re.S)
ID_RE = re.compile(r"[0-9a-f]{32}\Z")
HEX_RE = re.compile(r"[0-9a-f]{64}\Z")
KEY_RE = re.compile(r"[A-Za-z0-9_-]{43}\Z")
TOKEN_RE = re.compile(rb"[A-Za-z0-9_-]+=*\Z")


class FileError(Exception):
    """A shared file, or its announcement, that does not check."""


# ---------------------------------------------------------------- rooms (FTPChat v1.7)

def room_key(password, salt=SALT, iterations=ITERATIONS):
    """The room's Fernet key: urlsafe-b64(PBKDF2-HMAC-SHA256(password, salt, 100000, 32))."""
    raw = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt.encode("utf-8"), iterations, 32)
    return base64.urlsafe_b64encode(raw)


def room_fernet(password, salt=SALT, iterations=ITERATIONS):
    return Fernet(room_key(password, salt, iterations))


def room_path(room):
    """`lobby` or `lobby.txt` -> `lobby.txt`; `team/lobby` -> `team/lobby.txt`."""
    room = room.lstrip("/")
    return room if room.endswith(".txt") else room + ".txt"


def files_dir(room):
    """The room `DIR/NAME` keeps its files in `DIR/.NAME.files` (docs/files.md step 3)."""
    path = room_path(room)
    d, _, name = path.rpartition("/")
    return f"{d}/.{name}.files" if d else f".{name}.files"


def file_path(room, file_id):
    return f"{files_dir(room)}/{file_id}.lff"


def seal(fernet, user, text, when=None):
    """One room line: `YYYY-MM-DD HH:MM:<user>: <text>`, zlib, Fernet, then `\\n`."""
    when = when or time.strftime("%Y-%m-%d %H:%M", time.localtime())
    return fernet.encrypt(zlib.compress(f"{when}:{user}: {text}".encode("utf-8"))) + b"\n"


def parse_message(plain):
    """`YYYY-MM-DD HH:MM:<user>: <text>` -> (when, user, text); ValueError if not."""
    m = MESSAGE.match(plain)
    if not m:
        raise ValueError(f"not `YYYY-MM-DD HH:MM:<user>: <text>`: {plain[:60]!r}")
    return m.group(1), m.group(2), m.group(3)


def read_room(data, fernet, skip=None):
    """Yields (line_number, when, user, text) for each line of a room, in order, with the
    v1.7 rule: the first line that does not decrypt (or decompress, or parse) raises
    FileError naming its line number, and nothing after it is read. With `skip` (a
    function of the FileError), such a line is passed to it and the reading goes on."""
    if data and not data.endswith(b"\n"):
        last = data.count(b"\n") + 1
        torn = True
    else:
        torn = False
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    for n, line in enumerate(lines, 1):
        try:
            msg = _read_line(n, line, fernet, torn and n == last)
        except FileError as e:
            if skip is None:
                raise
            skip(e)
            continue
        yield msg


def _read_line(n, line, fernet, torn):
    """One room line -> (n, when, user, text), or FileError naming line n."""
    if not line.strip():
        raise FileError(f"line {n}: empty line (an FTPChat reader cannot decrypt it)")
    try:
        plain = fernet.decrypt(line.strip())
    except InvalidToken:
        raise FileError(f"line {n}: does not decrypt with this room key (an FTPChat reader stops here)")
    try:
        text = zlib.decompress(plain).decode("utf-8")
    except (zlib.error, UnicodeDecodeError) as e:
        raise FileError(f"line {n}: decrypts but is not zlib-compressed UTF-8 ({e})")
    try:
        when, user, msg = parse_message(text)
    except ValueError as e:
        raise FileError(f"line {n}: {e}")
    if torn:
        raise FileError(f"line {n}: the room does not end with a newline (a torn last line)")
    return n, when, user, msg


# ---------------------------------------------------------------- files (docs/files.md 1-5)

def new_key():
    """32 random bytes, URL-safe base64, 44 characters with the final `=` (step 1)."""
    key = base64.urlsafe_b64encode(os.urandom(32))
    assert len(key) == 44 and key.endswith(b"=")
    return key


def new_id():
    """32 lowercase hex digits (step 1)."""
    return os.urandom(16).hex()


def encrypt_file(data, key, chunk=CHUNK):
    """The `.lff` body: chunks of `chunk` bytes (an empty file is one empty chunk), each
    Fernet-encrypted on its own, no compression, each token followed by `\\n` (step 2)."""
    f = Fernet(key)
    pieces = [data[i:i + chunk] for i in range(0, len(data), chunk)] or [b""]
    return b"".join(f.encrypt(p) + b"\n" for p in pieces)


def decrypt_file(body, key, size, sha256):
    """Step 5: every line decrypts, the last ends with `\\n`, and the length and SHA-256
    match the announcement. Returns the original bytes or raises FileError."""
    f = Fernet(key)
    if not body:
        raise FileError("the encrypted file is empty (not even one chunk)")
    if not body.endswith(b"\n"):
        raise FileError("the encrypted file's last line does not end with a newline (truncated)")
    out = []
    for n, line in enumerate(body[:-1].split(b"\n"), 1):
        if not TOKEN_RE.match(line):
            raise FileError(f"chunk line {n} is not a Fernet token")
        try:
            out.append(f.decrypt(line))
        except InvalidToken:
            raise FileError(f"chunk line {n} does not decrypt with the file key")
    data = b"".join(out)
    if len(data) != size:
        raise FileError(f"size mismatch: got {len(data)} bytes, the announcement says {size}")
    got = hashlib.sha256(data).hexdigest()
    if got != sha256:
        raise FileError(f"SHA-256 mismatch: got {got}, the announcement says {sha256}")
    return data


def human_size(n):
    """For people only (docs/files.md: `2.1 MB`): decimal units, one decimal."""
    if n < 1000:
        return f"{n} B"
    for unit in ("kB", "MB", "GB", "TB"):
        n /= 1000
        if n < 999.95 or unit == "TB":
            return f"{n:.1f} {unit}"


def quote_name(name):
    """Percent-encoded UTF-8, all but `A-Z a-z 0-9 - . _ ~` (step 4)."""
    return urllib.parse.quote(name, safe=UNRESERVED, encoding="utf-8")


def reference(file_id, name, data, key):
    key = key.decode() if isinstance(key, bytes) else key
    return (f"loft-file:{file_id}?name={quote_name(name)}&size={len(data)}"
            f"&sha256={hashlib.sha256(data).hexdigest()}&key={key.rstrip('=')}")


def announcement(file_id, name, data, key, caption=None):
    """`📎 NAME (SIZE)[ — CAPTION] loft-file:ID?name=NAME&size=BYTES&sha256=HEX&key=KEY`."""
    text = f"{EMOJI} {name} ({human_size(len(data))})"
    if caption:
        text += f" {DASH} {caption}"
    return text + " " + reference(file_id, name, data, key)


def parse_reference(text):
    """The announcement in a message's text, or None if the text is not one: the reference
    is the last word of the text, and starts with `loft-file:`. Returns a dict with id,
    name, size, sha256, key (with its `=` back); raises FileError if the reference is there
    but malformed."""
    words = text.split()
    if not words or not words[-1].startswith("loft-file:"):
        return None
    ref = words[-1][len("loft-file:"):]
    file_id, q, query = ref.partition("?")
    if not ID_RE.match(file_id):
        raise FileError(f"bad id in reference: {file_id!r}")
    params = {}
    for part in query.split("&") if q else []:
        k, _, v = part.partition("=")
        params[urllib.parse.unquote(k)] = urllib.parse.unquote(v, encoding="utf-8", errors="strict")
    for k in ("name", "size", "sha256", "key"):
        if k not in params:
            raise FileError(f"reference {file_id} lacks `{k}`")
    if not params["size"].isdigit() or not params["size"].isascii():
        raise FileError(f"reference {file_id}: bad size {params['size']!r}")
    if not HEX_RE.match(params["sha256"]):
        raise FileError(f"reference {file_id}: bad sha256 {params['sha256']!r}")
    if not KEY_RE.match(params["key"]):
        raise FileError(f"reference {file_id}: bad key (want 43 URL-safe base64 characters)")
    key = (params["key"] + "=").encode()
    if len(base64.urlsafe_b64decode(key)) != 32:
        raise FileError(f"reference {file_id}: key is not 32 bytes")
    return {"id": file_id, "name": params["name"], "size": int(params["size"]),
            "sha256": params["sha256"], "key": key}


# ---------------------------------------------------------------- command lines

USAGE_OPTS = "[--tls] [--user NAME] [--ftp-password PW]"


def split_args(argv, usage, min_pos, max_pos):
    """Options anywhere among the positionals: `--tls` (explicit FTPS, as prelude's
    `connect(tls=True)`), `--user NAME` and `--ftp-password PW` (default: prelude's `chat`
    and `$FTP_PASSWORD`). Exits 2 with the usage on a bad command line."""
    opts = {"tls": False, "user": "chat", "password": None}
    pos = []
    it = iter(argv)
    try:
        for a in it:
            if a == "--tls":
                opts["tls"] = True
            elif a == "--plain":
                opts["tls"] = False
            elif a == "--user":
                opts["user"] = next(it)
            elif a == "--ftp-password":
                opts["password"] = next(it)
            elif a == "--":
                pos.extend(it)
            elif a.startswith("--"):
                raise StopIteration
            else:
                pos.append(a)
    except StopIteration:
        pos = None
    if pos is None or not (min_pos <= len(pos) <= max_pos):
        import sys
        print(f"usage: {usage} {USAGE_OPTS}", file=sys.stderr)
        sys.exit(2)
    return opts, pos
