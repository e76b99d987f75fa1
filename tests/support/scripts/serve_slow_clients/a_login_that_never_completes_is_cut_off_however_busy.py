"""serve_slow_clients::a_login_that_never_completes_is_cut_off_however_busy: run by tests/it/serve_slow_clients.rs against a real `loft serve`."""
from prelude import *  # noqa: F403
from slow_clients import *  # noqa: F403

s = socket.create_connection((HOST, PORT), timeout=10)
fs = s.makefile("rb")
assert fs.readline().startswith(b"220")
g = connect()
t = time.time()
closed = None
while time.time() - t < 8:
    try:
        s.sendall(b"NOOP\r\n")
        line = fs.readline()
    except (BrokenPipeError, ConnectionResetError):
        line = b""
    if not line or line.startswith(b"421"):
        closed = time.time() - t
        break
    g.voidcmd("NOOP")
    time.sleep(1)
assert closed is not None and closed < 6, closed
g.voidcmd("NOOP")  # the logged-in one, as busy, is still there
others_append(TOKENS[0])
print("closed after", round(closed, 1))
