"""Invites through the HTTP API of a real `loft serve`, and the accounts they make over FTP.

Run by tests/it/web_invites.rs with a scenario and its arguments (links `loft invite`
printed). Exits non-zero with an assertion message when something is off; prints `ok`.
"""

import ftplib
import os
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "web_client"))
from api import login, request  # noqa: E402
from prelude import connect, expect_error, fernet_for, get, put, seal, unseal  # noqa: E402

PW = "a-long-password"


def token_of(link):
    frag = link.split("#", 1)[1]
    return dict(p.split("=", 1) for p in frag.split("&"))["invite"]


def redeem(token, user, password=PW):
    return request("POST", "/api/invites/redeem", {"invite": token, "user": user, "password": password})


def cli_invite(link):
    """The link of `loft invite --room lobby --uses 2`: its statuses, and the accounts it makes."""
    token = token_of(link)
    st, _, d = request("POST", "/api/invites/info", {"invite": token})
    assert st == 200 and d["by"] == "the relay's admin" and d["room"] == "lobby" and d["uses_left"] == 2, (st, d)
    # Bad names and passwords: 422, nothing spent.
    st, _, d = redeem(token, "a b")
    assert st == 422 and "user name" in d["error"], (st, d)
    st, _, d = redeem(token, "ann", "short")
    assert st == 422 and "8 characters" in d["error"], (st, d)
    # A name taken: 409.
    st, _, d = redeem(token, "chat")
    assert st == 409 and "taken" in d["error"], (st, d)
    # Made: answers as /api/login, and the session works at once.
    st, _, d = redeem(token, "ann")
    assert st == 200 and d["user"] == "ann" and d["room"] == "lobby" and d["read_only"] is False, (st, d)
    st, _, rooms = request("GET", "/api/rooms", session=d["session"])
    # Invited accounts do not invite others unless the admin allows it.
    assert st == 200 and rooms["user"] == "ann" and rooms["may_invite"] is False, (st, rooms)
    # The account works over FTP, TLS or not, as FTPChat uses it.
    fer = fernet_for("secret")
    for tls in (False, True):
        f = connect("ann", PW, tls=tls)
        put(f, "lobby.txt", (seal(fer, "ann", f"hello tls={tls}")), cmd="APPE")
        f.quit()
    f = connect("chat")
    lines = get(f, "lobby.txt").decode().split()
    f.quit()
    assert [unseal(fer, x) for x in lines][-1].endswith("ann: hello tls=True"), lines
    st, _, d = redeem(token, "bo")
    assert st == 200, (st, d)
    # Used up: 410, the same text as a token that never existed or a malformed one.
    st, _, used = redeem(token, "cy")
    assert st == 410, (st, used)
    for t in ["A" * 22, "not a token", ""]:
        st, _, d = redeem(t, "cy")
        assert st == 410 and d == used, (t, st, d)
    st, _, d = request("POST", "/api/invites/info", {"invite": token})
    assert st == 410 and d == used, (st, d)
    print("ok")


def page_invites():
    """Invites made in the page: rights, the link, the QR code; the last use raced for."""
    s = login()
    st, _, d = request("POST", "/api/invites", {"room": "lobby", "uses": 1}, session=s)
    assert st == 201, (st, d)
    assert d["link"].startswith(f"https://127.0.0.1:{os.environ['WEB_PORT']}/#invite="), d
    assert "&room=lobby" in d["link"] and d["qr_svg"].startswith("<svg"), d
    token = token_of(d["link"])
    # Ten people race for the one use: exactly one account.
    results = []

    def one(n):
        results.append(redeem(token, f"racer{n}")[0])

    ts = [threading.Thread(target=one, args=(n,)) for n in range(10)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert sorted(results) == [200] + [410] * 9, results
    # Bad requests.
    for body, want in [({"uses": 0}, 422), ({"uses": 21}, 422), ({"expires": "10s"}, 422),
                       ({"expires": "soon"}, 422), ({"room": "../x"}, 422), ({"nope": 1}, 400)]:
        st, _, d = request("POST", "/api/invites", body, session=s)
        assert st == want, (body, st, d)
    st, _, d = request("POST", "/api/invites", {}, session=None)
    assert st == 401, (st, d)
    # A read-only user may not invite (may_invite defaults to false for them).
    r = login("reader", "reader-pass")
    st, _, d = request("POST", "/api/invites", {}, session=r)
    assert st == 403 and "may not invite" in d["error"], (st, d)
    # A read-only invite makes a read-only account.
    st, _, d = request("POST", "/api/invites", {"read_only": True}, session=s)
    st, _, d = redeem(token_of(d["link"]), "watcher")
    assert st == 200 and d["read_only"] is True, (st, d)
    f = connect("watcher", PW)
    expect_error("550", put, f, "lobby.txt", b"x\n", cmd="APPE")
    f.quit()
    print("ok")


def per_person(user_a, user_b):
    """A personal account's rate limit counts per person, from any address; another
    person is not held back. (The shared account counts per address: serve_limits.)"""
    fer = fernet_for("secret")

    def send(user, source, n):
        f = connect(user, PW, source=source)
        try:
            put(f, "lobby.txt", (seal(fer, user, f"m{n}")), cmd="APPE")
        finally:
            f.quit()

    send(user_a, "127.0.0.1", 1)
    send(user_a, "127.0.0.2", 2)
    send(user_a, "127.0.0.3", 3)
    # Over the limit of 3 a minute, from a fourth address: refused all the same.
    f = connect(user_a, PW, source="127.0.0.4")
    expect_error("450", put, f, "lobby.txt", (seal(fer, user_a, "m4")), cmd="APPE")
    f.quit()
    send(user_b, "127.0.0.1", 1)
    # Receipts name the person: reading the room marks it read.
    f = connect(user_a, PW)
    get(f, "lobby.txt")
    listing = f.sendcmd("SITE SEEN lobby.txt").splitlines()[1:-1]
    f.quit()
    assert any(row.split()[0] == user_a for row in listing), listing
    print("ok")


def blocked(link):
    """Bad tokens count as failed logins: past the limit, even a good one waits."""
    for _ in range(3):
        st, _, d = redeem("guess" * 5, "cy")
        assert st == 410, (st, d)
    st, _, d = redeem(token_of(link), "cy")
    assert st == 429 and "try again later" in d["error"], (st, d)
    print("ok")


def ftp_reads(user, password, text):
    """The account a browser made works over FTP, and its message opens with the room key."""
    f = connect(user, password, tls=True)
    lines = get(f, "lobby.txt").split()
    f.quit()
    fer = fernet_for("secret")
    assert any(unseal(fer, x).endswith(f":{user}: {text}") for x in lines), [unseal(fer, x) for x in lines]
    print("ok")


def state_listing():
    """The record of who shared which file stays hidden in the room's state folder."""
    f = connect()
    names = f.nlst(".lobby.txt.loft")
    try:
        get(f, ".lobby.txt.loft/uploaders")
        raise AssertionError("uploaders was served")
    except ftplib.error_perm:
        pass
    f.quit()
    assert not any(n.endswith("uploaders") for n in names), names
    print("uploaders hidden")


def ftp_login(user, password):
    """The account logs in over FTP (and FTPS)."""
    for tls in (False, True):
        connect(user, password, tls=tls).quit()
    print("ok")


def redeem_link(link, user):
    st, _, d = redeem(token_of(link), user)
    print(st, d.get("error", ""))


if __name__ == "__main__":
    {
        "cli_invite": cli_invite,
        "page_invites": page_invites,
        "per_person": per_person,
        "blocked": blocked,
        "redeem": redeem_link,
        "ftp_reads": ftp_reads,
        "state_listing": state_listing,
        "ftp_login": ftp_login,
    }[sys.argv[1]](*sys.argv[2:])
