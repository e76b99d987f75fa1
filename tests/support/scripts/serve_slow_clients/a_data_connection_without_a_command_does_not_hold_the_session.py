"""serve_slow_clients::a_data_connection_without_a_command_does_not_hold_the_session: run by tests/it/serve_slow_clients.rs against a real `loft serve`."""
from prelude import *  # noqa: F403
from slow_clients import *  # noqa: F403

f = connect()
host, port = ftplib.parse227(f.sendcmd("PASV"))
conn = socket.create_connection((host, port), timeout=10)
# Connected to the data port; no RETR, no STOR, nothing on either connection.
others_append(TOKENS[0])
expect_closed(f, 15)
conn.close()
