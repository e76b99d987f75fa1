#!/usr/bin/env python3
"""What a connection costs the relay in memory: the figures behind docs/hardening.md's
"connections a 128 MB router holds".

Starts `loft serve` (the binary given; use a release build, as a router runs) with
max_connections and max_per_ip at 1000, then for each kind of connection opens N of them
from loopback, holds them, and prints the relay's RSS growth per connection (VmRSS of
/proc/PID/status, after a settle), then closes them and prints the RSS left over:

  ftp-idle     logged-in FTP sessions (plain), as an FTPChat poll holds one
  ftps-idle    the same over explicit FTPS (AUTH TLS, PROT P)
  web-idle     HTTPS keep-alive connections that made one request (GET /api/rooms)
  web-login    HTTPS connections that logged in (a session each) and stay open
  over-cap     connections over the caps (max_per_ip = 4 for this run), held open by
               the client: closed by the relay at once

usage: bench/connections.py LOFT_BINARY [N]     (default N = 200)
Needs nothing beyond Python's standard library.
"""
import ftplib, http.client, json, os, shutil, socket, ssl, subprocess, sys, tempfile, time

PASSWORD = "correct-horse"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class Relay:
    def __init__(self, loft, per_ip):
        self.dir = tempfile.mkdtemp(prefix="loft-conn-")
        self.config = os.path.join(self.dir, "loft.toml")
        subprocess.run(
            [loft, "init", "--root", os.path.join(self.dir, "root"), "-c", self.config, "--listen", "127.0.0.1:0",
             "--password-stdin", "--tls-name", "127.0.0.1"],
            input=PASSWORD + "\n", text=True, check=True, capture_output=True)
        first = 61000 + (os.getpid() % 60) * 60
        text = open(self.config).read()
        text = text.replace('ports = "50000-50100"', f'ports = "{first}-{first + 59}"')
        text = text.replace("[limits]\n", f"[limits]\nmax_connections = 1000\nmax_per_ip = {per_ip}\n", 1)
        open(self.config, "w").write(text)
        self.cert = os.path.join(self.dir, "loft.crt")
        self.port, self.web = free_port(), free_port()
        self.proc = subprocess.Popen(
            [loft, "serve", "-c", self.config, "--listen", f"127.0.0.1:{self.port}", "--web-listen",
             f"127.0.0.1:{self.web}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            env=dict(os.environ, RUST_LOG="error"))
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                socket.create_connection(("127.0.0.1", self.web), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        time.sleep(0.5)

    def rss(self):
        time.sleep(0.5)
        for line in open(f"/proc/{self.proc.pid}/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1])

    def ctx(self):
        return ssl.create_default_context(cafile=self.cert)

    def stop(self):
        self.proc.kill()
        self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def ftp(r, tls):
    f = ftplib.FTP_TLS(context=r.ctx(), timeout=30) if tls else ftplib.FTP(timeout=30)
    f.connect("127.0.0.1", r.port)
    f.login("chat", PASSWORD)
    if tls:
        f.prot_p()
    return f


def web(r, login):
    c = http.client.HTTPSConnection("127.0.0.1", r.web, context=r.ctx(), timeout=30)
    if login:
        c.request("POST", "/api/login", body=json.dumps({"user": "chat", "password": PASSWORD}),
                  headers={"Content-Type": "application/json"})
    else:
        c.request("GET", "/api/rooms")
    c.getresponse().read()
    return c


def over_cap(r):
    return socket.create_connection(("127.0.0.1", r.web), timeout=10)


def measure(r, name, n, open_one):
    before = r.rss()
    held, t = [], time.time()
    for _ in range(n):
        held.append(open_one())
    took = time.time() - t
    during = r.rss()
    for h in held:
        h.close()
    after = r.rss()
    per = (during - before) / n
    print(f"{name:10} {n:5} {before:9} {during:9} {after:9} {per:9.1f} {took:7.2f}")
    return per


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    loft, n = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 200
    print(f"{'kind':10} {'n':>5} {'RSS KiB':>9} {'held':>9} {'closed':>9} {'KiB/conn':>9} {'open s':>7}")
    kinds = {
        "ftp-idle": lambda r: ftp(r, False),
        "ftps-idle": lambda r: ftp(r, True),
        "web-idle": lambda r: web(r, False),
        "web-login": lambda r: web(r, True),
    }
    figures = {}
    for name, open_one in kinds.items():
        # A fresh relay each: memory freed by one kind would be reused by the next.
        r = Relay(loft, 1000)
        try:
            start = r.rss()
            figures[name] = measure(r, name, n, lambda: open_one(r))
        finally:
            r.stop()
    r = Relay(loft, 4)
    try:
        share = [over_cap(r) for _ in range(4)]  # the address's slots, taken
        measure(r, "over-cap", n * 5, lambda: over_cap(r))
        for s in share:
            s.close()
    finally:
        r.stop()
    worst = max(figures.values())
    print(f"\nidle relay: {start} KiB; the costliest connection: {worst:.0f} KiB")
    for mib in (16, 32):
        print(f"{mib} MiB for connections holds about {int(mib * 1024 / worst)} of the costliest kind")


if __name__ == "__main__":
    main()
