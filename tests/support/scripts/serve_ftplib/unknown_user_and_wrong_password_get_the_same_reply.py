"""serve_ftplib::unknown_user_and_wrong_password_get_the_same_reply: run by tests/it/serve_ftplib.rs against a real `loft serve`."""
from prelude import *  # noqa: F403

a = expect_error("530", connect, user="chat", password="wrong")
b = expect_error("530", connect, user="nobody", password="wrong")
assert a == b, (a, b)
