#!/bin/sh
# Tests for the OpenWrt files, on a machine without OpenWrt:
#   - UCI -> TOML (loft.init's loft_toml) with a stub /lib/functions.sh, against the
#     expected text, and with the real `loft check` when LOFT_BIN is given;
#   - bad options refused; start_service waits for the mount, then registers the
#     procd instance (command, respawn, restart file, firewall; no reload_signal);
#   - `/etc/init.d/loft passwd NAME` stores a PBKDF2 hash in UCI (needs LOFT_BIN);
#   - the mount hotplug script: restart on add, stop (and wait) on remove, only for
#     the relay's disk;
#   - make-ipk.sh: the .ipk layout opkg expects.
#
#   openwrt/test/run.sh [SHELL]        SHELL runs the scripts (default sh; try "busybox sh")
#   LOFT_BIN=target/debug/loft openwrt/test/run.sh
#
# Exit 0 if every test passed. Run from anywhere.
# SC2015: `check && pass || fail` is meant (pass never fails); SC2016: literal $ in patterns.
# shellcheck disable=SC2015,SC2016
set -u

here=$(cd "$(dirname "$0")" && pwd)
ow=$(cd "$here/.." && pwd)
repo=$(cd "$ow/.." && pwd)
SH=${1:-sh}
LOFT_BIN=${LOFT_BIN:-}
if [ -n "$LOFT_BIN" ]; then
	case "$LOFT_BIN" in /*) ;; *) LOFT_BIN="$PWD/$LOFT_BIN" ;; esac
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/loft-owtest.XXXXXX")
trap 'rm -rf "$work"' EXIT
failures=0
pass() { echo "ok - $1"; }
fail() {
	echo "not ok - $1"
	failures=$((failures + 1))
}

# Stub commands: logger, uci, ubus (and stub/usr/share/libubox/jshn.sh).
mkdir -p "$work/bin" "$work/config" "$work/run"
cat >"$work/bin/logger" <<'EOF'
#!/bin/sh
echo "logger $*" >>"$STUB_LOG"
EOF
cat >"$work/bin/uci" <<'EOF'
#!/bin/sh
echo "uci $*" >>"$STUB_LOG"
[ "$1" = -q ] && shift
case "$1 $2" in
"get system.@system[0].hostname") echo testrouter ;;
"get network.lan.ipaddr") echo 192.168.1.1/24 ;;
"add loft") echo cfg0a1b2c ;;
"get "*) exit 1 ;;
esac
exit 0
EOF
cat >"$work/bin/ubus" <<'EOF'
#!/bin/sh
echo "ubus $*" >>"$STUB_LOG"
echo '{"loft":{"instances":{"main":{"running":true,"pid":'"${STUB_PID:-0}"'}}}}'
EOF
chmod +x "$work/bin/"*
PATH="$work/bin:$PATH"
STUB_LOG="$work/stub.log"
UCI_CONFIG_DIR="$work/config"
PROCD_LOG="$work/procd.log"
export PATH STUB_LOG UCI_CONFIG_DIR PROCD_LOG

# Runs shell code with the stub functions.sh and loft.init loaded, as rc.common would.
with_init() {
	LOFT_BIN="${LOFT_BIN:-/nonexistent/loft}" LOFT_RUN_DIR="$work/run" \
		LOFT_PROC_MOUNTS="$work/mounts" \
		$SH -c '. "$1/lib/functions.sh"; . "$2"; shift 2; eval "$@"' with_init \
		"$here/stub" "$ow/loft/files/loft.init" "$@"
}

# ---------------------------------------------------------------- UCI -> TOML
cat >"$work/config/loft" <<'EOF'
config loft 'main'
	option enabled '1'
	option port '2121'
	option ipv6 '1'
	option root '/mnt/sda1/loft'
	option mount '/mnt/sda1'
	option tls 'required'
	option cert '/etc/loft/loft.crt'
	option key '/etc/loft/loft.key'
	option passive_ports '50100-50120'
	option public_host 'relay.example.org'
	option firewall '1'
	option web '1'
	option web_port '9443'
	option web_https '1'
	option greeting 'Say "hi" \ welcome'
	option anonymous '0'
	option log_level 'debug'
	option max_connections '32'
	option shutdown_grace '3'
	option failed_login_attempts '4'
	option failed_login_block 'both'
	list rooms '*.txt'
	list rooms 'rooms/*.log'
	option validate '1'
	option sync 'always'
	option allow_delete 'no'

config user
	option name 'chat'
	option password '$pbkdf2-sha256$i=100000,l=32$c2FsdHNhbHRzYWx0$0JvF2yRXk5aWb3o4n5m1JjJbE8sQy5eZkqfG8nZbC2U'

config user
	option name 'reader'
	option password '$pbkdf2-sha256$i=100000,l=32$c2FsdHNhbHRzYWx0$0JvF2yRXk5aWb3o4n5m1JjJbE8sQy5eZkqfG8nZbC2U'
	option home 'public'
	option read_only '1'
	option allow_delete 'on'

config user
	option name 'old'
	option password '$pbkdf2-sha256$i=100000,l=32$c2FsdHNhbHRzYWx0$0JvF2yRXk5aWb3o4n5m1JjJbE8sQy5eZkqfG8nZbC2U'
	option enabled '0'

config user
	option name 'nopassword'
EOF
cat >"$work/expected.toml" <<'EOF'
# Written by /etc/init.d/loft from /etc/config/loft: change that, not this file.
listen = ["0.0.0.0:2121", "[::]:2121"]
root = "/mnt/sda1/loft"
greeting = "Say \"hi\" \\ welcome"
anonymous = false
users_file = "/etc/loft/invited.toml"

[log]
level = "debug"

[tls]
mode = "required"
cert = "/etc/loft/loft.crt"
key = "/etc/loft/loft.key"
ca_cert = "/etc/loft/loft-ca.crt"
ca_key = "/etc/loft/loft-ca.key"

[passive]
ports = "50100-50120"
public_host = "relay.example.org"

[web]
enabled = true
listen = ["0.0.0.0:9443", "[::]:9443"]
https = true

[limits]
max_connections = 32
shutdown_grace = 3

[limits.failed_logins]
attempts = 4
block = "both"

[chat]
rooms = ["*.txt", "rooms/*.log"]
validate = true
sync = "always"
allow_delete = false

[[users]]
name = "chat"
password = "$pbkdf2-sha256$i=100000,l=32$c2FsdHNhbHRzYWx0$0JvF2yRXk5aWb3o4n5m1JjJbE8sQy5eZkqfG8nZbC2U"

[[users]]
name = "reader"
password = "$pbkdf2-sha256$i=100000,l=32$c2FsdHNhbHRzYWx0$0JvF2yRXk5aWb3o4n5m1JjJbE8sQy5eZkqfG8nZbC2U"
home = "public"
read_only = true
allow_delete = true
EOF
if with_init 'config_load loft; loft_toml' >"$work/got.toml" 2>"$work/err"; then
	if diff -u "$work/expected.toml" "$work/got.toml"; then
		pass "UCI -> TOML: every option, lists, escaping, users (disabled and incomplete skipped)"
	else
		fail "UCI -> TOML differs from the expected text"
	fi
else
	fail "UCI -> TOML failed: $(cat "$work/err")"
fi
grep -q "nopassword" "$work/err" && pass "a user without a password is reported" ||
	fail "no warning for the user without a password"

if python3 -c 'import sys, tomllib; tomllib.load(open(sys.argv[1], "rb"))' "$work/got.toml" 2>"$work/err"; then
	pass "the generated file is valid TOML (Python tomllib)"
else
	fail "the generated file is not TOML: $(cat "$work/err")"
fi

if [ -n "$LOFT_BIN" ]; then
	# With a real hash and a real certificate (from `loft init`), `loft check` must pass.
	"$LOFT_BIN" init --root "$work/c/root" -c "$work/c/loft.toml" </dev/null >/dev/null 2>&1
	phc=$(sed -n 's/^password *= *"\(.*\)"$/\1/p' "$work/c/loft.toml")
	sed -e "s|^password = .*|password = \"$phc\"|" -e "s|/etc/loft/|$work/c/|" "$work/got.toml" >"$work/real.toml"
	if [ -n "$phc" ] && "$LOFT_BIN" check -c "$work/real.toml" >"$work/check.out" 2>&1; then
		pass "loft check accepts the generated config"
	else
		fail "loft check refuses the generated config: $(cat "$work/check.out")"
	fi
else
	echo "skip - loft check of the generated config (no LOFT_BIN)"
fi

# Defaults: a minimal section gives the documented defaults.
cat >"$work/config/loft" <<'EOF'
config loft 'main'
	option root '/mnt/usb/loft'
	option ipv6 '0'
EOF
with_init 'config_load loft; loft_toml' >"$work/got.toml" 2>"$work/err"
if grep -qx 'listen = \["0.0.0.0:21"\]' "$work/got.toml" && grep -qx 'mode = "optional"' "$work/got.toml" &&
	grep -qx 'ports = "50000-50100"' "$work/got.toml" && ! grep -q '^\[\[users\]\]' "$work/got.toml" &&
	grep -qx 'listen = \["0.0.0.0:8443"\]' "$work/got.toml" && grep -qx 'enabled = true' "$work/got.toml" &&
	grep -qx 'https = true' "$work/got.toml"; then
	pass "defaults: port 21, IPv4 only with ipv6 0, TLS optional, passive 50000-50100, web on 8443 over HTTPS"
else
	fail "defaults: $(cat "$work/got.toml")"
fi

# An explicit listen list wins over port/ipv6.
cat >"$work/config/loft" <<'EOF'
config loft 'main'
	option root '/mnt/usb/loft'
	option port '99'
	list listen '192.168.1.1:21'
	list listen '[fd00::1]:21'
EOF
with_init 'config_load loft; loft_toml' >"$work/got.toml" 2>"$work/err"
grep -qx 'listen = \["192.168.1.1:21", "\[fd00::1\]:21"\]' "$work/got.toml" &&
	pass "list listen is used as given" || fail "list listen: $(grep listen "$work/got.toml")"

# The web: off, plain HTTP, and an explicit list web_listen over web_port.
cat >"$work/config/loft" <<'EOF'
config loft 'main'
	option root '/mnt/usb/loft'
	option web '0'
	option web_https '0'
	option web_port '99'
	list web_listen '192.168.1.1:8443'
	list web_listen '[fd00::1]:8443'
EOF
with_init 'config_load loft; loft_toml' >"$work/got.toml" 2>"$work/err"
if sed -n '/^\[web\]$/,/^$/p' "$work/got.toml" | tr '\n' '|' |
	grep -qx '\[web\]|enabled = false|listen = \["192.168.1.1:8443", "\[fd00::1\]:8443"\]|https = false||'; then
	pass "web '0' emits enabled = false; web_https '0'; list web_listen is used as given"
else
	fail "web off: $(cat "$work/got.toml" "$work/err")"
fi

# Bad options are refused before anything starts.
for bad in "option port 'twenty-one'" "option tls 'maybe'" "option root 'relative/path'" "option max_per_ip '-1'" \
	"option web_port '84x3'"; do
	printf "config loft 'main'\n\toption root '/mnt/usb/loft'\n\t%s\n" "$bad" >"$work/config/loft"
	if with_init 'config_load loft; loft_toml' >/dev/null 2>"$work/err"; then
		fail "accepted: $bad"
	else
		pass "refused: $bad ($(head -n 1 "$work/err"))"
	fi
done

# ---------------------------------------------------------------- start_service
if [ -n "$LOFT_BIN" ]; then
	cat >"$work/config/loft" <<EOF
config loft 'main'
	option enabled '1'
	option port '2121'
	option root '$work/usb/loft'
	option mount '$work/usb'
	option cert '$work/etc/loft.crt'
	option key '$work/etc/loft.key'
	option firewall '1'
	option shutdown_grace '3'
EOF
	: >"$work/mounts"
	: >"$PROCD_LOG"
	with_init start_service 2>"$work/err"
	if [ ! -s "$PROCD_LOG" ] && grep -q "not mounted" "$work/err"; then
		pass "start_service waits while the mount is missing"
	else
		fail "start_service started without the mount: $(cat "$PROCD_LOG" "$work/err")"
	fi
	echo "/dev/sda1 $work/usb ext4 rw,relatime 0 0" >"$work/mounts"
	: >"$PROCD_LOG"
	with_init start_service 2>"$work/err"
	if grep -q "^procd_set_param command $LOFT_BIN serve -c $work/run/loft.toml\$" "$PROCD_LOG" &&
		grep -q '^procd_set_param respawn' "$PROCD_LOG" &&
		! grep -q '^procd_set_param reload_signal' "$PROCD_LOG" &&
		grep -q "^procd_set_param file $work/run/restart.toml\$" "$PROCD_LOG" &&
		grep -q '^procd_set_param term_timeout 5$' "$PROCD_LOG" &&
		grep -q '^json_add_string dest_port 2121$' "$PROCD_LOG" &&
		grep -q '^json_add_string dest_port 50000-50100$' "$PROCD_LOG" &&
		grep -q '^json_add_string name Allow-Loft-Web$' "$PROCD_LOG" &&
		grep -q '^json_add_string dest_port 8443$' "$PROCD_LOG"; then
		pass "start_service registers the instance (command, respawn, no reload_signal, restart file, firewall with the web port)"
	else
		fail "start_service: $(cat "$PROCD_LOG" "$work/err")"
	fi
	if [ -s "$work/etc/loft.crt" ] && [ -s "$work/etc/loft.key" ] &&
		[ "$(stat -c %a "$work/etc/loft.key")" = 600 ] && grep -qi fingerprint "$STUB_LOG" &&
		[ -s "$work/etc/loft-ca.crt" ] && [ "$(stat -c %a "$work/etc/loft-ca.key")" = 600 ]; then
		pass "first start makes a certificate and its CA (keys 0600, fingerprint logged)"
	else
		fail "no certificate made: $(cat "$work/err")"
	fi
	if "$LOFT_BIN" check -c "$work/run/loft.toml" >/dev/null 2>&1 && [ "$(stat -c %a "$work/run/loft.toml")" = 600 ]; then
		pass "the written loft.toml passes loft check and is mode 0600"
	else
		fail "the written loft.toml: $("$LOFT_BIN" check -c "$work/run/loft.toml" 2>&1)"
	fi
	grep -q "no users yet" "$work/err" && pass "start without users warns" || fail "no warning without users"

	# tls 'off' still needs the certificate for the web over HTTPS; not with the web off.
	sed -e "s|$work/etc/|$work/etc2/|" "$work/config/loft" >"$work/config/loft.new"
	printf "\toption tls 'off'\n\tlist web_listen '127.0.0.1:8444'\n\tlist web_listen '[::1]:8444'\n" >>"$work/config/loft.new"
	mv "$work/config/loft.new" "$work/config/loft"
	: >"$PROCD_LOG"
	with_init start_service 2>"$work/err"
	if [ -s "$work/etc2/loft.crt" ] && [ -s "$work/etc2/loft.key" ] && grep -q '^procd_set_param command' "$PROCD_LOG" &&
		[ "$(grep -c '^json_add_string name Allow-Loft-Web$' "$PROCD_LOG")" = 1 ] &&
		grep -q '^json_add_string dest_port 8444$' "$PROCD_LOG"; then
		pass "tls 'off' with the web on: the certificate is made; list web_listen ports in the firewall"
	else
		fail "tls off, web on: $(cat "$PROCD_LOG" "$work/err")"
	fi
	sed -e "s|$work/etc2/|$work/etc3/|" "$work/config/loft" >"$work/config/loft.new"
	printf "\toption web '0'\n" >>"$work/config/loft.new"
	mv "$work/config/loft.new" "$work/config/loft"
	: >"$PROCD_LOG"
	with_init start_service 2>"$work/err"
	if [ ! -e "$work/etc3/loft.crt" ] && grep -q '^procd_set_param command' "$PROCD_LOG" &&
		! grep -q 'Allow-Loft-Web' "$PROCD_LOG"; then
		pass "tls 'off' and web '0': no certificate, no web firewall rule"
	else
		fail "tls off, web off: $(ls "$work/etc3" 2>&1; cat "$PROCD_LOG" "$work/err")"
	fi
	sed -i -e '/option tls .off./d' -e '/web_listen/d' -e "/option web '0'/d" -e "s|$work/etc3/|$work/etc/|" "$work/config/loft"

	# A bad option: nothing registered, the reason logged.
	echo "	option passive_ports '9-1'" >>"$work/config/loft"
	: >"$PROCD_LOG"
	with_init start_service 2>"$work/err"
	if [ ! -s "$PROCD_LOG" ] && grep -q "passive" "$work/err"; then
		pass "start_service refuses a config loft check refuses ($(grep -o 'passive[^:]*' "$work/err" | head -n 1))"
	else
		fail "start_service with passive 9-1: $(cat "$PROCD_LOG" "$work/err")"
	fi

	# passwd: the hash lands in UCI, the password does not.
	: >"$STUB_LOG"
	printf 'sesame\n' | with_init passwd alice >"$work/out" 2>&1
	if grep -q '^uci add loft user$' "$STUB_LOG" && grep -q '^uci set loft.cfg0a1b2c.name=alice$' "$STUB_LOG" &&
		grep -q '^uci set loft.cfg0a1b2c.password=\$pbkdf2-sha256\$' "$STUB_LOG" &&
		grep -q '^uci commit loft$' "$STUB_LOG" && ! grep -q sesame "$STUB_LOG"; then
		pass "passwd NAME adds a user section with a PBKDF2 hash"
	else
		fail "passwd: $(cat "$work/out" "$STUB_LOG")"
	fi
	printf "config user\n\toption name 'alice'\n\toption password 'x'\n" >>"$work/config/loft"
	: >"$STUB_LOG"
	printf 'sesame2\n' | with_init passwd alice >"$work/out" 2>&1
	if ! grep -q '^uci add' "$STUB_LOG" && grep -q '^uci set loft.cfg[0-9]*.password=\$pbkdf2-sha256\$' "$STUB_LOG"; then
		pass "passwd NAME changes an existing user's hash"
	else
		fail "passwd (existing): $(cat "$work/out" "$STUB_LOG")"
	fi
else
	echo "skip - start_service and passwd (no LOFT_BIN)"
fi

# ---------------------------------------------------------------- hotplug
cat >"$work/config/loft" <<'EOF'
config loft 'main'
	option enabled '1'
	option root '/mnt/sda1/loft'
	option mount '/mnt/sda1'
	option shutdown_grace '1'
EOF
cat >"$work/init" <<'EOF'
#!/bin/sh
echo "init $*" >>"$STUB_LOG"
case "$1" in
stop) [ -n "${STUB_PID:-}" ] && kill "$STUB_PID" ;;
esac
exit 0
EOF
chmod +x "$work/init"
printf '%s\n' "/dev/sda1 /mnt/sda1 ext4 rw 0 0" "/dev/sdb1 /mnt/sdb1 vfat rw 0 0" >"$work/mounts"
hotplug() { # ACTION DEVICE
	ACTION=$1 DEVICE=$2 IPKG_INSTROOT="$here/stub" LOFT_INIT="$work/init" LOFT_PROC_MOUNTS="$work/mounts" \
		$SH "$ow/loft/files/loft.hotplug"
}
: >"$STUB_LOG"
hotplug add sda1
grep -q '^init restart$' "$STUB_LOG" && pass "hotplug: mount of the relay's disk restarts it" ||
	fail "hotplug add sda1: $(cat "$STUB_LOG")"
: >"$STUB_LOG"
hotplug add sdb1
grep -q '^init [rs]t' "$STUB_LOG" && fail "hotplug: another disk touched the relay: $(cat "$STUB_LOG")" ||
	pass "hotplug: another disk leaves the relay alone"
sleep 30 &
STUB_PID=$!
export STUB_PID
: >"$STUB_LOG"
start=$(date +%s)
hotplug remove sda1
if grep -q '^init stop$' "$STUB_LOG" && ! kill -0 "$STUB_PID" 2>/dev/null && [ $(($(date +%s) - start)) -lt 5 ]; then
	pass "hotplug: unmount stops the relay and waits for it to exit"
else
	fail "hotplug remove sda1: $(cat "$STUB_LOG")"
fi
kill "$STUB_PID" 2>/dev/null
unset STUB_PID
# No `mount` option: the disk whose mount point holds root.
sed -i '/option mount/d' "$work/config/loft"
: >"$STUB_LOG"
hotplug add sda1
grep -q '^init restart$' "$STUB_LOG" && pass "hotplug without option mount: the disk holding root" ||
	fail "hotplug without mount option: $(cat "$STUB_LOG")"
sed -i "s/option enabled '1'/option enabled '0'/" "$work/config/loft"
: >"$STUB_LOG"
hotplug add sda1
grep -q '^init [rs]t' "$STUB_LOG" && fail "hotplug started a disabled relay" || pass "hotplug: disabled relay stays off"

# ---------------------------------------------------------------- make-ipk.sh
fakebin="$work/loft-bin"
printf '\177ELF fake\n' >"$fakebin"
# shellcheck disable=SC2086
if $SH "$ow/make-ipk.sh" mipsel-unknown-linux-musl --bin "$fakebin" --out "$work/ipk" >"$work/out" 2>&1; then
	ipk=$(ls "$work/ipk"/loft_*_mipsel_24kc.ipk 2>/dev/null)
	mkdir -p "$work/x" "$work/x/control" "$work/x/data"
	if [ -n "$ipk" ] && tar -xzf "$ipk" -C "$work/x" &&
		[ "$(tar -tzf "$ipk" | tr '\n' ' ')" = "./debian-binary ./data.tar.gz ./control.tar.gz " ] &&
		[ "$(cat "$work/x/debian-binary")" = 2.0 ] &&
		tar -xzf "$work/x/control.tar.gz" -C "$work/x/control" &&
		tar -xzf "$work/x/data.tar.gz" -C "$work/x/data" &&
		grep -q '^Package: loft$' "$work/x/control/control" &&
		grep -q '^Architecture: mipsel_24kc$' "$work/x/control/control" &&
		grep -q '^Installed-Size: [0-9]' "$work/x/control/control" &&
		[ "$(cat "$work/x/control/conffiles")" = /etc/config/loft ] &&
		grep -qx '/etc/loft/loft-ca.key' "$work/x/data/lib/upgrade/keep.d/loft" &&
		[ -x "$work/x/control/postinst" ] && [ -x "$work/x/control/prerm" ] &&
		[ -x "$work/x/data/usr/bin/loft" ] && [ -x "$work/x/data/etc/init.d/loft" ] &&
		[ -f "$work/x/data/etc/config/loft" ] && [ -f "$work/x/data/etc/hotplug.d/mount/60-loft" ] &&
		cmp -s "$fakebin" "$work/x/data/usr/bin/loft"; then
		pass "make-ipk.sh: gzip'd tar of debian-binary, data.tar.gz, control.tar.gz; files in place; conffiles only what it ships, keep.d for the rest"
	else
		fail "make-ipk.sh: bad package: $(cat "$work/out"); $(tar -tzf "$ipk" 2>&1)"
	fi
else
	fail "make-ipk.sh: $(cat "$work/out")"
fi

# ---------------------------------------------------------------- shellcheck
if command -v shellcheck >/dev/null 2>&1; then
	if shellcheck -s sh "$ow/loft/files/loft.init" "$ow/loft/files/loft.hotplug" "$ow/make-ipk.sh" \
		"$here/run.sh" "$repo/cross/build.sh" "$repo/cross/smoke.sh" "$repo/systemd/test.sh" >"$work/sc" 2>&1; then
		pass "shellcheck -s sh: init, hotplug, make-ipk, cross and systemd scripts"
	else
		fail "shellcheck: $(cat "$work/sc")"
	fi
else
	echo "skip - shellcheck (not installed)"
fi

if [ "$failures" -gt 0 ]; then
	echo "$failures test(s) failed"
	exit 1
fi
echo "all passed"
