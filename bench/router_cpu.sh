#!/bin/sh
# A router-class figure for a session (issue 25): the mipsel `loft` under qemu-user, the
# same FTPChat sessions as bench/profile.sh (bench/profile_sessions.py: half messages =
# login, APPE one token, QUIT; half polls = login, SIZE, REST + RETR, QUIT), and per session
#   (a) the guest user-space instructions the relay executed (exact: qemu's in_asm + exec
#       log, counted by bench/router_count.py), and
#   (b) the qemu process's CPU time (utime + stime from /proc/PID/stat), a relative figure:
#       qemu translates MIPS to x86, so only before/after ratios mean something.
# Start-up, `loft init` (key generation) and the warm-up sessions are not counted: each
# figure is the difference between the counts after the warm-up and after the measured
# sessions, each taken once the relay is idle (no instruction for IDLE seconds, so that
# the receipts written within 2 s of a read are in).
#
#   LOFT=/work/router-dist/loft-VERSION-mipsel-unknown-linux-musl bench/router_cpu.sh [plain|ftps] [SESSIONS]
#
# SESSIONS (default 20) are counted under the log; TIME_SESSIONS (default 100) are timed
# in a second run without the log; WARMUP (default 4) come first in each run; KDF_ROUNDS
# (default 1000) for the password's hash (see below); THREADS (default 1, a one-core
# router's: qemu shows the guest the host's cores) is the relay's `limits.threads`. Needs
# qemu-mipsel-static (apt-get install qemu-user-static; QEMU overrides) and python3 with
# `cryptography`. The binary comes from `cross/build.sh mipsel-unknown-linux-musl`.
#
# ED25519=0 turns off the Ed25519 twin of the certificate (`[tls] ed25519 = false`), =1 on
# (unset: the build's default, on for 32-bit ARM and MIPS): without it FTPS handshakes
# sign with P-256, as for a client that offers no Ed25519 (browsers); Python's `ssl`,
# which the sessions use, offers it.
#
# PROFILE=N (a number) also prints the N functions that ran the most of (a), per session
# and as a share (bench/router_attr.py); it needs a build with symbols: cross/build.sh
# leaves one in target/cross/order/loft-mipsel-unknown-linux-musl (its first link).
# PROFILE_CALLERS=memcpy,memset (symbol names) then also charges what ran inside those
# functions to the code that called them, and prints those callers.
set -eu
mode=${1:-plain}
sessions=${2:-20}
time_sessions=${TIME_SESSIONS:-100}
warmup=${WARMUP:-4}
[ "$warmup" -ge 1 ] || warmup=1
idle=${IDLE:-3}
rounds=${KDF_ROUNDS:-1000}
qemu=${QEMU-qemu-mipsel-static}
profile=${PROFILE:-}
here=$(cd "$(dirname "$0")" && pwd)
case "$mode" in
plain | ftps) ;;
*)
	echo "usage: LOFT=path/to/mipsel/loft $0 [plain|ftps] [SESSIONS]" >&2
	exit 2
	;;
esac
if [ -n "$qemu" ] && ! command -v "$qemu" >/dev/null 2>&1; then
	echo "$0: $qemu not found: apt-get install qemu-user-static (or set QEMU)" >&2
	exit 2
fi
loft=${LOFT:-}
if [ -z "$loft" ]; then
	for c in "$here"/../dist/loft-*-mipsel-unknown-linux-musl; do
		[ -x "$c" ] && loft=$c
	done
fi
if [ -z "$loft" ] || [ ! -x "$loft" ]; then
	echo "$0: no mipsel binary${loft:+ at $loft}: build it with cross/build.sh mipsel-unknown-linux-musl and set LOFT" >&2
	exit 2
fi
# (Another qemu, e.g. QEMU=qemu-arm-static with an armv7 build, counts that CPU's instructions.)
if [ -n "$qemu" ] && [ "${qemu#*mips}" != "$qemu" ] && command -v file >/dev/null 2>&1; then
	case "$(file -b "$loft")" in
	*MIPS*) ;;
	*)
		echo "$0: $loft is not a MIPS binary" >&2
		exit 2
		;;
	esac
fi

watch=""
if [ -n "$profile" ]; then
	case "$profile" in
	*[!0-9]*)
		echo "$0: PROFILE is how many functions to print (a number), not '$profile'" >&2
		exit 2
		;;
	esac
	if ! nm "$loft" 2>/dev/null | grep -q ' [tT] '; then
		echo "$0: $loft has no symbols: PROFILE needs the build with symbols that cross/build.sh leaves in target/cross/order/" >&2
		exit 2
	fi
	# The address ranges (start-end, hex) of the PROFILE_CALLERS functions, from nm's
	# sorted list: each runs to the next symbol at a higher address (of any kind: the last
	# function is followed by data), or to the end of the address space.
	watch=$(nm -n --defined-only "$loft" | awk -v want=",${PROFILE_CALLERS:-}," '
		open != "" && $1 != open { printf "%s%s-%s", sep, open, $1; sep = ","; open = "" }
		$2 ~ /^[tTwW]$/ && index(want, "," $3 ",") { open = $1 }
		END { if (open != "") printf "%s%s-ffffffff", sep, open }')
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/loft-router.XXXXXX")
pid="" counter=""
stop() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	pid=""
	if [ -n "$counter" ]; then
		kill "$counter" 2>/dev/null || true
		wait "$counter" 2>/dev/null || true
	fi
	counter=""
}
trap 'stop; [ -n "${LOFT_KEEP:-}" ] || rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
started=$(date +%s)

# A throwaway relay, configured as bench/profile.sh does: no rate limits, more sessions
# per address; a free passive range (others may run a relay on this machine).
printf 'pw-for-profile\n' | ${qemu:+"$qemu"} "$loft" init --root "$work/root" -c "$work/loft.toml" \
	--listen 127.0.0.1:0 --web-listen 127.0.0.1:0 --password-stdin --name 127.0.0.1 >/dev/null
range=$(python3 -c '
import random, socket
def free(p):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
        return True
    except OSError:
        return False
    finally:
        s.close()
for _ in range(200):
    first = random.randrange(30000, 60000 - 16)
    if all(free(p) for p in range(first, first + 16)):
        print(f"{first}-{first + 15}")
        break
')
sed -i "s/^\[chat\]\$/[chat]\nmax_messages_per_minute = 0\nmax_bytes_per_minute = 0/; s/^\[limits\]\$/[limits]\nmax_per_ip = 64\nidle_timeout = 3600\nthreads = ${THREADS:-1}/; s/^ports = \".*\"/ports = \"$range\"/" "$work/loft.toml"
[ "$mode" = ftps ] || sed -i 's/^mode = "optional"/mode = "off"/' "$work/loft.toml"
if [ -n "${ED25519:-}" ]; then
	[ "$ED25519" = 0 ] && e=false || e=true
	sed -i "s/^# ed25519 = .*/ed25519 = $e/" "$work/loft.toml"
	grep -q "^ed25519 = $e\$" "$work/loft.toml" || { echo "$0: ED25519: no '# ed25519 = ' line in the config loft init wrote" >&2; exit 1; }
fi
# The password's KDF (PBKDF2-SHA256, 100,000 rounds) takes minutes under qemu's log, longer
# than libunftp waits for a login: here the same password hashed with KDF_ROUNDS (1,000). It
# runs in the first session only (then the login cache holds it while it is used).
# shellcheck disable=SC2016
phc=$(python3 -c '
import base64, hashlib, os, sys
b64 = lambda b: base64.b64encode(b).decode().rstrip("=")
salt = os.urandom(16)
r = int(sys.argv[1])
key = hashlib.pbkdf2_hmac("sha256", b"pw-for-profile", salt, r, 32)
print(f"$pbkdf2-sha256$i={r},l=32${b64(salt)}${b64(key)}")
' "$rounds")
sed -i "s|^password = \"\\\$pbkdf2-sha256\\\$.*\"|password = \"$phc\"|" "$work/loft.toml"
grep -q "^password = \"\$pbkdf2-sha256\\\$i=$rounds," "$work/loft.toml" || {
	echo "$0: could not set the password hash in $work/loft.toml" >&2
	exit 1
}

# serve [QEMU OPTIONS]: start the relay under qemu, set pid and port.
serve() {
	: >"$work/serve.log"
	RUST_LOG="${LOFT_LOG:-warn},loft::conn=info" ${qemu:+"$qemu" "$@"} "$loft" serve -c "$work/loft.toml" 2>"$work/serve.log" &
	pid=$!
	port=""
	for _ in $(seq 600); do
		port=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\) (FTP.*/\1/p' "$work/serve.log" 2>/dev/null | head -n 1)
		[ -n "$port" ] && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	cat "$work/serve.log" >&2
	echo "$0: loft serve did not start" >&2
	exit 1
}

play() {
	SESSION_TIMEOUT=${SESSION_TIMEOUT:-120} python3 "$here/profile_sessions.py" "$port" "$mode" "$1" "$work/loft.crt"
}

# The counter's figures once the relay has executed nothing for $idle seconds.
settled() {
	for _ in $(seq 1200); do
		if [ -s "$work/status" ]; then
			# shellcheck disable=SC2046
			set -- $(cat "$work/status")
			if awk -v i="$3" -v w="$idle" 'BEGIN { exit !(i >= w) }'; then
				[ "$4" = 0 ] || echo "$0: warning: $4 translation blocks of unknown size" >&2
				echo "$1 $2"
				return 0
			fi
		fi
		sleep 0.1
	done
	echo "$0: the relay did not go idle (the count kept changing)" >&2
	exit 1
}

# (a) Instructions: qemu logs every translated block and every executed one into a FIFO.
is=0 i1st=0 i0=0 i1=0 b0=0 b1=1 counted=0
if [ -n "$qemu" ]; then
	mkfifo "$work/qemu.log"
	PROFILE=$profile WATCH=$watch python3 "$here/router_count.py" "$work/qemu.log" "$work/status" &
	counter=$!
	serve -d in_asm,exec,nochain -D "$work/qemu.log"
	r=$(settled)
	is=${r% *}
	# The first session runs the password KDF (then cached while the user logs in again within 15 minutes).
	play 1
	r=$(settled)
	i1st=${r% *}
	play "$((warmup - 1))"
	r=$(settled)
	i0=${r% *} b0=${r#* }
	[ -z "$profile" ] || { kill -USR1 "$counter" && sleep 1; }
	t0=$(date +%s)
	play "$sessions"
	r=$(settled)
	i1=${r% *} b1=${r#* }
	counted=$(($(date +%s) - t0))
	[ -z "$profile" ] || { kill -USR1 "$counter" && sleep 2; }
	stop
fi

# (b) CPU time: the same relay without the log (the log's cost would swamp it). With QEMU
# set empty, LOFT is a native binary and only this part runs: its user and system time
# say how a session's CPU splits between the program and the kernel.
tick=$(getconf CLK_TCK)
# utime and stime are fields 14 and 15 (the command name, field 2, has no space: qemu's).
cpu() { awk '{ print $14 + $15, $14, $15 }' "/proc/$pid/stat"; }
serve
play "$warmup"
sleep "$idle"
# shellcheck disable=SC2046
set -- $(cpu)
c0=$1 u0=$2 s0=$3
play "$time_sessions"
sleep "$idle"
# shellcheck disable=SC2046
set -- $(cpu)
c1=$1 u1=$2 s1=$3
stop

echo "== $mode: $(basename "$loft")${qemu:+ under $qemu} ($warmup warm-up sessions not counted)"
[ -z "$qemu" ] || awk -v s="$is" -v f="$((i1st - is))" -v r="$rounds" -v d="$((i1 - i0))" -v n="$sessions" 'BEGIN {
	printf "start-up (serve, to listening): %d guest instructions; the first session: %d, with its KDF at %d rounds\n", s, f, r
	printf "so the KDF of a first login at the default 100,000 rounds: about %.0f (once per user name, until the name is unused for 15 minutes)\n", (f - d / n) * 100000 / r }'
[ -z "$qemu" ] || awk -v d="$((i1 - i0))" -v b="$((b1 - b0))" -v n="$sessions" -v s="$counted" 'BEGIN {
	printf "guest instructions: %.0f per session (%d sessions; %.1f per executed block; counted in %d s)\n", d / n, n, d / b, s }'
if [ -n "$qemu" ] && [ -n "$profile" ]; then
	echo "-- where they ran (the $profile functions with the most):"
	python3 "$here/router_attr.py" "$loft" "$work/status.pcs.1" "$work/status.pcs.2" "$sessions" "$profile"
	if [ -n "$watch" ]; then
		echo "-- the callers of ${PROFILE_CALLERS}, charged with what ran inside them:"
		python3 "$here/router_attr.py" "$loft" "$work/status.callers.1" "$work/status.callers.2" "$sessions" "$profile"
	fi
fi
awk -v c="$((c1 - c0))" -v u="$((u1 - u0))" -v s="$((s1 - s0))" -v n="$time_sessions" -v t="$tick" 'BEGIN {
	printf "CPU: %.2f ms per session (user %.2f, sys %.2f; %d sessions)\n", c * 1000 / t / n, u * 1000 / t / n, s * 1000 / t / n, n }'
echo "took $(($(date +%s) - started)) s"
