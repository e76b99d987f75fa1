#!/bin/sh
# Smoke-test one built `loft` binary under qemu-user, on loopback, with a real client.
#
#   cross/smoke.sh mipsel-unknown-linux-musl            # dist/loft-VERSION-TARGET
#   cross/smoke.sh armv7-unknown-linux-musleabihf path/to/loft
#   cross/smoke.sh x86_64-unknown-linux-gnu target/debug/loft   # native: no qemu
#
# It makes a throwaway config with `loft init` (self-signed certificate, user `chat`),
# starts `loft serve` on 127.0.0.1 with a free port and a free passive range, and runs
# cross/smoke_client.py (Python ftplib): AUTH TLS with the certificate checked, login,
# PROT P, LIST, two APPEs of real Fernet tokens to a room, REST+RETR back; then the
# binary's own client (loft send, loft read over TLS) against the same relay; and
# cross/smoke_web.py (Python http.client) against the web client on a free port, over
# HTTPS with the same certificate: the page, login, an append, the log back.
# Exit 0 only if all of that worked. Foreign binaries run with qemu-ARCH-static
# (Debian's qemu-user-static; no binfmt needed); LOFT_QEMU overrides the runner.
set -eu

[ $# -ge 1 ] || {
	echo "usage: $0 TARGET [BINARY]" >&2
	exit 2
}
target=$1
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
version=$(sed -n 's/^version *= *"\(.*\)"/\1/p' "$repo/Cargo.toml" | head -n 1)
: "${DIST:=$repo/dist}"
: "${CARGO_TARGET_DIR:=$repo/target/cross}"

bin=${2:-}
if [ -z "$bin" ]; then
	for c in "$DIST/loft-$version-$target" "$CARGO_TARGET_DIR/$target/release/loft"; do
		if [ -x "$c" ]; then
			bin=$c
			break
		fi
	done
fi
if [ -z "$bin" ] || [ ! -x "$bin" ]; then
	echo "$0: no binary for $target; build it with cross/build.sh $target" >&2
	exit 1
fi

if [ -n "${LOFT_QEMU+set}" ]; then
	runner=$LOFT_QEMU
else
	case "$target" in
	x86_64-*) arch=x86_64 ;;
	aarch64-*) arch=aarch64 ;;
	arm*) arch=arm ;;
	mipsel-*) arch=mipsel ;;
	mips-*) arch=mips ;;
	*)
		echo "$0: no qemu for $target; set LOFT_QEMU" >&2
		exit 1
		;;
	esac
	if [ "$arch" = "$(uname -m)" ]; then
		runner=""
	else
		runner=qemu-$arch-static
		command -v "$runner" >/dev/null 2>&1 || {
			echo "$0: $runner not found: apt-get install qemu-user-static" >&2
			exit 1
		}
	fi
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/loft-smoke.XXXXXX")
pid=""
cleanup() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	if [ "${LOFT_SMOKE_KEEP:-0}" = 1 ]; then
		echo "smoke: kept $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A free control port, and a free passive range of 16 ports away from the usual ones.
# shellcheck disable=SC2046
set -- $(python3 - <<'EOF'
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
s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
for _ in range(200):
    first = random.randrange(30000, 60000 - 16)
    if all(free(p) for p in range(first, first + 16)) and not first <= port < first + 16:
        print(port, first, first + 15)
        break
else:
    raise SystemExit("no free passive range")
EOF
)
port=$1 pasv_first=$2 pasv_last=$3
password=smoke-$$-pw

echo "smoke: $target: ${runner:+$runner }$bin"
# shellcheck disable=SC2086
$runner "$bin" --version
printf '%s\n' "$password" |
	$runner "$bin" init --root "$work/root" -c "$work/loft.toml" --listen "127.0.0.1:$port" --password-stdin >"$work/init.log" 2>&1 || {
	cat "$work/init.log"
	echo "smoke: FAIL: loft init" >&2
	exit 1
}
# The passive range lives in [passive] as ports = "FIRST-LAST".
sed "s/^\( *\)#\{0,1\} *ports *= *\".*\"/\1ports = \"$pasv_first-$pasv_last\"/" "$work/loft.toml" >"$work/loft.toml.new"
mv "$work/loft.toml.new" "$work/loft.toml"
grep -q "^ *ports = \"$pasv_first-$pasv_last\"" "$work/loft.toml" || {
	echo "smoke: FAIL: could not set [passive] ports in the config:" >&2
	cat "$work/loft.toml" >&2
	exit 1
}
grep -q '^ *mode = "optional"' "$work/loft.toml" || echo "smoke: note: [tls] mode is not \"optional\" in the generated config"

# shellcheck disable=SC2086
$runner "$bin" serve -c "$work/loft.toml" --web-listen 127.0.0.1:0 >"$work/serve.log" 2>&1 &
pid=$!

# Wait for the listener (qemu makes the start slow on a loaded machine).
i=0
until python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $port), 1).close()" 2>/dev/null; do
	i=$((i + 1))
	if ! kill -0 "$pid" 2>/dev/null; then
		cat "$work/serve.log"
		echo "smoke: FAIL: loft serve exited before listening" >&2
		pid=""
		exit 1
	fi
	if [ "$i" -ge 120 ]; then
		cat "$work/serve.log"
		echo "smoke: FAIL: nothing listening on 127.0.0.1:$port after 60 s" >&2
		exit 1
	fi
	sleep 0.5
done

# The web listens on a free port (--web-listen 127.0.0.1:0), logged after the FTP line.
web_port=""
i=0
while [ -z "$web_port" ]; do
	web_port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\) (web, https).*/\1/p' "$work/serve.log" | head -n 1)
	[ -n "$web_port" ] && break
	# A relay-only build (without the `web` feature) says so instead.
	if grep -q "this build has no web client" "$work/serve.log"; then
		web_port=none
		break
	fi
	i=$((i + 1))
	if [ "$i" -ge 60 ]; then
		cat "$work/serve.log"
		echo "smoke: FAIL: no \"listening on 127.0.0.1:PORT (web, https)\" in the serve log" >&2
		exit 1
	fi
	sleep 0.5
done

status=0
python3 "$here/smoke_client.py" 127.0.0.1 "$port" chat "$password" "$work/loft.crt" \
	"$repo/tests/fixtures/ftpchat-v1.7.json" || status=$?
if [ "$status" -ne 0 ]; then
	echo "---- loft serve log ----"
	cat "$work/serve.log"
	echo "smoke: FAIL: $target" >&2
	exit "$status"
fi
if [ "$web_port" = none ]; then
	echo "smoke: note: a build without the web client; its check is skipped"
else
	python3 "$here/smoke_web.py" 127.0.0.1 "$web_port" chat "$password" "$work/loft.crt" \
		"$repo/tests/fixtures/ftpchat-v1.7.json" || status=$?
fi
if [ "$status" -ne 0 ]; then
	echo "---- loft serve log ----"
	cat "$work/serve.log"
	echo "smoke: FAIL: $target (web)" >&2
	exit "$status"
fi
# The binary's own client (suppaftp, its reply parsing, rustls as a client) against the
# same relay: send a message, read it back. Skipped for a build without the client.
if $runner "$bin" --help 2>/dev/null | grep -q '^ *send '; then
	export HOME="$work/home" LOFT_FTP_PASSWORD="$password" LOFT_ROOM_KEY="smoke room key"
	unset XDG_CONFIG_HOME XDG_STATE_HOME LOFT_SERVER LOFT_ROOM LOFT_NAME LOFT_PROFILE
	mkdir -p "$HOME"
	url="ftp://chat@127.0.0.1:$port/"
	msg="smoke from $target $$"
	# shellcheck disable=SC2086
	$runner "$bin" send -s "$url" --room client --name smoke --timeout 60 "$msg" >"$work/send.log" 2>&1 || {
		cat "$work/send.log" "$work/serve.log"
		echo "smoke: FAIL: loft send" >&2
		exit 1
	}
	# shellcheck disable=SC2086
	$runner "$bin" read -s "$url" --room client --timeout 60 >"$work/read.log" 2>&1 || {
		cat "$work/read.log" "$work/serve.log"
		echo "smoke: FAIL: loft read" >&2
		exit 1
	}
	grep -q "$msg" "$work/read.log" || {
		cat "$work/read.log"
		echo "smoke: FAIL: loft read did not print the message loft send sent" >&2
		exit 1
	}
	echo "smoke: loft send + loft read (the binary's client, TLS with the certificate pinned on first use): OK"
else
	echo "smoke: no client in this build (relay only): loft send/read skipped"
fi

# The appended lines must be on disk, in the room file, byte for byte.
room=$(find "$work/root" -name smoke.txt | head -n 1)
if [ -z "$room" ] || [ "$(wc -l <"$room" | tr -d ' ')" != 2 ]; then
	echo "smoke: FAIL: the room file under $work/root does not hold the two lines" >&2
	exit 1
fi
echo "smoke: PASS: $target"
