"""web_client: clients that stall are cut (issue 19.1), with [web] body_timeout and
write_timeout at 1 s and limits.max_per_ip at 4 (the Rust side sets them).

- a login that announces a 4000-byte body and sends none gets 408, and its connection
  ends;
- a client that pipelines 3000 requests for the page and never reads is cut once a write
  makes no progress for write_timeout: it receives far less than it asked for, then EOF;
- the slots they held are free again: four new connections are served.
"""
import os
import socket
import ssl
import time

WEB_PORT = int(os.environ["WEB_PORT"])
CERT = os.environ["FTP_CERT"]


def tls():
    ctx = ssl.create_default_context(cafile=CERT)
    s = socket.create_connection(("127.0.0.1", WEB_PORT), timeout=20)
    return ctx.wrap_socket(s, server_hostname="127.0.0.1")


def read_all(s, cap):
    got = 0
    try:
        while got < cap:
            b = s.recv(65536)
            if not b:
                return got, True
            got += len(b)
    except (ConnectionResetError, ssl.SSLError, OSError):
        return got, True
    return got, False


# A body announced and never sent.
s = tls()
t = time.time()
s.sendall(b"POST /api/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n\r\n")
first = s.recv(4096)
took = time.time() - t
assert first.startswith(b"HTTP/1.1 408"), first[:200]
assert took < 8, f"the 408 took {took:.1f} s"
_, ended = read_all(s, 1 << 20)
assert ended, "the connection stayed open after the 408"

# Thousands of requests, never read.
s = tls()
one = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Encoding: gzip\r\n\r\n"
s.setblocking(False)
sent, want = 0, one * 3000
deadline = time.time() + 15
while sent < len(want) and time.time() < deadline:
    try:
        sent += s.send(want[sent : sent + 65536])
    except (ssl.SSLWantWriteError, BlockingIOError):
        time.sleep(0.05)
    except (ConnectionResetError, BrokenPipeError, ssl.SSLError, OSError):
        break
s.setblocking(True)
s.settimeout(20)
time.sleep(4)  # write_timeout (1 s) and then some, reading nothing
got, ended = read_all(s, 40 << 20)
assert ended and got < 40 << 20, f"not cut: read {got} bytes of about {3000 * 21_000} asked for"

# The slots are free: max_per_ip (4) new connections are all served.
held = []
for _ in range(4):
    c = tls()
    c.sendall(b"GET /api/rooms HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    head = c.recv(4096)
    assert head.startswith(b"HTTP/1.1 401"), head[:200]
    held.append(c)
for c in held:
    c.close()
print(f"ok: the pipeline got {got} bytes, then EOF")
