#!/bin/sh
# Where a relay spends its CPU on FTPChat sessions (issue 25): runs a release `loft serve`
# on loopback, plays FTPChat sessions against it from Python's ftplib (each message a
# session: connect, [AUTH TLS], login, APPE one token, QUIT; each poll a session: SIZE,
# REST + RETR, QUIT), samples the server with `perf record`, and prints the functions
# that took the most samples, with the CPU time per session from `perf stat` (instruction
# counts where the machine has the counters: not in most VMs).
#
#   bench/profile.sh [plain|ftps] [SESSIONS]
#
# Needs perf (linux-perf), python3 with `cryptography`, and a release build with symbols:
#   CARGO_PROFILE_RELEASE_STRIP=false CARGO_PROFILE_RELEASE_DEBUG=1 \
#     CARGO_TARGET_DIR=/tmp/prof cargo build --release
# (LOFT=/tmp/prof/release/loft, the default below).
set -eu
mode=${1:-plain}
sessions=${2:-2000}
here=$(cd "$(dirname "$0")" && pwd)
loft=${LOFT:-/tmp/prof/release/loft}
[ -x "$loft" ] || { echo "no release build with symbols at $loft (see the header)" >&2; exit 2; }
command -v perf >/dev/null || { echo "perf is missing: apt-get install linux-perf" >&2; exit 2; }
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; [ -n "${LOFT_KEEP:-}" ] || rm -rf "$work"' EXIT INT TERM
printf 'pw-for-profile\n' | "$loft" init --root "$work/root" -c "$work/loft.toml" --listen 127.0.0.1:0 \
	--web-listen 127.0.0.1:0 --password-stdin --name 127.0.0.1 >/dev/null
# The limits that protect a relay from one member would stop this flood of sessions.
sed -i 's/^\[chat\]$/[chat]\nmax_messages_per_minute = 0\nmax_bytes_per_minute = 0/; s/^\[limits\]$/[limits]\nmax_per_ip = 64/' "$work/loft.toml"
# Logs at warn (LOFT_LOG=info: as an admin runs it; every login and transfer is a line),
# and where it listens.
RUST_LOG="${LOFT_LOG:-warn},loft::conn=info" "$loft" serve -c "$work/loft.toml" 2>"$work/serve.log" &
pid=$!
port=""
for _ in $(seq 100); do
	port=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\) (FTP.*/\1/p' "$work/serve.log" | head -n 1)
	[ -n "$port" ] && break
	sleep 0.1
done
[ -n "$port" ] || { cat "$work/serve.log" >&2; exit 1; }
perf record -q -F 2999 -g -p "$pid" -o "$work/perf.data" 2>"$work/record.log" &
rec=$!
perf stat -x, -e task-clock -p "$pid" -o "$work/stat.csv" &
stat=$!
sleep 0.5
python3 "$here/profile_sessions.py" "$port" "$mode" "$sessions" "$work/loft.crt"
kill -INT "$rec" "$stat"
wait "$rec" "$stat" 2>/dev/null || true
echo "== $mode: $sessions sessions (half APPE, half SIZE + RETR)"
awk -F, -v n="$sessions" '/task-clock/ { printf "CPU (task-clock): %.3f ms per session\n", $1 / n }' "$work/stat.csv"
[ -s "$work/perf.data" ] || { echo "perf record wrote nothing:" >&2; cat "$work/record.log" >&2; exit 1; }
# Self time per function, [k] in the kernel (system calls, scheduling, TCP), [.] in Loft.
perf report -q -i "$work/perf.data" -g none --no-children --sort symbol --percent-limit 1 2>/dev/null |
	sed -n 's/^ *\([0-9.]*%\) *\(\[[.k]\]\) \(.*[^ -]\)[ -]*$/\1 \2 \3/p' | cut -c1-150 | head -n 30
