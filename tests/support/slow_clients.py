"""Helpers of tests/it/serve_slow_clients.rs's scripts."""
from prelude import *  # noqa: F403

TOKENS = [t["token"].encode() + b"\n" for t in VECTORS["tokens"]]

def others_append(line):
    g = connect()
    assert put(g, "room.txt", line, cmd="APPE").startswith("226")
    g.quit()

def expect_reply(f, code, within):
    t = time.time()
    f.sock.settimeout(within)
    try:
        r = f.getresp()
    except ftplib.all_errors as e:
        r = str(e)
    took = time.time() - t
    assert r.startswith(code), f"expected {code}, got {r!r} after {took:.1f} s"
    return r

def expect_closed(f, within):
    """The server ends the session: a 421 (timeout) then EOF, or just EOF."""
    return wait_closed(f.sock, within)
