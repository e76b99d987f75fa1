"""serve_slow_clients::auth_tls_without_a_handshake_does_not_hold_the_session: run by tests/it/serve_slow_clients.rs against a real `loft serve`."""
from prelude import *  # noqa: F403
from slow_clients import *  # noqa: F403

s = socket.create_connection((HOST, PORT), timeout=10)
fs = s.makefile("rb")
assert fs.readline().startswith(b"220")
s.sendall(b"AUTH TLS\r\n")
assert fs.readline().startswith(b"234")
# No ClientHello, ever.
others_append(TOKENS[0])
wait_closed(s, 15)
