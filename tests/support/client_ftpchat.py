#!/usr/bin/env python3
"""A tiny FTPChat v1.7 implementation in Python, the reference Loft must interoperate with.

It uses the same primitives FTPChat does (PBKDF2-HMAC-SHA256 via hashlib, zlib, and
`cryptography`'s Fernet) so that the tests compare Loft against an independent
implementation, not against itself.

    client_ftpchat.py key PASSWORD                    -> Fernet key
    client_ftpchat.py seal PASSWORD PLAINTEXT         -> one token
    client_ftpchat.py open PASSWORD < tokens          -> one JSON string (or null) per line
    client_ftpchat.py send --port P --user U --room R --name N TEXT...   (ftplib APPE)
    client_ftpchat.py dump --port P --user U --room R                    (ftplib RETR, JSON lines)

Passwords for `send`/`dump` come from $FTP_PASSWORD and $ROOM_KEY.
"""

import argparse
import base64
import datetime
import ftplib
import hashlib
import io
import json
import os
import ssl
import sys
import zlib

from cryptography.fernet import Fernet, InvalidToken

SALT = b"q6334#Q0q8294%E$(#$%^&^%$#@!#%^YHB>$W#CX>E"


def key(password):
    raw = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), SALT, 100000, 32)
    return base64.urlsafe_b64encode(raw)


def seal(f, plaintext):
    return f.encrypt(zlib.compress(plaintext.encode("utf-8"))).decode("ascii")


def open_token(f, token):
    try:
        return zlib.decompress(f.decrypt(token.strip().encode("ascii"))).decode("utf-8")
    except (InvalidToken, zlib.error, UnicodeError, ValueError):
        return None


def compose(name, text):
    ts = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    return f"{ts}:{name}: {text}".rstrip()


def connect(a):
    if a.tls:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        ftp = ftplib.FTP_TLS(context=ctx)
    else:
        ftp = ftplib.FTP()
    ftp.connect(a.host, a.port, timeout=20)
    ftp.login(a.user, os.environ.get("FTP_PASSWORD", ""))
    if a.tls:
        ftp.prot_p()
    return ftp


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    k = sub.add_parser("key")
    k.add_argument("password")
    s = sub.add_parser("seal")
    s.add_argument("password")
    s.add_argument("plaintext")
    o = sub.add_parser("open")
    o.add_argument("password")
    for name in ("send", "dump"):
        c = sub.add_parser(name)
        c.add_argument("--host", default="127.0.0.1")
        c.add_argument("--port", type=int, required=True)
        c.add_argument("--user", required=True)
        c.add_argument("--room", required=True)
        c.add_argument("--tls", action="store_true")
        if name == "send":
            c.add_argument("--name", required=True)
            c.add_argument("--raw", action="store_true", help="append TEXT lines as they are")
            c.add_argument("text", nargs="+")
    a = p.parse_args()

    if a.cmd == "key":
        print(key(a.password).decode("ascii"))
    elif a.cmd == "seal":
        print(seal(Fernet(key(a.password)), a.plaintext))
    elif a.cmd == "open":
        f = Fernet(key(a.password))
        for line in sys.stdin:
            if line.strip():
                print(json.dumps(open_token(f, line)))
    elif a.cmd == "send":
        f = Fernet(key(os.environ.get("ROOM_KEY", "")))
        ftp = connect(a)
        for text in a.text:
            line = text if a.raw else seal(f, compose(a.name, text))
            ftp.storbinary(f"APPE {a.room}.txt", io.BytesIO((line + "\n").encode("utf-8")))
        ftp.quit()
    elif a.cmd == "dump":
        f = Fernet(key(os.environ.get("ROOM_KEY", "")))
        ftp = connect(a)
        buf = io.BytesIO()
        ftp.retrbinary(f"RETR {a.room}.txt", buf.write)
        ftp.quit()
        for line in buf.getvalue().decode("utf-8", "replace").splitlines():
            if line.strip():
                print(json.dumps(open_token(f, line)))


if __name__ == "__main__":
    main()
