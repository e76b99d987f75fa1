"""files: the put side and the get side of loftfile.py against each other, with no
server: round trips (empty, 1 byte, 49152, 49153, several chunks, a non-ASCII name), and
the rejections of docs/files.md step 5 (tampered token, dropped last line, missing final
newline, wrong size or SHA-256, wrong key), plus the announcement and room formats.

    python3 tests/support/scripts/files/offline_selftest.py     (no environment needed)"""
import base64
import hashlib
import json
import os
import sys
import zlib

from cryptography.fernet import Fernet

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from loftfile import (CHUNK, SALT, ITERATIONS, FileError, announcement, decrypt_file,  # noqa: E402
                      encrypt_file, file_path, files_dir, human_size, new_id, new_key,
                      parse_message, parse_reference, read_room, room_fernet, room_key, room_path, seal)

checks = 0
NL = b"\n"


def check(cond, what):
    global checks
    assert cond, what
    checks += 1


def rejects(fn, needle, what):
    global checks
    try:
        fn()
    except FileError as e:
        assert needle in str(e), f"{what}: rejected, but with {e!r} (wanted {needle!r})"
        checks += 1
        return
    raise AssertionError(f"{what}: accepted")


def share(data, name="f.bin", caption=None):
    """The put side: what put_file.py uploads and announces."""
    key, fid = new_key(), new_id()
    return encrypt_file(data, key), announcement(fid, name, data, key, caption), fid, key


def fetch(body, text):
    """The get side: what get_file.py does with the announcement text and the body."""
    ref = parse_reference(text)
    assert ref is not None, f"no reference in {text!r}"
    return decrypt_file(body, ref["key"], ref["size"], ref["sha256"]), ref


# 1. keys and ids
for _ in range(20):
    k, i = new_key(), new_id()
    check(len(k) == 44 and k.endswith(b"=") and len(base64.urlsafe_b64decode(k)) == 32, f"key {k!r}")
    check(len(i) == 32 and all(c in "0123456789abcdef" for c in i), f"id {i!r}")
    Fernet(k)

# 2. round trips, with the chunk counts step 2 asks for
sizes = {0: 1, 1: 1, CHUNK - 1: 1, CHUNK: 1, CHUNK + 1: 2, 3 * CHUNK: 3, 3 * CHUNK + 7: 4, 1_000_000: 21}
for size, chunks in sizes.items():
    data = os.urandom(size)
    body, text, fid, key = share(data)
    check(body.endswith(b"\n") and body.count(b"\n") == chunks, f"{size} bytes: {body.count(NL)} lines, want {chunks}")
    lens = [len(Fernet(key).decrypt(l)) for l in body.split(b"\n")[:-1]]
    check(lens == [min(CHUNK, size - i * CHUNK) for i in range(chunks)] or (size == 0 and lens == [0]), f"{size}: chunk lengths {lens}")
    got, ref = fetch(body, text)
    check(got == data, f"{size} bytes: round trip differs")
    check(ref["id"] == fid and ref["size"] == size and ref["sha256"] == hashlib.sha256(data).hexdigest(), f"{size}: ref {ref}")
    check(ref["key"] == key, "key back with its =")
    # no compression: the token's plaintext is the chunk itself
    if size:
        check(Fernet(key).decrypt(body.split(b"\n")[0]) == data[:CHUNK], "chunk not compressed")

# readers take chunks of any size, in order
data = os.urandom(100_000)
key = new_key()
body = encrypt_file(data, key, chunk=777)
check(decrypt_file(body, key, len(data), hashlib.sha256(data).hexdigest()) == data, "odd chunk sizes")
body = b"".join(Fernet(key).encrypt(data[a:b]) + b"\n" for a, b in [(0, 10), (10, 10), (10, 60000), (60000, 100000)])
check(decrypt_file(body, key, len(data), hashlib.sha256(data).hexdigest()) == data, "uneven chunks incl. an empty one")

# 3. rejections (step 5)
data = os.urandom(CHUNK + 1)
body, text, fid, key = share(data)
lines = body.split(b"\n")[:-1]
# a tampered token: one character of the ciphertext changed
t = bytearray(lines[0])
t[40] = ord("A") if t[40] != ord("A") else ord("B")
rejects(lambda: fetch(bytes(t) + b"\n" + lines[1] + b"\n", text), "does not decrypt", "tampered token")
# a tampered last token
t = bytearray(lines[1])
t[-10] = ord("A") if t[-10] != ord("A") else ord("B")
rejects(lambda: fetch(lines[0] + b"\n" + bytes(t) + b"\n", text), "does not decrypt", "tampered last token")
# the last line dropped
rejects(lambda: fetch(lines[0] + b"\n", text), "size mismatch", "dropped last line")
# the first line dropped (same size? no: the last chunk is 1 byte)
rejects(lambda: fetch(lines[1] + b"\n", text), "size mismatch", "dropped first line")
# the lines swapped: the size matches, the hash does not
body2, text2, _, key2 = share(os.urandom(2 * CHUNK))
l2 = body2.split(b"\n")[:-1]
rejects(lambda: fetch(l2[1] + b"\n" + l2[0] + b"\n", text2), "SHA-256 mismatch", "swapped chunks")
# the final newline missing
rejects(lambda: fetch(body[:-1], text), "newline", "missing final newline")
rejects(lambda: fetch(share(b"")[0][:-1], share(b"")[1]), "newline", "empty file, missing newline")
# CRLF, an empty line in the middle, an empty body, a body with junk
rejects(lambda: fetch(body.replace(b"\n", b"\r\n"), text), "not a Fernet token", "CRLF")
rejects(lambda: fetch(lines[0] + b"\n\n" + lines[1] + b"\n", text), "not a Fernet token", "empty line")
rejects(lambda: fetch(b"", text), "empty", "empty body")
# the wrong key, a wrong size or hash in the announcement
other = text.replace(key.decode().rstrip("="), new_key().decode().rstrip("="))
rejects(lambda: fetch(body, other), "does not decrypt", "wrong key")
rejects(lambda: fetch(body, text.replace(f"size={len(data)}", f"size={len(data) + 1}")), "size mismatch", "size")
h = hashlib.sha256(data).hexdigest()
rejects(lambda: fetch(body, text.replace(h, ("0" if h[0] != "0" else "1") + h[1:])), "SHA-256 mismatch", "hash")
# an empty file announced with a wrong hash
eb, et, _, _ = share(b"")
check(fetch(eb, et)[0] == b"", "empty round trip")
rejects(lambda: fetch(eb, et.replace("size=0", "size=1")), "size mismatch", "empty with size 1")

# 4. the announcement text (step 4)
data = b"hello"
body, text, fid, key = share(data, "été photo+1 (1).jpg", "for the album — see you")
check(text.startswith("\U0001F4CE été photo+1 (1).jpg (5 B) \u2014 for the album — see you loft-file:"), text)
ref = text.split()[-1]
check(ref == f"loft-file:{fid}?name=%C3%A9t%C3%A9%20photo%2B1%20%281%29.jpg&size=5"
      f"&sha256={hashlib.sha256(data).hexdigest()}&key={key.decode()[:-1]}", ref)
check(fetch(body, text)[1]["name"] == "été photo+1 (1).jpg", "name decodes")
check(parse_reference(share(b"x", "a-b_c.d~e")[1])["name"] == "a-b_c.d~e", "unreserved")
check("name=a-b_c.d~e&" in share(b"x", "a-b_c.d~e")[1], "unreserved kept as is")
# parameters in any order, unknown ones ignored
q = ref.split("?", 1)[1].split("&")
shuffled = f"x loft-file:{fid}?" + "&".join(reversed(q + ["v=2", "thumb=abc"]))
check(fetch(body, shuffled)[0] == data, "any order, unknown ignored")
# not an announcement: no reference as the last word
check(parse_reference("hello") is None and parse_reference("") is None, "plain text")
check(parse_reference(text + " thanks") is None, "reference not the last word")
rejects(lambda: parse_reference("loft-file:../lobby?name=a&size=1&sha256=" + "0" * 64 + "&key=" + "A" * 43), "bad id", "path in id")
rejects(lambda: parse_reference(f"loft-file:{fid}?name=a&size=1&key=" + "A" * 43), "lacks `sha256`", "no hash")
rejects(lambda: parse_reference(f"loft-file:{fid}?name=a&size=-1&sha256={'0' * 64}&key=" + "A" * 43), "bad size", "neg size")
rejects(lambda: parse_reference(f"loft-file:{fid}?name=a&size=1&sha256={'0' * 64}&key=" + "A" * 44), "bad key", "long key")
check(human_size(0) == "0 B" and human_size(2_100_000) == "2.1 MB" and human_size(49152) == "49.2 kB", "human sizes")

# 5. where (step 3)
check(room_path("lobby") == "lobby.txt" and room_path("lobby.txt") == "lobby.txt", "room path")
check(files_dir("lobby") == ".lobby.txt.files", files_dir("lobby"))
check(files_dir("team/lobby.txt") == "team/.lobby.txt.files", files_dir("team/lobby.txt"))
check(file_path("lobby", "0" * 32) == ".lobby.txt.files/" + "0" * 32 + ".lff", "file path")

# 6. the room (FTPChat v1.7), against the shared vectors when they are here
vec_path = os.environ.get("VECTORS") or os.path.join(os.path.dirname(__file__), "../../../fixtures/ftpchat-v1.7.json")
if os.path.exists(vec_path):
    vec = json.load(open(vec_path))
    check(vec["salt"] == SALT and vec["iterations"] == ITERATIONS, "salt and iterations match the vectors")
rf = room_fernet("secret")
check(room_key("secret") == base64.urlsafe_b64encode(hashlib.pbkdf2_hmac("sha256", b"secret", SALT.encode(), 100000, 32)), "room key")
line = seal(rf, "py-interop", text, when="2026-11-29 10:00")
check(zlib.decompress(rf.decrypt(line.strip())).decode() == f"2026-11-29 10:00:py-interop: {text}", "sealed message")
check(parse_message("2026-11-29 10:00:chat: a: b") == ("2026-11-29 10:00", "chat", "a: b"), "message parse")
room = seal(rf, "a", "one") + line + seal(rf, "b", "two\nlines")
got = [(u, t) for _, _, u, t in read_room(room, rf)]
check(got == [("a", "one"), ("py-interop", text), ("b", "two\nlines")], got)
check(parse_reference(got[1][1])["id"] == fid, "announcement found in the room")
stranger = Fernet(Fernet.generate_key()).encrypt(zlib.compress(b"2026-11-29 10:00:x: y")) + b"\n"
rejects(lambda: list(read_room(room + stranger + seal(rf, "c", "after"), rf)), "line 4: does not decrypt", "foreign line")
rejects(lambda: list(read_room(room[:-1], rf)), "line 3: the room does not end with a newline", "torn room")
rejects(lambda: list(read_room(room + b"\n" + line, rf)), "line 4: empty line", "empty room line")
rejects(lambda: list(read_room(rf.encrypt(b"not zlib") + b"\n", rf)), "line 1: decrypts but is not zlib", "no zlib")
rejects(lambda: list(read_room(rf.encrypt(zlib.compress(b"no stamp")) + b"\n", rf)), "line 1: not `YYYY", "no stamp")
check(list(read_room(b"", rf)) == [], "empty room")
skipped = []
got = [u for _, _, u, _ in read_room(room + stranger + seal(rf, "c", "after"), rf, skip=skipped.append)]
check(got == ["a", "py-interop", "b", "c"] and len(skipped) == 1 and "line 4" in str(skipped[0]), (got, skipped))

print(f"offline_selftest: ok, {checks} checks")
