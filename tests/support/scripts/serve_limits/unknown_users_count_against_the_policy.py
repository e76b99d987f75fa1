"""serve_limits::unknown_users_count_against_the_policy: run by tests/it/serve_limits.rs against a real `loft serve`."""
from prelude import *  # noqa: F403

expect_error("530", connect, user="ghost1", password="x")
expect_error("530", connect, user="ghost2", password="x")
expect_error("530", connect)
