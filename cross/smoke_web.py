#!/usr/bin/env python3
"""The web half of cross/smoke.sh: the chat page and its API on a running `loft serve`.

    smoke_web.py HOST PORT USER PASSWORD CAFILE FIXTURE.json

Fetches the page over HTTPS (certificate checked against CAFILE), logs in to the API,
appends a real Fernet token (from the FTPChat fixture) to a room and reads it back.
Exits 0 only if every step did what the browser client needs.
"""

import http.client
import json
import ssl
import sys


def fail(msg):
    print(f"smoke: FAIL: web: {msg}", flush=True)
    sys.exit(1)


def main():
    if len(sys.argv) != 7:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    host, port, user, password, cafile, fixture = sys.argv[1:]
    token = json.load(open(fixture))["tokens"][0]["token"]
    ctx = ssl.create_default_context(cafile=cafile)

    def call(method, path, body=None, session=None, ctype="application/json"):
        c = http.client.HTTPSConnection(host, int(port), context=ctx, timeout=60)
        headers = {"Content-Type": ctype}
        if session:
            headers["Authorization"] = f"Bearer {session}"
        c.request(method, path, body=body, headers=headers)
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, dict(r.getheaders()), data

    status, headers, page = call("GET", "/")
    csp = {k.lower(): v for k, v in headers.items()}.get("content-security-policy", "")
    if status != 200 or b'<script type="module"' not in page or "script-src 'self'" not in csp:
        fail(f"the page: {status} {csp!r} {page[:80]!r}")
    print("smoke: web: page ok", flush=True)
    status, _, data = call("POST", "/api/login", json.dumps({"user": user, "password": password}))
    if status != 200:
        fail(f"login: {status} {data[:200]!r}")
    session = json.loads(data)["session"]
    status, _, data = call("POST", "/api/append?room=web", token + "\n", session, "text/plain")
    if status != 200:
        fail(f"append: {status} {data[:200]!r}")
    status, _, data = call("GET", "/api/log?room=web&from=0", None, session)
    if status != 200 or json.loads(data)["lines"] != [token]:
        fail(f"read back: {status} {data[:200]!r}")
    print("smoke: web: login, append and read back ok", flush=True)


if __name__ == "__main__":
    main()
