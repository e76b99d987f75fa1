"""serve_limits::total_cap_answers_421: run by tests/it/serve_limits.rs against a real `loft serve`."""
from prelude import *  # noqa: F403

a = connect(source="127.0.0.1")
b = connect(source="127.0.0.2")
s = socket.create_connection((HOST, PORT), timeout=10, source_address=("127.0.0.3", 0))
reply = s.makefile("rb").readline().decode()
assert reply.startswith("421"), reply
a.quit(); b.quit()
