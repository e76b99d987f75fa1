#!/usr/bin/env python3
"""Crash trials: SIGKILL the relay at random moments while 16 FTPChat-style senders append,
restart it, and check what clients and the disk hold.

Run through bench/crash.sh (which builds the binary). Each trial is a fresh relay; half the
trials rotate the room small (chat.rotate_bytes = 2048, keep_bytes = 1024), so kills land
in the middle of rotations too, and half of their rounds also delete the room's state file
while the relay is down. A trial has two kill/restart rounds. After each restart:

  - every message acknowledged with 226 is in the room exactly once (archives + live);
  - no torn line: every line decrypts, the room ends with a newline;
  - the logical size (SIZE) == archived bytes + live bytes == state base + live bytes;
  - no leftover temporary files in the room's state folder.

Failures are reported per trial (with the mode), never stop the run; the exit status is 1
if any trial failed. Needs Python's `cryptography`.

usage: crash.py LOFT_BINARY [TRIALS] [--seed N]
"""
import os, random, shutil, signal, socket, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
PRELUDE = open(os.path.join(REPO, "tests", "support", "prelude.py")).read()
VECTORS = os.path.join(REPO, "tests", "fixtures", "ftpchat-v1.7.json")
PASSWORD = "correct-horse"

CHECK = r'''
STATE = os.path.join(ROOT, ".room.txt.loft")

def archives():
    if not os.path.isdir(STATE):
        return []
    return [os.path.join(STATE, n) for n in sorted(n for n in os.listdir(STATE) if n.endswith(".txt"))]

def base():
    p = os.path.join(STATE, "state")
    if not os.path.exists(p):
        return 0
    for line in open(p):
        k, v = line.split()
        if k == "base":
            return int(v)
    raise AssertionError("state file without a base")

fernet = fernet_for("secret")
def snapshot():
    names = sorted(os.listdir(STATE)) if os.path.isdir(STATE) else []
    live = room_file("room.txt")
    whole = b"".join(open(p, "rb").read() for p in archives()) + live
    return names, live, whole, base()

f = connect()
f.size("room.txt")   # opens the room: recovery from the kill runs now
# Opening it may also start a rotation (the live part is over rotate_bytes): wait until
# the state folder is quiet (two equal snapshots without temporary files), at most 10 s.
# Before the RETR below, which records a SITE SEEN receipt (its own seen.tmp, briefly).
t = time.time()
prev = None
while True:
    try:
        cur = snapshot()
    except FileNotFoundError:   # an archive renamed while read
        cur = None
    quiet = cur is not None and not [n for n in cur[0] if n.endswith(".tmp") or n == "live.new"]
    if (quiet and cur == prev) or time.time() - t > 10:
        break
    prev = cur
    time.sleep(0.2)
names, live, whole, _ = cur if cur else snapshot()
size = f.size("room.txt")
live_ftp = get(f, "room.txt")
f.quit()
problems = []
if not (size == len(whole) == base() + len(live)):
    problems.append(f"sizes disagree: SIZE {size}, archives+live {len(whole)}, base {base()} + live {len(live)}")
if base() == 0 and live_ftp != live:
    problems.append("RETR from 0 differs from the live file")
left = [n for n in names if n.endswith(".tmp") or n == "live.new"]
if left:
    problems.append(f"temporary files still there 10 s after recovery: {left}")
acked = [unseal(fernet, l) for l in open(ACK, "rb").read().split(b"\n") if l]
try:
    texts = check_room(whole, fernet, acked)
except Exception as e:
    problems.append(f"{type(e).__name__}: {e}")
    texts = []
print(f"acked {len(acked)} stored {len(texts)} archives {len(archives())} base {base()}")
for p in problems:
    print("PROBLEM", p)
sys.exit(1 if problems else 0)
'''


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class Relay:
    def __init__(self, loft, rotate):
        self.loft = loft
        self.dir = tempfile.mkdtemp(prefix="loft-crash-")
        self.config = os.path.join(self.dir, "loft.toml")
        self.root = os.path.join(self.dir, "root")
        self.ack = os.path.join(self.dir, "acked.txt")
        open(self.ack, "w").close()
        subprocess.run(
            [loft, "init", "--root", self.root, "-c", self.config, "--listen", "127.0.0.1:0",
             "--password-stdin", "--tls-name", "127.0.0.1"],
            input=PASSWORD + "\n", text=True, check=True, capture_output=True)
        first = random.randrange(61000, 64900, 50)
        text = open(self.config).read()
        text = text.replace('ports = "50000-50100"', f'ports = "{first}-{first + 49}"')
        extra = "max_per_ip = 100\nmax_connections = 200\n"
        text = text.replace("[limits]\n", "[limits]\n" + extra, 1)
        chat = "rotate_bytes = 2048\nkeep_bytes = 1024\nkeep_archives = 0\n" if rotate else "rotate_bytes = 0\n"
        chat += "max_messages_per_minute = 0\nmax_bytes_per_minute = 0\n"
        text = text.replace("[chat]\n", "[chat]\n" + chat, 1)
        open(self.config, "w").write(text)
        self.port = free_port()
        self.proc = None
        self.log = open(os.path.join(self.dir, "serve.log"), "ab")

    def start(self):
        self.proc = subprocess.Popen(
            [self.loft, "serve", "-c", self.config, "--listen", f"127.0.0.1:{self.port}", "--web-listen", "127.0.0.1:0"],
            stdout=subprocess.DEVNULL, stderr=self.log, env=dict(os.environ, RUST_LOG="warn"))
        t = time.time()
        while time.time() - t < 20:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"loft serve exited with {self.proc.returncode}")
                time.sleep(0.05)
        raise RuntimeError("loft serve did not start")

    def kill(self):
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def python(self, code, **kw):
        env = dict(os.environ, FTP_PORT=str(self.port), FTP_PASSWORD=PASSWORD, FTP_ROOT=self.root,
                   FTP_CERT=os.path.join(self.dir, "loft.crt"), VECTORS=VECTORS)
        return subprocess.Popen(["python3", "-c", PRELUDE + "\n" + code], env=env, **kw)

    def close(self, keep):
        self.kill()
        self.log.close()
        if not keep:
            shutil.rmtree(self.dir, ignore_errors=True)


def trial(loft, n, rotate, rounds=2):
    r = Relay(loft, rotate)
    failures = []
    try:
        r.start()
        for rnd in range(rounds):
            before = os.path.getsize(r.ack)
            writers = r.python(
                f'writers(16, 400, ack_file={r.ack!r}, stop_on_error=True, tag="t{n}r{rnd}-")',
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            t = time.time()
            while os.path.getsize(r.ack) == before and time.time() - t < 20:
                time.sleep(0.005)
            delay = random.uniform(0.0, 1.5)
            time.sleep(delay)
            r.kill()
            try:
                writers.wait(timeout=60)
            except subprocess.TimeoutExpired:
                writers.kill()
                writers.wait()
            # Half the rotating rounds also lose the room's state file while the relay is
            # down (issue 13.6): the base must come back from the archive names, with no
            # archive deleted and SIZE unchanged.
            lost = ""
            state = os.path.join(r.root, ".room.txt.loft", "state")
            if rotate and random.random() < 0.5 and os.path.exists(state):
                os.remove(state)
                lost = ", state file removed"
            r.start()
            check = r.python(f"ACK = {r.ack!r}\n" + CHECK, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            out = check.communicate(timeout=120)[0].decode(errors="replace").strip()
            status = "ok" if check.returncode == 0 else "FAIL"
            print(f"  round {rnd}: killed {delay:.2f} s in{lost}; {status}: {out.splitlines()[0] if out else ''}")
            if check.returncode != 0:
                failures.append(f"round {rnd} (kill {delay:.2f} s in): " + " | ".join(
                    l for l in out.splitlines() if l.startswith("PROBLEM") or "Error" in l))
    except Exception as e:
        failures.append(f"{type(e).__name__}: {e}")
    finally:
        r.close(keep=bool(failures))
    if failures:
        print(f"  kept for inspection: {r.dir}")
    return failures


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--seed")]
    seed = next((int(a.split("=", 1)[1]) for a in sys.argv[1:] if a.startswith("--seed=")), None)
    if len(args) < 1:
        print(__doc__)
        sys.exit(2)
    loft = os.path.abspath(args[0])
    trials = int(args[1]) if len(args) > 1 else 24
    seed = seed if seed is not None else random.randrange(1 << 30)
    random.seed(seed)
    try:
        import cryptography  # noqa: F401
    except ImportError:
        print("crash.py needs Python's cryptography (pip install cryptography)")
        sys.exit(2)
    print(f"{trials} trials, seed {seed}, binary {loft}")
    results = []
    for n in range(trials):
        rotate = n % 2 == 1
        mode = "rotate" if rotate else "plain"
        print(f"trial {n + 1}/{trials} ({mode})", flush=True)
        fails = trial(loft, n, rotate)
        results.append((n + 1, mode, fails))
        sys.stdout.flush()
    bad = [(n, m, f) for n, m, f in results if f]
    print()
    for mode in ("plain", "rotate"):
        done = [r for r in results if r[1] == mode]
        failed = [r for r in done if r[2]]
        print(f"{mode:6}: {len(done) - len(failed)}/{len(done)} trials passed")
    for n, m, fails in bad:
        for f in fails:
            print(f"FAILED trial {n} ({m}): {f}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
