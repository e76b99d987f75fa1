"""web_client: connections over the caps cost the relay next to nothing (issue 19.2).

Run by tests/it/web_client.rs against a `loft serve` child (pid in argv[1]) whose open-file
limit is 192 (so its total cap is fitted down to 32 sessions) and with
limits.max_per_ip = 4. From 127.0.0.2, the flooder:

- holds 4 connections that send nothing (its share of slots, in their TLS handshake);
- opens 400 more and keeps every one of them open on its side: each is closed by the
  relay at once, or (a few) answered with a 503 first; none is held for a handshake;
- meanwhile a real FTPChat-style client on 127.0.0.1 logs in and appends, and the page
  logs in: neither front door is starved of file descriptors;
- the relay's memory grows by a few hundred KB at most, not 400 times a handshake's.

Prints the figures.
"""
import http.client
import json
import os
import socket
import ssl
import sys
import time
from prelude import PASSWORD, VECTORS, connect, put

PID = int(sys.argv[1])
WEB_PORT = int(os.environ["WEB_PORT"])
CERT = os.environ["FTP_CERT"]
FLOOD = 400


def rss_kib():
    for line in open(f"/proc/{PID}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])


def open_fds():
    return len(os.listdir(f"/proc/{PID}/fd"))


def page_login():
    ctx = ssl.create_default_context(cafile=CERT)
    c = http.client.HTTPSConnection("127.0.0.1", WEB_PORT, context=ctx, timeout=20)
    body = json.dumps({"user": "chat", "password": PASSWORD})
    c.request("POST", "/api/login", body=body, headers={"Content-Type": "application/json"})
    r = c.getresponse()
    r.read()
    c.close()
    return r.status


def outcome(s, within):
    """'closed' (EOF or reset), '503' (answered, after a TLS handshake) or 'open'."""
    s.settimeout(within)
    try:
        raw = s.recv(1)
    except socket.timeout:
        return "open"
    except OSError:
        return "closed"
    return "closed" if not raw else "data"


time.sleep(0.5)
rss_start, fds_start = rss_kib(), open_fds()

# Its share: 4 connections that finish TLS and then send nothing. (Connections that
# never start TLS would hold their slots only for the relay's 10 s handshake timeout,
# and the flood below can take longer than that on a busy machine; after TLS a
# connection is held for the 30 s the relay waits for a request's headers.)
def held_connection():
    ctx = ssl.create_default_context(cafile=CERT)
    raw = socket.create_connection(("127.0.0.1", WEB_PORT), timeout=10, source_address=("127.0.0.2", 0))
    return ctx.wrap_socket(raw, server_hostname="127.0.0.1")


held = [held_connection() for _ in range(4)]
held_at = time.time()
time.sleep(0.3)

# The flood: plain connects (what a flooder sends first is a TCP SYN, then maybe a
# ClientHello); every socket stays open on this side.
flood, t = [], time.time()
for i in range(FLOOD):
    s = socket.create_connection(("127.0.0.1", WEB_PORT), timeout=10, source_address=("127.0.0.2", 0))
    if i % 2 == 0:
        # Half of them start TLS: a courtesy 503, or a close.
        ctx = ssl.create_default_context(cafile=CERT)
        try:
            s = ctx.wrap_socket(s, server_hostname="127.0.0.1")  # (s is gone if this fails)
            s.sendall(b"GET /api/rooms HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            head = s.recv(4096)
            assert head.startswith(b"HTTP/1.1 503") and b"max_per_ip" in head, head[:300]
            flood.append(("503", s))
            continue
        except (ssl.SSLError, ConnectionResetError, BrokenPipeError, ssl.SSLEOFError):
            flood.append(("closed", None))  # the relay closed it during the handshake
            continue
    flood.append(("", s))
took = time.time() - t
assert time.time() - held_at < 30, f"the flood took {took:.1f} s: the 4 held connections may have timed out"

# Every flood connection is ended by the relay within a few seconds: none waits out a
# 10 s handshake timeout holding a descriptor.
counts = {"closed": 0, "503": 0, "open": 0, "data": 0}
deadline = time.time() + 5
for kind, s in flood:
    if kind:
        counts[kind] += 1
        continue
    counts[outcome(s, max(0.05, deadline - time.time()))] += 1
assert counts["open"] == 0 and counts["data"] == 0, counts
fds_flood = open_fds()

# The front doors work for everyone else, with the flood still open on this side.
f = connect(source="127.0.0.1")
token = VECTORS["tokens"][0]["token"].encode() + b"\n"
assert put(f, "room.txt", token, cmd="APPE").startswith("226")
f.quit()
status = page_login()
assert status == 200, status

rss_end = rss_kib()
grew = rss_end - rss_start
assert grew < 8 * 1024, f"RSS grew {grew} KiB for {FLOOD} connections over the caps"
assert fds_flood < fds_start + 40, (fds_start, fds_flood)
for _, s in flood:
    if s:
        s.close()
for s in held:
    s.close()
print(
    f"ok: {FLOOD} connections over the caps in {took:.1f} s: {counts['closed']} closed at once, "
    f"{counts['503']} answered 503; open files {fds_start} -> {fds_flood}; RSS {rss_start} -> {rss_end} KiB"
)
