"""web_client: shares a file in `lobby` over FTP exactly as docs/files.md "Shared files" says, as
another client (FTPChat-style, Python `cryptography`) would: a fresh Fernet key, 48 KiB
chunks one token a line, STOR into .lobby.txt.files/ID.lff, then one announcement message
APPEd to the room under the room key.  Arguments: PATH [NAME [CAPTION [bad-sha256]]];
with "bad-sha256" the announcement carries a wrong SHA-256 (a file readers must refuse)."""
from prelude import *  # noqa: F403
import hashlib
import secrets
import urllib.parse

from cryptography.fernet import Fernet

path = sys.argv[1]
name = sys.argv[2] if len(sys.argv) > 2 else os.path.basename(path)
caption = sys.argv[3] if len(sys.argv) > 3 else ""
bad = len(sys.argv) > 4 and sys.argv[4] == "bad-sha256"
data = open(path, "rb").read()
key = Fernet.generate_key()
fk = Fernet(key)
fid = secrets.token_hex(16)
chunks = [data[i:i + 49152] for i in range(0, len(data), 49152)] or [b""]
lff = b"".join(fk.encrypt(c) + b"\n" for c in chunks)

f = connect()
f.voidcmd("TYPE I")
put(f, f".lobby.txt.files/{fid}.lff", lff)
size = f"{len(data)} B" if len(data) < 1000 else f"{len(data) / 1000:.1f} KB"
ref = (f"loft-file:{fid}?name={urllib.parse.quote(name, safe='')}&size={len(data)}"
       f"&sha256={hashlib.sha256(data + (b'x' if bad else b'')).hexdigest()}&key={key.decode().rstrip('=')}")
text = f"📎 {name} ({size})" + (f" — {caption}" if caption else "") + " " + ref
put(f, "lobby.txt", seal(fernet_for("secret"), "ftpchat", text, when=time.strftime("%Y-%m-%d %H:%M")), cmd="APPE")
f.quit()
print(fid)
