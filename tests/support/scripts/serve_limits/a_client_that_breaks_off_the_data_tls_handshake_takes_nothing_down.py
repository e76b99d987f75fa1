"""serve_limits::a_client_that_breaks_off_the_data_tls_handshake_takes_nothing_down: run by tests/it/serve_limits.rs against a real `loft serve`."""
from prelude import *  # noqa: F403

f = connect(tls=True)
f.sendcmd("TYPE I")
host, port = ftplib.parse227(f.sendcmd("PASV"))
f.putcmd("RETR nothing.bin")
s = socket.create_connection((host, port), timeout=10)
s.sendall(b"\x16\x03\x01\x00\x05hello")   # a broken ClientHello, then hang up
s.close()
try:
    f.getresp()
except ftplib.all_errors:
    pass
f.close()
# The relay still serves.
g = connect(tls=True)
put(g, "after.bin", b"fine")
assert get(g, "after.bin") == b"fine"
g.quit()
