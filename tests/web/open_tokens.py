"""Opens FTPChat tokens with Python's `cryptography` (the library FTPChat itself uses), so
the web codec's tokens are checked against an independent implementation.

stdin: JSON {"key": "<fernet key>", "tokens": ["gAAAA…", …]}
stdout: JSON {"plaintexts": ["…", …]} (Fernet-decrypted, then zlib-decompressed, UTF-8)
"""
import json
import sys
import zlib

from cryptography.fernet import Fernet

req = json.load(sys.stdin)
f = Fernet(req["key"].encode())
out = [zlib.decompress(f.decrypt(t.encode())).decode("utf-8") for t in req["tokens"]]
json.dump({"plaintexts": out}, sys.stdout)
