"""Holes an outside review found (issue 13), each tried against a real `loft serve`.

Run by tests/it/serve_hardening.rs (the harness's `script_args`) with the scenario as
its argument. A scenario exits non-zero with an assertion message on failure.
"""

import ftplib
import os
import socket
import ssl
import sys
import threading
import time

from prelude import CERT, HOST, PASSWORD, PORT, ROOT, connect, expect_error, fernet_for, get, put, room_file, seal  # noqa: E402


def folders_with_rooms_stay_put():
    """RNFR team / RNTO team2 would move a folder's rooms away (and MKD team start an
    empty one): with allow_delete off, a folder that holds rooms cannot be renamed."""
    f = connect()
    f.mkd("team")
    put(f, "team/dev.txt", seal(fernet_for("secret"), "alice", "history"), cmd="APPE")
    before = room_file("team/dev.txt")
    msg = expect_error("550", f.rename, "team", "team2")
    assert "folder with chat rooms" in msg, msg
    assert room_file("team/dev.txt") == before and not os.path.exists(os.path.join(ROOT, "team2"))
    # Nor can another folder be moved over it.
    f.mkd("other")
    expect_error("550", f.rename, "other", "team")
    # A folder without rooms moves as on any FTP server.
    f.mkd("photos")
    put(f, "photos/a.jpg", b"\xff\xd8 not really")
    f.rename("photos", "pictures")
    assert os.path.exists(os.path.join(ROOT, "pictures", "a.jpg"))
    f.quit()
    print("ok")


def room_names_ignore_case():
    """On FAT, LOBBY.TXT is lobby.txt: the room rules must hold under any case."""
    fer = fernet_for("secret")
    f = connect()
    put(f, "lobby.txt", seal(fer, "alice", "one"), cmd="APPE")
    before = room_file("lobby.txt")
    expect_error("550", f.delete, "LOBBY.TXT")
    # A STOR under another case is a room upload: validated, and merged, not truncating.
    expect_error("553", put, f, "LOBBY.TXT", b"junk that is not a token\n")
    assert room_file("lobby.txt") == before
    put(f, "Lobby.Txt", seal(fer, "bob", "two"))
    after = room_file("lobby.txt")
    assert after.startswith(before) and len(after.splitlines()) == 2, after
    # It is one room: one size, whatever the case asked.
    assert f.size("LOBBY.TXT") == f.size("lobby.txt") == len(after)
    names = f.nlst()
    assert "lobby.txt" in names and "LOBBY.TXT" not in names and "Lobby.Txt" not in names, names
    # The state folder is hidden under any case too.
    expect_error("550", put, f, ".LOBBY.TXT.LOFT/state", b"base 0\n")
    f.quit()
    print("ok")


def a_fifo_is_not_served():
    """RETR of a FIFO blocked forever and held a transfer slot through shutdown."""
    os.mkfifo(os.path.join(ROOT, "pipe.bin"))
    f = connect()
    f.sock.settimeout(10)
    t = time.time()
    msg = expect_error("550", get, f, "pipe.bin")
    assert "regular file" in msg, msg
    assert time.time() - t < 5
    # A room that is not a regular file is refused as well.
    os.mkfifo(os.path.join(ROOT, "fifo.txt"))
    expect_error("550", get, f, "fifo.txt")
    expect_error("55", put, f, "fifo.txt", seal(fernet_for("secret"), "a", "b"), cmd="APPE")
    # The session is still fine.
    assert f.size("pipe.bin") is not None or True
    f.voidcmd("NOOP")
    f.quit()
    print("ok")


def parallel_guesses():
    """16 parallel PASS from one address were all checked against a 5-attempt limit."""
    import threading

    results = []

    def guess(i):
        try:
            connect(password=f"guess-{i}")
            results.append("in")
        except Exception as e:  # noqa: BLE001 - any refusal is what we want
            results.append(str(e)[:3])

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert results.count("in") == 0 and len(results) == 16, results
    # Now blocked: even the right password is refused, without a password check.
    expect_error("530", connect)
    print("ok")


def uploads_stay_bounded():
    """REST far past the end made a 1 TiB sparse file; a failed STOR left a partial file;
    nothing bounded what one account could store."""
    f = connect()
    put(f, "a.bin", b"hello")
    msg = expect_error("550", put, f, "a.bin", b"!!", rest=1099511627776)
    assert "past the end" in msg, msg
    assert os.path.getsize(os.path.join(ROOT, "a.bin")) == 5
    put(f, "a.bin", b"!!", rest=5)
    assert room_file("a.bin") == b"hello!!"
    # Over limits.max_upload_bytes (1000 here): refused, and nothing left behind; an old
    # version stays as it was.
    msg = expect_error("552", put, f, "big.bin", b"x" * 5000)
    assert "max_upload_bytes" in msg, msg
    msg = expect_error("552", put, f, "a.bin", b"y" * 5000)
    assert room_file("a.bin") == b"hello!!"
    left = sorted(n for n in os.listdir(ROOT) if "big" in n or "part" in n)
    assert left == [], left
    f.quit()
    # A user with quota_bytes = 3000 (their own home).
    q = connect("quota", "quota-pass")
    put(q, "one.bin", b"1" * 900)
    put(q, "two.bin", b"2" * 900)
    put(q, "three.bin", b"3" * 900)
    msg = expect_error("552", put, q, "four.bin", b"4" * 900)
    assert "quota_bytes" in msg, msg
    assert "four.bin" not in q.nlst()
    # Replacing a file frees what it held.
    put(q, "one.bin", b"5" * 950)
    q.delete("two.bin")
    put(q, "four.bin", b"4" * 900)
    q.quit()
    print("ok")


def a_flood_cannot_erase_history():
    """69 APPEs of 500 token lines in 0.3 s pushed a room's first archive out: now fresh
    archives are never pruned, and the room's budget refuses appends instead; and the
    budget refused everyone for a week once full (issue 19.6): now the flooder stops at
    its share, and the others go on writing."""
    fer = fernet_for("secret")
    junk = fernet_for("attacker")
    f = connect()
    put(f, "lobby.txt", seal(fer, "alice", "the first message"), cmd="APPE")
    refused = []
    for n in range(690):
        batch = b"".join(seal(junk, "x", f"flood {n}-{i}") for i in range(40))
        try:
            put(f, "lobby.txt", batch, cmd="APPE")
        except Exception as e:  # noqa: BLE001
            refused.append(str(e))
            break
    assert refused and refused[0].startswith("452") and "max_room_bytes" in refused[0], refused[:1]
    assert "your share" in refused[0], refused[0]
    # Another member of the same (shared) account, at another address, still writes.
    g = connect(source="127.0.0.2")
    for i in range(5):
        assert put(g, "lobby.txt", seal(fer, "bob", f"still here {i}"), cmd="APPE").startswith("226")
    g.quit()
    state = os.path.join(ROOT, ".lobby.txt.loft")
    arch = sorted(n for n in os.listdir(state) if n.endswith(".txt"))
    assert len(arch) > 2, arch  # keep_archives = 2, but none is old enough to go
    first = open(os.path.join(state, arch[0]), "rb").read().splitlines()[0]
    from prelude import unseal
    assert unseal(fer, first).endswith("alice: the first message")
    # Whoever reads from the start still gets the first message.
    assert get(f, "lobby.txt", rest=1).startswith(first[1:])
    f.quit()
    print("ok")


def appends_are_rate_limited():
    """Per user at an address: max_messages_per_minute = 10 here."""
    fer = fernet_for("secret")
    f = connect()
    for i in range(10):
        put(f, "lobby.txt", seal(fer, "alice", f"m{i}"), cmd="APPE")
    before = room_file("lobby.txt")
    msg = expect_error("450", put, f, "lobby.txt", seal(fer, "alice", "one too many"), cmd="APPE")
    assert "max_messages_per_minute" in msg and "try again in" in msg, msg
    assert room_file("lobby.txt") == before
    # Another user has a budget of their own.
    g = connect("other", "other-pass")
    put(g, "lobby.txt", seal(fer, "bob", "hi"), cmd="APPE")
    g.quit()
    # And so has another member of the same (shared) account, at another address: one
    # member over the limit does not silence the group (issue 19.4).
    h = connect(source="127.0.0.2")
    for i in range(10):
        put(h, "lobby.txt", seal(fer, "carol", f"c{i}"), cmd="APPE")
    expect_error("450", put, h, "lobby.txt", seal(fer, "carol", "one too many"), cmd="APPE")
    h.quit()
    expect_error("450", put, f, "lobby.txt", seal(fer, "alice", "still too many"), cmd="APPE")
    f.quit()
    print("ok")


def parallel_merges_keep_the_rate_limit():
    """Issue 19.5: 32 whole-room STORs at once (the FTPChat fallback: the room's lines
    plus new ones), with max_messages_per_minute = 50 here, 10 of them used first. The
    limit counts the new lines in the room's writer, so together they add at most 40, and
    every merge adds all its new lines or none (without the fix all 32 x 5 = 160 passed)."""
    fer = fernet_for("secret")
    f = connect()
    old = b"".join(seal(fer, "alice", f"old {i}") for i in range(10))
    put(f, "merge.txt", old, cmd="APPE")
    f.quit()
    results = [None] * 32

    def merge(i):
        g = connect()
        new = b"".join(seal(fer, "bob", f"new {i}.{j}") for j in range(5))
        try:
            results[i] = put(g, "merge.txt", old + new)
        except ftplib.error_temp as e:
            results[i] = str(e)
        g.quit()

    threads = [threading.Thread(target=merge, args=(i,)) for i in range(32)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ok = [r for r in results if r.startswith("226")]
    refused = [r for r in results if r.startswith("450")]
    assert len(ok) + len(refused) == 32, results
    assert all("max_messages_per_minute" in r for r in refused), refused
    lines = room_file("merge.txt").splitlines()
    assert len(lines) == 10 + 5 * len(ok) <= 10 + 40, (len(lines), len(ok))
    assert len(ok) == 8, f"{len(ok)} merges passed; 8 fit in the 40 lines left"
    print("ok", len(ok), "of 32 merges passed")


def passive_port_intruder():
    """A connection to a session's passive port from another address broke that session's
    transfer without logging in: it must be dropped, and the real client served."""
    f = connect()
    put(f, "x.bin", b"hello from the relay")
    f.voidcmd("TYPE I")
    host, port = f.makepasv()
    intruder = socket.create_connection((host, port), source_address=("127.0.0.2", 0), timeout=5)
    time.sleep(0.3)
    conn = socket.create_connection((host, port), timeout=10)
    resp = f.sendcmd("RETR x.bin")
    assert resp.startswith("150"), resp
    data = b""
    while True:
        b = conn.recv(65536)
        if not b:
            break
        data += b
    conn.close()
    f.voidresp()
    assert data == b"hello from the relay", data
    intruder.settimeout(5)
    assert intruder.recv(100) == b"", "the intruder got data"
    intruder.close()
    f.quit()
    print("ok")


class ReusingFTP(ftplib.FTP_TLS):
    """ftplib as clients that resume the control connection's TLS session on data
    connections (curl, lftp, FileZilla) do; stock ftplib (and so FTPChat) does not."""

    def ntransfercmd(self, cmd, rest=None):
        conn, size = ftplib.FTP.ntransfercmd(self, cmd, rest)
        if self._prot_p:
            conn = self.context.wrap_socket(conn, server_hostname=self.host, session=self.sock.session)
        return conn, size


def tls12_context():
    # TLS 1.2 session ids can be resumed again and again; a TLS 1.3 ticket once.
    ctx = ssl.create_default_context(cafile=CERT)
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    return ctx


def session_reuse_required():
    """tls.require_session_reuse: a TLS data connection must resume its own control
    connection's session, so a stranger behind the same NAT (same address) cannot take a
    session's data connection, and a client that does not resume is refused."""
    fernet = fernet_for("secret")
    # A client that resumes: transfers work, again and again.
    f = ReusingFTP(context=tls12_context(), timeout=30)
    f.connect(HOST, PORT)
    f.login("chat", PASSWORD)
    f.prot_p()
    for i in range(3):
        put(f, "lobby.txt", seal(fernet, "alice", f"resumed {i}"), cmd="APPE")
    assert len(get(f, "lobby.txt").splitlines()) == 3
    # Stock ftplib (FTPChat) does not resume: its transfers are refused, the room unchanged.
    before = room_file("lobby.txt")
    g = connect(tls=True)
    try:
        put(g, "lobby.txt", seal(fernet, "bob", "fresh handshake"), cmd="APPE")
    except (*ftplib.all_errors, ssl.SSLError):
        pass
    else:
        raise AssertionError("a data connection without session reuse was served")
    assert room_file("lobby.txt") == before
    # A stranger from the same address takes the victim's passive port first, with a
    # TLS session of its own: it is refused, and writes nothing.
    h = ReusingFTP(context=tls12_context(), timeout=30)
    h.connect(HOST, PORT)
    h.login("chat", PASSWORD)
    h.prot_p()
    assert get(h, "lobby.txt") == before, "the stranger's own session works for itself"
    host, port = f.makepasv()
    raw = socket.create_connection((host, port), timeout=5)
    f.voidcmd("TYPE I")
    resp = f.sendcmd("APPE lobby.txt")
    assert resp.startswith("150"), resp
    try:
        s_ssl = h.context.wrap_socket(raw, server_hostname="127.0.0.1", session=h.sock.session)
        s_ssl.sendall(seal(fernet, "mallory", "injected"))
        s_ssl.close()
    except OSError:
        pass
    try:
        f.voidresp()
    except ftplib.all_errors as e:
        print("victim's transfer:", e)
    assert room_file("lobby.txt") == before, "the stranger's data reached the room"
    # The victim's session goes on.
    put(f, "lobby.txt", seal(fernet, "alice", "after"), cmd="APPE")
    assert room_file("lobby.txt") != before
    f.quit()
    print("ok")


def quiet_and_discreet():
    """HELP before login named the libunftp version; a SIZE of a room not created yet (how
    FTPChat asks, every 5 s) was a warning each time."""
    f = connect(login=False)
    text = f.sendcmd("HELP")
    assert "libunftp" not in text.lower() and "0.24" not in text, text
    f.login("chat", os.environ["FTP_PASSWORD"])
    for _ in range(3):
        expect_error("550", f.size, "nobody-wrote-here-yet.txt")
    f.quit()
    print("ok")


def tls_required_names_the_cause():
    """With tls.mode = "required", FTPChat (TLS, then plain FTP on a refused login) showed
    only the 534: it must say what else it may mean."""
    f = connect(login=False)
    msg = expect_error("534", f.login, "chat", "a wrong password")
    assert "check the user name and password" in msg, msg
    f.close()
    print("ok")


def control_characters_in_room_names():
    """Room names with ESC and BEL go through (they are the client's files), but the
    relay's log must not carry them raw (issue 19.12): the Rust side reads the log."""
    f = connect()
    token = seal(fernet_for("secret"), "alice", "hi").strip() + b"\n"
    # (A CR cannot come this way: libunftp ends a command at one, and the web API refuses
    # a room name with any control character.)
    for name in ["lob\x1b]0;pwned\x07by.txt", "x\x1b[2Jy.txt"]:
        put(f, name, token, cmd="APPE")
        assert get(f, name) == token, name
    f.quit()
    print("ok")


def renames_cannot_make_rooms():
    """With chat.rooms = ["rooms/*.txt"] and deletes allowed: no rename turns a file whose
    lines were never checked into a room (issue 19.13); renames of rooms and of other
    files still work."""
    f = connect()
    f.mkd("rooms")
    token = seal(fernet_for("secret"), "alice", "hi").strip() + b"\n"
    put(f, "rooms/lobby.txt", token, cmd="APPE")
    put(f, "notes.txt", b"not a token\n")
    f.mkd("stuff")
    put(f, "stuff/a.txt", b"not a token either\n")
    # A file renamed into a room's name, and a folder renamed so its files get one.
    expect_error("553", f.rename, "notes.txt", "rooms/new.txt")
    expect_error("553", f.rename, "stuff", "rooms")
    assert "new.txt" not in f.nlst("rooms") and get(f, "notes.txt") == b"not a token\n"
    # What makes no room still works: a room renamed (deletes allowed), other files moved.
    f.rename("rooms/lobby.txt", "rooms/hall.txt")
    assert get(f, "rooms/hall.txt") == token
    f.rename("stuff", "things")
    f.rename("notes.txt", "things/notes.txt")
    f.quit()
    print("ok")


if __name__ == "__main__":
    socket.setdefaulttimeout(30)
    {
        "folders_with_rooms_stay_put": folders_with_rooms_stay_put,
        "room_names_ignore_case": room_names_ignore_case,
        "a_fifo_is_not_served": a_fifo_is_not_served,
        "parallel_guesses": parallel_guesses,
        "uploads_stay_bounded": uploads_stay_bounded,
        "a_flood_cannot_erase_history": a_flood_cannot_erase_history,
        "appends_are_rate_limited": appends_are_rate_limited,
        "parallel_merges_keep_the_rate_limit": parallel_merges_keep_the_rate_limit,
        "passive_port_intruder": passive_port_intruder,
        "quiet_and_discreet": quiet_and_discreet,
        "tls_required_names_the_cause": tls_required_names_the_cause,
        "session_reuse_required": session_reuse_required,
        "control_characters_in_room_names": control_characters_in_room_names,
        "renames_cannot_make_rooms": renames_cannot_make_rooms,
    }[sys.argv[1]]()
