#!/bin/sh
# What an idle session holds on the relay's heap (issue 25): runs a release `loft serve`
# (one session thread) under valgrind's massif, opens one warm-up session, then SESSIONS
# sessions from Python's ftplib, each logged in and left idle (ftps: AUTH TLS, PBSZ 0,
# PROT P), takes a detailed massif snapshot before and after them (vgdb), and prints the
# live heap per idle session and the allocation sites that grew, in bytes per session.
#
#   bench/idle_heap.sh [plain|ftps] [SESSIONS]     (default: ftps 50)
#
# Needs valgrind (massif, vgdb), python3, and a release build with symbols:
#   CARGO_PROFILE_RELEASE_STRIP=false CARGO_PROFILE_RELEASE_DEBUG=1 \
#     CARGO_TARGET_DIR=/tmp/prof cargo build --release
# (LOFT=/tmp/prof/release/loft, the default below). Figures in docs/benchmarks.md
# ("Idle sessions' memory, item by item").
set -eu
mode=${1:-ftps}
sessions=${2:-50}
case "$mode" in plain | ftps) ;; *)
	echo "mode is plain or ftps" >&2
	exit 2
	;;
esac
loft=${LOFT:-/tmp/prof/release/loft}
[ -x "$loft" ] || { echo "no release build with symbols at $loft (see the header)" >&2; exit 2; }
command -v vgdb >/dev/null || { echo "valgrind is missing: apt-get install valgrind" >&2; exit 2; }
work=$(mktemp -d)
pid=""
trap '[ -z "$pid" ] || kill "$pid" 2>/dev/null || true; [ -n "${LOFT_KEEP:-}" ] || rm -rf "$work"' EXIT INT TERM
printf 'pw-for-idle\n' | "$loft" init --root "$work/root" -c "$work/loft.toml" --listen 127.0.0.1:0 \
	--web-listen 127.0.0.1:0 --password-stdin --name 127.0.0.1 >/dev/null
# One session thread, as on a router; room for the sessions.
sed -i "s/^\[limits\]\$/[limits]\nthreads = 1\nmax_connections = $((sessions + 16))\nmax_per_ip = $((sessions + 16))/" "$work/loft.toml"
[ "$mode" = ftps ] || sed -i 's/^mode = "optional"$/mode = "off"/' "$work/loft.toml"
RUST_LOG=warn,loft::conn=info valgrind -q --tool=massif --vgdb=yes --vgdb-error=1000000 --depth=40 --threshold=0.2 \
	--massif-out-file="$work/massif.out" "$loft" serve -c "$work/loft.toml" 2>"$work/serve.log" &
pid=$!
port=""
for _ in $(seq 600); do
	port=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\) (FTP.*/\1/p' "$work/serve.log" 2>/dev/null | head -n 1)
	[ -n "$port" ] && break
	sleep 0.1
done
[ -n "$port" ] || { cat "$work/serve.log" >&2; exit 1; }
cat >"$work/idle.py" <<'EOF'
import ftplib, ssl, sys, time
port, n, mode, ready = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
held = []
for _ in range(n):
    if mode == "ftps":
        f = ftplib.FTP_TLS(context=ctx, timeout=300)
        f.connect("127.0.0.1", port)
        f.auth()
        f.login("chat", "pw-for-idle")
        f.prot_p()
    else:
        f = ftplib.FTP(timeout=300)
        f.connect("127.0.0.1", port)
        f.login("chat", "pw-for-idle")
    held.append(f)
open(ready, "w").close()
time.sleep(3600)
EOF
python3 "$work/idle.py" "$port" 1 "$mode" "$work/warm" &
warm=$!
while [ ! -e "$work/warm" ]; do sleep 0.2; done
kill "$warm"
wait "$warm" 2>/dev/null || true
sleep 3
vgdb --pid="$pid" detailed_snapshot "$work/before" >/dev/null 2>&1
python3 "$work/idle.py" "$port" "$sessions" "$mode" "$work/ready" &
idle=$!
while [ ! -e "$work/ready" ]; do sleep 0.2; done
sleep 3
vgdb --pid="$pid" detailed_snapshot "$work/after" >/dev/null 2>&1
kill "$idle"
echo "== $mode: $sessions idle sessions, live heap under massif"
python3 - "$work/before" "$work/after" "$sessions" <<'EOF'
import re, sys
# Each leaf of massif's tree, named by its first frames that are not the allocator's,
# the standard library's or tokio's own.
plumbing = re.compile(r"alloc_impl|allocate|box_new|RawVec|raw_vec|alloc::|<alloc|with_capacity|grow|"
                      r"reserve|finish_grow|UnknownInlinedFun|core::|tokio::runtime|catch_unwind|do_call|"
                      r"call_once|poll_future|poll_inner|with_mut|\{closure|\{async|Pin<P>|std::|__rust|"
                      r"main \(|in /|from_iter|collect|Spec|Vec<|malloc|extend|to_vec|clone|push|pin<")
def leaves(path):
    out, stack = {}, []
    for line in open(path):
        m = re.match(r"^( *)n(\d+): (\d+) (.*)$", line)
        if not m:
            continue
        depth, kids, size, text = len(m.group(1)), int(m.group(2)), int(m.group(3)), m.group(4)
        stack = stack[:depth] + [re.sub(r"^0x[0-9A-F]+: ", "", text)]
        if kids == 0:
            name = lambda f: f.split(" (")[0]
            # Box::new / Arc::new of a named type says what was allocated: kept.
            frames = [f[:90] for f in stack[1:] if name(f).startswith("new<") and not name(f).startswith("new<alloc::") or not plumbing.search(name(f))][:3]
            key = " <- ".join(frames) or text[:90]
            out[key] = out.get(key, 0) + size
    return out
def heap(path):
    return int(re.search(r"mem_heap_B=(\d+)", open(path).read()).group(1))
before, after, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
print(f"live heap: {heap(before)} -> {heap(after)} bytes, {(heap(after) - heap(before)) / n:.0f} per session")
b, a = leaves(before), leaves(after)
grew = sorted(((a.get(k, 0) - b.get(k, 0)) / n, k) for k in set(a) | set(b))
for per, k in reversed(grew):
    if per >= 100:
        print(f"{per:8.0f}  {k}")
EOF
