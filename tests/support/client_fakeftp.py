#!/usr/bin/env python3
"""A small in-memory FTP server for the client tests: the parts of a Loft relay the client
relies on (logical offsets across rotation, SITE WAIT, SITE SEEN), or, with --generic, an
ordinary server that knows none of them.

Rooms live in memory as (base, live): `base` is the logical offset of the first live byte.
SIZE is base + len(live) and never goes down; with --flood, RETR goes on sending junk
lines after the data, like a hostile server; an append that makes `live` longer than
--rotate keeps the last --keep bytes, cut at a line boundary (the rest is "archived", i.e.
dropped). REST r + RETR returns live[r - base:], or all of live when r < base, up to the
size (like a Loft relay). Plain FTP only; AUTH is refused.

Prints "PORT <n>" on stdout when ready.
"""

import argparse
import socket
import socketserver
import threading
import time

ROOMS = {}
LOCK = threading.Condition()
SEEN = {}
ARGS = None


def size_of(name):
    base, live = ROOMS[name]
    return base + len(live)


def append(name, data):
    with LOCK:
        base, live = ROOMS.get(name, (0, b""))
        live += data
        if ARGS.rotate and len(live) > ARGS.rotate:
            cut = len(live) - ARGS.keep
            nl = live.find(b"\n", cut)
            if nl != -1 and nl + 1 < len(live):
                base += nl + 1
                live = live[nl + 1:]
        ROOMS[name] = (base, live)
        LOCK.notify_all()


class Handler(socketserver.StreamRequestHandler):
    def reply(self, text):
        self.wfile.write((text + "\r\n").encode())
        self.wfile.flush()

    def data_conn(self):
        conn, _ = self.pasv.accept()
        self.pasv.close()
        self.pasv = None
        return conn

    def handle(self):
        self.pasv = None
        self.rest = 0
        self.user = "?"
        self.reply("220 fake relay")
        for raw in self.rfile:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            cmd, _, arg = line.partition(" ")
            cmd = cmd.upper()
            if cmd == "USER":
                self.user = arg
                self.reply("331 password please")
            elif cmd == "PASS":
                self.reply("230 logged in")
            elif cmd in ("TYPE", "MODE", "STRU", "NOOP", "OPTS"):
                self.reply("200 ok")
            elif cmd == "AUTH":
                self.reply("502 no TLS here")
            elif cmd == "PWD":
                self.reply('257 "/"')
            elif cmd == "QUIT":
                self.reply("221 bye")
                return
            elif cmd in ("PASV", "EPSV"):
                s = socket.socket()
                s.bind(("127.0.0.1", 0))
                s.listen(1)
                self.pasv = s
                port = s.getsockname()[1]
                if cmd == "EPSV":
                    self.reply(f"229 Entering Extended Passive Mode (|||{port}|)")
                else:
                    self.reply(f"227 Entering Passive Mode (127,0,0,1,{port >> 8},{port & 255})")
            elif cmd == "REST":
                self.rest = int(arg)
                self.reply("350 restarting")
            elif cmd == "SIZE":
                with LOCK:
                    if arg in ROOMS:
                        self.reply(f"213 {size_of(arg)}")
                    else:
                        self.reply("550 no such file")
            elif cmd == "RETR":
                with LOCK:
                    found = arg in ROOMS
                    if found:
                        base, live = ROOMS[arg]
                        r = self.rest
                        chunk = live if r < base else live[r - base:]
                        if not ARGS.generic:
                            SEEN[(arg, self.user)] = (base + len(live), time.time())
                self.rest = 0
                if not found:
                    self.reply("550 no such file")
                    continue
                self.reply("150 sending")
                conn = self.data_conn()
                try:
                    conn.sendall(chunk)
                    # --flood: a hostile server that never stops sending.
                    junk = b"gAAAAAB" + b"x" * 120 + b"\n"
                    sent = 0
                    while sent < ARGS.flood:
                        conn.sendall(junk * 512)
                        sent += len(junk) * 512
                except OSError:
                    pass
                conn.close()
                self.reply("226 done")
            elif cmd == "APPE":
                self.rest = 0
                self.reply("150 go ahead")
                conn = self.data_conn()
                buf = b""
                while True:
                    b = conn.recv(65536)
                    if not b:
                        break
                    buf += b
                conn.close()
                append(arg, buf)
                self.reply("226 appended")
            elif cmd == "NLST":
                self.reply("150 listing")
                conn = self.data_conn()
                with LOCK:
                    conn.sendall("".join(n + "\r\n" for n in ROOMS).encode())
                conn.close()
                self.reply("226 done")
            elif cmd == "SITE" and not ARGS.generic:
                sub, _, rest = arg.partition(" ")
                sub = sub.upper()
                parts = rest.split()
                if sub == "WAIT" and len(parts) >= 2:
                    name, offset = parts[0], int(parts[1])
                    secs = min(int(parts[2]) if len(parts) > 2 else 30, 60)
                    deadline = time.time() + secs
                    with LOCK:
                        while (ROOMS.get(name) is None or size_of(name) <= offset) and time.time() < deadline:
                            LOCK.wait(deadline - time.time())
                        now = size_of(name) if name in ROOMS else 0
                    self.reply(f"213 {now}")
                elif sub == "SEEN" and parts:
                    rows = [f" {u} {o} {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(t))}"
                            for (room, u), (o, t) in sorted(SEEN.items()) if room == parts[0]]
                    self.reply("\r\n".join(["211-seen"] + rows + ["211 end"]))
                else:
                    self.reply("501 bad SITE arguments")
            elif cmd == "SITE":
                self.reply("502 Unknown SITE command")
            else:
                self.reply("502 not implemented")


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    global ARGS
    p = argparse.ArgumentParser()
    p.add_argument("--generic", action="store_true", help="no SITE WAIT/SEEN")
    p.add_argument("--rotate", type=int, default=0)
    p.add_argument("--keep", type=int, default=0)
    p.add_argument("--flood", type=int, default=0, help="after a RETR's data, send this many bytes of junk lines")
    ARGS = p.parse_args()
    srv = Server(("127.0.0.1", 0), Handler)
    print(f"PORT {srv.server_address[1]}", flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
