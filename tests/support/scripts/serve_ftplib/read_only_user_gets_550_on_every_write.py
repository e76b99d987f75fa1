"""serve_ftplib::read_only_user_gets_550_on_every_write: run by tests/it/serve_ftplib.rs against a real `loft serve`."""
from prelude import *  # noqa: F403

f = connect(user="viewer", password="viewer-pw", tls=sys.argv[1] == "tls")
assert get(f, "file.bin") == b"keep"
expect_error("550", put, f, "new.bin", b"x")
expect_error("550", put, f, "file.bin", b"x", cmd="APPE")
expect_error("550", put, f, "room.txt", b"x", cmd="APPE")
expect_error("550", f.delete, "file.bin")
expect_error("550", f.mkd, "newdir")
expect_error("550", f.rmd, "dir")
try:
    f.rename("file.bin", "moved.bin")
except ftplib.all_errors as e:
    assert str(e).startswith("550"), e
else:
    raise AssertionError("rename allowed")
f.quit()
