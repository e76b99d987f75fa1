"""serve_ftplib::paths_cannot_escape_the_home: run by tests/it/serve_ftplib.rs against a real `loft serve`."""
from prelude import *  # noqa: F403

f = connect(user="alice", password="alice-pw")
assert f.pwd() == "/"
for p in ["../secret.bin", "/../secret.bin", "../../../../etc/passwd", "/etc/passwd", "link.bin", "etc/passwd", "sub/../../secret.bin"]:
    try:
        data = get(f, p)
    except ftplib.all_errors as e:
        assert str(e)[:1] in "45", e
    else:
        raise AssertionError(f"{p} gave {data[:40]!r}")
for d in ["..", "../..", "/..", "etc"]:
    try:
        f.cwd(d)
    except ftplib.all_errors:
        pass
    assert f.pwd() in ("/", "/etc") and "secret.bin" not in f.nlst(), (d, f.pwd(), f.nlst())
    f.cwd("/")
try:
    put(f, "../escaped.bin", b"x")
except ftplib.all_errors:
    pass
assert not os.path.exists(os.path.join(ROOT, "escaped.bin"))
f.quit()
