#!/bin/sh
# The functions a relay runs, in the order it first runs them, for the linker's
# --symbol-ordering-file (cross/build.sh, issue 25: memory with no session).
#
#   cross/order.sh QEMU LOFT OUT
#
# LOFT is an unstripped build; it runs under qemu-user (QEMU, e.g. qemu-x86_64-static),
# whose `-d in_asm` log names the function of every block of code it translates, once,
# the first time it runs. The relay starts, takes FTPChat sessions over FTPS and plain
# FTP (Python's ftplib, bench/profile_sessions.py: logins, APPE, SIZE, REST + RETR) and
# serves the chat page, then stops; OUT lists each function it ran, one name a line.
#
# Why: the kernel maps a program's code by the page, 64 KiB around each page touched.
# Linked in the compiler's order, the code a relay runs is spread over all of the binary,
# and nearly all of it ends up resident. Put first, it sits together: the rest (`loft
# init`, the client, the cluster, error paths) is never read from the disk.
set -eu
[ $# -eq 3 ] || { echo "usage: $0 QEMU LOFT OUT" >&2; exit 2; }
qemu=$1 loft=$2 out=$3
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
command -v "$qemu" >/dev/null || { echo "$0: $qemu not found (apt-get install qemu-user-static)" >&2; exit 1; }
command -v curl >/dev/null || { echo "$0: curl not found" >&2; exit 1; }
: "${PYTHON:=python3}"
"$PYTHON" -c 'import cryptography' 2>/dev/null || { echo "$0: $PYTHON needs cryptography (pip install cryptography; or set PYTHON)" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/loft-order.XXXXXX")
pid=""
trap '[ -z "$pid" ] || kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT INT TERM
printf 'pw-for-profile\n' | "$qemu" "$loft" init --root "$work/root" -c "$work/loft.toml" --listen 127.0.0.1:0 \
	--web-listen 127.0.0.1:0 --password-stdin --name 127.0.0.1 >/dev/null
# One session thread, as on a one-core router; no rate limit for the back-to-back sessions.
sed -i 's/^\[chat\]$/[chat]\nmax_messages_per_minute = 0\nmax_bytes_per_minute = 0/; s/^\[limits\]$/[limits]\nmax_per_ip = 64\nthreads = 1/' "$work/loft.toml"
# Logged at info, as an admin runs it: the log lines' code is on every session's path.
log=${ORDER_LOG:-$work/in_asm.log} # bench/code_pages.sh reads it
RUST_LOG=info "$qemu" -d in_asm -D "$log" "$loft" serve -c "$work/loft.toml" 2>"$work/serve.log" &
pid=$!
port="" wport=""
for _ in $(seq 600); do
	port=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\) (FTP.*/\1/p' "$work/serve.log" 2>/dev/null | head -n 1)
	wport=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\) (web.*/\1/p' "$work/serve.log" 2>/dev/null | head -n 1)
	[ -n "$port" ] && [ -n "$wport" ] && break
	sleep 0.2
done
[ -n "$port" ] || { cat "$work/serve.log" >&2; echo "$0: the relay did not start" >&2; exit 1; }
# The first login runs the password's KDF: minutes under qemu on a slow machine.
SESSION_TIMEOUT=600 "$PYTHON" "$repo/bench/profile_sessions.py" "$port" ftps 6 "$work/loft.crt"
SESSION_TIMEOUT=600 "$PYTHON" "$repo/bench/profile_sessions.py" "$port" plain 6 /dev/null
if [ -n "$wport" ]; then
	curl -sfk "https://127.0.0.1:$wport/" -o /dev/null
	curl -sk "https://127.0.0.1:$wport/api/rooms" -o /dev/null || true
fi
sleep 3 # the read receipts' write, 2 s after a read
kill "$pid"
wait "$pid" 2>/dev/null || true
pid=""
# "IN: name" heads each translated block; the first time a name shows is its place.
sed -n 's/^IN: \(..*\)$/\1/p' "$log" | awk '!seen[$0]++' >"$out"
n=$(wc -l <"$out" | tr -d ' ')
[ "$n" -gt 500 ] || [ "${ORDER_ANY:-0}" = 1 ] || { echo "$0: only $n functions named: is $loft stripped?" >&2; exit 1; }
echo "== $n functions ran, listed in $out"
