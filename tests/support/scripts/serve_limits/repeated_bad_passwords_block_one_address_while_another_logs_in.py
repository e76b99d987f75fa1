"""serve_limits::repeated_bad_passwords_block_one_address_while_another_logs_in: run by tests/it/serve_limits.rs against a real `loft serve`."""
from prelude import *  # noqa: F403

for i in range(3):
    expect_error("530", connect, password="wrong", source="127.0.0.1")
# Blocked now, even with the right password.
expect_error("530", connect, source="127.0.0.1")
# Another address is not blocked.
f = connect(source="127.0.0.2")
put(f, "ok.bin", b"x")
f.quit()
