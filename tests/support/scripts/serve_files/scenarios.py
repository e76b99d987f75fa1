"""serve_files: the rules of a room's files folder, driven with ftplib and the HTTPS API.

Run by tests/it/serve_files.rs against a real `loft serve`, with the scenario as the
first argument (`rules`, `limits`, `parallel`, `off`, `web`) and `tls` or `plain` as the second.
Every refusal is checked to leave nothing behind on disk.
"""

import http.client
import ssl

from prelude import *  # noqa: F403
from cryptography.fernet import Fernet

SCENARIO = sys.argv[1]
TLS = len(sys.argv) > 2 and sys.argv[2] == "tls"
FILES = os.path.join(ROOT, ".lobby.txt.files")
CHUNK = 49152


def fid(n):
    return f"{n:032x}"


def body(data, key=None):
    """A shared file as docs/files.md describes it: chunks, one Fernet token a line."""
    f = Fernet(key or Fernet.generate_key())
    chunks = [data[i:i + CHUNK] for i in range(0, len(data), CHUNK)] or [b""]
    return b"".join(f.encrypt(c) + b"\n" for c in chunks)


def on_disk():
    return sorted(os.listdir(FILES)) if os.path.isdir(FILES) else []


def refused(code, f, name, data, **kw):
    before = on_disk()
    msg = expect_error(code, put, f, name, data, **kw)
    assert on_disk() == before, f"{name}: left behind {set(on_disk()) - set(before)}"
    return msg


def make_room(f):
    put(f, "lobby.txt", seal(fernet_for("secret"), "alice", "hello"), cmd="APPE")


if SCENARIO == "rules":
    f = connect(tls=TLS)
    make_room(f)
    good = body(os.urandom(100_000))
    path = f".lobby.txt.files/{fid(1)}.lff"
    msg = refused("553", f, path, b"a photo in the clear\n")
    assert "line 1" in msg, msg
    msg = refused("553", f, path, good + b"not a token\n")
    assert "line 4" in msg, msg
    msg = refused("553", f, path, good.rstrip(b"\n"))
    assert "newline" in msg, msg
    refused("553", f, ".lobby.txt.files/photo.jpg", good)
    refused("553", f, f".lobby.txt.files/{'AB' * 16}.lff", good)
    refused("550", f, path, good, cmd="APPE")
    refused("550", f, path, good, rest=10)
    # A whole, well-formed file goes in, under its own name, and reads back as sent.
    assert put(f, path, good).startswith("226")
    assert on_disk() == [f"{fid(1)}.lff"], on_disk()
    assert open(os.path.join(FILES, f"{fid(1)}.lff"), "rb").read() == good
    assert get(f, path) == good
    assert f.size(path) == len(good)
    # Write-once: no replacing, appending, deleting, renaming or moving in the folder.
    refused("550", f, path, body(b"other"))
    refused("550", f, path, good, cmd="APPE")
    expect_error("550", f.delete, path)
    expect_error("550", f.rename, path, f"{fid(2)}.lff")
    expect_error("550", f.rename, "lobby.txt", f".lobby.txt.files/{fid(3)}.lff")
    expect_error("550", f.mkd, ".lobby.txt.files/sub")
    expect_error("550", f.rmd, ".lobby.txt.files")
    refused("550", f, ".lobby.txt.files/sub/x.lff", good)
    # The same folder under another case is the same folder (FAT sticks).
    refused("550", f, f".LOBBY.TXT.files/{fid(1)}.lff", good)
    # Never listed, never a room.
    names = f.nlst()
    assert not any(".files" in n for n in names), names
    # Nor is what is inside it (issue 19.16): a file is fetched by the id its announcement
    # carries, not found by listing.
    assert os.listdir(FILES), "the test needs a stored file here"
    assert f.nlst(".lobby.txt.files") == [], f.nlst(".lobby.txt.files")
    lines = []
    f.retrlines("LIST .lobby.txt.files", lines.append)
    assert lines == [], lines
    assert get(f, f".lobby.txt.files/{fid(1)}.lff") == good
    expect_error("550", put, f, f".lobby.txt.files/{fid(4)}.txt", seal(fernet_for("secret"), "a", "b"), cmd="APPE")
    # A read-only user fetches files and cannot share one.
    v = connect(user="viewer", password="viewer-pw", tls=TLS)
    assert get(v, path) == good
    refused("550", v, f".lobby.txt.files/{fid(5)}.lff", good)
    v.quit()
    assert on_disk() == [f"{fid(1)}.lff"], on_disk()
    f.quit()
    print("ok")

elif SCENARIO == "limits":
    # The relay runs with max_file_bytes = 100000 and files_quota_bytes = 300000.
    f = connect(tls=TLS)
    make_room(f)
    msg = refused("552", f, f".lobby.txt.files/{fid(1)}.lff", body(os.urandom(150_000)))
    assert "max_file_bytes" in msg, msg
    # Exactly the limit fits (the estimate never refuses a file that fits).
    assert put(f, f".lobby.txt.files/{fid(2)}.lff", body(os.urandom(100_000))).startswith("226")
    assert put(f, f".lobby.txt.files/{fid(3)}.lff", body(os.urandom(90_000))).startswith("226")
    msg = refused("552", f, f".lobby.txt.files/{fid(4)}.lff", body(os.urandom(90_000)))
    assert "files_quota_bytes" in msg, msg
    # The connection is still good for a small one.
    assert put(f, f".lobby.txt.files/{fid(5)}.lff", body(b"small")).startswith("226")
    f.quit()
    print("ok")

elif SCENARIO == "parallel":
    # Issue 19.7: files_quota_bytes = 300000 and max_file_bytes = 100000; the user
    # "quota" has quota_bytes = 100000 and a home of its own. Uploads at the same time
    # share the limits as they go: none passes them together.
    f = connect(tls=TLS)
    make_room(f)
    f.quit()
    results = {}

    def upload(key, user, password, name, data):
        g = connect(user, password, tls=TLS)
        try:
            results[key] = put(g, name, data)
        except ftplib.error_perm as e:
            results[key] = str(e)
        g.quit()

    jobs = [(f"file{i}", "chat", PASSWORD, f".lobby.txt.files/{fid(10 + i)}.lff", body(os.urandom(90_000))) for i in range(8)]
    jobs += [(f"stor{i}", "quota", "quota-pw", f"big{i}.bin", os.urandom(60_000)) for i in range(4)]
    threads = [threading.Thread(target=upload, args=job) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stored = sum(os.path.getsize(os.path.join(FILES, n)) for n in on_disk())
    assert stored <= 300_000, f"the room's files take {stored} bytes, over files_quota_bytes"
    # Uploads that interleave may all be refused (each gives back what it took): what
    # matters is that together they never pass the limit.
    ok = [k for k, r in results.items() if k.startswith("file") and r.startswith("226")]
    assert len(ok) <= 2, results
    assert all("files_quota_bytes" in r for k, r in results.items() if k.startswith("file") and k not in ok), results
    assert not [n for n in on_disk() if n.startswith(".")], on_disk()
    home = os.path.join(ROOT, "quota")
    kept = sum(os.path.getsize(os.path.join(home, n)) for n in os.listdir(home))
    assert kept <= 100_000, f"the home holds {kept} bytes, over quota_bytes"
    ok = [k for k, r in results.items() if k.startswith("stor") and r.startswith("226")]
    assert len(ok) <= 1, results
    assert all(r.startswith("552") and "quota_bytes" in r for k, r in results.items() if k.startswith("stor") and k not in ok), results
    print("ok", stored, kept)

elif SCENARIO == "off":
    # max_file_bytes = 0: file sharing is off.
    f = connect(tls=TLS)
    make_room(f)
    msg = refused("550", f, f".lobby.txt.files/{fid(1)}.lff", body(b"x"))
    assert "off" in msg, msg
    f.quit()
    print("ok")

elif SCENARIO == "web":
    WEB_PORT = int(os.environ["WEB_PORT"])

    def request(method, path, data=None, session=None):
        c = http.client.HTTPSConnection("127.0.0.1", WEB_PORT, context=ssl.create_default_context(cafile=CERT), timeout=60)
        h = {"Authorization": f"Bearer {session}"} if session else {}
        if isinstance(data, dict):
            data = json.dumps(data).encode()
            h["Content-Type"] = "application/json"
        c.request(method, path, body=data, headers=h)
        r = c.getresponse()
        raw = r.read()
        c.close()
        return r.status, r.getheader("Content-Type") or "", raw

    def login(user, password):
        st, _, raw = request("POST", "/api/login", {"user": user, "password": password})
        assert st == 200, (st, raw)
        return json.loads(raw)["session"]

    f = connect()
    make_room(f)
    s = login("chat", PASSWORD)
    st, _, raw = request("GET", "/api/rooms", session=s)
    assert st == 200 and json.loads(raw)["max_file_bytes"] == 16 * 1024 * 1024, (st, raw)
    good = body(os.urandom(200_000))
    url = f"/api/files?room=lobby&id={fid(1)}"
    before = on_disk()
    st, _, raw = request("PUT", url, b"not a token\n", session=s)
    assert st == 422 and json.loads(raw)["line"] == 1, (st, raw)
    st, _, raw = request("PUT", "/api/files?room=lobby&id=XYZ", good, session=s)
    assert st == 400, (st, raw)
    st, _, raw = request("PUT", url, good, session=None)
    assert st == 401, (st, raw)
    # Not a room: a missing folder, a name that does not match chat.rooms. (A room not
    # created yet is fine: see web_client's file_starts_room.)
    for room in ("nope/room", "notes.dat"):
        st, _, raw = request("PUT", f"/api/files?room={room}&id={fid(1)}", good, session=s)
        assert st == 404, (room, st, raw)
    assert on_disk() == before, on_disk()
    st, _, raw = request("PUT", url, good, session=s)
    assert st == 201 and json.loads(raw) == {"id": fid(1), "bytes": len(good)}, (st, raw)
    st, _, raw = request("PUT", url, good, session=s)
    assert st == 409, (st, raw)
    st, ctype, raw = request("GET", url, session=s)
    assert st == 200 and raw == good and ctype == "application/octet-stream", (st, ctype, len(raw))
    st, _, raw = request("GET", f"/api/files?room=lobby&id={fid(2)}", session=s)
    assert st == 404, (st, raw)
    # What the web stored, FTP reads, and the other way round.
    assert get(f, f".lobby.txt.files/{fid(1)}.lff") == good
    other = body(b"from ftp")
    put(f, f".lobby.txt.files/{fid(3)}.lff", other)
    st, _, raw = request("GET", f"/api/files?room=lobby&id={fid(3)}", session=s)
    assert st == 200 and raw == other, (st, raw)
    # A read-only user fetches, and cannot share.
    v = login("viewer", "viewer-pw")
    st, _, raw = request("GET", url, session=v)
    assert st == 200 and raw == good, st
    st, _, raw = request("PUT", f"/api/files?room=lobby&id={fid(4)}", good, session=v)
    assert st == 403, (st, raw)
    f.quit()
    print("ok")

else:
    raise SystemExit(f"unknown scenario {SCENARIO}")
