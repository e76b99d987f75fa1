"""The web client's HTTP API against a real `loft serve`, with Python's own HTTPS client.

Run by tests/it/web_client.rs (the harness's `script_args`) with the scenario as its
argument; the harness sets WEB_PORT beside the prelude's environment. Each scenario exits non-zero with an assertion message when something is off.
"""

import gzip
import http.client
import json
import os
import ssl
import sys
import threading
import time

from prelude import PASSWORD, connect, fernet_for, get, put, seal, unseal  # noqa: E402

WEB_PORT = int(os.environ["WEB_PORT"])
CERT = os.environ["FTP_CERT"]


def request(method, path, body=None, session=None, headers=None, ctype=None):
    """One HTTPS request, the relay's certificate checked. Returns (status, headers, json|text)."""
    ctx = ssl.create_default_context(cafile=CERT)
    c = http.client.HTTPSConnection("127.0.0.1", WEB_PORT, context=ctx, timeout=90)
    # As browsers do (Python's http.client alone says "identity": the page is kept gzipped).
    h = {"Accept-Encoding": "gzip", **(headers or {})}
    if session:
        h["Authorization"] = f"Bearer {session}"
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
        h.setdefault("Content-Type", "application/json")
    elif isinstance(body, str):
        body = body.encode()
    if ctype:
        h["Content-Type"] = ctype
    c.request(method, path, body=body, headers=h)
    r = c.getresponse()
    raw = r.read()
    c.close()
    if r.getheader("Content-Encoding") == "gzip":
        raw = gzip.decompress(raw)
    try:
        data = json.loads(raw) if raw else None
    except ValueError:
        data = raw.decode(errors="replace")
    return r.status, {k.lower(): v for k, v in r.getheaders()}, data


def login(user="chat", password=PASSWORD):
    st, _, d = request("POST", "/api/login", {"user": user, "password": password})
    assert st == 200, (st, d)
    return d["session"]


def ftp_size(name):
    f = connect()
    try:
        return f.size(name)
    except Exception:
        return None
    finally:
        f.quit()


def bad_input():
    """Every refusal is specific and changes nothing."""
    st, h, d = request("GET", "/")
    assert st == 200 and "<script" in d, st
    csp = h["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp, csp
    assert h["x-frame-options"] == "DENY" and h["referrer-policy"] == "no-referrer", h
    st, h, d = request("GET", "/assets/codec.js")
    assert st == 200 and "export" in d and h["content-encoding"] == "gzip", h
    # Kept compressed only: a client that refuses gzip is told so.
    st, _, d = request("GET", "/", headers={"Accept-Encoding": "identity"})
    assert st == 406 and "--compressed" in d["error"], (st, d)
    assert request("GET", "/nothing-here")[0] == 404

    st, _, d = request("POST", "/api/login", {"user": "chat", "password": "wrong"})
    assert st == 401 and d["error"] == "wrong user or password", (st, d)
    st, _, d = request("POST", "/api/login", {"user": "nobody", "password": "wrong"})
    assert st == 401 and d["error"] == "wrong user or password", (st, d)
    st, _, d = request("POST", "/api/login", "not json", ctype="application/json")
    assert st == 400 and "user" in d["error"], (st, d)
    assert request("GET", "/api/rooms")[0] == 401
    assert request("GET", "/api/rooms", session="made-up")[0] == 401

    s = login()
    f = fernet_for("secret")
    good = seal(f, "alice", "first").decode().strip()
    st, _, d = request("POST", "/api/append?room=lobby", good + "\n", session=s, ctype="text/plain")
    assert st == 200 and d["written"] == 1, (st, d)
    size = ftp_size("lobby.txt")
    assert size == d["size"] == len(good) + 1, (size, d)

    # A bad second line refuses the whole append, with its line number.
    st, _, d = request("POST", "/api/append?room=lobby", good + "\nnot a token\n", session=s, ctype="text/plain")
    assert st == 422 and d["line"] == 2 and d["error"].startswith("line 2:"), (st, d)
    # Over chat.max_append_bytes (set to 4096 by the test).
    big = "".join(seal(f, "alice", "x" * 200).decode() for _ in range(40))
    assert len(big) > 4096
    st, _, d = request("POST", "/api/append?room=lobby", big, session=s, ctype="text/plain")
    assert st == 413 and "chat.max_append_bytes" in d["error"], (st, d)
    assert ftp_size("lobby.txt") == size, "a refused append changed the room"
    # The same line again is a retry, not a second message.
    st, _, d = request("POST", "/api/append?room=lobby", good + "\n", session=s, ctype="text/plain")
    assert st == 200 and d["written"] == 0 and d["duplicates"] == 1, (st, d)
    assert ftp_size("lobby.txt") == size

    # Not rooms: outside the home, a state folder, a name outside chat.rooms.
    for bad in ["../x", "../../etc/passwd", ".lobby.txt.loft/state", "notes.md"]:
        st, _, d = request("GET", f"/api/log?room={bad}", session=s)
        assert st == 404 and "not a chat room" in d["error"], (bad, st, d)
    st, _, d = request("GET", "/api/log?room=lobby&from=abc", session=s)
    assert st == 400 and "from=" in d["error"], (st, d)
    # Names no room can have are the client's mistake (400), not the relay's (500), and
    # change nothing (issue 19.15).
    for bad in ["lobby%00", "lob%0aby", "lob%1bby", "x" * 300, "a/" + "b" * 256 + ".txt", "y" * 1100]:
        for method in ("GET", "POST"):
            path = f"/api/{'log' if method == 'GET' else 'append'}?room={bad}"
            st, _, d = request(method, path, good + "\n" if method == "POST" else None, session=s, ctype="text/plain")
            assert st == 400 and "not a room name" in d["error"], (method, bad[:24], st, d)
    assert ftp_size("lobby.txt") == size
    # A `from` inside a line gets the next whole line and says where it starts: here the
    # end, since the room holds one line (issue 19.15).
    for inside in (1, 5, size - 1):
        st, _, d = request("GET", f"/api/log?room=lobby&from={inside}", session=s)
        assert st == 200 and d["lines"] == [] and d["from"] == d["next"] == size, (inside, st, d)
    st, _, d = request("GET", "/api/log?room=lobby&from=0", session=s)
    assert st == 200 and d["lines"] == [good] and d["next"] == size, (st, d)
    # Receipts for rooms that do not exist make nothing (issue 19.8).
    for i in range(50):
        assert request("POST", f"/api/seen?room=ghost{i}", {"offset": 1}, session=s)[0] == 204
        st, _, d = request("GET", f"/api/seen?room=ghost{i}", session=s)
        assert st == 200 and d["seen"] == [], (st, d)
    made = [n for n in os.listdir(os.environ["FTP_ROOT"]) if n.startswith(".ghost")]
    assert made == [], made
    # Receipts are rate-limited like appends: 120 a minute per member, the 50 above
    # included (issue 19.8).
    for i in range(71):
        st, _, d = request("POST", "/api/seen?room=lobby", {"offset": i}, session=s)
        if st != 204:
            break
    assert i == 70 and st == 429 and "read receipts" in d["error"], (i, st, d)
    assert request("DELETE", "/api/log?room=lobby", session=s)[0] == 405
    assert request("GET", "/api/nothing", session=s)[0] == 404

    # Another site's page may not use the API, even with a session.
    st, _, d = request("GET", "/api/rooms", session=s, headers={"Origin": "https://evil.example"})
    assert st == 403 and "cross-origin" in d["error"], (st, d)
    st, _, _ = request("GET", "/api/rooms", session=s, headers={"Origin": f"https://127.0.0.1:{WEB_PORT}"})
    assert st == 200

    # A read-only user reads but cannot write.
    r = login("reader", "reader-pass")
    st, _, d = request("GET", "/api/rooms", session=r)
    assert st == 200 and d["read_only"] is True, (st, d)
    st, _, d = request("GET", "/api/log?room=lobby", session=r)
    assert st == 200 and d["lines"] == [good], (st, d)
    st, _, d = request("POST", "/api/append?room=lobby", good + "\n", session=r, ctype="text/plain")
    assert st == 403 and "read-only" in d["error"], (st, d)

    # Logout ends the session.
    assert request("POST", "/api/logout", session=s)[0] == 204
    assert request("GET", "/api/rooms", session=s)[0] == 401

    # The failed-login policy of FTP (attempts = 3 in this test) holds here too.
    for _ in range(3):
        request("POST", "/api/login", {"user": "chat", "password": "guess"})
    st, _, d = request("POST", "/api/login", {"user": "chat", "password": PASSWORD})
    assert st == 429 and "too many failed logins" in d["error"], (st, d)
    print("ok")


def shared_rooms():
    """One room, three front doors: the web API, FTPChat over ftplib, and SITE SEEN."""
    s = login()
    f = fernet_for("secret")
    # A folder is made over FTP (MKD), as FTPChat users do; its rooms start empty.
    st, _, d = request("GET", "/api/log?room=team/dev", session=s)
    assert st == 404 and "not a chat room" in d["error"], (st, d)
    ftp = connect()
    ftp.mkd("team")
    ftp.quit()
    st, _, d = request("GET", "/api/log?room=team/dev", session=s)
    assert st == 200 and d == {"from": 0, "next": 0, "lines": [], "first": 0}, (st, d)

    # A long-poll started before an FTPChat APPE returns with it, without polling.
    got = {}

    def follow():
        t = time.time()
        got["r"] = request("GET", "/api/log?room=team/dev&from=0&wait=30", session=s)
        got["t"] = time.time() - t

    th = threading.Thread(target=follow)
    th.start()
    time.sleep(0.5)
    ftp_line = seal(f, "ftpchat", "from ftplib")
    ftp = connect()
    put(ftp, "team/dev.txt", ftp_line, cmd="APPE")
    ftp.quit()
    th.join(40)
    st, _, d = got["r"]
    assert st == 200 and d["lines"] == [ftp_line.decode().strip()], (st, d)
    assert got["t"] < 10, f"the long-poll took {got['t']:.1f} s"
    nxt = d["next"]

    # A web append is what an FTPChat reader gets with REST + RETR.
    web_line = seal(f, "web", "from the page").decode().strip()
    st, _, d = request("POST", "/api/append?room=team/dev", web_line + "\n", session=s, ctype="text/plain")
    assert st == 200 and d["size"] == nxt + len(web_line) + 1, (st, d)
    ftp = connect()
    assert ftp.size("team/dev.txt") == d["size"]
    tail = get(ftp, "team/dev.txt", rest=nxt)
    ftp.quit()
    assert unseal(f, tail.strip()) == "2026-11-22 10:00:web: from the page", tail

    # Reading from an offset gives only what came after it; the room list shows it.
    st, _, d = request("GET", f"/api/log?room=team/dev&from={nxt}", session=s)
    assert d["from"] == nxt and d["lines"] == [web_line], d
    st, _, d = request("GET", "/api/rooms", session=s)
    assert {"room": "team/dev", "size": nxt + len(web_line) + 1} in d["rooms"], d
    assert d["user"] == "chat" and d["read_only"] is False, d

    # Receipts: the page's mark is what SITE SEEN lists.
    assert request("POST", "/api/seen?room=team/dev", {"offset": 10**12}, session=s)[0] == 204
    st, _, d = request("GET", "/api/seen?room=team/dev", session=s)
    assert d["seen"][0]["user"] == "chat" and d["seen"][0]["offset"] == nxt + len(web_line) + 1, d
    ftp = connect()
    lines = ftp.sendcmd("SITE SEEN team/dev").splitlines()
    ftp.quit()
    assert any(line.split()[:2] == ["chat", str(nxt + len(web_line) + 1)] for line in lines), lines
    print("ok")


def busy():
    """Over the connection caps (shared with FTP sessions), the page gets a clear 503."""
    holders = [connect(login=False) for _ in range(2)]
    st, h, d = request("GET", "/api/rooms")
    for f in holders:
        f.close()
    assert st == 503 and "max_per_ip" in d["error"] and h.get("retry-after") == "5", (st, d)
    print("ok")


def proxied():
    """Behind a trusted proxy (here 127.0.0.1, with limits.failed_logins.attempts = 3),
    each client named by X-Forwarded-For has its own failed-login count (issue 19.14)."""
    def login_as(addr, password):
        return request("POST", "/api/login", {"user": "chat", "password": password}, headers={"X-Forwarded-For": addr})
    for _ in range(3):
        assert login_as("203.0.113.1", "wrong")[0] == 401
    st, _, d = login_as("203.0.113.1", PASSWORD)
    assert st == 429, ("the guesser is blocked", st, d)
    st, _, d = login_as("203.0.113.2", PASSWORD)
    assert st == 200 and d["session"], ("another client behind the proxy is not", st, d)
    print("ok")


def rights_follow_reload():
    """A page keeps its session across a reload, but with the rights of the config in
    force (issue 19.11): the test makes `chat` read-only between `ready` and `reloaded`."""
    here = os.path.dirname(os.environ["FTP_ROOT"])
    s = login()
    f = fernet_for("secret")
    line = seal(f, "alice", "before").decode().strip() + "\n"
    st, _, d = request("POST", "/api/append?room=lobby", line, session=s, ctype="text/plain")
    assert st == 200 and d["written"] == 1, (st, d)
    open(os.path.join(here, "ready"), "w").close()
    deadline = time.time() + 20
    while not os.path.exists(os.path.join(here, "reloaded")):
        assert time.time() < deadline, "the test did not reload"
        time.sleep(0.05)
    st, _, d = request("GET", "/api/rooms", session=s)
    assert st == 200 and d["read_only"] is True, (st, d)
    line = seal(f, "alice", "after").decode().strip() + "\n"
    st, _, d = request("POST", "/api/append?room=lobby", line, session=s, ctype="text/plain")
    assert st == 403 and "read-only" in d["error"], (st, d)
    st, _, d = request("GET", "/api/log?room=lobby", session=s)
    assert st == 200 and len(d["lines"]) == 1, (st, d)
    print("ok")


def ftp_retr(name):
    ftp = connect()
    try:
        return get(ftp, name)
    finally:
        ftp.quit()


def read_backwards():
    """A page opens a room at its end and walks back through the archives (issue 21): the
    lines, each once and in order, are the room's whole kept history as FTP serves it
    (`.lobby.txt.loft/history.txt`), at the offsets of SIZE and REST."""
    s = login()
    f = fernet_for("secret")
    # About 700 KB in 64 KiB appends: the room rotates (128 KiB, keeping 32 KiB), and
    # keeps 3 archives: more than one page of 256 KiB to walk back through.
    batch, n = [], 0
    for i in range(5000):
        batch.append(seal(f, "chat", f"message {i} " + "x" * (i % 90)))
        if len(batch) == 200 or i == 4999:
            ftp = connect()
            put(ftp, "lobby.txt", b"".join(batch), cmd="APPE")
            ftp.quit()
            n += len(batch)
            batch = []
    ftp = connect()
    size = ftp.size("lobby.txt")
    archives = sorted(ftp.nlst(".lobby.txt.loft"))
    ftp.quit()
    archives = [a.rsplit("/", 1)[-1] for a in archives if a.rsplit("/", 1)[-1][:1].isdigit()]
    assert len(archives) == 3, archives
    oldest = int(archives[0].split("-")[0])
    assert oldest > 0, archives
    history = ftp_retr(".lobby.txt.loft/history.txt")

    # Forward reads say where the kept history starts too.
    st, _, d = request("GET", f"/api/log?room=lobby&from={size}", session=s)
    assert st == 200 and d == {"from": size, "next": size, "lines": [], "first": oldest}, (st, d)

    lines, before, pages = [], size, 0
    while True:
        st, _, d = request("GET", f"/api/log?room=lobby&before={before}", session=s)
        assert st == 200, (st, d)
        assert d["first"] == oldest and d["next"] == before, (before, d["from"], d["next"], d["first"])
        got = "".join(line + "\n" for line in d["lines"]).encode()
        assert d["from"] + len(got) == before, (before, d["from"], len(got))
        assert len(got) <= 256 * 1024, len(got)
        # The same bytes at the same offsets as REST + RETR of the room.
        if pages == 1:
            ftp = connect()
            ftp.size("lobby.txt")
            tail = get(ftp, "lobby.txt", rest=d["from"])
            ftp.quit()
            assert tail.startswith(got), "a page is not what REST + RETR reads from its offset"
        lines = d["lines"] + lines
        pages += 1
        before = d["from"]
        if d["from"] == d["first"]:
            break
    assert pages >= 2, pages
    assert "".join(line + "\n" for line in lines).encode() == history, "walking back is not the kept history"
    assert len(lines) == len(set(lines)), "a line came twice"
    assert unseal(f, lines[-1]).endswith("message 4999 " + "x" * (4999 % 90)), lines[-1]

    # At the start: nothing before it; inside a line: that line is left out; past the end:
    # as the end.
    for b in (oldest, oldest - 1, 0, oldest + 10):
        st, _, d = request("GET", f"/api/log?room=lobby&before={b}", session=s)
        assert st == 200 and d == {"from": oldest, "next": oldest, "lines": [], "first": oldest}, (b, st, d)
    last = lines[-1]
    st, _, d = request("GET", f"/api/log?room=lobby&before={size - 5}", session=s)
    assert d["next"] == size - len(last) - 1 and d["lines"][-1] == lines[-2], (d["next"], size)
    st, _, d = request("GET", f"/api/log?room=lobby&before={size * 2}", session=s)
    assert d["next"] == size and d["lines"][-1] == last, d["next"]
    # A room not created yet.
    st, _, d = request("GET", "/api/log?room=nothing-yet&before=100", session=s)
    assert st == 200 and d == {"from": 0, "next": 0, "lines": [], "first": 0}, (st, d)

    # Bad requests.
    for q, why in (("before=abc", "whole number"), ("before=-1", "whole number"), (f"before={size}&from=0", "one of them"),
                   (f"before={size}&wait=5", "one of them")):
        st, _, d = request("GET", f"/api/log?room=lobby&{q}", session=s)
        assert st == 400 and why in d["error"], (q, st, d)
    print("ok")


def file_starts_room():
    """The first thing shared in a new room may be a file (issue 21): stored, then its
    announcement creates the room. A read-only user, a name that is not a room, a bad
    file are still refused, and a refused one leaves nothing."""
    s = login()
    f = fernet_for("secret")
    body = seal(f, "chat", "not really a file chunk, but token-shaped")
    fid = "0123456789abcdef0123456789abcdef"
    st, _, d = request("GET", "/api/log?room=fresh", session=s)
    assert st == 200 and d["lines"] == [] and ftp_size("fresh.txt") is None, (st, d)
    st, _, d = request("PUT", f"/api/files?room=fresh&id={fid}", body, session=s, ctype="application/octet-stream")
    assert st == 201 and d == {"id": fid, "bytes": len(body)}, (st, d)
    st, _, got = request("GET", f"/api/files?room=fresh&id={fid}", session=s)
    assert st == 200 and got.encode() == body, (st, got)
    assert ftp_retr(f".fresh.txt.files/{fid}.lff") == body
    assert ftp_size("fresh.txt") is None, "the file alone does not make the room"
    # The announcement creates the room.
    note = seal(f, "chat", f"file loft-file:{fid}?name=a.bin").decode().strip()
    st, _, d = request("POST", "/api/append?room=fresh", note + "\n", session=s, ctype="text/plain")
    assert st == 200 and d["written"] == 1, (st, d)
    assert ftp_size("fresh.txt") == len(note) + 1
    st, _, d = request("GET", "/api/rooms", session=s)
    assert any(r["room"] == "fresh" for r in d["rooms"]), d

    # Still refused: a read-only user, a name that does not match chat.rooms, a folder
    # that does not exist, a file that is not token lines (and then nothing is left).
    r = login("reader", "reader-pass")
    other = "fedcba9876543210fedcba9876543210"
    st, _, d = request("PUT", f"/api/files?room=newer&id={other}", body, session=r)
    assert st == 403 and "read-only" in d["error"], (st, d)
    st, _, d = request("PUT", f"/api/files?room=notes.dat&id={other}", body, session=s)
    assert st == 404 and "not a chat room" in d["error"], (st, d)
    st, _, d = request("PUT", f"/api/files?room=no-folder/room&id={other}", body, session=s)
    assert st == 404, (st, d)
    st, _, d = request("PUT", f"/api/files?room=newer&id={other}", b"hello\n", session=s)
    assert st == 422 and d["line"] == 1, (st, d)
    ftp = connect()
    names = ftp.nlst()
    ftp.quit()
    assert not any("newer" in n or "notes" in n for n in names), names
    print("ok")


if __name__ == "__main__":
    {
        "bad_input": bad_input,
        "shared_rooms": shared_rooms,
        "busy": busy,
        "rights_follow_reload": rights_follow_reload,
        "proxied": proxied,
        "read_backwards": read_backwards,
        "file_starts_room": file_starts_room,
    }[sys.argv[1]]()
