"""serve_slow_clients::a_tls_data_connection_that_never_handshakes_is_aborted: run by tests/it/serve_slow_clients.rs against a real `loft serve`."""
from prelude import *  # noqa: F403
from slow_clients import *  # noqa: F403

f = connect(tls=True)
f.voidcmd("TYPE I")
host, port = ftplib.parse227(f.sendcmd("PASV"))
conn = socket.create_connection((host, port), timeout=10)   # plain TCP: no ClientHello
f.putcmd("LIST")
others_append(TOKENS[0])
t = time.time()
f.sock.settimeout(15)
replies = []
try:
    while True:
        r = f.getresp()
        replies.append(r)
except ftplib.all_errors as e:
    replies.append(str(e))
assert any(x.startswith("426") for x in replies), replies
conn.close()
f.voidcmd("NOOP")
f.quit()
