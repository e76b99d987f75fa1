"""serve_slow_clients::pasv_without_connecting_does_not_hold_the_session: run by tests/it/serve_slow_clients.rs against a real `loft serve`."""
from prelude import *  # noqa: F403
from slow_clients import *  # noqa: F403

f = connect()
f.sendcmd("PASV")
others_append(TOKENS[0])
expect_closed(f, 15)
