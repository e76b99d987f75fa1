"""serve_slow_clients::a_download_nobody_reads_is_aborted: run by tests/it/serve_slow_clients.rs against a real `loft serve`."""
from prelude import *  # noqa: F403
from slow_clients import *  # noqa: F403

f = connect()
f.voidcmd("TYPE I")
conn = f.transfercmd("RETR big.bin")
conn.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
# Never read. Another client is served meanwhile.
others_append(TOKENS[0])
expect_reply(f, "426", 20)
conn.close()
f.voidcmd("NOOP")
f.quit()
