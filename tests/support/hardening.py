"""Holes an outside review found (issue 13), each tried against a real `loft serve`.

Run by tests/serve_hardening.rs as `python3 tests/support/hardening.py SCENARIO` with the
prelude's environment. A scenario exits non-zero with an assertion message on failure.
"""

import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from prelude import ROOT, connect, expect_error, fernet_for, get, put, room_file, seal  # noqa: E402


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


if __name__ == "__main__":
    socket.setdefaulttimeout(30)
    {
        "folders_with_rooms_stay_put": folders_with_rooms_stay_put,
        "room_names_ignore_case": room_names_ignore_case,
        "a_fifo_is_not_served": a_fifo_is_not_served,
        "parallel_guesses": parallel_guesses,
    }[sys.argv[1]]()
