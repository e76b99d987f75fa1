"""serve_limits::per_address_cap_answers_421_and_others_keep_working: run by tests/it/serve_limits.rs against a real `loft serve`."""
from prelude import *  # noqa: F403

a = connect(source="127.0.0.1")
b = connect(source="127.0.0.1")
s = socket.create_connection((HOST, PORT), timeout=10, source_address=("127.0.0.1", 0))
reply = s.makefile("rb").readline().decode()
assert reply.startswith("421"), reply
s.close()
# The two sessions still work, and another address is served.
put(a, "a.bin", b"a")
assert get(b, "a.bin") == b"a"
c = connect(source="127.0.0.3")
c.quit()
a.quit()
b.quit()
# Slots are freed when sessions end.
time.sleep(0.3)
d = connect(source="127.0.0.1")
d.quit()
