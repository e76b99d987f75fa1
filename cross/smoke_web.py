#!/usr/bin/env python3
"""The web half of cross/smoke.sh: the chat page and its API on a running `loft serve`.

    smoke_web.py HOST PORT USER PASSWORD CAFILE FIXTURE.json

Over HTTPS with the certificate checked against CAFILE (host name included): GET / must
be the chat page (200, a Content-Security-Policy header, a module script); POST
/api/login gives a session; POST /api/append?room=web.txt appends a real Fernet token
(from the FTPChat fixture); GET /api/log?room=web.txt returns it; and the room the FTP
client wrote (smoke.txt, by smoke_client.py) reads back through the API too. Exits 0
only if all of that worked; prints each step, and the reason on failure.
"""

import gzip
import http.client
import json
import ssl
import sys


def fail(msg):
    print(f"smoke: web: FAIL: {msg}", flush=True)
    sys.exit(1)


def main():
    if len(sys.argv) != 7:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    host, port, user, password, cafile, fixture = sys.argv[1:]
    tokens = [t["token"] for t in json.load(open(fixture))["tokens"]]
    ctx = ssl.create_default_context(cafile=cafile)  # verifies chain and host name

    def request(method, path, body=None, session=None):
        conn = http.client.HTTPSConnection(host, int(port), context=ctx, timeout=60)
        headers = {"Accept-Encoding": "gzip"}  # as browsers do; the page is kept gzipped
        if body is not None:
            headers["Content-Type"] = "application/json" if isinstance(body, dict) else "text/plain"
            body = json.dumps(body).encode() if isinstance(body, dict) else body.encode()
        if session:
            headers["Authorization"] = f"Bearer {session}"
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        if resp.getheader("Content-Encoding") == "gzip":
            data = gzip.decompress(data)
        version = conn.sock.version() if conn.sock else "?"
        conn.close()
        return resp, data, version

    resp, page, version = request("GET", "/")
    if resp.status != 200:
        fail(f"GET / -> {resp.status} {resp.reason}")
    if not resp.getheader("Content-Security-Policy"):
        fail("GET / has no Content-Security-Policy header")
    if b'<script type="module"' not in page:
        fail(f"GET / is not the chat page (no module script): {page[:200]!r}")
    print(f"smoke: web: GET / over {version}: 200, {len(page)} bytes, CSP, module script", flush=True)

    resp, data, _ = request("POST", "/api/login", {"user": user, "password": password})
    if resp.status != 200:
        fail(f"POST /api/login -> {resp.status}: {data[:200]!r}")
    session = json.loads(data).get("session")
    if not session:
        fail(f"POST /api/login gave no session: {data[:200]!r}")
    print("smoke: web: POST /api/login: 200, session", flush=True)

    token = tokens[2]
    resp, data, _ = request("POST", "/api/append?room=web.txt", token + "\n", session)
    if resp.status != 200:
        fail(f"POST /api/append -> {resp.status}: {data[:200]!r}")
    print(f"smoke: web: POST /api/append: {json.loads(data)}", flush=True)

    resp, data, _ = request("GET", "/api/log?room=web.txt&from=0", session=session)
    if resp.status != 200:
        fail(f"GET /api/log -> {resp.status}: {data[:200]!r}")
    lines = json.loads(data).get("lines")
    if lines != [token]:
        fail(f"GET /api/log?room=web.txt returned {lines!r}, expected the appended token")
    print("smoke: web: GET /api/log: the appended token", flush=True)

    resp, data, _ = request("GET", "/api/log?room=smoke.txt&from=0", session=session)
    lines = json.loads(data).get("lines") if resp.status == 200 else None
    if lines != tokens[:2]:
        fail(f"GET /api/log?room=smoke.txt -> {resp.status} {lines!r}, expected the FTP client's two tokens")
    print("smoke: web: GET /api/log of the room written over FTP: both tokens", flush=True)

    request("POST", "/api/logout", session=session)
    print("smoke: web: OK", flush=True)


if __name__ == "__main__":
    try:
        main()
    except SystemExit:
        raise
    except Exception as e:  # any protocol or TLS error is a failed smoke test
        fail(f"{type(e).__name__}: {e}")
