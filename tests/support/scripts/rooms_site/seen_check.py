"""rooms_site::site_seen_reports_who_read_what_across_a_restart: what SITE SEEN lists; run by
tests/it/rooms_site.rs against a real `loft serve`."""
from prelude import *  # noqa: F403

f = connect()
size = f.size("room.txt")
resp = f.sendcmd("SITE SEEN room.txt")
lines = resp.splitlines()
assert lines[0].startswith("211-") and lines[-1].startswith("211 "), lines
rows = {l.split()[0]: l.split()[1:] for l in lines[1:-1]}
assert rows["chat"][0] == str(size), rows
assert rows["bob"][0] == str(size), rows
assert rows["chat"][1].endswith("Z"), rows
assert f.sendcmd("SITE SEEN room").splitlines()[1:-1] == lines[1:-1]
expect_error("550", f.sendcmd, "SITE SEEN nothere.jpg")
print("ok")
