"""Shared files (docs/files.md "Shared files") with Python's `cryptography`, an implementation
independent of the page's files.js, for tests/web/files.test.mjs.

  python3 files_py.py open    stdin: JSON {"key", "lff" (the .lff text), "size", "sha256"}
                              stdout: JSON {"data": base64 of the checked original bytes}
  python3 files_py.py check   stdin: JSON {"key", "lff_path", "size", "sha256", "original"}
                              exits 0 when the .lff at lff_path decrypts to the file at
                              `original` (and its size and SHA-256 match), else says why
  python3 files_py.py make    stdin: JSON {"data": base64 of a file's bytes}
                              stdout: JSON {"key", "lff", "size", "sha256"} made per docs/files.md
"""
import base64
import hashlib
import json
import sys

from cryptography.fernet import Fernet

CHUNK = 49152
req = json.load(sys.stdin)
if sys.argv[1] in ("open", "check"):
    lff = req["lff"] if "lff" in req else open(req["lff_path"]).read()
    assert lff.endswith("\n"), "the last line does not end with a newline"
    f = Fernet(req["key"].encode())
    data = b"".join(f.decrypt(line.encode()) for line in lff[:-1].split("\n"))
    assert len(data) == req["size"], f"length {len(data)} != {req['size']}"
    assert hashlib.sha256(data).hexdigest() == req["sha256"], "sha256 differs"
    if sys.argv[1] == "check":
        assert data == open(req["original"], "rb").read(), "decrypts, but not to the original"
        print("ok")
    else:
        json.dump({"data": base64.b64encode(data).decode()}, sys.stdout)
elif sys.argv[1] == "make":
    data = base64.b64decode(req["data"])
    key = Fernet.generate_key()
    f = Fernet(key)
    chunks = [data[i:i + CHUNK] for i in range(0, len(data), CHUNK)] or [b""]
    lff = "".join(f.encrypt(c).decode() + "\n" for c in chunks)
    json.dump({"key": key.decode(), "lff": lff, "size": len(data),
               "sha256": hashlib.sha256(data).hexdigest()}, sys.stdout)
else:
    sys.exit(f"unknown mode {sys.argv[1]}")
