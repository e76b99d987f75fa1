#!/bin/sh
# Where a relay spends its CPU on FTPChat sessions (issue 25): runs a release `loft serve`
# on loopback, plays FTPChat sessions against it from Python's ftplib (each message a
# session: connect, [AUTH TLS], login, APPE one token, QUIT; each poll a session: SIZE,
# REST + RETR, QUIT), samples the server with `perf record`, and prints the functions
# that took the most samples, with the CPU time per session from `perf stat` (instruction
# counts where the machine has the counters: not in most VMs).
#
#   bench/profile.sh [plain|ftps] [SESSIONS]
#   PROFILER=callgrind bench/profile.sh [plain|ftps] [SESSIONS]
#   PROFILER=strace bench/profile.sh [plain|ftps] [SESSIONS]
#
# With PROFILER=callgrind the relay runs under valgrind's callgrind instead, and the
# figure is the user-space instructions per session, counted exactly (repeatable whatever
# else the machine does, unlike CPU time): 4 sessions warm it up, the counters are zeroed
# (callgrind_control -z), SESSIONS sessions run (default 200 there), and the functions
# with the most instructions of their own are printed. A relay under callgrind runs about
# 50 times slower; the sessions wait for it (SESSION_TIMEOUT).
#
# With PROFILER=strace the relay runs under `strace -f`, and the figure is the system
# calls per session by name (default 40 sessions, after 4 of warm-up), counted exactly:
# each is a trip into the kernel, which is most of a plain session's CPU.
#
# ED25519=0 or 1 turns the Ed25519 twin of the certificate off or on, as in
# bench/router_cpu.sh (unset: the build's default, off on x86_64).
#
# Needs perf (linux-perf) or valgrind, python3 with `cryptography`, and a release build with symbols:
#   CARGO_PROFILE_RELEASE_STRIP=false CARGO_PROFILE_RELEASE_DEBUG=1 \
#     CARGO_TARGET_DIR=/tmp/prof cargo build --release
# (LOFT=/tmp/prof/release/loft, the default below).
set -eu
mode=${1:-plain}
profiler=${PROFILER:-perf}
case "$profiler" in perf) sessions=${2:-2000} ;; callgrind) sessions=${2:-200} ;; strace) sessions=${2:-40} ;; *)
	echo "PROFILER is perf, callgrind or strace" >&2
	exit 2
	;;
esac
here=$(cd "$(dirname "$0")" && pwd)
loft=${LOFT:-/tmp/prof/release/loft}
[ -x "$loft" ] || { echo "no release build with symbols at $loft (see the header)" >&2; exit 2; }
if [ "$profiler" = perf ]; then
	command -v perf >/dev/null || { echo "perf is missing: apt-get install linux-perf" >&2; exit 2; }
elif [ "$profiler" = callgrind ]; then
	command -v callgrind_control >/dev/null || { echo "valgrind is missing: apt-get install valgrind" >&2; exit 2; }
else
	command -v strace >/dev/null || { echo "strace is missing: apt-get install strace" >&2; exit 2; }
fi
work=$(mktemp -d)
# (Under strace, $pid is strace's, which leaves the relay running when it is killed.)
trap 'pkill -P "$pid" 2>/dev/null; kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; [ -n "${LOFT_KEEP:-}" ] || rm -rf "$work"' EXIT INT TERM
printf 'pw-for-profile\n' | "$loft" init --root "$work/root" -c "$work/loft.toml" --listen 127.0.0.1:0 \
	--web-listen 127.0.0.1:0 --password-stdin --name 127.0.0.1 >/dev/null
# The limits that protect a relay from one member would stop this flood of sessions.
sed -i 's/^\[chat\]$/[chat]\nmax_messages_per_minute = 0\nmax_bytes_per_minute = 0/; s/^\[limits\]$/[limits]\nmax_per_ip = 64/' "$work/loft.toml"
if [ -n "${ED25519:-}" ]; then
	[ "$ED25519" = 0 ] && e=false || e=true
	sed -i "s/^# ed25519 = .*/ed25519 = $e/" "$work/loft.toml"
	grep -q "^ed25519 = $e\$" "$work/loft.toml" || { echo "$0: ED25519: no '# ed25519 = ' line in the config loft init wrote" >&2; exit 1; }
fi
# Logs at warn (LOFT_LOG=info: as an admin runs it; every login and transfer is a line),
# and where it listens.
if [ "$profiler" != perf ]; then
	# One session thread, as on a router, so that the counts do not depend on which
	# worker took a task.
	sed -i 's/^\[limits\]$/[limits]\nthreads = 1/' "$work/loft.toml"
fi
if [ "$profiler" = callgrind ]; then
	RUST_LOG="${LOFT_LOG:-warn},loft::conn=info" valgrind -q --tool=callgrind \
		--callgrind-out-file="$work/callgrind.out" "$loft" serve -c "$work/loft.toml" 2>"$work/serve.log" &
elif [ "$profiler" = strace ]; then
	RUST_LOG="${LOFT_LOG:-warn},loft::conn=info" strace -f -o "$work/strace.txt" "$loft" serve -c "$work/loft.toml" 2>"$work/serve.log" &
else
	RUST_LOG="${LOFT_LOG:-warn},loft::conn=info" "$loft" serve -c "$work/loft.toml" 2>"$work/serve.log" &
fi
pid=$!
port=""
for _ in $(seq 600); do
	port=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\) (FTP.*/\1/p' "$work/serve.log" 2>/dev/null | head -n 1)
	[ -n "$port" ] && break
	sleep 0.1
done
[ -n "$port" ] || { cat "$work/serve.log" >&2; exit 1; }
if [ "$profiler" = callgrind ]; then
	export SESSION_TIMEOUT="${SESSION_TIMEOUT:-300}"
	python3 "$here/profile_sessions.py" "$port" "$mode" 4 "$work/loft.crt"
	sleep 3 # the read receipts' write, 2 s after a read
	callgrind_control -z "$pid" >/dev/null
	python3 "$here/profile_sessions.py" "$port" "$mode" "$sessions" "$work/loft.crt"
	sleep 3
	callgrind_control -d "$pid" >/dev/null
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	# The dump asked for is numbered; the file without a number is what ran after it.
	dump="$work/callgrind.out.1"
	[ -s "$dump" ] || { echo "callgrind wrote no dump:" >&2 && ls "$work" >&2 && exit 1; }
	total=$(callgrind_annotate "$dump" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1; exit }')
	echo "== $mode: $sessions sessions (half APPE, half SIZE + RETR), under callgrind"
	echo "user-space instructions: $total in all, $((total / sessions)) per session"
	# Self costs; the frames that ran through the whole dump (main, the runtime's loop)
	# show the total there, as callgrind dumps them while they run: left out (over 50%).
	callgrind_annotate --inclusive=no --threshold=100 --auto=no "$dump" 2>/dev/null | sed -n '/file:function/,$p' |
		awk '/^ *[0-9,]+ \( *[0-9.]+%\)/ { p = $2; gsub(/[(%)]/, "", p); if (p + 0 < 50) print }' | head -n 30 | cut -c1-160
	exit 0
fi
if [ "$profiler" = strace ]; then
	python3 "$here/profile_sessions.py" "$port" "$mode" 4 "$work/loft.crt"
	sleep 3 # the read receipts' write, 2 s after a read
	before=$(wc -l <"$work/strace.txt")
	python3 "$here/profile_sessions.py" "$port" "$mode" "$sessions" "$work/loft.crt"
	sleep 3
	echo "== $mode: $sessions sessions (half APPE, half SIZE + RETR), system calls per session (strace -f)"
	# A call another thread interrupted is one line, and its "resumed" another: counted once.
	tail -n "+$((before + 1))" "$work/strace.txt" | grep -v 'resumed>\|+++\|---' |
		awk -v n="$sessions" '{ s = $2; sub(/\(.*/, "", s); c[s]++; t++ }
			END { for (k in c) printf "%7.2f %s\n", c[k] / n, k; printf "%7.2f in all\n", t / n }' | sort -rn
	exit 0
fi
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
