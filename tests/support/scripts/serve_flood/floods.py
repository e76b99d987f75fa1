"""serve_flood: floods from loopback against a real `loft serve` whose pid is argv[1];
run by tests/it/serve_flood.rs."""
from prelude import *  # noqa: F403

PID = int(sys.argv[1])
TOKENS = [t["token"].encode() + b"\n" for t in VECTORS["tokens"]]

def rss_kib():
    for l in open(f"/proc/{PID}/status"):
        if l.startswith("VmRSS:"):
            return int(l.split()[1])

def first_line(s):
    try:
        return s.makefile("rb").readline().decode(errors="replace")
    except OSError as e:
        return repr(e)

def legit_append(line):
    f = connect(source="127.0.0.1")
    assert put(f, "room.txt", line, cmd="APPE").startswith("226")
    f.quit()

rss_start = rss_kib()

# 1. 2000 connections in 20 waves of 100, from 5 addresses; each wave is held open
#    together, then closed. Per wave: at most 10 per address, at most 40 in all.
total_ok = total_refused = 0
for wave in range(20):
    socks = []
    for i in range(100):
        src = f"127.0.1.{i % 5 + 1}"
        s = socket.create_connection((HOST, PORT), timeout=10, source_address=(src, 0))
        socks.append((src, s))
    ok = {}
    for src, s in socks:
        l = first_line(s)
        if l.startswith("220"):
            ok[src] = ok.get(src, 0) + 1
        else:
            assert l.startswith("421") or l == "" or "Reset" in l, l
    n = sum(ok.values())
    assert n <= 40 and all(v <= 10 for v in ok.values()), (wave, ok)
    assert n > 0, wave
    total_ok += n
    total_refused += 100 - n
    for _, s in socks:
        s.close()
    # A real client between waves (its own address): served.
    time.sleep(0.2)
    if wave % 5 == 4:
        time.sleep(0.3)
        legit_append(TOKENS[wave % len(TOKENS)])
assert total_refused > 0

# 2. Half-open logins from one address (USER, no PASS) and connections that never send
#    a byte, held open: the per-address cap holds, and the real client gets in meanwhile.
time.sleep(0.5)
held = []
for i in range(300):
    s = socket.create_connection((HOST, PORT), timeout=10, source_address=("127.0.2.1", 0))
    if i % 2 == 0:
        s.sendall(b"USER chat\r\n")
    held.append(s)
greeted = sum(1 for s in held if first_line(s).startswith("220"))
assert greeted <= 10, greeted
legit_append(TOKENS[1])
# The idle timeout closes the held sessions (3 s here), which frees their slots.
deadline = time.time() + 20
for s in held:
    wait_closed(s, max(0.1, deadline - time.time()), "a half-open session (past the idle timeout)")
    s.close()

# 3. A command line that never ends: the relay hangs up instead of buffering it.
s = socket.create_connection((HOST, PORT), timeout=10)
assert first_line(s).startswith("220")
chunk = b"A" * 65536
sent = 0
try:
    while sent < 256 * 1024 * 1024:
        s.sendall(chunk)
        sent += len(chunk)
except OSError:
    pass
s.close()
assert sent < 256 * 1024 * 1024, "the relay read a 256 MiB command line"

# Memory after all that: bounded (debug build: a generous 64 MiB over the start).
time.sleep(0.5)
rss_end = rss_kib()
assert rss_end < rss_start + 64 * 1024, (rss_start, rss_end)

# And the relay still serves.
legit_append(TOKENS[2])
print("ok", total_ok, total_refused, rss_start, rss_end)
