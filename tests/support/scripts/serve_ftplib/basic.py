"""serve_ftplib: LIST, STOR, APPE, SIZE, REST + RETR, DELE over plain FTP (`plain`) or FTPS
(`tls`); run by tests/it/serve_ftplib.rs against a real `loft serve`."""
from prelude import *  # noqa: F403

TLS = sys.argv[1] == "tls"
f = connect(tls=TLS)
put(f, "notes.bin", b"0123456789")
assert "notes.bin" in f.nlst(), f.nlst()
lines = []
f.retrlines("LIST", lines.append)
assert any("notes.bin" in l and " 10 " in l for l in lines), lines
put(f, "notes.bin", b"abc", cmd="APPE")
assert f.size("notes.bin") == 13
assert get(f, "notes.bin") == b"0123456789abc"
assert get(f, "notes.bin", rest=10) == b"abc"
f.mkd("sub")
f.cwd("sub")
put(f, "deep.bin", b"x")
f.cwd("/")
assert get(f, "sub/deep.bin") == b"x"
f.delete("notes.bin")
assert "notes.bin" not in f.nlst()
expect_error("550", f.size, "notes.bin")
f.quit()
print("ok")
