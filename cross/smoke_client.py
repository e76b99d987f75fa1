#!/usr/bin/env python3
"""The client half of cross/smoke.sh: one FTPS session against a running `loft serve`.

    smoke_client.py HOST PORT USER PASSWORD CAFILE FIXTURE.json

Logs in over explicit TLS (AUTH TLS, certificate checked against CAFILE, host name
included), switches the data channel to TLS (PROT P), lists the root, appends two real
Fernet tokens (from the FTPChat fixture) to a room, and reads the room back from the
byte offset after the first one (REST + RETR). Exits 0 only if every step did what a
chat client needs; prints each step, and the reason on failure.
"""

import io
import json
import ssl
import sys
from ftplib import FTP_TLS, error_perm, error_temp


def fail(msg):
    print(f"smoke: FAIL: {msg}", flush=True)
    sys.exit(1)


def main():
    if len(sys.argv) != 7:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    host, port, user, password, cafile, fixture = sys.argv[1:]
    tokens = [t["token"] for t in json.load(open(fixture))["tokens"]]
    first, second = tokens[0] + "\n", tokens[1] + "\n"
    room = "smoke.txt"

    ctx = ssl.create_default_context(cafile=cafile)  # verifies chain and host name
    ftp = FTP_TLS(context=ctx, timeout=60)
    print("smoke: greeting:", ftp.connect(host, int(port)).strip(), flush=True)
    print("smoke: AUTH TLS:", ftp.auth().strip(), flush=True)
    cipher = ftp.sock.cipher()
    print(f"smoke: control channel {ftp.sock.version()} {cipher[0] if cipher else '?'}", flush=True)
    print("smoke: login:", ftp.login(user, password).strip(), flush=True)
    print("smoke: PROT P:", ftp.prot_p().strip(), flush=True)

    lines = []
    ftp.retrlines("LIST", lines.append)
    print(f"smoke: LIST over TLS: {len(lines)} entries", flush=True)

    ftp.storbinary(f"APPE {room}", io.BytesIO(first.encode()))
    ftp.storbinary(f"APPE {room}", io.BytesIO(second.encode()))
    ftp.voidcmd("TYPE I")
    size = ftp.size(room)
    want = len(first) + len(second)
    if size != want:
        fail(f"SIZE {room} = {size}, expected {want} after two appends")
    print(f"smoke: APPE x2 -> SIZE {size}", flush=True)

    lines = []
    ftp.retrlines("LIST", lines.append)
    if not any(l.rstrip().endswith(room) for l in lines):
        fail(f"{room} not in the listing after APPE: {lines}")

    got = bytearray()
    ftp.retrbinary(f"RETR {room}", got.extend, rest=len(first))
    if got.decode() != second:
        fail(f"REST {len(first)} + RETR returned {bytes(got)!r}, expected the second token line")
    print(f"smoke: REST {len(first)} + RETR -> {len(got)} bytes, the second token", flush=True)

    got = bytearray()
    ftp.retrbinary(f"RETR {room}", got.extend)
    if got.decode() != first + second:
        fail(f"RETR returned {bytes(got)!r}, expected both token lines")

    # A line that is not a Fernet token must be refused by the room (chat.validate).
    try:
        ftp.storbinary(f"APPE {room}", io.BytesIO(b"not a token\n"))
    except (error_perm, error_temp) as e:
        print(f"smoke: non-token APPE refused: {str(e).strip()}", flush=True)
    else:
        fail("the relay accepted a line that is not a Fernet token")
    if ftp.size(room) != want:
        fail("the refused APPE changed the room")

    ftp.quit()
    print("smoke: OK", flush=True)


if __name__ == "__main__":
    try:
        main()
    except SystemExit:
        raise
    except Exception as e:  # any protocol or TLS error is a failed smoke test
        fail(f"{type(e).__name__}: {e}")
