"""FTPChat sessions for bench/profile.sh: PORT MODE SESSIONS CERT.

Half are messages (connect, [AUTH TLS + PROT P], login, APPE one token line, QUIT), half are
polls (connect, [TLS], login, SIZE, REST + RETR of what is new, QUIT), alternating, one at a
time, as FTPChat clients make them. The tokens are sealed beforehand so the client's own
work stays out of the figures' way."""

import ftplib
import io
import os
import ssl
import sys
import zlib

from cryptography.fernet import Fernet

port, mode, sessions, cert = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
timeout = float(os.environ.get("SESSION_TIMEOUT", "30"))  # bench/router_cpu.sh: qemu's log is slow
fer = Fernet(Fernet.generate_key())
tokens = [fer.encrypt(zlib.compress(f"2026-12-02 10:00:ann: message {i}".encode())) + b"\n" for i in range(sessions // 2 + 1)]


def connect():
    if mode == "ftps":
        ctx = ssl.create_default_context(cafile=cert)
        ctx.check_hostname = False
        f = ftplib.FTP_TLS(context=ctx, timeout=timeout)
        f.connect("127.0.0.1", port)
        f.login("chat", "pw-for-profile")
        f.prot_p()
    else:
        f = ftplib.FTP(timeout=timeout)
        f.connect("127.0.0.1", port)
        f.login("chat", "pw-for-profile")
    return f


offset = 0
for i in range(sessions):
    f = connect()
    if i % 2 == 0:
        f.storbinary("APPE room.txt", io.BytesIO(tokens[i // 2]))
    else:
        size = f.size("room.txt")
        if size and size > offset:
            f.retrbinary("RETR room.txt", lambda b: None, rest=offset)
            offset = size
    f.quit()
