"""serve_slow_clients::a_client_that_never_reads_its_replies_does_not_hold_its_slot: run by tests/it/serve_slow_clients.rs against a real `loft serve`."""
from prelude import *  # noqa: F403
from slow_clients import *  # noqa: F403

s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.bind(("127.0.0.5", 0))
s.connect((HOST, PORT))
s.settimeout(3)
try:
    # Replies pile up unread until the relay's writes block; then our sends block too.
    s.sendall(b"NOOP\r\n" * 1_000_000)
except socket.timeout:
    pass
# Another address is served meanwhile.
others_append(TOKENS[0])
# Within the idle timeout and a margin, the stuck session is gone and its slot free.
t = time.time()
while True:
    g = socket.create_connection((HOST, PORT), timeout=10, source_address=("127.0.0.5", 0))
    line = g.makefile("rb").readline()
    g.close()
    if line.startswith(b"220"):
        break
    assert line.startswith(b"421"), line
    assert time.time() - t < 20, "the session that never reads still holds its slot"
    time.sleep(0.5)
s.close()
